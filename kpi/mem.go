package kpi

import (
	"context"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ovia-hq/ovia/connectors"
)

// MemSource is an in-memory Source for tests, examples and library users
// who hold their records in memory. Add records with the Add methods (safe
// for concurrent use); indexes are built on the first query after a change,
// so a query touches only the rows of its period. Yielded slices
// (transitions, labels) are shared: callers must not modify them.
//
// Scope: org matches every row of the org; team matches issues whose Team
// equals the id and GitLab rows of the projects given to SetTeamProjects;
// project matches issues whose ProjectKey equals the id (case-insensitive)
// and GitLab rows whose project id or path equals the id.
type MemSource struct {
	mu           sync.Mutex
	issues       []connectors.Issue
	transitions  []connectors.Transition
	sprints      []connectors.Sprint
	projects     []connectors.Project
	mrs          []connectors.MergeRequest
	pipelines    []connectors.Pipeline
	deployments  []connectors.Deployment
	teamProjects map[string][]string
	idx          *memIndex
}

// NewMemSource returns an empty MemSource.
func NewMemSource() *MemSource { return &MemSource{teamProjects: map[string][]string{}} }

var _ Source = (*MemSource)(nil)

// AddIssues adds issues.
func (m *MemSource) AddIssues(v ...connectors.Issue) {
	m.add(func() { m.issues = append(m.issues, v...) })
}

// AddTransitions adds issue transitions (matched to issues by org and IssueID).
func (m *MemSource) AddTransitions(v ...connectors.Transition) {
	m.add(func() { m.transitions = append(m.transitions, v...) })
}

// AddSprints adds sprints.
func (m *MemSource) AddSprints(v ...connectors.Sprint) {
	m.add(func() { m.sprints = append(m.sprints, v...) })
}

// AddProjects adds GitLab projects.
func (m *MemSource) AddProjects(v ...connectors.Project) {
	m.add(func() { m.projects = append(m.projects, v...) })
}

// AddMergeRequests adds merge requests.
func (m *MemSource) AddMergeRequests(v ...connectors.MergeRequest) {
	m.add(func() { m.mrs = append(m.mrs, v...) })
}

// AddPipelines adds pipelines.
func (m *MemSource) AddPipelines(v ...connectors.Pipeline) {
	m.add(func() { m.pipelines = append(m.pipelines, v...) })
}

// AddDeployments adds deployments.
func (m *MemSource) AddDeployments(v ...connectors.Deployment) {
	m.add(func() { m.deployments = append(m.deployments, v...) })
}

// SetTeamProjects says which GitLab projects (ids or paths) belong to a
// team, for team scopes.
func (m *MemSource) SetTeamProjects(team string, projects ...string) {
	m.add(func() { m.teamProjects[team] = slices.Clone(projects) })
}

func (m *MemSource) add(f func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.teamProjects == nil {
		m.teamProjects = map[string][]string{}
	}
	f()
	m.idx = nil
}

// memIndex is immutable once built; it captures slice headers, and Add only
// appends, so a query running while another goroutine adds is safe.
type memIndex struct {
	issues   []connectors.Issue
	resolved timeIndex // issues with ResolvedAt
	created  timeIndex // every issue
	// itype is each issue's interned normalized type, with labelled set
	// when it has labels: incident lookups skip most issues without
	// touching them.
	itype []uint32
	types []string
	// Unresolved issues that may be blockers: flagged or with BlockedBy
	// keys, and by normalized priority.
	unresolvedMarked []int32
	unresolvedByPrio map[string][]int32
	byKey            map[okey]int32
	trans            [][]connectors.Transition // per issue, by Seq
	sprints          []connectors.Sprint
	members          map[okey][]int32 // sprint → issues whose sprint field ever held it
	projects         []connectors.Project
	projPath         map[okey]string // project id → path
	teams            map[string]map[string]bool
	mrs              []connectors.MergeRequest
	mrMerged         timeIndex             // merged MRs by MergedAt
	mrEnded          timeIndex             // merged or closed MRs by the earlier of the two
	mrOpen           []int32               // neither merged nor closed
	pipelines        []connectors.Pipeline // by FinishedAt (unfinished dropped)
	deployments      []connectors.Deployment
}

