package kpi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/kpi"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestComputeEmptyOrg(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := compute(t, kpi.NewMemSource())
	is.True(s.Empty)
	is.Equal(s.Throughput.Combined.N, 0)
	for name, v := range map[string]kpi.Value{
		"review p50": s.ReviewLatency.P50, "mr cycle p90": s.MRCycleTime.P90, "issue cycle p50": s.IssueCycleTime.P50,
		"blocker age": s.Blockers.Age.Max, "spillover": s.Spillover.Rate, "stale %": s.StaleMRs.Percent,
		"fail rate": s.FailedPipelines.DefaultBranch.Rate, "df": s.DORA.DeploymentFrequency.PerDay,
		"lead": s.DORA.LeadTime.P50, "cfr": s.DORA.ChangeFailureRate.Rate, "ttr": s.DORA.TimeToRestore.P50,
		"health": s.Health.Score, "risk": s.Risk.Score,
	} {
		if v.Valid {
			t.Errorf("%s = %v, want null", name, v)
		}
	}
	is.Equal(len(s.Health.Missing), 7)
	is.Equal(s.Risk.Label, "")
	b, err := json.Marshal(s)
	is.NoErr(err)
	is.True(strings.Contains(string(b), `"p50":null`))
	is.True(strings.Contains(string(b), `"score":null`))
	is.Equal(s.OrgID, org)
	is.Equal(s.ComputedAt, end)
}

