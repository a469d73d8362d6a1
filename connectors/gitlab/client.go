package gitlab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

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
	// PerPage is per_page (0 → 100, GitLab's maximum).
	PerPage int
	// Concurrency bounds parallel follow-up requests (pipeline details,
	// deployment merge requests, merge request notes) per page (0 → 4).
	Concurrency int
	// SkipFirstReview leaves MergeRequest.FirstReviewAt empty instead of
	// reading each merge request's notes for its first review (one request
	// fewer per merge request with activity after creation; review latency
	// then falls back to merged_at − created_at).
	SkipFirstReview bool
	// SkipPipelineDetails keeps pipelines as the list gives them, without
	// started/finished times and duration (one request fewer per finished
	// pipeline).
	SkipPipelineDetails bool
	// SkipDeploymentMergeRequests leaves Deployment.MergeRequestIDs empty
	// instead of asking which MRs each successful production deployment
	// shipped.
	SkipDeploymentMergeRequests bool
	// EmbeddedIdentities puts the users embedded in merge requests,
	// pipelines and deployments (authors, mergers, reviewers) on their
	// pages as identities. They carry no email, so by default they are
	// left out and the users stream alone supplies GitLab identities: an
	// upsert of these would blank emails the users stream found.
	EmbeddedIdentities bool
}

// Client is a GitLab connector. It implements connectors.Connector.
type Client struct {
	cfg  Config
	o    Options
	http *httpx.Client
	log  *slog.Logger
	now  func() time.Time
}

var _ connectors.Connector = (*Client)(nil)

