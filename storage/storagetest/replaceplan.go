package storagetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/storage/internal/bunstore"
)

// testReplacePlan writes a sync's worth of pages and checks that replacing
// a page's transitions still finds them through the (org, source, issue)
// key, not by reading every row of the org. PostgreSQL only plans that
// once the table has statistics, which the store keeps current itself: a
// server with autovacuum off or behind must not turn a large sync
// quadratic.
func testReplacePlan(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	rs := b.DB.Records()
	_, err := rs.TakeLease(ctx, issuesKey, "me", time.Hour)
	is.NoErr(err)
	const pages, perPage, perIssue = 20, 100, 5 // 10,000 transitions
	for n := range pages {
		p := connectors.Page{Number: n + 1, MaxUpdated: T0}
		for i := range perPage {
			id := fmt.Sprint(10000 + n*perPage + i)
			p.Issues = append(p.Issues, connectors.Issue{Source: identity.SourceJira, ExternalID: id, Key: "OV-" + id, ProjectKey: "OV",
				Type: "Story", Status: "Done", StatusCategory: connectors.CategoryDone, CreatedAt: T0.Add(-time.Hour), UpdatedAt: T0})
			for seq := range perIssue {
				p.Transitions = append(p.Transitions, connectors.Transition{Source: identity.SourceJira, IssueID: id, Seq: seq,
					Field: connectors.FieldStatus, From: "a", To: "b", At: T0})
			}
		}
		_, err := rs.WritePage(ctx, issuesKey, "me", p, "c")
		is.NoErr(err)
	}
	const del = "DELETE FROM issue_transitions WHERE org_id = 'default' AND source = 'jira' AND issue_id IN ('10001', '10002', '10003')"
	prefix, want := "EXPLAIN QUERY PLAN ", "issue_id=?"
	if b.DB.Dialect() == bunstore.Postgres {
		prefix, want = "EXPLAIN (COSTS OFF) ", "Index Cond: ((org_id = 'default'::text) AND (source = 'jira'::text) AND (issue_id = ANY"
	}
	text, err := explain(ctx, b.DB.Writer(), prefix+del)
	is.NoErr(err)
	if !strings.Contains(text, want) {
		t.Fatalf("replacing a page's transitions does not look them up by issue:\n%s", text)
	}
}
