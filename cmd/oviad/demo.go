package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ovia-hq/ovia"
	"github.com/ovia-hq/ovia/connectors/fake"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/kpi"
	"github.com/ovia-hq/ovia/matching"
)

// demoEnv is the environment that points the real connectors at the fake
// upstreams.
func demoEnv(s *fake.Servers) map[string]string {
	spec := s.Org.Spec()
	groups := make([]string, 0, len(s.Org.Groups()))
	for _, g := range s.Org.Groups() {
		groups = append(groups, g.ID)
	}
	window := strconv.Itoa(spec.Months*31 + 7)
	return map[string]string{
		"JIRA_BASE_URL":           s.JiraURL,
		"JIRA_EMAIL":              fake.DefaultEmail,
		"JIRA_API_TOKEN":          fake.DefaultToken,
		"JIRA_PROJECT_KEYS":       strings.Join(spec.JiraProjects, ","),
		"JIRA_SYNC_WINDOW_DAYS":   window,
		"GITLAB_BASE_URL":         s.GitLabURL,
		"GITLAB_TOKEN":            fake.DefaultGitLabToken,
		"GITLAB_GROUP":            spec.GitLabGroup,
		"GITLAB_SYNC_WINDOW_DAYS": window,
		"CONFLUENCE_BASE_URL":     s.ConfluenceURL,
		"CONFLUENCE_GROUP_IDS":    strings.Join(groups, ","),
	}
}

// cmdDemo builds a complete, realistic installation with no credentials:
// fake Jira/GitLab/Confluence on loopback, the real connectors, sync,
// matching, weekly KPI snapshots over the history, then a summary.
func cmdDemo(ctx context.Context, g globals, logger *slog.Logger, args []string, e env) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	path := fs.String("file", "ovia-demo.db", "SQLite file to (re)create")
	seed := fs.Uint64("seed", 1, "seed of the generated org")
	people := fs.Int("people", 60, "people in the generated org")
	issues := fs.Int("issues", 4000, "Jira issues in the generated org")
	months := fs.Int("months", 6, "months of history")
	keep := fs.Bool("keep", false, "keep an existing demo file (incremental re-sync) instead of recreating it")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return fmt.Errorf("%w: demo [--file ovia-demo.db] [--seed N] [--people N] [--issues N] [--months N] [--keep]", errUsage)
	}
	if *people < 1 || *issues < 1 || *months < 1 || *months > 36 {
		return fmt.Errorf("%w: demo: --people and --issues must be positive, --months between 1 and 36", errUsage)
	}
	start := time.Now()
	if !*keep {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(*path + suffix); err != nil && !errors.Is(err, errNotExist) {
				return fmt.Errorf("demo: %w", err)
			}
		}
	}
	now := time.Now().UTC().Truncate(time.Minute)
	fmt.Fprintf(e.stdout, "Generating a demo org (seed %d): %d people, %d issues over %d months…\n", *seed, *people, *issues, *months)
	org := fake.Generate(fake.OrgSpec{Seed: *seed, People: *people, Issues: *issues, Months: *months, Now: now})
	// A self-managed GitLab budget: gitlab.com's 2,000 a minute would make
	// the client wait for the window to reset mid-demo (it does so correctly).
	srv := fake.Start(org, fake.Options{GitLabRateLimit: 1_000_000})
	defer srv.Close()
	cnt := org.Counts()
	fmt.Fprintf(e.stdout, "Fake Jira and Confluence at %s, fake GitLab at %s (loopback only)\n", srv.JiraURL, srv.GitLabURL)
	fmt.Fprintf(e.stdout, "  %d accounts (%d bots), %d issues (%d incidents), %d sprints, %d MRs, %d pipelines, %d deployments\n\n",
		cnt.Accounts, cnt.Bots, cnt.Issues, cnt.Incidents, cnt.Sprints, cnt.MergeRequests, cnt.Pipelines, cnt.Deployments)

	vars := demoEnv(srv)
	reg := prometheus.NewRegistry()
	srcs, err := ovia.SourcesFromEnv(func(k string) string { return vars[k] }, ovia.SourceOptions{Logger: logger, Registerer: reg})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	c, err := ovia.Open(ctx, "sqlite:"+*path, ovia.WithLogger(logger))
	if err != nil {
		return err
	}
	defer c.Close()
	pp := &progressPrinter{w: e.stderr, tty: isTerminal(e.stderr), retries: func() float64 { return counterSum(reg, "ovia_connector_http_retries_total") }}
	fmt.Fprintln(e.stdout, "Syncing with the real connectors:")
	rep, err := c.Sync(ctx, ovia.SyncRequest{OrgID: g.org, Sources: srcs, Owner: "demo", Progress: pp.print})
	reportSync(e.stdout, rep)
	if err != nil {
		return err
	}

	// Weekly snapshots over the history, so trends exist, plus 30/90 days.
	weeks := 0
	for end := kpi.Last7Days(now).End; end.After(now.AddDate(0, -*months, 0)); end = end.AddDate(0, 0, -7) {
		if _, err := c.ComputeKPI(ctx, ovia.KPIRequest{OrgID: g.org, Period: kpi.Period{Start: end.AddDate(0, 0, -7), End: end}}); err != nil {
			return err
		}
		weeks++
	}
	for _, p := range []kpi.Period{kpi.Last30Days(now), kpi.Last90Days(now)} {
		if _, err := c.ComputeKPI(ctx, ovia.KPIRequest{OrgID: g.org, Period: p}); err != nil {
			return err
		}
	}
	for _, key := range org.Spec().JiraProjects {
		if _, err := c.ComputeKPI(ctx, ovia.KPIRequest{OrgID: g.org, Scope: kpi.Scope{Kind: kpi.ScopeProject, ID: key}, Period: kpi.Last30Days(now)}); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "Computed %d weekly snapshots, 30- and 90-day snapshots, and one per project.\n\n", weeks)
	latest, err := c.ComputeKPI(ctx, ovia.KPIRequest{OrgID: g.org, Period: kpi.Last30Days(now)})
	if err != nil {
		return err
	}
	printSnapshot(e.stdout, latest)
	fmt.Fprintln(e.stdout)
	truth := map[string]string{}
	for _, a := range org.Accounts("") {
		truth[string(a.Source)+"/"+a.ExternalID] = a.PersonID
	}
	if err := printQueueSummary(ctx, e.stdout, c, g.org, truth); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nDone in %s. The data is in %s: try\n  go run ./cmd/oviad --db %s kpi --period 90d\n  go run ./cmd/oviad --db %s identities export\n",
		time.Since(start).Round(100*time.Millisecond), *path, *path, *path)
	return nil
}

