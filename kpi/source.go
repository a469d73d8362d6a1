package kpi

import (
	"context"
	"iter"
	"time"

	"github.com/ovia-hq/ovia/connectors"
)

// Query is what a Source is asked for: one org, scope and period, plus the
// classifier, so a database can filter incidents and blocker priorities in
// SQL.
type Query struct {
	OrgID      string
	Scope      Scope
	Period     Period
	Classifier Classifier
}

// IssueHistory is an issue with its transitions in Seq order.
type IssueHistory struct {
	Issue       connectors.Issue
	Transitions []connectors.Transition
}

// SprintHistory is a sprint with every issue whose sprint field ever held
// it (now or in a sprint transition's From or To), each with its status and
// sprint transitions, so membership at completion can be replayed.
type SprintHistory struct {
	Sprint connectors.Sprint
	Issues []IssueHistory
}

// Source is what Compute needs from a database (storage implements it;
// MemSource is the in-memory one). Every method returns only rows of
// q.OrgID within q.Scope. Streams are read once, in any order; a Source may
// return a superset of the rows described (Compute re-checks every
// predicate), but never fewer. The row sets are bounded by the period, not by
// the size of the database, so a snapshot over a million-issue org reads a
// few thousand rows for a week: indexes on issues(org, resolved_at),
// issues(org, resolution-or-open, priority/flag), merge_requests(org,
// merged_at) and (org, state), pipelines(org, finished_at) and
// deployments(org, finished_at) serve every method.
//
// Streams yield pointers that are valid only until the iterator resumes: a
// Source may decode every row into one reused struct, and Compute copies
// whatever it keeps, so streaming a period costs no allocation per row.
// Each row is yielded at most once per stream. Iterators stop at the first
// error, yielding it (with a nil row); Compute stops reading when the
// context is done.
type Source interface {
	// ResolvedIssues yields issues with ResolvedAt in the period, each with
	// its status transitions (sprint transitions may be omitted).
	ResolvedIssues(ctx context.Context, q Query) iter.Seq2[*IssueHistory, error]
	// BlockerCandidates yields issues open at period end (created before
	// End, not resolved before End) that have a blocker priority, are
	// flagged, or have BlockedBy keys.
	BlockerCandidates(ctx context.Context, q Query) iter.Seq2[*connectors.Issue, error]
	// IssuesOpenAt reports which of the given issue keys (of any scope in
	// the org) were open at time at; keys not found are absent from the map.
	IssuesOpenAt(ctx context.Context, orgID string, keys []string, at time.Time) (map[string]bool, error)
	// CompletedSprints yields sprints with CompleteAt in the period, with
	// their member candidates (see SprintHistory).
	CompletedSprints(ctx context.Context, q Query) iter.Seq2[*SprintHistory, error]
	// MergeRequests yields MRs merged in the period and MRs open at period
	// end (created before End and neither merged nor closed before End).
	MergeRequests(ctx context.Context, q Query) iter.Seq2[*connectors.MergeRequest, error]
	// Pipelines yields pipelines with FinishedAt in the period.
	Pipelines(ctx context.Context, q Query) iter.Seq2[*connectors.Pipeline, error]
	// Projects yields the GitLab projects in scope (for default branches).
	Projects(ctx context.Context, q Query) iter.Seq2[*connectors.Project, error]
	// Deployments yields deployments with FinishedAt in the period. Only
	// production-tier rows are used; a source may return every tier so
	// Compute can tell "no production deploy" from "deployments not
	// tracked".
	Deployments(ctx context.Context, q Query) iter.Seq2[*connectors.Deployment, error]
	// Incidents yields issues recognised by q.Classifier.IsIncident that
	// were created or resolved in the period.
	Incidents(ctx context.Context, q Query) iter.Seq2[*connectors.Issue, error]
}
