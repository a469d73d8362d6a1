package fake_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors/fake"
)

func TestFaultsAppearAsConfigured(t *testing.T) {
	t.Parallel()
	org := readOnlyOrg()
	cases := []struct {
		name   string
		faults fake.Faults
		check  func(is *is.I, r reply)
		kind   string
	}{
		{"rate limit", fake.Faults{RateLimitEvery: 2, RetryAfter: 1500 * time.Millisecond}, func(is *is.I, r reply) {
			is.Equal(r.status, http.StatusTooManyRequests)
			is.Equal(r.header.Get("Retry-After"), "2")
			is.True(r.header.Get("X-RateLimit-Reset") != "")
		}, fake.FaultRateLimit},
		{"rate limit without headers", fake.Faults{RateLimitEvery: 2, OmitRetryAfter: true}, func(is *is.I, r reply) {
			is.Equal(r.status, http.StatusTooManyRequests)
			is.Equal(r.header.Get("Retry-After"), "")
		}, fake.FaultRateLimit},
		{"server error", fake.Faults{ServerErrorEvery: 2}, func(is *is.I, r reply) {
			is.True(r.status >= 500)
		}, fake.FaultServerError},
		{"truncated body", fake.Faults{TruncateEvery: 2}, func(is *is.I, r reply) {
			is.Equal(r.status, http.StatusOK)
			is.True(len(r.body) > 0)
			is.True(!json.Valid(r.body))
			is.Equal(r.header.Get("Content-Length"), strconv.Itoa(len(r.body)))
		}, fake.FaultTruncate},
		{"invalid json", fake.Faults{InvalidJSONEvery: 2}, func(is *is.I, r reply) {
			is.Equal(r.status, http.StatusOK)
			is.True(!json.Valid(r.body))
		}, fake.FaultInvalidJSON},
		{"slow", fake.Faults{SlowEvery: 2, SlowDelay: 30 * time.Millisecond}, func(is *is.I, r reply) {
			is.Equal(r.status, http.StatusOK)
		}, fake.FaultSlow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			b := setup(t, org, fake.Options{JiraFaults: c.faults})
			first := b.atlassian(http.MethodGet, "/rest/api/3/myself", nil) // request 1: clean
			is.Equal(first.status, http.StatusOK)
			start := time.Now()
			c.check(is, b.atlassian(http.MethodGet, "/rest/api/3/myself", nil)) // request 2: faulted
			if c.kind == fake.FaultSlow {
				is.True(time.Since(start) >= 30*time.Millisecond)
			}
			is.Equal(b.atlassian(http.MethodGet, "/rest/api/3/myself", nil).status, http.StatusOK) // request 3: clean again
			st := b.srv.Jira.Stats()
			is.Equal(st.Requests, 3)
			is.Equal(st.Faults[c.kind], 1)
			is.Equal(st.ByRoute["GET /rest/api/3/myself"], 3)
			log := b.srv.Jira.Log()
			is.Equal(len(log), 3)
			is.Equal(log[1].Faults, []string{c.kind})
		})
	}
}

func TestServerErrorBurst(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	b := setup(t, readOnlyOrg(), fake.Options{GitLabFaults: fake.Faults{ServerErrorEvery: 5, ServerErrorBurst: 3}})
	var statuses []int
	for range 10 {
		statuses = append(statuses, b.gitlab("/api/v4/projects/4101").status)
	}
	is.Equal(statuses, []int{200, 200, 200, 200, 503, 500, 502, 200, 200, 502})
	is.Equal(b.srv.GitLab.Stats().Faults[fake.FaultServerError], 4)
}

