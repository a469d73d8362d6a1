package bunstore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/ovia-hq/ovia/internal/oviaerr"
	"github.com/ovia-hq/ovia/kpi"
)

// KPIStore returns the kpi.Store view of s. A snapshot is one kpi_snapshots
// row keyed by (org, scope, period) holding the snapshot as JSON without its
// risk items; the risk items are risk_items rows numbered in page order
// (severity, then age, then ref), so a page is an indexed range.
func (s *Store) KPIStore() kpi.Store { return kpiStore{s} }

type kpiStore struct{ s *Store }

var _ kpi.Store = kpiStore{}

// kpiSnapshotRow is kpi_snapshots with the column of migration 2.
type kpiSnapshotRow struct {
	snapshotModel `bun:",extend"`

	PeriodUS int64 `bun:"period_us,notnull"`
}

// kpiRiskRow is risk_items with the columns of migration 2.
type kpiRiskRow struct {
	riskItemModel `bun:",extend"`

	AgeDays float64 `bun:"age_days,notnull"`
	Detail  string  `bun:"detail,notnull"`
}

func riskOut(m kpiRiskRow) kpi.RiskItem {
	return kpi.RiskItem{ID: m.ID, Kind: kpi.RiskKind(m.Kind), Severity: kpi.Severity(m.Severity), Title: m.Title,
		URL: m.URL, AgeDays: m.AgeDays, Ref: kpi.Ref(m.SourceRef), Detail: m.Detail}
}

// cmpRisk is the page order of risk items: worst severity, oldest, ref.
func cmpRisk(a, b kpi.RiskItem) int {
	if x := cmp.Compare(b.Severity.Rank(), a.Severity.Rank()); x != 0 {
		return x
	}
	if x := cmp.Compare(b.AgeDays, a.AgeDays); x != 0 {
		return x
	}
	return cmp.Compare(a.Ref, b.Ref)
}

func snapshotKey(orgID string, scope kpi.Scope, p kpi.Period) error {
	if strings.TrimSpace(orgID) == "" {
		return oviaerr.Invalid("org_id", "required")
	}
	if err := scope.Validate(); err != nil {
		return err
	}
	return p.Validate()
}

// SaveSnapshot implements kpi.Store.
func (ks kpiStore) SaveSnapshot(ctx context.Context, snap kpi.Snapshot) error {
	if err := snapshotKey(snap.OrgID, snap.Scope, snap.Period); err != nil {
		return err
	}
	items := slices.Clone(snap.RiskItems)
	slices.SortStableFunc(items, cmpRisk)
	body := snap
	body.RiskItems = nil
	metrics, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("kpi: encode snapshot: %w", err)
	}
	start, end := dbTime(snap.Period.Start), dbTime(snap.Period.End)
	row := kpiSnapshotRow{snapshotModel: snapshotModel{ID: newID(), OrgID: snap.OrgID, Scope: snap.Scope.String(),
		PeriodStart: start, PeriodEnd: end, Metrics: metrics, ComputedAt: dbTime(snap.ComputedAt)},
		PeriodUS: end.Sub(start).Microseconds()}
	return ks.s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var id string
		err := tx.NewInsert().Model(&row).
			On("CONFLICT (org_id, scope, period_start, period_end) DO UPDATE").
			Set("metrics = EXCLUDED.metrics").Set("computed_at = EXCLUDED.computed_at").Set("period_us = EXCLUDED.period_us").
			Returning("id").Scan(ctx, &id)
		if err != nil {
			return ks.s.mapErr(err, "kpi: save snapshot")
		}
		if _, err := tx.NewDelete().TableExpr("risk_items").Where("snapshot_id = ?", id).Exec(ctx); err != nil {
			return ks.s.mapErr(err, "kpi: replace risk items")
		}
		rows := make([]kpiRiskRow, len(items))
		for i, it := range items {
			rows[i] = kpiRiskRow{riskItemModel: riskItemModel{ID: newID(), SnapshotID: id, OrgID: snap.OrgID, Position: i,
				Kind: string(it.Kind), Severity: string(it.Severity), Title: it.Title, URL: it.URL,
				AgeSeconds: it.AgeDays * 86400, SourceRef: string(it.Ref)}, AgeDays: it.AgeDays, Detail: it.Detail}
		}
		for chunk := range slices.Chunk(rows, batchSize) {
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return ks.s.mapErr(err, "kpi: insert risk items")
			}
		}
		return nil
	})
}

