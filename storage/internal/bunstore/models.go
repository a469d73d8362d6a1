package bunstore

import (
	"encoding/json"
	"time"

	"github.com/uptrace/bun"
)

// The models mirror the migrations column for column. They are internal:
// the feature packages see identity/connectors/kpi types only.

type personModel struct {
	bun.BaseModel `bun:"table:people,alias:people"`

	ID           string     `bun:"id,pk"`
	OrgID        string     `bun:"org_id,notnull"`
	DisplayName  string     `bun:"display_name,notnull"`
	PrimaryEmail string     `bun:"primary_email,notnull"`
	CreatedAt    time.Time  `bun:"created_at,notnull"`
	UpdatedAt    time.Time  `bun:"updated_at,notnull"`
	ArchivedAt   *time.Time `bun:"archived_at"`
}

type identityModel struct {
	bun.BaseModel `bun:"table:identities,alias:identities"`

	ID               string    `bun:"id,pk"`
	OrgID            string    `bun:"org_id,notnull"`
	Source           string    `bun:"source,notnull"`
	ExternalID       string    `bun:"external_id,notnull"`
	Username         string    `bun:"username,notnull"`
	Email            string    `bun:"email,notnull"`
	DisplayName      string    `bun:"display_name,notnull"`
	IsServiceAccount bool      `bun:"is_service_account,notnull"`
	RawRef           string    `bun:"raw_ref,notnull"`
	FirstSeenAt      time.Time `bun:"first_seen_at,notnull"`
	LastSeenAt       time.Time `bun:"last_seen_at,notnull"`
	ChangedAt        time.Time `bun:"changed_at,notnull"`
}

type linkModel struct {
	bun.BaseModel `bun:"table:identity_links,alias:identity_links"`

	IdentityID         string          `bun:"identity_id,pk"`
	OrgID              string          `bun:"org_id,notnull"`
	PersonID           string          `bun:"person_id,notnull"`
	Status             string          `bun:"status,notnull"`
	Score              float64         `bun:"score,notnull"`
	RuleTrace          json.RawMessage `bun:"rule_trace"`
	CandidatePersonIDs []string        `bun:"candidate_person_ids"`
	DecidedBy          string          `bun:"decided_by,notnull"`
	DecidedAt          *time.Time      `bun:"decided_at"`
	Version            int64           `bun:"version,notnull"`
	MatchedAt          time.Time       `bun:"matched_at,notnull"`
	UpdatedAt          time.Time       `bun:"updated_at,notnull"`
}

type eventModel struct {
	bun.BaseModel `bun:"table:identity_events,alias:identity_events"`

	ID           string          `bun:"id,pk"`
	OrgID        string          `bun:"org_id,notnull"`
	Kind         string          `bun:"kind,notnull"`
	IdentityID   string          `bun:"identity_id,notnull"`
	FromPersonID string          `bun:"from_person_id,notnull"`
	ToPersonID   string          `bun:"to_person_id,notnull"`
	Actor        string          `bun:"actor,notnull"`
	Reason       string          `bun:"reason,notnull"`
	Payload      json.RawMessage `bun:"payload"`
	CreatedAt    time.Time       `bun:"created_at,notnull"`
}

