package bunstore

import (
	"context"
	"iter"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/kpi"
)

// KPISource returns the kpi.Source view of s. It yields exactly the rows
// kpi.MemSource yields over the same records. Every method filters by org,
// period and scope in SQL on an index (docs/storage.md lists them and their
// plans), so a snapshot reads the rows of its period, not the database:
// reads stream from one statement, except resolved issues (keyset batches
// of kpiBatch, each batch's transitions read with one IN query) and sprint
// members (primary-key batches). Each stream holds one reader connection
// until it ends, so a caller must not start another stream inside its loop.
func (s *Store) KPISource() kpi.Source { return kpiSource{s: s, db: s.r} }

// kpiBatch is the size of one keyset batch (and of one transitions IN list).
const kpiBatch = 1000

type kpiSource struct {
	s  *Store
	db bun.IDB
}

var _ kpi.Source = kpiSource{}

// markedIssue is the predicate of the partial index issues_marked: flagged,
// or blocked by at least one issue (bun writes a nil slice as JSON null).
// It must be spelled exactly so for SQLite to use the index.
const markedIssue = "(issues.is_flagged OR issues.blocked_by NOT IN ('null', '[]'))"

// pin runs the caller's queries on one reader connection (on SQLite; the
// reader pool there opens with memory-mapped reads, see storage/sqlite); on
// PostgreSQL it is the pool itself.
func (k kpiSource) pin(ctx context.Context) (kpiSource, func(), error) {
	if k.s.cfg.Dialect != SQLite {
		return k, func() {}, nil
	}
	conn, err := k.s.r.Conn(ctx)
	if err != nil {
		return k, nil, k.s.mapErr(err, "kpi: reader connection")
	}
	return kpiSource{s: k.s, db: conn}, func() { _ = conn.Close() }, nil
}

// indexed pins a query to an index on SQLite (INDEXED BY, which also
// fails loudly should the index go missing). Without ANALYZE statistics
// SQLite's planner rates IN lists and IS NULL terms poorly and would walk
// issues_created or the primary key instead; PostgreSQL plans from the
// statistics autovacuum keeps.
func (k kpiSource) indexed(q *bun.SelectQuery, table, index string) *bun.SelectQuery {
	if k.s.cfg.Dialect != SQLite {
		return q
	}
	return q.ModelTableExpr("? AS ? INDEXED BY ?", bun.Ident(table), bun.Ident(table), bun.Ident(index))
}

// resolvedBatches reads the issues resolved in [from, end) of a scope in
// batches of about kpiBatch in resolved_at order, so the transitions of
// each batch can be read between batches without holding a cursor. The
// index gives the order, so nothing is sorted: a batch ends before the
// rows sharing its last resolved_at, which start the next batch (a batch
// all at one instant reads that instant in full). Each batch's index range
// starts where the previous one ended.
func (k kpiSource) resolvedBatches(ctx context.Context, org string, sc issueScope, from, end time.Time, fn func([]issueModel) bool) error {
	lower := ">="
	for {
		var batch []issueModel
		q := sc.apply(k.db.NewSelect().Model(&batch).
			Where("issues.org_id = ? AND issues.resolved_at "+lower+" ? AND issues.resolved_at < ?", org, from, end))
		if err := q.OrderExpr("issues.resolved_at ASC").Limit(kpiBatch).Scan(ctx); err != nil {
			return k.s.mapErr(err, "kpi: read resolved issues")
		}
		if len(batch) < kpiBatch {
			if len(batch) > 0 {
				fn(batch)
			}
			return nil
		}
		last := *batch[len(batch)-1].ResolvedAt
		cut := len(batch)
		for cut > 0 && batch[cut-1].ResolvedAt.Equal(last) {
			cut--
		}
		if cut > 0 {
			if !fn(batch[:cut]) {
				return nil
			}
			from, lower = last, ">="
			continue
		}
		var tie []issueModel
		if err := sc.apply(k.db.NewSelect().Model(&tie).
			Where("issues.org_id = ? AND issues.resolved_at = ?", org, last)).Scan(ctx); err != nil {
			return k.s.mapErr(err, "kpi: read resolved issues")
		}
		if !fn(tie) {
			return nil
		}
		from, lower = last, ">"
	}
}

