package jira_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/internal/httpx"
	"github.com/ovia-hq/ovia/connectors/jira"
	"github.com/ovia-hq/ovia/identity"
)

const (
	testEmail = "ovia-bot@acme.example"
	testToken = "ATATT3xFfGF0-secret-token-value"
)

// server is an httptest Jira that serves testdata files by path and
// records every request.
type server struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	routes   map[string]http.HandlerFunc
}

func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{t: t, routes: map[string]http.HandlerFunc{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Clone(context.Background()))
		h, ok := s.routes[r.Method+" "+r.URL.Path]
		s.mu.Unlock()
		if user, pass, _ := r.BasicAuth(); user != testEmail || pass != testToken {
			http.Error(w, `{"errorMessages":["Client must be authenticated to access this resource."],"errors":{}}`, http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/rest/api/3/search" {
			w.WriteHeader(http.StatusGone)
			_, _ = w.Write([]byte(`{"errorMessages":["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."],"errors":{}}`))
			return
		}
		if !ok {
			http.Error(w, `{"errorMessages":["not found"]}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		h(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *server) handle(route string, h http.HandlerFunc) {
	s.mu.Lock()
	s.routes[route] = h
	s.mu.Unlock()
}

func (s *server) file(route, name string) {
	s.handle(route, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(testdata(s.t, name)) })
}

func (s *server) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.requests {
		out = append(out, r.Method+" "+r.URL.Path)
	}
	return out
}

func (s *server) count(route string) int {
	n := 0
	for _, p := range s.paths() {
		if p == route {
			n++
		}
	}
	return n
}

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// metaRoutes serves the site metadata an issue sync reads first.
func (s *server) metaRoutes() {
	s.file("GET /rest/api/3/field", "fields.json")
	s.file("GET /rest/api/3/status", "statuses.json")
	s.file("GET /rest/api/3/myself", "myself.json")
}

type bundle struct {
	client *jira.Client
	srv    *server
	logs   *bytes.Buffer
	sleeps *[]time.Duration
}

var fixedNow = time.Date(2020, 6, 30, 12, 0, 0, 0, time.UTC)

func setup(t *testing.T) bundle {
	t.Helper()
	s := newServer(t)
	logs := &bytes.Buffer{}
	var mu sync.Mutex
	sleeps := &[]time.Duration{}
	c, err := jira.New(jira.Config{
		BaseURL:     s.srv.URL,
		Email:       testEmail,
		APIToken:    testToken,
		ProjectKeys: []string{"EE", "OPS"},
	}, jira.Options{
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		MaxRetries: 3,
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			*sleeps = append(*sleeps, d)
			mu.Unlock()
			return ctx.Err()
		},
		Now: func() time.Time { return fixedNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return bundle{client: c, srv: s, logs: logs, sleeps: sleeps}
}

func collect(t *testing.T, c connectors.Connector, req connectors.FetchRequest) ([]connectors.Page, error) {
	t.Helper()
	var pages []connectors.Page
	for p, err := range c.Fetch(context.Background(), req) {
		if err != nil {
			return pages, err
		}
		pages = append(pages, p)
	}
	return pages, nil
}

func TestStreams(t *testing.T) {
	is := is.New(t)
	b := setup(t)
	is.Equal(b.client.Source(), identity.SourceJira)
	is.Equal(b.client.Streams(), []connectors.Stream{connectors.StreamUsers, connectors.StreamIssues})
	_, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamPipelines})
	is.True(errors.Is(err, identity.ErrInvalid))
}

func TestFetchUsers(t *testing.T) {
	is := is.New(t)
	b := setup(t)
	b.srv.handle("GET /rest/api/3/users/search", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("startAt") {
		case "0":
			_, _ = w.Write(testdata(t, "users_page1.json"))
		case "3": // a short page is not the end: only an empty one is
			_, _ = w.Write(testdata(t, "users_page2.json"))
		default:
			_, _ = w.Write([]byte(`[]`))
		}
	})
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamUsers})
	is.NoErr(err)
	is.Equal(len(pages), 2)
	is.Equal(b.srv.count("GET /rest/api/3/users/search"), 3)
	var ids []identity.Identity
	for i, p := range pages {
		is.Equal(p.Number, i+1)
		is.True(p.MaxUpdated.IsZero())
		is.Equal(len(p.Raw), len(p.Identities))
		ids = append(ids, p.Identities...)
	}
	is.Equal(len(ids), 4)
	is.Equal(ids[0].ExternalID, "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077")
	is.True(ids[0].IsServiceAccount) // accountType app
	is.Equal(ids[1].Email, "")       // Jira hides most emails
	is.True(!ids[1].IsServiceAccount)
	is.Equal(ids[2].Email, "klesh.wong@acme.example")
	is.Equal(ids[3].DisplayName, "Ji Lu")
	for _, id := range ids {
		is.Equal(id.Source, identity.SourceJira)
		is.Equal(id.OrgID, "")
		is.NoErr(id.Validate())
	}
	raw := pages[0].Raw[0]
	is.Equal(raw.Kind, "user")
	is.True(json.Valid(raw.Payload))
	is.True(bytes.Contains(raw.Payload, []byte(`"accountType": "app"`))) // bytes as received
	is.Equal(len(raw.SHA256), 64)
}

func TestFetchIssues(t *testing.T) {
	is := is.New(t)
	b := setup(t)
	b.srv.metaRoutes()
	var jqls, tokens, fields []string
	b.srv.handle("GET /rest/api/3/search/jql", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		jqls = append(jqls, q.Get("jql"))
		tokens = append(tokens, q.Get("nextPageToken"))
		fields = append(fields, q.Get("fields"))
		if q.Get("nextPageToken") == "" {
			_, _ = w.Write(testdata(t, "search_page1.json"))
			return
		}
		_, _ = w.Write(testdata(t, "search_page2.json"))
	})
	b.srv.file("GET /rest/api/3/issue/EE-2/changelog", "changelog_EE-2.json")

	since := time.Date(2020, 6, 10, 0, 0, 30, 0, time.UTC)
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamIssues, Since: since})
	is.NoErr(err)
	is.Equal(len(pages), 2)

	// The cursor is written in the API user's zone (Asia/Shanghai, UTC+8) at minute precision.
	is.Equal(jqls[0], `project in ("EE", "OPS") AND updated >= "2020-06-10 08:00" ORDER BY updated ASC`)
	is.Equal(tokens, []string{"", "Ch0jU3RyaW5nJlJVVTA9JSVJbnQmTVRBd05qTT0QZBjYxa6u9DE="})
	for _, f := range []string{"summary", "status", "customfield_10020", "customfield_10024", "customfield_10016", "customfield_10001", "customfield_10021", "issuelinks"} {
		is.True(strings.Contains(","+fields[0]+",", ","+f+",")) // fields are asked for explicitly
	}
	is.Equal(b.srv.count("GET /rest/api/3/search"), 0)               // never the removed endpoint
	is.Equal(b.srv.count("GET /rest/api/3/issue/EE-2/changelog"), 1) // not embedded
	is.Equal(b.srv.count("GET /rest/api/3/issue/EE-1/changelog"), 0) // embedded whole
	is.Equal(b.srv.count("GET /rest/api/3/issue/EE-3/changelog"), 0) // embedded, empty

	p1 := pages[0]
	is.Equal(len(p1.Issues), 2)
	ee1, ee2 := p1.Issues[0], p1.Issues[1]
	is.Equal(ee1.Key, "EE-1")
	is.Equal(ee1.ExternalID, "10063")
	is.Equal(ee1.ProjectKey, "EE")
	is.Equal(ee1.Type, "Story")
	is.Equal(ee1.Status, "In Progress")
	is.Equal(ee1.StatusCategory, connectors.CategoryInProgress)
	is.Equal(ee1.Priority, "Highest")
	is.Equal(ee1.Labels, []string{"frontEnd", "Saas"})
	is.Equal(ee1.AssigneeID, "5ecfbd0c730ec90c1999cadf")
	is.Equal(ee1.ReporterID, "5e9711ba34f7b90c0fbc37d3")
	is.Equal(ee1.CreatedAt, time.Date(2020, 6, 12, 0, 13, 13, 360e6, time.UTC))
	is.Equal(ee1.UpdatedAt, time.Date(2020, 6, 23, 8, 6, 8, 713e6, time.UTC))
	is.True(ee1.ResolvedAt == nil)
	is.Equal(*ee1.StoryPoints, 3.5) // a string on this site
	is.Equal(ee1.Team, "Platform Team")
	is.Equal(ee1.SprintID, "9") // the active one
	is.True(ee1.IsFlagged)
	is.Equal(ee1.BlockedBy, []string{"EE-7"})
	is.Equal(ee1.URL, b.srv.srv.URL+"/browse/EE-1")
	is.Equal(ee1.OrgID, "")

	is.Equal(ee2.StatusCategory, connectors.CategoryDone)
	is.Equal(*ee2.StoryPoints, 5.0) // "-1" is a placeholder: the estimate field wins
	is.Equal(ee2.ResolvedAt.Format(time.RFC3339), "2020-06-24T03:29:59Z")
	is.Equal(ee2.SprintID, "11") // the future one beats the closed one
	is.True(!ee2.IsFlagged)
	is.Equal(ee2.Team, "")

	// Transitions: the complete list of each issue, in order.
	var tr1, tr2 []connectors.Transition
	for _, tr := range p1.Transitions {
		switch tr.IssueID {
		case "10063":
			tr1 = append(tr1, tr)
		case "10064":
			tr2 = append(tr2, tr)
		}
	}
	is.Equal(len(tr1), 3)
	is.Equal(tr1[0].Field, connectors.FieldSprint)
	is.Equal(tr1[0].From, "")
	is.Equal(tr1[0].To, "7")
	is.Equal(tr1[0].AuthorID, "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077")
	is.Equal(tr1[1].Field, connectors.FieldStatus)
	is.Equal(tr1[1].From, "Open")
	is.Equal(tr1[1].To, "In Progress")
	is.Equal(tr1[1].FromCategory, connectors.CategoryTodo)
	is.Equal(tr1[1].ToCategory, connectors.CategoryInProgress)
	is.Equal(tr1[1].At, time.Date(2020, 6, 15, 2, 0, 0, 0, time.UTC))
	is.Equal(tr1[2].To, "7,9")
	is.Equal(tr1[2].AuthorID, "") // some authors have an empty accountId
	for i, tr := range tr1 {
		is.Equal(tr.Seq, i)
	}
	is.Equal(len(tr2), 3)
	is.Equal(tr2[2].ToCategory, connectors.CategoryDone)
	is.Equal(tr2[1].FromCategory, connectors.CategoryTodo) // "Ready for Dev" is a to-do status

	// Sprints deduplicated within the page.
	var sprintIDs []string
	for _, s := range p1.Sprints {
		sprintIDs = append(sprintIDs, s.ExternalID)
	}
	is.Equal(sprintIDs, []string{"7", "9", "11"})
	is.Equal(p1.Sprints[0].BoardID, "8")
	is.Equal(p1.Sprints[0].State, "closed")
	is.Equal(p1.Sprints[0].CompleteAt.Format(time.RFC3339), "2020-06-22T05:59:58Z")
	is.True(p1.Sprints[2].StartAt == nil)

	// Assignees, reporters and changelog authors become identities once each.
	var people []string
	for _, id := range p1.Identities {
		people = append(people, id.ExternalID)
	}
	is.Equal(people, []string{"5ecfbd0c730ec90c1999cadf", "5e9711ba34f7b90c0fbc37d3", "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"})
	is.True(p1.Identities[2].IsServiceAccount)

	is.Equal(p1.MaxUpdated, ee2.UpdatedAt)
	kinds := map[string]int{}
	for _, r := range p1.Raw {
		kinds[r.Kind]++
		is.True(json.Valid(r.Payload))
		is.True(!bytes.Contains(r.Payload, []byte(testToken)))
	}
	is.Equal(kinds, map[string]int{"issue": 2, "changelog": 1}) // embedded changelogs live in the issue payload

	p2 := pages[1]
	is.Equal(p2.Number, 2)
	is.Equal(len(p2.Issues), 1)
	is.Equal(*p2.Issues[0].StoryPoints, 2.0) // a number
	is.Equal(p2.Issues[0].Team, "Ops")
	is.Equal(p2.Issues[0].AssigneeID, "")
	is.Equal(len(p2.Transitions), 0)
}

func TestFirstSyncWindowAndUnknownZone(t *testing.T) {
	is := is.New(t)
	b := setup(t)
	b.srv.file("GET /rest/api/3/field", "fields.json")
	b.srv.file("GET /rest/api/3/status", "statuses.json")
	b.srv.handle("GET /rest/api/3/myself", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"errorMessages":["boom"]}`, http.StatusInternalServerError)
	})
	var jql string
	b.srv.handle("GET /rest/api/3/search/jql", func(w http.ResponseWriter, r *http.Request) {
		jql = r.URL.Query().Get("jql")
		_, _ = w.Write([]byte(`{"issues":[],"isLast":true}`))
	})
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamIssues})
	is.NoErr(err)
	is.Equal(len(pages), 0)
	// now − 7 days − 24 h of extra overlap, in UTC.
	is.Equal(jql, `project in ("EE", "OPS") AND updated >= "2020-06-22 12:00" ORDER BY updated ASC`)
	is.True(strings.Contains(b.logs.String(), "widening"))
}

