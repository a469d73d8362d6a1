package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// Dialect names the database kind.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Config wires a Store.
type Config struct {
	Dialect Dialect
	// Writer runs every transaction and write. On SQLite it has exactly one
	// connection so writers queue in Go instead of failing with SQLITE_BUSY.
	Writer *bun.DB
	// Reader serves reads outside transactions (may equal Writer).
	Reader *bun.DB
	// IsUniqueViolation and IsForeignKeyViolation classify driver errors.
	IsUniqueViolation     func(error) bool
	IsForeignKeyViolation func(error) bool
	// IsConcurrencyFailure spots deadlocks and serialization failures: the
	// caller lost a race and may retry (mapped to ErrConflict).
	IsConcurrencyFailure func(error) bool
	// LowerFunc is the SQL function that lower-cases Unicode text for
	// case-insensitive search and sort (default "lower"; SQLite's lower()
	// folds ASCII only, so the sqlite package registers its own).
	LowerFunc string
	Now       func() time.Time
	Logger    *slog.Logger
	// Migrations are the dialect's embedded migration files; MigrateFunc
	// applies them (the dialect may wrap Migrate in a lock).
	Migrations  fs.FS
	MigrateFunc func(ctx context.Context) ([]string, error)
}

// Store implements the feature packages' store interfaces.
type Store struct {
	cfg Config
	w   *bun.DB
	r   *bun.DB
	now func() time.Time
	log *slog.Logger
	// stats keeps PostgreSQL planner statistics current during syncs.
	stats plannerStats
}

// New builds a Store. Close closes both databases.
func New(cfg Config) *Store {
	if cfg.Reader == nil {
		cfg.Reader = cfg.Writer
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LowerFunc == "" {
		cfg.LowerFunc = "lower"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.IsUniqueViolation == nil {
		cfg.IsUniqueViolation = func(error) bool { return false }
	}
	if cfg.IsConcurrencyFailure == nil {
		cfg.IsConcurrencyFailure = func(error) bool { return false }
	}
	if cfg.IsForeignKeyViolation == nil {
		cfg.IsForeignKeyViolation = func(error) bool { return false }
	}
	return &Store{cfg: cfg, w: cfg.Writer, r: cfg.Reader, now: cfg.Now, log: cfg.Logger}
}

// Dialect reports the database kind.
func (s *Store) Dialect() Dialect { return s.cfg.Dialect }

// Writer exposes the writer DB for migrations and maintenance.
func (s *Store) Writer() *bun.DB { return s.w }

// Reader exposes the reader DB.
func (s *Store) Reader() *bun.DB { return s.r }

// Close closes the databases.
func (s *Store) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Migrate applies pending migrations and returns their names.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	if s.cfg.MigrateFunc != nil {
		return s.cfg.MigrateFunc(ctx)
	}
	return Migrate(ctx, s.w, s.cfg.Migrations)
}

// PendingMigrations lists migrations not applied yet.
func (s *Store) PendingMigrations(ctx context.Context) ([]string, error) {
	return PendingMigrations(ctx, s.r, s.cfg.Migrations)
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.mapErr(s.r.PingContext(ctx), "ping")
}

// clock returns the current time in the precision both databases keep.
func (s *Store) clock() time.Time { return dbTime(s.now()) }

// dbTime normalises a time to UTC microseconds, the precision both
// databases store, so values read back compare equal to values written.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func dbTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := dbTime(*t)
	return &v
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// mapErr is the one place driver errors become Ovia sentinels.
func (s *Store) mapErr(err error, op string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", op, oviaerr.ErrNotFound)
	case s.cfg.IsUniqueViolation(err):
		return fmt.Errorf("%s: already exists: %w", op, oviaerr.ErrConflict)
	case s.cfg.IsConcurrencyFailure(err):
		return fmt.Errorf("%s: concurrent change, retry: %w", op, oviaerr.ErrConflict)
	case s.cfg.IsForeignKeyViolation(err):
		return fmt.Errorf("%s: refers to a missing row: %w", op, oviaerr.ErrConflict)
	case errors.Is(err, oviaerr.ErrNotFound), errors.Is(err, oviaerr.ErrConflict), errors.Is(err, oviaerr.ErrInvalid):
		return fmt.Errorf("%s: %w", op, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", op, err)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

// runInTx runs fn in a writer transaction.
func (s *Store) runInTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.w.RunInTx(ctx, nil, fn)
}
