-- KPI storage (PostgreSQL): team → project mapping, sprint membership, the
-- indexes the KPI source queries use, and snapshot/risk-item columns.
-- Keep table, column and index names identical to the SQLite migration
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
INSERT INTO issue_sprints (org_id, sprint_id, source, issue_id)
SELECT DISTINCT org_id, btrim(part), source, issue_id FROM (
    SELECT org_id, source, external_id AS issue_id, unnest(string_to_array(sprint_id, ',')) AS part FROM issues WHERE sprint_id <> ''
    UNION ALL
    SELECT org_id, source, issue_id, unnest(string_to_array(from_value, ',')) FROM issue_transitions WHERE field = 'sprint' AND from_value <> ''
    UNION ALL
    SELECT org_id, source, issue_id, unnest(string_to_array(to_value, ',')) FROM issue_transitions WHERE field = 'sprint' AND to_value <> ''
) AS vals
WHERE btrim(part) <> ''
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
ALTER TABLE kpi_snapshots ADD COLUMN period_us BIGINT NOT NULL DEFAULT 0;
--bun:split
UPDATE kpi_snapshots SET period_us = (EXTRACT(EPOCH FROM period_end - period_start) * 1000000)::BIGINT;
--bun:split
CREATE INDEX kpi_snapshots_length ON kpi_snapshots (org_id, scope, period_us, period_start);
--bun:split
ALTER TABLE risk_items ADD COLUMN age_days DOUBLE PRECISION NOT NULL DEFAULT 0;
--bun:split
UPDATE risk_items SET age_days = age_seconds / 86400;
--bun:split
ALTER TABLE risk_items ADD COLUMN detail TEXT NOT NULL DEFAULT '';
--bun:split
CREATE INDEX risk_items_kind ON risk_items (snapshot_id, kind, position);
