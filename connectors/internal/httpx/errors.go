package httpx

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// APIError is an upstream answer that is not a success: a 4xx other than
// 429 (returned at once), or a 429/5xx that outlived every retry. Its text
// never holds credentials: URL is redacted and BodyExcerpt is scrubbed.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Method is the request method.
	Method string
	// URL is the request URL without user info and with secret-looking
	// query parameters removed.
	URL string
	// RequestID is the upstream request id (X-Request-Id, X-Arequestid or
	// Atl-Traceid), when the answer carried one.
	RequestID string
	// BodyExcerpt is the start of the answer's body, secrets scrubbed.
	BodyExcerpt string
	// RetryAfter is the wait the server asked for on a rate-limited answer
	// that exhausted the retries; zero otherwise.
	RetryAfter time.Duration
	// Attempts is how many times the request was sent.
	Attempts int
}

// Error reads like "GET https://x/rest/api/3/myself: 401 Unauthorized
// (request id abc): {"message":"…"}".
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Status == http.StatusTooManyRequests {
		b.WriteString(": rate limited")
		if e.RetryAfter > 0 {
			fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
		}
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	if e.BodyExcerpt != "" {
		b.WriteString(": ")
		b.WriteString(e.BodyExcerpt)
	}
	return b.String()
}

// Temporary reports whether the failure was a rate limit or server error
// that may pass if the sync runs again later.
func (e *APIError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// RequestError is a failure without a usable HTTP answer: a transport
// error, or a body that stayed truncated or invalid after every retry. Its
// text is scrubbed of credentials; Unwrap gives the cause.
type RequestError struct {
	// Method is the request method.
	Method string
	// URL is the redacted request URL.
	URL string
	// Attempts is how many times the request was sent.
	Attempts int
	msg      string
	err      error
}

// Error names the request and the (scrubbed) cause.
func (e *RequestError) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("%s %s: %s (after %d attempts)", e.Method, e.URL, e.msg, e.Attempts)
	}
	return fmt.Sprintf("%s %s: %s", e.Method, e.URL, e.msg)
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.err }

// bodyError marks a body that could not be read or decoded: retryable.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "bad response body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// secretParams are query parameter names whose values are dropped from
// URLs shown in errors and logs.
var secretParams = []string{"token", "private_token", "access_token", "api_key", "apikey", "key", "password", "secret", "signature", "sig", "auth", "authorization", "client_secret", "job_token"}

// RedactURL removes user info and secret-looking query parameters from
// raw, so it can be shown in errors and logs.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable url>"
	}
	return redactURL(u)
}

func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	r := *u
	r.User = nil
	if r.RawQuery != "" {
		q := r.Query()
		for name := range q {
			if secretParam(name) {
				q.Set(name, "REDACTED")
			}
		}
		r.RawQuery = q.Encode()
	}
	return r.String()
}

func secretParam(name string) bool {
	ln := strings.ToLower(name)
	if strings.Contains(ln, "token") || strings.Contains(ln, "secret") || strings.Contains(ln, "password") {
		return true
	}
	for _, s := range secretParams {
		if ln == s {
			return true
		}
	}
	return false
}

// scrub replaces every secret in s.
func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "REDACTED")
		}
	}
	return s
}

func excerpt(b []byte, secrets []string) string {
	const max = 512
	s := strings.TrimSpace(string(b))
	s = scrub(s, secrets)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