type rejectedPairModel struct {
	bun.BaseModel `bun:"table:rejected_pairs,alias:rejected_pairs"`

	OrgID      string    `bun:"org_id,pk"`
	IdentityID string    `bun:"identity_id,pk"`
	PersonID   string    `bun:"person_id,pk"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

type watermarkModel struct {
	bun.BaseModel `bun:"table:sync_watermarks,alias:sync_watermarks"`

	OrgID          string     `bun:"org_id,pk"`
	Source         string     `bun:"source,pk"`
	Stream         string     `bun:"stream,pk"`
	Cursor         string     `bun:"cursor,notnull"`
	Status         string     `bun:"status,notnull"`
	LeaseOwner     string     `bun:"lease_owner,notnull"`
	LeaseExpiresAt *time.Time `bun:"lease_expires_at"`
	LastStartedAt  *time.Time `bun:"last_started_at"`
	LastSuccessAt  *time.Time `bun:"last_success_at"`
	LastError      string     `bun:"last_error,notnull"`
	ItemsSynced    int64      `bun:"items_synced,notnull"`
}

type rawPayloadModel struct {
	bun.BaseModel `bun:"table:raw_payloads,alias:raw_payloads"`

	OrgID      string    `bun:"org_id,pk"`
	Source     string    `bun:"source,pk"`
	Kind       string    `bun:"kind,pk"`
	ExternalID string    `bun:"external_id,pk"`
	Payload    string    `bun:"payload,notnull"`
	SHA256     string    `bun:"sha256,notnull"`
	FetchedAt  time.Time `bun:"fetched_at,notnull"`
}

type issueModel struct {
	bun.BaseModel `bun:"table:issues,alias:issues"`

	OrgID          string     `bun:"org_id,pk"`
	Source         string     `bun:"source,pk"`
	ExternalID     string     `bun:"external_id,pk"`
	Key            string     `bun:"key,notnull"`
	ProjectKey     string     `bun:"project_key,notnull"`
	Summary        string     `bun:"summary,notnull"`
	Type           string     `bun:"type,notnull"`
	Status         string     `bun:"status,notnull"`
	StatusCategory string     `bun:"status_category,notnull"`
	Priority       string     `bun:"priority,notnull"`
	Labels         []string   `bun:"labels"`
	AssigneeID     string     `bun:"assignee_id,notnull"`
	ReporterID     string     `bun:"reporter_id,notnull"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
	UpdatedAt      time.Time  `bun:"updated_at,notnull"`
	ResolvedAt     *time.Time `bun:"resolved_at"`
	StoryPoints    *float64   `bun:"story_points"`
	Team           string     `bun:"team,notnull"`
	SprintID       string     `bun:"sprint_id,notnull"`
	IsFlagged      bool       `bun:"is_flagged,notnull"`
	BlockedBy      []string   `bun:"blocked_by"`
	URL            string     `bun:"url,notnull"`
}

type transitionModel struct {
	bun.BaseModel `bun:"table:issue_transitions,alias:issue_transitions"`

	OrgID        string    `bun:"org_id,pk"`
	Source       string    `bun:"source,pk"`
	IssueID      string    `bun:"issue_id,pk"`
	Seq          int       `bun:"seq,pk"`
	Field        string    `bun:"field,notnull"`
	FromValue    string    `bun:"from_value,notnull"`
	ToValue      string    `bun:"to_value,notnull"`
	FromCategory string    `bun:"from_category,notnull"`
	ToCategory   string    `bun:"to_category,notnull"`
	At           time.Time `bun:"at,notnull"`
	AuthorID     string    `bun:"author_id,notnull"`
}

type sprintModel struct {
	bun.BaseModel `bun:"table:sprints,alias:sprints"`

	OrgID      string     `bun:"org_id,pk"`
	Source     string     `bun:"source,pk"`
	ExternalID string     `bun:"external_id,pk"`
	BoardID    string     `bun:"board_id,notnull"`
	Name       string     `bun:"name,notnull"`
	State      string     `bun:"state,notnull"`
	StartAt    *time.Time `bun:"start_at"`
	EndAt      *time.Time `bun:"end_at"`
	CompleteAt *time.Time `bun:"complete_at"`
}

type projectModel struct {
	bun.BaseModel `bun:"table:projects,alias:projects"`

	OrgID             string `bun:"org_id,pk"`
	Source            string `bun:"source,pk"`
	ExternalID        string `bun:"external_id,pk"`
	PathWithNamespace string `bun:"path_with_namespace,notnull"`
	Name              string `bun:"name,notnull"`
	DefaultBranch     string `bun:"default_branch,notnull"`
	URL               string `bun:"url,notnull"`
}

