package storagetest

import (
	"context"
	"fmt"
	"testing"

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
