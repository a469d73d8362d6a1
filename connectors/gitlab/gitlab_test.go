package gitlab_test

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
	"github.com/ovia-hq/ovia/connectors/gitlab"
	"github.com/ovia-hq/ovia/connectors/internal/httpx"
	"github.com/ovia-hq/ovia/identity"
)

const testToken = "glpat-Xy9secretTokenValue42"

type server struct {
	t        *testing.T
	srv      *httptest.Server
	mux      *http.ServeMux
	mu       sync.Mutex
	requests []*http.Request
}

func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{t: t, mux: http.NewServeMux()}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Clone(context.Background()))
		s.mu.Unlock()
		if r.Header.Get("PRIVATE-TOKEN") != testToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"message":"401 Unauthorized"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("RateLimit-Remaining", "1999")
		s.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *server) handle(pattern string, h http.HandlerFunc) { s.mux.HandleFunc(pattern, h) }

// count counts requests whose escaped path is path.
func (s *server) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.URL.EscapedPath() == path {
			n++
		}
	}
	return n
}

func (s *server) queries(path string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.requests {
		if r.URL.EscapedPath() == path {
			out = append(out, r.URL.RawQuery)
		}
	}
	return out
}

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// offset serves files as offset pages: X-Next-Page until the last, and
// never X-Total / X-Total-Pages.
func offset(t *testing.T, files ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		if page > len(files) {
			w.Header().Set("X-Next-Page", "")
			_, _ = w.Write([]byte(`[]`))
			return
		}
		w.Header().Set("X-Page", strconv.Itoa(page))
		w.Header().Set("X-Per-Page", r.URL.Query().Get("per_page"))
		if page < len(files) {
			w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
		} else {
			w.Header().Set("X-Next-Page", "")
		}
		_, _ = w.Write(testdata(t, files[page-1]))
	}
}

// keyset serves files as keyset pages linked by Link rel="next".
func keyset(t *testing.T, base func() string, files ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("pagination") != "keyset" {
			http.Error(w, `{"error":"expected keyset pagination"}`, http.StatusBadRequest)
			return
		}
		i, _ := strconv.Atoi(r.URL.Query().Get("id_after"))
		if i < len(files)-1 {
			q := r.URL.Query()
			q.Set("id_after", strconv.Itoa(i+1))
			w.Header().Set("Link", `<`+base()+r.URL.EscapedPath()+"?"+q.Encode()+`>; rel="next"`)
		}
		_, _ = w.Write(testdata(t, files[i]))
	}
}

type bundle struct {
	client *gitlab.Client
	srv    *server
	logs   *bytes.Buffer
	sleeps *[]time.Duration
}

var fixedNow = time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC)

func setup(t *testing.T, cfg gitlab.Config, o gitlab.Options) bundle {
	t.Helper()
	s := newServer(t)
	logs := &bytes.Buffer{}
	var mu sync.Mutex
	sleeps := &[]time.Duration{}
	cfg.BaseURL = s.srv.URL + "/api/v4/"
	cfg.Token = testToken
	o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o.MaxRetries = 3
	o.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*sleeps = append(*sleeps, d)
		mu.Unlock()
		return ctx.Err()
	}
	o.Now = func() time.Time { return fixedNow }
	c, err := gitlab.New(cfg, o)
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
	b := setup(t, gitlab.Config{Group: "acme"}, gitlab.Options{})
	is.Equal(b.client.Source(), identity.SourceGitLab)
	is.Equal(b.client.Streams(), []connectors.Stream{connectors.StreamUsers, connectors.StreamMergeRequests, connectors.StreamPipelines, connectors.StreamDeployments})
	_, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamIssues})
	is.True(errors.Is(err, identity.ErrInvalid))
}