func TestComputeValidation(t *testing.T) {
	t.Parallel()
	bad := kpi.DefaultClassifier()
	bad.FeatureLabels = append(bad.FeatureLabels, "Bug")
	tests := []struct {
		name   string
		org    string
		scope  kpi.Scope
		period kpi.Period
		opts   []kpi.Option
	}{
		{"empty org", "", kpi.OrgScope, period, nil},
		{"end before start", org, kpi.OrgScope, kpi.Period{Start: end, End: t0}, nil},
		{"empty period", org, kpi.OrgScope, kpi.Period{Start: t0, End: t0}, nil},
		{"unknown scope", org, kpi.Scope{Kind: "galaxy"}, period, nil},
		{"team without id", org, kpi.Scope{Kind: kpi.ScopeTeam}, period, nil},
		{"overlapping classifier", org, kpi.OrgScope, period, []kpi.Option{kpi.WithClassifier(bad)}},
		{"negative stale", org, kpi.OrgScope, period, []kpi.Option{kpi.WithStaleAfter(-time.Hour)}},
		{"outlier factor 1", org, kpi.OrgScope, period, []kpi.Option{kpi.WithOutlierFactor(1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, err := kpi.Compute(context.Background(), kpi.NewMemSource(), tc.org, tc.scope, tc.period, tc.opts...)
			is.True(errors.Is(err, kpi.ErrInvalid))
		})
	}
}

func TestThroughput(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	src := kpi.NewMemSource()
	src.AddIssues(
		issue("1", func(i *connectors.Issue) { i.Type = "Bug"; resolved(d(1))(i) }),
		issue("2", func(i *connectors.Issue) { i.Type = "story"; resolved(d(2))(i) }),
		issue("3", func(i *connectors.Issue) { i.Type = "Task"; resolved(d(3))(i) }),
		issue("4", func(i *connectors.Issue) { i.Type = "Bug"; resolved(d(-1))(i) }), // before the period
		issue("5", func(i *connectors.Issue) { i.Type = "Bug"; resolved(end)(i) }),   // end is excluded
		issue("6", func(i *connectors.Issue) { i.Type = "Defect" }),                  // open
	)
	src.AddMergeRequests(
		mr("m1", func(m *connectors.MergeRequest) { merged(t0, h(5))(m); m.Labels = []string{"type::bug"} }),
		mr("m2", func(m *connectors.MergeRequest) { merged(t0, h(6))(m); m.Labels = []string{"enhancement"} }),
		mr("m3", func(m *connectors.MergeRequest) { merged(t0, h(7))(m) }),
		mr("m4", func(m *connectors.MergeRequest) { // closed unmerged
			m.State, m.ClosedAt, m.Labels = "closed", ptr(h(8)), []string{"bug"}
		}),
		mr("m5", func(m *connectors.MergeRequest) { m.Labels = []string{"feature"} }), // open
	)
	s := compute(t, src)
	tp := s.Throughput
	is.Equal([4]int{tp.Issues.Bug, tp.Issues.Feature, tp.Issues.Chore, tp.Issues.N}, [4]int{1, 1, 1, 3})
	is.Equal([4]int{tp.MergeRequests.Bug, tp.MergeRequests.Feature, tp.MergeRequests.Chore, tp.MergeRequests.N}, [4]int{1, 1, 1, 3})
	is.Equal([4]int{tp.Combined.Bug, tp.Combined.Feature, tp.Combined.Chore, tp.Combined.N}, [4]int{2, 2, 2, 6})
	is.Equal(tp.Issues.Refs, refs("jira:issue:1", "jira:issue:2", "jira:issue:3"))
	is.Equal(tp.MergeRequests.Refs, refs("gitlab:mr:m1", "gitlab:mr:m2", "gitlab:mr:m3"))
	is.Equal(len(tp.Combined.Refs), 6)
	is.True(!s.Empty)
}

func TestReviewLatencyAndMRCycleTime(t *testing.T) {
	t.Parallel()
	reviewed := func(id string, created, review, mergedAt time.Time) connectors.MergeRequest {
		return mr(id, func(m *connectors.MergeRequest) {
			merged(created, mergedAt)(m)
			if !review.IsZero() {
				m.FirstReviewAt = ptr(review)
			}
		})
	}
	tests := []struct {
		name            string
		mrs             []connectors.MergeRequest
		method          string
		p50, p90        kpi.Value
		cycle50, cycle9 kpi.Value
		n               int
		p90Ref          kpi.Ref
	}{
		{name: "no MRs", method: ""},
		{name: "one MR without review", mrs: []connectors.MergeRequest{reviewed("a", h(0), time.Time{}, h(4))},
			method: kpi.ReviewMerged, p50: val(4), p90: val(4), cycle50: val(4), cycle9: val(4), n: 1, p90Ref: "gitlab:mr:a"},
		{name: "mixed", mrs: []connectors.MergeRequest{
			reviewed("a", h(0), h(2), h(10)),       // review 2, cycle 10
			reviewed("b", h(0), time.Time{}, h(4)), // review 4 (merge), cycle 4
			reviewed("c", h(1), h(7), h(21)),       // review 6, cycle 20
			mr("d", func(m *connectors.MergeRequest) { // closed unmerged: ignored
				m.State, m.ClosedAt, m.FirstReviewAt = "closed", ptr(h(3)), ptr(h(1))
			}),
		}, method: kpi.ReviewMixed, p50: val(4), p90: val(6), cycle50: val(10), cycle9: val(20), n: 3, p90Ref: "gitlab:mr:c"},
		{name: "all reviewed", mrs: []connectors.MergeRequest{
			reviewed("a", h(0), h(1), h(2)), reviewed("b", h(0), h(3), h(5)),
		}, method: kpi.ReviewFirstReview, p50: val(1), p90: val(3), cycle50: val(2), cycle9: val(5), n: 2, p90Ref: "gitlab:mr:b"},
		{name: "merged before the period", mrs: []connectors.MergeRequest{reviewed("a", d(-3), d(-2), d(-1))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			src := kpi.NewMemSource()
			src.AddMergeRequests(tc.mrs...)
			s := compute(t, src)
			rl := s.ReviewLatency
			is.Equal(rl.Method, tc.method)
			is.Equal(rl.P50, tc.p50)
			is.Equal(rl.P90, tc.p90)
			is.Equal(rl.N, tc.n)
			is.Equal(rl.P90Ref, tc.p90Ref)
			is.Equal(s.MRCycleTime.P50, tc.cycle50)
			is.Equal(s.MRCycleTime.P90, tc.cycle9)
			is.True(rl.Definition != "")
		})
	}
}

func TestIssueCycleTime(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	src := kpi.NewMemSource()
	src.AddIssues(
		issue("1", func(i *connectors.Issue) { i.CreatedAt = h(0); resolved(h(30))(i) }), // 10 → 30: 20h
		issue("2", func(i *connectors.Issue) { i.CreatedAt = h(0); resolved(h(12))(i) }), // skipped in progress
		issue("3", func(i *connectors.Issue) { i.CreatedAt = h(0); resolved(h(45))(i) }), // reopened: 5 → 45: 40h
		issue("4", func(i *connectors.Issue) { i.CreatedAt = h(0); resolved(h(8))(i) }),  // created in progress: 8h
		issue("5", func(i *connectors.Issue) { i.CreatedAt = h(0); resolved(h(9))(i) }),  // no transitions
	)
	src.AddTransitions(
		status("1", 0, h(10), todo, prog), status("1", 1, h(30), prog, done),
		status("2", 0, h(12), todo, done),
		status("3", 0, h(5), todo, prog), status("3", 1, h(15), prog, done), status("3", 2, h(20), done, todo),
		status("3", 3, h(25), todo, prog), status("3", 4, h(45), prog, done),
		status("4", 0, h(8), prog, done),
	)
	s := compute(t, src)
	ct := s.IssueCycleTime
	is.Equal(ct.N, 3)
	is.Equal(ct.P50, val(20))
	is.Equal(ct.P90, val(40))
	is.Equal(ct.Max, val(40))
	is.Equal(ct.P50Ref, kpi.Ref("jira:issue:1"))
	is.Equal(ct.Refs, refs("jira:issue:3", "jira:issue:1", "jira:issue:4")) // worst first
	is.Equal(ct.NeverInProgress.N, 2)
	is.Equal(ct.NeverInProgress.Refs, refs("jira:issue:2", "jira:issue:5"))
	is.Equal(ct.Reopened.Refs, refs("jira:issue:3"))
	is.Equal(ct.Outliers.N, 0) // 40 ≤ 3 × 20
	is.Equal(s.Throughput.Issues.N, 5)
}

func TestCycleTimeOutliers(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	src := kpi.NewMemSource()
	for i, hrs := range []float64{10, 10, 10, 100} {
		id := string(rune('a' + i))
		src.AddIssues(issue(id, func(x *connectors.Issue) { x.CreatedAt = h(0); resolved(h(hrs))(x) }))
		src.AddTransitions(status(id, 0, h(0), todo, prog), status(id, 1, h(hrs), prog, done))
	}
	s := compute(t, src)
	is.Equal(s.IssueCycleTime.P50, val(10))
	is.Equal(s.IssueCycleTime.Outliers.Refs, refs("jira:issue:d")) // 100 > 3 × 10
	is.Equal(len(s.RiskItems), 1)
	it := s.RiskItems[0]
	is.Equal(it.Kind, kpi.RiskCycleTimeOutlier)
	is.Equal(it.Severity, kpi.SeverityHigh) // 100 > 2 × 30
	is.Equal(it.Ref, kpi.Ref("jira:issue:d"))
	is.True(near(it.AgeDays, 100.0/24))
	is.Equal(it.URL, "https://jira/browse/ABC-d")
}

func TestBlockers(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	src := kpi.NewMemSource()
	created := func(daysBeforeEnd float64) func(*connectors.Issue) {
		return func(i *connectors.Issue) {
			i.CreatedAt = end.Add(-time.Duration(daysBeforeEnd * 24 * float64(time.Hour)))
		}
	}
	src.AddIssues(
		issue("1", func(i *connectors.Issue) { created(20)(i); i.Priority = "Blocker" }),
		issue("2", func(i *connectors.Issue) { created(2)(i); i.Priority = "Medium"; i.IsFlagged = true }),
		issue("3", func(i *connectors.Issue) { created(4)(i); i.Priority = "Low"; i.BlockedBy = []string{"ABC-9"} }),
		issue("4", func(i *connectors.Issue) { created(5)(i); i.BlockedBy = []string{"ABC-10"} }),                   // blocker resolved
		issue("5", func(i *connectors.Issue) { created(6)(i); i.Priority = "Highest"; resolved(d(3))(i) }),          // closed
		issue("6", func(i *connectors.Issue) { created(10)(i); i.Priority = "highest"; resolved(d(8))(i) }),         // resolved after end
		issue("7", func(i *connectors.Issue) { i.CreatedAt = end.Add(time.Hour); i.Priority = "Blocker" }),          // created after end
		issue("9", func(i *connectors.Issue) { created(1)(i) }),                                                     // open
		issue("10", func(i *connectors.Issue) { created(9)(i); resolved(d(1))(i) }),                                 // resolved
		issue("11", func(i *connectors.Issue) { created(3)(i); i.BlockedBy = []string{"NOPE-1"}; i.Priority = "" }), // unknown key
	)
	s := compute(t, src)
	b := s.Blockers
	is.Equal(b.Count, 4)
	is.Equal(b.N, 4)
	is.Equal(b.Refs, refs("jira:issue:1", "jira:issue:2", "jira:issue:3", "jira:issue:6"))
	is.Equal(b.Age.P50, val(4))
	is.Equal(b.Age.Max, val(20))
	is.Equal([3]int{b.ByPriority, b.Flagged, b.BlockedByOpen}, [3]int{2, 1, 1})
	// Risk items: blocker 1 is critical (Blocker priority), 6 high, 2 and 3 medium.
	var sev []string
	for _, it := range s.RiskItems {
		sev = append(sev, string(it.Ref)+"="+string(it.Severity))
	}
	is.Equal(sev, []string{"jira:issue:1=critical", "jira:issue:6=high", "jira:issue:3=medium", "jira:issue:2=medium"})
	is.Equal(s.RiskItems[2].Detail, "blocked by ABC-9")
}

func TestSpillover(t *testing.T) {
	t.Parallel()
	complete := d(6)
	sprint := connectors.Sprint{OrgID: org, Source: "jira", ExternalID: "100", Name: "S100", State: "closed",
		StartAt: ptr(d(-8)), EndAt: ptr(d(6)), CompleteAt: ptr(complete)}
	old := connectors.Sprint{OrgID: org, Source: "jira", ExternalID: "99", Name: "S99", State: "closed",
		StartAt: ptr(d(-22)), CompleteAt: ptr(d(-8))}
	empty := connectors.Sprint{OrgID: org, Source: "jira", ExternalID: "200", Name: "Empty", State: "closed",
		StartAt: ptr(d(-8)), CompleteAt: ptr(d(5))}
	tests := []struct {
		name               string
		issues             []connectors.Issue
		trs                []connectors.Transition
		committed, spilled int
		rate               kpi.Value
		spilledRefs        []kpi.Ref
	}{
		{name: "no sprint issues", rate: kpi.Null},
		{name: "removed, added, moved at completion",
			issues: []connectors.Issue{
				issue("1", func(i *connectors.Issue) { i.SprintID = "100"; resolved(d(3))(i) }), // in since start, done
				issue("2", func(i *connectors.Issue) { i.SprintID = "100, 101" }),               // spilled, moved after completion
				issue("3", nil), // removed mid-sprint
				issue("4", func(i *connectors.Issue) { i.SprintID = "100"; resolved(d(5))(i) }),      // added mid-sprint, done
				issue("5", func(i *connectors.Issue) { i.SprintID = "101" }),                         // replaced after completion: spilled
				issue("6", func(i *connectors.Issue) { i.SprintID = "99, 100"; resolved(d(-9))(i) }), // done long ago, carried
			},
			trs: []connectors.Transition{
				status("1", 0, d(1), todo, prog), status("1", 1, d(3), prog, done),
				sprintTr("2", 0, d(-1), "", "100"), sprintTr("2", 1, complete.Add(time.Minute), "100", "100, 101"),
				sprintTr("3", 0, d(-1), "", "100"), sprintTr("3", 1, d(2), "100", ""),
				sprintTr("4", 0, d(3), "", "100"), status("4", 0, d(5), todo, done),
				sprintTr("5", 0, complete.Add(time.Hour), "100", "101"),
				status("6", 0, d(-9), todo, done),
			},
			committed: 5, spilled: 2, rate: val(0.4), spilledRefs: refs("jira:issue:2", "jira:issue:5")},
		{name: "reopened before completion is not done",
			issues: []connectors.Issue{issue("1", func(i *connectors.Issue) { i.SprintID = "100"; resolved(d(6.5))(i) })},
			trs: []connectors.Transition{
				status("1", 0, d(1), todo, done), status("1", 1, d(2), done, prog), status("1", 2, d(6.5), prog, done),
			},
			committed: 1, spilled: 1, rate: val(1), spilledRefs: refs("jira:issue:1")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			src := kpi.NewMemSource()
			src.AddSprints(sprint, old, empty)
			src.AddIssues(tc.issues...)
			src.AddTransitions(tc.trs...)
			s := compute(t, src)
			sp := s.Spillover
			is.Equal(sp.Committed, tc.committed)
			is.Equal(sp.Spilled, tc.spilled)
			is.Equal(sp.Rate, tc.rate)
			is.Equal(len(sp.Sprints), 2) // S99 completed before the period
			is.Equal(sp.Sprints[0].Name, "Empty")
			is.Equal(sp.Sprints[0].Rate, kpi.Null)
			is.Equal(sp.Sprints[1].Ref, kpi.Ref("jira:sprint:100"))
			if tc.spilledRefs != nil {
				is.Equal(sp.Refs, tc.spilledRefs)
				is.Equal(sp.Sprints[1].SpilledRefs, tc.spilledRefs)
			}
			is.Equal(sp.N, tc.committed)
		})
	}
}

