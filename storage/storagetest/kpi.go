package storagetest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/kpi"
	"github.com/ovia-hq/ovia/storage"
)

// RunKPI is the conformance suite of the KPI source and snapshot store.
func RunKPI(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"SourceMatchesMemSource", testKPISourceMatchesMem},
		{"SourceEmptyDatabase", testKPISourceEmpty},
		{"SourceStreamsStopEarly", testKPISourceStopEarly},
		{"ResolvedIssuesAcrossTies", testKPIResolvedTies},
		{"SprintMembershipFollowsWritePage", testKPISprintMembership},
		{"TeamProjectsReplace", testKPITeamProjects},
		{"SnapshotSaveGetUpsert", testKPISnapshotUpsert},
		{"SnapshotLatestAndHistory", testKPISnapshotHistory},
		{"RiskItemsPaging", testKPIRiskPaging},
		{"SnapshotNotFoundAndInvalid", testKPISnapshotErrors},
		{"MigrationBackfillsIssueSprints", testKPIMigrationBackfill},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// kpiNow is the fixed ComputedAt of test snapshots.
var kpiNow = func() time.Time { return KPIEnd.Add(90 * time.Minute) }

// kpiTestSets is the realistic data set of the equality test: a few
// hundred issues in the default org, and a second org sharing its
// external ids (rows must never leak across orgs).
func kpiTestSets() []KPIData {
	return []KPIData{
		{OrgID: identity.DefaultOrg, Seed: 7, Span: 120 * 24 * time.Hour, Issues: 600, MergeRequests: 300, Pipelines: 500, Deployments: 120, PageSize: 150},
		{OrgID: "other", Seed: 8, Span: 60 * 24 * time.Hour, Issues: 150, MergeRequests: 80, Pipelines: 100, Deployments: 40},
	}
}

// jsonDiff reports the first differing line of two values' indented JSON,
// with context, or "" when they are equal.
func jsonDiff(a, b any) string {
	ja, _ := json.MarshalIndent(a, "", " ")
	jb, _ := json.MarshalIndent(b, "", " ")
	la, lb := strings.Split(string(ja), "\n"), strings.Split(string(jb), "\n")
	for i := 0; i < max(len(la), len(lb)); i++ {
		if i < len(la) && i < len(lb) && la[i] == lb[i] {
			continue
		}
		from := max(0, i-8)
		get := func(l []string) string { return strings.Join(l[from:min(len(l), i+3)], "\n") }
		return fmt.Sprintf("line %d\n--- database:\n%s\n--- memory:\n%s", i+1, get(la), get(lb))
	}
	return ""
}

