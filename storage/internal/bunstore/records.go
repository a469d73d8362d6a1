package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
)

// Records returns the connectors.Store view of s.
func (s *Store) Records() connectors.Store { return recordStore{s} }

type recordStore struct{ s *Store }

var _ connectors.Store = recordStore{}

func (rs recordStore) TakeLease(ctx context.Context, key connectors.StreamKey, owner string, ttl time.Duration) (connectors.Watermark, error) {
	if err := validLease(key, owner, ttl); err != nil {
		return connectors.Watermark{}, err
	}
	now := rs.s.clock()
	exp := now.Add(ttl)
	m := watermarkModel{OrgID: key.OrgID, Source: string(key.Source), Stream: string(key.Stream), Status: "running",
		LeaseOwner: owner, LeaseExpiresAt: &exp, LastStartedAt: &now}
	var back []watermarkModel
	err := rs.s.w.NewInsert().Model(&m).
		On("CONFLICT (org_id, source, stream) DO UPDATE").
		Set("lease_owner = EXCLUDED.lease_owner").
		Set("lease_expires_at = EXCLUDED.lease_expires_at").
		Set("status = EXCLUDED.status").
		Set("last_started_at = EXCLUDED.last_started_at").
		Where("sync_watermarks.lease_owner = '' OR sync_watermarks.lease_owner = EXCLUDED.lease_owner OR sync_watermarks.lease_expires_at IS NULL OR sync_watermarks.lease_expires_at <= ?", now).
		Returning("*").Scan(ctx, &back)
	if err != nil {
		return connectors.Watermark{}, rs.s.mapErr(err, "take lease "+key.String())
	}
	if len(back) == 0 {
		cur, err := rs.Watermark(ctx, key)
		if err != nil {
			return connectors.Watermark{}, err
		}
		held := &connectors.LeaseHeldError{Key: key, Owner: cur.LeaseOwner}
		if cur.LeaseExpiresAt != nil {
			held.ExpiresAt = *cur.LeaseExpiresAt
		}
		return connectors.Watermark{}, held
	}
	return watermarkOut(back[0]), nil
}

func validLease(key connectors.StreamKey, owner string, ttl time.Duration) error {
	switch {
	case key.OrgID == "" || !key.Source.Valid() || key.Stream == "":
		return fmt.Errorf("lease %s: incomplete stream key: %w", key, identity.ErrInvalid)
	case strings.TrimSpace(owner) == "":
		return fmt.Errorf("lease %s: empty owner: %w", key, identity.ErrInvalid)
	case ttl <= 0:
		return fmt.Errorf("lease %s: ttl must be positive: %w", key, identity.ErrInvalid)
	}
	return nil
}

func (rs recordStore) RenewLease(ctx context.Context, key connectors.StreamKey, owner string, ttl time.Duration) error {
	if err := validLease(key, owner, ttl); err != nil {
		return err
	}
	now := rs.s.clock()
	res, err := rs.s.w.NewUpdate().TableExpr("sync_watermarks").
		Set("lease_expires_at = ?", now.Add(ttl)).
		Where("org_id = ? AND source = ? AND stream = ?", key.OrgID, key.Source, key.Stream).
		Where("lease_owner = ? AND lease_expires_at > ?", owner, now).Exec(ctx)
	if err != nil {
		return rs.s.mapErr(err, "renew lease "+key.String())
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("renew lease %s for %s: %w", key, owner, connectors.ErrLeaseLost)
	}
	return nil
}