func TestStaleMRs(t *testing.T) {
	t.Parallel()
	ago := func(days float64) time.Time { return end.Add(-time.Duration(days * 24 * float64(time.Hour))) }
	mrs := []connectors.MergeRequest{
		mr("1", func(m *connectors.MergeRequest) { m.CreatedAt, m.UpdatedAt = ago(20), ago(8) }),
		mr("2", func(m *connectors.MergeRequest) { m.CreatedAt, m.UpdatedAt = ago(20), ago(3) }),
		mr("3", func(m *connectors.MergeRequest) { // closed unmerged in the period
			m.CreatedAt, m.UpdatedAt, m.State, m.ClosedAt = ago(40), ago(20), "closed", ptr(ago(1))
		}),
		mr("4", func(m *connectors.MergeRequest) { // merged after the period end: open at end
			m.CreatedAt, m.UpdatedAt, m.State, m.MergedAt = ago(40), ago(10), "merged", ptr(end.Add(time.Hour))
		}),
		mr("5", func(m *connectors.MergeRequest) { m.CreatedAt, m.UpdatedAt = end.Add(time.Hour), end }), // created later
	}
	tests := []struct {
		name     string
		after    time.Duration
		count    int
		percent  float64
		refsWant []kpi.Ref
	}{
		{"default 7 days", 0, 2, 200.0 / 3, refs("gitlab:mr:1", "gitlab:mr:4")},
		{"9 days", 9 * 24 * time.Hour, 1, 100.0 / 3, refs("gitlab:mr:4")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			src := kpi.NewMemSource()
			src.AddMergeRequests(mrs...)
			var opts []kpi.Option
			if tc.after > 0 {
				opts = append(opts, kpi.WithStaleAfter(tc.after))
			}
			s := compute(t, src, opts...)
			st := s.StaleMRs
			is.Equal(st.Open, 3)
			is.Equal(st.N, 3)
			is.Equal(st.Count, tc.count)
			is.True(near(st.Percent.V, tc.percent))
			is.Equal(st.Refs, tc.refsWant)
		})
	}
}

