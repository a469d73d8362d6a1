package fake

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ovia-hq/ovia/identity"
)

// GitLab ids are dense from these bases, in creation order.
const (
	mrIDBase         = 310000
	pipelineIDBase   = 900000
	deploymentIDBase = 500000
)

const (
	corpDomain = "corp.example"
	day        = 24 * time.Hour
)

// Generate builds an org from spec. The same spec (Seed and Now included)
// always yields the same org. Generation is linear in the number of
// entities: 100,000 issues take well under a few seconds.
func Generate(spec OrgSpec) *Org {
	spec = spec.withDefaults()
	o := &Org{spec: spec, loc: loadLocation(spec.TimeZone), now: spec.Now, groupID: 1001}
	g := &gen{
		o:     o,
		rng:   rand.New(rand.NewPCG(spec.Seed, 0x6f7669612d66616b)),
		now:   spec.Now,
		start: spec.Now.Add(-time.Duration(spec.Months) * 30 * day),
		teams: max(len(spec.JiraProjects), len(spec.GitLabProjects)),
	}
	g.people()
	o.indexAccounts()
	g.gitlab()
	g.sprints()
	g.issues()
	o.issueByKey = make(map[string]int, len(o.issues))
	for i := range o.issues {
		o.issueByKey[o.issues[i].Key] = i
	}
	o.sortIssueOrder()
	return o
}

func loadLocation(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	if name == "Europe/Moscow" {
		return time.FixedZone(name, 3*3600)
	}
	return time.UTC
}

type member struct {
	person   int
	team     int
	jiraID   string // active Jira account, "" if none
	gitlabID int    // work GitLab account, 0 if none
}

type gen struct {
	o          *Org
	rng        *rand.Rand
	now, start time.Time
	teams      int

	humans    []member
	usernames map[string]bool
	jiraBots  []string // app accountIds (Automation for Jira first)
	ciJiraID  string
	renovate  int // GitLab user id of the dependency bot
	projBots  map[int]int
	nextGLID  int

	envIDs    map[int][2]int // project id → production, staging environment ids
	incidents []incidentSeed
}

func (g *gen) f() float64            { return g.rng.Float64() }
func (g *gen) n(k int) int           { return g.rng.IntN(k) }
func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

func (g *gen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

func (g *gen) uuid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return uuid.UUID(b).String()
}

// between returns a millisecond-precision time in [a, b).
func (g *gen) between(a, b time.Time) time.Time {
	span := b.Sub(a).Milliseconds()
	if span <= 0 {
		return a
	}
	return a.Add(time.Duration(g.rng.Int64N(span)) * time.Millisecond)
}

// lognormal returns a duration with the given median and a moderate spread.
func (g *gen) lognormal(median time.Duration, sigma float64) time.Duration {
	d := time.Duration(float64(median) * math.Exp(g.rng.NormFloat64()*sigma))
	return d.Truncate(time.Millisecond) + time.Second
}

func ms(t time.Time) time.Time { return t.Truncate(time.Millisecond) }

// ---- people ----

func (g *gen) people() {
	o := g.o
	g.usernames = map[string]bool{}
	g.nextGLID = 2001
	type nameKey struct {
		ru          bool
		first, last int
	}
	used := map[nameKey]bool{}
	var keys []nameKey
	emails := map[string]bool{}
	for i := range o.spec.People {
		var k nameKey
		if i > 0 && i%23 == 22 {
			// A namesake: a different person with an earlier person's name.
			k = keys[g.n(len(keys))]
		} else {
			for tries := 0; ; tries++ {
				k = nameKey{ru: g.chance(0.45), first: g.n(20), last: g.n(20)}
				if !used[k] || tries > 50 {
					break
				}
			}
		}
		used[k] = true
		keys = append(keys, k)
		fn, ln := enFirst[k.first], enLast[k.last]
		if k.ru {
			fn, ln = ruFirst[k.first], ruLast[k.last]
		}
		g.human(i, k.ru, fn, ln, emails)
	}
	g.bots()
	g.groups()
}

func lower(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }

