package kpi_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/kpi"
)

func TestDORABands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  kpi.Band
		want kpi.Band
	}{
		{"df null", kpi.DeployFrequencyBand(kpi.Null), ""},
		{"df 3/day", kpi.DeployFrequencyBand(val(3)), kpi.BandElite},
		{"df daily", kpi.DeployFrequencyBand(val(1)), kpi.BandElite},
		{"df weekly", kpi.DeployFrequencyBand(val(1.0 / 7)), kpi.BandHigh},
		{"df monthly", kpi.DeployFrequencyBand(val(1.0 / 30)), kpi.BandMedium},
		{"df none", kpi.DeployFrequencyBand(val(0)), kpi.BandLow},
		{"lt 2h", kpi.LeadTimeBand(val(2)), kpi.BandElite},
		{"lt 1d", kpi.LeadTimeBand(val(24)), kpi.BandHigh},
		{"lt 1w", kpi.LeadTimeBand(val(168)), kpi.BandMedium},
		{"lt 30d", kpi.LeadTimeBand(val(720)), kpi.BandLow},
		{"cfr 5%", kpi.ChangeFailureBand(val(0.05)), kpi.BandElite},
		{"cfr 10%", kpi.ChangeFailureBand(val(0.10)), kpi.BandHigh},
		{"cfr 20%", kpi.ChangeFailureBand(val(0.20)), kpi.BandMedium},
		{"cfr 40%", kpi.ChangeFailureBand(val(0.40)), kpi.BandLow},
		{"ttr 30m", kpi.TimeToRestoreBand(val(0.5)), kpi.BandElite},
		{"ttr 1h", kpi.TimeToRestoreBand(val(1)), kpi.BandHigh},
		{"ttr 1d", kpi.TimeToRestoreBand(val(24)), kpi.BandMedium},
		{"ttr 1w", kpi.TimeToRestoreBand(val(168)), kpi.BandLow},
		{"ttr null", kpi.TimeToRestoreBand(kpi.Null), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			is.Equal(tc.got, tc.want)
		})
	}
}

func TestHealthReweightsMissing(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	h := kpi.ScoreHealth(kpi.HealthInputs{ReviewLatencyP50Hours: val(4), OpenBlockers: val(5)})
	// review: normalized 1, blockers: (10−5)/10 = 0.5; weights 0.15 each → 50/50.
	is.True(near(h.Score.V, 75))
	is.Equal(len(h.Missing), 5)
	for _, c := range h.Components {
		if !c.Missing {
			is.True(near(c.EffectiveWeight, 0.5))
		}
	}
	is.Equal(kpi.ScoreHealth(kpi.HealthInputs{}).Score, kpi.Null)

	r := kpi.ScoreRisk(kpi.RiskInputs{OpenBlockers: val(5), OldestBlockerDays: val(15), FailingDefaultBranches: val(1)})
	// 25 + 10 × 0.5 + 25 / 3
	is.True(near(r.Score.V, 25+5+25.0/3))
	is.Equal(r.Label, kpi.RiskMedium)
	is.Equal(kpi.ScoreRisk(kpi.RiskInputs{}).Score, val(0))
	is.Equal(kpi.RiskLabel(80), kpi.RiskCritical)
	is.Equal(kpi.RiskLabel(50), kpi.RiskHigh)
	is.Equal(kpi.RiskLabel(24.9), kpi.RiskLow)
}

// randValue is null one time in four, else uniform in [0, hi).
func randValue(r *rand.Rand, hi float64) kpi.Value {
	if r.IntN(4) == 0 {
		return kpi.Null
	}
	return val(r.Float64() * hi)
}

// worsen makes a present value worse by a random step (up, or down when
// lower is worse); a null stays null.
func worsen(r *rand.Rand, v kpi.Value, hi float64, lowerIsWorse bool) kpi.Value {
	if !v.Valid {
		return v
	}
	step := r.Float64() * hi
	if lowerIsWorse {
		return val(max(v.V-step, 0))
	}
	return val(v.V + step)
}