func TestSearchPaging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		pages     []string // served in order
		wantPages int
		wantErr   bool
	}{
		{"short pages then isLast", []string{
			`{"issues":[%s],"nextPageToken":"a","isLast":false}`,
			`{"issues":[],"nextPageToken":"b","isLast":false}`,
			`{"issues":[%s],"isLast":true}`,
		}, 2, false},
		{"token absent without isLast", []string{`{"issues":[%s],"nextPageToken":"a"}`, `{"issues":[%s]}`}, 2, false},
		{"repeating token", []string{`{"issues":[%s],"nextPageToken":"a","isLast":false}`, `{"issues":[%s],"nextPageToken":"a","isLast":false}`}, 2, true},
	}
	issue := func(n int) string {
		return fmt.Sprintf(`{"id":"%d","key":"EE-%d","fields":{"updated":"2020-06-2%dT10:00:00.000+0000","status":{"id":"1","name":"Open","statusCategory":{"key":"new"}}},"changelog":{"startAt":0,"maxResults":0,"total":0,"histories":[]}}`, 100+n, n, n)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			b := setup(t)
			b.srv.metaRoutes()
			var n int
			b.srv.handle("GET /rest/api/3/search/jql", func(w http.ResponseWriter, r *http.Request) {
				i := min(n, len(tt.pages)-1)
				n++
				body := tt.pages[i]
				if strings.Contains(body, "%s") {
					body = fmt.Sprintf(body, issue(n))
				}
				_, _ = w.Write([]byte(body))
			})
			pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamIssues, Since: fixedNow.Add(-time.Hour)})
			is.Equal(err != nil, tt.wantErr)
			is.Equal(len(pages), tt.wantPages)
			for i := 1; i < len(pages); i++ {
				is.True(!pages[i].MaxUpdated.Before(pages[i-1].MaxUpdated)) // oldest first
			}
		})
	}
}

