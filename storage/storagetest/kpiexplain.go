package storagetest

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/kpi"
	"github.com/ovia-hq/ovia/storage"
	"github.com/ovia-hq/ovia/storage/internal/bunstore"
)

// queryLog records the distinct SELECT statements run on a bun.DB, one
// per shape (literals blanked), keeping the first real text of each.
type queryLog struct {
	mu     sync.Mutex
	seen   map[string]bool
	shapes []string
	texts  []string
}

var (
	literals = regexp.MustCompile(`'(?:[^']|'')*'|\b\d+\b`)
	inLists  = regexp.MustCompile(`\((?:\?, )+\?\)`)
	columns  = regexp.MustCompile(`^SELECT "(\w+)"\."\w+"(?:, "\w+"\."\w+")* FROM`)
	longIn   = regexp.MustCompile(`\(('[^']*'|\d+)(, ('[^']*'|\d+)){3,}\)`)
)

// shape blanks the literals of a query.
func shape(q string) string {
	s := literals.ReplaceAllString(q, "?")
	// IN lists of any length are one shape.
	return inLists.ReplaceAllString(s, "(?)")
}

func (l *queryLog) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context { return ctx }

func (l *queryLog) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	q := strings.TrimSpace(e.Query)
	up := strings.ToUpper(q)
	if !strings.HasPrefix(up, "SELECT") && !strings.HasPrefix(up, "WITH") {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := shape(q); !l.seen[s] {
		l.seen[s] = true
		l.shapes, l.texts = append(l.shapes, s), append(l.texts, q)
	}
}

// KPIQueries runs kpi.Compute through db's KPI source for the org, a team
// and a project scope and returns the distinct SELECTs it issued (one per
// shape).
func KPIQueries(t testing.TB, db *storage.DB, org string, p kpi.Period) []string {
	t.Helper()
	log := &queryLog{seen: map[string]bool{}}
	//lint:ignore SA1019 the store's reader is fixed; WithQueryHook would hook a clone the store never uses
	db.Reader().AddQueryHook(log)
	ctx := context.Background()
	for _, sc := range []kpi.Scope{kpi.OrgScope, {Kind: kpi.ScopeTeam, ID: "core"}, {Kind: kpi.ScopeProject, ID: "OV"}, {Kind: kpi.ScopeProject, ID: "corp/web"}} {
		if _, err := kpi.Compute(ctx, db.KPISource(), org, sc, p); err != nil {
			t.Fatal(err)
		}
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	return log.texts
}

// KPIPlan is a KPI query with its plan.
type KPIPlan struct {
	Query string
	Plan  string
}

// ExplainKPIQueries explains every query of KPIQueries: EXPLAIN QUERY PLAN
// on SQLite, EXPLAIN (COSTS OFF) on PostgreSQL, there with enable_seqscan
// off when seqscanOff (tiny test tables would otherwise be read
// sequentially whatever the indexes).
func ExplainKPIQueries(t testing.TB, db *storage.DB, org string, p kpi.Period, seqscanOff bool) []KPIPlan {
	t.Helper()
	ctx := context.Background()
	queries := KPIQueries(t, db, org, p)
	conn, err := db.Reader().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	prefix := "EXPLAIN QUERY PLAN "
	if db.Dialect() == bunstore.Postgres {
		prefix = "EXPLAIN (COSTS OFF) "
		if seqscanOff {
			if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
				t.Fatal(err)
			}
			defer conn.ExecContext(context.WithoutCancel(ctx), "RESET enable_seqscan") //nolint:errcheck
		}
	}
	var plans []KPIPlan
	for _, q := range queries {
		plan, err := explain(ctx, conn, prefix+q)
		if err != nil {
			t.Fatalf("explain %s: %v", q, err)
		}
		plans = append(plans, KPIPlan{Query: q, Plan: plan})
	}
	return plans
}

// explain runs an EXPLAIN statement and joins its plan lines (SQLite: the
// detail column of id, parent, notused, detail; PostgreSQL: its one text
// column).
func explain(ctx context.Context, db interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, stmt string) (string, error) {
	rows, err := db.QueryContext(ctx, stmt)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		lines = append(lines, toString(vals[len(vals)-1]))
	}
	return strings.Join(lines, "\n"), rows.Err()
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

// kpiTables are the tables whose full scan would make a snapshot grow with
// the database instead of the period.
var kpiTables = regexp.MustCompile(`\b(SCAN|Seq Scan on) (issues|issue_transitions|issue_sprints|merge_requests|pipelines|deployments|sprints)\b`)

// RunKPIQueriesUseIndexes loads the KPI test data set and asserts that no
// KPI query scans a whole record table: on SQLite from EXPLAIN QUERY PLAN,
// on PostgreSQL from EXPLAIN with enable_seqscan off. Plans are logged.
func RunKPIQueriesUseIndexes(t *testing.T, open Opener) {
	b := Setup(t, open)
	ctx := context.Background()
	if err := LoadKPIData(ctx, b.DB, nil, kpiTestSets()[0]); err != nil {
		t.Fatal(err)
	}
	if b.DB.Dialect() == bunstore.Postgres {
		// What autovacuum does after a sync: without statistics the
		// planner cannot tell a one-week range from the whole org.
		if _, err := b.DB.Writer().ExecContext(ctx, "ANALYZE"); err != nil {
			t.Fatal(err)
		}
	}
	p := kpi.Period{Start: KPIEnd.AddDate(0, 0, -7), End: KPIEnd}
	plans := ExplainKPIQueries(t, b.DB, identity.DefaultOrg, p, true)
	if len(plans) < 15 {
		t.Fatalf("only %d KPI queries captured", len(plans))
	}
	for _, pl := range plans {
		t.Logf("%s\n%s", ShortQuery(pl.Query), pl.Plan)
		if m := kpiTables.FindString(pl.Plan); m != "" {
			t.Errorf("%q scans a whole table (%s):\n%s", pl.Query, m, pl.Plan)
		}
	}
}

// ShortQuery trims column lists and long IN lists for logs and docs.
func ShortQuery(q string) string {
	q = columns.ReplaceAllString(q, "SELECT $1.* FROM")
	return longIn.ReplaceAllStringFunc(q, func(s string) string {
		parts := strings.SplitN(s, ", ", 3)
		return parts[0] + ", " + parts[1] + ", …)"
	})
}