type mergeRequestModel struct {
	bun.BaseModel `bun:"table:merge_requests,alias:merge_requests"`

	OrgID          string     `bun:"org_id,pk"`
	Source         string     `bun:"source,pk"`
	ExternalID     string     `bun:"external_id,pk"`
	ProjectID      string     `bun:"project_id,notnull"`
	IID            int64      `bun:"iid,notnull"`
	Title          string     `bun:"title,notnull"`
	State          string     `bun:"state,notnull"`
	AuthorID       string     `bun:"author_id,notnull"`
	Labels         []string   `bun:"labels"`
	SourceBranch   string     `bun:"source_branch,notnull"`
	TargetBranch   string     `bun:"target_branch,notnull"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
	UpdatedAt      time.Time  `bun:"updated_at,notnull"`
	MergedAt       *time.Time `bun:"merged_at"`
	ClosedAt       *time.Time `bun:"closed_at"`
	FirstReviewAt  *time.Time `bun:"first_review_at"`
	MergeCommitSHA string     `bun:"merge_commit_sha,notnull"`
	URL            string     `bun:"url,notnull"`
}

type pipelineModel struct {
	bun.BaseModel `bun:"table:pipelines,alias:pipelines"`

	OrgID           string     `bun:"org_id,pk"`
	Source          string     `bun:"source,pk"`
	ExternalID      string     `bun:"external_id,pk"`
	ProjectID       string     `bun:"project_id,notnull"`
	Ref             string     `bun:"ref,notnull"`
	SHA             string     `bun:"sha,notnull"`
	Status          string     `bun:"status,notnull"`
	TriggerSource   string     `bun:"trigger_source,notnull"`
	CreatedAt       time.Time  `bun:"created_at,notnull"`
	UpdatedAt       time.Time  `bun:"updated_at,notnull"`
	StartedAt       *time.Time `bun:"started_at"`
	FinishedAt      *time.Time `bun:"finished_at"`
	DurationSeconds *float64   `bun:"duration_seconds"`
	URL             string     `bun:"url,notnull"`
}

type deploymentModel struct {
	bun.BaseModel `bun:"table:deployments,alias:deployments"`

	OrgID           string     `bun:"org_id,pk"`
	Source          string     `bun:"source,pk"`
	ExternalID      string     `bun:"external_id,pk"`
	ProjectID       string     `bun:"project_id,notnull"`
	Environment     string     `bun:"environment,notnull"`
	EnvironmentTier string     `bun:"environment_tier,notnull"`
	Status          string     `bun:"status,notnull"`
	Ref             string     `bun:"ref,notnull"`
	SHA             string     `bun:"sha,notnull"`
	CreatedAt       time.Time  `bun:"created_at,notnull"`
	UpdatedAt       time.Time  `bun:"updated_at,notnull"`
	FinishedAt      *time.Time `bun:"finished_at"`
	MergeRequestIDs []string   `bun:"merge_request_ids"`
	URL             string     `bun:"url,notnull"`
}

type snapshotModel struct {
	bun.BaseModel `bun:"table:kpi_snapshots,alias:kpi_snapshots"`

	ID          string          `bun:"id,pk"`
	OrgID       string          `bun:"org_id,notnull"`
	Scope       string          `bun:"scope,notnull"`
	PeriodStart time.Time       `bun:"period_start,notnull"`
	PeriodEnd   time.Time       `bun:"period_end,notnull"`
	Metrics     json.RawMessage `bun:"metrics,notnull"`
	ComputedAt  time.Time       `bun:"computed_at,notnull"`
}

type riskItemModel struct {
	bun.BaseModel `bun:"table:risk_items,alias:risk_items"`

	ID         string  `bun:"id,pk"`
	SnapshotID string  `bun:"snapshot_id,notnull"`
	OrgID      string  `bun:"org_id,notnull"`
	Position   int     `bun:"position,notnull"`
	Kind       string  `bun:"kind,notnull"`
	Severity   string  `bun:"severity,notnull"`
	Title      string  `bun:"title,notnull"`
	URL        string  `bun:"url,notnull"`
	AgeSeconds float64 `bun:"age_seconds,notnull"`
	SourceRef  string  `bun:"source_ref,notnull"`
}