func TestChangelogPaging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		total        int
		isLast       string // "true", "false-on-full", "absent"
		withTotal    bool
		wantRequests int
	}{
		{"exactly 100 with isLast", 100, "true", true, 1},
		{"exactly 100 with total only", 100, "absent", true, 1},
		{"exactly 100 with neither", 100, "absent", false, 2},
		{"179 over two pages", 179, "true", true, 2},
		{"200 with neither", 200, "absent", false, 3},
		{"none", 0, "true", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			b := setup(t)
			b.srv.metaRoutes()
			b.srv.handle("GET /rest/api/3/search/jql", func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"issues":[{"id":"13383","key":"EE-5","fields":{"updated":"2021-01-25T11:09:27.985+0800"}}],"isLast":true}`))
			})
			b.srv.handle("GET /rest/api/3/issue/EE-5/changelog", func(w http.ResponseWriter, r *http.Request) {
				start, _ := strconv.Atoi(r.URL.Query().Get("startAt"))
				size, _ := strconv.Atoi(r.URL.Query().Get("maxResults"))
				var values []string
				for i := start; i < min(start+size, tt.total); i++ {
					values = append(values, fmt.Sprintf(`{"id":"%d","author":{"accountId":"5e9711ba34f7b90c0fbc37d3","displayName":"Klesh Wong","accountType":"atlassian"},"created":"2021-01-25T11:%02d:%02d.000+0800","items":[{"field":"status","fieldtype":"jira","fieldId":"status","from":"1","fromString":"Open","to":"3","toString":"In Progress"}]}`, 57000+i, i/60, i%60))
				}
				body := fmt.Sprintf(`{"self":"x","maxResults":%d,"startAt":%d`, size, start)
				if tt.withTotal {
					body += fmt.Sprintf(`,"total":%d`, tt.total)
				}
				if tt.isLast == "true" {
					body += fmt.Sprintf(`,"isLast":%t`, start+len(values) >= tt.total)
				}
				body += `,"values":[` + strings.Join(values, ",") + `]}`
				_, _ = w.Write([]byte(body))
			})
			pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamIssues, Since: fixedNow.Add(-time.Hour)})
			is.NoErr(err)
			is.Equal(len(pages), 1)
			is.Equal(len(pages[0].Transitions), tt.total)
			is.Equal(b.srv.count("GET /rest/api/3/issue/EE-5/changelog"), tt.wantRequests)
			for i, tr := range pages[0].Transitions {
				is.Equal(tr.Seq, i)
			}
		})
	}
}

func TestRateLimitAndFlakyBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		first     func(w http.ResponseWriter)
		wantSleep time.Duration // 0: any positive backoff
	}{
		{"429 with Retry-After", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		}, 30 * time.Second},
		{"503 with X-RateLimit-Reset", func(w http.ResponseWriter) {
			w.Header().Set("X-RateLimit-Reset", fixedNow.Add(90*time.Second).Format("2006-01-02T15:04:05Z"))
			w.WriteHeader(http.StatusServiceUnavailable)
		}, 90 * time.Second},
		{"truncated JSON", func(w http.ResponseWriter) {
			_, _ = w.Write([]byte(`[{"accountId":"5ecfbd0c730ec90c1999cadf","displayName":"War`))
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			b := setup(t)
			var n int
			b.srv.handle("GET /rest/api/3/users/search", func(w http.ResponseWriter, r *http.Request) {
				n++
				switch {
				case n == 1:
					tt.first(w)
				case r.URL.Query().Get("startAt") == "0":
					_, _ = w.Write(testdata(t, "users_page1.json"))
				default:
					_, _ = w.Write([]byte(`[]`))
				}
			})
			pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamUsers})
			is.NoErr(err)
			is.Equal(len(pages), 1)
			is.Equal(len(pages[0].Identities), 3)
			is.Equal(len(*b.sleeps), 1)
			if tt.wantSleep > 0 {
				is.Equal((*b.sleeps)[0], tt.wantSleep)
			}
		})
	}
}