// okey is a map key scoped to an org.
type okey struct{ org, id string }

func (m *MemSource) index() *memIndex {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.idx != nil {
		return m.idx
	}
	x := &memIndex{
		issues: m.issues, byKey: make(map[okey]int32, len(m.issues)),
		trans: make([][]connectors.Transition, len(m.issues)), sprints: m.sprints, members: map[okey][]int32{},
		projects: m.projects, projPath: map[okey]string{}, teams: map[string]map[string]bool{},
		mrs: m.mrs, deployments: m.deployments, unresolvedByPrio: map[string][]int32{},
	}
	var resolved, created []int32
	for i := range m.issues {
		is := &m.issues[i]
		created = append(created, int32(i))
		switch {
		case is.ResolvedAt != nil:
			resolved = append(resolved, int32(i))
		case is.IsFlagged || len(is.BlockedBy) > 0:
			x.unresolvedMarked = append(x.unresolvedMarked, int32(i))
		default:
			p := norm(is.Priority)
			x.unresolvedByPrio[p] = append(x.unresolvedByPrio[p], int32(i))
		}
		if is.Key != "" {
			x.byKey[okey{is.OrgID, is.Key}] = int32(i)
		}
	}
	x.resolved = newTimeIndex(resolved, func(i int32) time.Time { return *m.issues[i].ResolvedAt })
	x.created = newTimeIndex(created, func(i int32) time.Time { return m.issues[i].CreatedAt })
	typeIDs := map[string]uint32{}
	x.itype = make([]uint32, len(m.issues))
	for i := range m.issues {
		t := norm(m.issues[i].Type)
		id, ok := typeIDs[t]
		if !ok {
			id = uint32(len(x.types))
			typeIDs[t] = id
			x.types = append(x.types, t)
		}
		if len(m.issues[i].Labels) > 0 {
			id |= labelled
		}
		x.itype[i] = id
	}
	var mrMerged, mrEnded []int32
	for i := range m.mrs {
		mr := &m.mrs[i]
		if mr.MergedAt != nil {
			mrMerged = append(mrMerged, int32(i))
		}
		if mrEnd(mr) != nil {
			mrEnded = append(mrEnded, int32(i))
		} else {
			x.mrOpen = append(x.mrOpen, int32(i))
		}
	}
	x.mrMerged = newTimeIndex(mrMerged, func(i int32) time.Time { return *m.mrs[i].MergedAt })
	x.mrEnded = newTimeIndex(mrEnded, func(i int32) time.Time { return *mrEnd(&m.mrs[i]) })
	byID := make(map[okey]int32, len(m.issues))
	for i := range m.issues {
		byID[okey{m.issues[i].OrgID, m.issues[i].ExternalID}] = int32(i)
	}
	// One contiguous copy ordered by (issue, seq); each issue's
	// transitions are a sub-slice of it, so a million issues cost one
	// allocation, not a million.
	type placed struct {
		issue int32
		t     int32
	}
	order := make([]placed, 0, len(m.transitions))
	for j := range m.transitions {
		t := &m.transitions[j]
		if i, ok := byID[okey{t.OrgID, t.IssueID}]; ok {
			order = append(order, placed{issue: i, t: int32(j)})
		}
	}
	slices.SortFunc(order, func(a, b placed) int {
		if a.issue != b.issue {
			return int(a.issue - b.issue)
		}
		if d := m.transitions[a.t].Seq - m.transitions[b.t].Seq; d != 0 {
			return d
		}
		return int(a.t - b.t)
	})
	all := make([]connectors.Transition, len(order))
	for k, p := range order {
		all[k] = m.transitions[p.t]
	}
	for k := 0; k < len(order); {
		j := k
		for j < len(order) && order[j].issue == order[k].issue {
			j++
		}
		x.trans[order[k].issue] = all[k:j:j]
		k = j
	}
	addMember := func(org, list string, i int32) {
		for part := range strings.SplitSeq(list, ",") {
			if id := strings.TrimSpace(part); id != "" {
				k := okey{org, id}
				if ms := x.members[k]; len(ms) == 0 || ms[len(ms)-1] != i {
					x.members[k] = append(ms, i)
				}
			}
		}
	}
	for i := range m.issues {
		if m.issues[i].SprintID != "" {
			addMember(m.issues[i].OrgID, m.issues[i].SprintID, int32(i))
		}
	}
	for _, t := range m.transitions {
		if t.Field != connectors.FieldSprint {
			continue
		}
		if i, ok := byID[okey{t.OrgID, t.IssueID}]; ok {
			addMember(t.OrgID, t.From, i)
			addMember(t.OrgID, t.To, i)
		}
	}
	for k, ms := range x.members {
		slices.Sort(ms)
		x.members[k] = slices.Compact(ms)
	}
	for _, p := range m.projects {
		x.projPath[okey{p.OrgID, p.ExternalID}] = p.PathWithNamespace
	}
	for team, ps := range m.teamProjects {
		set := map[string]bool{}
		for _, p := range ps {
			set[p] = true
		}
		x.teams[team] = set
	}
	for _, p := range m.pipelines {
		if p.FinishedAt != nil {
			x.pipelines = append(x.pipelines, p)
		}
	}
	slices.SortFunc(x.pipelines, func(a, b connectors.Pipeline) int { return a.FinishedAt.Compare(*b.FinishedAt) })
	m.idx = x
	return x
}

