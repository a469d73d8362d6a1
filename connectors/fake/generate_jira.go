package fake

import (
	"slices"
	"strconv"
	"time"
)

// ---- sprints ----

func (g *gen) sprints() {
	o := g.o
	o.sprintByID = map[int]int{}
	id := 1
	// Every project except the incident project (the last, when there are
	// several) runs two-week sprints on its own board.
	for j, key := range o.spec.JiraProjects {
		if j == len(o.spec.JiraProjects)-1 && j > 0 {
			continue
		}
		first := g.start.Truncate(day).Add(time.Duration(j)*day + 9*time.Hour)
		future := 0
		for k := 1; future < 2; k++ {
			s := Sprint{ID: id, BoardID: j + 1, ProjectKey: key, Name: key + " Sprint " + strconv.Itoa(k)}
			s.Start = ms(first.Add(time.Duration(k-1) * 14 * day).Add(time.Duration(g.n(3600)) * time.Second))
			s.End = s.Start.Truncate(time.Minute).Add(14 * day)
			complete := ms(s.End.Add(time.Duration(g.n(3*3600)) * time.Second))
			switch {
			case !complete.After(g.now):
				s.State, s.Complete = "closed", complete
			case !s.Start.After(g.now):
				s.State = "active"
			default:
				s.State = "future"
				future++
			}
			o.sprintByID[id] = len(o.sprints)
			o.sprints = append(o.sprints, s)
			id++
		}
	}
}

func (g *gen) projectSprints(key string) []Sprint {
	var out []Sprint
	for _, s := range g.o.sprints {
		if s.ProjectKey == key {
			out = append(out, s)
		}
	}
	return out
}

// ---- issues ----

type issueSeed struct {
	project  int
	created  time.Time
	typ      string
	incident bool
	resolved time.Time // incidents: planned resolution
}

func (g *gen) issues() {
	o := g.o
	nProj := len(o.spec.JiraProjects)
	incProj := nProj - 1
	var seeds []issueSeed
	for _, inc := range g.incidents {
		if len(seeds) >= o.spec.Issues/10 {
			break
		}
		c := ms(inc.after.Add(time.Duration(20*60+g.n(6*3600)) * time.Second))
		if c.After(g.now) {
			continue
		}
		seeds = append(seeds, issueSeed{project: incProj, created: c, typ: "Incident", incident: true,
			resolved: ms(c.Add(g.lognormal(3*time.Hour, 0.9)))})
	}
	for len(seeds) < o.spec.Issues {
		s := issueSeed{project: g.n(nProj), created: ms(g.between(g.start, g.now))}
		switch r := g.f(); {
		case r < 0.35:
			s.typ = "Story"
		case r < 0.62:
			s.typ = "Task"
		case r < 0.91:
			s.typ = "Bug"
		case r < 0.96:
			s.typ = "Epic"
		default:
			s.typ = "Incident"
			s.incident = true
			s.resolved = ms(s.created.Add(g.lognormal(5*time.Hour, 1)))
		}
		seeds = append(seeds, s)
	}
	slices.SortStableFunc(seeds, func(a, b issueSeed) int { return a.created.Compare(b.created) })

	sprints := make([][]Sprint, nProj)
	teamJira := make([][]string, nProj)
	teams := make([]string, nProj)
	for j, key := range o.spec.JiraProjects {
		teams[j] = "Team " + teamName(j%g.teams)
		sprints[j] = g.projectSprints(key)
		teamJira[j] = g.teamJira(j % g.teams)
	}
	o.issues = make([]Issue, len(seeds))
	keyNum := make([]int, nProj)
	recent := make([][]int, nProj) // recent issue indexes per project, for links
	var links [][2]int             // blocked, blocker
	for i, s := range seeds {
		keyNum[s.project]++
		key := o.spec.JiraProjects[s.project]
		is := &o.issues[i]
		*is = Issue{ID: strconv.Itoa(10000 + i), Key: key + "-" + strconv.Itoa(keyNum[s.project]), ProjectKey: key,
			Type: s.typ, Created: s.created, Team: teams[s.project]}
		g.issueLife(is, s, teamJira[s.project], sprints[s.project])
		if is.Type != "Epic" && len(recent[s.project]) > 5 && g.chance(0.05) {
			cands := recent[s.project]
			links = append(links, [2]int{i, cands[g.n(len(cands))]})
		}
		recent[s.project] = append(recent[s.project], i)
		if len(recent[s.project]) > 40 {
			recent[s.project] = recent[s.project][1:]
		}
	}
	for _, l := range links {
		g.link(&o.issues[l[0]], &o.issues[l[1]])
	}
	// A few long-lived issues with busy changelogs: one fills a 100-item
	// changelog page exactly, others need a second page (paging edges).
	if len(o.issues) >= 50 {
		for k, n := range []int{100, 157, 230} {
			if k > 0 && len(o.issues) < 1000*k {
				break
			}
			g.busy(&o.issues[g.n(len(o.issues)/2)], n)
		}
	}
	for i := range o.issues {
		is := &o.issues[i]
		slices.SortStableFunc(is.Histories, func(a, b History) int { return a.Created.Compare(b.Created) })
		for h := range is.Histories {
			o.historySeq++
			is.Histories[h].ID = strconv.Itoa(100000 + o.historySeq)
		}
		is.Updated = is.Created
		if n := len(is.Histories); n > 0 {
			is.Updated = is.Histories[n-1].Created
		}
		if g.chance(0.3) {
			// Comments and edits bump updated without a changelog entry.
			if t := ms(is.Updated.Add(time.Duration(g.n(48*3600)) * time.Second)); t.Before(g.now) {
				is.Updated = t
			}
		}
	}
}

