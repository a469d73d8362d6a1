package fake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Faults configures deterministic fault injection for one server.
// Requests are numbered from 1 in arrival order; "every N" faults hit
// requests N, 2N, 3N… With N ≥ 2 every fault is transient (the retried
// request is a different number), so a client that retries, dedups and
// follows the paging contract still ends with exactly the org's data; N = 1
// faults every request, to test that a client gives up. Keep bursts
// shorter than the client's retry budget.
type Faults struct {
	// RateLimitEvery answers every Nth request 429 with Retry-After.
	RateLimitEvery int
	// RetryAfter is the Retry-After value, rounded up to whole seconds
	// ("0" when zero, so tests do not wait).
	RetryAfter time.Duration
	// OmitRetryAfter sends 429s with no Retry-After and no rate-limit
	// headers at all (GitLab does this at times): back off anyway.
	OmitRetryAfter bool
	// ServerErrorEvery starts a burst of 5xx answers at every Nth request.
	ServerErrorEvery int
	// ServerErrorBurst is how many consecutive requests the burst hits
	// (default 1; at or above ServerErrorEvery every request fails).
	ServerErrorBurst int
	// TruncateEvery cuts every Nth successful JSON body in half (200 OK,
	// consistent Content-Length, JSON ends early).
	TruncateEvery int
	// InvalidJSONEvery answers every Nth successful request 200 with a
	// body that is not JSON (an HTML error page from a proxy).
	InvalidJSONEvery int
	// SlowEvery delays every Nth request by SlowDelay (capped at 10s; the
	// delay ends early when the client gives up).
	SlowEvery int
	SlowDelay time.Duration
	// ChangeDuringSync updates one item while a listing is being paged,
	// once per listing kind per server: on Jira search an issue already
	// served moves to the end (updated bumps) and appears again on a later
	// page; on GitLab offset listings an item not yet served moves to the
	// end (bumping an already served one would make GitLab skip a row,
	// which no client can notice).
	ChangeDuringSync bool
	// DuplicateAcrossPages repeats the previous page's last item at the
	// start of every later page of Jira search and GitLab offset listings
	// (listings paged by a start index are left alone: a duplicate there
	// would shift the index and lose a row).
	DuplicateAcrossPages bool
	// NextLinkOnLastPage makes Confluence send _links.next on the last
	// page too, pointing at an empty page: stop on a short or empty page.
	NextLinkOnLastPage bool
}

func everyN(n, every int) bool { return every > 0 && n%every == 0 }

// Fault kinds as counted in Stats.Faults and LoggedRequest.Faults.
const (
	FaultRateLimit   = "rate_limit"
	FaultServerError = "server_error"
	FaultTruncate    = "truncate"
	FaultInvalidJSON = "invalid_json"
	FaultSlow        = "slow"
	FaultChange      = "change_during_sync"
	FaultDuplicate   = "duplicate"
)

// LoggedRequest is one request as the fake saw it.
type LoggedRequest struct {
	N      int
	Method string
	Path   string
	Query  string
	Route  string // the endpoint pattern, e.g. "GET /rest/api/3/search/jql"
	Status int
	Faults []string
}

// Stats are a server's counters since start (or the last ResetStats).
type Stats struct {
	Requests int
	ByRoute  map[string]int
	ByStatus map[int]int
	Faults   map[string]int
}

const logLimit = 20000

// server is what the three source servers share: numbering, faults,
// counters and the request log.
type server struct {
	n atomic.Int64

	mu      sync.Mutex
	faults  Faults
	stats   Stats
	log     []LoggedRequest
	changed map[string]bool
	frags   sync.Map // base URL → *fragments
}

func newServer(f Faults) *server {
	s := &server{faults: f}
	s.ResetStats()
	return s
}

// SetFaults replaces the fault configuration. Request numbering continues;
// once-per-server faults (ChangeDuringSync) are armed again.
func (s *server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.changed = nil
}

// Faults returns the current fault configuration.
func (s *server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Stats returns a copy of the counters.
func (s *server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Requests: s.stats.Requests, ByRoute: maps.Clone(s.stats.ByRoute),
		ByStatus: maps.Clone(s.stats.ByStatus), Faults: maps.Clone(s.stats.Faults)}
}

// Log returns the most recent requests (up to 20,000), oldest first.
func (s *server) Log() []LoggedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]LoggedRequest(nil), s.log...)
}

// ResetStats clears counters and the log (request numbering continues).
func (s *server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{ByRoute: map[string]int{}, ByStatus: map[int]int{}, Faults: map[string]int{}}
	s.log = nil
}

// call is one request in flight.
type call struct {
	s      *server
	n      int
	w      http.ResponseWriter
	r      *http.Request
	route  string
	frag   *fragments
	faults Faults
	status int
	fired  []string
	base   string // scheme://host of the request
	ended  bool
}

type callKey struct{}

func (s *server) begin(w http.ResponseWriter, r *http.Request) *call {
	s.mu.Lock()
	f := s.faults
	s.mu.Unlock()
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return &call{s: s, n: int(s.n.Add(1)), w: w, r: r, faults: f, base: scheme + "://" + r.Host}
}

func (c *call) fire(kind string) { c.fired = append(c.fired, kind) }

// end records the call once: before the body is written (so a client that
// has read the answer sees it counted) or when the handler returns.
func (c *call) end() {
	if c.ended {
		return
	}
	c.ended = true
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests++
	s.stats.ByRoute[c.route]++
	s.stats.ByStatus[c.status]++
	for _, f := range c.fired {
		s.stats.Faults[f]++
	}
	if len(s.log) >= logLimit {
		s.log = append(s.log[:0], s.log[logLimit/2:]...)
	}
	s.log = append(s.log, LoggedRequest{N: c.n, Method: c.r.Method, Path: c.r.URL.Path, Query: c.r.URL.RawQuery,
		Route: c.route, Status: c.status, Faults: c.fired})
}

