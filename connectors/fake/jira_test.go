package fake_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors/fake"
	"github.com/ovia-hq/ovia/identity"
)

// searchAll pages through /search/jql and returns the issue keys in order.
func searchAll(t *testing.T, b bundle, jql string, maxResults int, post bool) []string {
	t.Helper()
	is := is.New(t)
	var keys []string
	token := ""
	for pages := 0; ; pages++ {
		is.True(pages < 10000) // paging terminates
		var r reply
		if post {
			body := map[string]any{"jql": jql, "maxResults": maxResults, "fields": []string{"updated", "status"}}
			if token != "" {
				body["nextPageToken"] = token
			}
			r = b.atlassian(http.MethodPost, "/rest/api/3/search/jql", body)
		} else {
			q := url.Values{"jql": {jql}, "maxResults": {strconv.Itoa(maxResults)}, "fields": {"updated,status"}}
			if token != "" {
				q.Set("nextPageToken", token)
			}
			r = b.atlassian(http.MethodGet, "/rest/api/3/search/jql?"+q.Encode(), nil)
		}
		is.Equal(r.status, http.StatusOK)
		var p searchPage
		r.decode(t, &p)
		is.True(p.Total == nil) // no total on the new endpoint
		for _, i := range p.Issues {
			keys = append(keys, i.Key)
		}
		if p.IsLast {
			is.True(p.NextPageToken == nil)
			return keys
		}
		is.True(p.NextPageToken != nil && *p.NextPageToken != "")
		token = *p.NextPageToken
	}
}

func TestJiraSearchHonoursJQL(t *testing.T) {
	t.Parallel()
	org := readOnlyOrg()
	b := setup(t, org, fake.Options{})
	loc := org.Location()
	since := testNow.Add(-20 * 24 * time.Hour).In(loc)
	sinceStr := since.Format("2006-01-02 15:04")
	sinceMinute, _ := time.ParseInLocation("2006-01-02 15:04", sinceStr, loc)

	want := func(projects []string, from time.Time) []string {
		var all []fake.Issue
		for _, i := range org.Issues() {
			if (projects == nil || slices.Contains(projects, i.ProjectKey)) && !i.Updated.Before(from) {
				all = append(all, i)
			}
		}
		slices.SortStableFunc(all, func(a, b fake.Issue) int {
			if c := a.Updated.Compare(b.Updated); c != 0 {
				return c
			}
			x, _ := strconv.Atoi(a.ID)
			y, _ := strconv.Atoi(b.ID)
			return x - y
		})
		var keys []string
		for _, i := range all {
			keys = append(keys, i.Key)
		}
		return keys
	}
	cases := []struct {
		name     string
		jql      string
		projects []string
		from     time.Time
		max      int
		post     bool
	}{
		{"two projects since a minute", `project in ("CORE", "WEB") AND updated >= "` + sinceStr + `" ORDER BY updated ASC`, []string{"CORE", "WEB"}, sinceMinute, 50, false},
		{"post body", `project in ("CORE", "WEB") AND updated >= "` + sinceStr + `" ORDER BY updated ASC`, []string{"CORE", "WEB"}, sinceMinute, 37, true},
		{"one project, unquoted, slashes", `project = OPS AND updated >= '` + strings.ReplaceAll(sinceStr, "-", "/") + `' order by updated asc`, []string{"OPS"}, sinceMinute, 100, false},
		{"all issues", `ORDER BY updated ASC`, nil, time.Time{}, 100, true},
		{"page of one", `project in (WEB) AND updated >= "` + sinceStr + `" ORDER BY updated ASC`, []string{"WEB"}, sinceMinute, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			got := searchAll(t, b, c.jql, c.max, c.post)
			w := want(c.projects, c.from)
			is.True(len(w) > 0)
			is.Equal(got, w)
		})
	}
}