// stream runs one query and hands each row to fn (false stops). Reads
// that need no other query while they run stream this way: no ORDER BY,
// one statement, however many rows the period holds.
func stream[T any](ctx context.Context, k kpiSource, table string, q *bun.SelectQuery, fn func(*T) bool) error {
	rows, err := q.Rows(ctx)
	if err != nil {
		return k.s.mapErr(err, "kpi: read "+table)
	}
	defer rows.Close()
	var m T
	for rows.Next() {
		var zero T
		m = zero
		if err := k.s.r.ScanRow(ctx, rows, &m); err != nil {
			return k.s.mapErr(err, "kpi: read "+table)
		}
		if !fn(&m) {
			return nil
		}
	}
	return k.s.mapErr(rows.Err(), "kpi: read "+table)
}

// issueScope is the issues of a query's scope: a team's issues by the team
// column, a project's by its Jira project key (case-insensitive, resolved
// to the stored spellings first so the index on project_key applies).
type issueScope struct {
	team string
	keys []string // project scope: the stored project keys
	none bool     // project scope without any issue
}

func (k kpiSource) issueScope(ctx context.Context, q kpi.Query) (issueScope, error) {
	switch q.Scope.Kind {
	case kpi.ScopeTeam:
		return issueScope{team: q.Scope.ID}, nil
	case kpi.ScopeProject:
		keys, err := k.distinct(ctx, "project_key", q.OrgID)
		if err != nil {
			return issueScope{}, err
		}
		keys = slices.DeleteFunc(keys, func(key string) bool { return !strings.EqualFold(key, q.Scope.ID) })
		return issueScope{keys: keys, none: len(keys) == 0}, nil
	}
	return issueScope{}, nil
}

func (sc issueScope) apply(q *bun.SelectQuery) *bun.SelectQuery {
	switch {
	case sc.team != "":
		return q.Where("issues.team = ?", sc.team)
	case len(sc.keys) > 0:
		return q.Where("issues.project_key IN (?)", bun.List(sc.keys))
	}
	return q
}

// distinct lists the distinct values of an indexed issues column of an
// org with a loose index scan: one index seek per value, however many
// rows share it (works on both dialects).
func (k kpiSource) distinct(ctx context.Context, col, org string) ([]string, error) {
	var vals []string
	err := k.db.NewRaw(`WITH RECURSIVE v (val) AS (
    SELECT MIN(?0) FROM issues WHERE org_id = ?1
    UNION ALL
    SELECT (SELECT MIN(?0) FROM issues WHERE org_id = ?1 AND ?0 > v.val) FROM v WHERE v.val IS NOT NULL
)
SELECT val FROM v WHERE val IS NOT NULL`, bun.Ident(col), org).Scan(ctx, &vals)
	return vals, k.s.mapErr(err, "kpi: distinct issues."+col)
}

