package connectors

import (
	"time"

	"github.com/ovia-hq/ovia/identity"
)

// StatusCategory is Jira's coarse status grouping.
type StatusCategory string

// Status categories (Jira's statusCategory.key: new → todo,
// indeterminate → in_progress, done → done).
const (
	CategoryTodo       StatusCategory = "todo"
	CategoryInProgress StatusCategory = "in_progress"
	CategoryDone       StatusCategory = "done"
)

// Issue is a normalized tracker issue. People are referenced by their
// identity's external id in the same source (Jira accountId).
type Issue struct {
	OrgID          string            `json:"org_id"`
	Source         identity.Source   `json:"source"`
	ExternalID     string            `json:"external_id"`
	Key            string            `json:"key"`
	ProjectKey     string            `json:"project_key"`
	Summary        string            `json:"summary"`
	Type           string            `json:"type"`
	Status         string            `json:"status"`
	StatusCategory StatusCategory    `json:"status_category"`
	Priority       string            `json:"priority,omitempty"`
	Labels         []string          `json:"labels,omitempty"`
	AssigneeID     string            `json:"assignee_id,omitempty"`
	ReporterID     string            `json:"reporter_id,omitempty"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
	ResolvedAt     *time.Time        `json:"resolved_at,omitempty"`
	StoryPoints    *float64          `json:"story_points,omitempty"`
	Team           string            `json:"team,omitempty"`
	SprintID       string            `json:"sprint_id,omitempty"`
	IsFlagged      bool              `json:"is_flagged"`
	BlockedBy      []string          `json:"blocked_by,omitempty"` // issue keys
	URL            string            `json:"url,omitempty"`
	Extra          map[string]string `json:"extra,omitempty"`
}

// Transition fields.
const (
	FieldStatus = "status"
	FieldSprint = "sprint"
)

// Transition is one change of an issue's status or sprint, from the
// changelog. Seq orders an issue's transitions (0-based); an issue's
// transitions are replaced as a whole on each sync.
type Transition struct {
	OrgID        string          `json:"org_id"`
	Source       identity.Source `json:"source"`
	IssueID      string          `json:"issue_id"`
	Seq          int             `json:"seq"`
	Field        string          `json:"field"`
	From         string          `json:"from,omitempty"`
	To           string          `json:"to,omitempty"`
	FromCategory StatusCategory  `json:"from_category,omitempty"`
	ToCategory   StatusCategory  `json:"to_category,omitempty"`
	At           time.Time       `json:"at"`
	AuthorID     string          `json:"author_id,omitempty"`
}

// Sprint is an agile sprint.
type Sprint struct {
	OrgID      string          `json:"org_id"`
	Source     identity.Source `json:"source"`
	ExternalID string          `json:"external_id"`
	BoardID    string          `json:"board_id,omitempty"`
	Name       string          `json:"name"`
	State      string          `json:"state"` // future, active, closed
	StartAt    *time.Time      `json:"start_at,omitempty"`
	EndAt      *time.Time      `json:"end_at,omitempty"`
	CompleteAt *time.Time      `json:"complete_at,omitempty"`
}

// Project is a GitLab project (or another source's repository).
type Project struct {
	OrgID             string          `json:"org_id"`
	Source            identity.Source `json:"source"`
	ExternalID        string          `json:"external_id"`
	PathWithNamespace string          `json:"path_with_namespace"`
	Name              string          `json:"name,omitempty"`
	DefaultBranch     string          `json:"default_branch,omitempty"`
	URL               string          `json:"url,omitempty"`
}

// MergeRequest is a normalized GitLab merge request.
type MergeRequest struct {
	OrgID          string          `json:"org_id"`
	Source         identity.Source `json:"source"`
	ExternalID     string          `json:"external_id"` // global id
	ProjectID      string          `json:"project_id"`
	IID            int64           `json:"iid"`
	Title          string          `json:"title"`
	State          string          `json:"state"` // opened, closed, merged, locked
	AuthorID       string          `json:"author_id,omitempty"`
	Labels         []string        `json:"labels,omitempty"`
	SourceBranch   string          `json:"source_branch,omitempty"`
	TargetBranch   string          `json:"target_branch,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	MergedAt       *time.Time      `json:"merged_at,omitempty"`
	ClosedAt       *time.Time      `json:"closed_at,omitempty"`
	FirstReviewAt  *time.Time      `json:"first_review_at,omitempty"`
	MergeCommitSHA string          `json:"merge_commit_sha,omitempty"`
	URL            string          `json:"url,omitempty"`
}

