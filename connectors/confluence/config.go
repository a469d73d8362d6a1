package confluence

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// Environment variables read by ConfigFromEnv.
const (
	EnvBaseURL  = "CONFLUENCE_BASE_URL"
	EnvGroupIDs = "CONFLUENCE_GROUP_IDS"
	EnvEmail    = "CONFLUENCE_EMAIL"
	EnvAPIToken = "CONFLUENCE_API_TOKEN"
	// EnvJiraEmail and EnvJiraAPIToken are the shared credentials used
	// when Confluence has none of its own.
	EnvJiraEmail    = "JIRA_EMAIL"
	EnvJiraAPIToken = "JIRA_API_TOKEN"
)

// Config is a validated Confluence connection.
type Config struct {
	// BaseURL is the site root, e.g. https://acme.atlassian.net (a /wiki
	// suffix is removed; the API lives under /wiki).
	BaseURL string
	// GroupIDs are the groups whose members are synced.
	GroupIDs []string
	// Email and APIToken are the basic-auth credentials.
	Email    string
	APIToken string
}

// ConfigFromEnv reads CONFLUENCE_* variables (and the Jira credentials it
// shares) through getenv. It reports configured=false with no error when
// no CONFLUENCE_* variable is set, and an error wrapping
// identity.ErrInvalid naming the variable when some are set but a required
// one is missing or invalid.
func ConfigFromEnv(getenv func(string) string) (Config, bool, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	if get(EnvBaseURL) == "" && get(EnvGroupIDs) == "" && get(EnvEmail) == "" && get(EnvAPIToken) == "" {
		return Config{}, false, nil
	}
	f := oviaerr.Fields{}
	var cfg Config
	if base, err := ParseBaseURL(get(EnvBaseURL)); err != nil {
		f.Add(EnvBaseURL, "%s", err)
	} else {
		cfg.BaseURL = base
	}
	ids, err := ParseGroupIDs(get(EnvGroupIDs))
	if err != nil {
		f.Add(EnvGroupIDs, "%s", err)
	}
	cfg.GroupIDs = ids

	if get(EnvEmail) != "" || get(EnvAPIToken) != "" {
		cfg.Email, cfg.APIToken = get(EnvEmail), get(EnvAPIToken)
		if cfg.Email == "" {
			f.Add(EnvEmail, "required when %s is set", EnvAPIToken)
		}
		if cfg.APIToken == "" {
			f.Add(EnvAPIToken, "required when %s is set", EnvEmail)
		}
	} else {
		cfg.Email, cfg.APIToken = get(EnvJiraEmail), get(EnvJiraAPIToken)
		if cfg.Email == "" {
			f.Add(EnvEmail, "required (or share Jira's %s and %s)", EnvJiraEmail, EnvJiraAPIToken)
		}
		if cfg.APIToken == "" {
			f.Add(EnvAPIToken, "required (or share Jira's %s)", EnvJiraAPIToken)
		}
	}
	if cfg.Email != "" && !strings.Contains(cfg.Email, "@") {
		f.Add(EnvEmail, "%q is not an email address", cfg.Email)
	}
	if err := f.Err(); err != nil {
		return Config{}, true, fmt.Errorf("confluence: %w", err)
	}
	return cfg, true, nil
}

// ParseGroupIDs reads a CSV of group ids: trimmed, none empty, no
// whitespace or slashes inside; duplicates are dropped.
func ParseGroupIDs(csv string) ([]string, error) {
	if csv == "" {
		return nil, fmt.Errorf("required (comma-separated group ids)")
	}
	var ids []string
	seen := map[string]bool{}
	for i, part := range strings.Split(csv, ",") {
		id := strings.TrimSpace(part)
		if id == "" {
			return nil, fmt.Errorf("entry %d is empty", i+1)
		}
		if strings.ContainsAny(id, " \t/?#%") {
			return nil, fmt.Errorf("%q is not a group id", id)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// ParseBaseURL checks an http(s) site URL and returns it without a
// trailing slash or /wiki suffix.
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
	p := strings.TrimRight(u.EscapedPath(), "/")
	p = strings.TrimSuffix(p, "/wiki")
	return u.Scheme + "://" + u.Host + strings.TrimRight(p, "/"), nil
}
