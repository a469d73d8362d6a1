package kpi_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/kpi"
)

// Benchmark sizes (SPEC §13: 1,000,000 issues, 200,000 MRs, 500,000 pipelines).
const (
	benchIssues      = 1_000_000
	benchMRs         = 200_000
	benchPipelines   = 500_000
	benchDeployments = 20_000
	benchProjects    = 50
	benchBoards      = 10
)

var (
	benchOnce sync.Once
	benchSrc  *kpi.MemSource
)

// benchSource generates a year of synthetic activity ending at end.
func benchSource() *kpi.MemSource {
	benchOnce.Do(func() {
		r := rand.New(rand.NewPCG(42, 42))
		year := 365 * 24 * time.Hour
		at := func() time.Time { return end.Add(-time.Duration(r.Int64N(int64(year)))) }
		src := kpi.NewMemSource()

		projects := make([]connectors.Project, benchProjects)
		for i := range projects {
			id := strconv.Itoa(i)
			projects[i] = connectors.Project{OrgID: org, Source: "gitlab", ExternalID: id, PathWithNamespace: "g/p" + id, DefaultBranch: "main"}
		}
		src.AddProjects(projects...)

		// Two-week sprints per board over the year.
		var sprints []connectors.Sprint
		for b := range benchBoards {
			for s := range 26 {
				start := end.Add(-year + time.Duration(s)*14*24*time.Hour)
				complete := start.Add(14 * 24 * time.Hour)
				sp := connectors.Sprint{OrgID: org, Source: "jira", ExternalID: strconv.Itoa(b*100 + s), BoardID: strconv.Itoa(b),
					Name: "S" + strconv.Itoa(s), State: "closed", StartAt: ptr(start), EndAt: ptr(complete)}
				if complete.Before(end) {
					sp.CompleteAt = ptr(complete)
				} else {
					sp.State = "active"
				}
				sprints = append(sprints, sp)
			}
		}
		src.AddSprints(sprints...)
		sprintAt := func(b int, t time.Time) string {
			s := int(t.Sub(end.Add(-year)) / (14 * 24 * time.Hour))
			return strconv.Itoa(b*100 + min(max(s, 0), 25))
		}

		types := []string{"Bug", "Story", "Task", "Story", "Bug", "Task", "Improvement"}
		issues := make([]connectors.Issue, 0, benchIssues)
		trs := make([]connectors.Transition, 0, 3*benchIssues)
		for i := range benchIssues {
			id := strconv.Itoa(i)
			created := at()
			is := connectors.Issue{OrgID: org, Source: "jira", ExternalID: id, Key: "K-" + id, ProjectKey: "K",
				Summary: "issue", Type: types[r.IntN(len(types))], Status: "To Do", StatusCategory: connectors.CategoryTodo,
				Priority: "Medium", CreatedAt: created, UpdatedAt: created, URL: "https://jira/browse/K-" + id}
			switch x := r.IntN(1000); {
			case x < 5:
				is.Type = "Incident"
			case x < 25:
				is.Priority = "Highest"
			case x < 35:
				is.Priority = "Blocker"
			case x < 45:
				is.IsFlagged = true
			case x < 65:
				is.BlockedBy = []string{"K-" + strconv.Itoa(r.IntN(benchIssues))}
			}
			board := r.IntN(benchBoards)
			seq := 0
			if r.IntN(3) == 0 {
				is.SprintID = sprintAt(board, created)
				trs = append(trs, connectors.Transition{OrgID: org, Source: "jira", IssueID: id, Seq: seq, Field: connectors.FieldSprint,
					To: is.SprintID, At: created.Add(time.Minute)})
				seq++
			}
			start := created.Add(time.Duration(r.IntN(10*24)) * time.Hour)
			if start.Before(end) && r.IntN(10) < 9 {
				trs = append(trs, status(id, seq, start, todo, prog))
				trs[len(trs)-1].Seq = seq
				seq++
				is.Status, is.StatusCategory = "In Progress", connectors.CategoryInProgress
				res := start.Add(time.Duration(1+r.IntN(14*24)) * time.Hour)
				if res.Before(end) && r.IntN(20) > 0 {
					trs = append(trs, status(id, seq, res, prog, done))
					trs[len(trs)-1].Seq = seq
					is.Status, is.StatusCategory, is.ResolvedAt, is.UpdatedAt = "Done", connectors.CategoryDone, ptr(res), res
				}
			}
			issues = append(issues, is)
		}
		src.AddIssues(issues...)
		src.AddTransitions(trs...)

		labels := [][]string{nil, {"bug"}, {"feature"}, {"docs"}, {"type::enhancement"}}
		mrs := make([]connectors.MergeRequest, 0, benchMRs)
		for i := range benchMRs {
			id := strconv.Itoa(i)
			created := at()
			m := connectors.MergeRequest{OrgID: org, Source: "gitlab", ExternalID: id, ProjectID: strconv.Itoa(r.IntN(benchProjects)),
				IID: int64(i), Title: "mr", State: "opened", Labels: labels[r.IntN(len(labels))], CreatedAt: created,
				UpdatedAt: created, URL: "https://gitlab/mr/" + id}
			switch x := r.IntN(100); {
			case x < 85:
				t := created.Add(time.Duration(1+r.IntN(5*24)) * time.Hour)
				if t.Before(end) {
					m.State, m.MergedAt, m.UpdatedAt = "merged", ptr(t), t
					if r.IntN(10) < 6 {
						m.FirstReviewAt = ptr(created.Add(t.Sub(created) / 3))
					}
				}
			case x < 90:
				t := created.Add(time.Duration(1+r.IntN(5*24)) * time.Hour)
				if t.Before(end) {
					m.State, m.ClosedAt, m.UpdatedAt = "closed", ptr(t), t
				}
			}
			mrs = append(mrs, m)
		}
		src.AddMergeRequests(mrs...)

		pls := make([]connectors.Pipeline, 0, benchPipelines)
		statuses := []string{"success", "success", "success", "success", "success", "success", "success", "failed", "canceled", "failed"}
		for i := range benchPipelines {
			id := strconv.Itoa(i)
			fin := at()
			ref := "main"
			if r.IntN(5) < 2 {
				ref = "feature-" + strconv.Itoa(r.IntN(1000))
			}
			sha := strconv.Itoa(i)
			if i > 0 && r.IntN(20) == 0 { // a retry of the previous run
				sha, ref = pls[i-1].SHA, pls[i-1].Ref
			}
			p := connectors.Pipeline{OrgID: org, Source: "gitlab", ExternalID: id, ProjectID: strconv.Itoa(r.IntN(benchProjects)),
				Ref: ref, SHA: sha, Status: statuses[r.IntN(len(statuses))], CreatedAt: fin.Add(-10 * time.Minute),
				UpdatedAt: fin, FinishedAt: ptr(fin), URL: "https://gitlab/pipelines/" + id}
			pls = append(pls, p)
		}
		src.AddPipelines(pls...)

		deps := make([]connectors.Deployment, 0, benchDeployments)
		for i := range benchDeployments {
			fin := at()
			tier := "production"
			if r.IntN(2) == 0 {
				tier = "staging"
			}
			dep := deployment(strconv.Itoa(i), strconv.Itoa(r.IntN(benchProjects)), tier, "success", fin)
			if r.IntN(10) < 3 {
				dep.MergeRequestIDs = []string{strconv.Itoa(r.IntN(benchMRs)), strconv.Itoa(r.IntN(benchMRs))}
			}
			deps = append(deps, dep)
		}
		src.AddDeployments(deps...)
		benchSrc = src
	})
	return benchSrc
}

// BenchmarkCompute computes one org-wide snapshot over the synthetic org:
//
//	go test ./kpi -run '^$' -bench Compute -benchtime 10x
func BenchmarkCompute(b *testing.B) {
	src := benchSource()
	ctx := context.Background()
	for _, days := range []int{7, 30, 90} {
		p := kpi.Period{Start: end.AddDate(0, 0, -days), End: end}
		b.Run(strconv.Itoa(days)+"d", func(b *testing.B) {
			// The first call builds MemSource's indexes (a one-off, like a
			// database's); it is not timed.
			s, err := kpi.Compute(ctx, src, org, kpi.OrgScope, p)
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC() // setup garbage is not the snapshot's
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var ru0, ru1 syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			b.ResetTimer()
			for b.Loop() {
				if _, err := kpi.Compute(ctx, src, org, kpi.OrgScope, p); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			runtime.ReadMemStats(&after)
			cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
			b.ReportMetric(float64(after.NumGC-before.NumGC)/float64(b.N), "gc/op")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(s.Throughput.Issues.N), "resolved")
			b.ReportMetric(float64(s.FailedPipelines.Finished+s.FailedPipelines.Retried), "pipelines")
		})
	}
}
