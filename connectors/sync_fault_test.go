package connectors_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/confluence"
	"github.com/ovia-hq/ovia/connectors/fake"
	"github.com/ovia-hq/ovia/connectors/gitlab"
	"github.com/ovia-hq/ovia/connectors/jira"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/storage"
	"github.com/ovia-hq/ovia/storage/storagetest"
)

// realConnectors builds the three real clients against fake servers, with
// millisecond backoff so fault tests never wait long.
func realConnectors(t *testing.T, s *fake.Servers) []connectors.Connector {
	t.Helper()
	spec := s.Org.Spec()
	var groups []string
	for _, g := range s.Org.Groups() {
		groups = append(groups, g.ID)
	}
	fast := func(ctx context.Context, d time.Duration) error {
		// Honour the client's requested wait only up to a millisecond:
		// the fake's Retry-After is 0 and its rate-limit reset is far off.
		timer := time.NewTimer(min(d, time.Millisecond))
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return nil
		}
	}
	j, err := jira.New(jira.Config{BaseURL: s.JiraURL, Email: fake.DefaultEmail, APIToken: fake.DefaultToken,
		ProjectKeys: spec.JiraProjects, SyncWindowDays: 400}, jira.Options{MaxRetries: 8, Sleep: fast, PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	g, err := gitlab.New(gitlab.Config{BaseURL: s.GitLabURL, Token: fake.DefaultGitLabToken, Group: spec.GitLabGroup, SyncWindowDays: 400},
		gitlab.Options{MaxRetries: 8, Sleep: fast, PerPage: 20})
	if err != nil {
		t.Fatal(err)
	}
	c, err := confluence.New(confluence.Config{BaseURL: s.ConfluenceURL, GroupIDs: groups, Email: fake.DefaultEmail, APIToken: fake.DefaultToken},
		confluence.Options{MaxRetries: 8, Sleep: fast, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	return []connectors.Connector{j, g, c}
}

// checksum hashes an org's normalized records, with the fake servers'
// addresses (which differ between two servers of one org) replaced.
func checksum(t *testing.T, rs connectors.RecordSet, s *fake.Servers) string {
	t.Helper()
	b, err := json.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer(s.JiraURL, "https://jira.example", s.GitLabURL, "https://gitlab.example").Replace(string(b))
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

func syncAll(t *testing.T, db *storage.DB, cs []connectors.Connector) []connectors.StreamResult {
	t.Helper()
	res, err := connectors.NewSyncer(db.Records(), connectors.SyncConfig{Owner: "test"}).Sync(context.Background(), identity.DefaultOrg, cs)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return res
}

func TestSyncThroughEveryFaultEndsWithTheFakesData(t *testing.T) {
	storagetest.ForEachBackend(t, func(t *testing.T, open storagetest.Opener) {
		is := is.New(t)
		org := fake.Generate(fake.OrgSpec{Seed: 9, People: 10, Issues: 240, MRsPerProject: 25, Months: 2, Now: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)})
		faults := fake.Faults{RateLimitEvery: 7, ServerErrorEvery: 11, ServerErrorBurst: 2, TruncateEvery: 13, InvalidJSONEvery: 17,
			SlowEvery: 19, SlowDelay: 2 * time.Millisecond, ChangeDuringSync: true, DuplicateAcrossPages: true}
		faulty := fake.Start(org, fake.Options{JiraFaults: faults, GitLabFaults: faults, ConfluenceFaults: fake.Faults{RateLimitEvery: 3, NextLinkOnLastPage: true, DuplicateAcrossPages: true}})
		defer faulty.Close()
		got := open(t, storage.Options{})
		syncAll(t, got, realConnectors(t, faulty))
		seen := map[string]int{}
		for _, st := range []fake.Stats{faulty.Jira.Stats(), faulty.GitLab.Stats(), faulty.Confluence.Stats()} {
			for k, n := range st.Faults {
				seen[k] += n
			}
		}
		t.Logf("faults injected: %v", seen)
		for _, kind := range []string{fake.FaultRateLimit, fake.FaultServerError, fake.FaultTruncate, fake.FaultInvalidJSON,
			fake.FaultSlow, fake.FaultChange, fake.FaultDuplicate} {
			if seen[kind] == 0 {
				t.Errorf("fault %s never injected: the test proves nothing about it", kind)
			}
		}
		is.True(faulty.Jira.Stats().Faults[fake.FaultChange] > 0) // a Jira issue changed mid-sync

		// The reference: the same (possibly mutated) org, synced with no fault.
		clean := fake.Start(org, fake.Options{})
		defer clean.Close()
		want := open(t, storage.Options{})
		syncAll(t, want, realConnectors(t, clean))

		gotRS, wantRS := normalized(t, got), normalized(t, want)
		is.Equal(len(gotRS.Issues), org.Counts().Issues)
		is.Equal(len(gotRS.MergeRequests), org.Counts().MergeRequests)
		is.Equal(len(gotRS.Pipelines), org.Counts().Pipelines)
		is.Equal(len(gotRS.Deployments), org.Counts().Deployments)
		is.Equal(len(gotRS.Identities), org.Counts().Accounts)
		if checksum(t, gotRS, faulty) != checksum(t, wantRS, clean) {
			reportDiff(t, gotRS, wantRS)
		}
		is.Equal(checksum(t, gotRS, faulty), checksum(t, wantRS, clean)) // nothing missing, nothing doubled, nothing stale
	})
}

// reportDiff names the first differing record of each kind.
func reportDiff(t *testing.T, got, want connectors.RecordSet) {
	t.Helper()
	diff := func(kind string, n1, n2 int, at func(i int) (any, any)) {
		if n1 != n2 {
			t.Errorf("%s: %d records, want %d", kind, n1, n2)
			return
		}
		for i := range n1 {
			a, b := at(i)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Errorf("%s #%d differs:\n got  %s\n want %s", kind, i, ja, jb)
				return
			}
		}
	}
	diff("identities", len(got.Identities), len(want.Identities), func(i int) (any, any) { return got.Identities[i], want.Identities[i] })
	diff("issues", len(got.Issues), len(want.Issues), func(i int) (any, any) { return got.Issues[i], want.Issues[i] })
	diff("transitions", len(got.Transitions), len(want.Transitions), func(i int) (any, any) { return got.Transitions[i], want.Transitions[i] })
	diff("sprints", len(got.Sprints), len(want.Sprints), func(i int) (any, any) { return got.Sprints[i], want.Sprints[i] })
	diff("projects", len(got.Projects), len(want.Projects), func(i int) (any, any) { return got.Projects[i], want.Projects[i] })
	diff("merge requests", len(got.MergeRequests), len(want.MergeRequests), func(i int) (any, any) { return got.MergeRequests[i], want.MergeRequests[i] })
	diff("pipelines", len(got.Pipelines), len(want.Pipelines), func(i int) (any, any) { return got.Pipelines[i], want.Pipelines[i] })
	diff("deployments", len(got.Deployments), len(want.Deployments), func(i int) (any, any) { return got.Deployments[i], want.Deployments[i] })
}
