package fake_test

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors/fake"
	"github.com/ovia-hq/ovia/identity"
)

type glItem struct {
	ID        int    `json:"id"`
	IID       int    `json:"iid"`
	UpdatedAt string `json:"updated_at"`
	State     string `json:"state"`
	Status    string `json:"status"`
}

// offsetAll follows X-Next-Page and returns every row's id.
func offsetAll(t *testing.T, b bundle, path string) ([]glItem, []reply) {
	t.Helper()
	is := is.New(t)
	var rows []glItem
	var replies []reply
	page := "1"
	for n := 0; page != ""; n++ {
		is.True(n < 10000)
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		r := b.gitlab(path + sep + "page=" + page)
		is.Equal(r.status, http.StatusOK)
		var items []glItem
		r.decode(t, &items)
		rows = append(rows, items...)
		replies = append(replies, r)
		page = r.header.Get("X-Next-Page")
	}
	return rows, replies
}

func ids(rows []glItem) []int {
	out := make([]int, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

func TestGitLabListings(t *testing.T) {
	t.Parallel()
	org := readOnlyOrg()
	b := setup(t, org, fake.Options{})
	since := testNow.Add(-30 * 24 * time.Hour)
	sinceQ := since.Format(time.RFC3339)

	wantMRs := func(pid int) []int {
		var ms []fake.MergeRequest
		for _, m := range org.MergeRequests() {
			if m.ProjectID == pid && !m.UpdatedAt.Before(since) {
				ms = append(ms, m)
			}
		}
		slices.SortStableFunc(ms, func(a, b fake.MergeRequest) int {
			if c := a.UpdatedAt.Compare(b.UpdatedAt); c != 0 {
				return c
			}
			return a.ID - b.ID
		})
		var out []int
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	wantByID := func(pid int, kind string) []int {
		var out []int
		switch kind {
		case "pipelines":
			for _, p := range org.Pipelines() {
				if p.ProjectID == pid && !p.UpdatedAt.Before(since) {
					out = append(out, p.ID)
				}
			}
		case "deployments":
			for _, d := range org.Deployments() {
				if d.ProjectID == pid && !d.UpdatedAt.Before(since) {
					out = append(out, d.ID)
				}
			}
		}
		return out
	}
	cases := []struct {
		name string
		path string
		want []int
	}{
		{"merge requests by updated", "/api/v4/projects/4101/merge_requests?state=all&order_by=updated_at&sort=asc&per_page=7&updated_after=" + sinceQ, wantMRs(4101)},
		{"merge requests by path", "/api/v4/projects/corp%2Fweb/merge_requests?state=all&order_by=updated_at&sort=asc&per_page=100&updated_after=" + sinceQ, wantMRs(4102)},
		{"pipelines", "/api/v4/projects/4103/pipelines?sort=asc&per_page=50&updated_after=" + sinceQ, wantByID(4103, "pipelines")},
		{"deployments", "/api/v4/projects/4101/deployments?order_by=id&sort=asc&per_page=9&updated_after=" + sinceQ, nil}, // must pair with order_by=updated_at
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			if c.want == nil {
				is.Equal(b.gitlab(c.path).status, http.StatusBadRequest)
				return
			}
			rows, replies := offsetAll(t, b, c.path)
			is.True(len(c.want) > 0)
			is.Equal(ids(rows), c.want)
			for _, r := range replies {
				is.True(r.header.Get("RateLimit-Remaining") != "")
				is.True(r.header.Get("RateLimit-Reset") != "")
				is.True(r.header.Get("X-Total") != "") // small listings carry totals
				_, err := time.Parse("2006-01-02T15:04:05.000Z", rows[0].UpdatedAt)
				is.NoErr(err)
			}
		})
	}
	t.Run("deployments paired with updated_at", func(t *testing.T) {
		is := is.New(t)
		rows, _ := offsetAll(t, b, "/api/v4/projects/4101/deployments?order_by=updated_at&sort=asc&per_page=9&updated_after="+sinceQ)
		got := ids(rows)
		slices.Sort(got)
		is.Equal(got, wantByID(4101, "deployments"))
	})
}

func TestGitLabOmitsTotalsPastTenThousand(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := fake.Generate(fake.OrgSpec{Seed: 5, Issues: 10, GitLabProjects: []string{"mono"}, JiraProjects: []string{"MONO"},
		MRsPerProject: 10001, Months: 12, Now: testNow})
	b := setup(t, org, fake.Options{})
	r := b.gitlab("/api/v4/projects/4101/merge_requests?state=all&per_page=100&page=101")
	is.Equal(r.status, http.StatusOK)
	is.Equal(r.header.Get("X-Total"), "")
	is.Equal(r.header.Get("X-Total-Pages"), "")
	is.True(!strings.Contains(r.header.Get("Link"), `rel="last"`))
	is.Equal(r.header.Get("X-Next-Page"), "")
	var items []glItem
	r.decode(t, &items)
	is.Equal(len(items), 1) // the 10,001st row; a client trusting X-Total would never ask for it
}

var nextLink = regexp.MustCompile(`<([^>]+)>; rel="next"`)

func TestGitLabKeysetAndMembers(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := readOnlyOrg()
	b := setup(t, org, fake.Options{})
	var got []int
	bots := 0
	path := "/api/v4/users?pagination=keyset&order_by=id&sort=asc&per_page=10"
	for n := 0; path != ""; n++ {
		is.True(n < 1000)
		r := b.gitlab(path)
		is.Equal(r.status, http.StatusOK)
		var users []struct {
			ID    int    `json:"id"`
			Email string `json:"email"`
			Bot   bool   `json:"bot"`
		}
		r.decode(t, &users)
		for _, u := range users {
			got = append(got, u.ID)
			is.True(u.Email != "")
			if u.Bot {
				bots++
			}
		}
		is.Equal(r.header.Get("X-Total"), "")
		path = ""
		if m := nextLink.FindStringSubmatch(r.header.Get("Link")); m != nil {
			path = strings.TrimPrefix(m[1], b.srv.GitLabURL)
		}
	}
	var want []int
	for _, a := range org.Accounts(identity.SourceGitLab) {
		id, _ := strconv.Atoi(a.ExternalID)
		want = append(want, id)
	}
	is.Equal(got, want)
	is.True(bots > 0)

	rows, _ := offsetAll(t, b, "/api/v4/groups/1001/members/all?per_page=20")
	is.True(len(rows) > 0 && len(rows) < len(want)) // bots and personal accounts are not group members

	pm, _ := offsetAll(t, b, "/api/v4/projects/4102/members/all?per_page=5")
	is.True(len(pm) > 1 && len(pm) < len(want)) // the team and the project bot

	projects, _ := offsetAll(t, b, "/api/v4/groups/corp/projects?per_page=2")
	is.Equal(len(projects), len(org.Projects()))
	var p struct {
		PathWithNamespace string `json:"path_with_namespace"`
		DefaultBranch     string `json:"default_branch"`
	}
	b.gitlab("/api/v4/projects/corp%2Fbackend").decode(t, &p)
	is.Equal(p.PathWithNamespace, "corp/backend")
	is.Equal(p.DefaultBranch, "main")
	is.Equal(b.gitlab("/api/v4/projects/999").status, http.StatusNotFound)
}

func TestGitLabDeploymentMergeRequests(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := readOnlyOrg()
	b := setup(t, org, fake.Options{})
	for _, d := range org.Deployments() {
		if d.Tier != "production" || len(d.MergeRequestIDs) < 2 {
			continue
		}
		rows, _ := offsetAll(t, b, "/api/v4/projects/"+strconv.Itoa(d.ProjectID)+"/deployments/"+strconv.Itoa(d.ID)+"/merge_requests?per_page=100")
		got := ids(rows)
		slices.Sort(got)
		want := slices.Clone(d.MergeRequestIDs)
		slices.Sort(want)
		is.Equal(got, want)
		for _, r := range rows {
			is.Equal(r.State, "merged")
		}
		var pl struct {
			Duration   *int    `json:"duration"`
			FinishedAt *string `json:"finished_at"`
		}
		b.gitlab("/api/v4/projects/"+strconv.Itoa(d.ProjectID)+"/pipelines/"+strconv.Itoa(d.PipelineID)).decode(t, &pl)
		is.True(pl.FinishedAt != nil)
		return
	}
	t.Fatal("no production deployment shipped two merge requests")
}

func TestConfluenceMembers(t *testing.T) {
	t.Parallel()
	org := readOnlyOrg()
	groups := org.Groups()
	cases := []struct {
		name   string
		group  fake.Group
		limit  int
		faults fake.Faults
	}{
		{"all members, small pages", groups[0], 7, fake.Faults{}},
		{"limit above max is capped", groups[0], 500, fake.Faults{}},
		{"team group", groups[1], 3, fake.Faults{}},
		{"next link on last page", groups[0], 7, fake.Faults{NextLinkOnLastPage: true}},
		{"unknown group", fake.Group{ID: "00000000-0000-4000-8000-000000000000"}, 50, fake.Faults{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			b := setup(t, org, fake.Options{ConfluenceFaults: c.faults})
			var got []string
			path := "/wiki/rest/api/group/" + c.group.ID + "/membersByGroupId?start=0&limit=" + strconv.Itoa(c.limit)
			for n := 0; ; n++ {
				is.True(n < 1000)
				r := b.atlassian(http.MethodGet, path, nil)
				is.Equal(r.status, http.StatusOK)
				var p struct {
					Results []struct {
						AccountID   string `json:"accountId"`
						AccountType string `json:"accountType"`
						PublicName  string `json:"publicName"`
					} `json:"results"`
					Limit int `json:"limit"`
					Size  int `json:"size"`
					Links struct {
						Base string `json:"base"`
						Next string `json:"next"`
					} `json:"_links"`
				}
				r.decode(t, &p)
				is.Equal(p.Limit, min(c.limit, 200))
				is.Equal(p.Size, len(p.Results))
				for _, m := range p.Results {
					got = append(got, m.AccountID)
				}
				if p.Links.Next == "" || p.Size < p.Limit {
					is.True(c.faults.NextLinkOnLastPage || p.Links.Next == "") // next only while more remain
					break
				}
				path = strings.TrimPrefix(p.Links.Base, b.srv.ConfluenceURL) + p.Links.Next
			}
			is.Equal(got, c.group.Members)
		})
	}
}

func TestGitLabIncrementalSyncSeesMutations(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := fake.Generate(smallSpec(12))
	b := setup(t, org, fake.Options{})
	cursor := org.Advance(time.Minute)
	ch := org.Mutate(3)
	is.True(len(ch.MergeRequestIDs) > 0)
	after := "updated_after=" + cursor.UTC().Format(time.RFC3339)
	var got []int
	for _, p := range org.Projects() {
		rows, _ := offsetAll(t, b, "/api/v4/projects/"+strconv.Itoa(p.ID)+"/merge_requests?state=all&order_by=updated_at&sort=asc&"+after)
		got = append(got, ids(rows)...)
		for _, r := range rows {
			is.Equal(r.State, "merged")
		}
	}
	slices.Sort(got)
	want := slices.Clone(ch.MergeRequestIDs)
	slices.Sort(want)
	is.Equal(got, want)

	var deps []int
	for _, p := range org.Projects() {
		rows, _ := offsetAll(t, b, "/api/v4/projects/"+strconv.Itoa(p.ID)+"/deployments?order_by=updated_at&sort=asc&"+after)
		deps = append(deps, ids(rows)...)
	}
	slices.Sort(deps)
	wantDeps := slices.Clone(ch.DeploymentIDs)
	slices.Sort(wantDeps)
	is.Equal(len(deps), len(wantDeps))
}

func TestGitLabNonAdminToken(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	b := setup(t, readOnlyOrg(), fake.Options{})
	b.srv.GitLab.SetAdmin(false)
	var me struct {
		IsAdmin bool `json:"is_admin"`
	}
	b.gitlab("/api/v4/user").decode(t, &me)
	is.True(!me.IsAdmin)
	var users []map[string]any
	b.gitlab("/api/v4/users?per_page=5").decode(t, &users)
	is.Equal(len(users), 5)
	_, hasEmail := users[0]["email"]
	is.True(!hasEmail) // ordinary users never see emails
}

func TestGitLabRateLimitWindow(t *testing.T) {
	is := is.New(t)
	org := fake.Generate(fake.OrgSpec{Seed: 1, People: 3, Issues: 10, MRsPerProject: 2, Months: 1, Now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	srv := fake.Start(org, fake.Options{GitLabRateLimit: 3})
	defer srv.Close()
	var remaining []string
	for range 5 {
		req, _ := http.NewRequest(http.MethodGet, srv.GitLabURL+"/api/v4/groups/corp/projects", nil)
		req.Header.Set("PRIVATE-TOKEN", fake.DefaultGitLabToken)
		resp, err := http.DefaultClient.Do(req)
		is.NoErr(err)
		resp.Body.Close()
		is.Equal(resp.Header.Get("RateLimit-Limit"), "3")
		remaining = append(remaining, resp.Header.Get("RateLimit-Remaining"))
	}
	// Five requests against a budget of three spend it, even if one minute
	// window closes between two of them.
	is.Equal(remaining[0], "2")
	is.True(slices.Contains(remaining, "0"))
}