const labelled = 1 << 31

// timeIndex lists rows by a time, keeping the times alongside so a range
// lookup never touches the rows themselves.
type timeIndex struct {
	rows []int32
	at   []int64 // Unix nanoseconds, ascending
}

func newTimeIndex(rows []int32, at func(int32) time.Time) timeIndex {
	slices.SortFunc(rows, func(a, b int32) int { return at(a).Compare(at(b)) })
	t := timeIndex{rows: rows, at: make([]int64, len(rows))}
	for k, i := range rows {
		t.at[k] = at(i).UnixNano()
	}
	return t
}

func (t timeIndex) search(at time.Time) int {
	n := at.UnixNano()
	i, _ := slices.BinarySearchFunc(t.at, n, func(e, n int64) int {
		if e < n {
			return -1
		}
		return 1
	})
	return i
}

// span returns the rows whose time lies in [from, to).
func (t timeIndex) span(from, to time.Time) []int32 { return t.rows[t.search(from):t.search(to)] }

// since returns the rows whose time is at or after from.
func (t timeIndex) since(from time.Time) []int32 { return t.rows[t.search(from):] }

// mrEnd is when an MR stopped being open (nil while it is).
func mrEnd(mr *connectors.MergeRequest) *time.Time {
	switch {
	case mr.MergedAt != nil && mr.ClosedAt != nil:
		if mr.ClosedAt.Before(*mr.MergedAt) {
			return mr.ClosedAt
		}
		return mr.MergedAt
	case mr.MergedAt != nil:
		return mr.MergedAt
	}
	return mr.ClosedAt
}

func (x *memIndex) issueIn(q Query, is *connectors.Issue) bool {
	if is.OrgID != q.OrgID {
		return false
	}
	switch q.Scope.Kind {
	case ScopeTeam:
		return is.Team == q.Scope.ID
	case ScopeProject:
		return strings.EqualFold(is.ProjectKey, q.Scope.ID)
	}
	return true
}

