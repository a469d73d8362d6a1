package jira_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors/jira"
	"github.com/ovia-hq/ovia/identity"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	full := func(over map[string]string) map[string]string {
		m := map[string]string{
			"JIRA_BASE_URL":     "https://acme.atlassian.net/",
			"JIRA_EMAIL":        "ovia-bot@acme.example",
			"JIRA_API_TOKEN":    "tok",
			"JIRA_PROJECT_KEYS": " ee, Ops_2 ,EE",
		}
		for k, v := range over {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name           string
		env            map[string]string
		wantConfigured bool
		wantErrVar     string // the variable the error must name
	}{
		{"nothing set", map[string]string{"GITLAB_TOKEN": "x"}, false, ""},
		{"blank values count as unset", map[string]string{"JIRA_BASE_URL": "  "}, false, ""},
		{"credentials shared with Confluence only", map[string]string{"JIRA_EMAIL": "a@b.c", "JIRA_API_TOKEN": "t", "CONFLUENCE_BASE_URL": "https://acme.atlassian.net/wiki"}, false, ""},
		{"complete", full(nil), true, ""},
		{"missing token", full(map[string]string{"JIRA_API_TOKEN": ""}), true, "JIRA_API_TOKEN"},
		{"only base url", map[string]string{"JIRA_BASE_URL": "https://acme.atlassian.net"}, true, "JIRA_EMAIL"},
		{"missing project keys", full(map[string]string{"JIRA_PROJECT_KEYS": ""}), true, "JIRA_PROJECT_KEYS"},
		{"empty project key entry", full(map[string]string{"JIRA_PROJECT_KEYS": "EE,,OPS"}), true, "JIRA_PROJECT_KEYS"},
		{"bad project key", full(map[string]string{"JIRA_PROJECT_KEYS": `EE,"X" OR 1=1`}), true, "JIRA_PROJECT_KEYS"},
		{"one-letter key", full(map[string]string{"JIRA_PROJECT_KEYS": "E"}), true, "JIRA_PROJECT_KEYS"},
		{"key starting with digit", full(map[string]string{"JIRA_PROJECT_KEYS": "1EE"}), true, "JIRA_PROJECT_KEYS"},
		{"bad url", full(map[string]string{"JIRA_BASE_URL": "acme.atlassian.net"}), true, "JIRA_BASE_URL"},
		{"url with credentials", full(map[string]string{"JIRA_BASE_URL": "https://u:p@acme.atlassian.net"}), true, "JIRA_BASE_URL"},
		{"non-numeric window", full(map[string]string{"JIRA_SYNC_WINDOW_DAYS": "a week"}), true, "JIRA_SYNC_WINDOW_DAYS"},
		{"zero window", full(map[string]string{"JIRA_SYNC_WINDOW_DAYS": "0"}), true, "JIRA_SYNC_WINDOW_DAYS"},
		{"negative window", full(map[string]string{"JIRA_SYNC_WINDOW_DAYS": "-3"}), true, "JIRA_SYNC_WINDOW_DAYS"},
		{"bad field override", full(map[string]string{"JIRA_FIELD_SPRINT": "custom field 1"}), true, "JIRA_FIELD_SPRINT"},
		{"bad email", full(map[string]string{"JIRA_EMAIL": "ovia-bot"}), true, "JIRA_EMAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			cfg, configured, err := jira.ConfigFromEnv(env(tt.env))
			is.Equal(configured, tt.wantConfigured)
			if tt.wantErrVar == "" {
				is.NoErr(err)
				return
			}
			is.True(err != nil)
			is.True(errors.Is(err, identity.ErrInvalid))
			var verr *identity.ValidationError
			is.True(errors.As(err, &verr))
			_, named := verr.Fields[tt.wantErrVar]
			is.True(named)
			is.True(strings.Contains(err.Error(), tt.wantErrVar))
			is.True(!strings.Contains(err.Error(), "tok\"")) // never the token value
			is.Equal(cfg.BaseURL, "")
		})
	}
}

func TestConfigValues(t *testing.T) {
	is := is.New(t)
	cfg, ok, err := jira.ConfigFromEnv(env(map[string]string{
		"JIRA_BASE_URL":           "https://acme.atlassian.net/",
		"JIRA_EMAIL":              "ovia-bot@acme.example",
		"JIRA_API_TOKEN":          "tok",
		"JIRA_PROJECT_KEYS":       " ee, Ops_2 ,EE",
		"JIRA_SYNC_WINDOW_DAYS":   "30",
		"JIRA_FIELD_STORY_POINTS": "customfield_10016",
	}))
	is.NoErr(err)
	is.True(ok)
	is.Equal(cfg.BaseURL, "https://acme.atlassian.net")
	is.Equal(cfg.ProjectKeys, []string{"EE", "OPS_2"})
	is.Equal(cfg.SyncWindowDays, 30)
	is.Equal(cfg.FieldStoryPoints, "customfield_10016")

	cfg, _, err = jira.ConfigFromEnv(env(map[string]string{
		"JIRA_BASE_URL": "https://acme.atlassian.net", "JIRA_EMAIL": "a@b.c", "JIRA_API_TOKEN": "t", "JIRA_PROJECT_KEYS": "EE",
	}))
	is.NoErr(err)
	is.Equal(cfg.SyncWindowDays, jira.DefaultSyncWindowDays)
}