func testKPISourceMatchesMem(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	mem := kpi.NewMemSource()
	is.NoErr(LoadKPIData(ctx, b.DB, mem, kpiTestSets()...))
	src := b.DB.KPISource()

	// The sprint closest to the end gives a sprint period.
	var sprint connectors.Sprint
	for _, s := range kpiSprints(t, b.DB) {
		if s.CompleteAt != nil && (sprint.CompleteAt == nil || s.CompleteAt.After(*sprint.CompleteAt)) {
			sprint = s
		}
	}
	sp, err := kpi.SprintPeriod(sprint, KPIEnd)
	is.NoErr(err)
	periods := map[string]kpi.Period{
		"7d":      {Start: KPIEnd.AddDate(0, 0, -7), End: KPIEnd},
		"30d":     {Start: KPIEnd.AddDate(0, 0, -30), End: KPIEnd},
		"90d":     {Start: KPIEnd.AddDate(0, 0, -90), End: KPIEnd},
		"past14d": {Start: KPIEnd.AddDate(0, 0, -60), End: KPIEnd.AddDate(0, 0, -46)},
		"future":  {Start: KPIEnd, End: KPIEnd.AddDate(0, 0, 7)},
		"sprint":  sp,
		"empty":   {Start: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2020, 1, 8, 0, 0, 0, 0, time.UTC)},
	}
	scopes := []kpi.Scope{
		kpi.OrgScope,
		{Kind: kpi.ScopeTeam, ID: "core"}, {Kind: kpi.ScopeTeam, ID: "web"}, {Kind: kpi.ScopeTeam, ID: "nobody"},
		{Kind: kpi.ScopeProject, ID: "OV"}, {Kind: kpi.ScopeProject, ID: "web"}, {Kind: kpi.ScopeProject, ID: "101"},
		{Kind: kpi.ScopeProject, ID: "corp/web"}, {Kind: kpi.ScopeProject, ID: "nope"},
	}
	for _, org := range []string{identity.DefaultOrg, "other"} {
		for name, p := range periods {
			for _, sc := range scopes {
				t.Run(org+"/"+name+"/"+sc.String(), func(t *testing.T) {
					is := is.New(t)
					want, err := kpi.Compute(ctx, mem, org, sc, p, kpi.WithNow(kpiNow))
					is.NoErr(err)
					got, err := kpi.Compute(ctx, src, org, sc, p, kpi.WithNow(kpiNow))
					is.NoErr(err)
					if d := jsonDiff(got, want); d != "" {
						t.Fatalf("snapshot from the database differs from MemSource at %s", d)
					}
					if name == "empty" || sc.ID == "nobody" || sc.ID == "nope" {
						is.True(got.Empty)
					}
				})
			}
		}
	}
	// The data set exercises what it should (not vacuous).
	s, err := kpi.Compute(ctx, src, identity.DefaultOrg, kpi.OrgScope, periods["30d"], kpi.WithNow(kpiNow))
	is.NoErr(err)
	is.True(s.Throughput.Issues.N > 10)
	is.True(s.Throughput.MergeRequests.N > 10)
	is.True(s.Blockers.Count > 5)
	is.True(s.Blockers.BlockedByOpen > 0)
	is.True(s.Spillover.Committed > 0)
	is.True(s.StaleMRs.Count > 0)
	is.True(s.FailedPipelines.Count > 0)
	is.True(s.DORA.DeploymentFrequency.Deploys > 0)
	is.True(s.DORA.LeadTime.ViaMergeRequestIDs > 0 && s.DORA.LeadTime.ViaNextDeploy > 0)
	is.True(s.DORA.TimeToRestore.N > 0)
	is.True(len(s.RiskItems) > 0)
	for _, sc := range scopes[1:3] {
		s, err := kpi.Compute(ctx, src, identity.DefaultOrg, sc, periods["30d"], kpi.WithNow(kpiNow))
		is.NoErr(err)
		is.True(s.Throughput.Issues.N > 0 && s.Throughput.MergeRequests.N > 0 && s.Spillover.Committed > 0)
		is.True(s.Throughput.Issues.N < 100) // a team is a slice of the org
	}
	for _, sc := range scopes[4:8] {
		s, err := kpi.Compute(ctx, src, identity.DefaultOrg, sc, periods["30d"], kpi.WithNow(kpiNow))
		is.NoErr(err)
		is.True(!s.Empty)
	}
}

// kpiSprints reads the default org's sprints back.
func kpiSprints(t testing.TB, db *storage.DB) []connectors.Sprint {
	t.Helper()
	rs, err := db.LoadRecords(context.Background(), identity.DefaultOrg)
	if err != nil {
		t.Fatal(err)
	}
	return rs.Sprints
}

func testKPISourceEmpty(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	p := kpi.Period{Start: KPIEnd.AddDate(0, 0, -7), End: KPIEnd}
	for _, sc := range []kpi.Scope{kpi.OrgScope, {Kind: kpi.ScopeTeam, ID: "core"}, {Kind: kpi.ScopeProject, ID: "OV"}} {
		want, err := kpi.Compute(ctx, kpi.NewMemSource(), identity.DefaultOrg, sc, p, kpi.WithNow(kpiNow))
		is.NoErr(err)
		got, err := kpi.Compute(ctx, b.DB.KPISource(), identity.DefaultOrg, sc, p, kpi.WithNow(kpiNow))
		is.NoErr(err)
		is.Equal(jsonDiff(got, want), "")
		is.True(got.Empty)
	}
}