func (g *gen) human(i int, ru bool, fn firstName, ln lastName, emails map[string]bool) {
	o := g.o
	last, lastAlt, lastCyr := ln.latin, ln.alt, ln.cyr
	if lastAlt == "" {
		lastAlt = last
	}
	if ru && fn.female {
		last, lastCyr = last+"a", lastCyr+"а"
		if strings.HasSuffix(lastAlt, "ff") {
			lastAlt = strings.TrimSuffix(lastAlt, "ff") + "va" // Smirnoff → Smirnova
		} else {
			lastAlt += "a"
		}
	}
	canonical := fn.latin + " " + last
	local := lower(fn.latin) + "." + lower(last)
	email := local + "@" + corpDomain
	for n := 2; emails[email]; n++ {
		email = local + strconv.Itoa(n) + "@" + corpDomain
	}
	emails[email] = true
	p := Person{ID: g.uuid(), DisplayName: canonical, Email: email}
	o.people = append(o.people, p)
	m := member{person: len(o.people) - 1, team: i % g.teams}
	created := g.start.Add(-time.Duration(200+g.n(1500)) * day)

	variant := func(r float64) string {
		switch {
		case r < 0.6:
			return canonical
		case r < 0.75:
			if ru {
				return fn.alt + " " + lastAlt
			}
			return fn.alt + " " + last
		case r < 0.85:
			if ru {
				return fn.cyr + " " + lastCyr
			}
			return fn.nick + " " + last
		case r < 0.93:
			return last + " " + fn.latin
		default:
			return fn.latin + " " + last[:1] + "."
		}
	}

	// Jira (and, on the same Atlassian site, Confluence). The first person
	// has every account, so even a tiny org has someone to assign work to.
	first := i == 0
	if g.chance(0.9) || first {
		a := Account{
			Source: identity.SourceJira, ExternalID: g.hex(24), PersonID: p.ID,
			DisplayName: variant(g.f()), AccountType: "atlassian", Active: true, CreatedAt: created,
		}
		if g.chance(0.12) {
			a.Email = email
		}
		o.accounts = append(o.accounts, a)
		m.jiraID = a.ExternalID
		if g.chance(0.05) {
			// A second, deactivated account in the same tool (former contractor login).
			o.accounts = append(o.accounts, Account{
				Source: identity.SourceJira, ExternalID: g.hex(24), PersonID: p.ID,
				DisplayName: canonical, AccountType: "atlassian", Active: false, CreatedAt: created.Add(-300 * day),
			})
		}
		if g.chance(0.75) {
			o.accounts = append(o.accounts, Account{
				Source: identity.SourceConfluence, ExternalID: a.ExternalID, PersonID: p.ID,
				DisplayName: a.DisplayName, PublicName: g.publicName(fn, last, canonical),
				Email: a.Email, AccountType: "atlassian", Active: true, CreatedAt: created,
			})
		}
	} else if g.chance(0.6) {
		o.accounts = append(o.accounts, Account{
			Source: identity.SourceConfluence, ExternalID: g.hex(24), PersonID: p.ID,
			DisplayName: variant(g.f()), PublicName: g.publicName(fn, last, canonical),
			AccountType: "atlassian", Active: true, CreatedAt: created,
		})
	}

	// GitLab.
	if g.chance(0.85) || first {
		f1 := lower(fn.latin)[:1]
		cands := []string{f1 + lower(last), lower(fn.latin) + "." + lower(last), f1 + "." + lower(last),
			lower(last) + "." + f1, lower(fn.nick) + strconv.Itoa(80+g.n(20)), lower(fn.latin) + "_" + lower(last)}
		user := g.username(cands[g.n(len(cands))])
		workEmail := email
		switch r := g.f(); {
		case r < 0.3:
			workEmail = f1 + "." + lower(last) + "@" + corpDomain
		case r < 0.45:
			workEmail = f1 + lower(last) + "@" + corpDomain
		}
		name := variant(g.f())
		if g.chance(0.05) {
			name = user
		}
		personal := g.personalEmail(fn, last)
		a := Account{
			Source: identity.SourceGitLab, ExternalID: strconv.Itoa(g.nextGLID), PersonID: p.ID,
			Username: user, DisplayName: name, Email: workEmail, CommitEmail: workEmail,
			Active: true, CreatedAt: created,
		}
		g.nextGLID++
		if g.chance(0.2) {
			a.PublicEmail = workEmail
		}
		if g.chance(0.3) {
			a.CommitEmail = personal
		}
		o.accounts = append(o.accounts, a)
		m.gitlabID, _ = strconv.Atoi(a.ExternalID)
		if g.chance(0.1) {
			// A personal account used on the side.
			o.accounts = append(o.accounts, Account{
				Source: identity.SourceGitLab, ExternalID: strconv.Itoa(g.nextGLID), PersonID: p.ID,
				Username: g.username(lower(fn.nick) + "-dev"), DisplayName: fn.nick + " " + last[:1] + ".",
				Email: personal, PublicEmail: personal, CommitEmail: personal, Active: true,
				CreatedAt: created.Add(-400 * day),
			})
			g.nextGLID++
		}
	}
	g.humans = append(g.humans, m)
}