func TestUsersAsAdminUseKeyset(t *testing.T) {
	is := is.New(t)
	b := setup(t, gitlab.Config{Group: "acme/platform"}, gitlab.Options{})
	b.srv.handle("GET /api/v4/user", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":1,"username":"root","name":"Administrator","is_admin":true,"bot":false}`))
	})
	b.srv.handle("GET /api/v4/users", keyset(t, func() string { return b.srv.srv.URL }, "users_admin_page1.json", "users_admin_page2.json"))
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamUsers})
	is.NoErr(err)
	is.Equal(len(pages), 2)
	is.Equal(b.srv.count("/api/v4/users"), 2)
	is.Equal(b.srv.count("/api/v4/groups/acme%2Fplatform/members/all"), 0)
	var ids []identity.Identity
	for _, p := range pages {
		ids = append(ids, p.Identities...)
		is.Equal(len(p.Raw), len(p.Identities))
	}
	is.Equal(len(ids), 4)
	is.Equal(ids[0].ExternalID, "2994198")
	is.Equal(ids[0].Username, "emilie")
	is.Equal(ids[0].Email, "emilie@acme.example") // email, not commit_email
	is.Equal(ids[1].Email, "taylor@acme.example") // email wins over public_email
	is.True(ids[2].IsServiceAccount)              // bot: true
	is.Equal(ids[3].DisplayName, "文宇祥")
	for _, id := range ids {
		is.NoErr(id.Validate())
		is.Equal(id.Source, identity.SourceGitLab)
	}
	for _, q := range b.srv.queries("/api/v4/users") {
		is.True(strings.Contains(q, "pagination=keyset"))
		is.True(strings.Contains(q, "per_page=100"))
	}
}

func TestUsersAsMemberUseGroupMembers(t *testing.T) {
	is := is.New(t)
	b := setup(t, gitlab.Config{Group: "acme/platform"}, gitlab.Options{})
	b.srv.handle("GET /api/v4/user", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":2295562,"username":"emilie","name":"Emilie Schario","bot":false}`))
	})
	b.srv.handle("GET /api/v4/groups/{id}/members/all", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "acme/platform" {
			http.NotFound(w, r)
			return
		}
		offset(t, "group_members_page1.json", "group_members_page2.json")(w, r)
	})
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamUsers})
	is.NoErr(err)
	is.Equal(len(pages), 2)
	is.Equal(b.srv.count("/api/v4/groups/acme%2Fplatform/members/all"), 2)
	is.Equal(len(pages[0].Identities), 2)
	is.True(pages[0].Identities[1].IsServiceAccount) // group access token user
	is.Equal(pages[0].Identities[0].Email, "")
	is.Equal(pages[1].Identities[0].Username, "abc1")
}

// mrServer serves two group projects (keyset) with offset-paged MRs.
func mrServer(t *testing.T, b bundle) {
	b.srv.handle("GET /api/v4/groups/{id}/projects", keyset(t, func() string { return b.srv.srv.URL }, "group_projects_page1.json", "group_projects_page2.json"))
	b.srv.handle("GET /api/v4/projects/12345678/merge_requests", offset(t, "mrs_api_page1.json", "mrs_api_page2.json"))
	b.srv.handle("GET /api/v4/projects/12345679/merge_requests", offset(t, "mrs_web_page1.json"))
}

func TestMergeRequests(t *testing.T) {
	is := is.New(t)
	b := setup(t, gitlab.Config{Group: "acme/platform"}, gitlab.Options{EmbeddedIdentities: true})
	mrServer(t, b)
	since := time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamMergeRequests, Since: since})
	is.NoErr(err)
	is.Equal(len(pages), 4) // projects, api ×2, web ×1

	is.Equal(len(pages[0].Projects), 2)
	p := pages[0].Projects[0]
	is.Equal(p.ExternalID, "12345678")
	is.Equal(p.PathWithNamespace, "acme/platform/api")
	is.Equal(p.DefaultBranch, "master")
	is.Equal(p.URL, "https://gitlab.acme.example/acme/platform/api")
	is.Equal(pages[0].Raw[0].Kind, "project")

	for _, q := range b.srv.queries("/api/v4/projects/12345678/merge_requests") {
		is.True(strings.Contains(q, "state=all"))
		is.True(strings.Contains(q, "updated_after=2019-06-01T00%3A00%3A00Z"))
		is.True(strings.Contains(q, "order_by=updated_at"))
		is.True(strings.Contains(q, "sort=asc"))
		is.True(strings.Contains(q, "per_page=100"))
	}
	is.Equal(b.srv.count("/api/v4/projects/12345678/merge_requests"), 2)

	mr := pages[1].MergeRequests[0]
	is.Equal(mr.ExternalID, "32348491")
	is.Equal(mr.ProjectID, "12345678")
	is.Equal(mr.IID, int64(1))
	is.Equal(mr.State, "merged")
	is.Equal(mr.AuthorID, "2295562")
	is.Equal(mr.Labels, []string{"documentation"})
	is.Equal(mr.SourceBranch, "1-feature")
	is.Equal(mr.TargetBranch, "master")
	is.Equal(mr.MergedAt.Format(time.RFC3339Nano), "2019-06-28T14:32:06.192Z")
	is.Equal(mr.MergeCommitSHA, "da1d6dea48f5972ffc683da6cff30934e7d6c52c")
	is.Equal(mr.URL, "https://gitlab.acme.example/acme/platform/api/-/merge_requests/1")
	is.True(mr.FirstReviewAt == nil)
	is.Equal(len(pages[1].Identities), 2) // author and merger/reviewer, once each
	is.Equal(pages[1].Raw[0].Kind, "merge_request")

	is.Equal(pages[2].MergeRequests[0].ClosedAt.Format(time.RFC3339), "2019-07-02T09:00:00Z")
	squashed := pages[3].MergeRequests[0]
	is.Equal(squashed.MergeCommitSHA, "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567")

	// Items are ordered per project: only the last project's pages carry
	// MaxUpdated, and the final page carries the newest of the run.
	is.True(pages[0].MaxUpdated.IsZero())
	is.True(pages[1].MaxUpdated.IsZero())
	is.True(pages[2].MaxUpdated.IsZero())
	is.Equal(pages[3].MaxUpdated, time.Date(2019, 7, 2, 9, 0, 0, 0, time.UTC))
	for i, p := range pages {
		is.Equal(p.Number, i+1)
	}
}