// sprintMembers lists the issue ids CompletedSprints gives for sprint id.
func sprintMembers(t *testing.T, src kpi.Source, sprint string, p kpi.Period) []string {
	t.Helper()
	var ids []string
	for sh, err := range src.CompletedSprints(context.Background(), kpi.Query{OrgID: identity.DefaultOrg, Scope: kpi.OrgScope, Period: p, Classifier: kpi.DefaultClassifier()}) {
		if err != nil {
			t.Fatal(err)
		}
		if sh.Sprint.ExternalID != sprint {
			continue
		}
		for _, h := range sh.Issues {
			ids = append(ids, h.Issue.ExternalID)
		}
	}
	slices.Sort(ids)
	return ids
}

func testKPISprintMembership(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	jira := identity.SourceJira
	key := connectors.StreamKey{OrgID: identity.DefaultOrg, Source: jira, Stream: connectors.StreamIssues}
	_, err := b.DB.Records().TakeLease(ctx, key, "me", time.Hour)
	is.NoErr(err)
	start, done := T0.Add(-14*24*time.Hour), T0.Add(-time.Hour)
	p := kpi.Period{Start: start, End: T0}
	issue := func(id, sprint string) connectors.Issue {
		return connectors.Issue{Source: jira, ExternalID: id, Key: "OV-" + id, ProjectKey: "OV", Status: "To Do",
			StatusCategory: connectors.CategoryTodo, CreatedAt: start.Add(-time.Hour), UpdatedAt: start, SprintID: sprint}
	}
	page := connectors.Page{Number: 1,
		Sprints: []connectors.Sprint{
			{Source: jira, ExternalID: "7", Name: "S7", State: "closed", StartAt: &start, CompleteAt: &done},
			{Source: jira, ExternalID: "8", Name: "S8", State: "closed", StartAt: &start, CompleteAt: &done},
			{Source: jira, ExternalID: "9", Name: "S9", State: "closed", StartAt: &start, CompleteAt: &done},
		},
		Issues: []connectors.Issue{issue("1", "7"), issue("2", "8, 9"), issue("3", "")},
		Transitions: []connectors.Transition{
			{Source: jira, IssueID: "3", Seq: 0, Field: connectors.FieldSprint, From: " 7 ,8", To: "", At: start.Add(time.Hour)},
		},
	}
	_, err = b.DB.Records().WritePage(ctx, key, "me", page, "c1")
	is.NoErr(err)
	src := b.DB.KPISource()
	is.Equal(sprintMembers(t, src, "7", p), []string{"1", "3"})
	is.Equal(sprintMembers(t, src, "8", p), []string{"2", "3"})
	is.Equal(sprintMembers(t, src, "9", p), []string{"2"})

	// Issue 1 moves to sprint 8 with its history rewritten; issue 3's
	// changelog is replaced by an empty one.
	page2 := connectors.Page{Number: 2, Issues: []connectors.Issue{issue("1", "8"), issue("3", "")}}
	_, err = b.DB.Records().WritePage(ctx, key, "me", page2, "c2")
	is.NoErr(err)
	is.Equal(sprintMembers(t, src, "7", p), nil)
	is.Equal(sprintMembers(t, src, "8", p), []string{"1", "2"})
	n, err := b.DB.CountRows(ctx, "issue_transitions", identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(n, 0)
}

func testKPITeamProjects(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	is.NoErr(LoadKPIData(ctx, b.DB, nil, KPIData{OrgID: identity.DefaultOrg, Seed: 1, Span: 30 * 24 * time.Hour, Issues: 10, MergeRequests: 5}))
	projects := func(team string) []string {
		var out []string
		q := kpi.Query{OrgID: identity.DefaultOrg, Scope: kpi.Scope{Kind: kpi.ScopeTeam, ID: team}, Period: kpi.Last7Days(KPIEnd)}
		for p, err := range b.DB.KPISource().Projects(ctx, q) {
			is.NoErr(err)
			out = append(out, p.ExternalID)
		}
		return out
	}
	is.Equal(projects("core"), []string{"101"})
	is.Equal(projects("web"), []string{"102"})
	is.NoErr(b.DB.SetTeamProjects(ctx, identity.DefaultOrg, "core", []string{"corp/tools", "102", "102", ""}))
	is.Equal(projects("core"), []string{"102", "103"})
	is.NoErr(b.DB.SetTeamProjects(ctx, identity.DefaultOrg, "core", nil))
	is.Equal(projects("core"), nil)
	is.True(errors.Is(b.DB.SetTeamProjects(ctx, identity.DefaultOrg, " ", nil), storage.ErrInvalid))
	is.True(errors.Is(b.DB.SetTeamProjects(ctx, "", "core", nil), storage.ErrInvalid))
}

// riskSnapshot is a small computed-looking snapshot with n risk items.
func riskSnapshot(org string, scope kpi.Scope, p kpi.Period, computed time.Time, n int) kpi.Snapshot {
	kinds := []kpi.RiskKind{kpi.RiskBlocker, kpi.RiskStaleMR, kpi.RiskFailedPipeline, kpi.RiskSpillover, kpi.RiskCycleTimeOutlier}
	sevs := []kpi.Severity{kpi.SeverityLow, kpi.SeverityCritical, kpi.SeverityMedium, kpi.SeverityHigh}
	s := kpi.Snapshot{OrgID: org, Scope: scope, Period: p, ComputedAt: computed, Classifier: kpi.DefaultClassifier(),
		RiskItems: []kpi.RiskItem{}, RiskItemsTotal: n}
	s.Throughput.Issues.N = n
	s.Blockers.Age.P50 = kpi.Some(1.0 / 3)
	s.Health.Score = kpi.Some(71.25)
	for i := range n {
		s.RiskItems = append(s.RiskItems, kpi.RiskItem{Kind: kinds[i%len(kinds)], Severity: sevs[i%len(sevs)],
			Title: fmt.Sprintf("item %d", i), URL: fmt.Sprintf("https://x.example/%d", i), AgeDays: float64(i%7) + 0.1,
			Ref: kpi.NewRef(identity.SourceJira, kpi.KindIssue, fmt.Sprintf("%03d", i)), Detail: "why " + fmt.Sprint(i)})
	}
	return s
}

// withoutIDs clears the storage-assigned risk item ids.
func withoutIDs(s kpi.Snapshot) kpi.Snapshot {
	s.RiskItems = slices.Clone(s.RiskItems)
	for i := range s.RiskItems {
		s.RiskItems[i].ID = ""
	}
	return s
}

func testKPISnapshotUpsert(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	st := b.DB.KPIStore()
	// A real snapshot round-trips exactly (metrics JSON + risk items).
	mem := kpi.NewMemSource()
	is.NoErr(LoadKPIData(ctx, b.DB, mem, kpiTestSets()[0]))
	p := kpi.Period{Start: KPIEnd.AddDate(0, 0, -30), End: KPIEnd}
	snap, err := kpi.Compute(ctx, b.DB.KPISource(), identity.DefaultOrg, kpi.OrgScope, p, kpi.WithNow(kpiNow))
	is.NoErr(err)
	is.True(len(snap.RiskItems) > 0)
	is.NoErr(st.SaveSnapshot(ctx, snap))
	got, err := st.GetSnapshot(ctx, identity.DefaultOrg, kpi.OrgScope, p)
	is.NoErr(err)
	ids := map[string]bool{}
	for _, it := range got.RiskItems {
		is.True(it.ID != "")
		ids[it.ID] = true
	}
	is.Equal(len(ids), len(snap.RiskItems))
	is.Equal(jsonDiff(withoutIDs(got), snap), "")

	// Upsert by key: the new version replaces the old one and its items.
	snap2 := riskSnapshot(identity.DefaultOrg, kpi.OrgScope, p, kpiNow().Add(time.Hour), 3)
	is.NoErr(st.SaveSnapshot(ctx, snap2))
	got, err = st.GetSnapshot(ctx, identity.DefaultOrg, kpi.OrgScope, p)
	is.NoErr(err)
	want := snap2
	want.RiskItems = slices.Clone(want.RiskItems)
	slices.SortFunc(want.RiskItems, func(a, b kpi.RiskItem) int {
		if x := cmp.Compare(b.Severity.Rank(), a.Severity.Rank()); x != 0 {
			return x
		}
		if x := cmp.Compare(b.AgeDays, a.AgeDays); x != 0 {
			return x
		}
		return cmp.Compare(a.Ref, b.Ref)
	})
	is.Equal(jsonDiff(withoutIDs(got), want), "")
	for table, n := range map[string]int{"kpi_snapshots": 1, "risk_items": 3} {
		c, err := b.DB.CountRows(ctx, table, identity.DefaultOrg)
		is.NoErr(err)
		is.Equal(c, n)
	}
	// Another scope and org are separate rows.
	team := kpi.Scope{Kind: kpi.ScopeTeam, ID: "core"}
	is.NoErr(st.SaveSnapshot(ctx, riskSnapshot(identity.DefaultOrg, team, p, kpiNow(), 0)))
	is.NoErr(st.SaveSnapshot(ctx, riskSnapshot("other", kpi.OrgScope, p, kpiNow(), 1)))
	got, err = st.GetSnapshot(ctx, identity.DefaultOrg, team, p)
	is.NoErr(err)
	is.Equal(got.Scope, team)
	is.Equal(got.RiskItems, []kpi.RiskItem{})
	got, err = st.GetSnapshot(ctx, identity.DefaultOrg, kpi.OrgScope, p)
	is.NoErr(err)
	is.Equal(got.Throughput.Issues.N, 3)
}

func testKPISnapshotHistory(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	st := b.DB.KPIStore()
	org, team := identity.DefaultOrg, kpi.Scope{Kind: kpi.ScopeTeam, ID: "core"}
	// Ten days of daily 7-day and 30-day snapshots, saved out of order.
	var weekly []kpi.Period
	for _, d := range []int{3, 0, 9, 1, 2, 8, 4, 7, 5, 6} {
		now := KPIEnd.AddDate(0, 0, d).Add(time.Hour)
		w, m := kpi.Last7Days(now), kpi.Last30Days(now)
		is.NoErr(st.SaveSnapshot(ctx, riskSnapshot(org, team, w, now, d)))
		is.NoErr(st.SaveSnapshot(ctx, riskSnapshot(org, team, m, now.Add(time.Minute), 1)))
	}
	for d := range 10 {
		weekly = append(weekly, kpi.Last7Days(KPIEnd.AddDate(0, 0, d)))
	}
	// A recompute of the latest week later in the day wins ties on period end.
	last := kpi.Last7Days(KPIEnd.AddDate(0, 0, 9))
	is.NoErr(st.SaveSnapshot(ctx, riskSnapshot(org, team, last, KPIEnd.AddDate(0, 0, 9).Add(5*time.Hour), 42)))
	is.NoErr(st.SaveSnapshot(ctx, riskSnapshot(org, kpi.OrgScope, kpi.Last7Days(KPIEnd.AddDate(0, 0, 20)), KPIEnd, 0)))

	latest, err := st.LatestSnapshot(ctx, org, team, 7)
	is.NoErr(err)
	is.Equal(latest.Period, last)
	is.Equal(latest.Throughput.Issues.N, 42)
	is.Equal(len(latest.RiskItems), 42)
	latest, err = st.LatestSnapshot(ctx, org, team, 30)
	is.NoErr(err)
	is.Equal(latest.Period, kpi.Last30Days(KPIEnd.AddDate(0, 0, 9)))
	latest, err = st.LatestSnapshot(ctx, org, team, 0)
	is.NoErr(err)
	is.Equal(latest.Period.End, last.End)
	is.Equal(latest.ComputedAt, KPIEnd.AddDate(0, 0, 9).Add(5*time.Hour)) // the later of the two ending then

	periods := func(ss []kpi.Snapshot) []kpi.Period {
		out := make([]kpi.Period, len(ss))
		for i, s := range ss {
			is.Equal(s.RiskItems, nil) // history leaves risk items out
			out[i] = s.Period
		}
		return out
	}
	cases := []struct {
		name string
		f    kpi.HistoryFilter
		want []kpi.Period
	}{
		{"weekly all", kpi.HistoryFilter{OrgID: org, Scope: team, PeriodDays: 7}, weekly},
		{"weekly newest 3", kpi.HistoryFilter{OrgID: org, Scope: team, PeriodDays: 7, Limit: 3}, weekly[7:]},
		{"weekly from-to", kpi.HistoryFilter{OrgID: org, Scope: team, PeriodDays: 7, From: weekly[2].Start, To: weekly[5].Start}, weekly[2:5]},
		{"other scope", kpi.HistoryFilter{OrgID: org, Scope: kpi.OrgScope}, []kpi.Period{kpi.Last7Days(KPIEnd.AddDate(0, 0, 20))}},
		{"other org", kpi.HistoryFilter{OrgID: "other", Scope: team}, []kpi.Period{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			got, err := st.SnapshotHistory(ctx, tc.f)
			is.NoErr(err)
			is.Equal(periods(got), tc.want)
		})
	}
	all, err := st.SnapshotHistory(ctx, kpi.HistoryFilter{OrgID: org, Scope: team})
	is.NoErr(err)
	is.Equal(len(all), 20)
	for i := 1; i < len(all); i++ { // oldest period first
		is.True(!all[i].Period.Start.Before(all[i-1].Period.Start))
	}
}

func testKPIRiskPaging(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	st := b.DB.KPIStore()
	p := kpi.Last7Days(KPIEnd)
	snap := riskSnapshot(identity.DefaultOrg, kpi.OrgScope, p, KPIEnd, 45)
	is.NoErr(st.SaveSnapshot(ctx, snap))
	full, err := st.GetSnapshot(ctx, identity.DefaultOrg, kpi.OrgScope, p)
	is.NoErr(err)
	// Stored order: severity (worst first), age (oldest first), ref.
	for i := 1; i < len(full.RiskItems); i++ {
		a, c := full.RiskItems[i-1], full.RiskItems[i]
		is.True(a.Severity.Rank() > c.Severity.Rank() || a.Severity == c.Severity &&
			(a.AgeDays > c.AgeDays || a.AgeDays == c.AgeDays && a.Ref < c.Ref))
	}
	blockers := slices.DeleteFunc(slices.Clone(full.RiskItems), func(it kpi.RiskItem) bool { return it.Kind != kpi.RiskBlocker })
	stale := slices.DeleteFunc(slices.Clone(full.RiskItems), func(it kpi.RiskItem) bool {
		return it.Kind != kpi.RiskBlocker && it.Kind != kpi.RiskStaleMR
	})
	cases := []struct {
		name    string
		f       kpi.RiskFilter
		want    []kpi.RiskItem
		total   int
		page    int
		perPage int
	}{
		{"first page default size", kpi.RiskFilter{}, full.RiskItems[:20], 45, 1, 20},
		{"third page", kpi.RiskFilter{Page: 3}, full.RiskItems[40:], 45, 3, 20},
		{"past the end", kpi.RiskFilter{Page: 4}, []kpi.RiskItem{}, 45, 4, 20},
		{"per page 7, page 2", kpi.RiskFilter{Page: 2, PerPage: 7}, full.RiskItems[7:14], 45, 2, 7},
		{"capped per page", kpi.RiskFilter{PerPage: 5000}, full.RiskItems, 45, 1, kpi.MaxRiskPerPage},
		{"one kind", kpi.RiskFilter{Kinds: []kpi.RiskKind{kpi.RiskBlocker}, PerPage: 4}, blockers[:4], len(blockers), 1, 4},
		{"two kinds", kpi.RiskFilter{Kinds: []kpi.RiskKind{kpi.RiskStaleMR, kpi.RiskBlocker}, PerPage: 100}, stale, len(stale), 1, 100},
		{"unknown kind", kpi.RiskFilter{Kinds: []kpi.RiskKind{"nope"}}, []kpi.RiskItem{}, 0, 1, 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			f := tc.f
			f.OrgID, f.Scope, f.Period = identity.DefaultOrg, kpi.OrgScope, p
			got, err := st.RiskItems(ctx, f)
			is.NoErr(err)
			is.Equal(got, kpi.RiskPage{Items: tc.want, Total: tc.total, Page: tc.page, PerPage: tc.perPage})
		})
	}
}

