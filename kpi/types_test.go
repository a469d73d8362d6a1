package kpi_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/kpi"
)

func TestPercentileNearestRank(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		xs   []float64
		p    float64
		want kpi.Value
	}{
		{"empty", nil, 50, kpi.Null},
		{"one", []float64{7}, 50, val(7)},
		{"one p90", []float64{7}, 90, val(7)},
		{"two p50", []float64{1, 2}, 50, val(1)},
		{"four p50", []float64{1, 2, 3, 4}, 50, val(2)},
		{"four p90", []float64{1, 2, 3, 4}, 90, val(4)},
		{"ten p90", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, val(9)},
		{"eleven p90", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 90, val(10)},
		{"p100", []float64{1, 2, 3}, 100, val(3)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			is.Equal(kpi.Percentile(tc.xs, tc.p), tc.want)
		})
	}
}

func TestValueJSON(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	b, err := json.Marshal(struct {
		A, B kpi.Value
	}{kpi.Null, val(1.5)})
	is.NoErr(err)
	is.Equal(string(b), `{"A":null,"B":1.5}`)
	var back struct{ A, B kpi.Value }
	is.NoErr(json.Unmarshal(b, &back))
	is.Equal(back.A, kpi.Null)
	is.Equal(back.B, val(1.5))
	is.Equal(kpi.Null.Ptr(), (*float64)(nil))
	is.Equal(*val(2).Ptr(), 2.0)
}

func TestPeriod(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	is.NoErr(period.Validate())
	is.True(errors.Is(kpi.Period{Start: end, End: t0}.Validate(), kpi.ErrInvalid))
	is.True(errors.Is(kpi.Period{}.Validate(), kpi.ErrInvalid))
	is.True(period.Contains(t0))
	is.True(!period.Contains(end))
	is.Equal(period.Days(), 7.0)

	now := time.Date(2026, 3, 10, 15, 4, 0, 0, time.UTC)
	p := kpi.Last7Days(now)
	is.Equal(p.End, time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC))
	is.Equal(p.Start, time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC))
	is.Equal(kpi.Last30Days(now).Days(), 30.0)
	is.Equal(kpi.Last90Days(now).Days(), 90.0)

	tests := []struct {
		in   string
		want kpi.Period
		bad  bool
	}{
		{"", kpi.Last7Days(now), false},
		{"30d", kpi.Last30Days(now), false},
		{"90D", kpi.Last90Days(now), false},
		{"2026-01-05/2026-01-12", period, false},
		{"2026-01-05T00:00:00Z/2026-01-12T00:00:00Z", period, false},
		{"2026-01-12/2026-01-05", kpi.Period{}, true},
		{"0d", kpi.Period{}, true},
		{"week", kpi.Period{}, true},
	}
	for _, tc := range tests {
		got, err := kpi.ParsePeriod(tc.in, now)
		if tc.bad {
			is.True(errors.Is(err, kpi.ErrInvalid))
			continue
		}
		is.NoErr(err)
		is.Equal(got, tc.want)
	}

	sp, err := kpi.SprintPeriod(connectors.Sprint{StartAt: ptr(t0), EndAt: ptr(d(14)), CompleteAt: ptr(end)}, now)
	is.NoErr(err)
	is.Equal(sp, period)
	sp, err = kpi.SprintPeriod(connectors.Sprint{StartAt: ptr(t0), EndAt: ptr(end)}, now)
	is.NoErr(err)
	is.Equal(sp, period)
	_, err = kpi.SprintPeriod(connectors.Sprint{Name: "future"}, now)
	is.True(errors.Is(err, kpi.ErrInvalid))
}

func TestScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want kpi.Scope
		bad  bool
	}{
		{"", kpi.OrgScope, false},
		{"org", kpi.OrgScope, false},
		{"ORG", kpi.OrgScope, false},
		{"team:core", kpi.Scope{Kind: kpi.ScopeTeam, ID: "core"}, false},
		{"project: g/p1 ", kpi.Scope{Kind: kpi.ScopeProject, ID: "g/p1"}, false},
		{"team", kpi.Scope{}, true},
		{"team:", kpi.Scope{}, true},
		{"org:x", kpi.Scope{}, true},
		{"galaxy:x", kpi.Scope{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			is := is.New(t)
			got, err := kpi.ParseScope(tc.in)
			if tc.bad {
				is.True(errors.Is(err, kpi.ErrInvalid))
				return
			}
			is.NoErr(err)
			is.Equal(got, tc.want)
			back, err := kpi.ParseScope(got.String())
			is.NoErr(err)
			is.Equal(back, got)
		})
	}
}

func TestRef(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	r := kpi.NewRef("gitlab", kpi.KindMR, "123")
	is.Equal(r, kpi.Ref("gitlab:mr:123"))
	src, kind, id, ok := kpi.Ref("jira:issue:a:b").Parts()
	is.True(ok)
	is.Equal([3]string{string(src), kind, id}, [3]string{"jira", "issue", "a:b"})
	_, err := kpi.ParseRef("jira:10063")
	is.True(errors.Is(err, kpi.ErrInvalid))
	got, err := kpi.ParseRef(" jira:issue:10063 ")
	is.NoErr(err)
	is.Equal(got, kpi.Ref("jira:issue:10063"))
}

func TestRiskFilterNormalize(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := kpi.RiskFilter{}.Normalize()
	is.Equal([2]int{f.Page, f.PerPage}, [2]int{1, kpi.DefaultRiskPerPage})
	f = kpi.RiskFilter{Page: 3, PerPage: 10000}.Normalize()
	is.Equal([2]int{f.Page, f.PerPage}, [2]int{3, kpi.MaxRiskPerPage})
}
