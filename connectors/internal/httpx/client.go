package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/prometheus/client_golang/prometheus"
)

// Version is the Ovia version sent in the default User-Agent
// ("ovia/VERSION"); the build sets it with -ldflags -X.
var Version = "dev"

// Defaults applied by New for zero Options fields.
const (
	DefaultMaxRetries  = 5
	DefaultMinBackoff  = 500 * time.Millisecond
	DefaultMaxBackoff  = 30 * time.Second
	DefaultMaxWait     = 10 * time.Minute
	DefaultTimeout     = 60 * time.Second
	DefaultMaxBodySize = 256 << 20
)

// Options configure a Client. The zero value is usable.
type Options struct {
	// Source labels metrics and log lines ("jira", "gitlab", "confluence").
	Source string
	// UserAgent defaults to "ovia/" + Version.
	UserAgent string
	// Auth sets credentials on the headers of every attempt.
	Auth func(http.Header)
	// Secrets are strings (tokens, encoded credentials) scrubbed from every
	// error and log line.
	Secrets []string
	// MaxRetries bounds the retries of one request (for 429, 5xx,
	// transport errors and truncated bodies alike). 0 means
	// DefaultMaxRetries; negative means no retries.
	MaxRetries int
	// MinBackoff and MaxBackoff bound the exponential backoff used when the
	// server does not say how long to wait (0 → defaults).
	MinBackoff, MaxBackoff time.Duration
	// MaxWait caps a wait the server asks for (Retry-After, reset headers);
	// 0 → DefaultMaxWait.
	MaxWait time.Duration
	// Timeout bounds one attempt, body included (0 → DefaultTimeout).
	Timeout time.Duration
	// MaxBodySize bounds a response body (0 → DefaultMaxBodySize).
	MaxBodySize int64
	// Transport defaults to a clone of http.DefaultTransport.
	Transport http.RoundTripper
	// Logger receives retry and rate-limit lines; nil discards.
	Logger *slog.Logger
	// Registerer receives the client's metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// Sleep waits d or until ctx is done; tests inject a recorder.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used to read reset headers; nil → time.Now.
	Now func() time.Time
}

// Client is a retrying, rate-limit aware, credential-scrubbing HTTP client.
// It is safe for concurrent use.
type Client struct {
	o       Options
	hc      *http.Client
	log     *slog.Logger
	metrics *metrics

	mu         sync.Mutex
	pauseUntil time.Time
}

// Response is a completed answer with its whole body.
type Response struct {
	// StatusCode is the HTTP status (always 2xx: other answers are errors).
	StatusCode int
	// Header holds the answer's headers (paging links, rate-limit state).
	Header http.Header
	// Body is the whole body as received.
	Body []byte
	// Attempts is how many times the request was sent.
	Attempts int
}

// New builds a Client. It fails only if the metrics cannot be registered.
func New(o Options) (*Client, error) {
	if o.UserAgent == "" {
		o.UserAgent = "ovia/" + Version
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = DefaultMaxRetries
	} else if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = o.MinBackoff
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBodySize <= 0 {
		o.MaxBodySize = DefaultMaxBodySize
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Source == "" {
		o.Source = "unknown"
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	tr := o.Transport
	if tr == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{o: o, log: log.With("source", o.Source), metrics: m}
	c.hc = &http.Client{Transport: &countingTransport{next: tr, c: c}, Timeout: o.Timeout}
	return c, nil
}

// Get sends a GET and returns the whole answer. A non-2xx answer is an
// *APIError.
func (c *Client) Get(ctx context.Context, url string) (*Response, error) {
	return c.Do(ctx, http.MethodGet, url, nil, nil)
}

// Do sends a request (body may be nil; a non-nil body is sent as JSON) and
// returns the whole answer. A non-2xx answer is an *APIError.
func (c *Client) Do(ctx context.Context, method, url string, body []byte, header http.Header) (*Response, error) {
	return c.do(ctx, method, url, body, header, nil)
}

// GetJSON GETs url and decodes the JSON answer into v (a pointer). A body
// that is truncated or not valid JSON is retried like a 503; v is only
// written by a complete decode. The raw answer is returned too, so callers
// can keep payloads as received.
func (c *Client) GetJSON(ctx context.Context, url string, v any) (*Response, error) {
	return c.DoJSON(ctx, http.MethodGet, url, nil, v)
}

// DoJSON sends in (marshalled as JSON when non-nil) and decodes the answer
// into out like GetJSON.
func (c *Client) DoJSON(ctx context.Context, method, url string, in, out any) (*Response, error) {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode request: %w", method, RedactURL(url), err)
		}
		body = b
	}
	rv := reflect.ValueOf(out)
	if out == nil || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, fmt.Errorf("httpx: DoJSON needs a non-nil pointer, got %T", out)
	}
	decode := func(b []byte) error {
		fresh := reflect.New(rv.Type().Elem())
		if err := json.Unmarshal(b, fresh.Interface()); err != nil {
			var syn *json.SyntaxError
			if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) {
				return &bodyError{err: fmt.Errorf("invalid JSON: %w", err)}
			}
			return err
		}
		rv.Elem().Set(fresh.Elem())
		return nil
	}
	return c.do(ctx, method, url, body, nil, decode)
}

