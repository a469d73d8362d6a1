package confluence_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/confluence"
	"github.com/ovia-hq/ovia/connectors/internal/httpx"
	"github.com/ovia-hq/ovia/identity"
)

const (
	testEmail = "ovia-bot@acme.example"
	testToken = "ATATT3xFfGF0-confluence-secret"
	groupA    = "8e1b3c44-7d2f-4a51-9a0b-2f6c1d7e9a10"
	groupC    = "1f0e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
	unknown   = "0000dead-beef-0000-0000-000000000000"
)

type server struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests []string
	override func(w http.ResponseWriter, r *http.Request) bool
}

func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.URL.RequestURI())
		override := s.override
		s.mu.Unlock()
		if u, p, _ := r.BasicAuth(); u != testEmail || p != testToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"statusCode":401,"message":"Current user not permitted to use Confluence"}`))
			return
		}
		if override != nil && override(w, r) {
			return
		}
		gid, ok := strings.CutPrefix(r.URL.Path, "/wiki/rest/api/group/")
		gid, ok2 := strings.CutSuffix(gid, "/membersByGroupId")
		if !ok || !ok2 {
			http.NotFound(w, r)
			return
		}
		var name string
		switch gid {
		case groupA:
			name = "members_A_" + r.URL.Query().Get("start") + ".json"
		case groupC:
			name = "members_C_" + r.URL.Query().Get("start") + ".json"
		default:
			name = "members_unknown.json" // unknown ids answer an empty page, not 404
		}
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			b, _ = os.ReadFile(filepath.Join("testdata", "members_unknown.json"))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *server) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

type bundle struct {
	client *confluence.Client
	srv    *server
	logs   *bytes.Buffer
	sleeps *[]time.Duration
}

func setup(t *testing.T, groups ...string) bundle {
	t.Helper()
	s := newServer(t)
	logs := &bytes.Buffer{}
	sleeps := &[]time.Duration{}
	var mu sync.Mutex
	c, err := confluence.New(confluence.Config{BaseURL: s.srv.URL + "/wiki", GroupIDs: groups, Email: testEmail, APIToken: testToken}, confluence.Options{
		Limit:      2,
		MaxRetries: 3,
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			*sleeps = append(*sleeps, d)
			mu.Unlock()
			return ctx.Err()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return bundle{client: c, srv: s, logs: logs, sleeps: sleeps}
}

func collect(t *testing.T, c connectors.Connector) ([]connectors.Page, error) {
	t.Helper()
	var pages []connectors.Page
	for p, err := range c.Fetch(context.Background(), connectors.FetchRequest{Stream: connectors.StreamGroupMembers}) {
		if err != nil {
			return pages, err
		}
		pages = append(pages, p)
	}
	return pages, nil
}

func TestGroupMembers(t *testing.T) {
	is := is.New(t)
	b := setup(t, groupA, unknown, groupC)
	is.Equal(b.client.Source(), identity.SourceConfluence)
	is.Equal(b.client.Streams(), []connectors.Stream{connectors.StreamGroupMembers})
	pages, err := collect(t, b.client)
	is.NoErr(err)

	is.Equal(b.srv.paths(), []string{
		"/wiki/rest/api/group/" + groupA + "/membersByGroupId?limit=2&start=0",
		"/wiki/rest/api/group/" + groupA + "/membersByGroupId?next=true&limit=2&start=2", // _links.next followed
		"/wiki/rest/api/group/" + groupA + "/membersByGroupId?limit=2&start=4",           // next missing on a full page: go on
		"/wiki/rest/api/group/" + unknown + "/membersByGroupId?limit=2&start=0",          // short (empty) page: stop
		"/wiki/rest/api/group/" + groupC + "/membersByGroupId?limit=2&start=0",
		"/wiki/rest/api/group/" + groupC + "/membersByGroupId?next=true&limit=2&start=2", // empty page: stop
	})

	var ids []identity.Identity
	var notes []string
	for i, p := range pages {
		is.Equal(p.Number, i+1)
		ids = append(ids, p.Identities...)
		notes = append(notes, p.Notes...)
		is.Equal(len(p.Raw), len(p.Identities))
		is.True(p.MaxUpdated.IsZero())
	}
	is.Equal(len(ids), 6) // Warren appears in two groups but once here
	is.Equal(ids[0].DisplayName, "Warren Chen")
	is.Equal(ids[1].Email, "klesh.wong@acme.example")
	is.True(ids[2].IsServiceAccount)     // accountType app
	is.Equal(ids[3].DisplayName, "jilu") // publicName when displayName is empty
	is.Equal(ids[4].DisplayName, "Дмитрий Иванов")
	is.Equal(ids[5].ExternalID, "6002a1b2c3d4e5f6a7b8c9d0")
	for _, id := range ids {
		is.NoErr(id.Validate())
		is.Equal(id.Source, identity.SourceConfluence)
	}
	is.Equal(len(notes), 1)
	is.True(strings.Contains(notes[0], unknown))
	is.Equal(pages[0].Raw[0].Kind, "user")
}

func TestServerCapsLimit(t *testing.T) {
	is := is.New(t)
	b := setup(t, groupA)
	b.srv.override = func(w http.ResponseWriter, r *http.Request) bool {
		// Asked for 200, the server caps at 1 and omits next: a "short" page
		// by our limit is still full by the server's.
		start := r.URL.Query().Get("start")
		switch start {
		case "0", "1":
			_, _ = fmt.Fprintf(w, `{"results":[{"type":"known","accountId":"acc-%s","accountType":"atlassian","publicName":"p%s","displayName":"D %s"}],"start":%s,"limit":1,"size":1,"_links":{}}`, start, start, start, start)
		default:
			_, _ = w.Write([]byte(`{"results":[],"start":2,"limit":1,"size":0,"_links":{}}`))
		}
		return true
	}
	c, err := confluence.New(confluence.Config{BaseURL: b.srv.srv.URL, GroupIDs: []string{groupA}, Email: testEmail, APIToken: testToken}, confluence.Options{})
	is.NoErr(err)
	pages, err := collect(t, c)
	is.NoErr(err)
	is.Equal(len(pages), 2)
	is.Equal(len(b.srv.paths()), 3)
}

func TestRetriesAndErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		first     func(w http.ResponseWriter)
		wantSleep time.Duration
		wantErr   int
	}{
		{"429 with Retry-After", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusTooManyRequests)
		}, 5 * time.Second, 0},
		{"503 then success", func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }, -1, 0},
		{"truncated JSON", func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"results":[{"type":"known","accountId":"5ecf`)) }, -1, 0},
		{"403 fails fast", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"statusCode":403,"message":"not permitted"}`))
		}, 0, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			b := setup(t, groupC)
			var once sync.Once
			b.srv.override = func(w http.ResponseWriter, r *http.Request) bool {
				handled := false
				once.Do(func() { tt.first(w); handled = true })
				return handled
			}
			pages, err := collect(t, b.client)
			if tt.wantErr != 0 {
				var apiErr *httpx.APIError
				is.True(errors.As(err, &apiErr))
				is.Equal(apiErr.Status, tt.wantErr)
				is.Equal(len(b.srv.paths()), 1)
				is.True(!strings.Contains(err.Error(), testToken))
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

func TestBadCredentials(t *testing.T) {
	is := is.New(t)
	s := newServer(t)
	c, err := confluence.New(confluence.Config{BaseURL: s.srv.URL, GroupIDs: []string{groupA}, Email: testEmail, APIToken: "ATATT-wrong-secret"}, confluence.Options{})
	is.NoErr(err)
	_, err = collect(t, c)
	var apiErr *httpx.APIError
	is.True(errors.As(err, &apiErr))
	is.Equal(apiErr.Status, http.StatusUnauthorized)
	is.True(!strings.Contains(err.Error(), "ATATT-wrong-secret"))
	is.Equal(len(s.paths()), 1)
}

func TestWrongStream(t *testing.T) {
	is := is.New(t)
	b := setup(t, groupA)
	for _, err := range b.client.Fetch(context.Background(), connectors.FetchRequest{Stream: connectors.StreamUsers}) {
		is.True(errors.Is(err, identity.ErrInvalid))
	}
}
