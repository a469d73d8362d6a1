package bunstore

import (
	"context"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
)

// LoadRecords reads every normalized record of an org in canonical order.
// It is meant for tests, audits and small orgs: it loads everything.
func (s *Store) LoadRecords(ctx context.Context, org string) (connectors.RecordSet, error) {
	var rs connectors.RecordSet
	db := s.r
	var ids []identityModel
	if err := db.NewSelect().Model(&ids).Where("org_id = ?", org).OrderExpr("source, external_id").Scan(ctx); err != nil {
		return rs, s.mapErr(err, "load identities")
	}
	for _, m := range ids {
		rs.Identities = append(rs.Identities, identityOut(m))
	}
	var issues []issueModel
	if err := db.NewSelect().Model(&issues).Where("org_id = ?", org).OrderExpr("source, external_id").Scan(ctx); err != nil {
		return rs, s.mapErr(err, "load issues")
	}
	for _, m := range issues {
		rs.Issues = append(rs.Issues, connectors.Issue{OrgID: m.OrgID, Source: identity.Source(m.Source), ExternalID: m.ExternalID,
			Key: m.Key, ProjectKey: m.ProjectKey, Summary: m.Summary, Type: m.Type, Status: m.Status,
			StatusCategory: connectors.StatusCategory(m.StatusCategory), Priority: m.Priority, Labels: m.Labels,
			AssigneeID: m.AssigneeID, ReporterID: m.ReporterID, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
			ResolvedAt: utcPtr(m.ResolvedAt), StoryPoints: m.StoryPoints, Team: m.Team, SprintID: m.SprintID,
			IsFlagged: m.IsFlagged, BlockedBy: m.BlockedBy, URL: m.URL})
	}
	var trs []transitionModel
	if err := db.NewSelect().Model(&trs).Where("org_id = ?", org).OrderExpr("source, issue_id, seq").Scan(ctx); err != nil {
		return rs, s.mapErr(err, "load transitions")
	}
	for _, m := range trs {
		rs.Transitions = append(rs.Transitions, connectors.Transition{OrgID: m.OrgID, Source: identity.Source(m.Source),
			IssueID: m.IssueID, Seq: m.Seq, Field: m.Field, From: m.FromValue, To: m.ToValue,
			FromCategory: connectors.StatusCategory(m.FromCategory), ToCategory: connectors.StatusCategory(m.ToCategory),
			At: m.At.UTC(), AuthorID: m.AuthorID})
	}
	var sprints []sprintModel
	if err := db.NewSelect().Model(&sprints).Where("org_id = ?", org).OrderExpr("source, external_id").Scan(ctx); err != nil {
		return rs, s.mapErr(err, "load sprints")
	}
	for _, m := range sprints {
		rs.Sprints = append(rs.Sprints, connectors.Sprint{OrgID: m.OrgID, Source: identity.Source(m.Source), ExternalID: m.ExternalID,
			BoardID: m.BoardID, Name: m.Name, State: m.State, StartAt: utcPtr(m.StartAt), EndAt: utcPtr(m.EndAt), CompleteAt: utcPtr(m.CompleteAt)})
	}
	var projects []projectModel
	if err := db.NewSelect().Model(&projects).Where("org_id = ?", org).OrderExpr("source, external_id").Scan(ctx); err != nil {
		return rs, s.mapErr(err, "load projects")
	}
	for _, m := range projects {
		rs.Projects = append(rs.Projects, connectors.Project{OrgID: m.OrgID, Source: identity.Source(m.Source), ExternalID: m.ExternalID,
			PathWithNamespace: m.PathWithNamespace, Name: m.Name, DefaultBranch: m.DefaultBranch, URL: m.URL})
	}
	var mrs []mergeRequestModel
	if err := db.NewSelect().Model(&mrs).Where("org_id = ?", org).OrderExpr("source, external_id").Scan(ctx); err != nil {
		return rs, s.mapErr(err, "load merge requests")
	}
	for _, m := range mrs {
		rs.MergeRequests = append(rs.MergeRequests, connectors.MergeRequest{OrgID: m.OrgID, Source: identity.Source(m.Source),
			ExternalID: m.ExternalID, ProjectID: m.ProjectID, IID: m.IID, Title: m.Title, State: m.State, AuthorID: m.AuthorID,
			Labels: m.Labels, SourceBranch: m.SourceBranch, TargetBranch: m.TargetBranch, CreatedAt: m.CreatedAt.UTC(),
			UpdatedAt: m.UpdatedAt.UTC(), MergedAt: utcPtr(m.MergedAt), ClosedAt: utcPtr(m.ClosedAt),
			FirstReviewAt: utcPtr(m.FirstReviewAt), MergeCommitSHA: m.MergeCommitSHA, URL: m.URL})
	}
	var pls []pipelineModel
	if err := db.NewSelect().Model(&pls).Where("org_id = ?", org).OrderExpr("source, external_id").Scan(ctx); err != nil {
		return rs, s.mapErr(err, "load pipelines")
	}
	for _, m := range pls {
		rs.Pipelines = append(rs.Pipelines, connectors.Pipeline{OrgID: m.OrgID, Source: identity.Source(m.Source),
			ExternalID: m.ExternalID, ProjectID: m.ProjectID, Ref: m.Ref, SHA: m.SHA, Status: m.Status,
			TriggerSource: m.TriggerSource, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
			StartedAt: utcPtr(m.StartedAt), FinishedAt: utcPtr(m.FinishedAt), DurationSeconds: m.DurationSeconds, URL: m.URL})
	}
	var deps []deploymentModel
	if err := db.NewSelect().Model(&deps).Where("org_id = ?", org).OrderExpr("source, external_id").Scan(ctx); err != nil {
		return rs, s.mapErr(err, "load deployments")
	}
	for _, m := range deps {
		rs.Deployments = append(rs.Deployments, connectors.Deployment{OrgID: m.OrgID, Source: identity.Source(m.Source),
			ExternalID: m.ExternalID, ProjectID: m.ProjectID, Environment: m.Environment, EnvironmentTier: m.EnvironmentTier,
			Status: m.Status, Ref: m.Ref, SHA: m.SHA, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
			FinishedAt: utcPtr(m.FinishedAt), MergeRequestIDs: m.MergeRequestIDs, URL: m.URL})
	}
	return rs, nil
}