// findSnapshot reads the snapshot row of a key (ErrNotFound).
func (ks kpiStore) findSnapshot(ctx context.Context, orgID string, scope kpi.Scope, p kpi.Period) (kpiSnapshotRow, error) {
	var row kpiSnapshotRow
	if err := snapshotKey(orgID, scope, p); err != nil {
		return row, err
	}
	err := ks.s.r.NewSelect().Model(&row).
		Where("org_id = ? AND scope = ? AND period_start = ? AND period_end = ?", orgID, scope.String(), dbTime(p.Start), dbTime(p.End)).
		Scan(ctx)
	return row, ks.s.mapErr(err, fmt.Sprintf("kpi: snapshot %s %s %s", orgID, scope, p))
}

func decodeSnapshot(row kpiSnapshotRow) (kpi.Snapshot, error) {
	var snap kpi.Snapshot
	if err := json.Unmarshal(row.Metrics, &snap); err != nil {
		return kpi.Snapshot{}, fmt.Errorf("kpi: decode snapshot %s: %w", row.ID, err)
	}
	return snap, nil
}

// withRiskItems decodes a snapshot row and attaches all its risk items.
func (ks kpiStore) withRiskItems(ctx context.Context, row kpiSnapshotRow) (kpi.Snapshot, error) {
	snap, err := decodeSnapshot(row)
	if err != nil {
		return kpi.Snapshot{}, err
	}
	var rows []kpiRiskRow
	if err := ks.s.r.NewSelect().Model(&rows).Where("snapshot_id = ?", row.ID).OrderExpr("position").Scan(ctx); err != nil {
		return kpi.Snapshot{}, ks.s.mapErr(err, "kpi: read risk items")
	}
	snap.RiskItems = make([]kpi.RiskItem, len(rows))
	for i, m := range rows {
		snap.RiskItems[i] = riskOut(m)
	}
	return snap, nil
}

// GetSnapshot implements kpi.Store.
func (ks kpiStore) GetSnapshot(ctx context.Context, orgID string, scope kpi.Scope, period kpi.Period) (kpi.Snapshot, error) {
	row, err := ks.findSnapshot(ctx, orgID, scope, period)
	if err != nil {
		return kpi.Snapshot{}, err
	}
	return ks.withRiskItems(ctx, row)
}

// LatestSnapshot implements kpi.Store (index kpi_snapshots_history, or
// kpi_snapshots_length when periodDays is set).
func (ks kpiStore) LatestSnapshot(ctx context.Context, orgID string, scope kpi.Scope, periodDays int) (kpi.Snapshot, error) {
	if strings.TrimSpace(orgID) == "" {
		return kpi.Snapshot{}, oviaerr.Invalid("org_id", "required")
	}
	if err := scope.Validate(); err != nil {
		return kpi.Snapshot{}, err
	}
	if periodDays < 0 {
		return kpi.Snapshot{}, oviaerr.Invalid("period_days", "must not be negative")
	}
	var row kpiSnapshotRow
	q := ks.s.r.NewSelect().Model(&row).Where("org_id = ? AND scope = ?", orgID, scope.String())
	if periodDays > 0 {
		q = q.Where("period_us = ?", daysUS(periodDays))
	}
	err := q.OrderExpr("period_end DESC, computed_at DESC").Limit(1).Scan(ctx)
	if err != nil {
		return kpi.Snapshot{}, ks.s.mapErr(err, fmt.Sprintf("kpi: latest snapshot %s %s", orgID, scope))
	}
	return ks.withRiskItems(ctx, row)
}

func daysUS(days int) int64 { return int64(days) * int64(24*time.Hour/time.Microsecond) }