// GetWith GETs url and hands the whole body to parse inside the retry
// loop: a parse error wrapping ErrMalformed (or a JSON syntax error, or an
// unexpected EOF) retries the request like a 503; any other parse error
// fails at once. Use it with ScanObject/ScanArray to split big pages in one
// pass while keeping each item's bytes as received.
func (c *Client) GetWith(ctx context.Context, url string, parse func(body []byte) error) (*Response, error) {
	return c.DoWith(ctx, http.MethodGet, url, nil, parse)
}

// DoWith is GetWith for any method; in is marshalled as JSON when non-nil.
func (c *Client) DoWith(ctx context.Context, method, url string, in any, parse func(body []byte) error) (*Response, error) {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode request: %w", method, RedactURL(url), err)
		}
		body = b
	}
	return c.do(ctx, method, url, body, nil, func(b []byte) error {
		err := parse(b)
		var syn *json.SyntaxError
		if err != nil && (errors.Is(err, ErrMalformed) || errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF)) {
			return &bodyError{err: err}
		}
		return err
	})
}

// decodeError is a body that is valid JSON of the wrong shape: not
// retryable.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return "decode response: " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

func (c *Client) do(ctx context.Context, method, rawURL string, body []byte, header http.Header, decode func([]byte) error) (*Response, error) {
	if err := c.waitPause(ctx); err != nil {
		return nil, err
	}
	var rawBody any
	if body != nil {
		rawBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, rawURL, rawBody)
	if err != nil {
		return nil, &RequestError{Method: method, URL: RedactURL(rawURL), msg: "bad request: " + scrub(err.Error(), c.o.Secrets), err: err}
	}
	shownURL := redactURL(req.URL)
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("User-Agent", c.o.UserAgent)
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.o.Auth != nil {
		c.o.Auth(req.Header)
	}

	var got []byte
	var fatal error // a decode error that must not be retried
	req.SetResponseHandler(func(resp *http.Response) error {
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil // left for the error path, which reads an excerpt
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, c.o.MaxBodySize+1))
		if err != nil {
			return &bodyError{err: err}
		}
		if int64(len(b)) > c.o.MaxBodySize {
			fatal = fmt.Errorf("response body larger than %d bytes", c.o.MaxBodySize)
			return nil
		}
		if decode != nil {
			if err := decode(b); err != nil {
				var be *bodyError
				if errors.As(err, &be) {
					return err
				}
				fatal = &decodeError{err: err}
				return nil
			}
		}
		got = b
		return nil
	})

	attempts := 0
	rc := &retryablehttp.Client{
		HTTPClient:   c.hc,
		RetryMax:     c.o.MaxRetries,
		RetryWaitMin: c.o.MinBackoff,
		RetryWaitMax: c.o.MaxBackoff,
		RequestLogHook: func(_ retryablehttp.Logger, _ *http.Request, i int) {
			attempts = i + 1
		},
		CheckRetry: c.checkRetry,
		Backoff: func(_, _ time.Duration, i int, resp *http.Response) time.Duration {
			d, limited, reason := c.backoff(i, resp)
			c.metrics.retry(c.o.Source, reason)
			if limited {
				c.metrics.rateLimitWait(c.o.Source, d)
				c.log.LogAttrs(ctx, slog.LevelWarn, "rate limited, waiting",
					slog.String("method", method), slog.String("url", shownURL),
					slog.String("reason", reason), slog.Duration("wait", d), slog.Int("attempt", i+1))
			} else {
				c.log.LogAttrs(ctx, slog.LevelInfo, "retrying request",
					slog.String("method", method), slog.String("url", shownURL),
					slog.String("reason", reason), slog.Duration("wait", d), slog.Int("attempt", i+1))
			}
			_ = c.o.Sleep(ctx, d)
			return 0
		},
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	resp, err := rc.Do(req)
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s %s: %w", method, shownURL, ctxErr)
		}
		var be *bodyError
		msg := scrub(err.Error(), c.o.Secrets)
		if errors.As(err, &be) {
			msg = scrub(be.Error(), c.o.Secrets)
		} else if resp == nil {
			msg = scrub(transportMessage(err), c.o.Secrets)
		}
		return nil, &RequestError{Method: method, URL: shownURL, Attempts: attempts, msg: msg, err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		apiErr := &APIError{
			Status:      resp.StatusCode,
			Method:      method,
			URL:         shownURL,
			RequestID:   requestID(resp.Header),
			BodyExcerpt: excerpt(b, c.o.Secrets),
			Attempts:    attempts,
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			apiErr.RetryAfter, _ = c.headerWait(resp)
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "request failed",
			slog.String("method", method), slog.String("url", shownURL),
			slog.Int("status", resp.StatusCode), slog.String("request_id", apiErr.RequestID))
		return nil, apiErr
	}
	if fatal != nil {
		return nil, &RequestError{Method: method, URL: shownURL, Attempts: attempts, msg: scrub(fatal.Error(), c.o.Secrets), err: fatal}
	}
	c.notePause(resp)
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: got, Attempts: attempts}, nil
}

