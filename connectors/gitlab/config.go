package gitlab

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// Environment variables read by ConfigFromEnv.
const (
	EnvBaseURL        = "GITLAB_BASE_URL"
	EnvToken          = "GITLAB_TOKEN"
	EnvGroup          = "GITLAB_GROUP"
	EnvProjectIDs     = "GITLAB_PROJECT_IDS"
	EnvSyncWindowDays = "GITLAB_SYNC_WINDOW_DAYS"
)

// DefaultSyncWindowDays is how far back the first sync reads.
const DefaultSyncWindowDays = 7

// Config is a validated GitLab connection. At least one of Group and
// ProjectIDs is set; with both, the group's projects and the listed ones
// are synced.
type Config struct {
	// BaseURL is the GitLab root, e.g. https://gitlab.com (without /api/v4).
	BaseURL string
	// Token is a personal, group or project access token.
	Token string
	// Group is a group id or full path (e.g. acme/platform).
	Group string
	// ProjectIDs are numeric project ids.
	ProjectIDs []int64
	// SyncWindowDays bounds the first sync (FetchRequest.Since zero).
	SyncWindowDays int
}

// SyncWindow is SyncWindowDays as a duration (default 7 days).
func (c Config) SyncWindow() time.Duration {
	d := c.SyncWindowDays
	if d <= 0 {
		d = DefaultSyncWindowDays
	}
	return time.Duration(d) * 24 * time.Hour
}

// ConfigFromEnv reads GITLAB_* variables through getenv. It reports
// configured=false with no error when none is set, and an error wrapping
// identity.ErrInvalid (a *oviaerr.ValidationError keyed by variable name)
// when some are set but a required one is missing or a value is invalid.
func ConfigFromEnv(getenv func(string) string) (Config, bool, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	any := false
	for _, k := range []string{EnvBaseURL, EnvToken, EnvGroup, EnvProjectIDs, EnvSyncWindowDays} {
		if get(k) != "" {
			any = true
		}
	}
	if !any {
		return Config{}, false, nil
	}
	f := oviaerr.Fields{}
	cfg := Config{Token: get(EnvToken), Group: strings.Trim(get(EnvGroup), "/"), SyncWindowDays: DefaultSyncWindowDays}
	if base, err := ParseBaseURL(get(EnvBaseURL)); err != nil {
		f.Add(EnvBaseURL, "%s", err)
	} else {
		cfg.BaseURL = base
	}
	if cfg.Token == "" {
		f.Add(EnvToken, "required")
	} else if strings.ContainsAny(cfg.Token, " \t\r\n") {
		f.Add(EnvToken, "must not contain whitespace")
	}
	if v := get(EnvProjectIDs); v != "" {
		ids, err := ParseProjectIDs(v)
		if err != nil {
			f.Add(EnvProjectIDs, "%s", err)
		}
		cfg.ProjectIDs = ids
	}
	if cfg.Group == "" && get(EnvProjectIDs) == "" {
		f.Add(EnvGroup, "set %s or %s", EnvGroup, EnvProjectIDs)
	}
	if cfg.Group != "" && strings.ContainsAny(cfg.Group, " \t?#") {
		f.Add(EnvGroup, "%q is not a group id or path", cfg.Group)
	}
	if v := get(EnvSyncWindowDays); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			f.Add(EnvSyncWindowDays, "%q is not a whole number of days", v)
		case n <= 0 || n > 3650:
			f.Add(EnvSyncWindowDays, "must be between 1 and 3650, got %d", n)
		default:
			cfg.SyncWindowDays = n
		}
	}
	if err := f.Err(); err != nil {
		return Config{}, true, fmt.Errorf("gitlab: %w", err)
	}
	return cfg, true, nil
}

// ParseProjectIDs reads a CSV of positive numeric project ids; empty
// entries are errors, duplicates are dropped.
func ParseProjectIDs(csv string) ([]int64, error) {
	var ids []int64
	seen := map[int64]bool{}
	for i, part := range strings.Split(csv, ",") {
		p := strings.TrimSpace(part)
		if p == "" {
			return nil, fmt.Errorf("entry %d is empty", i+1)
		}
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a numeric project id", p)
		}
		if !seen[n] {
			seen[n] = true
			ids = append(ids, n)
		}
	}
	return ids, nil
}

// ParseBaseURL checks an http(s) GitLab URL and returns its root without a
// trailing slash or /api/v4 suffix.
func ParseBaseURL(raw string) (string, error) {
	if raw == "" {
		return "", fmt.Errorf("required (e.g. https://gitlab.com)")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("must not carry credentials, a query or a fragment")
	}
	p := strings.TrimRight(u.EscapedPath(), "/")
	p = strings.TrimSuffix(p, "/api/v4")
	return u.Scheme + "://" + u.Host + strings.TrimRight(p, "/"), nil
}