func TestSlowPageHonoursClientCancel(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	b := setup(t, readOnlyOrg(), fake.Options{JiraFaults: fake.Faults{SlowEvery: 1, SlowDelay: 10 * time.Second}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.srv.JiraURL+"/rest/api/3/myself", nil)
	req.SetBasicAuth(fake.DefaultEmail, fake.DefaultToken)
	start := time.Now()
	_, err := http.DefaultClient.Do(req)
	is.True(errors.Is(err, context.DeadlineExceeded))
	is.True(time.Since(start) < 2*time.Second)
}

// retrying is what a correct client does: retry 429, 5xx and undecodable
// bodies (Retry-After is 0 here).
func retrying(t *testing.T, call func() reply, v any) reply {
	t.Helper()
	for range 20 {
		r := call()
		if r.status == http.StatusTooManyRequests || r.status >= 500 {
			continue
		}
		if r.status == http.StatusOK && json.Unmarshal(r.body, v) != nil {
			continue
		}
		return r
	}
	t.Fatal("gave up after 20 attempts")
	return reply{}
}

var allFaults = fake.Faults{RateLimitEvery: 5, ServerErrorEvery: 7, ServerErrorBurst: 2, TruncateEvery: 4,
	InvalidJSONEvery: 9, SlowEvery: 6, SlowDelay: time.Millisecond, ChangeDuringSync: true, DuplicateAcrossPages: true}

func TestFaultyJiraSyncEndsWithTheOrgsData(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := fake.Generate(smallSpec(21))
	b := setup(t, org, fake.Options{JiraFaults: allFaults})
	seen := map[string]string{} // key → updated as last seen
	appearances := 0
	token := ""
	for pages := 0; ; pages++ {
		is.True(pages < 1000)
		body := map[string]any{"jql": `project in ("CORE", "WEB", "OPS") ORDER BY updated ASC`, "maxResults": 40, "fields": []string{"updated"}}
		if token != "" {
			body["nextPageToken"] = token
		}
		var p searchPage
		r := retrying(t, func() reply { return b.atlassian(http.MethodPost, "/rest/api/3/search/jql", body) }, &p)
		is.Equal(r.status, http.StatusOK)
		for _, i := range p.Issues {
			seen[i.Key] = i.Fields["updated"].(string)
			appearances++
		}
		if p.IsLast {
			break
		}
		token = *p.NextPageToken
	}
	issues := org.Issues()
	is.Equal(len(seen), len(issues))
	for _, i := range issues {
		is.Equal(seen[i.Key], i.Updated.In(org.Location()).Format("2006-01-02T15:04:05.000-0700")) // latest version of every issue
	}
	st := b.srv.Jira.Stats()
	is.True(appearances > len(issues)) // the changed issue and duplicates came again
	for _, k := range []string{fake.FaultRateLimit, fake.FaultServerError, fake.FaultTruncate, fake.FaultInvalidJSON, fake.FaultSlow, fake.FaultChange, fake.FaultDuplicate} {
		is.True(st.Faults[k] > 0) // every fault fired
	}
	is.Equal(st.Faults[fake.FaultChange], 1)
}

func TestFaultyGitLabSyncEndsWithTheOrgsData(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := fake.Generate(smallSpec(22))
	b := setup(t, org, fake.Options{GitLabFaults: allFaults})
	seen := map[int]string{}
	page := "1"
	for n := 0; page != ""; n++ {
		is.True(n < 1000)
		q := url.Values{"state": {"all"}, "order_by": {"updated_at"}, "sort": {"asc"}, "per_page": {"8"}, "page": {page},
			"updated_after": {"2000-01-01T00:00:00Z"}}
		var rows []glItem
		r := retrying(t, func() reply { return b.gitlab("/api/v4/projects/4102/merge_requests?" + q.Encode()) }, &rows)
		is.Equal(r.status, http.StatusOK)
		for _, m := range rows {
			seen[m.ID] = m.UpdatedAt
		}
		page = r.header.Get("X-Next-Page")
	}
	var want []int
	for _, m := range org.MergeRequests() {
		if m.ProjectID == 4102 {
			want = append(want, m.ID)
			is.Equal(seen[m.ID], m.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z"))
		}
	}
	got := make([]int, 0, len(seen))
	for id := range seen {
		got = append(got, id)
	}
	slices.Sort(got)
	is.Equal(got, want)
	st := b.srv.GitLab.Stats()
	is.Equal(st.Faults[fake.FaultChange], 1)
	is.True(st.Faults[fake.FaultDuplicate] > 0)
}
