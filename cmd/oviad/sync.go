package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ovia-hq/ovia"
	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
)

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressPrinter shows sync progress: one self-updating line per stream
// on a terminal, plain lines otherwise.
type progressPrinter struct {
	w       io.Writer
	tty     bool
	retries func() float64
	last    time.Time
}

func (p *progressPrinter) print(pr connectors.Progress) {
	rate := 0.0
	if s := pr.Elapsed.Seconds(); s > 0 {
		rate = float64(pr.Items) / s
	}
	line := fmt.Sprintf("%-24s page %5d  %8d items  %7.0f items/s  %4.0f retries", fmt.Sprintf("%s/%s", pr.Key.Source, pr.Key.Stream),
		pr.Page, pr.Items, rate, p.retries())
	switch {
	case p.tty && pr.Finished:
		fmt.Fprintf(p.w, "\r%s  done in %s\n", line, pr.Elapsed.Round(time.Millisecond))
	case p.tty:
		fmt.Fprintf(p.w, "\r%s", line)
	case pr.Finished:
		fmt.Fprintf(p.w, "%s  done in %s\n", line, pr.Elapsed.Round(time.Millisecond))
	default:
		// Plain output: one line per page is too chatty for big syncs;
		// print at most one line a second per run.
		if time.Since(p.last) >= time.Second {
			fmt.Fprintln(p.w, line)
			p.last = time.Now()
		}
	}
	for _, n := range pr.Notes {
		if p.tty {
			fmt.Fprintln(p.w)
		}
		fmt.Fprintf(p.w, "note: %s\n", n)
	}
}

// counterSum adds up every series of a counter in reg.
func counterSum(reg *prometheus.Registry, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		return 0
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

func parseSources(csv string) ([]identity.Source, error) {
	var out []identity.Source
	for _, s := range strings.Split(csv, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		src, err := identity.ParseSource(s)
		if err != nil {
			return nil, fmt.Errorf("%w: --source: %v", errUsage, err)
		}
		out = append(out, src)
	}
	return out, nil
}

var knownStreams = []connectors.Stream{connectors.StreamUsers, connectors.StreamIssues, connectors.StreamMergeRequests,
	connectors.StreamPipelines, connectors.StreamDeployments, connectors.StreamGroupMembers}

func parseStreams(csv string) ([]connectors.Stream, error) {
	var out []connectors.Stream
	for _, s := range strings.Split(csv, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		ok := false
		for _, k := range knownStreams {
			if connectors.Stream(s) == k {
				ok = true
			}
		}
		if !ok {
			return nil, fmt.Errorf("%w: --stream: unknown stream %q (want users, issues, merge_requests, pipelines, deployments or group_members)", errUsage, s)
		}
		out = append(out, connectors.Stream(s))
	}
	return out, nil
}

// reportSync prints a summary and turns skipped or failed streams into the
// command's outcome.
func reportSync(w io.Writer, rep ovia.SyncReport) {
	for _, r := range rep.Streams {
		switch {
		case r.Skipped:
			fmt.Fprintf(w, "%s: skipped, lease held by %s\n", r.Key, r.HeldBy)
		case r.Err != nil:
			fmt.Fprintf(w, "%s: FAILED after %d pages: %v\n", r.Key, r.Pages, r.Err)
		}
	}
	if rep.Resolve != nil && rep.Resolve.Matching.Pending == 0 {
		fmt.Fprintf(w, "matching: %d identities, none new or changed: nothing to decide\n", rep.Resolve.Matching.Identities)
	} else if rep.Resolve != nil {
		m := rep.Resolve.Matching
		fmt.Fprintf(w, "matching: %d identities, %d decided: %d linked, %d queued for review, %d on their own; %d acted in synced records (co_occurrence evidence)\n",
			m.Identities, m.Pending, m.Auto, m.Conflict, m.Own, rep.Resolve.Active)
	}
}

func cmdSync(ctx context.Context, g globals, logger *slog.Logger, args []string, e env) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	source := fs.String("source", "", "only these sources (jira, gitlab, confluence; comma-separated)")
	stream := fs.String("stream", "", "only these streams (comma-separated)")
	skipMatch := fs.Bool("no-match", false, "do not run matching after the sync")
	owner := fs.String("owner", "", "lease owner name (default: host name and pid)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return fmt.Errorf("%w: sync [--source jira|gitlab|confluence] [--stream S] [--no-match]", errUsage)
	}
	only, err := parseSources(*source)
	if err != nil {
		return err
	}
	streams, err := parseStreams(*stream)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	srcs, err := ovia.SourcesFromEnv(e.getenv, ovia.SourceOptions{Logger: logger, Registerer: reg}, only...)
	if err != nil {
		return err
	}
	c, err := open(ctx, g, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	if *owner == "" {
		host, _ := os.Hostname()
		*owner = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	pp := &progressPrinter{w: e.stderr, tty: isTerminal(e.stderr), retries: func() float64 { return counterSum(reg, "ovia_connector_http_retries_total") }}
	rep, err := c.Sync(ctx, ovia.SyncRequest{OrgID: g.org, Sources: srcs, Streams: streams, Owner: *owner, Progress: pp.print, SkipMatch: *skipMatch})
	reportSync(e.stdout, rep)
	if err != nil {
		return err
	}
	for _, r := range rep.Streams {
		if r.Skipped {
			return errors.New("some streams were skipped: another replica is syncing them")
		}
	}
	return nil
}

func cmdMatch(ctx context.Context, g globals, logger *slog.Logger, args []string, e env) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: match takes no arguments", errUsage)
	}
	c, err := open(ctx, g, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	rep, err := c.Resolve(ctx, g.org)
	if err != nil {
		return err
	}
	reportSync(e.stdout, ovia.SyncReport{Resolve: &rep})
	a := rep.Applied
	ph, ms := rep.Phases, func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	fmt.Fprintf(e.stdout, "applied: %d new people, %d unchanged, %d human decisions kept, %d skipped (changed meanwhile), %d people archived; took %s (load %s, activity %s, matching %s, writing %s)\n",
		a.NewPeople, a.Unchanged, a.KeptHuman, a.Raced, a.Archived, ms(rep.Elapsed), ms(ph.Load), ms(ph.Activity), ms(ph.Match), ms(ph.Apply))
	return nil
}
