-- KPI storage (SQLite): team → project mapping, sprint membership, the
-- indexes the KPI source queries use, and snapshot/risk-item columns.
-- Keep table, column and index names identical to the PostgreSQL migration
-- with the same ID. docs/storage.md lists every index and its query.
CREATE TABLE team_projects (
    org_id     TEXT NOT NULL,
    team       TEXT NOT NULL,
    project_id TEXT NOT NULL,
    PRIMARY KEY (org_id, team, project_id)
);
--bun:split
-- One row per (sprint, issue) whose sprint field ever held the sprint: the
-- issue's current sprint_id or a sprint transition's from/to (comma lists
-- split). Maintained by WritePage together with issue_transitions.
CREATE TABLE issue_sprints (
    org_id    TEXT NOT NULL,
    sprint_id TEXT NOT NULL,
    source    TEXT NOT NULL,
    issue_id  TEXT NOT NULL,
    PRIMARY KEY (org_id, sprint_id, source, issue_id)
);
--bun:split
CREATE INDEX issue_sprints_issue ON issue_sprints (org_id, source, issue_id);
--bun:split
WITH RECURSIVE vals (org_id, source, issue_id, rest) AS (
    SELECT org_id, source, external_id, sprint_id || ',' FROM issues WHERE sprint_id <> ''
    UNION ALL
    SELECT org_id, source, issue_id, from_value || ',' FROM issue_transitions WHERE field = 'sprint' AND from_value <> ''
    UNION ALL
    SELECT org_id, source, issue_id, to_value || ',' FROM issue_transitions WHERE field = 'sprint' AND to_value <> ''
), parts (org_id, source, issue_id, part, rest) AS (
    SELECT org_id, source, issue_id, '', rest FROM vals
    UNION ALL
    SELECT org_id, source, issue_id, trim(substr(rest, 1, instr(rest, ',') - 1)), substr(rest, instr(rest, ',') + 1)
    FROM parts WHERE rest <> ''
)
INSERT INTO issue_sprints (org_id, sprint_id, source, issue_id)
SELECT DISTINCT org_id, part, source, issue_id FROM parts WHERE part <> ''
ON CONFLICT DO NOTHING;
--bun:split
CREATE INDEX issues_created ON issues (org_id, created_at);
--bun:split
CREATE INDEX issues_team_resolved ON issues (org_id, team, resolved_at);
--bun:split
CREATE INDEX issues_priority_resolved ON issues (org_id, priority, resolved_at);
--bun:split
CREATE INDEX issues_marked ON issues (org_id, resolved_at) WHERE (is_flagged OR blocked_by NOT IN ('null', '[]'));
--bun:split
CREATE INDEX merge_requests_closed ON merge_requests (org_id, closed_at);
--bun:split
CREATE INDEX deployments_finished ON deployments (org_id, finished_at);
--bun:split
ALTER TABLE kpi_snapshots ADD COLUMN period_us INTEGER NOT NULL DEFAULT 0;
--bun:split
UPDATE kpi_snapshots SET period_us = CAST(round((julianday(period_end) - julianday(period_start)) * 86400) AS INTEGER) * 1000000;
--bun:split
CREATE INDEX kpi_snapshots_length ON kpi_snapshots (org_id, scope, period_us, period_start);
--bun:split
ALTER TABLE risk_items ADD COLUMN age_days REAL NOT NULL DEFAULT 0;
--bun:split
UPDATE risk_items SET age_days = age_seconds / 86400;
--bun:split
ALTER TABLE risk_items ADD COLUMN detail TEXT NOT NULL DEFAULT '';
--bun:split
CREATE INDEX risk_items_kind ON risk_items (snapshot_id, kind, position);