// Health and risk stay within [0, 100], and worsening any single input
// never improves health nor lowers risk.
func TestScoresPropertyMonotone(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		hin := kpi.HealthInputs{
			ReviewLatencyP50Hours: randValue(r, 200), IssueCycleTimeP90Hours: randValue(r, 2000),
			FailureRate: randValue(r, 1), StaleMRPercent: randValue(r, 100), OpenBlockers: randValue(r, 30),
			SpilloverRate: randValue(r, 1), DORA: randValue(r, 1),
		}
		rin := kpi.RiskInputs{
			OpenBlockers: randValue(r, 30), OldestBlockerDays: randValue(r, 90), FailingDefaultBranches: randValue(r, 6),
			StaleMRPercent: randValue(r, 100), SpilloverRate: randValue(r, 1), CycleTimeOutliers: randValue(r, 20),
		}
		h0, r0 := kpi.ScoreHealth(hin), kpi.ScoreRisk(rin)
		inRange := func(v kpi.Value) bool { return !v.Valid || v.V >= 0 && v.V <= 100 }
		if !inRange(h0.Score) || !inRange(r0.Score) {
			t.Fatalf("case %d: out of range: health %v risk %v", i, h0.Score, r0.Score)
		}
		h1 := hin
		switch k := r.IntN(7); k {
		case 0:
			h1.ReviewLatencyP50Hours = worsen(r, h1.ReviewLatencyP50Hours, 100, false)
		case 1:
			h1.IssueCycleTimeP90Hours = worsen(r, h1.IssueCycleTimeP90Hours, 1000, false)
		case 2:
			h1.FailureRate = worsen(r, h1.FailureRate, 0.5, false)
		case 3:
			h1.StaleMRPercent = worsen(r, h1.StaleMRPercent, 50, false)
		case 4:
			h1.OpenBlockers = worsen(r, h1.OpenBlockers, 10, false)
		case 5:
			h1.SpilloverRate = worsen(r, h1.SpilloverRate, 0.5, false)
		case 6:
			h1.DORA = worsen(r, h1.DORA, 0.5, true)
		}
		if h := kpi.ScoreHealth(h1); h.Score.Valid && h.Score.V > h0.Score.V+1e-9 {
			t.Fatalf("case %d: health rose %v → %v after worsening %+v → %+v", i, h0.Score, h.Score, hin, h1)
		}
		r1 := rin
		switch r.IntN(6) {
		case 0:
			r1.OpenBlockers = worsen(r, r1.OpenBlockers, 5, false)
		case 1:
			r1.OldestBlockerDays = worsen(r, r1.OldestBlockerDays, 30, false)
		case 2:
			r1.FailingDefaultBranches = worsen(r, r1.FailingDefaultBranches, 2, false)
		case 3:
			r1.StaleMRPercent = worsen(r, r1.StaleMRPercent, 30, false)
		case 4:
			r1.SpilloverRate = worsen(r, r1.SpilloverRate, 0.3, false)
		case 5:
			r1.CycleTimeOutliers = worsen(r, r1.CycleTimeOutliers, 5, false)
		}
		if rk := kpi.ScoreRisk(r1); rk.Score.V < r0.Score.V-1e-9 {
			t.Fatalf("case %d: risk fell %v → %v after worsening %+v → %+v", i, r0.Score, rk.Score, rin, r1)
		}
	}
}

// randomOrg builds a seeded org with a little of everything.
func randomOrg(r *rand.Rand) (issues []connectors.Issue, trs []connectors.Transition, mrs []connectors.MergeRequest, pls []connectors.Pipeline) {
	for i := range 5 + r.IntN(20) {
		id := fmt.Sprint("r", i)
		created := d(-r.Float64() * 20)
		is := issue(id, func(x *connectors.Issue) { x.CreatedAt = created; x.Priority = []string{"Low", "Highest"}[r.IntN(2)] })
		if r.IntN(2) == 0 {
			start := created.Add(time.Duration(r.IntN(48)) * time.Hour)
			res := start
			if res.Before(t0) {
				res = t0
			}
			res = res.Add(time.Duration(1+r.IntN(100)) * time.Hour)
			resolved(res)(&is)
			trs = append(trs, status(id, 0, start, todo, prog), status(id, 1, res, prog, done))
		}
		issues = append(issues, is)
	}
	for i := range 3 + r.IntN(10) {
		id := fmt.Sprint("m", i)
		mrs = append(mrs, mr(id, func(m *connectors.MergeRequest) {
			if r.IntN(2) == 0 {
				merged(d(r.Float64()*3), d(3+r.Float64()*3))(m)
			} else {
				m.UpdatedAt = d(r.Float64() * 7)
			}
		}))
	}
	for i := range 3 + r.IntN(10) {
		pls = append(pls, pipeline(fmt.Sprint("p", i), "main", fmt.Sprint("s", i), []string{"success", "failed"}[r.IntN(2)], d(r.Float64()*7)))
	}
	return issues, trs, mrs, pls
}

// The same property through Compute: adding a flagged open issue, an
// abandoned MR or a failing default-branch pipeline never improves health
// nor lowers risk.
func TestComputePropertyMonotone(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 11))
	project := connectors.Project{OrgID: org, Source: "gitlab", ExternalID: "p1", DefaultBranch: "main"}
	for i := range 200 {
		issues, trs, mrs, pls := randomOrg(r)
		build := func() *kpi.MemSource {
			src := kpi.NewMemSource()
			src.AddProjects(project)
			src.AddIssues(issues...)
			src.AddTransitions(trs...)
			src.AddMergeRequests(mrs...)
			src.AddPipelines(pls...)
			return src
		}
		s0 := compute(t, build())
		worse := build()
		var what string
		switch r.IntN(3) {
		case 0:
			what = "blocker"
			worse.AddIssues(issue("new", func(x *connectors.Issue) { x.IsFlagged = true; x.CreatedAt = d(-40) }))
		case 1:
			what = "stale MR"
			worse.AddMergeRequests(mr("new", func(m *connectors.MergeRequest) { m.CreatedAt, m.UpdatedAt = d(-60), d(-60) }))
		case 2:
			what = "failing pipeline"
			worse.AddPipelines(pipeline("new", "main", "new", "failed", end.Add(-time.Minute)))
		}
		s1 := compute(t, worse)
		for _, s := range []kpi.Snapshot{s0, s1} {
			if s.Health.Score.Valid && (s.Health.Score.V < 0 || s.Health.Score.V > 100) || s.Risk.Score.V < 0 || s.Risk.Score.V > 100 {
				t.Fatalf("case %d: out of range: %v %v", i, s.Health.Score, s.Risk.Score)
			}
		}
		if s0.Health.Score.Valid && s1.Health.Score.V > s0.Health.Score.V+1e-9 {
			t.Fatalf("case %d: adding a %s raised health %v → %v", i, what, s0.Health.Score, s1.Health.Score)
		}
		if s1.Risk.Score.V < s0.Risk.Score.V-1e-9 {
			t.Fatalf("case %d: adding a %s lowered risk %v → %v", i, what, s0.Risk.Score, s1.Risk.Score)
		}
	}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