func TestFailedPipelines(t *testing.T) {
	t.Parallel()
	base := []connectors.Pipeline{
		pipeline("1", "main", "a", "failed", h(1)),
		pipeline("2", "main", "a", "success", h(2)), // retry of 1: supersedes it
		pipeline("3", "main", "b", "failed", d(3)),
		pipeline("4", "feature", "c", "failed", d(1)),
		pipeline("5", "main", "d", "canceled", d(2)),
		pipeline("7", "main", "z", "failed", d(-1)), // before the period
	}
	tests := []struct {
		name            string
		extra           []connectors.Pipeline
		finished, count int
		retried         int
		dfailed, dtotal int
		rate            float64
		failing         []kpi.Ref
		failedRefs      []kpi.Ref
	}{
		{"green default branch at end", []connectors.Pipeline{pipeline("6", "main", "e", "success", d(4))},
			5, 2, 1, 1, 3, 1.0 / 3, refs(), refs("gitlab:pipeline:3", "gitlab:pipeline:4")},
		{"red default branch at end", nil,
			4, 2, 1, 1, 2, 0.5, refs("gitlab:pipeline:3"), refs("gitlab:pipeline:3", "gitlab:pipeline:4")},
		{"retried failure stays failed", []connectors.Pipeline{pipeline("8", "main", "b", "failed", d(3.5))},
			4, 2, 2, 1, 2, 0.5, refs("gitlab:pipeline:8"), refs("gitlab:pipeline:4", "gitlab:pipeline:8")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			src := kpi.NewMemSource()
			src.AddProjects(connectors.Project{OrgID: org, Source: "gitlab", ExternalID: "p1", PathWithNamespace: "g/p1", DefaultBranch: "main"})
			src.AddPipelines(base...)
			src.AddPipelines(tc.extra...)
			s := compute(t, src)
			fp := s.FailedPipelines
			is.Equal(fp.Finished, tc.finished)
			is.Equal(fp.Count, tc.count)
			is.Equal(fp.Retried, tc.retried)
			is.Equal(fp.DefaultBranch.Failed, tc.dfailed)
			is.Equal(fp.DefaultBranch.Total, tc.dtotal)
			is.True(near(fp.DefaultBranch.Rate.V, tc.rate))
			is.Equal(fp.DefaultBranch.Failing, tc.failing)
			is.Equal(fp.Refs, tc.failedRefs)
			items := 0
			for _, it := range s.RiskItems {
				if it.Kind == kpi.RiskFailedPipeline {
					items++
					is.Equal(it.Severity, kpi.SeverityHigh)
					is.True(strings.HasPrefix(it.Title, "g/p1: default branch main failing"))
				}
			}
			is.Equal(items, len(tc.failing))
		})
	}
}

