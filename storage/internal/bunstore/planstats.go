package bunstore

import (
	"context"
	"sync"
)

// plannerStats keeps PostgreSQL's planner statistics current on the tables
// a sync replaces rows in, the way autovacuum's auto-analyze would.
//
// Why: a page replaces its issues' transitions and sprint memberships with
// "DELETE … WHERE org_id = ? AND source = ? AND issue_id IN (…)". On a table
// that was never analyzed (a fresh database, or a server with autovacuum
// off or behind) PostgreSQL guesses that the org has a couple of rows,
// walks the primary key on (org_id, source) only and filters issue_id row
// by row: every page reads the whole table and a 100,000-issue sync turns
// quadratic (measured: 50 ms per page at 300,000 transitions, 0.07 ms once
// analyzed). SQLite's planner prefers the index without statistics, so it
// needs none of this.
//
// A table is analyzed when the rows this process wrote to it since its
// last analyze exceed the rows PostgreSQL last counted there (pg_class
// reltuples, kept by ANALYZE and autovacuum), with a floor: about once per
// doubling, 10 times on the way to 1,000,000 rows. Estimates within 2×
// keep the right plan. The counters are per process; another replica's
// writes only make a table look smaller here, never skip a needed analyze
// for long.
type plannerStats struct {
	mu       sync.Mutex
	written  int64 // rows written to statsTables since the last analyze
	next     int64 // written at which to look again (0: statsMinRows)
	disabled bool  // ANALYZE was refused (not the owner): rely on autovacuum
}

// statsMinRows is the floor of written rows before a table is looked at.
const statsMinRows = 1000

// statsTables are the tables a sync deletes from by a key prefix. The
// others are written by upsert on their unique key, which needs no
// statistics (ON CONFLICT always probes the unique index); KPI reads are
// planned with the statistics autovacuum keeps (docs/storage.md).
var statsTables = []string{"issue_transitions", "issue_sprints"}

// noteWrites records rows written to statsTables by a committed page and,
// on PostgreSQL, analyzes them once their statistics have gone stale.
// Failures are logged, never returned: statistics only make the next page
// faster.
func (s *Store) noteWrites(ctx context.Context, rows int) {
	if s.cfg.Dialect != Postgres || rows <= 0 {
		return
	}
	ps := &s.stats
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.disabled {
		return
	}
	ps.written += int64(rows)
	if ps.written < max(ps.next, statsMinRows) {
		return
	}
	counted, err := s.reltuples(ctx, statsTables[0])
	if err != nil {
		s.log.Warn("planner statistics: cannot read the table's row estimate", "err", err)
		ps.next = ps.written + statsMinRows
		return
	}
	if counted >= 0 && ps.written < counted {
		// Analyzed since (autovacuum, or another replica): look again
		// once this process alone has written that many rows.
		ps.next = counted
		return
	}
	for _, table := range statsTables {
		// SKIP_LOCKED: another replica analyzing the same table is as good.
		if _, err := s.w.ExecContext(ctx, "ANALYZE (SKIP_LOCKED) "+table); err != nil {
			s.log.Warn("planner statistics: ANALYZE refused; relying on autovacuum", "table", table, "err", err)
			ps.disabled = true
			return
		}
	}
	ps.written, ps.next = 0, 0
	if counted, err = s.reltuples(ctx, statsTables[0]); err == nil {
		ps.next = counted
	}
	s.log.Debug("planner statistics refreshed", "tables", statsTables, "rows", counted)
}

// reltuples is PostgreSQL's row estimate for table (-1: never analyzed).
func (s *Store) reltuples(ctx context.Context, table string) (int64, error) {
	var n float64
	err := s.w.QueryRowContext(ctx, "SELECT reltuples FROM pg_class WHERE oid = to_regclass(?)", table).Scan(&n)
	return int64(n), err
}
