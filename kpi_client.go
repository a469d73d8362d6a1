package ovia

import (
	"context"
	"fmt"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/kpi"
)

// KPIRequest asks for one snapshot.
type KPIRequest struct {
	OrgID  string
	Scope  kpi.Scope  // zero value: the whole org
	Period kpi.Period // zero value: the last 7 days
	// DryRun computes without saving the snapshot.
	DryRun bool
}

// ComputeKPI computes every metric of SPEC §7 for one scope and period and
// saves the snapshot (upsert by org, scope and period) unless DryRun.
func (c *Client) ComputeKPI(ctx context.Context, req KPIRequest) (kpi.Snapshot, error) {
	if req.OrgID == "" {
		req.OrgID = identity.DefaultOrg
	}
	if req.Scope.Kind == "" {
		req.Scope = kpi.OrgScope
	}
	if req.Period.Start.IsZero() && req.Period.End.IsZero() {
		req.Period = kpi.Last7Days(c.cfg.Now())
	}
	opts := append([]kpi.Option{kpi.WithNow(c.cfg.Now)}, c.cfg.KPI...)
	snap, err := kpi.Compute(ctx, c.db.KPISource(), req.OrgID, req.Scope, req.Period, opts...)
	if err != nil {
		return kpi.Snapshot{}, fmt.Errorf("compute kpi %s %s: %w", req.Scope, req.Period, err)
	}
	if req.DryRun {
		return snap, nil
	}
	if err := c.db.KPIStore().SaveSnapshot(ctx, snap); err != nil {
		return kpi.Snapshot{}, fmt.Errorf("save kpi snapshot: %w", err)
	}
	return snap, nil
}

// KPI reads saved snapshots and risk items.
func (c *Client) KPI() kpi.Store { return c.db.KPIStore() }