func testKPISnapshotErrors(t *testing.T, open Opener) {
	b := Setup(t, open)
	ctx := context.Background()
	st := b.DB.KPIStore()
	p := kpi.Last7Days(KPIEnd)
	team := kpi.Scope{Kind: kpi.ScopeTeam, ID: "core"}
	if err := st.SaveSnapshot(ctx, riskSnapshot(identity.DefaultOrg, kpi.OrgScope, p, KPIEnd, 2)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		call func() error
		want error
	}{
		{"get other period", func() error {
			_, err := st.GetSnapshot(ctx, identity.DefaultOrg, kpi.OrgScope, kpi.Last30Days(KPIEnd))
			return err
		}, storage.ErrNotFound},
		{"get other scope", func() error { _, err := st.GetSnapshot(ctx, identity.DefaultOrg, team, p); return err }, storage.ErrNotFound},
		{"get other org", func() error { _, err := st.GetSnapshot(ctx, "other", kpi.OrgScope, p); return err }, storage.ErrNotFound},
		{"latest none", func() error { _, err := st.LatestSnapshot(ctx, identity.DefaultOrg, team, 0); return err }, storage.ErrNotFound},
		{"latest no 30-day", func() error { _, err := st.LatestSnapshot(ctx, identity.DefaultOrg, kpi.OrgScope, 30); return err }, storage.ErrNotFound},
		{"risk items of a missing snapshot", func() error {
			_, err := st.RiskItems(ctx, kpi.RiskFilter{OrgID: identity.DefaultOrg, Scope: team, Period: p})
			return err
		}, storage.ErrNotFound},
		{"save without org", func() error { return st.SaveSnapshot(ctx, riskSnapshot("", kpi.OrgScope, p, KPIEnd, 0)) }, storage.ErrInvalid},
		{"save bad scope", func() error {
			return st.SaveSnapshot(ctx, riskSnapshot(identity.DefaultOrg, kpi.Scope{Kind: kpi.ScopeTeam}, p, KPIEnd, 0))
		}, storage.ErrInvalid},
		{"save bad period", func() error {
			return st.SaveSnapshot(ctx, riskSnapshot(identity.DefaultOrg, kpi.OrgScope, kpi.Period{Start: KPIEnd, End: KPIEnd}, KPIEnd, 0))
		}, storage.ErrInvalid},
		{"history without org", func() error { _, err := st.SnapshotHistory(ctx, kpi.HistoryFilter{Scope: kpi.OrgScope}); return err }, storage.ErrInvalid},
		{"history negative limit", func() error {
			_, err := st.SnapshotHistory(ctx, kpi.HistoryFilter{OrgID: identity.DefaultOrg, Scope: kpi.OrgScope, Limit: -1})
			return err
		}, storage.ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			err := tc.call()
			is.True(errors.Is(err, tc.want)) // want the sentinel
			is.True(errors.Is(err, kpi.ErrNotFound) == (tc.want == storage.ErrNotFound))
		})
	}
}

