package ovia_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ovia-hq/ovia"
	"github.com/ovia-hq/ovia/connectors/fake"
	"github.com/ovia-hq/ovia/kpi"
)

// Sync a (fake) Jira, GitLab and Confluence with the real connectors, link
// identities, and compute a KPI snapshot for a fixed period.
func ExampleClient_Sync() {
	dir, _ := os.MkdirTemp("", "ovia-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	org := fake.Generate(fake.OrgSpec{Seed: 7, People: 8, Issues: 120, MRsPerProject: 15, Months: 2, Now: now})
	srv := fake.Start(org, fake.Options{})
	defer srv.Close()
	env := map[string]string{
		"JIRA_BASE_URL": srv.JiraURL, "JIRA_EMAIL": fake.DefaultEmail, "JIRA_API_TOKEN": fake.DefaultToken,
		"JIRA_PROJECT_KEYS": strings.Join(org.Spec().JiraProjects, ","), "JIRA_SYNC_WINDOW_DAYS": "3650",
		"GITLAB_BASE_URL": srv.GitLabURL, "GITLAB_TOKEN": fake.DefaultGitLabToken, "GITLAB_GROUP": org.Spec().GitLabGroup,
		"GITLAB_SYNC_WINDOW_DAYS": "3650",
	}
	sources, err := ovia.SourcesFromEnv(func(k string) string { return env[k] }, ovia.SourceOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := ovia.Open(ctx, filepath.Join(dir, "ovia.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()

	rep, err := client.Sync(ctx, ovia.SyncRequest{Sources: sources})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range rep.Streams {
		fmt.Printf("%s/%s synced\n", s.Key.Source, s.Key.Stream)
	}
	fmt.Println("every identity decided:", rep.Resolve.Matching.Pending == rep.Resolve.Matching.Identities)

	snap, err := client.ComputeKPI(ctx, ovia.KPIRequest{Period: kpi.Period{Start: now.AddDate(0, 0, -30), End: now}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("health computed:", snap.Health.Score.Valid, "· throughput counted:", snap.Throughput.Combined.N > 0)
	// Output:
	// jira/users synced
	// jira/issues synced
	// gitlab/users synced
	// gitlab/merge_requests synced
	// gitlab/pipelines synced
	// gitlab/deployments synced
	// every identity decided: true
	// health computed: true · throughput counted: true
}
