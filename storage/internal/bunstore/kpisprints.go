package bunstore

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
)

// issueSprintModel is one row of issue_sprints: the sprint field of the
// issue held the sprint at some time (now, or in a sprint transition).
type issueSprintModel struct {
	bun.BaseModel `bun:"table:issue_sprints,alias:issue_sprints"`

	OrgID    string `bun:"org_id,pk"`
	SprintID string `bun:"sprint_id,pk"`
	Source   string `bun:"source,pk"`
	IssueID  string `bun:"issue_id,pk"`
}

// replaceIssueSprints keeps issue_sprints in step with a page: the
// memberships of the page's issues are rebuilt from their current sprint
// field and the page's sprint transitions, the same way issue_transitions
// is replaced. CompletedSprints reads it to find a sprint's members with
// one indexed lookup instead of scanning every issue's sprint history.
func replaceIssueSprints(ctx context.Context, s *Store, db bun.IDB, org string, p connectors.Page) error {
	if err := deletePageIssueRows(ctx, s, db, "issue_sprints", org, p.Issues); err != nil {
		return err
	}
	var rows []issueSprintModel
	add := func(src identity.Source, issue, list string) {
		for _, id := range SprintIDs(list) {
			rows = append(rows, issueSprintModel{OrgID: org, SprintID: id, Source: string(src), IssueID: issue})
		}
	}
	for _, is := range p.Issues {
		add(is.Source, is.ExternalID, is.SprintID)
	}
	for _, t := range p.Transitions {
		if t.Field == connectors.FieldSprint {
			add(t.Source, t.IssueID, t.From)
			add(t.Source, t.IssueID, t.To)
		}
	}
	rows = dedupe(rows, func(m issueSprintModel) string { return m.SprintID + "\x00" + m.Source + "\x00" + m.IssueID })
	for start := 0; start < len(rows); start += batchSize {
		chunk := rows[start:min(start+batchSize, len(rows))]
		if _, err := db.NewInsert().Model(&chunk).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return s.mapErr(err, "insert issue sprints")
		}
	}
	return nil
}

// SprintIDs splits a sprint field value ("12", "12, 13") into its ids, the
// way kpi replays sprint membership.
func SprintIDs(list string) []string {
	var out []string
	for part := range strings.SplitSeq(list, ",") {
		if id := strings.TrimSpace(part); id != "" {
			out = append(out, id)
		}
	}
	return out
}
