package kpi

import (
	"context"
	"time"
)

// HistoryFilter selects snapshots of one org and scope whose period starts
// in [From, To) (zero bounds are open). Limit 0 means no limit; otherwise
// the newest Limit snapshots are returned, still oldest first.
type HistoryFilter struct {
	OrgID string
	Scope Scope
	From  time.Time
	To    time.Time
	// PeriodDays, when > 0, keeps only snapshots whose period lasts that
	// many days (so a 7-day trend does not mix with 30-day snapshots).
	PeriodDays int
	Limit      int
}

// Risk-item paging limits (SPEC §9: default 20 a page).
const (
	DefaultRiskPerPage = 20
	MaxRiskPerPage     = 200
)

// RiskFilter selects one page of one snapshot's risk items, ordered by
// severity (worst first), then age (oldest first), then Ref.
type RiskFilter struct {
	OrgID   string
	Scope   Scope
	Period  Period
	Kinds   []RiskKind // empty: every kind
	Page    int        // 1-based; 0 means 1
	PerPage int        // 0 means DefaultRiskPerPage; capped at MaxRiskPerPage
}

// RiskPage is a page of risk items and the total across pages.
type RiskPage struct {
	Items   []RiskItem `json:"items"`
	Total   int        `json:"total"`
	Page    int        `json:"page"`
	PerPage int        `json:"per_page"`
}

// Store keeps snapshot history (storage implements it).
type Store interface {
	// SaveSnapshot upserts s by (OrgID, Scope, Period), replacing the
	// stored snapshot and its risk items in one transaction.
	SaveSnapshot(ctx context.Context, s Snapshot) error
	// GetSnapshot reads one snapshot with its risk items (ErrNotFound).
	GetSnapshot(ctx context.Context, orgID string, scope Scope, period Period) (Snapshot, error)
	// LatestSnapshot reads the snapshot of the scope with the latest
	// period end (ties: latest ComputedAt); periodDays > 0 restricts to
	// periods of that many days (ErrNotFound when none).
	LatestSnapshot(ctx context.Context, orgID string, scope Scope, periodDays int) (Snapshot, error)
	// SnapshotHistory lists snapshots oldest period first. Risk items and
	// metric Refs may be left out (nil) to keep history cheap.
	SnapshotHistory(ctx context.Context, f HistoryFilter) ([]Snapshot, error)
	// RiskItems pages one snapshot's risk items (ErrNotFound when the
	// snapshot does not exist).
	RiskItems(ctx context.Context, f RiskFilter) (RiskPage, error)
}

// Normalize fills paging defaults and caps PerPage.
func (f RiskFilter) Normalize() RiskFilter {
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PerPage <= 0 {
		f.PerPage = DefaultRiskPerPage
	}
	if f.PerPage > MaxRiskPerPage {
		f.PerPage = MaxRiskPerPage
	}
	return f
}
