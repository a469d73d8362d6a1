-- Ovia schema v1 (SQLite). Keep table and column names identical to the
-- PostgreSQL migration with the same ID; only types differ.
CREATE TABLE people (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    display_name  TEXT NOT NULL DEFAULT '',
    primary_email TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    archived_at   TIMESTAMP
);
--bun:split
CREATE INDEX people_org_name ON people (org_id, display_name);
--bun:split
CREATE TABLE identities (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL,
    source             TEXT NOT NULL,
    external_id        TEXT NOT NULL,
    username           TEXT NOT NULL DEFAULT '',
    email              TEXT NOT NULL DEFAULT '',
    display_name       TEXT NOT NULL DEFAULT '',
    is_service_account BOOLEAN NOT NULL DEFAULT FALSE,
    raw_ref            TEXT NOT NULL DEFAULT '',
    first_seen_at      TIMESTAMP NOT NULL,
    last_seen_at       TIMESTAMP NOT NULL,
    changed_at         TIMESTAMP NOT NULL,
    UNIQUE (org_id, source, external_id)
);
--bun:split
CREATE TABLE identity_links (
    identity_id          TEXT PRIMARY KEY REFERENCES identities (id) ON DELETE CASCADE,
    org_id               TEXT NOT NULL,
    person_id            TEXT NOT NULL REFERENCES people (id),
    status               TEXT NOT NULL CHECK (status IN ('auto', 'conflict', 'confirmed', 'rejected')),
    score                REAL NOT NULL DEFAULT 0,
    rule_trace           TEXT,
    candidate_person_ids TEXT,
    decided_by           TEXT NOT NULL DEFAULT '',
    decided_at           TIMESTAMP,
    version              INTEGER NOT NULL DEFAULT 1,
    matched_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX identity_links_queue ON identity_links (org_id, status, score DESC);
--bun:split
CREATE INDEX identity_links_person ON identity_links (person_id);
--bun:split
CREATE TABLE identity_events (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    identity_id    TEXT NOT NULL,
    from_person_id TEXT NOT NULL DEFAULT '',
    to_person_id   TEXT NOT NULL DEFAULT '',
    actor          TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    payload        TEXT,
    created_at     TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX identity_events_identity ON identity_events (org_id, identity_id, created_at);
--bun:split
CREATE INDEX identity_events_from ON identity_events (org_id, from_person_id);
--bun:split
CREATE INDEX identity_events_to ON identity_events (org_id, to_person_id);
--bun:split
CREATE TABLE rejected_pairs (
    org_id      TEXT NOT NULL,
    identity_id TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, identity_id, person_id)
);
--bun:split
CREATE TABLE sync_watermarks (
    org_id           TEXT NOT NULL,
    source           TEXT NOT NULL,
    stream           TEXT NOT NULL,
    cursor           TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'idle',
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_expires_at TIMESTAMP,
    last_started_at  TIMESTAMP,
    last_success_at  TIMESTAMP,
    last_error       TEXT NOT NULL DEFAULT '',
    items_synced     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, source, stream)
);
--bun:split
CREATE TABLE raw_payloads (
    org_id      TEXT NOT NULL,
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    external_id TEXT NOT NULL,
    payload     TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    fetched_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, source, kind, external_id)
);
--bun:split
CREATE TABLE issues (
    org_id          TEXT NOT NULL,
    source          TEXT NOT NULL,
    external_id     TEXT NOT NULL,
    key             TEXT NOT NULL,
    project_key     TEXT NOT NULL,
    summary         TEXT NOT NULL DEFAULT '',
    type            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT '',
    status_category TEXT NOT NULL DEFAULT '',
    priority        TEXT NOT NULL DEFAULT '',
    labels          TEXT,
    assignee_id     TEXT NOT NULL DEFAULT '',
    reporter_id     TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    resolved_at     TIMESTAMP,
    story_points    REAL,
    team            TEXT NOT NULL DEFAULT '',
    sprint_id       TEXT NOT NULL DEFAULT '',
    is_flagged      BOOLEAN NOT NULL DEFAULT FALSE,
    blocked_by      TEXT,
    url             TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, source, external_id)
);
--bun:split
CREATE INDEX issues_project_resolved ON issues (org_id, project_key, resolved_at);
--bun:split
CREATE INDEX issues_resolved ON issues (org_id, resolved_at);
--bun:split
CREATE INDEX issues_open ON issues (org_id, status_category, project_key);
--bun:split
CREATE INDEX issues_key ON issues (org_id, key);
--bun:split
CREATE TABLE issue_transitions (
    org_id        TEXT NOT NULL,
    source        TEXT NOT NULL,
    issue_id      TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    field         TEXT NOT NULL,
    from_value    TEXT NOT NULL DEFAULT '',
    to_value      TEXT NOT NULL DEFAULT '',
    from_category TEXT NOT NULL DEFAULT '',
    to_category   TEXT NOT NULL DEFAULT '',
    at            TIMESTAMP NOT NULL,
    author_id     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, source, issue_id, seq)
);
--bun:split
CREATE TABLE sprints (
    org_id      TEXT NOT NULL,
    source      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    board_id    TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT '',
    start_at    TIMESTAMP,
    end_at      TIMESTAMP,
    complete_at TIMESTAMP,
    PRIMARY KEY (org_id, source, external_id)
);
--bun:split
CREATE INDEX sprints_complete ON sprints (org_id, complete_at);
--bun:split
CREATE TABLE projects (
    org_id              TEXT NOT NULL,
    source              TEXT NOT NULL,
    external_id         TEXT NOT NULL,
    path_with_namespace TEXT NOT NULL DEFAULT '',
    name                TEXT NOT NULL DEFAULT '',
    default_branch      TEXT NOT NULL DEFAULT '',
    url                 TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, source, external_id)
);
--bun:split
CREATE TABLE merge_requests (
    org_id           TEXT NOT NULL,
    source           TEXT NOT NULL,
    external_id      TEXT NOT NULL,
    project_id       TEXT NOT NULL,
    iid              INTEGER NOT NULL,
    title            TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL,
    author_id        TEXT NOT NULL DEFAULT '',
    labels           TEXT,
    source_branch    TEXT NOT NULL DEFAULT '',
    target_branch    TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    merged_at        TIMESTAMP,
    closed_at        TIMESTAMP,
    first_review_at  TIMESTAMP,
    merge_commit_sha TEXT NOT NULL DEFAULT '',
    url              TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, source, external_id)
);
--bun:split
CREATE INDEX merge_requests_project_merged ON merge_requests (org_id, project_id, merged_at);
--bun:split
CREATE INDEX merge_requests_merged ON merge_requests (org_id, merged_at);
--bun:split
CREATE INDEX merge_requests_state ON merge_requests (org_id, state, updated_at);
--bun:split
CREATE TABLE pipelines (
    org_id           TEXT NOT NULL,
    source           TEXT NOT NULL,
    external_id      TEXT NOT NULL,
    project_id       TEXT NOT NULL,
    ref              TEXT NOT NULL DEFAULT '',
    sha              TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    trigger_source   TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    started_at       TIMESTAMP,
    finished_at      TIMESTAMP,
    duration_seconds REAL,
    url              TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, source, external_id)
);
--bun:split
CREATE INDEX pipelines_project_created ON pipelines (org_id, project_id, created_at);
--bun:split
CREATE INDEX pipelines_finished ON pipelines (org_id, finished_at, status);
--bun:split
CREATE TABLE deployments (
    org_id            TEXT NOT NULL,
    source            TEXT NOT NULL,
    external_id       TEXT NOT NULL,
    project_id        TEXT NOT NULL,
    environment       TEXT NOT NULL DEFAULT '',
    environment_tier  TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    ref               TEXT NOT NULL DEFAULT '',
    sha               TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP,
    merge_request_ids TEXT,
    url               TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, source, external_id)
);
--bun:split
CREATE INDEX deployments_tier_finished ON deployments (org_id, environment_tier, finished_at);
--bun:split
CREATE TABLE kpi_snapshots (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    scope        TEXT NOT NULL,
    period_start TIMESTAMP NOT NULL,
    period_end   TIMESTAMP NOT NULL,
    metrics      TEXT NOT NULL,
    computed_at  TIMESTAMP NOT NULL,
    UNIQUE (org_id, scope, period_start, period_end)
);
--bun:split
CREATE INDEX kpi_snapshots_history ON kpi_snapshots (org_id, scope, period_end);
--bun:split
CREATE TABLE risk_items (
    id          TEXT PRIMARY KEY,
    snapshot_id TEXT NOT NULL REFERENCES kpi_snapshots (id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL,
    position    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL DEFAULT '',
    age_seconds REAL NOT NULL DEFAULT 0,
    source_ref  TEXT NOT NULL DEFAULT '',
    UNIQUE (snapshot_id, position)
);
--bun:split
CREATE TABLE ask_sessions (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    question    TEXT NOT NULL,
    answer      TEXT NOT NULL,
    confidence  TEXT NOT NULL,
    assumptions TEXT,
    citations   TEXT,
    intent      TEXT,
    engine      TEXT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX ask_sessions_history ON ask_sessions (org_id, created_at);
--bun:split
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
