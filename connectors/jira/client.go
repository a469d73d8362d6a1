package jira

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	_ "time/tzdata" // JQL dates are read in the API user's zone; static images may lack zoneinfo.

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/internal/httpx"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// Options tune the HTTP behaviour and dependencies of a Client. The zero
// value is usable.
type Options struct {
	// Logger receives retry, rate-limit and paging warnings; nil discards.
	Logger *slog.Logger
	// Registerer receives HTTP metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// UserAgent defaults to "ovia/VERSION".
	UserAgent string
	// MaxRetries per request (0 → default 5, negative → none).
	MaxRetries int
	// MinBackoff and MaxBackoff bound exponential backoff (0 → defaults).
	MinBackoff, MaxBackoff time.Duration
	// Timeout bounds one HTTP attempt (0 → 60s).
	Timeout time.Duration
	// Transport replaces the HTTP transport (tests, proxies).
	Transport http.RoundTripper
	// Sleep waits between retries; tests inject a fast one.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock (first-sync window, fetched_at); nil → time.Now.
	Now func() time.Time
	// PageSize is maxResults for searches and users (0 → 100).
	PageSize int
	// Concurrency bounds parallel changelog requests per page (0 → 4).
	Concurrency int
}

// Client is a Jira Cloud connector. It implements connectors.Connector.
type Client struct {
	cfg  Config
	http *httpx.Client
	log  *slog.Logger
	now  func() time.Time
	size int
	conc int
}

var _ connectors.Connector = (*Client)(nil)

// New builds a Client for cfg (normally from ConfigFromEnv).
func New(cfg Config, o Options) (*Client, error) {
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("jira: %w", oviaerr.Invalid("base_url", "%s", err))
	}
	cfg.BaseURL = base
	basic := base64.StdEncoding.EncodeToString([]byte(cfg.Email + ":" + cfg.APIToken))
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hc, err := httpx.New(httpx.Options{
		Source:     string(identity.SourceJira),
		UserAgent:  o.UserAgent,
		Auth:       func(h http.Header) { h.Set("Authorization", "Basic "+basic) },
		Secrets:    []string{cfg.APIToken, basic},
		MaxRetries: o.MaxRetries,
		MinBackoff: o.MinBackoff,
		MaxBackoff: o.MaxBackoff,
		Timeout:    o.Timeout,
		Transport:  o.Transport,
		Logger:     log,
		Registerer: o.Registerer,
		Sleep:      o.Sleep,
		Now:        o.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("jira: %w", err)
	}
	c := &Client{cfg: cfg, http: hc, log: log.With("source", "jira"), now: o.Now, size: o.PageSize, conc: o.Concurrency}
	if c.now == nil {
		c.now = time.Now
	}
	if c.size <= 0 {
		c.size = 100
	}
	if c.conc <= 0 {
		c.conc = 4
	}
	return c, nil
}

// Source is identity.SourceJira.
func (c *Client) Source() identity.Source { return identity.SourceJira }

// Streams are users then issues.
func (c *Client) Streams() []connectors.Stream {
	return []connectors.Stream{connectors.StreamUsers, connectors.StreamIssues}
}

// Fetch yields pages of one stream: users (all users, startAt paging until
// an empty page) or issues (updated since req.Since, or the configured
// window on a first sync, oldest first, each with its full transition
// list).
func (c *Client) Fetch(ctx context.Context, req connectors.FetchRequest) iter.Seq2[connectors.Page, error] {
	return func(yield func(connectors.Page, error) bool) {
		var err error
		switch req.Stream {
		case connectors.StreamUsers:
			err = c.fetchUsers(ctx, yield)
		case connectors.StreamIssues:
			err = c.fetchIssues(ctx, req, yield)
		default:
			err = fmt.Errorf("jira: %w", oviaerr.Invalid("stream", "jira has no stream %q (want users or issues)", req.Stream))
		}
		if err != nil && !errors.Is(err, errStop) {
			yield(connectors.Page{}, err)
		}
	}
}

// errStop ends a fetch when the consumer stops iterating.
var errStop = errors.New("consumer stopped")

func (c *Client) url(path string, q url.Values) string {
	u := c.cfg.BaseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// apiUser is a Jira user as users/search, issue fields and changelog
// authors carry it.
type apiUser struct {
	AccountID    string `json:"accountId"`
	AccountType  string `json:"accountType"`
	DisplayName  string `json:"displayName"`
	EmailAddress string `json:"emailAddress"`
}

func (u apiUser) identity() identity.Identity {
	return identity.Identity{
		Source:           identity.SourceJira,
		ExternalID:       u.AccountID,
		Email:            u.EmailAddress,
		DisplayName:      u.DisplayName,
		IsServiceAccount: u.AccountType == "app",
	}
}

func (c *Client) fetchUsers(ctx context.Context, yield func(connectors.Page, error) bool) error {
	for start, num := 0, 1; ; num++ {
		q := url.Values{"startAt": {strconv.Itoa(start)}, "maxResults": {strconv.Itoa(c.size)}}
		var items []json.RawMessage
		if _, err := c.http.GetJSON(ctx, c.url("/rest/api/3/users/search", q), &items); err != nil {
			return fmt.Errorf("jira: list users page %d: %w", num, err)
		}
		if len(items) == 0 {
			return nil
		}
		page := connectors.Page{Number: num}
		fetched := c.now().UTC()
		for _, raw := range items {
			var u apiUser
			if err := json.Unmarshal(raw, &u); err != nil {
				return fmt.Errorf("jira: list users page %d: decode user: %w", num, err)
			}
			if u.AccountID == "" {
				continue
			}
			page.Identities = append(page.Identities, u.identity())
			page.Raw = append(page.Raw, rawPayload("user", u.AccountID, raw, fetched))
		}
		if !yield(page, nil) {
			return errStop
		}
		start += len(items)
	}
}

func rawPayload(kind, id string, b []byte, at time.Time) connectors.RawPayload {
	sum := sha256.Sum256(b)
	return connectors.RawPayload{
		Source:     identity.SourceJira,
		Kind:       kind,
		ExternalID: id,
		Payload:    b,
		SHA256:     hex.EncodeToString(sum[:]),
		FetchedAt:  at,
	}
}

// jiraTimeLayouts are the timestamp forms Jira sends.
var jiraTimeLayouts = []string{"2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700", time.RFC3339Nano, "2006-01-02"}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range jiraTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func timePtr(s string) *time.Time {
	if t, ok := parseTime(s); ok {
		return &t
	}
	return nil
}