// testKPISourceStopEarly breaks out of every stream after its first row,
// many times over: each stream must release its reader connections (a
// leak would block the next snapshot on SQLite's small reader pool).
func testKPISourceStopEarly(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	is.NoErr(LoadKPIData(ctx, b.DB, nil, KPIData{OrgID: identity.DefaultOrg, Seed: 3, Span: 60 * 24 * time.Hour,
		Issues: 3000, MergeRequests: 300, Pipelines: 300, Deployments: 50, PageSize: 1000}))
	src := b.DB.KPISource()
	q := kpi.Query{OrgID: identity.DefaultOrg, Scope: kpi.OrgScope, Period: kpi.Period{Start: KPIEnd.AddDate(0, 0, -60), End: KPIEnd},
		Classifier: kpi.DefaultClassifier()}
	first := func(n int, err error) int {
		is.NoErr(err)
		return n
	}
	for range 5 {
		for _, err := range src.ResolvedIssues(ctx, q) {
			first(1, err)
			break
		}
		for _, err := range src.CompletedSprints(ctx, q) {
			first(1, err)
			break
		}
		for _, err := range src.BlockerCandidates(ctx, q) {
			first(1, err)
			break
		}
		for _, err := range src.MergeRequests(ctx, q) {
			first(1, err)
			break
		}
		for _, err := range src.Pipelines(ctx, q) {
			first(1, err)
			break
		}
		for _, err := range src.Incidents(ctx, q) {
			first(1, err)
			break
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := kpi.Compute(cctx, src, identity.DefaultOrg, kpi.OrgScope, q.Period)
	is.NoErr(err)
	is.True(s.Throughput.Issues.N > 1000) // more than one resolved-issue batch
	is.True(s.Spillover.Committed > 0)
}

// testKPIResolvedTies resolves 1,200 issues at one instant between others:
// batches that end inside, and consist only of, that instant must yield
// every issue exactly once.
func testKPIResolvedTies(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	key := connectors.StreamKey{OrgID: identity.DefaultOrg, Source: identity.SourceJira, Stream: connectors.StreamIssues}
	_, err := b.DB.Records().TakeLease(ctx, key, "me", time.Hour)
	is.NoErr(err)
	t0, tie := KPIEnd.AddDate(0, 0, -6), KPIEnd.AddDate(0, 0, -3)
	var page connectors.Page
	for i := range 2000 {
		at := tie
		switch {
		case i < 500:
			at = t0.Add(time.Duration(i) * time.Second)
		case i >= 1700:
			at = tie.Add(time.Duration(i) * time.Second)
		}
		id := fmt.Sprint(100000 + i)
		page.Issues = append(page.Issues, connectors.Issue{Source: identity.SourceJira, ExternalID: id, Key: "T-" + id, ProjectKey: "T",
			Status: "Done", StatusCategory: connectors.CategoryDone, CreatedAt: t0.Add(-time.Hour), UpdatedAt: at, ResolvedAt: &at})
	}
	_, err = b.DB.Records().WritePage(ctx, key, "me", page, "c")
	is.NoErr(err)
	q := kpi.Query{OrgID: identity.DefaultOrg, Scope: kpi.OrgScope, Period: kpi.Period{Start: KPIEnd.AddDate(0, 0, -7), End: KPIEnd},
		Classifier: kpi.DefaultClassifier()}
	seen := map[string]int{}
	for h, err := range b.DB.KPISource().ResolvedIssues(ctx, q) {
		is.NoErr(err)
		seen[h.Issue.ExternalID]++
	}
	is.Equal(len(seen), 2000)
	for _, n := range seen {
		is.Equal(n, 1)
	}
}
