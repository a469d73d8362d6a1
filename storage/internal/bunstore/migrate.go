package bunstore

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// Migrate applies every embedded migration not yet applied, each in its own
// transaction, and records them in bun_migrations. It returns the names of
// the migrations it applied.
func Migrate(ctx context.Context, db *bun.DB, migrations fs.FS) ([]string, error) {
	m := migrate.NewMigrations()
	if err := m.Discover(migrations); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	mg := migrate.NewMigrator(db, m, migrate.WithMarkAppliedOnSuccess(true))
	if err := mg.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations table: %w", err)
	}
	group, err := mg.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("apply migrations: %w", err)
	}
	var names []string
	for _, mm := range group.Migrations {
		names = append(names, migrationName(mm))
	}
	return names, nil
}

// PendingMigrations lists embedded migrations not applied yet (readiness).
func PendingMigrations(ctx context.Context, db *bun.DB, migrations fs.FS) ([]string, error) {
	m := migrate.NewMigrations()
	if err := m.Discover(migrations); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	if _, err := db.NewSelect().TableExpr("bun_migrations").Limit(1).Exec(ctx); err != nil {
		// No migrations table yet (a never-migrated database): all pending.
		var names []string
		for _, mm := range m.Sorted() {
			names = append(names, migrationName(mm))
		}
		return names, nil
	}
	ms, err := migrate.NewMigrator(db, m).MigrationsWithStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("read migration status: %w", err)
	}
	var names []string
	for _, mm := range ms.Unapplied() {
		names = append(names, migrationName(mm))
	}
	return names, nil
}

// migrationName is the file's ID and comment, e.g. "20261129000001_init".
func migrationName(m migrate.Migration) string {
	if m.Comment == "" {
		return m.Name
	}
	return m.Name + "_" + m.Comment
}