// busy pads is's changelog with description edits up to n histories,
// spread between its creation and its last change.
func (g *gen) busy(is *Issue, n int) {
	last := is.Created.Add(time.Hour)
	for _, h := range is.Histories {
		if h.Created.After(last) {
			last = h.Created
		}
	}
	for len(is.Histories) < n {
		is.Histories = append(is.Histories, History{AuthorID: is.ReporterID, Created: ms(g.between(is.Created.Add(time.Second), last)),
			Items: []ChangeItem{{Field: "description", FieldType: "jira", FieldID: "description"}}})
	}
}

type lifecycle struct {
	g      *gen
	is     *Issue
	at     time.Time
	status Status
}

// step records a status change at t unless t is in the future; it reports
// whether the change happened.
func (l *lifecycle) step(t time.Time, to Status, author string, extra ...ChangeItem) bool {
	if t.After(l.g.now) {
		return false
	}
	if !t.After(l.at) {
		t = l.at.Add(time.Second)
	}
	items := append([]ChangeItem{statusItem(l.status, to)}, extra...)
	l.is.Histories = append(l.is.Histories, History{AuthorID: author, Created: ms(t), Items: items})
	l.at, l.status = ms(t), to
	return true
}

func statusItem(from, to Status) ChangeItem {
	return ChangeItem{Field: "status", FieldType: "jira", FieldID: "status", From: from.ID, FromString: from.Name, To: to.ID, ToString: to.Name}
}

func (g *gen) pick(ids []string) string { return ids[g.n(len(ids))] }

