package ovia_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia"
	"github.com/ovia-hq/ovia/connectors/fake"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/matching"
)

// resolveFake syncs a fake org into a fresh database with the real
// connectors, resolves identities with cfg, and returns the clusters
// (conflicts joined to their suggestion) keyed by source/external id.
func resolveFake(t *testing.T, srv *fake.Servers, org *fake.Org, opts ...ovia.Option) (map[string]string, ovia.ResolveReport) {
	t.Helper()
	ctx := context.Background()
	var groups []string
	for _, g := range org.Groups() {
		groups = append(groups, g.ID)
	}
	env := map[string]string{
		"JIRA_BASE_URL": srv.JiraURL, "JIRA_EMAIL": fake.DefaultEmail, "JIRA_API_TOKEN": fake.DefaultToken,
		"JIRA_PROJECT_KEYS": strings.Join(org.Spec().JiraProjects, ","), "JIRA_SYNC_WINDOW_DAYS": "3650",
		"GITLAB_BASE_URL": srv.GitLabURL, "GITLAB_TOKEN": fake.DefaultGitLabToken, "GITLAB_GROUP": org.Spec().GitLabGroup,
		"GITLAB_SYNC_WINDOW_DAYS": "3650",
		"CONFLUENCE_BASE_URL":     srv.ConfluenceURL, "CONFLUENCE_GROUP_IDS": strings.Join(groups, ","),
	}
	sources, err := ovia.SourcesFromEnv(func(k string) string { return env[k] }, ovia.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ovia.Open(ctx, filepath.Join(t.TempDir(), "ovia.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	rep, err := client.Sync(ctx, ovia.SyncRequest{Sources: sources})
	if err != nil {
		t.Fatal(err)
	}
	st, err := client.DB().Identity().LoadMatchState(ctx, identity.DefaultOrg)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Mappings) == 0 {
		t.Fatal("no identity synced")
	}
	clusters := map[string]string{}
	for _, m := range st.Mappings {
		if m.Link == nil {
			t.Fatalf("identity %s/%s left undecided", m.Identity.Source, m.Identity.ExternalID)
		}
		clusters[string(m.Identity.Source)+"/"+m.Identity.ExternalID] = m.Link.PersonID
	}
	if rep.Resolve == nil {
		t.Fatal("sync did not resolve identities")
	}
	return clusters, *rep.Resolve
}

// TestResolveUsesSyncedActivity syncs a fake org whose people work in
// teams (each team its own Jira project and GitLab project, half the
// merge requests naming a Jira issue) and checks that matching fed with
// the synced activity recovers the true people at least as well as
// without it, and that the activity reached it.
func TestResolveUsesSyncedActivity(t *testing.T) {
	is := is.New(t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	org := fake.Generate(fake.OrgSpec{Seed: 11, People: 150, Issues: 2000, MRsPerProject: 60, Months: 3, Now: now,
		JiraProjects:   []string{"CORE", "WEB", "OPS", "PAY", "DATA", "MOB"},
		GitLabProjects: []string{"backend", "web", "platform", "payments", "data", "mobile"}})
	// Two full syncs would spend gitlab.com's per-minute budget and
	// (rightly) wait for its reset: advertise a self-managed budget.
	srv := fake.Start(org, fake.Options{GitLabRateLimit: 1_000_000})
	t.Cleanup(srv.Close)
	truth := map[string]string{}
	for _, a := range org.Accounts("") {
		truth[string(a.Source)+"/"+a.ExternalID] = a.PersonID
	}

	with, rep := resolveFake(t, srv, org)
	off := matching.DefaultConfig()
	off.Activity = map[string][]string{}
	without, repOff := resolveFake(t, srv, org, ovia.WithMatching(off))

	is.True(rep.Active > 0)    // the synced records fed co_occurrence
	is.Equal(repOff.Active, 0) // an empty Activity turns it off
	// the phases split the run's time
	ph := rep.Phases
	is.True(ph.Match > 0 && ph.Apply > 0 && ph.Load > 0)
	is.True(ph.Load+ph.Activity+ph.Match+ph.Apply <= rep.Elapsed)
	w, o := matching.ScorePairs(with, truth), matching.ScorePairs(without, truth)
	t.Logf("with synced activity (%d active identities): precision %.4f recall %.4f F1 %.4f", rep.Active, w.Precision(), w.Recall(), w.F1())
	t.Logf("without activity:                             precision %.4f recall %.4f F1 %.4f", o.Precision(), o.Recall(), o.F1())
	is.True(w.F1() >= o.F1()) // activity never makes the people worse
}