// transportMessage drops the URL that *url.Error repeats
// ("Get \"http://…\": dial tcp …" → "dial tcp …").
func transportMessage(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "\": "); i >= 0 {
		return msg[i+3:]
	}
	return msg
}

func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		var be *bodyError
		if errors.As(err, &be) {
			return true, err
		}
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	if resp == nil {
		return false, nil
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return true, nil
	}
	if resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented {
		return true, nil
	}
	return false, nil
}

// backoff decides the wait before retry i (0-based): the server's word
// when it gave one, else exponential backoff with full jitter.
func (c *Client) backoff(i int, resp *http.Response) (d time.Duration, rateLimited bool, reason string) {
	reason = "transport"
	if resp != nil {
		reason = strconv.Itoa(resp.StatusCode)
		if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			reason = "body"
		}
		if w, ok := c.headerWait(resp); ok {
			return w, true, reason
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			rateLimited = true
		}
	}
	return c.expBackoff(i), rateLimited, reason
}

func (c *Client) expBackoff(i int) time.Duration {
	d := c.o.MinBackoff
	for range min(i, 30) {
		d *= 2
		if d >= c.o.MaxBackoff {
			d = c.o.MaxBackoff
			break
		}
	}
	// Full jitter over the upper half keeps retries spread but bounded below.
	half := d / 2
	if half > 0 {
		d = half + time.Duration(rand.Int64N(int64(half)+1))
	}
	return d
}

// headerWait reads how long the server asked to wait: Retry-After
// (seconds or HTTP date), then Jira's X-RateLimit-Reset (ISO time), then
// GitLab's RateLimit-Reset (epoch seconds, when the answer is a 429 or the
// remaining budget is zero). The result is capped at MaxWait.
func (c *Client) headerWait(resp *http.Response) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	now := c.o.Now()
	h := resp.Header
	d, ok := time.Duration(0), false
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
			d, ok = time.Duration(secs*float64(time.Second)), true
		} else if t, err := http.ParseTime(v); err == nil {
			d, ok = t.Sub(now), true
		}
	}
	if !ok {
		if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
			if t, err := parseISO(v); err == nil {
				d, ok = t.Sub(now), true
			}
		}
	}
	if !ok && (resp.StatusCode == http.StatusTooManyRequests || h.Get("RateLimit-Remaining") == "0") {
		if v := strings.TrimSpace(h.Get("RateLimit-Reset")); v != "" {
			if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
				d, ok = time.Unix(secs, 0).Sub(now), true
			}
		}
	}
	if !ok {
		return 0, false
	}
	if d < 0 {
		d = 0
	}
	if d > c.o.MaxWait {
		d = c.o.MaxWait
	}
	return d, true
}

var isoLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z0700", "2006-01-02T15:04:05.000Z0700"}

func parseISO(v string) (time.Time, error) {
	var err error
	for _, l := range isoLayouts {
		var t time.Time
		if t, err = time.Parse(l, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// notePause remembers a successful answer that spent the whole budget
// (GitLab RateLimit-Remaining: 0), so the next request waits for the reset
// instead of earning a 429.
func (c *Client) notePause(resp *http.Response) {
	if resp.Header.Get("RateLimit-Remaining") != "0" {
		return
	}
	d, ok := c.headerWait(resp)
	if !ok || d <= 0 {
		return
	}
	c.mu.Lock()
	c.pauseUntil = c.o.Now().Add(d)
	c.mu.Unlock()
}

func (c *Client) waitPause(ctx context.Context) error {
	c.mu.Lock()
	until := c.pauseUntil
	c.pauseUntil = time.Time{}
	c.mu.Unlock()
	if until.IsZero() {
		return ctx.Err()
	}
	d := until.Sub(c.o.Now())
	if d <= 0 {
		return ctx.Err()
	}
	c.metrics.rateLimitWait(c.o.Source, d)
	c.log.LogAttrs(ctx, slog.LevelWarn, "rate limit budget spent, waiting for reset", slog.Duration("wait", d))
	return c.o.Sleep(ctx, d)
}

func requestID(h http.Header) string {
	for _, k := range []string{"X-Request-Id", "X-Arequestid", "Atl-Traceid", "X-Trace-Id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// NextLink returns the URL of the rel="next" entry of a Link header, or "".
func NextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			open, close := strings.Index(part, "<"), strings.Index(part, ">")
			if open != 0 || close < 0 {
				continue
			}
			for param := range strings.SplitSeq(part[close+1:], ";") {
				param = strings.TrimSpace(param)
				name, val, ok := strings.Cut(param, "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				for rel := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return part[1:close]
					}
				}
			}
		}
	}
	return ""
}

// countingTransport counts every attempt by status.
type countingTransport struct {
	next http.RoundTripper
	c    *Client
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	code := "error"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
	}
	t.c.metrics.request(t.c.o.Source, code)
	return resp, err
}