func (g *gen) issueLife(is *Issue, s issueSeed, team []string, sprints []Sprint) {
	o := g.o
	is.Summary = summaryVerbs[g.n(len(summaryVerbs))] + " " + summaryObjects[g.n(len(summaryObjects))]
	if s.incident {
		is.Summary = "Incident: " + summaryObjects[g.n(len(summaryObjects))] + " degraded"
	}
	is.ReporterID = g.pick(team)
	switch {
	case len(g.jiraBots) > 0 && g.chance(0.04):
		is.ReporterID = g.jiraBots[0]
	case s.typ == "Bug" && g.ciJiraID != "" && g.chance(0.05):
		is.ReporterID = g.ciJiraID // nightly build failures filed by CI
		is.Summary = "Nightly build failed: " + summaryObjects[g.n(len(summaryObjects))]
	}
	is.Priority = g.priority(s.incident)
	is.Labels = g.labels(s)
	lead := team[0]
	var assignee string
	if g.chance(0.6) {
		assignee = g.pick(team)
	}
	is.AssigneeID = assignee
	if s.typ != "Epic" && !s.incident && g.chance(0.7) {
		sp := []float64{1, 2, 3, 5, 8, 13}[g.n(6)]
		is.StoryPoints = &sp
		is.StoryPointsAsString = g.chance(0.06)
		str := strconv.FormatFloat(sp, 'f', -1, 64)
		is.Histories = append(is.Histories, History{AuthorID: is.ReporterID, Created: ms(is.Created.Add(time.Duration(30+g.n(600)) * time.Second)),
			Items: []ChangeItem{{Field: "Story point estimate", FieldType: "custom", FieldID: FieldStoryPoints, To: str, ToString: str}}})
	}

	l := &lifecycle{g: g, is: is, at: is.Created, status: StatusToDo}
	worker := func() string {
		if is.AssigneeID == "" {
			return is.ReporterID
		}
		return is.AssigneeID
	}
	// start moves the issue to In Progress, assigning it if needed.
	start := func(t time.Time) bool {
		var extra []ChangeItem
		if is.AssigneeID == "" {
			a := g.pick(team)
			if t.After(g.now) {
				return false
			}
			is.AssigneeID = a
			extra = append(extra, ChangeItem{Field: "assignee", FieldType: "jira", FieldID: "assignee", To: a, ToString: o.displayName(a)})
		}
		return l.step(t, StatusInProgress, worker(), extra...)
	}
	done := func(t time.Time, to Status) bool {
		author := worker()
		switch r := g.f(); {
		case len(g.jiraBots) > 0 && r < 0.03:
			author = g.jiraBots[0]
		case r < 0.05:
			author = "" // a workflow post-function: Jira sends no author
		}
		if !l.step(t, to, author) {
			return false
		}
		is.Resolved = l.at
		is.Resolution = "Done"
		if to == StatusWontDo {
			is.Resolution = "Won't Do"
		}
		return true
	}

	switch {
	case s.incident:
		if start(is.Created.Add(time.Duration(5+g.n(25))*time.Minute)) && s.resolved.After(l.at) {
			done(s.resolved, StatusDone)
		}
	case s.typ == "Epic":
		if start(is.Created.Add(time.Duration(1+g.n(10))*day)) && g.chance(0.5) {
			done(l.at.Add(time.Duration(20+g.n(70))*day), StatusDone)
		}
	default:
		wait := g.lognormal(3*day, 1)
		switch r := g.f(); {
		case r < 0.04:
			done(is.Created.Add(wait), StatusWontDo)
		case r < 0.11:
			done(is.Created.Add(wait), StatusDone) // skips In Progress
		case r < 0.2:
			// Stays in the backlog.
		default:
			if !start(is.Created.Add(wait)) {
				break
			}
			g.work(l, done)
			if l.status == StatusDone && g.chance(0.07) {
				// Reopened.
				is.Resolved, is.Resolution = time.Time{}, ""
				if l.step(l.at.Add(time.Duration(1+g.n(10))*day), StatusInProgress, is.ReporterID) {
					g.work(l, done)
				} else if l.status == StatusDone {
					is.Resolved, is.Resolution = l.at, "Done"
				}
			}
		}
	}
	is.Status = l.status
	if is.Status.Category != "done" {
		is.Resolved, is.Resolution = time.Time{}, ""
	}

	// Priority raised at some point.
	if g.chance(0.05) && is.Priority != "Highest" {
		t := g.between(is.Created, l.at.Add(day))
		if !t.After(g.now) {
			is.Histories = append(is.Histories, History{AuthorID: lead, Created: ms(t),
				Items: []ChangeItem{{Field: "priority", FieldType: "jira", FieldID: "priority", From: priorityID("Medium"), FromString: "Medium", To: priorityID(is.Priority), ToString: is.Priority}}})
		}
	}
	// Flagged: open in-progress issues stay flagged; some others were flagged and cleared.
	flagOn := ChangeItem{Field: "Flagged", FieldType: "custom", FieldID: FieldFlagged, To: "[10019]", ToString: "Impediment"}
	flagOff := ChangeItem{Field: "Flagged", FieldType: "custom", FieldID: FieldFlagged, From: "[10019]", FromString: "Impediment"}
	if is.Status.Category == "indeterminate" && g.chance(0.08) {
		is.Flagged = true
		is.Histories = append(is.Histories, History{AuthorID: worker(), Created: ms(g.between(l.at, g.now)), Items: []ChangeItem{flagOn}})
	} else if is.Status.Category == "done" && g.chance(0.03) {
		t := g.between(is.Created, is.Resolved)
		is.Histories = append(is.Histories,
			History{AuthorID: worker(), Created: ms(t), Items: []ChangeItem{flagOn}},
			History{AuthorID: worker(), Created: ms(g.between(t, is.Resolved)), Items: []ChangeItem{flagOff}})
	}
	if !s.incident && s.typ != "Epic" && (len(sprints) > 0) && (is.Status.Category != "new" || is.Created.After(g.now.Add(-21*day))) && g.chance(0.8) {
		g.sprintPath(is, sprints, lead)
	}
}

// work moves an in-progress issue through review to done, with rework.
func (g *gen) work(l *lifecycle, done func(time.Time, Status) bool) {
	is := l.is
	author := func() string {
		if is.AssigneeID != "" {
			return is.AssigneeID
		}
		return is.ReporterID
	}
	for rework := 0; ; rework++ {
		dev := l.at.Add(g.lognormal(36*time.Hour, 0.9))
		if !g.chance(0.8) {
			done(dev, StatusDone)
			return
		}
		if !l.step(dev, StatusInReview, author()) {
			return
		}
		rev := l.at.Add(g.lognormal(14*time.Hour, 0.9))
		if rework < 2 && g.chance(0.15) {
			if !l.step(rev, StatusInProgress, author()) {
				return
			}
			continue
		}
		done(rev, StatusDone)
		return
	}
}

