package gitlab_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors/gitlab"
	"github.com/ovia-hq/ovia/identity"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	full := func(over map[string]string) map[string]string {
		m := map[string]string{"GITLAB_BASE_URL": "https://gitlab.com", "GITLAB_TOKEN": "glpat-abc", "GITLAB_GROUP": "acme/platform"}
		for k, v := range over {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name           string
		env            map[string]string
		wantConfigured bool
		wantErrVar     string
	}{
		{"nothing set", map[string]string{"JIRA_BASE_URL": "https://x"}, false, ""},
		{"group", full(nil), true, ""},
		{"project ids", full(map[string]string{"GITLAB_GROUP": "", "GITLAB_PROJECT_IDS": " 12, 7 ,12"}), true, ""},
		{"missing token", full(map[string]string{"GITLAB_TOKEN": ""}), true, "GITLAB_TOKEN"},
		{"missing url", full(map[string]string{"GITLAB_BASE_URL": ""}), true, "GITLAB_BASE_URL"},
		{"bad url", full(map[string]string{"GITLAB_BASE_URL": "gitlab.com"}), true, "GITLAB_BASE_URL"},
		{"neither group nor projects", full(map[string]string{"GITLAB_GROUP": ""}), true, "GITLAB_GROUP"},
		{"non-numeric project id", full(map[string]string{"GITLAB_PROJECT_IDS": "12,acme/web"}), true, "GITLAB_PROJECT_IDS"},
		{"empty project id", full(map[string]string{"GITLAB_PROJECT_IDS": "12,,7"}), true, "GITLAB_PROJECT_IDS"},
		{"zero project id", full(map[string]string{"GITLAB_PROJECT_IDS": "0"}), true, "GITLAB_PROJECT_IDS"},
		{"bad window", full(map[string]string{"GITLAB_SYNC_WINDOW_DAYS": "0"}), true, "GITLAB_SYNC_WINDOW_DAYS"},
		{"only a token", map[string]string{"GITLAB_TOKEN": "glpat-abc"}, true, "GITLAB_BASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			_, configured, err := gitlab.ConfigFromEnv(env(tt.env))
			is.Equal(configured, tt.wantConfigured)
			if tt.wantErrVar == "" {
				is.NoErr(err)
				return
			}
			is.True(errors.Is(err, identity.ErrInvalid))
			var verr *identity.ValidationError
			is.True(errors.As(err, &verr))
			_, named := verr.Fields[tt.wantErrVar]
			is.True(named)
			is.True(strings.Contains(err.Error(), tt.wantErrVar))
			is.True(!strings.Contains(err.Error(), "glpat-abc"))
		})
	}
}

func TestConfigValues(t *testing.T) {
	is := is.New(t)
	cfg, ok, err := gitlab.ConfigFromEnv(env(map[string]string{
		"GITLAB_BASE_URL": "https://gitlab.acme.example/api/v4/", "GITLAB_TOKEN": "glpat-abc", "GITLAB_PROJECT_IDS": "12, 7,12", "GITLAB_GROUP": "/acme/",
	}))
	is.NoErr(err)
	is.True(ok)
	is.Equal(cfg.BaseURL, "https://gitlab.acme.example")
	is.Equal(cfg.ProjectIDs, []int64{12, 7})
	is.Equal(cfg.Group, "acme")
	is.Equal(cfg.SyncWindowDays, gitlab.DefaultSyncWindowDays)
}
