package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/ovia-hq/ovia"
	"github.com/ovia-hq/ovia/kpi"
)

func cmdKPI(ctx context.Context, g globals, logger *slog.Logger, args []string, e env) error {
	fs := flag.NewFlagSet("kpi", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	scopeFlag := fs.String("scope", "org", "org, team:NAME or project:KEY")
	periodFlag := fs.String("period", "7d", "7d, 30d, 90d, any Nd, or START/END (YYYY-MM-DD or RFC 3339)")
	asJSON := fs.Bool("json", false, "print the snapshot as JSON")
	dry := fs.Bool("dry-run", false, "compute without saving the snapshot")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return fmt.Errorf("%w: kpi [--scope org|team:NAME|project:KEY] [--period 7d|30d|90d|START/END] [--json] [--dry-run]", errUsage)
	}
	scope, err := kpi.ParseScope(*scopeFlag)
	if err != nil {
		return fmt.Errorf("--scope: %w", err)
	}
	c, err := open(ctx, g, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	period, err := kpi.ParsePeriod(*periodFlag, c.Now())
	if err != nil {
		return fmt.Errorf("--period: %w", err)
	}
	// A snapshot of a quiet period is history worth keeping; one of an org
	// that never synced anything is not: compute it, say so, keep nothing.
	streams, err := c.DB().Records().Watermarks(ctx, g.org)
	if err != nil {
		return err
	}
	neverSynced := len(streams) == 0
	snap, err := c.ComputeKPI(ctx, ovia.KPIRequest{OrgID: g.org, Scope: scope, Period: period, DryRun: *dry || neverSynced})
	if err != nil {
		return err
	}
	if neverSynced {
		fmt.Fprintf(e.stderr, "nothing has been synced for org %q yet (run oviad sync, or oviad demo): the snapshot was not saved\n", g.org)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(snap)
	}
	printSnapshot(e.stdout, snap)
	return nil
}

// fmtValue prints a nullable figure; null is an em dash, never 0.
func fmtValue(v kpi.Value, format string) string {
	if !v.Valid {
		return "—"
	}
	return fmt.Sprintf(format, v.V)
}

func band(b kpi.Band) string {
	if b == "" {
		return ""
	}
	return " [" + string(b) + "]"
}

// printSnapshot renders a snapshot as a readable table.
func printSnapshot(w io.Writer, s kpi.Snapshot) {
	fmt.Fprintf(w, "KPI snapshot · %s · %s → %s (%.0f days) · computed %s\n", s.Scope, s.Period.Start.Format("2006-01-02"),
		s.Period.End.Format("2006-01-02"), s.Period.Days(), s.ComputedAt.UTC().Format("2006-01-02 15:04 UTC"))
	if s.Empty {
		fmt.Fprintln(w, "no data in this scope and period: every figure is empty (sync first: oviad sync)")
	}
	row := func(name, value string) { fmt.Fprintf(w, "  %-24s %s\n", name, value) }
	row("Delivery health", fmtValue(s.Health.Score, "%.0f / 100"))
	risk := fmtValue(s.Risk.Score, "%.0f / 100")
	if s.Risk.Label != "" {
		risk += " (" + s.Risk.Label + ")"
	}
	row("Release risk", fmt.Sprintf("%s · %d risk items", risk, s.RiskItemsTotal))
	t := s.Throughput
	row("Throughput", fmt.Sprintf("%d (bug %d, feature %d, chore %d): %d issues + %d MRs",
		t.Combined.N, t.Combined.Bug, t.Combined.Feature, t.Combined.Chore, t.Issues.N, t.MergeRequests.N))
	rl := s.ReviewLatency
	row("Review latency", fmt.Sprintf("p50 %s  p90 %s  (n=%d, %s)", fmtValue(rl.P50, "%.1f h"), fmtValue(rl.P90, "%.1f h"), rl.N, orDash(rl.Method)))
	row("MR cycle time", fmt.Sprintf("p50 %s  p90 %s  (n=%d)", fmtValue(s.MRCycleTime.P50, "%.1f h"), fmtValue(s.MRCycleTime.P90, "%.1f h"), s.MRCycleTime.N))
	ic := s.IssueCycleTime
	row("Issue cycle time", fmt.Sprintf("p50 %s  p90 %s  (n=%d; %d never in progress, %d reopened)", fmtValue(ic.P50, "%.1f h"),
		fmtValue(ic.P90, "%.1f h"), ic.N, ic.NeverInProgress.N, ic.Reopened.N))
	b := s.Blockers
	row("Blockers", fmt.Sprintf("%d open, age p50 %s, max %s", b.Count, fmtValue(b.Age.P50, "%.1f d"), fmtValue(b.Age.Max, "%.1f d")))
	sp := s.Spillover
	row("Sprint spillover", fmt.Sprintf("%s (%d of %d issues, %d sprints)", fmtValue(pct(sp.Rate), "%.0f%%"), sp.Spilled, sp.Committed, len(sp.Sprints)))
	row("Stale MRs", fmt.Sprintf("%d of %d open (%s), idle > %.0f days", s.StaleMRs.Count, s.StaleMRs.Open, fmtValue(s.StaleMRs.Percent, "%.0f%%"), s.StaleMRs.AfterDays))
	fp := s.FailedPipelines
	row("Failed pipelines", fmt.Sprintf("%d of %d finished (default branches: %d of %d failed, %s)", fp.Count, fp.Finished,
		fp.DefaultBranch.Failed, fp.DefaultBranch.Total, fmtValue(pct(fp.DefaultBranch.Rate), "%.0f%%")))
	d := s.DORA
	row("Deployment frequency", fmt.Sprintf("%s, %s%s", fmtValue(d.DeploymentFrequency.PerDay, "%.2f/day"),
		fmtValue(d.DeploymentFrequency.DaysPerWeek, "%.1f days/week"), band(d.DeploymentFrequency.Band)))
	row("Lead time for changes", fmt.Sprintf("p50 %s (n=%d, %s)%s", fmtValue(d.LeadTime.P50, "%.1f h"), d.LeadTime.N, orDash(d.LeadTime.Method), band(d.LeadTime.Band)))
	row("Change failure rate", fmt.Sprintf("%s (%d of %d deploys)%s", fmtValue(pct(d.ChangeFailureRate.Rate), "%.0f%%"),
		d.ChangeFailureRate.Failed, d.ChangeFailureRate.Deploys, band(d.ChangeFailureRate.Band)))
	row("Time to restore", fmt.Sprintf("p50 %s (n=%d)%s", fmtValue(d.TimeToRestore.P50, "%.1f h"), d.TimeToRestore.N, band(d.TimeToRestore.Band)))
	if len(s.RiskItems) > 0 {
		fmt.Fprintln(w, "  Top risks:")
		for _, it := range s.RiskItems[:min(5, len(s.RiskItems))] {
			fmt.Fprintf(w, "    %-8s %-18s %s (%.0f d)\n", it.Severity, it.Kind, truncate(it.Title, 60), it.AgeDays)
		}
	}
}

func pct(v kpi.Value) kpi.Value {
	if v.Valid {
		v.V *= 100
	}
	return v
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func truncate(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
