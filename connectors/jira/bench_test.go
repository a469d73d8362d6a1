package jira_test

import (
	"context"
	"testing"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/fake"
	"github.com/ovia-hq/ovia/connectors/jira"
)

// BenchmarkFetchIssues measures a full issue sync (search pages plus
// changelogs) from connectors/fake on loopback; it reports issues/s.
func BenchmarkFetchIssues(b *testing.B) {
	org := fake.Generate(fake.OrgSpec{Seed: 1, Issues: 5000, Now: time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)})
	srv := fake.Start(org, fake.Options{})
	b.Cleanup(srv.Close)
	c, err := jira.New(jira.Config{BaseURL: srv.JiraURL, Email: fake.DefaultEmail, APIToken: fake.DefaultToken, ProjectKeys: org.Spec().JiraProjects, SyncWindowDays: 3650}, jira.Options{Now: org.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for p, err := range c.Fetch(context.Background(), connectors.FetchRequest{Stream: connectors.StreamIssues}) {
			if err != nil {
				b.Fatal(err)
			}
			n += len(p.Issues)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "issues/s")
}
