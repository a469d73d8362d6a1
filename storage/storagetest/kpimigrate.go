package storagetest

import (
	"context"
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/storage"
	"github.com/ovia-hq/ovia/storage/internal/bunstore"
	"github.com/ovia-hq/ovia/storage/postgres"
	"github.com/ovia-hq/ovia/storage/sqlite"
)

// testKPIMigrationBackfill applies the first migration only, writes issues
// and sprint transitions the way version 1 stored them, then migrates:
// issue_sprints must hold every sprint the rows mention (comma lists split).
func testKPIMigrationBackfill(t *testing.T, open Opener) {
	is := is.New(t)
	ctx := context.Background()
	db := open(t, storage.Options{SkipMigrate: true})
	all := sqlite.Migrations()
	if db.Dialect() == bunstore.Postgres {
		all = postgres.Migrations()
	}
	first, err := fs.ReadFile(all, "20261129000001_init.tx.up.sql")
	is.NoErr(err)
	_, err = bunstore.Migrate(ctx, db.Writer(), fstest.MapFS{"20261129000001_init.tx.up.sql": {Data: first}})
	is.NoErr(err)
	w := db.Writer()
	for _, iss := range []struct{ id, sprint string }{{"1", "7, 8"}, {"2", ""}, {"3", " "}} {
		_, err := w.ExecContext(ctx, `INSERT INTO issues (org_id, source, external_id, key, project_key, created_at, updated_at, sprint_id)
			VALUES ('default', 'jira', ?, ?, 'OV', ?, ?, ?)`, iss.id, "OV-"+iss.id, T0, T0, iss.sprint)
		is.NoErr(err)
	}
	for _, tr := range []struct {
		issue    string
		seq      int
		field    string
		from, to string
	}{{"2", 0, "sprint", "8", "9,10"}, {"2", 1, "status", "7", "11"}, {"3", 0, "sprint", "", "12"}} {
		_, err := w.ExecContext(ctx, `INSERT INTO issue_transitions (org_id, source, issue_id, seq, field, from_value, to_value, at)
			VALUES ('default', 'jira', ?, ?, ?, ?, ?, ?)`, tr.issue, tr.seq, tr.field, tr.from, tr.to, T0)
		is.NoErr(err)
	}
	applied, err := db.Migrate(ctx)
	is.NoErr(err)
	is.True(len(applied) >= 1)
	is.Equal(applied[0], "20261129000002_kpi") // the backfill under test ran first after init
	var rows []struct {
		SprintID string `bun:"sprint_id"`
		IssueID  string `bun:"issue_id"`
	}
	is.NoErr(db.Reader().NewSelect().TableExpr("issue_sprints").Column("sprint_id", "issue_id").
		Where("org_id = 'default' AND source = 'jira'").OrderExpr("sprint_id, issue_id").Scan(ctx, &rows))
	var got []string
	for _, r := range rows {
		got = append(got, r.SprintID+"/"+r.IssueID)
	}
	want := []string{"10/2", "12/3", "7/1", "8/1", "8/2", "9/2"}
	slices.Sort(got)
	is.Equal(got, want)
}