func (x *memIndex) projectIn(q Query, org, project string) bool {
	if org != q.OrgID {
		return false
	}
	switch q.Scope.Kind {
	case ScopeTeam:
		set := x.teams[q.Scope.ID]
		return set[project] || set[x.projPath[okey{org, project}]]
	case ScopeProject:
		return project == q.Scope.ID || x.projPath[okey{org, project}] == q.Scope.ID
	}
	return true
}

func (x *memIndex) history(i int32) IssueHistory {
	return IssueHistory{Issue: x.issues[i], Transitions: x.trans[i]}
}

// MemSource yields pointers into its own storage: callers must not modify
// the rows (the Source contract says they are read-only and short-lived).

// lowerBound returns the first position in idx whose time is not before t.
func lowerBound[T any](s []T, at func(T) time.Time, t time.Time) int {
	i, _ := slices.BinarySearchFunc(s, t, func(e T, t time.Time) int {
		if at(e).Before(t) {
			return -1
		}
		return 1
	})
	return i
}

// ResolvedIssues implements Source.
func (m *MemSource) ResolvedIssues(ctx context.Context, q Query) iter.Seq2[*IssueHistory, error] {
	x := m.index()
	return func(yield func(*IssueHistory, error) bool) {
		var h IssueHistory
		for _, i := range x.resolved.span(q.Period.Start, q.Period.End) {
			if x.issueIn(q, &x.issues[i]) {
				h = x.history(i)
				if !yield(&h, nil) {
					return
				}
			}
		}
	}
}

// BlockerCandidates implements Source.
func (m *MemSource) BlockerCandidates(ctx context.Context, q Query) iter.Seq2[*connectors.Issue, error] {
	x := m.index()
	end := q.Period.End
	cand := func(is *connectors.Issue) bool {
		return x.issueIn(q, is) && openAt(is, end) &&
			(is.IsFlagged || len(is.BlockedBy) > 0 || q.Classifier.IsBlockerPriority(is.Priority))
	}
	return func(yield func(*connectors.Issue, error) bool) {
		lists := [][]int32{x.unresolvedMarked}
		var prios []string
		for _, p := range q.Classifier.BlockerPriorities {
			if p := norm(p); !slices.Contains(prios, p) {
				prios = append(prios, p)
				lists = append(lists, x.unresolvedByPrio[p])
			}
		}
		for _, l := range lists {
			for _, i := range l {
				if cand(&x.issues[i]) && !yield(&x.issues[i], nil) {
					return
				}
			}
		}
		// Resolved at or after end: open at end.
		for _, i := range x.resolved.since(end) {
			if cand(&x.issues[i]) && !yield(&x.issues[i], nil) {
				return
			}
		}
	}
}

// IssuesOpenAt implements Source.
func (m *MemSource) IssuesOpenAt(ctx context.Context, orgID string, keys []string, at time.Time) (map[string]bool, error) {
	x := m.index()
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		if i, ok := x.byKey[okey{orgID, k}]; ok {
			out[k] = openAt(&x.issues[i], at)
		}
	}
	return out, ctx.Err()
}

// CompletedSprints implements Source.
func (m *MemSource) CompletedSprints(ctx context.Context, q Query) iter.Seq2[*SprintHistory, error] {
	x := m.index()
	return func(yield func(*SprintHistory, error) bool) {
		var sh SprintHistory
		for _, s := range x.sprints {
			if s.OrgID != q.OrgID || s.CompleteAt == nil || !q.Period.Contains(*s.CompleteAt) {
				continue
			}
			ms := x.members[okey{s.OrgID, s.ExternalID}]
			// One buffer serves every sprint: rows are valid until the next yield.
			sh.Sprint, sh.Issues = s, sh.Issues[:0]
			for _, i := range ms {
				if x.issueIn(q, &x.issues[i]) {
					sh.Issues = append(sh.Issues, x.history(i))
				}
			}
			if q.Scope.Kind != ScopeOrg && len(sh.Issues) == 0 {
				continue
			}
			if !yield(&sh, nil) {
				return
			}
		}
	}
}