func TestAuthErrorsFailFast(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusUnauthorized, http.StatusNotFound} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			b := setup(t)
			b.srv.handle("GET /rest/api/3/users/search", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Arequestid", "a1b2c3")
				w.WriteHeader(status)
				_, _ = w.Write([]byte(`{"errorMessages":["denied for ` + r.Header.Get("Authorization") + `"]}`))
			})
			_, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamUsers})
			is.True(err != nil)
			var apiErr *httpx.APIError
			is.True(errors.As(err, &apiErr))
			is.Equal(apiErr.Status, status)
			is.Equal(apiErr.RequestID, "a1b2c3")
			is.Equal(b.srv.count("GET /rest/api/3/users/search"), 1)
			is.True(!strings.Contains(err.Error(), testToken))
			is.True(!strings.Contains(err.Error(), "Basic "+basicOf(testEmail, testToken)))
			is.True(strings.HasPrefix(err.Error(), "jira: list users page 1: GET "))
			is.True(!strings.Contains(b.logs.String(), testToken))
		})
	}
}

func TestOldSearchEndpointIsNeverUsed(t *testing.T) {
	// The whole issue flow above counts zero calls to /rest/api/3/search;
	// this guards the source too.
	is := is.New(t)
	matches, _ := filepath.Glob("*.go")
	for _, m := range matches {
		if strings.HasSuffix(m, "_test.go") {
			continue
		}
		b, err := os.ReadFile(m)
		is.NoErr(err)
		is.True(!bytes.Contains(b, []byte(`"/rest/api/3/search"`)))
	}
}

