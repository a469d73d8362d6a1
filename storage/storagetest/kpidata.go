package storagetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/kpi"
	"github.com/ovia-hq/ovia/storage"
)

// KPIEnd is the end of the generated KPI data sets (rows run a few days
// past it, so "before end" predicates matter).
var KPIEnd = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// KPIData sizes a generated org for KPI tests and benchmarks: Jira issues
// with status and sprint changelogs on two boards, two teams, three GitLab
// projects (two mapped to teams, by id and by path), merge requests in
// every state, pipelines with retries, deployments to production and
// staging (some listing the MRs they shipped) and incidents.
type KPIData struct {
	OrgID         string
	Seed          uint64
	Span          time.Duration // rows are created in [KPIEnd−Span, KPIEnd+3d)
	Issues        int
	MergeRequests int
	Pipelines     int
	Deployments   int
	// PageSize is the number of rows of each kind per page (default 2000).
	PageSize int
}

// Team names and their projects in generated data (SetKPITeams applies them).
var KPITeams = map[string][]string{
	"core": {"101"},      // by project id
	"web":  {"corp/web"}, // by path
}

// KPIProjects are the GitLab projects of generated data.
func KPIProjects(org string) []connectors.Project {
	gl := identity.SourceGitLab
	return []connectors.Project{
		{OrgID: org, Source: gl, ExternalID: "101", PathWithNamespace: "corp/core", Name: "core", DefaultBranch: "main", URL: "https://gitlab.example/corp/core"},
		{OrgID: org, Source: gl, ExternalID: "102", PathWithNamespace: "corp/web", Name: "web", DefaultBranch: "master", URL: "https://gitlab.example/corp/web"},
		{OrgID: org, Source: gl, ExternalID: "103", PathWithNamespace: "corp/tools", Name: "tools", URL: "https://gitlab.example/corp/tools"},
	}
}

const sprintLen = 14 * 24 * time.Hour