func TestFirstSyncUsesWindowAndProjectIDs(t *testing.T) {
	is := is.New(t)
	b := setup(t, gitlab.Config{ProjectIDs: []int64{12345678}, SyncWindowDays: 3}, gitlab.Options{})
	b.srv.handle("GET /api/v4/projects/12345678", func(w http.ResponseWriter, r *http.Request) {
		var ps []json.RawMessage
		_ = json.Unmarshal(testdata(t, "group_projects_page1.json"), &ps)
		_, _ = w.Write(ps[0])
	})
	b.srv.handle("GET /api/v4/projects/12345678/merge_requests", offset(t, "mrs_api_page1.json"))
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamMergeRequests})
	is.NoErr(err)
	is.Equal(len(pages), 2)
	is.True(strings.Contains(b.srv.queries("/api/v4/projects/12345678/merge_requests")[0], "updated_after=2024-01-07T12%3A00%3A00Z"))
	is.Equal(pages[1].MaxUpdated, pages[1].MergeRequests[0].UpdatedAt) // a single project advances page by page
}

func TestOffsetPagingWithoutTotalsPastTenThousand(t *testing.T) {
	is := is.New(t)
	const rows = 10_050
	b := setup(t, gitlab.Config{ProjectIDs: []int64{7}}, gitlab.Options{})
	b.srv.handle("GET /api/v4/projects/7", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":7,"name":"big","path_with_namespace":"acme/big","default_branch":"main","web_url":"https://gitlab.acme.example/acme/big"}`))
	})
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	b.srv.handle("GET /api/v4/projects/7/pipelines", func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		from, to := (page-1)*per, min(page*per, rows)
		var items []string
		for i := from; i < to; i++ {
			at := start.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000Z")
			items = append(items, fmt.Sprintf(`{"id":%d,"iid":%d,"project_id":7,"sha":"b1b82852d48b516a18e56c5bab0ebf54b8f4ccfd","ref":"main","status":"running","source":"push","created_at":"%s","updated_at":"%s","web_url":"https://gitlab.acme.example/acme/big/-/pipelines/%d"}`, 1000000+i, i+1, at, at, 1000000+i))
		}
		// Like GitLab past 10,000 rows: no X-Total, no X-Total-Pages.
		if to < rows {
			w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
		} else {
			w.Header().Set("X-Next-Page", "")
		}
		w.Header().Set("X-Page", strconv.Itoa(page))
		w.Header().Set("X-Per-Page", strconv.Itoa(per))
		_, _ = w.Write([]byte("[" + strings.Join(items, ",") + "]"))
	})
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamPipelines, Since: start})
	is.NoErr(err)
	n := 0
	seen := map[string]bool{}
	for _, p := range pages {
		for _, pl := range p.Pipelines {
			seen[pl.ExternalID] = true
			n++
		}
	}
	is.Equal(n, rows)
	is.Equal(len(seen), rows)
	is.Equal(b.srv.count("/api/v4/projects/7/pipelines"), 101)
	is.Equal(pages[len(pages)-1].MaxUpdated, start.Add((rows-1)*time.Minute))
}