func (rs recordStore) ReleaseLease(ctx context.Context, key connectors.StreamKey, owner string, r connectors.LeaseResult) error {
	now := rs.s.clock()
	q := rs.s.w.NewUpdate().TableExpr("sync_watermarks").
		Set("lease_owner = ''").Set("lease_expires_at = NULL").
		Where("org_id = ? AND source = ? AND stream = ?", key.OrgID, key.Source, key.Stream).
		Where("lease_owner = ?", owner)
	if r.Err == "" {
		q = q.Set("status = 'ok'").Set("last_success_at = ?", now).Set("last_error = ''")
	} else {
		q = q.Set("status = 'failed'").Set("last_error = ?", truncate(r.Err, 2000))
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return rs.s.mapErr(err, "release lease "+key.String())
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("release lease %s for %s: %w", key, owner, connectors.ErrLeaseLost)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func (rs recordStore) Watermark(ctx context.Context, key connectors.StreamKey) (connectors.Watermark, error) {
	var m watermarkModel
	err := rs.s.r.NewSelect().Model(&m).
		Where("org_id = ? AND source = ? AND stream = ?", key.OrgID, key.Source, key.Stream).Scan(ctx)
	if err != nil {
		return connectors.Watermark{}, rs.s.mapErr(err, "read watermark "+key.String())
	}
	return watermarkOut(m), nil
}

func (rs recordStore) Watermarks(ctx context.Context, orgID string) ([]connectors.Watermark, error) {
	var ms []watermarkModel
	if err := rs.s.r.NewSelect().Model(&ms).Where("org_id = ?", orgID).OrderExpr("source, stream").Scan(ctx); err != nil {
		return nil, rs.s.mapErr(err, "list watermarks")
	}
	out := make([]connectors.Watermark, 0, len(ms))
	for _, m := range ms {
		out = append(out, watermarkOut(m))
	}
	return out, nil
}

func watermarkOut(m watermarkModel) connectors.Watermark {
	return connectors.Watermark{OrgID: m.OrgID, Source: identity.Source(m.Source), Stream: connectors.Stream(m.Stream),
		Cursor: m.Cursor, Status: m.Status, LeaseOwner: m.LeaseOwner, LeaseExpiresAt: utcPtr(m.LeaseExpiresAt),
		LastStartedAt: utcPtr(m.LastStartedAt), LastSuccessAt: utcPtr(m.LastSuccessAt), LastError: m.LastError,
		ItemsSynced: m.ItemsSynced}
}

func (rs recordStore) WritePage(ctx context.Context, key connectors.StreamKey, owner string, p connectors.Page, cursor string) (connectors.PageStats, error) {
	var st connectors.PageStats
	err := rs.s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := rs.s.clock()
		var wm watermarkModel
		q := tx.NewSelect().Model(&wm).Where("org_id = ? AND source = ? AND stream = ?", key.OrgID, key.Source, key.Stream)
		if rs.s.cfg.Dialect == Postgres {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("lease of %s: %w", key, rs.s.mapErr(err, "read watermark"))
		}
		if wm.LeaseOwner != owner || wm.LeaseExpiresAt == nil || !wm.LeaseExpiresAt.After(now) {
			return fmt.Errorf("write page %d of %s as %s: %w", p.Number, key, owner, connectors.ErrLeaseLost)
		}
		var err error
		st, err = writeRecords(ctx, rs.s, tx, key.OrgID, p)
		if err != nil {
			return err
		}
		_, err = tx.NewUpdate().TableExpr("sync_watermarks").
			Set("cursor = ?", cursor).Set("items_synced = items_synced + ?", st.Items).
			Where("org_id = ? AND source = ? AND stream = ?", key.OrgID, key.Source, key.Stream).Exec(ctx)
		return rs.s.mapErr(err, "advance cursor")
	})
	if err != nil {
		return connectors.PageStats{}, err
	}
	rs.s.noteWrites(ctx, len(p.Issues)+len(p.Transitions))
	return st, nil
}

