package storage_test

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/storage"
	"github.com/ovia-hq/ovia/storage/postgres"
	"github.com/ovia-hq/ovia/storage/sqlite"
	"github.com/ovia-hq/ovia/storage/storagetest"
)

func migrationIDs(t *testing.T, fsys fs.FS) []string {
	t.Helper()
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestMigrationFoldersHoldTheSameIDs(t *testing.T) {
	is := is.New(t)
	lite, pg := migrationIDs(t, sqlite.Migrations()), migrationIDs(t, postgres.Migrations())
	is.True(len(lite) > 0)
	is.Equal(lite, pg)
}

func TestParseDSN(t *testing.T) {
	cases := []struct {
		in      string
		kind    storage.Kind
		driver  string
		invalid bool
	}{
		{"ovia.db", storage.KindSQLite, "ovia.db", false},
		{"sqlite:ovia.db", storage.KindSQLite, "ovia.db", false},
		{"sqlite:///var/lib/ovia/ovia.db", storage.KindSQLite, "/var/lib/ovia/ovia.db", false},
		{"  /tmp/x.db ", storage.KindSQLite, "/tmp/x.db", false},
		{"postgres://u@h:5432/db?sslmode=disable", storage.KindPostgres, "postgres://u@h:5432/db?sslmode=disable", false},
		{"postgresql://u@h/db", storage.KindPostgres, "postgresql://u@h/db", false},
		{"", "", "", true},
		{"sqlite:", "", "", true},
		{"mysql://root@localhost/ovia", "", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			is := is.New(t)
			kind, d, err := storage.ParseDSN(tc.in)
			if tc.invalid {
				is.True(errors.Is(err, storage.ErrInvalid))
				return
			}
			is.NoErr(err)
			is.Equal(kind, tc.kind)
			is.Equal(d, tc.driver)
		})
	}
}

func TestOpenRefusesBadPostgresDSNWithoutLeakingIt(t *testing.T) {
	is := is.New(t)
	_, err := storage.Open(context.Background(), "postgres://user:s3cr3t-pw@127.0.0.1:1/db?connect_timeout=1&sslmode=disable", storage.Options{})
	is.True(err != nil)
	is.True(!strings.Contains(err.Error(), "s3cr3t-pw"))
	_, err = storage.Open(context.Background(), "postgres://user:s3cr3t-pw@[bad", storage.Options{})
	is.True(errors.Is(err, storage.ErrInvalid))
	is.True(!strings.Contains(err.Error(), "s3cr3t-pw"))
}

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ovia.db")
	db, err := storage.Open(ctx, path, storage.Options{})
	is.NoErr(err)
	is.NoErr(db.Ping(ctx))
	pending, err := db.PendingMigrations(ctx)
	is.NoErr(err)
	is.Equal(len(pending), 0)
	is.NoErr(db.Close())
	db, err = storage.Open(ctx, "sqlite:"+path, storage.Options{})
	is.NoErr(err)
	defer db.Close()
	pending, err = db.PendingMigrations(ctx)
	is.NoErr(err)
	is.Equal(len(pending), 0)
}

func TestSkipMigrateThenMigrate(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "ovia.db"), storage.Options{SkipMigrate: true})
	is.NoErr(err)
	defer db.Close()
	pending, err := db.PendingMigrations(ctx)
	is.NoErr(err)
	is.Equal(len(pending), len(migrationIDs(t, sqlite.Migrations())))
	applied, err := db.Migrate(ctx)
	is.NoErr(err)
	is.Equal(len(applied), len(pending))
	pending, err = db.PendingMigrations(ctx)
	is.NoErr(err)
	is.Equal(len(pending), 0)
	applied, err = db.Migrate(ctx) // idempotent
	is.NoErr(err)
	is.Equal(len(applied), 0)
}

func TestPostgresMigratesOnceUnderConcurrentOpens(t *testing.T) {
	is := is.New(t)
	dsn := storagetest.PostgresSchemaDSN(t) // skips without OVIA_TEST_POSTGRES_DSN
	// Replicas starting together: the advisory lock lets one migrate and
	// the others find nothing left to do.
	const replicas = 4
	dbs := make([]*storage.DB, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = storage.Open(context.Background(), dsn, storage.Options{})
		}()
	}
	wg.Wait()
	for i := range replicas {
		is.NoErr(errs[i])
		defer dbs[i].Close()
	}
	pending, err := dbs[0].PendingMigrations(context.Background())
	is.NoErr(err)
	is.Equal(len(pending), 0)
	var applied int
	is.NoErr(dbs[0].Reader().NewSelect().TableExpr("bun_migrations").ColumnExpr("count(*)").Scan(context.Background(), &applied))
	is.Equal(applied, len(migrationIDs(t, postgres.Migrations()))) // each migration recorded once
}