func (g *gen) publicName(fn firstName, last, canonical string) string {
	switch r := g.f(); {
	case r < 0.3:
		return fn.nick
	case r < 0.6:
		return fn.latin
	case r < 0.9:
		return canonical
	default:
		return fn.latin + " " + last[:1] + "."
	}
}

func (g *gen) personalEmail(fn firstName, last string) string {
	d := personalDomains[g.n(len(personalDomains))]
	if g.chance(0.5) {
		return lower(fn.latin) + "." + lower(last) + strconv.Itoa(1975+g.n(25)) + "@" + d
	}
	return lower(fn.nick) + strconv.Itoa(g.n(100)) + "@" + d
}

func (g *gen) username(u string) string {
	base := u
	for n := 2; g.usernames[u]; n++ {
		u = base + strconv.Itoa(n)
	}
	g.usernames[u] = true
	return u
}

func (g *gen) bots() {
	o := g.o
	addPerson := func(name, email string) string {
		p := Person{ID: g.uuid(), DisplayName: name, Email: email, IsBot: true}
		o.people = append(o.people, p)
		return p.ID
	}
	created := g.start.Add(-400 * day)
	g.projBots = map[int]int{}
	for b := range o.spec.Bots {
		switch b {
		case 0:
			id := "557058:" + g.uuid()
			pid := addPerson("Automation for Jira", "")
			o.accounts = append(o.accounts,
				Account{Source: identity.SourceJira, ExternalID: id, PersonID: pid, DisplayName: "Automation for Jira", AccountType: "app", Bot: true, Active: true, CreatedAt: created},
				Account{Source: identity.SourceConfluence, ExternalID: id, PersonID: pid, DisplayName: "Automation for Jira", PublicName: "Automation for Jira", AccountType: "app", Bot: true, Active: true, CreatedAt: created})
			g.jiraBots = append(g.jiraBots, id)
		case 1:
			pid := addPerson("Renovate Bot", "renovate-bot@"+corpDomain)
			g.renovate = g.nextGLID
			o.accounts = append(o.accounts, Account{Source: identity.SourceGitLab, ExternalID: strconv.Itoa(g.nextGLID), PersonID: pid,
				Username: "renovate-bot", DisplayName: "Renovate Bot", Email: "renovate-bot@" + corpDomain, CommitEmail: "renovate-bot@" + corpDomain, Active: true, CreatedAt: created})
			g.nextGLID++
		case 2:
			pid := addPerson("CI", "ci@"+corpDomain)
			g.ciJiraID = g.hex(24)
			o.accounts = append(o.accounts,
				Account{Source: identity.SourceJira, ExternalID: g.ciJiraID, PersonID: pid, DisplayName: "Jenkins CI", Email: "ci@" + corpDomain, AccountType: "atlassian", Active: true, CreatedAt: created},
				Account{Source: identity.SourceGitLab, ExternalID: strconv.Itoa(g.nextGLID), PersonID: pid, Username: "ci-runner", DisplayName: "CI Runner", Email: "ci@" + corpDomain, CommitEmail: "ci@" + corpDomain, Active: true, CreatedAt: created})
			g.nextGLID++
		case 3:
			// GitLab project access token bots: one per project, bot: true.
			for pi := range o.spec.GitLabProjects {
				pid := addPerson(fmt.Sprintf("release-bot (%s)", g.projectPath(pi)), "")
				h := g.hex(6)
				projectID := 4101 + pi
				user := fmt.Sprintf("project_%d_bot_%s", projectID, h)
				o.accounts = append(o.accounts, Account{Source: identity.SourceGitLab, ExternalID: strconv.Itoa(g.nextGLID), PersonID: pid,
					Username: user, DisplayName: "release-bot", Email: user + "@noreply." + corpDomain, CommitEmail: user + "@noreply." + corpDomain,
					Bot: true, Active: true, CreatedAt: created})
				g.projBots[projectID] = g.nextGLID
				g.nextGLID++
			}
		case 4:
			id := "557058:" + g.uuid()
			pid := addPerson("Slack", "")
			o.accounts = append(o.accounts, Account{Source: identity.SourceJira, ExternalID: id, PersonID: pid, DisplayName: "Slack", AccountType: "app", Bot: true, Active: true, CreatedAt: created})
			g.jiraBots = append(g.jiraBots, id)
		}
	}
}