// projectScope is the GitLab projects of a query's scope: nil for the org
// scope; otherwise the project ids a row's project_id must be one of (a
// team's mapped ids and paths, a project's id or path, paths resolved to
// ids through projects).
func (k kpiSource) projectScope(ctx context.Context, q kpi.Query) ([]string, error) {
	var names []string
	switch q.Scope.Kind {
	case kpi.ScopeTeam:
		if err := k.db.NewSelect().TableExpr("team_projects").Column("project_id").
			Where("org_id = ? AND team = ?", q.OrgID, q.Scope.ID).Scan(ctx, &names); err != nil {
			return nil, k.s.mapErr(err, "kpi: read team projects")
		}
	case kpi.ScopeProject:
		names = []string{q.Scope.ID}
	default:
		return nil, nil
	}
	ids := slices.Clone(names)
	if len(names) > 0 {
		var byPath []string
		if err := k.db.NewSelect().TableExpr("projects").Column("external_id").
			Where("org_id = ? AND path_with_namespace IN (?)", q.OrgID, bun.List(names)).Scan(ctx, &byPath); err != nil {
			return nil, k.s.mapErr(err, "kpi: resolve project paths")
		}
		ids = append(ids, byPath...)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// inProjects restricts a GitLab table to the scope's projects.
func inProjects(table string, ids []string, scoped bool) func(*bun.SelectQuery) *bun.SelectQuery {
	return func(q *bun.SelectQuery) *bun.SelectQuery {
		if !scoped {
			return q
		}
		return q.Where("?.project_id IN (?)", bun.Ident(table), bun.List(ids))
	}
}

// transitions reads the transitions of a batch of issues with one IN query
// per source, keyed by source and issue id, in Seq order.
func (k kpiSource) transitions(ctx context.Context, org string, issues []issueModel, statusOnly bool) (map[[2]string][]connectors.Transition, error) {
	bySource := map[string][]string{}
	for _, m := range issues {
		bySource[m.Source] = append(bySource[m.Source], m.ExternalID)
	}
	out := make(map[[2]string][]connectors.Transition, len(issues))
	for src, ids := range bySource {
		var rows []transitionModel
		// org_id and source are the query's own: not read back per row.
		q := k.db.NewSelect().Model(&rows).
			Column("issue_id", "seq", "field", "from_value", "to_value", "from_category", "to_category", "at", "author_id").
			Where("org_id = ? AND source = ? AND issue_id IN (?)", org, src, bun.List(ids))
		if statusOnly {
			q = q.Where("field = ?", connectors.FieldStatus)
		}
		if err := q.OrderExpr("issue_id, seq").Scan(ctx); err != nil {
			return nil, k.s.mapErr(err, "kpi: read transitions")
		}
		for _, m := range rows {
			m.OrgID, m.Source = org, src
			key := [2]string{src, m.IssueID}
			out[key] = append(out[key], transitionOut(m))
		}
	}
	return out, nil
}

// histories pairs a batch of issues with their transitions and yields them.
func (k kpiSource) histories(ctx context.Context, org string, batch []issueModel, statusOnly bool, yield func(*kpi.IssueHistory, error) bool) bool {
	trs, err := k.transitions(ctx, org, batch, statusOnly)
	if err != nil {
		yield(nil, err)
		return false
	}
	var h kpi.IssueHistory
	for i := range batch {
		h = kpi.IssueHistory{Issue: issueOut(batch[i]), Transitions: trs[[2]string{batch[i].Source, batch[i].ExternalID}]}
		if !yield(&h, nil) {
			return false
		}
	}
	return true
}

// scopedIssues is the frame of the issue reads: body runs on one pinned
// connection with q's issue scope resolved; an error is yielded once, and
// a scope with no issues (an unknown team or project) yields nothing.
func scopedIssues[T any](ctx context.Context, k kpiSource, q kpi.Query, body func(k kpiSource, sc issueScope, yield func(T, error) bool)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		k, release, err := k.pin(ctx)
		if err != nil {
			yield(zero, err)
			return
		}
		defer release()
		sc, err := k.issueScope(ctx, q)
		if err != nil {
			yield(zero, err)
			return
		}
		if !sc.none {
			body(k, sc, yield)
		}
	}
}

// ResolvedIssues implements kpi.Source: issues_resolved (or
// issues_team_resolved, issues_project_resolved) range on resolved_at, then
// the status transitions of each batch by primary key.
func (k kpiSource) ResolvedIssues(ctx context.Context, q kpi.Query) iter.Seq2[*kpi.IssueHistory, error] {
	return scopedIssues(ctx, k, q, func(k kpiSource, sc issueScope, yield func(*kpi.IssueHistory, error) bool) {
		ok := true
		err := k.resolvedBatches(ctx, q.OrgID, sc, q.Period.Start, q.Period.End, func(batch []issueModel) bool {
			ok = k.histories(ctx, q.OrgID, batch, true, yield)
			return ok
		})
		if err != nil && ok {
			yield(nil, err)
		}
	})
}

// BlockerCandidates implements kpi.Source. Four disjoint indexed reads:
// marked issues (partial index issues_marked) still unresolved or resolved
// at or after end, then issues of a blocker priority (issues_priority_resolved,
// the stored spellings found by a loose index scan) likewise.
func (k kpiSource) BlockerCandidates(ctx context.Context, q kpi.Query) iter.Seq2[*connectors.Issue, error] {
	return scopedIssues(ctx, k, q, func(k kpiSource, sc issueScope, yield func(*connectors.Issue, error) bool) {
		fail := func(err error) { yield(nil, err) }
		prios, err := k.distinct(ctx, "priority", q.OrgID)
		if err != nil {
			fail(err)
			return
		}
		prios = slices.DeleteFunc(prios, func(p string) bool { return !q.Classifier.IsBlockerPriority(p) })
		end := q.Period.End
		open := func(s *bun.SelectQuery, resolved bool) *bun.SelectQuery {
			s = s.Where("issues.org_id = ? AND issues.created_at < ?", q.OrgID, end)
			if resolved {
				return s.Where("issues.resolved_at >= ?", end)
			}
			return s.Where("issues.resolved_at IS NULL AND issues.status_category <> ?", connectors.CategoryDone)
		}
		reads := []func(*bun.SelectQuery) *bun.SelectQuery{
			func(s *bun.SelectQuery) *bun.SelectQuery {
				return sc.apply(open(k.indexed(s, "issues", "issues_marked").Where(markedIssue), false))
			},
			func(s *bun.SelectQuery) *bun.SelectQuery {
				return sc.apply(open(k.indexed(s, "issues", "issues_marked").Where(markedIssue), true))
			},
		}
		if len(prios) > 0 {
			byPrio := func(resolved bool) func(*bun.SelectQuery) *bun.SelectQuery {
				return func(s *bun.SelectQuery) *bun.SelectQuery {
					s = k.indexed(s, "issues", "issues_priority_resolved").
						Where("issues.priority IN (?)", bun.List(prios)).Where(markedIssue + " IS NOT TRUE")
					return sc.apply(open(s, resolved))
				}
			}
			reads = append(reads, byPrio(false), byPrio(true))
		}
		ok := true
		var is connectors.Issue
		for _, filter := range reads {
			var batch []issueModel
			err := stream(ctx, k, "issues", filter(k.db.NewSelect().Model(&batch)), func(m *issueModel) bool {
				is = issueOut(*m)
				ok = yield(&is, nil)
				return ok
			})
			if err != nil {
				fail(err)
				return
			}
			if !ok {
				return
			}
		}
	})
}

// IssuesOpenAt implements kpi.Source (index issues_key).
func (k kpiSource) IssuesOpenAt(ctx context.Context, orgID string, keys []string, at time.Time) (map[string]bool, error) {
	k, release, err := k.pin(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	out := make(map[string]bool, len(keys))
	for chunk := range slices.Chunk(keys, kpiBatch) {
		var rows []issueModel
		if err := k.db.NewSelect().Model(&rows).Column("key", "created_at", "resolved_at", "status_category").
			Where("org_id = ? AND key IN (?)", orgID, bun.List(chunk)).Scan(ctx); err != nil {
			return nil, k.s.mapErr(err, "kpi: read issues by key")
		}
		for _, m := range rows {
			out[m.Key] = out[m.Key] || issueOpenAt(m, at)
		}
	}
	return out, ctx.Err()
}

// issueOpenAt is kpi's open-at rule: created before t and not resolved
// before t (an unresolved issue in a done status counts as closed).
func issueOpenAt(m issueModel, t time.Time) bool {
	if !m.CreatedAt.Before(t) {
		return false
	}
	if m.ResolvedAt != nil {
		return !m.ResolvedAt.Before(t)
	}
	return m.StatusCategory != string(connectors.CategoryDone)
}

// CompletedSprints implements kpi.Source: sprints_complete for the
// sprints, issue_sprints for each sprint's members, then the members by
// primary key in batches with all their transitions.
func (k kpiSource) CompletedSprints(ctx context.Context, q kpi.Query) iter.Seq2[*kpi.SprintHistory, error] {
	return func(yield func(*kpi.SprintHistory, error) bool) {
		k, release, err := k.pin(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		defer release()
		fail := func(err error) { yield(nil, err) }
		sc, err := k.issueScope(ctx, q)
		if err != nil {
			fail(err)
			return
		}
		var sprints []sprintModel
		if err := k.db.NewSelect().Model(&sprints).
			Where("org_id = ? AND complete_at >= ? AND complete_at < ?", q.OrgID, q.Period.Start, q.Period.End).
			OrderExpr("complete_at, source, external_id").Scan(ctx); err != nil {
			fail(k.s.mapErr(err, "kpi: read sprints"))
			return
		}
		for _, sm := range sprints {
			sh := kpi.SprintHistory{Sprint: sprintOut(sm), Issues: []kpi.IssueHistory{}}
			if !sc.none {
				var members []issueSprintModel
				if err := k.db.NewSelect().Model(&members).Where("org_id = ? AND sprint_id = ?", q.OrgID, sm.ExternalID).
					OrderExpr("source, issue_id").Scan(ctx); err != nil {
					fail(k.s.mapErr(err, "kpi: read sprint members"))
					return
				}
				for chunk := range slices.Chunk(members, kpiBatch) {
					bySource := map[string][]string{}
					for _, m := range chunk {
						bySource[m.Source] = append(bySource[m.Source], m.IssueID)
					}
					for src, ids := range bySource {
						var batch []issueModel
						if err := sc.apply(k.db.NewSelect().Model(&batch).
							Where("issues.org_id = ? AND issues.source = ? AND issues.external_id IN (?)", q.OrgID, src, bun.List(ids))).
							Scan(ctx); err != nil {
							fail(k.s.mapErr(err, "kpi: read sprint issues"))
							return
						}
						collect := func(h *kpi.IssueHistory, err error) bool {
							if err != nil {
								fail(err)
								return false
							}
							sh.Issues = append(sh.Issues, *h)
							return true
						}
						if len(batch) > 0 && !k.histories(ctx, q.OrgID, batch, false, collect) {
							return
						}
					}
				}
			}
			if q.Scope.Kind != kpi.ScopeOrg && len(sh.Issues) == 0 {
				continue
			}
			if !yield(&sh, nil) {
				return
			}
		}
	}
}

// gitlabRows streams the rows of several filtered reads of one GitLab
// table, restricted to the scope's projects.
func gitlabRows[T, R any](ctx context.Context, k kpiSource, q kpi.Query, table string, out func(T) R, reads []read) iter.Seq2[*R, error] {
	return func(yield func(*R, error) bool) {
		k, release, err := k.pin(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		defer release()
		ids, err := k.projectScope(ctx, q)
		if err != nil {
			yield(nil, err)
			return
		}
		scoped := q.Scope.Kind != kpi.ScopeOrg
		if scoped && len(ids) == 0 {
			return
		}
		scope := inProjects(table, ids, scoped)
		ok := true
		var row R
		for _, r := range reads {
			var model []T
			err := stream(ctx, k, table, scope(r(k.db.NewSelect().Model(&model))), func(m *T) bool {
				row = out(*m)
				ok = yield(&row, nil)
				return ok
			})
			if err != nil {
				yield(nil, err)
				return
			}
			if !ok {
				return
			}
		}
	}
}

// read is one filtered read of a table.
type read = func(*bun.SelectQuery) *bun.SelectQuery

// MergeRequests implements kpi.Source. Four disjoint reads: merged in the
// period (merge_requests_merged), still open (merge_requests_state), and
// open at end but merged (merge_requests_merged) or closed
// (merge_requests_closed) since.
func (k kpiSource) MergeRequests(ctx context.Context, q kpi.Query) iter.Seq2[*connectors.MergeRequest, error] {
	org, start, end := q.OrgID, q.Period.Start, q.Period.End
	return gitlabRows(ctx, k, q, "merge_requests", mrOut, []read{
		func(s *bun.SelectQuery) *bun.SelectQuery {
			return s.Where("merge_requests.org_id = ? AND merge_requests.merged_at >= ? AND merge_requests.merged_at < ?", org, start, end)
		},
		func(s *bun.SelectQuery) *bun.SelectQuery {
			return k.indexed(s, "merge_requests", "merge_requests_state").
				Where("merge_requests.org_id = ? AND merge_requests.state IN (?)", org, bun.List([]string{"", "locked", "opened"})).
				Where("merge_requests.merged_at IS NULL AND merge_requests.closed_at IS NULL AND merge_requests.created_at < ?", end)
		},
		func(s *bun.SelectQuery) *bun.SelectQuery {
			return s.Where("merge_requests.org_id = ? AND merge_requests.merged_at >= ? AND merge_requests.created_at < ?", org, end, end).
				Where("(merge_requests.closed_at IS NULL OR merge_requests.closed_at >= ?)", end)
		},
		func(s *bun.SelectQuery) *bun.SelectQuery {
			return s.Where("merge_requests.org_id = ? AND merge_requests.closed_at >= ? AND merge_requests.created_at < ?", org, end, end).
				Where("merge_requests.merged_at IS NULL")
		},
	})
}

// Pipelines implements kpi.Source (pipelines_finished).
func (k kpiSource) Pipelines(ctx context.Context, q kpi.Query) iter.Seq2[*connectors.Pipeline, error] {
	return gitlabRows(ctx, k, q, "pipelines", pipelineOut, []read{func(s *bun.SelectQuery) *bun.SelectQuery {
		return s.Where("pipelines.org_id = ? AND pipelines.finished_at >= ? AND pipelines.finished_at < ?", q.OrgID, q.Period.Start, q.Period.End)
	}})
}

// Deployments implements kpi.Source (deployments_finished); every tier.
func (k kpiSource) Deployments(ctx context.Context, q kpi.Query) iter.Seq2[*connectors.Deployment, error] {
	return gitlabRows(ctx, k, q, "deployments", deploymentOut, []read{func(s *bun.SelectQuery) *bun.SelectQuery {
		return s.Where("deployments.org_id = ? AND deployments.finished_at >= ? AND deployments.finished_at < ?", q.OrgID, q.Period.Start, q.Period.End)
	}})
}

// Projects implements kpi.Source: the org's projects (primary key prefix),
// kept when their id or path is in scope.
func (k kpiSource) Projects(ctx context.Context, q kpi.Query) iter.Seq2[*connectors.Project, error] {
	return func(yield func(*connectors.Project, error) bool) {
		k, release, err := k.pin(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		defer release()
		var names map[string]bool
		switch q.Scope.Kind {
		case kpi.ScopeTeam:
			var ps []string
			if err := k.db.NewSelect().TableExpr("team_projects").Column("project_id").
				Where("org_id = ? AND team = ?", q.OrgID, q.Scope.ID).Scan(ctx, &ps); err != nil {
				yield(nil, k.s.mapErr(err, "kpi: read team projects"))
				return
			}
			names = map[string]bool{}
			for _, p := range ps {
				names[p] = true
			}
		case kpi.ScopeProject:
			names = map[string]bool{q.Scope.ID: true}
		}
		var rows []projectModel
		if err := k.db.NewSelect().Model(&rows).Where("org_id = ?", q.OrgID).OrderExpr("source, external_id").Scan(ctx); err != nil {
			yield(nil, k.s.mapErr(err, "kpi: read projects"))
			return
		}
		for _, m := range rows {
			if names != nil && !names[m.ExternalID] && !names[m.PathWithNamespace] {
				continue
			}
			p := projectOut(m)
			if !yield(&p, nil) {
				return
			}
		}
	}
}

// Incidents implements kpi.Source: issues created in the period
// (issues_created), then issues resolved in the period but created before
// or after it (issues_resolved). SQL narrows them with LIKE patterns that
// every incident type or label matches (incidentFilter); Go keeps those
// q.Classifier.IsIncident accepts, so the result is exact.
func (k kpiSource) Incidents(ctx context.Context, q kpi.Query) iter.Seq2[*connectors.Issue, error] {
	return scopedIssues(ctx, k, q, func(k kpiSource, sc issueScope, yield func(*connectors.Issue, error) bool) {
		maybe, ok := incidentFilter(q.Classifier)
		if !ok {
			return
		}
		p := q.Period
		reads := []read{
			func(s *bun.SelectQuery) *bun.SelectQuery {
				return sc.apply(maybe(s.Where("issues.org_id = ? AND issues.created_at >= ? AND issues.created_at < ?", q.OrgID, p.Start, p.End)))
			},
			func(s *bun.SelectQuery) *bun.SelectQuery {
				return sc.apply(maybe(s.Where("issues.org_id = ? AND issues.resolved_at >= ? AND issues.resolved_at < ?", q.OrgID, p.Start, p.End).
					Where("(issues.created_at < ? OR issues.created_at >= ?)", p.Start, p.End)))
			},
		}
		var is connectors.Issue
		for _, r := range reads {
			var model []issueModel
			err := stream(ctx, k, "issues", r(k.db.NewSelect().Model(&model)), func(m *issueModel) bool {
				if is = issueOut(*m); !q.Classifier.IsIncident(is) {
					return true
				}
				ok = yield(&is, nil)
				return ok
			})
			if err != nil {
				yield(nil, err)
				return
			}
			if !ok {
				return
			}
		}
	})
}

func issueOut(m issueModel) connectors.Issue {
	return connectors.Issue{OrgID: m.OrgID, Source: identity.Source(m.Source), ExternalID: m.ExternalID,
		Key: m.Key, ProjectKey: m.ProjectKey, Summary: m.Summary, Type: m.Type, Status: m.Status,
		StatusCategory: connectors.StatusCategory(m.StatusCategory), Priority: m.Priority, Labels: m.Labels,
		AssigneeID: m.AssigneeID, ReporterID: m.ReporterID, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
		ResolvedAt: utcPtr(m.ResolvedAt), StoryPoints: m.StoryPoints, Team: m.Team, SprintID: m.SprintID,
		IsFlagged: m.IsFlagged, BlockedBy: m.BlockedBy, URL: m.URL}
}

func transitionOut(m transitionModel) connectors.Transition {
	return connectors.Transition{OrgID: m.OrgID, Source: identity.Source(m.Source),
		IssueID: m.IssueID, Seq: m.Seq, Field: m.Field, From: m.FromValue, To: m.ToValue,
		FromCategory: connectors.StatusCategory(m.FromCategory), ToCategory: connectors.StatusCategory(m.ToCategory),
		At: m.At.UTC(), AuthorID: m.AuthorID}
}

func sprintOut(m sprintModel) connectors.Sprint {
	return connectors.Sprint{OrgID: m.OrgID, Source: identity.Source(m.Source), ExternalID: m.ExternalID,
		BoardID: m.BoardID, Name: m.Name, State: m.State, StartAt: utcPtr(m.StartAt), EndAt: utcPtr(m.EndAt), CompleteAt: utcPtr(m.CompleteAt)}
}

func projectOut(m projectModel) connectors.Project {
	return connectors.Project{OrgID: m.OrgID, Source: identity.Source(m.Source), ExternalID: m.ExternalID,
		PathWithNamespace: m.PathWithNamespace, Name: m.Name, DefaultBranch: m.DefaultBranch, URL: m.URL}
}

func mrOut(m mergeRequestModel) connectors.MergeRequest {
	return connectors.MergeRequest{OrgID: m.OrgID, Source: identity.Source(m.Source),
		ExternalID: m.ExternalID, ProjectID: m.ProjectID, IID: m.IID, Title: m.Title, State: m.State, AuthorID: m.AuthorID,
		Labels: m.Labels, SourceBranch: m.SourceBranch, TargetBranch: m.TargetBranch, CreatedAt: m.CreatedAt.UTC(),
		UpdatedAt: m.UpdatedAt.UTC(), MergedAt: utcPtr(m.MergedAt), ClosedAt: utcPtr(m.ClosedAt),
		FirstReviewAt: utcPtr(m.FirstReviewAt), MergeCommitSHA: m.MergeCommitSHA, URL: m.URL}
}

func pipelineOut(m pipelineModel) connectors.Pipeline {
	return connectors.Pipeline{OrgID: m.OrgID, Source: identity.Source(m.Source),
		ExternalID: m.ExternalID, ProjectID: m.ProjectID, Ref: m.Ref, SHA: m.SHA, Status: m.Status,
		TriggerSource: m.TriggerSource, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
		StartedAt: utcPtr(m.StartedAt), FinishedAt: utcPtr(m.FinishedAt), DurationSeconds: m.DurationSeconds, URL: m.URL}
}

func deploymentOut(m deploymentModel) connectors.Deployment {
	return connectors.Deployment{OrgID: m.OrgID, Source: identity.Source(m.Source),
		ExternalID: m.ExternalID, ProjectID: m.ProjectID, Environment: m.Environment, EnvironmentTier: m.EnvironmentTier,
		Status: m.Status, Ref: m.Ref, SHA: m.SHA, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
		FinishedAt: utcPtr(m.FinishedAt), MergeRequestIDs: m.MergeRequestIDs, URL: m.URL}
}

// incidentFilter narrows issues to possible incidents: the type or the
// labels' JSON text contains, case-insensitively, one of the classifier's
// incident types or labels. The classifier matches whole values after
// trimming, with Unicode simple case folding, and scoped labels by their
// last segment: each such match contains the word as a substring, where a
// letter may be any rune of its case-folding orbit. ASCII letters whose
// orbit is ASCII (all but k and s, which fold with the Kelvin sign and the
// long s) are compared through lower(); every other rune, and LIKE's own
// metacharacters, become "_" (any one character). So the filter is a
// superset; ok is false when nothing can be an incident.
func incidentFilter(c kpi.Classifier) (func(*bun.SelectQuery) *bun.SelectQuery, bool) {
	var conds []string
	var args []any
	for _, w := range c.IncidentIssueTypes {
		conds, args = append(conds, "lower(issues.type) LIKE ?"), append(args, likeWord(w))
	}
	for _, w := range c.IncidentLabels {
		conds, args = append(conds, "lower(CAST(issues.labels AS TEXT)) LIKE ?"), append(args, likeWord(w))
	}
	if len(conds) == 0 {
		return nil, false
	}
	expr := "(" + strings.Join(conds, " OR ") + ")"
	return func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where(expr, args...) }, true
}

// likeWord builds the "%word%" pattern of incidentFilter.
func likeWord(w string) string {
	var b strings.Builder
	b.WriteByte('%')
	for _, r := range strings.ToLower(strings.TrimSpace(w)) {
		if r >= utf8.RuneSelf || r == '%' || r == '_' || r == '\\' || !asciiOrbit(r) {
			b.WriteByte('_')
			continue
		}
		b.WriteRune(r)
	}
	b.WriteByte('%')
	return b.String()
}

// asciiOrbit reports whether every rune that case-folds to r is ASCII.
func asciiOrbit(r rune) bool {
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