// GenerateKPIData produces d's records page by page (deterministic for a
// seed); emit gets each page.
func GenerateKPIData(d KPIData, emit func(connectors.Page) error) error {
	if d.PageSize <= 0 {
		d.PageSize = 2000
	}
	r := rand.New(rand.NewPCG(d.Seed, d.Seed^0x9e3779b97f4a7c15))
	org, jira, gl := d.OrgID, identity.SourceJira, identity.SourceGitLab
	begin := KPIEnd.Add(-d.Span)
	after := 3 * 24 * time.Hour
	at := func() time.Time {
		return begin.Add(time.Duration(r.Int64N(int64(d.Span+after))) / time.Second * time.Second)
	}
	dur := func(max time.Duration) time.Duration {
		return time.Duration(1+r.Int64N(int64(max/time.Minute))) * time.Minute
	}
	ptr := func(t time.Time) *time.Time { return &t }

	// Sprints: two boards, two-week sprints over the span.
	nSprints := int(d.Span/sprintLen) + 1
	sprintID := func(board, k int) string { return strconv.Itoa((board+1)*1000 + k) }
	var sprints []connectors.Sprint
	for b := range 2 {
		for k := range nSprints {
			start := begin.Add(time.Duration(k) * sprintLen)
			end := start.Add(sprintLen)
			s := connectors.Sprint{OrgID: org, Source: jira, ExternalID: sprintID(b, k), BoardID: strconv.Itoa(b + 1),
				Name: fmt.Sprintf("B%d S%d", b+1, k), State: "closed", StartAt: ptr(start), EndAt: ptr(end)}
			if done := end.Add(time.Duration(r.IntN(20)) * time.Hour); done.Before(KPIEnd) {
				s.CompleteAt = ptr(done)
			} else {
				s.State = "active"
			}
			sprints = append(sprints, s)
		}
	}
	if err := emit(connectors.Page{Number: 0, Sprints: sprints, Projects: KPIProjects(org)}); err != nil {
		return err
	}
	sprintAt := func(t time.Time) int { return min(max(int(t.Sub(begin)/sprintLen), 0), nSprints-1) }

	types := []string{"Bug", "Story", "Task", "Story", "Task", "Improvement", "Epic"}
	prios := []string{"Medium", "Medium", "High", "Low", "Medium", ""}
	var keys []string
	page := connectors.Page{Number: 1}
	flush := func(force bool) error {
		if !force && len(page.Issues) < d.PageSize && len(page.MergeRequests) < d.PageSize &&
			len(page.Pipelines) < d.PageSize && len(page.Deployments) < d.PageSize {
			return nil
		}
		if page.Items() == 0 {
			return nil
		}
		if err := emit(page); err != nil {
			return err
		}
		page = connectors.Page{Number: page.Number + 1}
		return nil
	}
	status := func(id string, from, to connectors.StatusCategory, t time.Time) connectors.Transition {
		names := map[connectors.StatusCategory]string{connectors.CategoryTodo: "To Do", connectors.CategoryInProgress: "In Progress", connectors.CategoryDone: "Done"}
		return connectors.Transition{OrgID: org, Source: jira, IssueID: id, Field: connectors.FieldStatus, From: names[from], To: names[to],
			FromCategory: from, ToCategory: to, At: t, AuthorID: "acc-" + strconv.Itoa(r.IntN(50))}
	}
	for i := range d.Issues {
		id := strconv.Itoa(10000 + i)
		proj, team := "OV", "core"
		switch x := r.IntN(100); {
		case x < 45:
			proj, team = "WEB", "web"
		case x < 47:
			proj = "ov" // a lower-case spelling: project scopes are case-insensitive
		case x < 52:
			team = ""
		}
		created := at()
		is := connectors.Issue{OrgID: org, Source: jira, ExternalID: id, Key: proj + "-" + strconv.Itoa(i), ProjectKey: proj,
			Summary: "Issue " + id, Type: types[r.IntN(len(types))], Status: "To Do", StatusCategory: connectors.CategoryTodo,
			Priority: prios[r.IntN(len(prios))], AssigneeID: "acc-" + strconv.Itoa(r.IntN(50)), CreatedAt: created, UpdatedAt: created,
			Team: team, URL: "https://jira.example/browse/" + proj + "-" + strconv.Itoa(i)}
		switch x := r.IntN(1000); {
		case x < 10:
			is.Type = []string{"Incident", " INCIDENT", "incident"}[i%3]
		case x < 15:
			is.Labels = []string{"backend", "incident"}
		case x < 18:
			is.Labels = []string{"sev::Incident"}
		case x < 40:
			is.Priority = "Highest"
		case x < 50:
			is.Priority = "Blocker"
		case x < 53:
			is.Priority = " blocker"
		case x < 65:
			is.IsFlagged = true
		case x < 110 && len(keys) > 0:
			is.BlockedBy = []string{keys[r.IntN(len(keys))], "GONE-" + id}
		case x < 115:
			is.BlockedBy = []string{}
		case x < 140:
			is.Labels = []string{"frontend"}
		}
		var trs []connectors.Transition
		// Sprints: a third of the issues, some moved on, removed, or in two.
		if r.IntN(3) == 0 {
			b, k := r.IntN(2), sprintAt(created)
			s := sprintID(b, k)
			trs = append(trs, connectors.Transition{OrgID: org, Source: jira, IssueID: id, Field: connectors.FieldSprint, To: s, At: created.Add(time.Minute)})
			is.SprintID = s
			move := begin.Add(time.Duration(k+1)*sprintLen + time.Hour)
			switch x := r.IntN(20); {
			case x < 4 && k+1 < nSprints && move.After(created):
				next := sprintID(b, k+1)
				trs = append(trs, connectors.Transition{OrgID: org, Source: jira, IssueID: id, Field: connectors.FieldSprint, From: s, To: next, At: move})
				is.SprintID = next
			case x < 5 && move.After(created):
				trs = append(trs, connectors.Transition{OrgID: org, Source: jira, IssueID: id, Field: connectors.FieldSprint, From: s, At: move})
				is.SprintID = ""
			case x < 6 && k+1 < nSprints:
				is.SprintID = s + ", " + sprintID(b, k+1)
			}
		}
		// Status: most issues start, most of those finish; some reopen,
		// some were created in progress, some close without resolution.
		if x := r.IntN(100); x < 85 {
			t := created.Add(dur(5 * 24 * time.Hour))
			if x < 3 {
				t = created // created in progress: the first transition leaves it
				is.Status, is.StatusCategory = "In Progress", connectors.CategoryInProgress
			} else {
				trs = append(trs, status(id, connectors.CategoryTodo, connectors.CategoryInProgress, t))
				is.Status, is.StatusCategory = "In Progress", connectors.CategoryInProgress
			}
			if r.IntN(10) < 8 {
				done := t.Add(dur(10 * 24 * time.Hour))
				trs = append(trs, status(id, connectors.CategoryInProgress, connectors.CategoryDone, done))
				is.Status, is.StatusCategory, is.UpdatedAt = "Done", connectors.CategoryDone, done
				switch y := r.IntN(40); {
				case y == 0: // closed without a resolution date
				case y < 3: // reopened, then done again
					re := done.Add(dur(2 * 24 * time.Hour))
					again := re.Add(dur(3 * 24 * time.Hour))
					trs = append(trs, status(id, connectors.CategoryDone, connectors.CategoryInProgress, re),
						status(id, connectors.CategoryInProgress, connectors.CategoryDone, again))
					is.ResolvedAt, is.UpdatedAt = ptr(again), again
				default:
					is.ResolvedAt = ptr(done)
				}
			}
		}
		slices.SortStableFunc(trs, func(a, b connectors.Transition) int { return a.At.Compare(b.At) })
		for j := range trs {
			trs[j].Seq = j
		}
		page.Issues = append(page.Issues, is)
		keys = append(keys, is.Key)
		page.Transitions = append(page.Transitions, trs...)
		if err := flush(false); err != nil {
			return err
		}
	}

	projects := []string{"101", "102", "103"}
	labels := [][]string{nil, {"bug"}, {"feature"}, {"docs"}, {"type::bug"}, {"enhancement", "ui"}}
	var mergedBy [3][]string // per project, MRs merged and not yet listed by a deploy
	type merged struct {
		id, project int
		at          time.Time
	}
	var mergedAll []merged
	for i := range d.MergeRequests {
		id := strconv.Itoa(500000 + i)
		p := r.IntN(len(projects))
		created := at()
		m := connectors.MergeRequest{OrgID: org, Source: gl, ExternalID: id, ProjectID: projects[p], IID: int64(i + 1),
			Title: "MR " + id, State: "opened", AuthorID: "u" + strconv.Itoa(r.IntN(40)), Labels: labels[r.IntN(len(labels))],
			SourceBranch: "feature-" + id, TargetBranch: "main", CreatedAt: created, UpdatedAt: created,
			URL: "https://gitlab.example/" + projects[p] + "/-/merge_requests/" + strconv.Itoa(i+1)}
		end := created.Add(dur(5 * 24 * time.Hour))
		switch x := r.IntN(100); {
		case x < 70:
			m.State, m.MergedAt, m.UpdatedAt = "merged", ptr(end), end
			if r.IntN(2) == 0 {
				m.FirstReviewAt = ptr(created.Add(end.Sub(created) / 3))
			}
			if x < 3 {
				m.ClosedAt = ptr(end.Add(time.Hour))
			}
			mergedAll = append(mergedAll, merged{i, p, end})
		case x < 88:
			m.State, m.ClosedAt, m.UpdatedAt = "closed", ptr(end), end
		case x < 90:
			m.State = "locked"
		default:
			// Open; last touched somewhere between creation and the end.
			if span := KPIEnd.Sub(created); span > 0 {
				m.UpdatedAt = created.Add(time.Duration(r.Int64N(int64(span))) / time.Second * time.Second)
			}
		}
		page.MergeRequests = append(page.MergeRequests, m)
		if err := flush(false); err != nil {
			return err
		}
	}
	slices.SortFunc(mergedAll, func(a, b merged) int { return a.at.Compare(b.at) })

	statuses := []string{"success", "success", "success", "success", "success", "success", "failed", "failed", "canceled", "running"}
	lastSHA := map[string]connectors.Pipeline{}
	for i := range d.Pipelines {
		id := strconv.Itoa(900000 + i)
		proj := projects[r.IntN(len(projects))]
		created := at()
		ref := "main"
		if proj == "102" {
			ref = "master"
		}
		if r.IntN(5) < 2 {
			ref = "feature-" + strconv.Itoa(r.IntN(100))
		}
		sha := fmt.Sprintf("%040x", r.Uint64())
		if prev, ok := lastSHA[proj]; ok && r.IntN(10) == 0 { // a retry
			sha, ref = prev.SHA, prev.Ref
		}
		pl := connectors.Pipeline{OrgID: org, Source: gl, ExternalID: id, ProjectID: proj, Ref: ref, SHA: sha,
			Status: statuses[r.IntN(len(statuses))], TriggerSource: "push", CreatedAt: created, UpdatedAt: created,
			URL: "https://gitlab.example/pipelines/" + id}
		if pl.Status != "running" {
			fin := created.Add(dur(40 * time.Minute))
			pl.StartedAt, pl.FinishedAt, pl.UpdatedAt = ptr(created), ptr(fin), fin
			secs := fin.Sub(created).Seconds()
			pl.DurationSeconds = &secs
		}
		lastSHA[proj] = pl
		page.Pipelines = append(page.Pipelines, pl)
		if err := flush(false); err != nil {
			return err
		}
	}

	// Deployments in time order so project 101's can list the MRs merged
	// since its previous production deploy.
	depAt := make([]time.Time, d.Deployments)
	for i := range depAt {
		depAt[i] = at()
	}
	slices.SortFunc(depAt, time.Time.Compare)
	next := 0
	for i, created := range depAt {
		id := strconv.Itoa(700000 + i)
		p := r.IntN(len(projects))
		for next < len(mergedAll) && mergedAll[next].at.Before(created) {
			mp := mergedAll[next].project
			mergedBy[mp] = append(mergedBy[mp], strconv.Itoa(500000+mergedAll[next].id))
			next++
		}
		dep := connectors.Deployment{OrgID: org, Source: gl, ExternalID: id, ProjectID: projects[p], Environment: "production",
			EnvironmentTier: "production", Status: "success", Ref: "main", SHA: fmt.Sprintf("%040x", r.Uint64()),
			CreatedAt: created, UpdatedAt: created, URL: "https://gitlab.example/deployments/" + id}
		switch x := r.IntN(20); {
		case x < 6:
			dep.Environment, dep.EnvironmentTier = "staging", "staging"
		case x < 8:
			dep.Status = "failed"
		}
		if r.IntN(30) > 0 {
			fin := created.Add(dur(20 * time.Minute))
			dep.FinishedAt, dep.UpdatedAt = ptr(fin), fin
		}
		if p == 0 && dep.EnvironmentTier == "production" && dep.Status == "success" {
			dep.MergeRequestIDs, mergedBy[0] = mergedBy[0], nil
		}
		page.Deployments = append(page.Deployments, dep)
		if err := flush(false); err != nil {
			return err
		}
	}
	return flush(true)
}