func TestDORA(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	src := kpi.NewMemSource()
	src.AddDeployments(
		deployment("D1", "p1", "production", "success", d(1), "m1"),
		deployment("D2", "p2", "production", "success", d(3)),
		deployment("D3", "p2", "production", "success", d(5)),
		deployment("D4", "p2", "staging", "success", d(4)),
		deployment("D5", "p2", "production", "failed", d(4)),
		deployment("D0", "p2", "production", "success", d(-1)), // before the period
	)
	src.AddMergeRequests(
		mr("m1", func(m *connectors.MergeRequest) { m.ProjectID = "p1"; merged(h(0), h(12))(m) }),
		mr("m2", func(m *connectors.MergeRequest) { m.ProjectID = "p1"; merged(h(0), d(2))(m) }),
		mr("m3", func(m *connectors.MergeRequest) { m.ProjectID = "p2"; merged(h(0), d(2))(m) }),
		mr("m4", func(m *connectors.MergeRequest) { m.ProjectID = "p2"; merged(h(0), d(5).Add(time.Hour))(m) }),
	)
	src.AddIssues(
		issue("i1", func(i *connectors.Issue) {
			i.Type, i.CreatedAt = "Incident", d(3).Add(2*time.Hour)
			resolved(d(3).Add(5 * time.Hour))(i)
		}),
		issue("i2", func(i *connectors.Issue) {
			i.Labels, i.CreatedAt = []string{"incident"}, d(3).Add(6*time.Hour)
			resolved(d(4).Add(6 * time.Hour))(i)
		}),
		issue("i3", func(i *connectors.Issue) { i.Type = "Incident"; i.CreatedAt = d(-3) }), // before any deploy, open
	)
	s := compute(t, src)
	dora := s.DORA

	df := dora.DeploymentFrequency
	is.Equal(df.Deploys, 3)
	is.True(near(df.PerDay.V, 3.0/7))
	is.Equal(df.DaysWithDeploy, 3)
	is.True(near(df.DaysPerWeek.V, 3))
	is.Equal(df.Band, kpi.BandHigh)
	is.Equal(df.Refs, refs("gitlab:deployment:D1", "gitlab:deployment:D2", "gitlab:deployment:D3"))

	lt := dora.LeadTime
	is.Equal(lt.N, 2)
	is.Equal(lt.P50, val(12))
	is.Equal(lt.P90, val(24))
	is.Equal(lt.Method, kpi.LeadTimeMixed)
	is.Equal([2]int{lt.ViaMergeRequestIDs, lt.ViaNextDeploy}, [2]int{1, 1})
	is.Equal(lt.Undeployed.Refs, refs("gitlab:mr:m2", "gitlab:mr:m4"))
	is.Equal(lt.Band, kpi.BandElite)

	cfr := dora.ChangeFailureRate
	is.Equal(cfr.Deploys, 3)
	is.Equal(cfr.Failed, 1) // two incidents after D2 count once; D1 and D3 had none
	is.True(near(cfr.Rate.V, 1.0/3))
	is.Equal(cfr.Refs, refs("gitlab:deployment:D2"))
	is.Equal(cfr.Incidents, refs("jira:issue:i1", "jira:issue:i2"))
	is.Equal(cfr.Band, kpi.BandLow)

	ttr := dora.TimeToRestore
	is.Equal(ttr.N, 2)
	is.Equal(ttr.P50, val(3))
	is.Equal(ttr.P90, val(24))
	is.Equal(ttr.Band, kpi.BandHigh)
}

