package confluence

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
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/internal/httpx"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// MaxLimit is the largest page Confluence serves for group members.
const MaxLimit = 200

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
	// Now is the clock (fetched_at); nil → time.Now.
	Now func() time.Time
	// Limit is the page size (0 or more than MaxLimit → MaxLimit).
	Limit int
}

// Client is a Confluence Cloud connector. It implements
// connectors.Connector.
type Client struct {
	cfg   Config
	http  *httpx.Client
	log   *slog.Logger
	now   func() time.Time
	limit int
}

var _ connectors.Connector = (*Client)(nil)

// New builds a Client for cfg (normally from ConfigFromEnv).
func New(cfg Config, o Options) (*Client, error) {
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("confluence: %w", oviaerr.Invalid("base_url", "%s", err))
	}
	cfg.BaseURL = base
	basic := base64.StdEncoding.EncodeToString([]byte(cfg.Email + ":" + cfg.APIToken))
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hc, err := httpx.New(httpx.Options{
		Source:     string(identity.SourceConfluence),
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
		return nil, fmt.Errorf("confluence: %w", err)
	}
	c := &Client{cfg: cfg, http: hc, log: log.With("source", "confluence"), now: o.Now, limit: o.Limit}
	if c.now == nil {
		c.now = time.Now
	}
	if c.limit <= 0 || c.limit > MaxLimit {
		c.limit = MaxLimit
	}
	return c, nil
}

// Source is identity.SourceConfluence.
func (c *Client) Source() identity.Source { return identity.SourceConfluence }

// Streams is group_members.
func (c *Client) Streams() []connectors.Stream {
	return []connectors.Stream{connectors.StreamGroupMembers}
}

// Fetch yields the members of every configured group, one page per
// upstream page; a person in several groups appears once.
func (c *Client) Fetch(ctx context.Context, req connectors.FetchRequest) iter.Seq2[connectors.Page, error] {
	return func(yield func(connectors.Page, error) bool) {
		if req.Stream != connectors.StreamGroupMembers {
			yield(connectors.Page{}, fmt.Errorf("confluence: %w", oviaerr.Invalid("stream", "confluence has no stream %q (want group_members)", req.Stream)))
			return
		}
		if err := c.fetchMembers(ctx, yield); err != nil && !errors.Is(err, errStop) {
			yield(connectors.Page{}, err)
		}
	}
}

var errStop = errors.New("consumer stopped")

type membersPage struct {
	Results []json.RawMessage `json:"results"`
	Start   int               `json:"start"`
	Limit   int               `json:"limit"`
	Size    int               `json:"size"`
	Links   struct {
		Base    string `json:"base"`
		Context string `json:"context"`
		Next    string `json:"next"`
	} `json:"_links"`
}

type apiMember struct {
	Type        string `json:"type"`
	AccountID   string `json:"accountId"`
	AccountType string `json:"accountType"`
	Email       string `json:"email"`
	PublicName  string `json:"publicName"`
	DisplayName string `json:"displayName"`
}

func (m apiMember) identity() identity.Identity {
	name := m.DisplayName
	if name == "" {
		name = m.PublicName
	}
	return identity.Identity{
		Source:           identity.SourceConfluence,
		ExternalID:       m.AccountID,
		Email:            m.Email,
		DisplayName:      name,
		IsServiceAccount: m.AccountType == "app",
	}
}

func (c *Client) fetchMembers(ctx context.Context, yield func(connectors.Page, error) bool) error {
	num := 0
	seen := map[string]bool{}
	for _, gid := range c.cfg.GroupIDs {
		path := "/wiki/rest/api/group/" + url.PathEscape(gid) + "/membersByGroupId"
		next := c.cfg.BaseURL + path + "?" + url.Values{"start": {"0"}, "limit": {strconv.Itoa(c.limit)}}.Encode()
		start, pageInGroup := 0, 0
		visited := map[string]bool{}
		for next != "" {
			if visited[next] {
				return fmt.Errorf("confluence: members of group %s: next link repeats", gid)
			}
			visited[next] = true
			pageInGroup++
			var mp membersPage
			if _, err := c.http.GetJSON(ctx, next, &mp); err != nil {
				return fmt.Errorf("confluence: members of group %s page %d: %w", gid, pageInGroup, err)
			}
			page := connectors.Page{}
			if len(mp.Results) == 0 {
				if pageInGroup == 1 {
					num++
					page.Number = num
					page.Notes = append(page.Notes, fmt.Sprintf("confluence: group %s has no members (unknown group id?)", gid))
					c.log.Warn("confluence: group answered an empty first page", "group_id", gid)
					if !yield(page, nil) {
						return errStop
					}
				}
				break
			}
			fetched := c.now().UTC()
			for _, raw := range mp.Results {
				var m apiMember
				if err := json.Unmarshal(raw, &m); err != nil {
					return fmt.Errorf("confluence: members of group %s page %d: decode member: %w", gid, pageInGroup, err)
				}
				if m.AccountID == "" || seen[m.AccountID] {
					continue
				}
				seen[m.AccountID] = true
				page.Identities = append(page.Identities, m.identity())
				page.Raw = append(page.Raw, rawPayload(m.AccountID, raw, fetched))
			}
			if len(page.Identities) > 0 {
				num++
				page.Number = num
				if !yield(page, nil) {
					return errStop
				}
			}
			limit := c.limit
			if mp.Limit > 0 && mp.Limit < limit {
				limit = mp.Limit // the server may cap lower than asked
			}
			start += len(mp.Results)
			switch {
			case len(mp.Results) < limit:
				next = ""
			case mp.Links.Next != "":
				next = c.resolve(mp.Links.Next, path)
			default:
				// A full page without next: ask for the following one anyway.
				next = c.cfg.BaseURL + path + "?" + url.Values{"start": {strconv.Itoa(start)}, "limit": {strconv.Itoa(c.limit)}}.Encode()
			}
		}
	}
	return nil
}

// resolve turns _links.next (relative to /wiki, or absolute) into a URL on
// the configured site: credentials never go to a host the server names.
func (c *Client) resolve(next, path string) string {
	u, err := url.Parse(next)
	if err != nil {
		return ""
	}
	p := u.EscapedPath()
	if !strings.HasPrefix(p, "/wiki/") {
		p = "/wiki" + p
	}
	if !strings.HasSuffix(p, "/membersByGroupId") {
		p = path
	}
	return c.cfg.BaseURL + p + "?" + u.RawQuery
}

func rawPayload(id string, b []byte, at time.Time) connectors.RawPayload {
	sum := sha256.Sum256(b)
	return connectors.RawPayload{
		Source:     identity.SourceConfluence,
		Kind:       "user",
		ExternalID: id,
		Payload:    b,
		SHA256:     hex.EncodeToString(sum[:]),
		FetchedAt:  at,
	}
}