var errNotExist = fs.ErrNotExist // the flag set is named fs inside cmdDemo

// printQueueSummary shows the identity queue: counts by status, how the
// people found compare with the truth (source/external id → person; the
// fake org knows it), and the strongest open conflicts with the reason
// matching gave.
func printQueueSummary(ctx context.Context, w io.Writer, c *ovia.Client, org string, truth map[string]string) error {
	fmt.Fprintln(w, "Identity queue:")
	total := 0
	for _, st := range []identity.Status{identity.StatusAuto, identity.StatusConflict, identity.StatusConfirmed, identity.StatusRejected} {
		p, err := c.Identity().List(ctx, identity.MappingFilter{OrgID: org, Statuses: []identity.Status{st}, PerPage: 1})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-10s %5d\n", st, p.Total)
		total += p.Total
	}
	people, clusters, truePeople := map[string]bool{}, map[string]string{}, map[string]bool{}
	all, err := c.DB().Identity().LoadMatchState(ctx, org)
	if err != nil {
		return err
	}
	for _, m := range all.Mappings {
		if m.Link != nil {
			key := string(m.Identity.Source) + "/" + m.Identity.ExternalID
			people[m.Link.PersonID] = true
			clusters[key] = m.Link.PersonID
			truePeople[truth[key]] = true
		}
	}
	fmt.Fprintf(w, "  %d identities resolved to %d people (the fake org knows they are %d)\n", total, len(people), len(truePeople))
	s := matching.ScorePairs(clusters, truth)
	fmt.Fprintf(w, "  Against that truth, pair by pair, conflicts counted as suggested: precision %.3f, recall %.3f, F1 %.3f\n",
		s.Precision(), s.Recall(), s.F1())
	conf, err := c.Identity().List(ctx, identity.MappingFilter{OrgID: org, Statuses: []identity.Status{identity.StatusConflict}, Sort: identity.SortScore, Desc: true, PerPage: 5})
	if err != nil {
		return err
	}
	if len(conf.Items) > 0 {
		fmt.Fprintln(w, "  Strongest open conflicts (confirm, remap, split or reject them):")
	}
	for _, m := range conf.Items {
		var tr struct {
			Reason string `json:"reason"`
		}
		if m.Link != nil {
			_ = json.Unmarshal(m.Link.RuleTrace, &tr)
		}
		name := m.Identity.DisplayName
		if name == "" {
			name = m.Identity.Username
		}
		score := 0.0
		if m.Link != nil {
			score = m.Link.Score
		}
		fmt.Fprintf(w, "    %.2f  %-10s %-24s %s\n", score, m.Identity.Source, truncate(name, 24), truncate(tr.Reason, 90))
	}
	return nil
}