// writeRecords upserts every record of a page on db.
func writeRecords(ctx context.Context, s *Store, db bun.Tx, org string, p connectors.Page) (connectors.PageStats, error) {
	st := connectors.PageStats{Items: p.Items()}
	if len(p.Identities) > 0 {
		ids := make([]identity.Identity, len(p.Identities))
		for i, id := range p.Identities {
			id.OrgID = org
			ids[i] = id
		}
		if _, err := upsertIdentities(ctx, s, db, ids); err != nil {
			return st, err
		}
	}
	if err := upsertIssues(ctx, s, db.Tx, org, p.Issues); err != nil {
		return st, err
	}
	if err := replaceTransitions(ctx, s, db, org, p); err != nil {
		return st, err
	}
	if err := replaceIssueSprints(ctx, s, db, org, p); err != nil {
		return st, err
	}
	if err := upsertAll(ctx, s, db, "sprints", sprintsIn(org, p.Sprints), func(m sprintModel) string { return m.Source + "\x00" + m.ExternalID }, sprintCols); err != nil {
		return st, err
	}
	if err := upsertAll(ctx, s, db, "projects", projectsIn(org, p.Projects), func(m projectModel) string { return m.Source + "\x00" + m.ExternalID }, projectCols); err != nil {
		return st, err
	}
	if err := upsertAll(ctx, s, db, "merge requests", mrsIn(org, p.MergeRequests), func(m mergeRequestModel) string { return m.Source + "\x00" + m.ExternalID }, mrCols); err != nil {
		return st, err
	}
	if err := upsertAll(ctx, s, db, "pipelines", pipelinesIn(org, p.Pipelines), func(m pipelineModel) string { return m.Source + "\x00" + m.ExternalID }, pipelineCols); err != nil {
		return st, err
	}
	if err := upsertAll(ctx, s, db, "deployments", deploymentsIn(org, p.Deployments), func(m deploymentModel) string { return m.Source + "\x00" + m.ExternalID }, deploymentCols); err != nil {
		return st, err
	}
	w, n, err := putRaw(ctx, s, db.Tx, org, p.Raw)
	if err != nil {
		return st, err
	}
	st.RawWritten, st.RawUnchanged = w, n-w
	return st, nil
}

// dedupe keeps the last row per key, in first-seen order: one statement
// may not touch a row twice (PostgreSQL refuses it).
func dedupe[T any](rows []T, key func(T) string) []T {
	if len(rows) < 2 {
		return rows
	}
	pos := make(map[string]int, len(rows))
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		k := key(r)
		if i, ok := pos[k]; ok {
			out[i] = r
			continue
		}
		pos[k] = len(out)
		out = append(out, r)
	}
	return out
}

// upsertAll inserts rows in batches, updating cols on a primary-key clash.
func upsertAll[T any](ctx context.Context, s *Store, db bun.IDB, what string, rows []T, key func(T) string, cols []string) error {
	rows = dedupe(rows, key)
	for start := 0; start < len(rows); start += batchSize {
		chunk := rows[start:min(start+batchSize, len(rows))]
		q := db.NewInsert().Model(&chunk).On("CONFLICT (org_id, source, external_id) DO UPDATE")
		for _, c := range cols {
			q = q.Set(c + " = EXCLUDED." + c)
		}
		if _, err := q.Exec(ctx); err != nil {
			return s.mapErr(err, "upsert "+what)
		}
	}
	return nil
}

// deletePageIssueRows deletes table's rows of the page's issues (by org,
// source and issue_id, the key prefix planstats keeps PostgreSQL planning
// with), before a page writes their current set.
func deletePageIssueRows(ctx context.Context, s *Store, db bun.IDB, table, org string, issues []connectors.Issue) error {
	bySource := map[identity.Source][]string{}
	for _, is := range issues {
		bySource[is.Source] = append(bySource[is.Source], is.ExternalID)
	}
	for src, ids := range bySource {
		for start := 0; start < len(ids); start += batchSize {
			chunk := ids[start:min(start+batchSize, len(ids))]
			if _, err := db.NewDelete().TableExpr(table).
				Where("org_id = ? AND source = ? AND issue_id IN (?)", org, src, bun.List(chunk)).Exec(ctx); err != nil {
				return s.mapErr(err, "replace "+table)
			}
		}
	}
	return nil
}

func replaceTransitions(ctx context.Context, s *Store, db bun.Tx, org string, p connectors.Page) error {
	if len(p.Issues) == 0 {
		return nil
	}
	if err := deletePageIssueRows(ctx, s, db, "issue_transitions", org, p.Issues); err != nil {
		return err
	}
	rows := make([][]any, 0, len(p.Transitions))
	seen := make(map[string]bool, len(p.Transitions))
	for i := len(p.Transitions) - 1; i >= 0; i-- { // last wins on a repeated (issue, seq)
		t := p.Transitions[i]
		k := string(t.Source) + "\x00" + t.IssueID + "\x00" + strconv.Itoa(t.Seq)
		if seen[k] {
			continue
		}
		seen[k] = true
		rows = append(rows, []any{org, string(t.Source), t.IssueID, t.Seq, t.Field, t.From, t.To,
			string(t.FromCategory), string(t.ToCategory), pTime(t.At), t.AuthorID})
	}
	_, err := bulkExec(ctx, s, db.Tx, "issue_transitions", transitionCols, rows, "")
	return err
}

