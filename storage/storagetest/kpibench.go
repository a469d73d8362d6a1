package storagetest

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/kpi"
	"github.com/ovia-hq/ovia/storage"
	"github.com/ovia-hq/ovia/storage/internal/bunstore"
)

// BenchFullEnv names the variable that makes BenchKPISnapshot load the
// SPEC §13 data set (1,000,000 issues, 200,000 MRs, 500,000 pipelines,
// 20,000 deployments) instead of a tenth of it.
const BenchFullEnv = "OVIA_BENCH_FULL"

// BenchKPIData is the benchmark org: a year of activity, SPEC §13 sizes
// when full, a tenth otherwise.
func BenchKPIData(full bool) KPIData {
	d := KPIData{OrgID: identity.DefaultOrg, Seed: 42, Span: 365 * 24 * time.Hour,
		Issues: 1_000_000, MergeRequests: 200_000, Pipelines: 500_000, Deployments: 20_000, PageSize: 5000}
	if !full {
		d.Issues, d.MergeRequests, d.Pipelines, d.Deployments = d.Issues/10, d.MergeRequests/10, d.Pipelines/10, d.Deployments/10
	}
	return d
}

// LoadBenchKPIData writes d into db as fast as the write path allows: big
// pages, each one transaction of multi-row upserts. On SQLite the writer
// connection runs with synchronous=OFF during the load only (a crash
// would lose the benchmark's data, nothing else), then checkpoints the WAL.
// PostgreSQL tables are analyzed afterwards, as autovacuum would do.
func LoadBenchKPIData(tb testing.TB, db *storage.DB, d KPIData) {
	tb.Helper()
	ctx := context.Background()
	w := db.Writer()
	lite := db.Dialect() == bunstore.SQLite
	if lite {
		if _, err := w.ExecContext(ctx, "PRAGMA synchronous = OFF"); err != nil {
			tb.Fatal(err)
		}
	}
	start := time.Now()
	if err := LoadKPIData(ctx, db, nil, d); err != nil {
		tb.Fatal(err)
	}
	if lite {
		for _, q := range []string{"PRAGMA synchronous = NORMAL", "PRAGMA wal_checkpoint(TRUNCATE)"} {
			if _, err := w.ExecContext(ctx, q); err != nil {
				tb.Fatal(err)
			}
		}
	} else if _, err := w.ExecContext(ctx, "ANALYZE"); err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, table := range []string{"issues", "issue_transitions", "merge_requests", "pipelines", "deployments"} {
		c, err := db.CountRows(ctx, table, d.OrgID)
		if err != nil {
			tb.Fatal(err)
		}
		n += c
	}
	tb.Logf("%s: loaded %d issues, %d MRs, %d pipelines, %d deployments (%d rows with transitions) in %s",
		db.Dialect(), d.Issues, d.MergeRequests, d.Pipelines, d.Deployments, n, time.Since(start).Round(time.Second))
}

// BenchKPISnapshot measures one org snapshot from the database over the
// last 7, 30 and 90 days of the benchmark org (loading is not timed):
//
//	go test ./storage/sqlite -run '^$' -bench KPISnapshot -benchtime 5x
//	OVIA_BENCH_FULL=1 go test ./storage/sqlite -run '^$' -bench KPISnapshot -benchtime 5x -timeout 60m
func BenchKPISnapshot(b *testing.B, open Opener) {
	full := os.Getenv(BenchFullEnv) == "1"
	d := BenchKPIData(full)
	db := open(b, storage.Options{})
	LoadBenchKPIData(b, db, d)
	ctx := context.Background()
	src := db.KPISource()
	for _, days := range []int{7, 30, 90} {
		p := kpi.Period{Start: KPIEnd.AddDate(0, 0, -days), End: KPIEnd}
		b.Run(strconv.Itoa(days)+"d", func(b *testing.B) {
			// One untimed run first, as a server that has computed before
			// (SQLite maps the file's pages in on first touch).
			s, err := kpi.Compute(ctx, src, d.OrgID, kpi.OrgScope, p)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				var err error
				if s, err = kpi.Compute(ctx, src, d.OrgID, kpi.OrgScope, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(s.Throughput.Issues.N), "resolved")
			b.ReportMetric(float64(s.Throughput.MergeRequests.N), "merged")
			b.ReportMetric(float64(s.FailedPipelines.Finished+s.FailedPipelines.Retried), "pipelines")
		})
	}
}