// KPIFixture is a generated data set loaded into a database and into a
// kpi.MemSource holding the same records.
type KPIFixture struct {
	DB  *storage.DB
	Mem *kpi.MemSource
}

// LoadKPIData generates every data set into mem (when not nil) and writes
// it into db through WritePage under a lease, then maps KPITeams.
func LoadKPIData(ctx context.Context, db *storage.DB, mem *kpi.MemSource, sets ...KPIData) error {
	for _, d := range sets {
		key := connectors.StreamKey{OrgID: d.OrgID, Source: identity.SourceJira, Stream: connectors.StreamIssues}
		if _, err := db.Records().TakeLease(ctx, key, "kpi-loader", time.Hour); err != nil {
			return err
		}
		err := GenerateKPIData(d, func(p connectors.Page) error {
			if mem != nil {
				mem.AddIssues(p.Issues...)
				mem.AddTransitions(p.Transitions...)
				mem.AddSprints(p.Sprints...)
				mem.AddProjects(p.Projects...)
				mem.AddMergeRequests(p.MergeRequests...)
				mem.AddPipelines(p.Pipelines...)
				mem.AddDeployments(p.Deployments...)
			}
			_, err := db.Records().WritePage(ctx, key, "kpi-loader", p, strconv.Itoa(p.Number))
			return err
		})
		if err != nil {
			return fmt.Errorf("load %s: %w", d.OrgID, err)
		}
		if err := db.Records().ReleaseLease(ctx, key, "kpi-loader", connectors.LeaseResult{}); err != nil {
			return err
		}
		for team, ps := range KPITeams {
			if err := db.SetTeamProjects(ctx, d.OrgID, team, ps); err != nil {
				return err
			}
			if mem != nil {
				mem.SetTeamProjects(team, ps...)
			}
		}
	}
	return nil
}