// once reports whether a once-per-server fault of this kind may fire now.
func (c *call) once(kind string) bool {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed[kind] {
		return false
	}
	if s.changed == nil {
		s.changed = map[string]bool{}
	}
	s.changed[kind] = true
	return true
}

// preFaults applies the faults decided before the handler runs. It
// reports whether the request was answered already.
func (c *call) preFaults(rateLimitHeaders func(h http.Header, n int, limited bool)) bool {
	f := c.faults
	burst := max(f.ServerErrorBurst, 1)
	if f.ServerErrorEvery > 0 && c.n >= f.ServerErrorEvery && c.n%f.ServerErrorEvery < burst {
		c.fire(FaultServerError)
		code := []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}[c.n%3]
		c.text(code, "text/html", "<html><body><h1>"+strconv.Itoa(code)+" "+http.StatusText(code)+"</h1></body></html>")
		return true
	}
	if everyN(c.n, f.RateLimitEvery) {
		c.fire(FaultRateLimit)
		if !f.OmitRetryAfter {
			secs := int(math.Ceil(f.RetryAfter.Seconds()))
			c.w.Header().Set("Retry-After", strconv.Itoa(secs))
			if rateLimitHeaders != nil {
				rateLimitHeaders(c.w.Header(), c.n, true)
			}
		}
		c.text(http.StatusTooManyRequests, "application/json", `{"message":"Rate limit exceeded"}`)
		return true
	}
	if everyN(c.n, f.SlowEvery) && f.SlowDelay > 0 {
		c.fire(FaultSlow)
		t := time.NewTimer(min(f.SlowDelay, 10*time.Second))
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.r.Context().Done():
			c.status = 499
			return true
		}
	}
	if rateLimitHeaders != nil {
		rateLimitHeaders(c.w.Header(), c.n, false)
	}
	return false
}

func (c *call) text(status int, contentType, body string) {
	c.w.Header().Set("Content-Type", contentType)
	c.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	c.status = status
	c.end()
	c.w.WriteHeader(status)
	_, _ = c.w.Write([]byte(body))
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// json writes v with status, applying body faults to successful answers.
func (c *call) json(status int, v any) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() < 4<<20 {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		c.text(http.StatusInternalServerError, "text/plain", "fake: encode: "+err.Error())
		return
	}
	c.body(status, buf.Bytes())
}

// body writes an encoded JSON body, applying body faults to successful answers.
func (c *call) body(status int, body []byte) {
	if status == http.StatusOK {
		switch {
		case everyN(c.n, c.faults.InvalidJSONEvery):
			c.fire(FaultInvalidJSON)
			c.text(status, "application/json", "<!DOCTYPE html><html><head><title>Bad Gateway</title></head><body>upstream error</body></html>")
			return
		case everyN(c.n, c.faults.TruncateEvery):
			c.fire(FaultTruncate)
			body = body[:len(body)/2]
		}
	}
	c.w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	c.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	c.status = status
	c.end()
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

func (c *call) errorf(status int, format string, args ...any) {
	c.json(status, map[string]any{"message": fmt.Sprintf(format, args...)})
}

// intParam reads a non-negative integer query parameter.
func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a non-negative integer, got %q", name, v)
	}
	return n, nil
}

type fragKey struct{ kind, key string }

// fragments memoizes JSON fragments for one base URL.
type fragments struct {
	mu sync.RWMutex
	m  map[fragKey]json.RawMessage
}

// cached returns the JSON of build(), memoized per base URL, kind and key:
// users, statuses, sprints and the like repeat on every page, and encoding
// them once keeps pages cheap. Only immutable entities may be cached.
func (c *call) cached(kind, key string, build func() any) json.RawMessage {
	if c.frag == nil {
		v, ok := c.s.frags.Load(c.base)
		if !ok {
			v, _ = c.s.frags.LoadOrStore(c.base, &fragments{m: map[fragKey]json.RawMessage{}})
		}
		c.frag = v.(*fragments)
	}
	k := fragKey{kind, key}
	c.frag.mu.RLock()
	b, ok := c.frag.m[k]
	c.frag.mu.RUnlock()
	if ok {
		return b
	}
	v := build()
	b, err := json.Marshal(v)
	if err != nil || v == nil {
		b = []byte("null")
	}
	c.frag.mu.Lock()
	c.frag.m[k] = b
	c.frag.mu.Unlock()
	return b
}

// appendJSONString appends s as a JSON string (s is valid UTF-8).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 0x20 && ch != '"' && ch != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch ch {
		case '"', '\\':
			b = append(b, '\\', ch)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[ch>>4], "0123456789abcdef"[ch&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSON appends v: raw fragments as they are, strings directly, the
// rest through encoding/json.
func appendJSON(b []byte, v any) []byte {
	switch v := v.(type) {
	case json.RawMessage:
		if v == nil {
			return append(b, "null"...)
		}
		return append(b, v...)
	case string:
		return appendJSONString(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case float64:
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	m, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, m...)
}

// field appends "name":v to an object being written; first tracks commas.
func appendField(b []byte, first *bool, name string, v any) []byte {
	if !*first {
		b = append(b, ',')
	}
	*first = false
	b = appendJSONString(b, name)
	b = append(b, ':')
	return appendJSON(b, v)
}