var transitionCols = []string{"org_id", "source", "issue_id", "seq", "field", "from_value", "to_value",
	"from_category", "to_category", "at", "author_id"}

func rawKey(m rawPayloadModel) string { return m.Source + "\x00" + m.Kind + "\x00" + m.ExternalID }

// putRaw upserts raw payloads, rewriting a row only when its hash moved.
// It returns how many rows it wrote and how many distinct payloads it got.
func putRaw(ctx context.Context, s *Store, tx *sql.Tx, org string, raws []connectors.RawPayload) (written, distinct int, err error) {
	ms := dedupe(rawIn(org, raws), rawKey)
	rows := make([][]any, 0, len(ms))
	for _, m := range ms {
		rows = append(rows, []any{m.OrgID, m.Source, m.Kind, m.ExternalID, m.Payload, m.SHA256, pTime(m.FetchedAt)})
	}
	n, err := bulkExec(ctx, s, tx, "raw_payloads", []string{"org_id", "source", "kind", "external_id", "payload", "sha256", "fetched_at"}, rows,
		"ON CONFLICT (org_id, source, kind, external_id) DO UPDATE SET payload = EXCLUDED.payload, sha256 = EXCLUDED.sha256,"+
			" fetched_at = EXCLUDED.fetched_at WHERE raw_payloads.sha256 <> EXCLUDED.sha256")
	if err != nil {
		return 0, len(ms), fmt.Errorf("store raw payloads: %w", err)
	}
	return int(n), len(ms), nil
}

func rawIn(org string, raws []connectors.RawPayload) []rawPayloadModel {
	out := make([]rawPayloadModel, 0, len(raws))
	for _, r := range raws {
		out = append(out, rawPayloadModel{OrgID: org, Source: string(r.Source), Kind: r.Kind, ExternalID: r.ExternalID,
			Payload: string(r.Payload), SHA256: r.SHA256, FetchedAt: dbTime(r.FetchedAt)})
	}
	return out
}

func issueKey(m issueModel) string { return m.Source + "\x00" + m.ExternalID }

var issueCols = []string{"key", "project_key", "summary", "type", "status", "status_category", "priority", "labels",
	"assignee_id", "reporter_id", "created_at", "updated_at", "resolved_at", "story_points", "team", "sprint_id",
	"is_flagged", "blocked_by", "url"}

// upsertIssues writes issues by (org, source, external id), last wins.
func upsertIssues(ctx context.Context, s *Store, tx *sql.Tx, org string, in []connectors.Issue) error {
	ms := dedupe(issuesIn(org, in), issueKey)
	rows := make([][]any, 0, len(ms))
	for _, m := range ms {
		rows = append(rows, []any{m.OrgID, m.Source, m.ExternalID, m.Key, m.ProjectKey, m.Summary, m.Type, m.Status,
			m.StatusCategory, m.Priority, pJSON(m.Labels), m.AssigneeID, m.ReporterID, pTime(m.CreatedAt), pTime(m.UpdatedAt),
			pTimePtr(m.ResolvedAt), pFloatPtr(m.StoryPoints), m.Team, m.SprintID, m.IsFlagged, pJSON(m.BlockedBy), m.URL})
	}
	cols := append([]string{"org_id", "source", "external_id"}, issueCols...)
	_, err := bulkExec(ctx, s, tx, "issues", cols, rows, upsertSet("org_id, source, external_id", issueCols))
	return err
}

var sprintCols = []string{"board_id", "name", "state", "start_at", "end_at", "complete_at"}

func sprintsIn(org string, in []connectors.Sprint) []sprintModel {
	out := make([]sprintModel, 0, len(in))
	for _, s := range in {
		out = append(out, sprintModel{OrgID: org, Source: string(s.Source), ExternalID: s.ExternalID, BoardID: s.BoardID,
			Name: s.Name, State: s.State, StartAt: dbTimePtr(s.StartAt), EndAt: dbTimePtr(s.EndAt), CompleteAt: dbTimePtr(s.CompleteAt)})
	}
	return out
}

var projectCols = []string{"path_with_namespace", "name", "default_branch", "url"}