func TestDORANoDeployments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		deps   []connectors.Deployment
		perDay kpi.Value
		band   kpi.Band
	}{
		{"not tracked", nil, kpi.Null, ""},
		{"staging only", []connectors.Deployment{deployment("S", "p1", "staging", "success", d(1))}, val(0), kpi.BandLow},
		{"one deploy without incident", []connectors.Deployment{deployment("P", "p1", "production", "success", d(1))}, val(1.0 / 7), kpi.BandHigh},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			src := kpi.NewMemSource()
			src.AddDeployments(tc.deps...)
			s := compute(t, src)
			is.Equal(s.DORA.DeploymentFrequency.PerDay, tc.perDay)
			is.Equal(s.DORA.DeploymentFrequency.Band, tc.band)
			if len(tc.deps) == 0 || tc.deps[0].EnvironmentTier != "production" {
				is.Equal(s.DORA.ChangeFailureRate.Rate, kpi.Null)
			} else {
				is.Equal(s.DORA.ChangeFailureRate.Rate, val(0))
				is.Equal(s.DORA.ChangeFailureRate.Band, kpi.BandElite)
			}
		})
	}
}

// fullSource holds a little of everything.
func fullSource() *kpi.MemSource {
	src := kpi.NewMemSource()
	src.AddProjects(connectors.Project{OrgID: org, Source: "gitlab", ExternalID: "p1", PathWithNamespace: "g/p1", DefaultBranch: "main"})
	src.AddIssues(
		issue("1", func(i *connectors.Issue) { i.CreatedAt = h(0); resolved(h(30))(i); i.Team = "core" }),
		issue("2", func(i *connectors.Issue) { i.Priority = "Blocker"; i.Team = "web"; i.ProjectKey = "WEB" }),
	)
	src.AddTransitions(status("1", 0, h(10), todo, prog), status("1", 1, h(30), prog, done))
	src.AddMergeRequests(
		mr("m1", func(m *connectors.MergeRequest) { merged(h(0), h(5))(m); m.FirstReviewAt = ptr(h(2)) }),
		mr("m2", func(m *connectors.MergeRequest) { m.ProjectID = "p2"; m.UpdatedAt = d(-10) }),
	)
	src.AddPipelines(pipeline("1", "main", "a", "failed", d(2)))
	src.AddDeployments(deployment("D1", "p1", "production", "success", d(1)))
	return src
}

