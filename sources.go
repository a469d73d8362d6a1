package ovia

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/confluence"
	"github.com/ovia-hq/ovia/connectors/gitlab"
	"github.com/ovia-hq/ovia/connectors/jira"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// SourceOptions are shared by every connector built from the environment.
type SourceOptions struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// ErrNoSources: no source is configured (no JIRA_*, GITLAB_* or
// CONFLUENCE_* variable set). It matches ErrInvalid.
var ErrNoSources = fmt.Errorf("no source configured: set JIRA_*, GITLAB_* or CONFLUENCE_* variables (see docs/configuration.md): %w", oviaerr.ErrInvalid)

// SourcesFromEnv builds a connector for every configured source, in the
// order jira, gitlab, confluence. A source with none of its variables set
// is left out; a misconfigured one fails with an error naming the
// variable. only, if given, restricts the result to those sources.
func SourcesFromEnv(getenv func(string) string, o SourceOptions, only ...identity.Source) ([]connectors.Connector, error) {
	want := func(s identity.Source) bool {
		if len(only) == 0 {
			return true
		}
		for _, o := range only {
			if o == s {
				return true
			}
		}
		return false
	}
	ua := "ovia/" + Version
	var out []connectors.Connector
	var errs []error
	if want(identity.SourceJira) {
		cfg, ok, err := jira.ConfigFromEnv(getenv)
		switch {
		case err != nil:
			errs = append(errs, err) // already says "jira: …" and names the variable
		case ok:
			c, err := jira.New(cfg, jira.Options{Logger: o.Logger, Registerer: o.Registerer, UserAgent: ua})
			if err != nil {
				errs = append(errs, err)
			} else {
				out = append(out, c)
			}
		}
	}
	if want(identity.SourceGitLab) {
		cfg, ok, err := gitlab.ConfigFromEnv(getenv)
		switch {
		case err != nil:
			errs = append(errs, err)
		case ok:
			c, err := gitlab.New(cfg, gitlab.Options{Logger: o.Logger, Registerer: o.Registerer, UserAgent: ua})
			if err != nil {
				errs = append(errs, err)
			} else {
				out = append(out, c)
			}
		}
	}
	if want(identity.SourceConfluence) {
		cfg, ok, err := confluence.ConfigFromEnv(getenv)
		switch {
		case err != nil:
			errs = append(errs, err)
		case ok:
			c, err := confluence.New(cfg, confluence.Options{Logger: o.Logger, Registerer: o.Registerer, UserAgent: ua})
			if err != nil {
				errs = append(errs, err)
			} else {
				out = append(out, c)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNoSources
	}
	return out, nil
}
