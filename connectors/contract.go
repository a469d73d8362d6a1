package connectors

import (
	"context"
	"iter"
	"time"

	"github.com/ovia-hq/ovia/identity"
)

// Page is one committed unit of a sync: the records decoded from one
// upstream page (plus whatever per-item follow-up requests it needed, such
// as Jira changelogs). The sync engine writes a page and advances the
// stream's cursor in one transaction.
type Page struct {
	// Number is 1-based within one Fetch.
	Number     int
	Identities []identity.Identity
	Issues     []Issue
	// Transitions holds the complete transition list of every issue in
	// Issues (replace strategy: an issue's stored transitions are replaced).
	Transitions   []Transition
	Sprints       []Sprint
	Projects      []Project
	MergeRequests []MergeRequest
	Pipelines     []Pipeline
	Deployments   []Deployment
	Raw           []RawPayload
	// MaxUpdated is the newest upstream "updated" time on the page; the
	// engine derives the next cursor from it. Zero for streams without
	// incremental filters (users, group members).
	MaxUpdated time.Time
	// Notes are warnings worth showing to a person (e.g. an unknown
	// Confluence group id answered an empty page).
	Notes []string
}

// Items counts the primary records of the page.
func (p Page) Items() int {
	return len(p.Identities) + len(p.Issues) + len(p.MergeRequests) + len(p.Pipelines) + len(p.Deployments) + len(p.Projects)
}

// FetchRequest asks a connector for one stream's changes.
type FetchRequest struct {
	OrgID  string
	Stream Stream
	// Since is the lower bound on upstream "updated" (already widened by
	// the engine's safety overlap). Zero means first sync: the connector
	// applies its own default window (e.g. JIRA_SYNC_WINDOW_DAYS).
	Since time.Time
}

// Connector is one configured source. Implementations live in
// connectors/jira, connectors/gitlab and connectors/confluence.
type Connector interface {
	// Source names the source.
	Source() identity.Source
	// Streams lists the streams this connector syncs, in the order they
	// should run (users first, so identities exist before records refer to them).
	Streams() []Stream
	// Fetch yields pages of one stream in upstream order; for incremental
	// streams the pages come oldest "updated" first, so MaxUpdated never
	// goes down (the engine advances its cursor with each committed page).
	// It stops at the
	// first error (yielding it) or when the caller stops iterating.
	Fetch(ctx context.Context, req FetchRequest) iter.Seq2[Page, error]
}