func basicOf(user, pass string) string {
	r, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

func TestLongQueriesArePosted(t *testing.T) {
	is := is.New(t)
	s := newServer(t)
	s.metaRoutes()
	var keys []string
	for i := range 600 {
		keys = append(keys, fmt.Sprintf("PRJ%d", i))
	}
	var body struct {
		JQL           string   `json:"jql"`
		Fields        []string `json:"fields"`
		MaxResults    int      `json:"maxResults"`
		NextPageToken string   `json:"nextPageToken"`
	}
	var tokens []string
	s.handle("POST /rest/api/3/search/jql", func(w http.ResponseWriter, r *http.Request) {
		is.NoErr(json.NewDecoder(r.Body).Decode(&body))
		tokens = append(tokens, body.NextPageToken)
		if body.NextPageToken == "" {
			_, _ = w.Write([]byte(`{"issues":[],"nextPageToken":"p2","isLast":false}`))
			return
		}
		_, _ = w.Write([]byte(`{"issues":[],"isLast":true}`))
	})
	c, err := jira.New(jira.Config{BaseURL: s.srv.URL, Email: testEmail, APIToken: testToken, ProjectKeys: keys}, jira.Options{})
	is.NoErr(err)
	_, err = collect(t, c, connectors.FetchRequest{Stream: connectors.StreamIssues, Since: fixedNow})
	is.NoErr(err)
	is.Equal(tokens, []string{"", "p2"})
	is.True(strings.HasPrefix(body.JQL, `project in ("PRJ0", "PRJ1", `))
	is.Equal(body.MaxResults, 100)
	is.True(len(body.Fields) > 10)
	is.Equal(s.count("GET /rest/api/3/search/jql"), 0)
}

func TestStopEarly(t *testing.T) {
	is := is.New(t)
	b := setup(t)
	b.srv.metaRoutes()
	var mu sync.Mutex
	n := 0
	b.srv.handle("GET /rest/api/3/search/jql", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		_, _ = fmt.Fprintf(w, `{"issues":[{"id":"%d","key":"EE-%d","fields":{"updated":"2020-06-2%dT10:00:00.000+0000"},"changelog":{"startAt":0,"maxResults":0,"total":0,"histories":[]}}],"nextPageToken":"t%d","isLast":false}`, i, i, i%10, i)
	})
	pages := 0
	for p, err := range b.client.Fetch(context.Background(), connectors.FetchRequest{Stream: connectors.StreamIssues, Since: fixedNow}) {
		is.NoErr(err)
		is.Equal(p.Number, pages+1)
		pages++
		if pages == 2 {
			break
		}
	}
	is.Equal(pages, 2)
	mu.Lock()
	defer mu.Unlock()
	is.True(n <= 3) // at most one page fetched ahead
}
