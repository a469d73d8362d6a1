package ovia_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ovia-hq/ovia"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/matching"
	"github.com/ovia-hq/ovia/matching/corpus"
)

// BenchmarkClientResolve is `oviad match` on a first run over a
// generated org stored in SQLite: load the identities, match them, write
// every link (with its trace), new person and audit event. The matching
// engine's share is timed apart (engine-s, on the same loaded state), so
// the storage cost is visible: BenchmarkResolve in matching covers the
// engine alone.
func BenchmarkClientResolve(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			ctx := context.Background()
			c := corpus.ForIdentities(n, 1)
			cfg := matching.DefaultConfig()
			cfg.DomainAliases = c.DomainAliases
			cfg.Activity = map[string][]string{} // no synced records here
			var engine time.Duration
			for b.Loop() {
				b.StopTimer()
				client, err := ovia.Open(ctx, filepath.Join(b.TempDir(), "ovia.db"), ovia.WithMatching(cfg))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := client.Identity().Import(ctx, identity.DefaultOrg, c.Identities); err != nil {
					b.Fatal(err)
				}
				st, err := client.DB().Identity().LoadMatchState(ctx, identity.DefaultOrg)
				if err != nil {
					b.Fatal(err)
				}
				eng, err := matching.New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if _, err := eng.Resolve(ctx, st); err != nil {
					b.Fatal(err)
				}
				engine += time.Since(t0)
				b.StartTimer()
				rep, err := client.Resolve(ctx, identity.DefaultOrg)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if rep.Matching.Pending != len(st.Mappings) {
					b.Fatalf("decided %d of %d identities", rep.Matching.Pending, len(st.Mappings))
				}
				if err := client.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(engine.Seconds()/float64(b.N), "engine-s")
		})
	}
}