// Pipeline is a CI pipeline run.
type Pipeline struct {
	OrgID      string          `json:"org_id"`
	Source     identity.Source `json:"source"`
	ExternalID string          `json:"external_id"`
	ProjectID  string          `json:"project_id"`
	Ref        string          `json:"ref"`
	SHA        string          `json:"sha,omitempty"`
	Status     string          `json:"status"`
	// TriggerSource is GitLab's pipeline "source" (push, merge_request_event, schedule…).
	TriggerSource   string     `json:"trigger_source,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	StartedAt       *time.Time `json:"started_at,omitempty"`
	FinishedAt      *time.Time `json:"finished_at,omitempty"`
	DurationSeconds *float64   `json:"duration_seconds,omitempty"`
	URL             string     `json:"url,omitempty"`
}

// Deployment is a deployment of a project to an environment.
type Deployment struct {
	OrgID           string          `json:"org_id"`
	Source          identity.Source `json:"source"`
	ExternalID      string          `json:"external_id"`
	ProjectID       string          `json:"project_id"`
	Environment     string          `json:"environment"`
	EnvironmentTier string          `json:"environment_tier,omitempty"` // production, staging, …
	Status          string          `json:"status"`                     // success, failed, running, canceled, …
	Ref             string          `json:"ref,omitempty"`
	SHA             string          `json:"sha,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	FinishedAt      *time.Time      `json:"finished_at,omitempty"`
	// MergeRequestIDs are the external ids of MRs this deployment shipped,
	// when the source tells (GitLab's deployment merge_requests endpoint).
	MergeRequestIDs []string `json:"merge_request_ids,omitempty"`
	URL             string   `json:"url,omitempty"`
}

// RawPayload is the latest payload of one entity as the source sent it.
type RawPayload struct {
	OrgID      string          `json:"org_id"`
	Source     identity.Source `json:"source"`
	Kind       string          `json:"kind"`
	ExternalID string          `json:"external_id"`
	Payload    []byte          `json:"payload"`
	SHA256     string          `json:"sha256"`
	FetchedAt  time.Time       `json:"fetched_at"`
}

// Stream names a kind of data synced from one source.
type Stream string

// Streams (SPEC §2 SyncWatermark).
const (
	StreamUsers         Stream = "users"
	StreamIssues        Stream = "issues"
	StreamMergeRequests Stream = "merge_requests"
	StreamPipelines     Stream = "pipelines"
	StreamDeployments   Stream = "deployments"
	StreamGroupMembers  Stream = "group_members"
)

// Watermark is the sync state of one (org, source, stream), including the
// lease that lets one replica at a time sync it.
type Watermark struct {
	OrgID          string          `json:"org_id"`
	Source         identity.Source `json:"source"`
	Stream         Stream          `json:"stream"`
	Cursor         string          `json:"cursor,omitempty"`
	Status         string          `json:"status"` // idle, running, ok, failed
	LeaseOwner     string          `json:"lease_owner,omitempty"`
	LeaseExpiresAt *time.Time      `json:"lease_expires_at,omitempty"`
	LastStartedAt  *time.Time      `json:"last_started_at,omitempty"`
	LastSuccessAt  *time.Time      `json:"last_success_at,omitempty"`
	LastError      string          `json:"last_error,omitempty"`
	ItemsSynced    int64           `json:"items_synced"`
}

// RecordSet is every normalized record of an org, in a canonical order
// (by source and external id; transitions by issue and seq). Tests and
// audits compare sets; production code streams instead.
type RecordSet struct {
	Identities    []identity.Identity
	Issues        []Issue
	Transitions   []Transition
	Sprints       []Sprint
	Projects      []Project
	MergeRequests []MergeRequest
	Pipelines     []Pipeline
	Deployments   []Deployment
}
