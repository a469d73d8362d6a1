package confluence_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors/confluence"
	"github.com/ovia-hq/ovia/identity"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		env            map[string]string
		wantConfigured bool
		wantErrVar     string
		wantEmail      string
	}{
		{"nothing set", map[string]string{"JIRA_EMAIL": "a@acme.example", "JIRA_API_TOKEN": "t"}, false, "", ""},
		{"shares Jira credentials", map[string]string{"CONFLUENCE_BASE_URL": "https://acme.atlassian.net/wiki/", "CONFLUENCE_GROUP_IDS": "g1, g2", "JIRA_EMAIL": "jira@acme.example", "JIRA_API_TOKEN": "t"}, true, "", "jira@acme.example"},
		{"own credentials win", map[string]string{"CONFLUENCE_BASE_URL": "https://acme.atlassian.net", "CONFLUENCE_GROUP_IDS": "g1", "JIRA_EMAIL": "jira@acme.example", "JIRA_API_TOKEN": "t", "CONFLUENCE_EMAIL": "wiki@acme.example", "CONFLUENCE_API_TOKEN": "w"}, true, "", "wiki@acme.example"},
		{"no credentials at all", map[string]string{"CONFLUENCE_BASE_URL": "https://acme.atlassian.net", "CONFLUENCE_GROUP_IDS": "g1"}, true, "CONFLUENCE_API_TOKEN", ""},
		{"own email without own token", map[string]string{"CONFLUENCE_BASE_URL": "https://acme.atlassian.net", "CONFLUENCE_GROUP_IDS": "g1", "CONFLUENCE_EMAIL": "wiki@acme.example", "JIRA_API_TOKEN": "t"}, true, "CONFLUENCE_API_TOKEN", ""},
		{"missing groups", map[string]string{"CONFLUENCE_BASE_URL": "https://acme.atlassian.net", "JIRA_EMAIL": "a@acme.example", "JIRA_API_TOKEN": "t"}, true, "CONFLUENCE_GROUP_IDS", ""},
		{"empty group entry", map[string]string{"CONFLUENCE_BASE_URL": "https://acme.atlassian.net", "CONFLUENCE_GROUP_IDS": "g1,,g2", "JIRA_EMAIL": "a@acme.example", "JIRA_API_TOKEN": "t"}, true, "CONFLUENCE_GROUP_IDS", ""},
		{"bad url", map[string]string{"CONFLUENCE_BASE_URL": "ftp://acme", "CONFLUENCE_GROUP_IDS": "g1", "JIRA_EMAIL": "a@acme.example", "JIRA_API_TOKEN": "t"}, true, "CONFLUENCE_BASE_URL", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			cfg, configured, err := confluence.ConfigFromEnv(env(tt.env))
			is.Equal(configured, tt.wantConfigured)
			if tt.wantErrVar == "" {
				is.NoErr(err)
				is.Equal(cfg.Email, tt.wantEmail)
				if configured {
					is.Equal(cfg.BaseURL, "https://acme.atlassian.net")
				}
				return
			}
			is.True(errors.Is(err, identity.ErrInvalid))
			var verr *identity.ValidationError
			is.True(errors.As(err, &verr))
			_, named := verr.Fields[tt.wantErrVar]
			is.True(named)
			is.True(strings.Contains(err.Error(), tt.wantErrVar))
		})
	}
}