func TestJiraSearchFieldsAndShapes(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := readOnlyOrg()
	b := setup(t, org, fake.Options{})
	r := b.atlassian(http.MethodPost, "/rest/api/3/search/jql", map[string]any{"jql": "ORDER BY updated ASC", "maxResults": 500, "fields": []string{"*all"}})
	is.Equal(r.status, http.StatusOK)
	var p searchPage
	r.decode(t, &p)
	is.Equal(len(p.Issues), 100) // capped when fields are asked for
	for _, i := range p.Issues {
		f := i.Fields
		for _, k := range []string{"summary", "status", "issuetype", "priority", "labels", "created", "updated", "project", fake.FieldSprint, fake.FieldStoryPoints, fake.FieldFlagged, "issuelinks"} {
			_, ok := f[k]
			is.True(ok) // every requested field is present, null or not
		}
		_, err := time.Parse("2006-01-02T15:04:05.000-0700", f["updated"].(string))
		is.NoErr(err)
		st := f["status"].(map[string]any)["statusCategory"].(map[string]any)
		is.True(slices.Contains([]string{"new", "indeterminate", "done"}, st["key"].(string)))
	}
	// Default fields: id only, no fields object.
	r = b.atlassian(http.MethodGet, "/rest/api/3/search/jql?jql="+url.QueryEscape("ORDER BY updated ASC"), nil)
	var bare struct {
		Issues []map[string]json.RawMessage `json:"issues"`
	}
	r.decode(t, &bare)
	is.Equal(len(bare.Issues), 50)
	_, ok := bare.Issues[0]["fields"]
	is.True(!ok)

	// Sprint field is an array of sprint objects; story points may be strings.
	var sawSprint, sawString bool
	for _, i := range org.Issues() {
		if len(i.Sprints) == 0 && !i.StoryPointsAsString {
			continue
		}
		r := b.atlassian(http.MethodGet, "/rest/api/3/issue/"+i.Key+"?fields="+fake.FieldSprint+","+fake.FieldStoryPoints, nil)
		var one struct {
			Fields map[string]json.RawMessage `json:"fields"`
		}
		r.decode(t, &one)
		if len(i.Sprints) > 0 {
			var sp []struct {
				ID      int    `json:"id"`
				State   string `json:"state"`
				BoardID int    `json:"boardId"`
			}
			is.NoErr(json.Unmarshal(one.Fields[fake.FieldSprint], &sp))
			is.Equal(sp[len(sp)-1].ID, i.Sprints[len(i.Sprints)-1])
			sawSprint = true
		}
		if i.StoryPointsAsString {
			is.Equal(one.Fields[fake.FieldStoryPoints][0], byte('"'))
			sawString = true
		}
		if sawSprint && sawString {
			break
		}
	}
	is.True(sawSprint && sawString)
}

func TestJiraSearchErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, readOnlyOrg(), fake.Options{})
	cases := []struct {
		name   string
		method string
		path   string
		body   any
		status int
	}{
		{"old search GET is gone", http.MethodGet, "/rest/api/3/search?jql=project=CORE", nil, http.StatusGone},
		{"old search POST is gone", http.MethodPost, "/rest/api/3/search", map[string]any{"jql": "project=CORE"}, http.StatusGone},
		{"v2 search is gone", http.MethodGet, "/rest/api/2/search", nil, http.StatusGone},
		{"bad JQL", http.MethodGet, "/rest/api/3/search/jql?jql=" + url.QueryEscape("assignee = currentUser()"), nil, http.StatusBadRequest},
		{"bad date", http.MethodGet, "/rest/api/3/search/jql?jql=" + url.QueryEscape(`updated >= "yesterday"`), nil, http.StatusBadRequest},
		{"bad token", http.MethodGet, "/rest/api/3/search/jql?jql=&nextPageToken=%21%21", nil, http.StatusBadRequest},
		{"unknown issue changelog", http.MethodGet, "/rest/api/3/issue/NOPE-1/changelog", nil, http.StatusNotFound},
		{"unknown path", http.MethodGet, "/rest/api/3/nothing", nil, http.StatusNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			r := b.atlassian(c.method, c.path, c.body)
			is.Equal(r.status, c.status)
			if c.status != http.StatusNotFound || strings.Contains(c.path, "issue") {
				var e struct {
					ErrorMessages []string `json:"errorMessages"`
				}
				r.decode(t, &e)
				is.True(len(e.ErrorMessages) > 0)
			}
		})
	}
}

func TestJiraChangelogPaging(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := readOnlyOrg()
	b := setup(t, org, fake.Options{})
	var issue fake.Issue
	for _, i := range org.Issues() {
		if len(i.Histories) > len(issue.Histories) {
			issue = i
		}
	}
	is.True(len(issue.Histories) > 3)
	var got []string
	for startAt := 0; ; {
		r := b.atlassian(http.MethodGet, "/rest/api/3/issue/"+issue.Key+"/changelog?maxResults=3&startAt="+strconv.Itoa(startAt), nil)
		is.Equal(r.status, http.StatusOK)
		var p struct {
			Values []struct {
				ID      string `json:"id"`
				Created string `json:"created"`
				Author  *struct {
					AccountID string `json:"accountId"`
				} `json:"author"`
				Items []struct {
					Field   string  `json:"field"`
					FieldID string  `json:"fieldId"`
					From    *string `json:"from"`
					To      *string `json:"to"`
				} `json:"items"`
			} `json:"values"`
			StartAt, MaxResults, Total int
			IsLast                     bool
		}
		r.decode(t, &p)
		is.Equal(p.Total, len(issue.Histories))
		is.Equal(p.StartAt, startAt)
		for _, v := range p.Values {
			got = append(got, v.ID)
			_, err := time.Parse("2006-01-02T15:04:05.000-0700", v.Created)
			is.NoErr(err)
		}
		if p.IsLast {
			break
		}
		startAt += len(p.Values)
	}
	var want []string
	for _, h := range issue.Histories {
		want = append(want, h.ID)
	}
	is.Equal(got, want)
}