func TestHealthAndRiskFromSnapshot(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := compute(t, fullSource())
	is.True(s.Health.Score.Valid)
	var sum, weights float64
	for _, c := range s.Health.Components {
		if c.Missing {
			continue
		}
		sum += c.Contribution.V
		weights += c.EffectiveWeight
	}
	is.True(near(sum, s.Health.Score.V))
	is.True(near(weights, 1))
	is.Equal(s.Health.Missing, []string{kpi.HealthSpillover}) // no sprint
	is.True(s.Risk.Score.Valid)
	var pts float64
	for _, c := range s.Risk.Components {
		pts += c.Points
	}
	is.True(near(pts, s.Risk.Score.V))
	is.Equal(s.Risk.Label, kpi.RiskLabel(s.Risk.Score.V))
	// Risk items: the blocker, the stale MR and the failing default branch.
	kinds := map[kpi.RiskKind]int{}
	for _, it := range s.RiskItems {
		kinds[it.Kind]++
		is.True(it.Ref != "")
	}
	is.Equal(kinds, map[kpi.RiskKind]int{kpi.RiskBlocker: 1, kpi.RiskStaleMR: 1, kpi.RiskFailedPipeline: 1})
	is.Equal(s.RiskItemsTotal, 3)
}

func TestScopes(t *testing.T) {
	t.Parallel()
	src := fullSource()
	src.SetTeamProjects("web", "g/p2")
	tests := []struct {
		scope              kpi.Scope
		issues, blockers   int
		mrsMerged, openMRs int
		pipelines, deploys int
	}{
		{kpi.OrgScope, 1, 1, 1, 1, 1, 1},
		{kpi.Scope{Kind: kpi.ScopeTeam, ID: "core"}, 1, 0, 0, 0, 0, 0},
		{kpi.Scope{Kind: kpi.ScopeTeam, ID: "web"}, 0, 1, 0, 0, 0, 0}, // p2 path unknown: no project row
		{kpi.Scope{Kind: kpi.ScopeProject, ID: "web"}, 0, 1, 0, 0, 0, 0},
		{kpi.Scope{Kind: kpi.ScopeProject, ID: "g/p1"}, 0, 0, 1, 0, 1, 1},
		{kpi.Scope{Kind: kpi.ScopeProject, ID: "p2"}, 0, 0, 0, 1, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.scope.String(), func(t *testing.T) {
			is := is.New(t)
			s, err := kpi.Compute(context.Background(), src, org, tc.scope, period)
			is.NoErr(err)
			is.Equal(s.Scope, tc.scope)
			is.Equal(s.Throughput.Issues.N, tc.issues)
			is.Equal(s.Blockers.Count, tc.blockers)
			is.Equal(s.Throughput.MergeRequests.N, tc.mrsMerged)
			is.Equal(s.StaleMRs.Open, tc.openMRs)
			is.Equal(s.FailedPipelines.Finished, tc.pipelines)
			is.Equal(s.DORA.DeploymentFrequency.Deploys, tc.deploys)
		})
	}
	// Another org sees nothing.
	is := is.New(t)
	s, err := kpi.Compute(context.Background(), src, "other", kpi.OrgScope, period)
	is.NoErr(err)
	is.True(s.Empty)
}

