package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ovia-hq/ovia/internal/oviaerr"
	"github.com/ovia-hq/ovia/storage/internal/bunstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded migration files.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrationFiles, "migrations")
	return sub
}

// Options tunes Open.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
	// SkipMigrate opens without applying migrations (oviad migrate applies
	// them explicitly; readiness reports pending ones).
	SkipMigrate bool
	// Readers is the size of the read pool (default: GOMAXPROCS, at least 2).
	Readers int
}

// Open opens (creating if needed) the SQLite database at path.
func Open(ctx context.Context, path string, opt Options) (*bunstore.Store, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return nil, oviaerr.Invalid("db", "sqlite path must not be empty")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, oviaerr.Invalid("db", "sqlite path %q must not contain '?' or '#'", path)
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	fileURL := "file:" + (&url.URL{Path: path}).EscapedPath()
	drv, err := newDriver()
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	writer := sql.OpenDB(connector{d: drv, dsn: fileURL + "?" + pragmas + "&_txlock=immediate"})
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	wdb := bun.NewDB(writer, sqlitedialect.New())
	// Touch the writer first so the file and WAL mode exist before readers open it.
	if err := wdb.PingContext(ctx); err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := opt.Readers
	if n <= 0 {
		n = max(2, runtime.GOMAXPROCS(0))
	}
	// Readers map the file (SQLite's default cap, 2 GiB): rows are read in
	// place instead of one pread system call per page, which halves the
	// CPU time of a KPI snapshot.
	reader := sql.OpenDB(connector{d: drv, dsn: fileURL + "?" + pragmas + "&_pragma=query_only(1)&_pragma=mmap_size(2147418112)"})
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	rdb := bun.NewDB(reader, sqlitedialect.New())
	st := bunstore.New(bunstore.Config{
		Dialect: bunstore.SQLite, Writer: wdb, Reader: rdb, LowerFunc: lowerFunc,
		IsUniqueViolation: func(err error) bool {
			return hasCode(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
		},
		IsForeignKeyViolation: func(err error) bool { return hasCode(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) },
		Now:                   opt.Now, Logger: opt.Logger, Migrations: Migrations(),
	})
	if !opt.SkipMigrate {
		if _, err := st.Migrate(ctx); err != nil {
			_ = st.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
	}
	return st, nil
}

func hasCode(err error, codes ...int) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	for _, c := range codes {
		if se.Code() == c {
			return true
		}
	}
	return false
}