func (g *gen) groups() {
	o := g.o
	all := Group{ID: g.uuid(), Name: "confluence-users"}
	teamGroups := make([]Group, g.teams)
	for t := range teamGroups {
		teamGroups[t] = Group{ID: g.uuid(), Name: "team-" + teamName(t)}
	}
	person := map[string]int{}
	for i, m := range g.humans {
		person[o.people[m.person].ID] = i
	}
	for _, a := range o.accounts {
		if a.Source != identity.SourceConfluence {
			continue
		}
		all.Members = append(all.Members, a.ExternalID)
		if h, ok := person[a.PersonID]; ok {
			t := g.humans[h].team
			teamGroups[t].Members = append(teamGroups[t].Members, a.ExternalID)
		}
	}
	o.groups = append([]Group{all}, teamGroups...)
}

var teamNames = []string{"Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel"}

func teamName(t int) string {
	if t < len(teamNames) {
		return teamNames[t]
	}
	return "Team" + strconv.Itoa(t)
}

func (g *gen) teamJira(team int) []string {
	var out []string
	for _, m := range g.humans {
		if m.jiraID != "" && (m.team == team || g.teams == 1) {
			out = append(out, m.jiraID)
		}
	}
	if len(out) == 0 {
		for _, m := range g.humans {
			if m.jiraID != "" {
				out = append(out, m.jiraID)
			}
		}
	}
	return out
}

func (g *gen) teamGitLab(team int) []int {
	var out []int
	for _, m := range g.humans {
		if m.gitlabID != 0 && m.team == team {
			out = append(out, m.gitlabID)
		}
	}
	if len(out) == 0 {
		for _, m := range g.humans {
			if m.gitlabID != 0 {
				out = append(out, m.gitlabID)
			}
		}
	}
	return out
}

// ---- GitLab ----

func (g *gen) projectPath(pi int) string {
	p := g.o.spec.GitLabProjects[pi]
	if strings.Contains(p, "/") {
		return p
	}
	return g.o.spec.GitLabGroup + "/" + p
}

func (g *gen) sha() string { return g.hex(40) }

type pendingMR struct {
	mr       *MergeRequest
	pipeline int // id of the default-branch pipeline after merge
	finished time.Time
}

