package ovia

import (
	"context"
	"fmt"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/matching"
)

// ResolveReport says what one matching run did.
type ResolveReport struct {
	Matching matching.Stats      `json:"matching"`
	Applied  identity.ApplyStats `json:"applied"`
	// Active is how many identities acted in synced records (the
	// co_occurrence rule's evidence); 0 when nothing was pending, as the
	// records are then not read.
	Active  int           `json:"active_identities"`
	Elapsed time.Duration `json:"elapsed"`
	// Phases splits Elapsed, to show where a long run goes.
	Phases ResolvePhases `json:"phases"`
}

// ResolvePhases are the parts of a matching run.
type ResolvePhases struct {
	Load     time.Duration `json:"load"`     // identities and links read
	Activity time.Duration `json:"activity"` // synced activity read (co_occurrence)
	Match    time.Duration `json:"match"`    // the matching engine
	Apply    time.Duration `json:"apply"`    // links, people and events written
}

// Resolve runs matching over an org's new and changed identities and
// applies the decisions: sure links are made, doubtful ones queued as
// conflicts, the rest get a person of their own. Human decisions stay.
//
// Unless the matching configuration brings its own Activity, the
// co_occurrence rule is fed from the synced records (storage's
// IdentityActivity: Jira projects and teams, GitLab projects, teams and
// the Jira issues merge requests name). A non-nil empty Activity turns it
// off.
func (c *Client) Resolve(ctx context.Context, orgID string) (ResolveReport, error) {
	if orgID == "" {
		orgID = identity.DefaultOrg
	}
	begin := c.cfg.Now()
	var ph ResolvePhases
	last := begin
	lap := func(d *time.Duration) { // the time since the last lap
		now := c.cfg.Now()
		*d, last = now.Sub(last), now
	}
	st, err := c.db.Identity().LoadMatchState(ctx, orgID)
	if err != nil {
		return ResolveReport{}, fmt.Errorf("resolve: %w", err)
	}
	lap(&ph.Load)
	if !anyPending(st.Mappings) {
		// Nothing new or changed (a sync that brought no identity
		// changes): skip reading the activity and building an index.
		rep := ResolveReport{Matching: matching.Stats{Identities: len(st.Mappings)}, Elapsed: c.cfg.Now().Sub(begin), Phases: ph}
		c.cfg.Logger.Info("matching done: nothing pending", "org", orgID, "identities", len(st.Mappings), "elapsed", rep.Elapsed)
		return rep, nil
	}
	cfg := c.cfg.Matching
	if cfg.Activity == nil {
		if cfg.Activity, err = c.db.IdentityActivity(ctx, orgID); err != nil {
			return ResolveReport{}, fmt.Errorf("resolve: %w", err)
		}
	}
	lap(&ph.Activity)
	eng, err := matching.New(cfg)
	if err != nil {
		return ResolveReport{}, fmt.Errorf("resolve: %w", err)
	}
	res, err := eng.Resolve(ctx, st)
	if err != nil {
		return ResolveReport{}, fmt.Errorf("resolve: %w", err)
	}
	lap(&ph.Match)
	applied, err := c.identity.ApplyDecisions(ctx, orgID, st, res.Decisions)
	if err != nil {
		return ResolveReport{}, fmt.Errorf("resolve: %w", err)
	}
	lap(&ph.Apply)
	rep := ResolveReport{Matching: res.Stats, Applied: applied, Active: len(cfg.Activity), Elapsed: c.cfg.Now().Sub(begin), Phases: ph}
	c.cfg.Logger.Info("matching done", "org", orgID, "pending", res.Stats.Pending, "auto", res.Stats.Auto,
		"conflict", res.Stats.Conflict, "own", res.Stats.Own, "elapsed", rep.Elapsed)
	return rep, nil
}

func anyPending(ms []identity.Mapping) bool {
	for i := range ms {
		if ms[i].Pending() {
			return true
		}
	}
	return false
}

// SyncRequest asks for one sync run.
type SyncRequest struct {
	OrgID string
	// Sources to sync (e.g. from SourcesFromEnv, or connectors/fake).
	Sources []connectors.Connector
	// Streams, if set, restricts which streams run.
	Streams []connectors.Stream
	// Owner names this replica in leases (default "oviad").
	Owner string
	// Progress is called after every committed page.
	Progress func(connectors.Progress)
	// SkipMatch leaves matching for later (oviad match).
	SkipMatch bool
}

// SyncReport is the outcome of Sync.
type SyncReport struct {
	Streams []connectors.StreamResult `json:"streams"`
	Resolve *ResolveReport            `json:"resolve,omitempty"`
}

// Sync runs every stream of every source under the stream's lease, then
// matching (unless skipped). It returns the report and the first error;
// streams after a failed one still run.
func (c *Client) Sync(ctx context.Context, req SyncRequest) (SyncReport, error) {
	if req.OrgID == "" {
		req.OrgID = identity.DefaultOrg
	}
	s := connectors.NewSyncer(c.db.Records(), connectors.SyncConfig{Owner: req.Owner, Now: c.cfg.Now, Logger: c.cfg.Logger, Progress: req.Progress})
	results, err := s.Sync(ctx, req.OrgID, req.Sources, req.Streams...)
	rep := SyncReport{Streams: results}
	if err != nil || req.SkipMatch {
		return rep, err
	}
	r, err := c.Resolve(ctx, req.OrgID)
	if err != nil {
		return rep, err
	}
	rep.Resolve = &r
	return rep, nil
}
