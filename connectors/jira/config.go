package jira

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// Environment variables read by ConfigFromEnv.
const (
	EnvBaseURL          = "JIRA_BASE_URL"
	EnvEmail            = "JIRA_EMAIL"
	EnvAPIToken         = "JIRA_API_TOKEN"
	EnvProjectKeys      = "JIRA_PROJECT_KEYS"
	EnvSyncWindowDays   = "JIRA_SYNC_WINDOW_DAYS"
	EnvFieldStoryPoints = "JIRA_FIELD_STORY_POINTS"
	EnvFieldSprint      = "JIRA_FIELD_SPRINT"
	EnvFieldTeam        = "JIRA_FIELD_TEAM"
)

// DefaultSyncWindowDays is how far back the first sync reads.
const DefaultSyncWindowDays = 7

// Config is a validated Jira connection.
type Config struct {
	// BaseURL is the site, e.g. https://acme.atlassian.net (no trailing slash).
	BaseURL string
	// Email and APIToken are the basic-auth credentials.
	Email    string
	APIToken string
	// ProjectKeys are upper-case project keys, in the order given.
	ProjectKeys []string
	// SyncWindowDays bounds the first sync (FetchRequest.Since zero).
	SyncWindowDays int
	// FieldStoryPoints, FieldSprint and FieldTeam override field discovery
	// with custom field ids such as customfield_10016.
	FieldStoryPoints string
	FieldSprint      string
	FieldTeam        string
}

// SyncWindow is SyncWindowDays as a duration (default 7 days).
func (c Config) SyncWindow() time.Duration {
	d := c.SyncWindowDays
	if d <= 0 {
		d = DefaultSyncWindowDays
	}
	return time.Duration(d) * 24 * time.Hour
}

var (
	projectKeyRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]+$`)
	fieldIDRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]*$`)
)

// ConfigFromEnv reads JIRA_* variables through getenv. It reports
// configured=false with no error when no Jira variable is set, and an error
// wrapping identity.ErrInvalid (a *oviaerr.ValidationError keyed by
// variable name) when some are set but a required one is missing or a value
// is invalid. JIRA_EMAIL and JIRA_API_TOKEN alone do not make Jira
// configured when CONFLUENCE_BASE_URL is set: Confluence shares them.
func ConfigFromEnv(getenv func(string) string) (Config, bool, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	all := []string{EnvBaseURL, EnvEmail, EnvAPIToken, EnvProjectKeys, EnvSyncWindowDays, EnvFieldStoryPoints, EnvFieldSprint, EnvFieldTeam}
	var set []string
	for _, k := range all {
		if get(k) != "" {
			set = append(set, k)
		}
	}
	if len(set) == 0 {
		return Config{}, false, nil
	}
	if get("CONFLUENCE_BASE_URL") != "" && onlyCredentials(set) {
		return Config{}, false, nil
	}

	f := oviaerr.Fields{}
	cfg := Config{
		Email:            get(EnvEmail),
		APIToken:         get(EnvAPIToken),
		SyncWindowDays:   DefaultSyncWindowDays,
		FieldStoryPoints: get(EnvFieldStoryPoints),
		FieldSprint:      get(EnvFieldSprint),
		FieldTeam:        get(EnvFieldTeam),
	}
	if base, err := ParseBaseURL(get(EnvBaseURL)); err != nil {
		f.Add(EnvBaseURL, "%s", err)
	} else {
		cfg.BaseURL = base
	}
	if cfg.Email == "" {
		f.Add(EnvEmail, "required (the Atlassian account email of the API token)")
	} else if !strings.Contains(cfg.Email, "@") {
		f.Add(EnvEmail, "%q is not an email address", cfg.Email)
	}
	if cfg.APIToken == "" {
		f.Add(EnvAPIToken, "required")
	}
	keys, err := ParseProjectKeys(get(EnvProjectKeys))
	if err != nil {
		f.Add(EnvProjectKeys, "%s", err)
	}
	cfg.ProjectKeys = keys
	if v := get(EnvSyncWindowDays); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			f.Add(EnvSyncWindowDays, "%q is not a whole number of days", v)
		case n <= 0:
			f.Add(EnvSyncWindowDays, "must be positive, got %d", n)
		case n > 3650:
			f.Add(EnvSyncWindowDays, "must be at most 3650, got %d", n)
		default:
			cfg.SyncWindowDays = n
		}
	}
	for k, v := range map[string]string{EnvFieldStoryPoints: cfg.FieldStoryPoints, EnvFieldSprint: cfg.FieldSprint, EnvFieldTeam: cfg.FieldTeam} {
		if v != "" && !fieldIDRE.MatchString(v) {
			f.Add(k, "%q is not a field id (e.g. customfield_10016)", v)
		}
	}
	if err := f.Err(); err != nil {
		return Config{}, true, fmt.Errorf("jira: %w", err)
	}
	return cfg, true, nil
}

func onlyCredentials(set []string) bool {
	for _, k := range set {
		if k != EnvEmail && k != EnvAPIToken {
			return false
		}
	}
	return true
}

// ParseProjectKeys reads a CSV of project keys: each is trimmed and
// upper-cased and must match [A-Z][A-Z0-9_]+; empty entries and an empty
// list are errors. Duplicates are dropped.
func ParseProjectKeys(csv string) ([]string, error) {
	if strings.TrimSpace(csv) == "" {
		return nil, fmt.Errorf("required (comma-separated project keys, e.g. ENG,OPS)")
	}
	var keys []string
	seen := map[string]bool{}
	for i, part := range strings.Split(csv, ",") {
		k := strings.ToUpper(strings.TrimSpace(part))
		if k == "" {
			return nil, fmt.Errorf("entry %d is empty", i+1)
		}
		if !projectKeyRE.MatchString(k) {
			return nil, fmt.Errorf("%q is not a project key (want [A-Z][A-Z0-9_]+)", k)
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// ParseBaseURL checks an http(s) site URL and returns it without a trailing
// slash.
func ParseBaseURL(raw string) (string, error) {
	if raw == "" {
		return "", fmt.Errorf("required (e.g. https://acme.atlassian.net)")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("must not carry credentials, a query or a fragment")
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}