// SnapshotHistory implements kpi.Store. Risk items are left out (nil);
// metric Refs are kept.
func (ks kpiStore) SnapshotHistory(ctx context.Context, f kpi.HistoryFilter) ([]kpi.Snapshot, error) {
	if strings.TrimSpace(f.OrgID) == "" {
		return nil, oviaerr.Invalid("org_id", "required")
	}
	if err := f.Scope.Validate(); err != nil {
		return nil, err
	}
	if f.Limit < 0 || f.PeriodDays < 0 {
		return nil, oviaerr.Invalid("history", "limit and period_days must not be negative")
	}
	var rows []kpiSnapshotRow
	q := ks.s.r.NewSelect().Model(&rows).Where("org_id = ? AND scope = ?", f.OrgID, f.Scope.String())
	if f.PeriodDays > 0 {
		q = q.Where("period_us = ?", daysUS(f.PeriodDays))
	}
	if !f.From.IsZero() {
		q = q.Where("period_start >= ?", dbTime(f.From))
	}
	if !f.To.IsZero() {
		q = q.Where("period_start < ?", dbTime(f.To))
	}
	// Newest first so Limit keeps the newest; reversed below.
	q = q.OrderExpr("period_start DESC, period_end DESC")
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, ks.s.mapErr(err, "kpi: snapshot history")
	}
	out := make([]kpi.Snapshot, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		snap, err := decodeSnapshot(rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, snap)
	}
	return out, nil
}

// RiskItems implements kpi.Store: one indexed range of risk_items
// (snapshot_id, position) or (snapshot_id, kind, position).
func (ks kpiStore) RiskItems(ctx context.Context, f kpi.RiskFilter) (kpi.RiskPage, error) {
	f = f.Normalize()
	row, err := ks.findSnapshot(ctx, f.OrgID, f.Scope, f.Period)
	if err != nil {
		return kpi.RiskPage{}, err
	}
	filter := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("snapshot_id = ?", row.ID)
		if len(f.Kinds) > 0 {
			q = q.Where("kind IN (?)", bun.List(f.Kinds))
		}
		return q
	}
	var rows []kpiRiskRow
	total, err := filter(ks.s.r.NewSelect().Model(&rows)).OrderExpr("position").
		Limit(int64(f.PerPage)).Offset(int64((f.Page - 1) * f.PerPage)).ScanAndCount(ctx)
	if err != nil {
		return kpi.RiskPage{}, ks.s.mapErr(err, "kpi: page risk items")
	}
	page := kpi.RiskPage{Items: make([]kpi.RiskItem, len(rows)), Total: int(total), Page: f.Page, PerPage: f.PerPage}
	for i, m := range rows {
		page.Items[i] = riskOut(m)
	}
	return page, nil
}

// SetTeamProjects replaces the GitLab projects (ids or paths) of a team,
// which the KPI source uses for team scopes.
func (s *Store) SetTeamProjects(ctx context.Context, orgID, team string, projectIDs []string) error {
	switch {
	case strings.TrimSpace(orgID) == "":
		return oviaerr.Invalid("org_id", "required")
	case strings.TrimSpace(team) == "":
		return oviaerr.Invalid("team", "required")
	}
	type teamProject struct {
		bun.BaseModel `bun:"table:team_projects,alias:team_projects"`

		OrgID     string `bun:"org_id,pk"`
		Team      string `bun:"team,pk"`
		ProjectID string `bun:"project_id,pk"`
	}
	var rows []teamProject
	for _, p := range projectIDs {
		if strings.TrimSpace(p) != "" {
			rows = append(rows, teamProject{OrgID: orgID, Team: team, ProjectID: p})
		}
	}
	rows = dedupe(rows, func(r teamProject) string { return r.ProjectID })
	return s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().TableExpr("team_projects").Where("org_id = ? AND team = ?", orgID, team).Exec(ctx); err != nil {
			return s.mapErr(err, "set team projects")
		}
		for chunk := range slices.Chunk(rows, batchSize) {
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return s.mapErr(err, "set team projects")
			}
		}
		return nil
	})
}