// New builds a Client for cfg (normally from ConfigFromEnv).
func New(cfg Config, o Options) (*Client, error) {
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("gitlab: %w", oviaerr.Invalid("base_url", "%s", err))
	}
	cfg.BaseURL = base
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	token := cfg.Token
	hc, err := httpx.New(httpx.Options{
		Source:     string(identity.SourceGitLab),
		UserAgent:  o.UserAgent,
		Auth:       func(h http.Header) { h.Set("PRIVATE-TOKEN", token) },
		Secrets:    []string{token},
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
		return nil, fmt.Errorf("gitlab: %w", err)
	}
	if o.PerPage <= 0 || o.PerPage > 100 {
		o.PerPage = 100
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	c := &Client{cfg: cfg, o: o, http: hc, log: log.With("source", "gitlab"), now: o.Now}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Source is identity.SourceGitLab.
func (c *Client) Source() identity.Source { return identity.SourceGitLab }

// Streams are users, merge_requests, pipelines and deployments. Projects
// are fetched as the other streams need them and emitted on their first
// page.
func (c *Client) Streams() []connectors.Stream {
	return []connectors.Stream{connectors.StreamUsers, connectors.StreamMergeRequests, connectors.StreamPipelines, connectors.StreamDeployments}
}

// Fetch yields pages of one stream. For merge requests, pipelines and
// deployments the first page holds the projects; then each project's items
// updated since req.Since (or the configured window on a first sync) come
// oldest first. Since items are ordered per project, only the pages of the
// last project carry MaxUpdated, and the final page carries the newest
// update of the whole run, so a cursor never skips a project's older
// items.
func (c *Client) Fetch(ctx context.Context, req connectors.FetchRequest) iter.Seq2[connectors.Page, error] {
	return func(yield func(connectors.Page, error) bool) {
		var err error
		switch req.Stream {
		case connectors.StreamUsers:
			err = c.fetchUsers(ctx, yield)
		case connectors.StreamMergeRequests, connectors.StreamPipelines, connectors.StreamDeployments:
			err = c.fetchProjectStream(ctx, req, yield)
		default:
			err = fmt.Errorf("gitlab: %w", oviaerr.Invalid("stream", "gitlab has no stream %q", req.Stream))
		}
		if err != nil && !errors.Is(err, errStop) {
			yield(connectors.Page{}, err)
		}
	}
}

var errStop = errors.New("consumer stopped")

func (c *Client) api(path string, q url.Values) string {
	u := c.cfg.BaseURL + "/api/v4" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// list reads every page of a GitLab list starting at first: it follows a
// Link rel="next" (keyset and offset lists) or else X-Next-Page, and
// never looks at X-Total or X-Total-Pages. fn gets each page's items.
func (c *Client) list(ctx context.Context, what, first string, fn func(n int, items []json.RawMessage) error) error {
	next := first
	seen := map[string]bool{}
	for n := 1; next != ""; n++ {
		if seen[next] {
			return fmt.Errorf("gitlab: %s page %d: next page link repeats", what, n)
		}
		seen[next] = true
		var items []json.RawMessage
		resp, err := c.http.GetWith(ctx, next, func(body []byte) error {
			items = items[:0]
			return httpx.ScanArray(body, func(item []byte) error {
				items = append(items, item)
				return nil
			})
		})
		if err != nil {
			return fmt.Errorf("gitlab: %s page %d: %w", what, n, err)
		}
		if err := fn(n, items); err != nil {
			return err
		}
		next, err = nextPage(next, resp.Header)
		if err != nil {
			return fmt.Errorf("gitlab: %s page %d: %w", what, n, err)
		}
	}
	return nil
}

// nextPage finds the URL of the page after cur.
func nextPage(cur string, h http.Header) (string, error) {
	if link := httpx.NextLink(h); link != "" {
		base, err := url.Parse(cur)
		if err != nil {
			return "", err
		}
		ref, err := url.Parse(link)
		if err != nil {
			return "", fmt.Errorf("bad Link header: %w", err)
		}
		next := base.ResolveReference(ref)
		// GitLab writes links with its external URL, which may differ from
		// the configured one (a proxy, an internal name); the token only
		// ever goes to the configured host.
		next.Scheme, next.Host, next.User = base.Scheme, base.Host, nil
		return next.String(), nil
	}
	np := h.Get("X-Next-Page")
	if np == "" {
		return "", nil
	}
	if _, err := strconv.Atoi(np); err != nil {
		return "", fmt.Errorf("bad X-Next-Page %q", np)
	}
	u, err := url.Parse(cur)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("page", np)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// apiUser is a user as /users, members and embedded authors carry it.
type apiUser struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	Name        string `json:"name"`
	State       string `json:"state"`
	Bot         bool   `json:"bot"`
	Email       string `json:"email"`
	PublicEmail string `json:"public_email"`
}

// botUsername matches the users GitLab creates for project and group
// access tokens.
var botUsername = regexp.MustCompile(`^(project|group)_\d+_bot(_[0-9a-f]+)?\d*$`)

func (u apiUser) identity() identity.Identity {
	email := u.Email
	if email == "" {
		email = u.PublicEmail
	}
	return identity.Identity{
		Source:           identity.SourceGitLab,
		ExternalID:       strconv.FormatInt(u.ID, 10),
		Username:         u.Username,
		Email:            email,
		DisplayName:      u.Name,
		IsServiceAccount: u.Bot || botUsername.MatchString(u.Username),
	}
}

// people collects the identities referenced by a page, once each.
type people struct {
	seen map[int64]bool
	list []identity.Identity
}

func newPeople() *people { return &people{seen: map[int64]bool{}} }

func (p *people) add(u *apiUser) string {
	if u == nil || u.ID == 0 {
		return ""
	}
	if !p.seen[u.ID] {
		p.seen[u.ID] = true
		p.list = append(p.list, u.identity())
	}
	return strconv.FormatInt(u.ID, 10)
}

func rawPayload(kind, id string, b []byte, at time.Time) connectors.RawPayload {
	sum := sha256.Sum256(b)
	return connectors.RawPayload{
		Source:     identity.SourceGitLab,
		Kind:       kind,
		ExternalID: id,
		Payload:    b,
		SHA256:     hex.EncodeToString(sum[:]),
		FetchedAt:  at,
	}
}

func parseTime(s *string) (time.Time, bool) {
	if s == nil || *s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func timePtr(s *string) *time.Time {
	if t, ok := parseTime(s); ok {
		return &t
	}
	return nil
}

func (c *Client) fetchUsers(ctx context.Context, yield func(connectors.Page, error) bool) error {
	var me struct {
		IsAdmin bool `json:"is_admin"`
	}
	if _, err := c.http.GetJSON(ctx, c.api("/user", nil), &me); err != nil {
		return fmt.Errorf("gitlab: read token user: %w", err)
	}
	num := 0
	seen := map[int64]bool{}
	emit := func(_ int, items []json.RawMessage) error {
		page := connectors.Page{}
		fetched := c.now().UTC()
		for _, raw := range items {
			var u apiUser
			if err := json.Unmarshal(raw, &u); err != nil {
				return fmt.Errorf("gitlab: decode user: %w", err)
			}
			if u.ID == 0 || seen[u.ID] {
				continue
			}
			seen[u.ID] = true
			id := u.identity()
			page.Identities = append(page.Identities, id)
			page.Raw = append(page.Raw, rawPayload("user", id.ExternalID, raw, fetched))
		}
		if len(page.Identities) == 0 {
			return nil
		}
		num++
		page.Number = num
		if !yield(page, nil) {
			return errStop
		}
		return nil
	}
	per := strconv.Itoa(c.o.PerPage)
	if me.IsAdmin {
		q := url.Values{"pagination": {"keyset"}, "order_by": {"id"}, "sort": {"asc"}, "per_page": {per}}
		return c.list(ctx, "list users", c.api("/users", q), emit)
	}
	if c.cfg.Group != "" {
		q := url.Values{"per_page": {per}}
		if err := c.list(ctx, "list group members", c.api("/groups/"+url.PathEscape(c.cfg.Group)+"/members/all", q), emit); err != nil {
			return err
		}
	}
	for _, id := range c.cfg.ProjectIDs {
		q := url.Values{"per_page": {per}}
		if err := c.list(ctx, fmt.Sprintf("list members of project %d", id), c.api(fmt.Sprintf("/projects/%d/members/all", id), q), emit); err != nil {
			return err
		}
	}
	return nil
}