// MergeRequests implements Source.
func (m *MemSource) MergeRequests(ctx context.Context, q Query) iter.Seq2[*connectors.MergeRequest, error] {
	x := m.index()
	return func(yield func(*connectors.MergeRequest, error) bool) {
		emit := func(i int32) bool {
			mr := &x.mrs[i]
			return !x.projectIn(q, mr.OrgID, mr.ProjectID) || yield(mr, nil)
		}
		for _, i := range x.mrMerged.span(q.Period.Start, q.Period.End) {
			if !emit(i) {
				return
			}
		}
		// Open at end: still open, or ended at or after end (never merged
		// in the period, so not yielded twice).
		for _, i := range x.mrOpen {
			if mrOpenAt(&x.mrs[i], q.Period.End) && !emit(i) {
				return
			}
		}
		for _, i := range x.mrEnded.since(q.Period.End) {
			mr := &x.mrs[i]
			if mr.MergedAt != nil && q.Period.Contains(*mr.MergedAt) {
				continue
			}
			if mrOpenAt(mr, q.Period.End) && !emit(i) {
				return
			}
		}
	}
}

// Pipelines implements Source.
func (m *MemSource) Pipelines(ctx context.Context, q Query) iter.Seq2[*connectors.Pipeline, error] {
	x := m.index()
	return func(yield func(*connectors.Pipeline, error) bool) {
		at := func(p connectors.Pipeline) time.Time { return *p.FinishedAt }
		for i := lowerBound(x.pipelines, at, q.Period.Start); i < len(x.pipelines); i++ {
			p := &x.pipelines[i]
			if !p.FinishedAt.Before(q.Period.End) {
				return
			}
			if x.projectIn(q, p.OrgID, p.ProjectID) && !yield(p, nil) {
				return
			}
		}
	}
}

// Projects implements Source.
func (m *MemSource) Projects(ctx context.Context, q Query) iter.Seq2[*connectors.Project, error] {
	x := m.index()
	return func(yield func(*connectors.Project, error) bool) {
		for i := range x.projects {
			if p := &x.projects[i]; x.projectIn(q, p.OrgID, p.ExternalID) && !yield(p, nil) {
				return
			}
		}
	}
}

// Deployments implements Source.
func (m *MemSource) Deployments(ctx context.Context, q Query) iter.Seq2[*connectors.Deployment, error] {
	x := m.index()
	return func(yield func(*connectors.Deployment, error) bool) {
		for i := range x.deployments {
			d := &x.deployments[i]
			if d.FinishedAt != nil && q.Period.Contains(*d.FinishedAt) && x.projectIn(q, d.OrgID, d.ProjectID) && !yield(d, nil) {
				return
			}
		}
	}
}

// Incidents implements Source.
func (m *MemSource) Incidents(ctx context.Context, q Query) iter.Seq2[*connectors.Issue, error] {
	x := m.index()
	match := make([]bool, len(x.types))
	for k, t := range x.types {
		match[k] = contains(q.Classifier.IncidentIssueTypes, t)
	}
	ok := func(i int32) bool {
		if t := x.itype[i]; !match[t&^labelled] && t&labelled == 0 {
			return false
		}
		is := &x.issues[i]
		return x.issueIn(q, is) && q.Classifier.incident(is.Type, is.Labels)
	}
	return func(yield func(*connectors.Issue, error) bool) {
		for _, i := range x.created.span(q.Period.Start, q.Period.End) {
			if ok(i) && !yield(&x.issues[i], nil) {
				return
			}
		}
		// Resolved in the period but created before it.
		for _, i := range x.resolved.span(q.Period.Start, q.Period.End) {
			if ok(i) && !q.Period.Contains(x.issues[i].CreatedAt) && !yield(&x.issues[i], nil) {
				return
			}
		}
	}
}
