package kpi_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/kpi"
)

// Compute a week's snapshot from records held in memory.
func Example() {
	at := func(day, hour int) *time.Time {
		t := time.Date(2026, 1, 5+day, hour, 0, 0, 0, time.UTC)
		return &t
	}
	src := kpi.NewMemSource()
	src.AddIssues(connectors.Issue{
		OrgID: "default", Source: "jira", ExternalID: "10063", Key: "PAY-7", Type: "Bug",
		StatusCategory: connectors.CategoryDone, CreatedAt: *at(0, 9), ResolvedAt: at(2, 9),
	})
	src.AddTransitions(
		connectors.Transition{OrgID: "default", IssueID: "10063", Seq: 0, Field: connectors.FieldStatus,
			FromCategory: connectors.CategoryTodo, ToCategory: connectors.CategoryInProgress, At: *at(1, 9)},
		connectors.Transition{OrgID: "default", IssueID: "10063", Seq: 1, Field: connectors.FieldStatus,
			FromCategory: connectors.CategoryInProgress, ToCategory: connectors.CategoryDone, At: *at(2, 9)},
	)
	src.AddMergeRequests(connectors.MergeRequest{
		OrgID: "default", Source: "gitlab", ExternalID: "123", ProjectID: "7", State: "merged",
		Labels: []string{"feature"}, CreatedAt: *at(1, 10), FirstReviewAt: at(1, 13), MergedAt: at(1, 16),
	})
	src.AddDeployments(connectors.Deployment{
		OrgID: "default", Source: "gitlab", ExternalID: "9", ProjectID: "7", EnvironmentTier: "production",
		Status: "success", FinishedAt: at(1, 18),
	})

	period, _ := kpi.ParsePeriod("2026-01-05/2026-01-12", time.Now())
	s, err := kpi.Compute(context.Background(), src, "default", kpi.OrgScope, period)
	if err != nil {
		panic(err)
	}
	fmt.Println("throughput:", s.Throughput.Combined.N, "bug:", s.Throughput.Combined.Bug, "feature:", s.Throughput.Combined.Feature)
	fmt.Println("issue cycle p50 h:", s.IssueCycleTime.P50, s.IssueCycleTime.Refs)
	fmt.Println("review latency p50 h:", s.ReviewLatency.P50, s.ReviewLatency.Method)
	fmt.Println("lead time p50 h:", s.DORA.LeadTime.P50, s.DORA.LeadTime.Band)
	fmt.Println("spillover:", s.Spillover.Rate)
	fmt.Printf("health %.0f, risk %.0f (%s)\n", s.Health.Score.V, s.Risk.Score.V, s.Risk.Label)
	// Output:
	// throughput: 2 bug: 1 feature: 1
	// issue cycle p50 h: 24 [jira:issue:10063]
	// review latency p50 h: 3 first_review
	// lead time p50 h: 2 elite
	// spillover: null
	// health 97, risk 0 (low)
}
