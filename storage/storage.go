package storage

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/internal/oviaerr"
	"github.com/ovia-hq/ovia/storage/internal/bunstore"
	"github.com/ovia-hq/ovia/storage/postgres"
	"github.com/ovia-hq/ovia/storage/sqlite"
)

// Sentinel errors, the same values as identity.ErrNotFound etc.
var (
	ErrNotFound = oviaerr.ErrNotFound
	ErrConflict = oviaerr.ErrConflict
	ErrInvalid  = oviaerr.ErrInvalid
)

// Store is an open database.
type Store interface {
	// Identity is the store behind the identity service.
	Identity() identity.Store
	// Dialect is "sqlite" or "postgres".
	Dialect() bunstore.Dialect
	// Ping checks the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// Kind is the database kind a DSN names.
type Kind string

// Database kinds.
const (
	KindSQLite   Kind = "sqlite"
	KindPostgres Kind = "postgres"
)

// ParseDSN reads a --db / OVIA_DB value: "sqlite:PATH", a bare path, or a
// postgres:// (postgresql://) URL. It returns the kind and the driver DSN.
func ParseDSN(dsn string) (Kind, string, error) {
	d := strings.TrimSpace(dsn)
	switch {
	case d == "":
		return "", "", oviaerr.Invalid("db", "empty; want sqlite:PATH, a file path, or a postgres:// URL")
	case strings.HasPrefix(d, "postgres://"), strings.HasPrefix(d, "postgresql://"):
		return KindPostgres, d, nil
	case strings.HasPrefix(d, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(d, "sqlite:"), "//")
		if p == "" {
			return "", "", oviaerr.Invalid("db", "sqlite: needs a file path, e.g. sqlite:ovia.db")
		}
		return KindSQLite, p, nil
	case strings.Contains(d, "://"):
		scheme := d[:strings.Index(d, "://")]
		return "", "", oviaerr.Invalid("db", "unsupported scheme %q; want sqlite:PATH, a file path, or a postgres:// URL", scheme)
	default:
		return KindSQLite, d, nil
	}
}

// Options tunes Open.
type Options struct {
	Now         func() time.Time
	Logger      *slog.Logger
	SkipMigrate bool
}

// Open opens the database a DSN names, applying migrations unless told not to.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	kind, d, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	switch kind {
	case KindPostgres:
		return postgres.Open(ctx, d, postgres.Options{Now: opt.Now, Logger: opt.Logger, SkipMigrate: opt.SkipMigrate})
	default:
		return sqlite.Open(ctx, d, sqlite.Options{Now: opt.Now, Logger: opt.Logger, SkipMigrate: opt.SkipMigrate})
	}
}

// DB is an open Ovia database, on either dialect. Its views (Identity,
// Records) satisfy the feature packages' store interfaces.
type DB = bunstore.Store