func (g *gen) gitlab() {
	o := g.o
	g.envIDs = map[int][2]int{}
	// Merge requests, all projects, then global ids in creation order.
	for pi := range o.spec.GitLabProjects {
		path := g.projectPath(pi)
		branch := "main"
		if pi == 1 {
			branch = "master"
		}
		name := path[strings.LastIndex(path, "/")+1:]
		p := Project{ID: 4101 + pi, Name: strings.ToUpper(name[:1]) + name[1:], Path: name, PathWithNamespace: path,
			DefaultBranch: branch, CreatedAt: ms(g.start.Add(-time.Duration(300+g.n(400)) * day))}
		o.projects = append(o.projects, p)
		g.envIDs[p.ID] = [2]int{7000 + 2*pi, 7001 + 2*pi}
		devs := g.teamGitLab(pi % g.teams)
		if o.projectMembers == nil {
			o.projectMembers = map[int][]int{}
		}
		o.projectMembers[p.ID] = slices.Clone(devs)
		if bot := g.projBots[p.ID]; bot != 0 {
			o.projectMembers[p.ID] = append(o.projectMembers[p.ID], bot)
		}
		for range o.spec.MRsPerProject {
			o.mrs = append(o.mrs, g.mergeRequest(p, devs))
		}
	}
	sort.SliceStable(o.mrs, func(a, b int) bool { return o.mrs[a].CreatedAt.Before(o.mrs[b].CreatedAt) })
	iids := map[int]int{}
	for i := range o.mrs {
		m := &o.mrs[i]
		m.ID = mrIDBase + i
		iids[m.ProjectID]++
		m.IID = iids[m.ProjectID]
		m.SourceBranch = fmt.Sprintf("%s-%d", m.SourceBranch, m.IID)
		g.nameJiraIssue(m)
		m.talkUntil = m.UpdatedAt
		m.FirstReviewAt = o.firstReview(m)
	}
	// Pipelines, then deployments (which point at pipelines and MRs).
	for pi := range o.projects {
		g.pipelines(&o.projects[pi])
	}
	sort.SliceStable(o.pipelines, func(a, b int) bool { return o.pipelines[a].CreatedAt.Before(o.pipelines[b].CreatedAt) })
	iids = map[int]int{}
	for i := range o.pipelines {
		p := &o.pipelines[i]
		p.ID = pipelineIDBase + i
		iids[p.ProjectID]++
		p.IID = iids[p.ProjectID]
	}
	for pi := range o.projects {
		g.deployments(&o.projects[pi])
	}
	sort.SliceStable(o.deployments, func(a, b int) bool { return o.deployments[a].CreatedAt.Before(o.deployments[b].CreatedAt) })
	iids = map[int]int{}
	for i := range o.deployments {
		d := &o.deployments[i]
		d.ID = deploymentIDBase + i
		iids[d.ProjectID]++
		d.IID = iids[d.ProjectID]
	}
	for pi := range o.projects {
		p := &o.projects[pi]
		p.LastActivityAt = p.CreatedAt
		for _, m := range o.mrs {
			if m.ProjectID == p.ID && m.UpdatedAt.After(p.LastActivityAt) {
				p.LastActivityAt = m.UpdatedAt
			}
		}
	}
}

// nameJiraIssue makes half of a team's merge requests name an issue of
// the team's Jira project, in the title ("OV-12: Fix login") or the branch
// ("OV-12-fix/login-3"), as teams that tie GitLab to Jira do. It draws no
// random numbers, so the rest of the org is the same with or without it.
func (g *gen) nameJiraIssue(m *MergeRequest) {
	team := (m.ProjectID - 4101) % g.teams
	if m.AuthorID == g.renovate || team >= len(g.o.spec.JiraProjects) {
		return
	}
	ref := fmt.Sprintf("%s-%d", g.o.spec.JiraProjects[team], 1+(m.IID*7)%97)
	switch m.IID % 4 {
	case 1:
		m.Title = ref + ": " + m.Title
	case 2:
		m.SourceBranch = ref + "-" + m.SourceBranch
	}
}