func projectsIn(org string, in []connectors.Project) []projectModel {
	out := make([]projectModel, 0, len(in))
	for _, p := range in {
		out = append(out, projectModel{OrgID: org, Source: string(p.Source), ExternalID: p.ExternalID,
			PathWithNamespace: p.PathWithNamespace, Name: p.Name, DefaultBranch: p.DefaultBranch, URL: p.URL})
	}
	return out
}

var mrCols = []string{"project_id", "iid", "title", "state", "author_id", "labels", "source_branch", "target_branch",
	"created_at", "updated_at", "merged_at", "closed_at", "first_review_at", "merge_commit_sha", "url"}

func mrsIn(org string, in []connectors.MergeRequest) []mergeRequestModel {
	out := make([]mergeRequestModel, 0, len(in))
	for _, m := range in {
		out = append(out, mergeRequestModel{OrgID: org, Source: string(m.Source), ExternalID: m.ExternalID, ProjectID: m.ProjectID,
			IID: m.IID, Title: m.Title, State: m.State, AuthorID: m.AuthorID, Labels: m.Labels, SourceBranch: m.SourceBranch,
			TargetBranch: m.TargetBranch, CreatedAt: dbTime(m.CreatedAt), UpdatedAt: dbTime(m.UpdatedAt),
			MergedAt: dbTimePtr(m.MergedAt), ClosedAt: dbTimePtr(m.ClosedAt), FirstReviewAt: dbTimePtr(m.FirstReviewAt),
			MergeCommitSHA: m.MergeCommitSHA, URL: m.URL})
	}
	return out
}

var pipelineCols = []string{"project_id", "ref", "sha", "status", "trigger_source", "created_at", "updated_at",
	"started_at", "finished_at", "duration_seconds", "url"}

func pipelinesIn(org string, in []connectors.Pipeline) []pipelineModel {
	out := make([]pipelineModel, 0, len(in))
	for _, p := range in {
		out = append(out, pipelineModel{OrgID: org, Source: string(p.Source), ExternalID: p.ExternalID, ProjectID: p.ProjectID,
			Ref: p.Ref, SHA: p.SHA, Status: p.Status, TriggerSource: p.TriggerSource, CreatedAt: dbTime(p.CreatedAt),
			UpdatedAt: dbTime(p.UpdatedAt), StartedAt: dbTimePtr(p.StartedAt), FinishedAt: dbTimePtr(p.FinishedAt),
			DurationSeconds: p.DurationSeconds, URL: p.URL})
	}
	return out
}

var deploymentCols = []string{"project_id", "environment", "environment_tier", "status", "ref", "sha", "created_at",
	"updated_at", "finished_at", "merge_request_ids", "url"}

func deploymentsIn(org string, in []connectors.Deployment) []deploymentModel {
	out := make([]deploymentModel, 0, len(in))
	for _, d := range in {
		out = append(out, deploymentModel{OrgID: org, Source: string(d.Source), ExternalID: d.ExternalID, ProjectID: d.ProjectID,
			Environment: d.Environment, EnvironmentTier: d.EnvironmentTier, Status: d.Status, Ref: d.Ref, SHA: d.SHA,
			CreatedAt: dbTime(d.CreatedAt), UpdatedAt: dbTime(d.UpdatedAt), FinishedAt: dbTimePtr(d.FinishedAt),
			MergeRequestIDs: d.MergeRequestIDs, URL: d.URL})
	}
	return out
}

func issuesIn(org string, in []connectors.Issue) []issueModel {
	out := make([]issueModel, 0, len(in))
	for _, i := range in {
		out = append(out, issueModel{OrgID: org, Source: string(i.Source), ExternalID: i.ExternalID, Key: i.Key,
			ProjectKey: i.ProjectKey, Summary: i.Summary, Type: i.Type, Status: i.Status, StatusCategory: string(i.StatusCategory),
			Priority: i.Priority, Labels: i.Labels, AssigneeID: i.AssigneeID, ReporterID: i.ReporterID,
			CreatedAt: dbTime(i.CreatedAt), UpdatedAt: dbTime(i.UpdatedAt), ResolvedAt: dbTimePtr(i.ResolvedAt),
			StoryPoints: i.StoryPoints, Team: i.Team, SprintID: i.SprintID, IsFlagged: i.IsFlagged, BlockedBy: i.BlockedBy, URL: i.URL})
	}
	return out
}
