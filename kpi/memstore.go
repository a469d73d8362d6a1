package kpi

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// MemStore is an in-memory Store for tests, examples and library users. It
// is the reference for Store semantics: storage backends behave the same.
// It keeps saved snapshots as given (risk items are copied to number
// them): do not modify a snapshot after saving it.
type MemStore struct {
	mu    sync.Mutex
	snaps map[snapKey]Snapshot
}

var _ Store = (*MemStore)(nil)

type snapKey struct {
	org        string
	scope      Scope
	start, end int64
}

func keyOf(org string, scope Scope, p Period) snapKey {
	return snapKey{org: org, scope: scope, start: p.Start.UnixNano(), end: p.End.UnixNano()}
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{snaps: map[snapKey]Snapshot{}} }

func validKey(org string, scope Scope, p Period) error {
	f := oviaerr.Fields{}
	if org == "" {
		f.Add("org_id", "required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := scope.Validate(); err != nil {
		return err
	}
	return p.Validate()
}

// SaveSnapshot implements Store. Risk items get ids "1", "2", … in order.
func (m *MemStore) SaveSnapshot(ctx context.Context, s Snapshot) error {
	if err := validKey(s.OrgID, s.Scope, s.Period); err != nil {
		return err
	}
	s.RiskItems = slices.Clone(s.RiskItems)
	for i := range s.RiskItems {
		s.RiskItems[i].ID = strconv.Itoa(i + 1)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snaps == nil {
		m.snaps = map[snapKey]Snapshot{}
	}
	m.snaps[keyOf(s.OrgID, s.Scope, s.Period)] = s
	return ctx.Err()
}

// GetSnapshot implements Store.
func (m *MemStore) GetSnapshot(ctx context.Context, orgID string, scope Scope, period Period) (Snapshot, error) {
	if err := validKey(orgID, scope, period); err != nil {
		return Snapshot{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.snaps[keyOf(orgID, scope, period)]
	if !ok {
		return Snapshot{}, oviaerr.ErrNotFound
	}
	return s, ctx.Err()
}

func periodDays(p Period) int { return int(p.End.Sub(p.Start).Round(time.Hour).Hours() / 24) }

// history returns the org's snapshots of a scope, oldest period first.
func (m *MemStore) history(orgID string, scope Scope) []Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Snapshot
	for k, s := range m.snaps {
		if k.org == orgID && k.scope == scope {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Snapshot) int {
		if x := a.Period.Start.Compare(b.Period.Start); x != 0 {
			return x
		}
		if x := a.Period.End.Compare(b.Period.End); x != 0 {
			return x
		}
		return a.ComputedAt.Compare(b.ComputedAt)
	})
	return out
}

// LatestSnapshot implements Store.
func (m *MemStore) LatestSnapshot(ctx context.Context, orgID string, scope Scope, days int) (Snapshot, error) {
	var best *Snapshot
	h := m.history(orgID, scope)
	for i := range h {
		s := &h[i]
		if days > 0 && periodDays(s.Period) != days {
			continue
		}
		if best == nil || s.Period.End.After(best.Period.End) ||
			s.Period.End.Equal(best.Period.End) && s.ComputedAt.After(best.ComputedAt) {
			best = s
		}
	}
	if best == nil {
		return Snapshot{}, oviaerr.ErrNotFound
	}
	return *best, ctx.Err()
}

// SnapshotHistory implements Store.
func (m *MemStore) SnapshotHistory(ctx context.Context, f HistoryFilter) ([]Snapshot, error) {
	if f.Limit < 0 {
		return nil, oviaerr.Invalid("limit", "must not be negative")
	}
	var out []Snapshot
	for _, s := range m.history(f.OrgID, f.Scope) {
		if !f.From.IsZero() && s.Period.Start.Before(f.From) || !f.To.IsZero() && !s.Period.Start.Before(f.To) {
			continue
		}
		if f.PeriodDays > 0 && periodDays(s.Period) != f.PeriodDays {
			continue
		}
		out = append(out, s)
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	if out == nil {
		out = []Snapshot{}
	}
	return out, ctx.Err()
}

// RiskItems implements Store.
func (m *MemStore) RiskItems(ctx context.Context, f RiskFilter) (RiskPage, error) {
	s, err := m.GetSnapshot(ctx, f.OrgID, f.Scope, f.Period)
	if err != nil {
		return RiskPage{}, err
	}
	f = f.Normalize()
	items := s.RiskItems
	if len(f.Kinds) > 0 {
		items = slices.DeleteFunc(slices.Clone(items), func(it RiskItem) bool { return !slices.Contains(f.Kinds, it.Kind) })
	}
	slices.SortStableFunc(items, func(a, b RiskItem) int { return cmpRisk(&a, &b) })
	page := RiskPage{Total: len(items), Page: f.Page, PerPage: f.PerPage, Items: []RiskItem{}}
	if from := (f.Page - 1) * f.PerPage; from < len(items) {
		page.Items = slices.Clone(items[from:min(from+f.PerPage, len(items))])
	}
	return page, nil
}
