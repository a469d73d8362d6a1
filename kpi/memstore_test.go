package kpi_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/kpi"
)

func TestMemStore(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	st := kpi.NewMemStore()

	snap := compute(t, fullSource())
	is.NoErr(st.SaveSnapshot(ctx, snap))
	// Upsert by (org, scope, period): a recomputation replaces it.
	again := snap
	again.ComputedAt = snap.ComputedAt.Add(time.Hour)
	is.NoErr(st.SaveSnapshot(ctx, again))
	got, err := st.GetSnapshot(ctx, org, kpi.OrgScope, period)
	is.NoErr(err)
	is.Equal(got.ComputedAt, again.ComputedAt)
	is.Equal(got.RiskItems[0].ID, "1")

	// History: a week before and a 30-day snapshot.
	prev := snap
	prev.Period = kpi.Period{Start: t0.AddDate(0, 0, -7), End: t0}
	is.NoErr(st.SaveSnapshot(ctx, prev))
	month := snap
	month.Period = kpi.Period{Start: end.AddDate(0, 0, -30), End: end}
	is.NoErr(st.SaveSnapshot(ctx, month))
	h, err := st.SnapshotHistory(ctx, kpi.HistoryFilter{OrgID: org, Scope: kpi.OrgScope, PeriodDays: 7})
	is.NoErr(err)
	is.Equal(len(h), 2)
	is.Equal(h[0].Period, prev.Period) // oldest first
	is.Equal(h[1].Period, period)
	h, err = st.SnapshotHistory(ctx, kpi.HistoryFilter{OrgID: org, Scope: kpi.OrgScope, Limit: 1})
	is.NoErr(err)
	is.Equal(len(h), 1)
	is.Equal(h[0].Period, period) // the newest one
	h, err = st.SnapshotHistory(ctx, kpi.HistoryFilter{OrgID: org, Scope: kpi.OrgScope, From: t0, To: end})
	is.NoErr(err)
	is.Equal(len(h), 1)

	latest, err := st.LatestSnapshot(ctx, org, kpi.OrgScope, 7)
	is.NoErr(err)
	is.Equal(latest.Period, period)
	latest, err = st.LatestSnapshot(ctx, org, kpi.OrgScope, 30)
	is.NoErr(err)
	is.Equal(latest.Period, month.Period)

	_, err = st.GetSnapshot(ctx, org, kpi.Scope{Kind: kpi.ScopeTeam, ID: "x"}, period)
	is.True(errors.Is(err, kpi.ErrNotFound))
	_, err = st.LatestSnapshot(ctx, "other", kpi.OrgScope, 0)
	is.True(errors.Is(err, kpi.ErrNotFound))
	is.True(errors.Is(st.SaveSnapshot(ctx, kpi.Snapshot{}), kpi.ErrInvalid))
}

func TestMemStoreRiskPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := kpi.NewMemStore()
	snap := kpi.Snapshot{OrgID: org, Scope: kpi.OrgScope, Period: period}
	for i := range 45 {
		kind := kpi.RiskStaleMR
		if i%3 == 0 {
			kind = kpi.RiskBlocker
		}
		snap.RiskItems = append(snap.RiskItems, kpi.RiskItem{Kind: kind, Severity: kpi.SeverityLow, AgeDays: float64(100 - i),
			Ref: kpi.NewRef("gitlab", kpi.KindMR, string(rune('a'+i)))})
	}
	if err := st.SaveSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		f             kpi.RiskFilter
		items, total  int
		page, perPage int
		first         float64
	}{
		{"default first page", kpi.RiskFilter{}, 20, 45, 1, 20, 100},
		{"last page", kpi.RiskFilter{Page: 3}, 5, 45, 3, 20, 60},
		{"past the end", kpi.RiskFilter{Page: 4}, 0, 45, 4, 20, 0},
		{"per page capped", kpi.RiskFilter{PerPage: 1000}, 45, 45, 1, kpi.MaxRiskPerPage, 100},
		{"by kind", kpi.RiskFilter{Kinds: []kpi.RiskKind{kpi.RiskBlocker}, PerPage: 10}, 10, 15, 1, 10, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			f := tc.f
			f.OrgID, f.Scope, f.Period = org, kpi.OrgScope, period
			p, err := st.RiskItems(ctx, f)
			is.NoErr(err)
			is.Equal(len(p.Items), tc.items)
			is.Equal(p.Total, tc.total)
			is.Equal([2]int{p.Page, p.PerPage}, [2]int{tc.page, tc.perPage})
			if tc.items > 0 {
				is.Equal(p.Items[0].AgeDays, tc.first)
			}
		})
	}
	is := is.New(t)
	_, err := st.RiskItems(ctx, kpi.RiskFilter{OrgID: org, Scope: kpi.OrgScope, Period: kpi.Period{Start: t0, End: d(1)}})
	is.True(errors.Is(err, kpi.ErrNotFound))
}
