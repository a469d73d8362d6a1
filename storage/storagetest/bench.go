package storagetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/storage"
)

// BenchUpsertIdentities measures batched identity upserts: each iteration
// writes batch new identities in one transaction, then the same batch again
// (the idempotent re-sync path). It reports rows/s over both.
func BenchUpsertIdentities(b *testing.B, open Opener, batch int) {
	db := open(b, storage.Options{})
	ctx := context.Background()
	rows := make([]identity.Identity, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		for i := range rows {
			rows[i] = identity.Identity{Source: identity.SourceGitLab, ExternalID: fmt.Sprintf("%d-%d", n, i),
				Username: fmt.Sprintf("user%d", i), Email: fmt.Sprintf("user%d@corp.example", i), DisplayName: fmt.Sprintf("User %d", i)}
		}
		for range 2 {
			err := db.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
				_, err := tx.UpsertIdentities(ctx, rows)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(2*batch*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchWritePage measures the sync engine's write of one realistic Jira
// page: 100 issues, 10 transitions each, 7 KB raw payload each, a few
// identities, all new (first sync).
func BenchWritePage(b *testing.B, open Opener) {
	db := open(b, storage.Options{})
	ctx := context.Background()
	key := connectors.StreamKey{OrgID: identity.DefaultOrg, Source: identity.SourceJira, Stream: connectors.StreamIssues}
	if _, err := db.Records().TakeLease(ctx, key, "bench", time.Hour); err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"id":"x","fields":{"summary":"` + strings.Repeat("lorem ipsum dolor ", 400) + `"}}`)
	page := func(n int) connectors.Page {
		p := connectors.Page{Number: n}
		for i := range 100 {
			id := fmt.Sprintf("%d", n*100+i)
			up := T0.Add(time.Duration(n*100+i) * time.Second)
			p.Issues = append(p.Issues, connectors.Issue{Source: identity.SourceJira, ExternalID: id, Key: "OV-" + id, ProjectKey: "OV",
				Summary: "Improve the thing", Type: "Story", Status: "Done", StatusCategory: connectors.CategoryDone,
				Labels: []string{"backend", "api"}, AssigneeID: fmt.Sprintf("acc-%d", i%20), CreatedAt: up.Add(-time.Hour), UpdatedAt: up, ResolvedAt: &up})
			for s := range 10 {
				p.Transitions = append(p.Transitions, connectors.Transition{Source: identity.SourceJira, IssueID: id, Seq: s,
					Field: connectors.FieldStatus, From: "To Do", To: "In Progress", FromCategory: connectors.CategoryTodo,
					ToCategory: connectors.CategoryInProgress, At: up.Add(-time.Duration(10-s) * time.Minute), AuthorID: "acc-1"})
			}
			p.Raw = append(p.Raw, connectors.RawPayload{Source: identity.SourceJira, Kind: "issue", ExternalID: id, Payload: payload,
				SHA256: "sha-" + id, FetchedAt: up})
			p.MaxUpdated = up
		}
		for i := range 20 {
			p.Identities = append(p.Identities, identity.Identity{Source: identity.SourceJira, ExternalID: fmt.Sprintf("acc-%d", i), DisplayName: "Person"})
		}
		return p
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		n++
		if _, err := db.Records().WritePage(ctx, key, "bench", page(n), "cursor"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(100*n)/b.Elapsed().Seconds(), "issues/s")
}
