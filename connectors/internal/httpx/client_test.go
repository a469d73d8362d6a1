package httpx_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ovia-hq/ovia/connectors/internal/httpx"
)

const secret = "s3cr3t-T0KEN-value"

// sleeps records the waits the client asked for instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

type bundle struct {
	client *httpx.Client
	sleeps *sleeps
	logs   *bytes.Buffer
	reg    *prometheus.Registry
	now    time.Time
}

func setup(t *testing.T, maxRetries int) bundle {
	t.Helper()
	b := bundle{sleeps: &sleeps{}, logs: &bytes.Buffer{}, reg: prometheus.NewRegistry(), now: time.Date(2024, 5, 22, 12, 0, 0, 0, time.UTC)}
	c, err := httpx.New(httpx.Options{
		Source:     "jira",
		Auth:       func(h http.Header) { h.Set("PRIVATE-TOKEN", secret) },
		Secrets:    []string{secret},
		MaxRetries: maxRetries,
		MinBackoff: time.Millisecond,
		MaxBackoff: 4 * time.Millisecond,
		Logger:     slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Registerer: b.reg,
		Sleep:      b.sleeps.sleep,
		Now:        func() time.Time { return b.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	b.client = c
	return b
}

// script answers the n-th request with steps[n] (the last step repeats).
type step struct {
	status int
	header map[string]string
	body   string
}

func scripted(t *testing.T, steps ...step) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(steps) {
			i = len(steps) - 1
		}
		s := steps[i]
		for k, v := range s.header {
			w.Header().Set(k, v)
		}
		if s.status == 0 {
			s.status = 200
		}
		w.WriteHeader(s.status)
		_, _ = w.Write([]byte(s.body))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRetries(t *testing.T) {
	t.Parallel()
	ok := step{body: `{"name":"ok"}`}
	tests := []struct {
		name      string
		steps     []step
		wantCalls int32
		wantWaits []time.Duration // nil: only check count
		waitCount int
		reason    string
	}{
		{
			name:      "429 with Retry-After seconds",
			steps:     []step{{status: 429, header: map[string]string{"Retry-After": "30"}, body: `{"errorMessages":["Rate limit exceeded"]}`}, ok},
			wantCalls: 2, wantWaits: []time.Duration{30 * time.Second}, reason: "429",
		},
		{
			name:      "429 with Retry-After HTTP date",
			steps:     []step{{status: 429, header: map[string]string{"Retry-After": "Wed, 22 May 2024 12:00:45 GMT"}}, ok},
			wantCalls: 2, wantWaits: []time.Duration{45 * time.Second}, reason: "429",
		},
		{
			name:      "503 with Jira X-RateLimit-Reset",
			steps:     []step{{status: 503, header: map[string]string{"X-RateLimit-Reset": "2024-05-22T12:02Z"}}, ok},
			wantCalls: 2, wantWaits: []time.Duration{2 * time.Minute}, reason: "503",
		},
		{
			name:      "429 with GitLab RateLimit-Reset epoch",
			steps:     []step{{status: 429, header: map[string]string{"RateLimit-Remaining": "0", "RateLimit-Reset": fmt.Sprint(time.Date(2024, 5, 22, 12, 0, 10, 0, time.UTC).Unix())}}, ok},
			wantCalls: 2, wantWaits: []time.Duration{10 * time.Second}, reason: "429",
		},
		{
			name:      "429 with no headers still backs off",
			steps:     []step{{status: 429, body: "Retry later\n"}, ok},
			wantCalls: 2, waitCount: 1, reason: "429",
		},
		{
			name:      "503 burst then success",
			steps:     []step{{status: 503}, {status: 502}, {status: 500}, ok},
			wantCalls: 4, waitCount: 3, reason: "503",
		},
		{
			name:      "truncated JSON is retried",
			steps:     []step{{body: `{"name":"o`}, {body: `<html>proxy error</html>`}, ok},
			wantCalls: 3, waitCount: 2, reason: "body",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			b := setup(t, 4)
			srv, calls := scripted(t, tt.steps...)
			var v struct{ Name string }
			resp, err := b.client.GetJSON(context.Background(), srv.URL+"/rest/api/3/myself", &v)
			is.NoErr(err)
			is.Equal(v.Name, "ok")
			is.Equal(resp.Attempts, int(tt.wantCalls))
			is.Equal(calls.Load(), tt.wantCalls)
			waits := b.sleeps.all()
			if tt.wantWaits != nil {
				is.Equal(waits, tt.wantWaits)
			} else {
				is.Equal(len(waits), tt.waitCount)
				for _, w := range waits {
					is.True(w > 0 && w <= 4*time.Millisecond) // exponential backoff within bounds
				}
			}
			is.True(testutil.ToFloat64(mustCounter(t, b.reg, "ovia_connector_http_retries_total")) >= 1)
			is.True(!strings.Contains(b.logs.String(), secret))
		})
	}
}

func mustCounter(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "sum"})
	c.Add(total)
	return c
}

func TestFailFast(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
	}{
		{"401", http.StatusUnauthorized},
		{"403", http.StatusForbidden},
		{"404", http.StatusNotFound},
		{"410 old search endpoint", http.StatusGone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			b := setup(t, 4)
			// The body echoes the token, as some proxies do.
			srv, calls := scripted(t, step{status: tt.status, header: map[string]string{"X-Arequestid": "req-42"},
				body: `{"errorMessages":["Client must be authenticated; token ` + secret + ` rejected"]}`})
			var v map[string]any
			_, err := b.client.GetJSON(context.Background(), srv.URL+"/rest/api/3/issue/A-1?private_token="+secret+"&expand=x", &v)
			is.True(err != nil)
			var apiErr *httpx.APIError
			is.True(errors.As(err, &apiErr))
			is.Equal(apiErr.Status, tt.status)
			is.Equal(apiErr.Method, "GET")
			is.Equal(apiErr.RequestID, "req-42")
			is.Equal(calls.Load(), int32(1)) // no retry
			is.Equal(len(b.sleeps.all()), 0)
			is.True(strings.Contains(apiErr.BodyExcerpt, "Client must be authenticated"))
			is.True(!strings.Contains(err.Error(), secret))
			is.True(!strings.Contains(apiErr.URL, secret))
			is.True(strings.Contains(apiErr.URL, "expand=x"))
			is.True(!strings.Contains(b.logs.String(), secret))
		})
	}
}

func TestGivesUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		step    step
		wantAPI bool
	}{
		{"503 forever", step{status: 503, body: "unavailable"}, true},
		{"429 forever", step{status: 429, header: map[string]string{"Retry-After": "2"}}, true},
		{"truncated forever", step{body: `[{"id":1},{"id"`}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			b := setup(t, 3)
			srv, calls := scripted(t, tt.step)
			var v any
			_, err := b.client.GetJSON(context.Background(), srv.URL, &v)
			is.True(err != nil)
			is.Equal(calls.Load(), int32(4)) // 1 + 3 retries: bounded
			var apiErr *httpx.APIError
			is.Equal(errors.As(err, &apiErr), tt.wantAPI)
			if tt.wantAPI {
				is.Equal(apiErr.Attempts, 4)
				is.True(apiErr.Temporary())
			} else {
				var reqErr *httpx.RequestError
				is.True(errors.As(err, &reqErr))
				is.True(strings.Contains(err.Error(), "invalid JSON"))
			}
		})
	}
}

func TestWrongShapeIsNotRetried(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	b := setup(t, 3)
	srv, calls := scripted(t, step{body: `{"values":"not a list"}`})
	var v struct{ Values []int }
	_, err := b.client.GetJSON(context.Background(), srv.URL, &v)
	is.True(err != nil)
	is.Equal(calls.Load(), int32(1))
}

func TestHeadersAndPost(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	var got http.Header
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		b := new(bytes.Buffer)
		_, _ = b.ReadFrom(r.Body)
		body = b.String()
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	b := setup(t, 1)
	var out struct{ OK bool }
	_, err := b.client.DoJSON(context.Background(), http.MethodPost, srv.URL, map[string]string{"jql": "x"}, &out)
	is.NoErr(err)
	is.True(out.OK)
	is.True(strings.HasPrefix(got.Get("User-Agent"), "ovia/"))
	is.Equal(got.Get("PRIVATE-TOKEN"), secret)
	is.Equal(got.Get("Content-Type"), "application/json")
	is.Equal(body, `{"jql":"x"}`)
}

func TestContextCancel(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv, _ := scripted(t, step{status: 503})
	ctx, cancel := context.WithCancel(context.Background())
	c, err := httpx.New(httpx.Options{
		MinBackoff: time.Millisecond,
		Sleep: func(ctx context.Context, d time.Duration) error {
			cancel()
			return ctx.Err()
		},
	})
	is.NoErr(err)
	_, err = c.Get(ctx, srv.URL)
	is.True(errors.Is(err, context.Canceled))
}

func TestTimeoutPerAttempt(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	s := &sleeps{}
	c, err := httpx.New(httpx.Options{Timeout: 50 * time.Millisecond, Sleep: s.sleep, MinBackoff: time.Millisecond})
	is.NoErr(err)
	var v map[string]any
	_, err = c.GetJSON(context.Background(), srv.URL, &v)
	is.NoErr(err) // the slow first attempt timed out and was retried
	is.Equal(n.Load(), int32(2))
}

func TestRateLimitBudgetSpentPauses(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	b := setup(t, 1)
	reset := fmt.Sprint(b.now.Add(7 * time.Second).Unix())
	srv, _ := scripted(t, step{header: map[string]string{"RateLimit-Remaining": "0", "RateLimit-Reset": reset}, body: `{}`}, step{body: `{}`})
	_, err := b.client.Get(context.Background(), srv.URL)
	is.NoErr(err)
	_, err = b.client.Get(context.Background(), srv.URL)
	is.NoErr(err)
	is.Equal(b.sleeps.all(), []time.Duration{7 * time.Second})
}

func TestSharedRegistry(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	reg := prometheus.NewRegistry()
	_, err := httpx.New(httpx.Options{Source: "jira", Registerer: reg})
	is.NoErr(err)
	_, err = httpx.New(httpx.Options{Source: "gitlab", Registerer: reg})
	is.NoErr(err) // a second connector reuses the collectors
}

func TestNextLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, link, want string
	}{
		{"keyset", `<https://gitlab.example.com/api/v4/users?id_after=42&order_by=id&pagination=keyset&per_page=100&sort=asc>; rel="next"`, "https://gitlab.example.com/api/v4/users?id_after=42&order_by=id&pagination=keyset&per_page=100&sort=asc"},
		{"several", `<https://x/a?page=1>; rel="first", <https://x/a?page=3>; rel="next", <https://x/a?page=9>; rel="last"`, "https://x/a?page=3"},
		{"none", `<https://x/a?page=1>; rel="first"`, ""},
		{"empty", ``, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			h := http.Header{}
			if tt.link != "" {
				h.Set("Link", tt.link)
			}
			is.Equal(httpx.NextLink(h), tt.want)
		})
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	got := httpx.RedactURL("https://user:pw@gitlab.example.com/api/v4/users?private_token=abc123&page=2")
	is.True(!strings.Contains(got, "abc123"))
	is.True(!strings.Contains(got, "pw@"))
	is.True(strings.Contains(got, "page=2"))
}
