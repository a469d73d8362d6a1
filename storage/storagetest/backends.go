package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for schema set-up

	"github.com/ovia-hq/ovia/storage"
)

// PostgresDSNEnv names the variable that enables PostgreSQL tests.
const PostgresDSNEnv = "OVIA_TEST_POSTGRES_DSN"

// Clock is a settable test clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t.UTC()} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Opener opens a fresh, empty, migrated database for one test.
type Opener func(t testing.TB, opt storage.Options) *storage.DB

// Backend is a named opener.
type Backend struct {
	Name string
	Open Opener
}

// Backends returns SQLite and PostgreSQL.
func Backends() []Backend {
	return []Backend{{"sqlite", OpenSQLite}, {"postgres", OpenPostgres}}
}

// ForEachBackend runs fn as a subtest per backend.
func ForEachBackend(t *testing.T, fn func(t *testing.T, open Opener)) {
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.Open) })
	}
}

// OpenSQLite opens a new SQLite file in the test's temp dir.
func OpenSQLite(t testing.TB, opt storage.Options) *storage.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ovia.db")
	db, err := storage.Open(context.Background(), "sqlite:"+path, opt)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// PostgresDSN returns the test DSN or skips the test saying how to enable it.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := strings.TrimSpace(os.Getenv(PostgresDSNEnv))
	if dsn == "" {
		t.Skipf("PostgreSQL tests skipped: set %s=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable to run them", PostgresDSNEnv)
	}
	return dsn
}

// OpenPostgres creates a fresh schema on the test server and opens the
// store inside it; the schema is dropped when the test ends.
func OpenPostgres(t testing.TB, opt storage.Options) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), PostgresSchemaDSN(t), opt)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// PostgresSchemaDSN creates a fresh, empty schema on the test server and
// returns a DSN whose search_path points at it; the schema is dropped when
// the test ends. It skips like PostgresDSN.
func PostgresSchemaDSN(t testing.TB) string {
	t.Helper()
	dsn := PostgresDSN(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("%s: %v", PostgresDSNEnv, err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	ctx := context.Background()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("%s is set but PostgreSQL is unreachable: %v", PostgresDSNEnv, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "ovia_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { _, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s must be a postgres:// URL: %v", PostgresDSNEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