func TestSnapshotJSONRoundTrip(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := compute(t, fullSource())
	b, err := json.Marshal(s)
	is.NoErr(err)
	var back kpi.Snapshot
	is.NoErr(json.Unmarshal(b, &back))
	b2, err := json.Marshal(back)
	is.NoErr(err)
	is.Equal(string(b), string(b2))
	is.Equal(back.Health.Score, s.Health.Score)
	is.Equal(back.Period, s.Period)
}

func TestMaxRefs(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	src := kpi.NewMemSource()
	for i := range 5 {
		src.AddIssues(issue(string(rune('a'+i)), resolved(h(float64(i+1)))))
	}
	s := compute(t, src, kpi.WithMaxRefs(2))
	is.Equal(s.Throughput.Issues.N, 5)
	is.Equal(s.Throughput.Issues.Refs, refs("jira:issue:a", "jira:issue:b"))
	is.True(s.Throughput.Issues.RefsTruncated)
}

// failingSource wraps a Source and fails one stream.
type failingSource struct {
	kpi.Source
}

var errBoom = errors.New("boom")

func (failingSource) Pipelines(context.Context, kpi.Query) iter.Seq2[*connectors.Pipeline, error] {
	return func(yield func(*connectors.Pipeline, error) bool) { yield(nil, errBoom) }
}

func TestSourceErrors(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	_, err := kpi.Compute(context.Background(), failingSource{fullSource()}, org, kpi.OrgScope, period)
	is.True(errors.Is(err, errBoom))
	is.True(strings.Contains(err.Error(), "pipelines"))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = kpi.Compute(ctx, fullSource(), org, kpi.OrgScope, period)
	is.True(errors.Is(err, context.Canceled))
}

// Thousands of rows: percentiles stay exact nearest-rank.
func TestLargeSampleExactPercentiles(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	src := kpi.NewMemSource()
	const n = 3001
	for i := 1; i <= n; i++ {
		id := fmt.Sprint(i)
		src.AddIssues(issue(id, func(x *connectors.Issue) { x.CreatedAt = h(0); resolved(h(float64(i)/20 + 1))(x) }))
		src.AddTransitions(status(id, 0, h(1), todo, prog)) // cycle = i/20 hours
	}
	s := compute(t, src)
	ct := s.IssueCycleTime
	is.Equal(ct.N, n)
	is.Equal(s.Throughput.Issues.N, n)
	is.True(near(ct.P50.V, 1501.0/20)) // rank ⌈0.5 × 3001⌉ = 1501
	is.True(near(ct.P90.V, 2701.0/20)) // rank ⌈0.9 × 3001⌉ = 2701
	is.True(near(ct.Max.V, 3001.0/20))
	is.Equal(ct.P50Ref, kpi.Ref("jira:issue:1501"))
	is.Equal(len(ct.Refs), kpi.DefaultMaxRefs)
	is.Equal(ct.Refs[0], kpi.Ref("jira:issue:3001"))
	is.True(ct.RefsTruncated)
}

// A priority listed twice in the classifier still counts a blocker once.
func TestBlockerPriorityListedTwice(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	src := kpi.NewMemSource()
	src.AddIssues(issue("1", func(i *connectors.Issue) { i.Priority = "Highest" }))
	c := kpi.DefaultClassifier()
	c.BlockerPriorities = []string{"Highest", " highest", "Blocker"}
	s := compute(t, src, kpi.WithClassifier(c))
	is.Equal(s.Blockers.Count, 1)
	is.Equal(s.Blockers.Refs, refs("jira:issue:1"))
}