// RawPayload reads one stored raw payload.
func (s *Store) RawPayload(ctx context.Context, org string, source identity.Source, kind, externalID string) (connectors.RawPayload, error) {
	var m rawPayloadModel
	err := s.r.NewSelect().Model(&m).Where("org_id = ? AND source = ? AND kind = ? AND external_id = ?", org, source, kind, externalID).Scan(ctx)
	if err != nil {
		return connectors.RawPayload{}, s.mapErr(err, "read raw payload")
	}
	return connectors.RawPayload{OrgID: m.OrgID, Source: identity.Source(m.Source), Kind: m.Kind, ExternalID: m.ExternalID,
		Payload: []byte(m.Payload), SHA256: m.SHA256, FetchedAt: m.FetchedAt.UTC()}, nil
}

// CountRows counts the rows of a table of the org (tests, restore checks).
func (s *Store) CountRows(ctx context.Context, table, org string) (int, error) {
	switch table {
	case "people", "identities", "identity_links", "identity_events", "rejected_pairs", "sync_watermarks", "raw_payloads",
		"issues", "issue_transitions", "sprints", "projects", "merge_requests", "pipelines", "deployments",
		"kpi_snapshots", "risk_items", "ask_sessions", "api_tokens":
	default:
		return 0, identity.ErrInvalid
	}
	n, err := s.r.NewSelect().TableExpr(table).Where("org_id = ?", org).Count(ctx)
	return int(n), s.mapErr(err, "count "+table)
}