func TestJiraMetadata(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := readOnlyOrg()
	b := setup(t, org, fake.Options{})

	var me struct {
		TimeZone string `json:"timeZone"`
	}
	b.atlassian(http.MethodGet, "/rest/api/3/myself", nil).decode(t, &me)
	is.Equal(me.TimeZone, "Europe/Moscow")

	var fields []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	b.atlassian(http.MethodGet, "/rest/api/3/field", nil).decode(t, &fields)
	byName := map[string]string{}
	for _, f := range fields {
		byName[f.Name] = f.ID
	}
	is.Equal(byName["Story point estimate"], fake.FieldStoryPoints)
	is.Equal(byName["Sprint"], fake.FieldSprint)
	is.Equal(byName["Team"], fake.FieldTeam)
	is.Equal(byName["Flagged"], fake.FieldFlagged)

	var statuses []struct {
		Name           string `json:"name"`
		StatusCategory struct {
			Key string `json:"key"`
		} `json:"statusCategory"`
	}
	b.atlassian(http.MethodGet, "/rest/api/3/status", nil).decode(t, &statuses)
	is.Equal(len(statuses), len(fake.Statuses()))

	// Users: page until an empty page.
	var ids []string
	apps := 0
	for startAt := 0; ; {
		var page []struct {
			AccountID   string `json:"accountId"`
			AccountType string `json:"accountType"`
		}
		b.atlassian(http.MethodGet, "/rest/api/3/users/search?maxResults=7&startAt="+strconv.Itoa(startAt), nil).decode(t, &page)
		if len(page) == 0 {
			break
		}
		for _, u := range page {
			ids = append(ids, u.AccountID)
			if u.AccountType == "app" {
				apps++
			}
		}
		startAt += len(page)
	}
	var want []string
	for _, a := range org.Accounts(identity.SourceJira) {
		want = append(want, a.ExternalID)
	}
	is.Equal(ids, want)
	is.True(apps > 0)
}

func TestAuthEnforced(t *testing.T) {
	t.Parallel()
	b := setup(t, readOnlyOrg(), fake.Options{})
	group := readOnlyOrg().Groups()[0].ID
	cases := []struct {
		name  string
		url   string
		setup func(*http.Request)
	}{
		{"jira without auth", b.srv.JiraURL + "/rest/api/3/myself", func(*http.Request) {}},
		{"jira wrong token", b.srv.JiraURL + "/rest/api/3/myself", func(r *http.Request) { r.SetBasicAuth(fake.DefaultEmail, "nope") }},
		{"jira wrong email", b.srv.JiraURL + "/rest/api/3/search/jql", func(r *http.Request) { r.SetBasicAuth("x@y.z", fake.DefaultToken) }},
		{"confluence wrong token", b.srv.ConfluenceURL + "/wiki/rest/api/group/" + group + "/membersByGroupId", func(r *http.Request) { r.SetBasicAuth(fake.DefaultEmail, "nope") }},
		{"gitlab without token", b.srv.GitLabURL + "/api/v4/users", func(*http.Request) {}},
		{"gitlab wrong token", b.srv.GitLabURL + "/api/v4/projects/4101/merge_requests", func(r *http.Request) { r.Header.Set("PRIVATE-TOKEN", "nope") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			req, _ := http.NewRequest(http.MethodGet, c.url, nil)
			c.setup(req)
			is.Equal(do(t, req).status, http.StatusUnauthorized)
		})
	}
}

func TestJiraDuplicatesWithPagesOfOne(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := readOnlyOrg()
	b := setup(t, org, fake.Options{JiraFaults: fake.Faults{DuplicateAcrossPages: true}})
	got := searchAll(t, b, `project = OPS ORDER BY updated ASC`, 1, false)
	seen := map[string]bool{}
	for _, k := range got {
		seen[k] = true
	}
	n := 0
	for _, i := range org.Issues() {
		if i.ProjectKey == "OPS" {
			n++
		}
	}
	is.Equal(len(seen), n)
	is.Equal(len(got), 2*n-1) // every page after the first repeats one
}

func TestIncrementalSyncSeesMutations(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := fake.Generate(smallSpec(11))
	b := setup(t, org, fake.Options{})
	org.Advance(10 * time.Minute)
	cursor := org.Now()
	ch := org.Mutate(4)
	jql := `updated >= "` + cursor.In(org.Location()).Format("2006-01-02 15:04") + `" ORDER BY updated ASC`
	got := searchAll(t, b, jql, 50, true)
	is.Equal(got, ch.IssueKeys) // exactly the changed issues, in change order
}