// sprintPath puts the issue in the sprint current when it was created (or
// the next one) and carries it over at each sprint completion while it is
// not done, the way Jira records it: Sprint "1" → "1, 2".
func (g *gen) sprintPath(is *Issue, sprints []Sprint, lead string) {
	at := is.Created.Add(time.Duration(g.n(2*86400)) * time.Second)
	k := -1
	for i, s := range sprints {
		if at.Before(s.End.Add(-3 * day)) {
			k = i
			break
		}
	}
	if k < 0 || at.After(g.now) {
		return
	}
	if sprints[k].Start.After(at) && sprints[k].State != "future" {
		at = g.between(at, sprints[k].Start)
	}
	ids := []string{strconv.Itoa(sprints[k].ID)}
	names := []string{sprints[k].Name}
	is.Sprints = []int{sprints[k].ID}
	is.Histories = append(is.Histories, History{AuthorID: lead, Created: ms(at),
		Items: []ChangeItem{{Field: "Sprint", FieldType: "custom", FieldID: FieldSprint, To: ids[0], ToString: names[0]}}})
	for ; k+1 < len(sprints); k++ {
		s := sprints[k]
		if s.State != "closed" || (!is.Resolved.IsZero() && !is.Resolved.After(s.Complete)) {
			return // the sprint is still running, or the issue was done in it
		}
		next := sprints[k+1]
		from, fromS := join(ids), join(names)
		ids, names = append(ids, strconv.Itoa(next.ID)), append(names, next.Name)
		is.Sprints = append(is.Sprints, next.ID)
		is.Histories = append(is.Histories, History{AuthorID: lead, Created: s.Complete,
			Items: []ChangeItem{{Field: "Sprint", FieldType: "custom", FieldID: FieldSprint, From: from, FromString: fromS, To: join(ids), ToString: join(names)}}})
	}
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}

// link records "is blocked by" on blocked and "blocks" on blocker.
func (g *gen) link(blocked, blocker *Issue) {
	if blocked == blocker || slices.Contains(blocked.BlockedBy, blocker.Key) {
		return
	}
	t := ms(blocked.Created.Add(time.Duration(60+g.n(86400)) * time.Second))
	if t.After(g.now) {
		return
	}
	blocked.BlockedBy = append(blocked.BlockedBy, blocker.Key)
	blocker.Blocks = append(blocker.Blocks, blocked.Key)
	author := blocked.ReporterID
	blocked.Histories = append(blocked.Histories, History{AuthorID: author, Created: t,
		Items: []ChangeItem{{Field: "Link", FieldType: "jira", To: blocker.Key, ToString: "This issue is blocked by " + blocker.Key}}})
	blocker.Histories = append(blocker.Histories, History{AuthorID: author, Created: t,
		Items: []ChangeItem{{Field: "Link", FieldType: "jira", To: blocked.Key, ToString: "This issue blocks " + blocked.Key}}})
}

var priorities = []struct{ id, name string }{
	{"1", "Highest"}, {"2", "High"}, {"3", "Medium"}, {"4", "Low"}, {"5", "Lowest"}, {"10000", "Blocker"},
}

func priorityID(name string) string {
	for _, p := range priorities {
		if p.name == name {
			return p.id
		}
	}
	return "3"
}

func (g *gen) priority(incident bool) string {
	r := g.f()
	if incident {
		return []string{"Highest", "High", "Blocker"}[min(int(r*3), 2)]
	}
	switch {
	case r < 0.5:
		return "Medium"
	case r < 0.7:
		return "High"
	case r < 0.85:
		return "Low"
	case r < 0.92:
		return "Highest"
	case r < 0.97:
		return "Lowest"
	default:
		return "Blocker"
	}
}

var issueLabels = []string{"backend", "frontend", "tech-debt", "customer", "security", "performance", "ux"}

func (g *gen) labels(s issueSeed) []string {
	var out []string
	for range g.n(3) {
		if l := issueLabels[g.n(len(issueLabels))]; !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	if s.incident && g.chance(0.5) {
		out = append(out, "incident")
	}
	if s.typ == "Bug" && g.chance(0.15) {
		out = append(out, "regression")
	}
	return out
}

// displayName is the Jira display name of an accountId. Callers hold mu
// or run before the org is shared.
func (o *Org) displayName(accountID string) string {
	if i, ok := o.jiraAccount(accountID); ok {
		return o.accounts[i].DisplayName
	}
	return ""
}
