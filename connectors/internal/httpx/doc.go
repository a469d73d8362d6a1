// Package httpx is the one HTTP client every Ovia connector uses (SPEC §5).
//
// It is built on go-retryablehttp: 429 and 5xx answers are retried with
// exponential backoff and full jitter, honouring Retry-After (seconds or an
// HTTP date) and the sources' rate-limit reset headers (Jira's
// X-RateLimit-Reset ISO time, GitLab's RateLimit-Reset epoch). Other 4xx
// answers fail fast with a typed *APIError. Bodies are read inside the
// retry loop, so a truncated or invalid JSON body from a flaky proxy is
// retried like a 503, a bounded number of times. Credentials are set by an
// injected function and scrubbed from every error and log line; metrics go
// to an injected prometheus.Registerer and logs to an injected slog.Logger.
// Sleeping is injectable so tests never wait for real.
package httpx
