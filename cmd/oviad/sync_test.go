package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors/fake"
	"github.com/ovia-hq/ovia/storage"
)

// fakeEnv points the real connectors at fake upstreams.
func fakeEnv(s *fake.Servers, db string) map[string]string {
	spec := s.Org.Spec()
	var groups []string
	for _, g := range s.Org.Groups() {
		groups = append(groups, g.ID)
	}
	return map[string]string{
		"OVIA_DB":                 db,
		"JIRA_BASE_URL":           s.JiraURL,
		"JIRA_EMAIL":              fake.DefaultEmail,
		"JIRA_API_TOKEN":          fake.DefaultToken,
		"JIRA_PROJECT_KEYS":       strings.Join(spec.JiraProjects, ","),
		"JIRA_SYNC_WINDOW_DAYS":   "400",
		"GITLAB_BASE_URL":         s.GitLabURL,
		"GITLAB_TOKEN":            fake.DefaultGitLabToken,
		"GITLAB_GROUP":            spec.GitLabGroup,
		"GITLAB_SYNC_WINDOW_DAYS": "400",
		"CONFLUENCE_BASE_URL":     s.ConfluenceURL,
		"CONFLUENCE_GROUP_IDS":    strings.Join(groups, ","),
	}
}

func TestSyncFromFakeUpstreamsThenMatch(t *testing.T) {
	is := is.New(t)
	org := fake.Generate(fake.OrgSpec{Seed: 3, People: 12, Issues: 150, MRsPerProject: 20, Months: 2, Now: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)})
	srv := fake.Start(org, fake.Options{GitLabRateLimit: 1_000_000})
	defer srv.Close()
	dbPath := filepath.Join(t.TempDir(), "ovia.db")
	vars := fakeEnv(srv, "sqlite:"+dbPath)

	r := oviad(t, vars, "", "sync")
	t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	is.Equal(r.code, exitOK)
	is.True(strings.Contains(r.stdout, "matching:"))
	is.True(strings.Contains(r.stdout, "acted in synced records")) // co_occurrence was fed
	is.True(strings.Contains(r.stderr, "jira/issues"))
	is.True(strings.Contains(r.stderr, "done in"))
	for _, secret := range []string{fake.DefaultToken, fake.DefaultGitLabToken} {
		is.True(!strings.Contains(r.stdout+r.stderr, secret)) // tokens never printed
	}
	// Every entity of the fake org arrived, once.
	want := org.Counts()
	db, err := storage.Open(context.Background(), dbPath, storage.Options{})
	is.NoErr(err)
	defer db.Close()
	for table, n := range map[string]int{"issues": want.Issues, "merge_requests": want.MergeRequests, "pipelines": want.Pipelines,
		"deployments": want.Deployments, "projects": want.Projects, "identities": want.Accounts} {
		got, err := db.CountRows(context.Background(), table, "default")
		is.NoErr(err)
		if got != n {
			t.Errorf("%s: %d rows, fake org has %d", table, got, n)
		}
	}
	// Only one source, one stream: incremental, quick.
	r = oviad(t, vars, "", "sync", "--source", "gitlab", "--stream", "merge_requests", "--no-match")
	is.Equal(r.code, exitOK)
	is.True(!strings.Contains(r.stdout, "matching:"))

	// Nothing changed since the sync matched: match says so, and decides
	// nothing.
	r = oviad(t, vars, "", "match")
	is.Equal(r.code, exitOK)
	is.True(strings.Contains(r.stdout, "none new or changed: nothing to decide"))
	is.True(strings.Contains(r.stdout, "applied: 0 new people"))
	is.True(strings.Contains(r.stdout, "(load "))
}

func TestSyncMisconfiguration(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "ovia.db")
	cases := []struct {
		name string
		vars map[string]string
		args []string
		code int
		want string
	}{
		{"nothing configured", map[string]string{"OVIA_DB": db}, []string{"sync"}, exitError, "no source configured"},
		{"bad project key", map[string]string{"OVIA_DB": db, "JIRA_BASE_URL": "https://x.atlassian.net", "JIRA_EMAIL": "a@b.c",
			"JIRA_API_TOKEN": "tok-secret-123", "JIRA_PROJECT_KEYS": "OK, b@d"}, []string{"sync"}, exitError, "JIRA_PROJECT_KEYS"},
		{"non-numeric window", map[string]string{"OVIA_DB": db, "JIRA_BASE_URL": "https://x.atlassian.net", "JIRA_EMAIL": "a@b.c",
			"JIRA_API_TOKEN": "tok-secret-123", "JIRA_PROJECT_KEYS": "OV", "JIRA_SYNC_WINDOW_DAYS": "seven"}, []string{"sync"}, exitError, "JIRA_SYNC_WINDOW_DAYS"},
		{"missing token", map[string]string{"OVIA_DB": db, "GITLAB_BASE_URL": "https://gitlab.example", "GITLAB_GROUP": "corp"}, []string{"sync"}, exitError, "GITLAB_TOKEN"},
		{"unknown source flag", map[string]string{"OVIA_DB": db}, []string{"sync", "--source", "svn"}, exitUsage, "unknown source"},
		{"unknown stream flag", map[string]string{"OVIA_DB": db}, []string{"sync", "--stream", "commits"}, exitUsage, "unknown stream"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			r := oviad(t, tc.vars, "", tc.args...)
			is.Equal(r.code, tc.code)
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", r.stderr, tc.want)
			}
			is.True(!strings.Contains(r.stderr+r.stdout, "tok-secret-123"))
		})
	}
}

func TestDemoPrintsEveryFigure(t *testing.T) {
	is := is.New(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "demo.db")
	r := oviad(t, nil, "", "demo", "--file", file, "--people", "12", "--issues", "400", "--months", "3")
	t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	is.Equal(r.code, exitOK)
	for _, want := range []string{"Delivery health", "Release risk", "Throughput", "Review latency", "MR cycle time", "Issue cycle time",
		"Blockers", "Sprint spillover", "Stale MRs", "Failed pipelines", "Deployment frequency", "Lead time for changes",
		"Change failure rate", "Time to restore", "Identity queue:", "Against that truth, pair by pair"} {
		is.True(strings.Contains(r.stdout, want))
	}
	// Every metric the demo data supports has a figure: no em dash in the table.
	table := r.stdout[strings.Index(r.stdout, "KPI snapshot"):strings.Index(r.stdout, "Identity queue:")]
	is.True(!strings.Contains(table, "—"))
	// The file holds the history: a KPI command on it works.
	r = oviad(t, map[string]string{"OVIA_DB": file}, "", "kpi", "--period", "90d", "--json")
	is.Equal(r.code, exitOK)
	is.True(strings.Contains(r.stdout, `"health"`))
}
