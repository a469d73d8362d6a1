package kpi_test

import (
	"context"
	"encoding/json"
	"iter"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/kpi"
)

// records is a whole org in plain slices.
type records struct {
	issues      []connectors.Issue
	transitions []connectors.Transition
	sprints     []connectors.Sprint
	projects    []connectors.Project
	mrs         []connectors.MergeRequest
	pipelines   []connectors.Pipeline
	deployments []connectors.Deployment
}

func (r records) mem() *kpi.MemSource {
	m := kpi.NewMemSource()
	m.AddIssues(r.issues...)
	m.AddTransitions(r.transitions...)
	m.AddSprints(r.sprints...)
	m.AddProjects(r.projects...)
	m.AddMergeRequests(r.mrs...)
	m.AddPipelines(r.pipelines...)
	m.AddDeployments(r.deployments...)
	return m
}

// naiveSource returns every row of every stream, unfiltered: the widest
// superset the Source contract allows. Compute must give the same snapshot.
type naiveSource struct{ r records }

func all[T any](rows []T) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		for i := range rows {
			row := rows[i] // a copy, like a database row
			if !yield(&row, nil) {
				return
			}
		}
	}
}

func (n naiveSource) histories() []kpi.IssueHistory {
	out := make([]kpi.IssueHistory, len(n.r.issues))
	for i, is := range n.r.issues {
		out[i].Issue = is
		for _, t := range n.r.transitions {
			if t.IssueID == is.ExternalID {
				out[i].Transitions = append(out[i].Transitions, t)
			}
		}
	}
	return out
}

func (n naiveSource) ResolvedIssues(context.Context, kpi.Query) iter.Seq2[*kpi.IssueHistory, error] {
	return all(n.histories())
}
func (n naiveSource) BlockerCandidates(context.Context, kpi.Query) iter.Seq2[*connectors.Issue, error] {
	return all(n.r.issues)
}
func (n naiveSource) IssuesOpenAt(_ context.Context, _ string, keys []string, at time.Time) (map[string]bool, error) {
	out := map[string]bool{}
	for _, k := range keys {
		for _, is := range n.r.issues {
			if is.Key == k {
				out[k] = is.CreatedAt.Before(at) && (is.ResolvedAt == nil && is.StatusCategory != connectors.CategoryDone || is.ResolvedAt != nil && !is.ResolvedAt.Before(at))
			}
		}
	}
	return out, nil
}
func (n naiveSource) CompletedSprints(context.Context, kpi.Query) iter.Seq2[*kpi.SprintHistory, error] {
	shs := make([]kpi.SprintHistory, len(n.r.sprints))
	for i, s := range n.r.sprints {
		shs[i] = kpi.SprintHistory{Sprint: s, Issues: n.histories()}
	}
	return all(shs)
}
func (n naiveSource) MergeRequests(context.Context, kpi.Query) iter.Seq2[*connectors.MergeRequest, error] {
	return all(n.r.mrs)
}
func (n naiveSource) Pipelines(context.Context, kpi.Query) iter.Seq2[*connectors.Pipeline, error] {
	return all(n.r.pipelines)
}
func (n naiveSource) Projects(context.Context, kpi.Query) iter.Seq2[*connectors.Project, error] {
	return all(n.r.projects)
}
func (n naiveSource) Deployments(context.Context, kpi.Query) iter.Seq2[*connectors.Deployment, error] {
	return all(n.r.deployments)
}
func (n naiveSource) Incidents(context.Context, kpi.Query) iter.Seq2[*connectors.Issue, error] {
	return all(n.r.issues)
}

// A Source may return a superset of each stream: Compute re-checks every
// predicate, so MemSource (exact) and naiveSource (everything) agree on
// every metric, over seeded random orgs and several periods.
func TestComputeAcceptsSupersets(t *testing.T) {
	t.Parallel()
	for seed := range uint64(30) {
		r := randomRecords(seed)
		for _, p := range []kpi.Period{period, {Start: d(-10), End: d(3)}, {Start: d(2), End: d(2.5)}} {
			is := is.New(t)
			opts := []kpi.Option{kpi.WithNow(func() time.Time { return end }), kpi.WithMaxRefs(0), kpi.WithMaxRiskItems(0)}
			a, err := kpi.Compute(context.Background(), r.mem(), org, kpi.OrgScope, p, opts...)
			is.NoErr(err)
			b, err := kpi.Compute(context.Background(), naiveSource{r}, org, kpi.OrgScope, p, opts...)
			is.NoErr(err)
			// Empty and the presence of the blocker / pipeline inputs depend
			// on rows seen, which a superset changes by design.
			if a.Empty {
				continue
			}
			a.Health, b.Health, a.Risk, b.Risk, a.Empty, b.Empty = kpi.Health{}, kpi.Health{}, kpi.Risk{}, kpi.Risk{}, false, false
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Fatalf("seed %d period %v: MemSource and naive source differ:\n%s\n%s", seed, p, ja, jb)
			}
		}
	}
}