func (g *gen) mergeRequest(p Project, devs []int) MergeRequest {
	created := ms(g.between(g.start, g.now))
	m := MergeRequest{ProjectID: p.ID, TargetBranch: p.DefaultBranch, SHA: g.sha(), CreatedAt: created, State: "opened"}
	verb := summaryVerbs[g.n(len(summaryVerbs))]
	obj := summaryObjects[g.n(len(summaryObjects))]
	m.Title = verb + " " + obj
	m.SourceBranch = "feature/" + strings.ReplaceAll(obj, " ", "-")
	switch r := g.f(); {
	case g.renovate != 0 && r < 0.05:
		m.AuthorID = g.renovate
		m.Title = "chore(deps): update dependency " + []string{"golang.org/x/net", "react", "postgres", "eslint"}[g.n(4)]
		m.SourceBranch = "renovate/deps"
		m.Labels = []string{"dependencies"}
	default:
		m.AuthorID = devs[g.n(len(devs))]
		switch r := g.f(); {
		case r < 0.3:
			m.Labels = []string{"bug"}
			m.SourceBranch = "fix/" + strings.ReplaceAll(obj, " ", "-")
			m.Title = "Fix " + obj
		case r < 0.7:
			m.Labels = []string{"feature"}
		}
		if g.chance(0.3) {
			m.Labels = append(m.Labels, []string{"backend", "frontend", "tech-debt"}[g.n(3)])
		}
	}
	for range 1 + g.n(2) {
		if r := devs[g.n(len(devs))]; r != m.AuthorID && !slices.Contains(m.ReviewerIDs, r) {
			m.ReviewerIDs = append(m.ReviewerIDs, r)
		}
	}
	end := created.Add(g.lognormal(20*time.Hour, 1.1))
	switch r := g.f(); {
	case r < 0.78 && end.Before(g.now):
		m.State, m.MergedAt, m.MergeCommitSHA = "merged", ms(end), g.sha()
		m.MergedByID = m.AuthorID
		if len(m.ReviewerIDs) > 0 {
			m.MergedByID = m.ReviewerIDs[0]
		}
		m.UpdatedAt = ms(end.Add(time.Duration(g.n(5000)) * time.Millisecond))
	case r < 0.88 && end.Before(g.now):
		m.State, m.ClosedAt = "closed", ms(end)
		m.UpdatedAt = m.ClosedAt
	default:
		m.UpdatedAt = ms(g.between(created, g.now))
		m.Draft = g.chance(0.1)
	}
	if m.UpdatedAt.After(g.now) {
		m.UpdatedAt = g.now
	}
	return m
}

func (g *gen) finish(p *Pipeline, status string, dur time.Duration) {
	p.UpdatedAt = p.CreatedAt
	start := ms(p.CreatedAt.Add(time.Duration(1+g.n(30)) * time.Second))
	if start.After(g.now) {
		p.Status = "pending"
		return
	}
	p.Status, p.StartedAt, p.UpdatedAt = status, start, start
	fin := ms(start.Add(dur))
	switch {
	case status == "manual":
		// Waiting for someone to press play on a manual job.
		if t := ms(start.Add(dur / 2)); t.Before(g.now) {
			p.UpdatedAt = t
		}
	case fin.After(g.now):
		p.Status = "running"
	default:
		p.FinishedAt, p.UpdatedAt, p.Duration = fin, fin, int(dur/time.Second)
	}
}

func (g *gen) pipelineStatus() string {
	switch r := g.f(); {
	case r < 0.84:
		return "success"
	case r < 0.94:
		return "failed"
	case r < 0.97:
		return "canceled"
	default:
		return "manual"
	}
}

func (g *gen) pipelines(p *Project) {
	o := g.o
	for i := range o.mrs {
		m := &o.mrs[i]
		if m.ProjectID != p.ID {
			continue
		}
		// Merge request pipelines; a failed one is retried.
		at := m.CreatedAt.Add(time.Duration(20+g.n(300)) * time.Second)
		for k := range 1 + g.n(3) {
			if at.After(g.now) {
				break
			}
			pl := Pipeline{ProjectID: p.ID, SHA: m.SHA, Ref: fmt.Sprintf("refs/merge-requests/%d/head", m.IID),
				Source: "merge_request_event", UserID: m.AuthorID, CreatedAt: ms(at), MRIID: m.IID}
			g.finish(&pl, g.pipelineStatus(), g.lognormal(9*time.Minute, 0.4))
			if pl.Status == "failed" && k == 0 {
				pl.Retried = true
			}
			o.pipelines = append(o.pipelines, pl)
			at = at.Add(g.lognormal(5*time.Hour, 1))
		}
		if m.State != "merged" {
			continue
		}
		pl := Pipeline{ProjectID: p.ID, SHA: m.MergeCommitSHA, Ref: p.DefaultBranch, Source: "push",
			UserID: m.MergedByID, CreatedAt: ms(m.MergedAt.Add(time.Duration(2+g.n(20)) * time.Second))}
		g.finish(&pl, g.pipelineStatus(), g.lognormal(12*time.Minute, 0.4))
		o.pipelines = append(o.pipelines, pl)
	}
	// Nightly scheduled pipelines on the default branch.
	bot := g.projBots[p.ID]
	for d := g.start.Truncate(day).Add(day + 2*time.Hour); d.Before(g.now); d = d.Add(day) {
		pl := Pipeline{ProjectID: p.ID, SHA: g.sha(), Ref: p.DefaultBranch, Source: "schedule", UserID: bot, CreatedAt: ms(d)}
		if bot == 0 {
			pl.UserID = g.teamGitLab(0)[0]
		}
		st := "success"
		if g.chance(0.08) {
			st = "failed"
		}
		g.finish(&pl, st, g.lognormal(15*time.Minute, 0.3))
		o.pipelines = append(o.pipelines, pl)
	}
}