func TestPipelines(t *testing.T) {
	is := is.New(t)
	b := setup(t, gitlab.Config{ProjectIDs: []int64{12345678}}, gitlab.Options{EmbeddedIdentities: true})
	b.srv.handle("GET /api/v4/projects/12345678", func(w http.ResponseWriter, r *http.Request) {
		var ps []json.RawMessage
		_ = json.Unmarshal(testdata(t, "group_projects_page1.json"), &ps)
		_, _ = w.Write(ps[0])
	})
	b.srv.handle("GET /api/v4/projects/12345678/pipelines", offset(t, "pipelines.json"))
	b.srv.handle("GET /api/v4/projects/12345678/pipelines/1078343570", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(testdata(t, "pipeline_1078343570.json"))
	})
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamPipelines, Since: fixedNow.AddDate(-3, 0, 0)})
	is.NoErr(err)
	is.Equal(len(pages), 2)
	ps := pages[1].Pipelines
	is.Equal(len(ps), 3)
	is.Equal(ps[0].Status, "running")
	is.Equal(ps[0].UpdatedAt, ps[0].CreatedAt) // updated_at null in the list
	is.True(ps[0].FinishedAt == nil)
	is.Equal(ps[0].TriggerSource, "external")
	done := ps[1]
	is.Equal(done.Status, "success")
	is.Equal(done.StartedAt.Format(time.RFC3339Nano), "2023-11-20T07:17:10.123Z")
	is.Equal(done.FinishedAt.Format(time.RFC3339Nano), "2023-11-21T01:54:29.748Z")
	is.Equal(*done.DurationSeconds, 1512.0)
	is.Equal(done.Ref, "refs/merge-requests/5394/head")
	is.Equal(ps[2].Status, "manual") // not finished: no detail request
	is.Equal(b.srv.count("/api/v4/projects/12345678/pipelines/1078343570"), 1)
	is.Equal(b.srv.count("/api/v4/projects/12345678/pipelines/1078343571"), 0)
	is.Equal(len(pages[1].Identities), 1) // the detail's user
	is.True(bytes.Contains(pages[1].Raw[1].Payload, []byte(`"duration": 1512`)))
}

func TestDeployments(t *testing.T) {
	is := is.New(t)
	b := setup(t, gitlab.Config{ProjectIDs: []int64{12345678}}, gitlab.Options{})
	b.srv.handle("GET /api/v4/projects/12345678", func(w http.ResponseWriter, r *http.Request) {
		var ps []json.RawMessage
		_ = json.Unmarshal(testdata(t, "group_projects_page1.json"), &ps)
		_, _ = w.Write(ps[0])
	})
	b.srv.handle("GET /api/v4/projects/12345678/deployments", offset(t, "deployments.json"))
	b.srv.handle("GET /api/v4/projects/12345678/deployments/13426760/merge_requests", offset(t, "deployment_13426760_mrs.json"))
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamDeployments, Since: fixedNow.AddDate(-6, 0, 0)})
	is.NoErr(err)
	is.Equal(len(pages), 2)
	ds := pages[1].Deployments
	is.Equal(len(ds), 2)
	is.Equal(ds[0].Environment, "staging")
	is.Equal(ds[0].EnvironmentTier, "staging")
	is.Equal(ds[0].Status, "failed")
	is.Equal(ds[0].FinishedAt.Format(time.RFC3339Nano), "2019-03-13T14:17:47.64Z")
	is.Equal(len(ds[0].MergeRequestIDs), 0)
	is.Equal(ds[1].EnvironmentTier, "production")
	is.Equal(ds[1].MergeRequestIDs, []string{"32348491"})
	is.Equal(ds[1].SHA, "add237f6852e6108ee8e0246780a54ce909c6087")
	is.Equal(b.srv.count("/api/v4/projects/12345678/deployments/13426753/merge_requests"), 0)
	for _, q := range b.srv.queries("/api/v4/projects/12345678/deployments") {
		is.True(strings.Contains(q, "updated_after="))
		is.True(strings.Contains(q, "order_by=updated_at"))
	}
}

func TestRetriesAndErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		first     func(w http.ResponseWriter)
		wantSleep time.Duration // -1: any backoff; 0: no retry expected
		wantErr   int           // expected APIError status, 0 for success
	}{
		{"429 without any header backs off", func(w http.ResponseWriter) { w.WriteHeader(http.StatusTooManyRequests) }, -1, 0},
		{"429 with RateLimit-Reset", func(w http.ResponseWriter) {
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", strconv.FormatInt(fixedNow.Add(42*time.Second).Unix(), 10))
			w.WriteHeader(http.StatusTooManyRequests)
		}, 42 * time.Second, 0},
		{"502 then success", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, -1, 0},
		{"truncated body", func(w http.ResponseWriter) { _, _ = w.Write([]byte(`[{"id":2295562,"username":"emi`)) }, -1, 0},
		{"403 fails fast", func(w http.ResponseWriter) {
			w.Header().Set("X-Request-Id", "01HM9Z")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"message":"403 Forbidden - token ` + testToken + ` lacks read_api"}`))
		}, 0, http.StatusForbidden},
		{"404 fails fast", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"message":"404 Group Not Found"}`))
		}, 0, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			b := setup(t, gitlab.Config{Group: "acme"}, gitlab.Options{})
			b.srv.handle("GET /api/v4/user", func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"id":5,"username":"sync","is_admin":false}`))
			})
			var mu sync.Mutex
			n := 0
			b.srv.handle("GET /api/v4/groups/acme/members/all", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				n++
				first := n == 1
				mu.Unlock()
				if first {
					tt.first(w)
					return
				}
				offset(t, "group_members_page1.json")(w, r)
			})
			pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamUsers})
			if tt.wantErr != 0 {
				var apiErr *httpx.APIError
				is.True(errors.As(err, &apiErr))
				is.Equal(apiErr.Status, tt.wantErr)
				is.Equal(n, 1)
				is.True(!strings.Contains(err.Error(), testToken))
				is.True(!strings.Contains(b.logs.String(), testToken))
				is.Equal(len(*b.sleeps), 0)
				return
			}
			is.NoErr(err)
			is.Equal(len(pages), 1)
			is.Equal(len(*b.sleeps), 1)
			if tt.wantSleep > 0 {
				is.Equal((*b.sleeps)[0], tt.wantSleep)
			}
			is.True(!strings.Contains(b.logs.String(), testToken))
		})
	}
}

func TestBadToken(t *testing.T) {
	is := is.New(t)
	s := newServer(t)
	c, err := gitlab.New(gitlab.Config{BaseURL: s.srv.URL, Token: "glpat-wrong-token-123", Group: "acme"}, gitlab.Options{Sleep: func(context.Context, time.Duration) error { return nil }})
	is.NoErr(err)
	_, err = collect(t, c, connectors.FetchRequest{Stream: connectors.StreamUsers})
	var apiErr *httpx.APIError
	is.True(errors.As(err, &apiErr))
	is.Equal(apiErr.Status, http.StatusUnauthorized)
	is.True(!strings.Contains(err.Error(), "glpat-wrong-token-123"))
	is.Equal(s.count("/api/v4/user"), 1)
}

func TestLinkToAnotherHostStaysOnConfiguredHost(t *testing.T) {
	is := is.New(t)
	b := setup(t, gitlab.Config{Group: "acme/platform"}, gitlab.Options{})
	b.srv.handle("GET /api/v4/user", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":1,"is_admin":true}`))
	})
	// Links name the public URL while we talk to an internal one.
	b.srv.handle("GET /api/v4/users", keyset(t, func() string { return "https://gitlab.public.example" }, "users_admin_page1.json", "users_admin_page2.json"))
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamUsers})
	is.NoErr(err)
	is.Equal(len(pages), 2)
	is.Equal(b.srv.count("/api/v4/users"), 2)
}

func TestEmbeddedIdentitiesOffByDefault(t *testing.T) {
	is := is.New(t)
	b := setup(t, gitlab.Config{Group: "acme/platform"}, gitlab.Options{})
	mrServer(t, b)
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamMergeRequests, Since: time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)})
	is.NoErr(err)
	for _, p := range pages {
		is.Equal(len(p.Identities), 0) // email-less copies would blank the users stream's emails
	}
	is.Equal(pages[1].MergeRequests[0].AuthorID, "2295562") // still referenced by id
}

func TestFailureFlushesHeldPage(t *testing.T) {
	is := is.New(t)
	b := setup(t, gitlab.Config{Group: "acme/platform"}, gitlab.Options{})
	b.srv.handle("GET /api/v4/groups/{id}/projects", keyset(t, func() string { return b.srv.srv.URL }, "group_projects_page1.json", "group_projects_page2.json"))
	b.srv.handle("GET /api/v4/projects/12345678/merge_requests", offset(t, "mrs_api_page1.json"))
	b.srv.handle("GET /api/v4/projects/12345679/merge_requests", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	})
	var pages []connectors.Page
	var err error
	for p, e := range b.client.Fetch(context.Background(), connectors.FetchRequest{Stream: connectors.StreamMergeRequests, Since: time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)}) {
		if e != nil {
			err = e
			break
		}
		pages = append(pages, p)
	}
	is.True(err != nil)
	is.Equal(len(pages), 2) // projects, then the first project's MRs
	is.Equal(len(pages[1].MergeRequests), 1)
	is.True(pages[1].MaxUpdated.IsZero()) // the failed project may hold older updates
}