// randomRecords builds a seeded org touching every stream.
func randomRecords(seed uint64) records {
	rng := newRand(seed)
	var r records
	r.projects = []connectors.Project{
		{OrgID: org, Source: "gitlab", ExternalID: "p1", PathWithNamespace: "g/p1", DefaultBranch: "main"},
		{OrgID: org, Source: "gitlab", ExternalID: "p2", PathWithNamespace: "g/p2", DefaultBranch: "develop"},
	}
	r.sprints = []connectors.Sprint{
		{OrgID: org, Source: "jira", ExternalID: "1", Name: "S1", StartAt: ptr(d(-14)), CompleteAt: ptr(d(0.5))},
		{OrgID: org, Source: "jira", ExternalID: "2", Name: "S2", StartAt: ptr(d(0.5)), CompleteAt: ptr(d(6))},
		{OrgID: org, Source: "jira", ExternalID: "3", Name: "S3", StartAt: ptr(d(6)), State: "active"},
	}
	day := func() time.Time { return d(-12 + rng.Float64()*22) }
	types := []string{"Bug", "Story", "Task", "Incident"}
	prios := []string{"Low", "Medium", "Highest", "Blocker"}
	for i := range 40 {
		id := string(rune('A'+i/26)) + string(rune('a'+i%26))
		created := day()
		is := issue(id, func(x *connectors.Issue) {
			x.Type, x.Priority, x.CreatedAt = types[rng.IntN(len(types))], prios[rng.IntN(len(prios))], created
			x.IsFlagged = rng.IntN(8) == 0
			if rng.IntN(5) == 0 {
				x.BlockedBy = []string{"ABC-" + string(rune('A')) + string(rune('a'+rng.IntN(26)))}
			}
			if rng.IntN(6) == 0 {
				x.Labels = []string{"incident"}
			}
		})
		seq := 0
		sprint := ""
		if rng.IntN(2) == 0 {
			sprint = []string{"1", "2", "1, 2"}[rng.IntN(3)]
			r.transitions = append(r.transitions, sprintTr(id, seq, created.Add(time.Hour), "", sprint))
			seq++
			if rng.IntN(3) == 0 {
				r.transitions = append(r.transitions, sprintTr(id, seq, created.Add(48*time.Hour), sprint, "3"))
				seq++
				sprint = "3"
			}
		}
		is.SprintID = sprint
		if rng.IntN(4) > 0 {
			start := created.Add(time.Duration(rng.IntN(72)) * time.Hour)
			r.transitions = append(r.transitions, status(id, seq, start, todo, prog))
			seq++
			if rng.IntN(3) > 0 {
				res := start.Add(time.Duration(1+rng.IntN(200)) * time.Hour)
				r.transitions = append(r.transitions, status(id, seq, res, prog, done))
				resolved(res)(&is)
				is.Status = "Done"
			}
		}
		r.issues = append(r.issues, is)
	}
	for i := range 30 {
		id := string(rune('a'+i/26)) + string(rune('a'+i%26))
		created := day()
		r.mrs = append(r.mrs, mr(id, func(m *connectors.MergeRequest) {
			m.ProjectID = []string{"p1", "p2"}[rng.IntN(2)]
			m.CreatedAt, m.UpdatedAt = created, created.Add(time.Duration(rng.IntN(100))*time.Hour)
			m.Labels = [][]string{nil, {"bug"}, {"feature"}}[rng.IntN(3)]
			switch rng.IntN(3) {
			case 0:
				at := created.Add(time.Duration(1+rng.IntN(100)) * time.Hour)
				m.State, m.MergedAt, m.UpdatedAt = "merged", ptr(at), at
				if rng.IntN(2) == 0 {
					m.FirstReviewAt = ptr(created.Add(time.Hour))
				}
			case 1:
				at := created.Add(time.Duration(1+rng.IntN(100)) * time.Hour)
				m.State, m.ClosedAt = "closed", ptr(at)
			}
		}))
	}
	for i := range 30 {
		p := pipeline(string(rune('a'+i)), []string{"main", "develop", "feature"}[rng.IntN(3)], string(rune('a'+rng.IntN(8))),
			[]string{"success", "failed", "canceled"}[rng.IntN(3)], day())
		p.ProjectID = []string{"p1", "p2"}[rng.IntN(2)]
		r.pipelines = append(r.pipelines, p)
	}
	for i := range 12 {
		var ids []string
		if rng.IntN(3) == 0 {
			ids = []string{r.mrs[rng.IntN(len(r.mrs))].ExternalID}
		}
		r.deployments = append(r.deployments, deployment(string(rune('A'+i)), []string{"p1", "p2"}[rng.IntN(2)],
			[]string{"production", "production", "staging"}[rng.IntN(3)], []string{"success", "success", "failed"}[rng.IntN(3)], day(), ids...))
	}
	return r
}

// Capping risk items keeps exactly the head of the full, sorted list.
func TestRiskItemsCap(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		is := is.New(t)
		src := randomRecords(seed).mem()
		now := kpi.WithNow(func() time.Time { return end })
		full, err := kpi.Compute(context.Background(), src, org, kpi.OrgScope, period, now, kpi.WithMaxRiskItems(0))
		is.NoErr(err)
		for _, max := range []int{1, 2, 3, 7} {
			capped, err := kpi.Compute(context.Background(), src, org, kpi.OrgScope, period, now, kpi.WithMaxRiskItems(max))
			is.NoErr(err)
			is.Equal(capped.RiskItemsTotal, full.RiskItemsTotal)
			is.Equal(capped.RiskItemsTotal, len(full.RiskItems))
			want := full.RiskItems[:min(max, len(full.RiskItems))]
			is.Equal(capped.RiskItems, want)
		}
	}
}

// MemSource may be added to while snapshots are computed.
func TestMemSourceConcurrentAdd(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	src := randomRecords(1).mem()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			id := "c" + string(rune('a'+i%26)) + string(rune('a'+i/26))
			src.AddIssues(issue(id, resolved(d(1))))
			src.AddTransitions(status(id, 0, d(0.5), todo, prog))
			src.SetTeamProjects("t", "p1")
		}
	}()
	for range 20 {
		_, err := kpi.Compute(context.Background(), src, org, kpi.OrgScope, period)
		is.NoErr(err)
	}
	<-done
	s, err := kpi.Compute(context.Background(), src, org, kpi.OrgScope, period)
	is.NoErr(err)
	is.True(s.Throughput.Issues.N >= 50)
}