func (g *gen) deployments(p *Project) {
	o := g.o
	env := g.envIDs[p.ID]
	// Default-branch pipelines after merges, in time order, with their MR.
	mrBySHA := map[string]*MergeRequest{}
	for i := range o.mrs {
		if m := &o.mrs[i]; m.ProjectID == p.ID && m.State == "merged" {
			mrBySHA[m.MergeCommitSHA] = m
		}
	}
	var ready []pendingMR
	for i := range o.pipelines {
		pl := &o.pipelines[i]
		if pl.ProjectID != p.ID || pl.Source != "push" || pl.Status != "success" {
			continue
		}
		m := mrBySHA[pl.SHA]
		ready = append(ready, pendingMR{mr: m, pipeline: pl.ID, finished: pl.FinishedAt})
		// Staging deploy right after each successful default-branch pipeline.
		d := Deployment{ProjectID: p.ID, EnvironmentID: env[1], Environment: "staging", Tier: "staging",
			Ref: p.DefaultBranch, SHA: pl.SHA, UserID: pl.UserID, PipelineID: pl.ID,
			CreatedAt: ms(pl.FinishedAt.Add(time.Duration(5+g.n(60)) * time.Second)), MergeRequestIDs: []int{m.ID}}
		g.deployStatus(&d, 0.05)
		o.deployments = append(o.deployments, d)
	}
	sort.SliceStable(ready, func(a, b int) bool { return ready[a].finished.Before(ready[b].finished) })
	// Production deploys on most working days, shipping everything merged
	// and green since the last successful production deploy.
	next := 0
	var pending []pendingMR
	for d := g.start.Truncate(day).Add(day + 13*time.Hour); d.Before(g.now); d = d.Add(day) {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday || !g.chance(0.7) {
			continue
		}
		at := ms(d.Add(time.Duration(g.n(4*3600)) * time.Second))
		for next < len(ready) && ready[next].finished.Before(at) {
			pending = append(pending, ready[next])
			next++
		}
		if len(pending) == 0 || at.After(g.now) {
			continue
		}
		last := pending[len(pending)-1]
		dep := Deployment{ProjectID: p.ID, EnvironmentID: env[0], Environment: "production", Tier: "production",
			Ref: p.DefaultBranch, SHA: last.mr.MergeCommitSHA, UserID: last.mr.MergedByID, PipelineID: last.pipeline, CreatedAt: at}
		for _, pm := range pending {
			dep.MergeRequestIDs = append(dep.MergeRequestIDs, pm.mr.ID)
		}
		g.deployStatus(&dep, 0.1)
		o.deployments = append(o.deployments, dep)
		switch {
		case dep.Status == "success":
			pending = pending[:0]
			if g.chance(0.12) {
				g.incidents = append(g.incidents, incidentSeed{after: dep.FinishedAt})
			}
		case dep.Status == "failed" && g.chance(0.3):
			g.incidents = append(g.incidents, incidentSeed{after: dep.FinishedAt})
		}
	}
}

type incidentSeed struct{ after time.Time }

func (g *gen) deployStatus(d *Deployment, failRate float64) {
	fin := ms(d.CreatedAt.Add(g.lognormal(4*time.Minute, 0.3)))
	switch {
	case fin.After(g.now):
		d.Status, d.UpdatedAt = "running", d.CreatedAt
	case g.chance(failRate):
		d.Status, d.FinishedAt, d.UpdatedAt = "failed", fin, fin
	default:
		d.Status, d.FinishedAt, d.UpdatedAt = "success", fin, fin
	}
}
