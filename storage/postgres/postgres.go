package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

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
	Now         func() time.Time
	Logger      *slog.Logger
	SkipMigrate bool
	// MaxConns bounds the pool (default 10).
	MaxConns int
}

// migrationLockKey is the advisory lock key held while migrating.
const migrationLockKey = 0x0_71a_0001

// Open connects to the database at dsn (a postgres:// URL or key=value DSN).
func Open(ctx context.Context, dsn string, opt Options) (*bunstore.Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included: keep it out.
		return nil, oviaerr.Invalid("db", "cannot parse PostgreSQL DSN")
	}
	sqldb := stdlib.OpenDB(*cfg)
	n := opt.MaxConns
	if n <= 0 {
		n = 10
	}
	sqldb.SetMaxOpenConns(n)
	sqldb.SetMaxIdleConns(n)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	db := bun.NewDB(sqldb, pgdialect.New())
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d/%s: %w", cfg.Host, cfg.Port, cfg.Database, redact(err, cfg.Password))
	}
	st := bunstore.New(bunstore.Config{
		Dialect: bunstore.Postgres, Writer: db, Reader: db,
		IsUniqueViolation:     func(err error) bool { return pgCode(err, "23505") },
		IsForeignKeyViolation: func(err error) bool { return pgCode(err, "23503") },
		IsConcurrencyFailure:  func(err error) bool { return pgCode(err, "40P01") || pgCode(err, "40001") },
		Now:                   opt.Now, Logger: opt.Logger, Migrations: Migrations(),
		MigrateFunc: func(ctx context.Context) ([]string, error) { return migrateLocked(ctx, db) },
	})
	if !opt.SkipMigrate {
		if _, err := st.Migrate(ctx); err != nil {
			_ = st.Close()
			return nil, err
		}
	}
	return st, nil
}

// migrateLocked applies migrations while holding a session advisory lock on
// a dedicated connection.
func migrateLocked(ctx context.Context, db *bun.DB) ([]string, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
		return nil, fmt.Errorf("migrate: take lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrationLockKey) //nolint:errcheck
	names, err := bunstore.Migrate(ctx, db, Migrations())
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return names, nil
}

func pgCode(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}

// redact keeps a password out of an error's text.
func redact(err error, password string) error {
	if password == "" || err == nil {
		return err
	}
	return redactedError{err: err, password: password}
}

type redactedError struct {
	err      error
	password string
}

func (r redactedError) Error() string {
	return strings.ReplaceAll(r.err.Error(), r.password, "xxxxx")
}
func (r redactedError) Unwrap() error { return r.err }
