package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia"
	"github.com/ovia-hq/ovia/identity"
)

type result struct {
	code           int
	stdout, stderr string
}

func oviad(t *testing.T, vars map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return vars[k] },
	})
	return result{code, out.String(), errb.String()}
}

func TestVersionAndUsage(t *testing.T) {
	is := is.New(t)
	r := oviad(t, nil, "", "version")
	is.Equal(r.code, exitOK)
	is.True(strings.HasPrefix(r.stdout, "oviad "))
	r = oviad(t, nil, "")
	is.Equal(r.code, exitUsage)
	is.True(strings.Contains(r.stderr, "no command given"))
	r = oviad(t, nil, "", "frobnicate")
	is.Equal(r.code, exitUsage)
	is.True(strings.Contains(r.stderr, `unknown command "frobnicate"`))
	r = oviad(t, nil, "", "--log-level", "loud", "version")
	is.Equal(r.code, exitUsage)
	is.True(strings.Contains(r.stderr, "OVIA_LOG_LEVEL"))
}

func TestMigrateImportExport(t *testing.T) {
	is := is.New(t)
	dir := t.TempDir()
	vars := map[string]string{"OVIA_DB": "sqlite:" + filepath.Join(dir, "ovia.db")}
	r := oviad(t, vars, "", "migrate")
	is.Equal(r.code, exitOK)
	is.True(strings.Contains(r.stdout, "applied 20261129000001_init"))
	r = oviad(t, vars, "", "migrate")
	is.Equal(r.code, exitOK)
	is.Equal(r.stdout, "database is up to date\n")

	csvPath := filepath.Join(dir, "people.csv")
	is.NoErr(os.WriteFile(csvPath, []byte("source,external_id,username,email,display_name,is_service_account\n"+
		"gitlab,17,asmirnov,a.smirnov@corp.example,Alexey Smirnov,false\n"+
		"jira,5b10ac8d,,,Алексей Смирнов,\n"), 0o600))
	r = oviad(t, vars, "", "identities", "import", csvPath)
	is.Equal(r.code, exitOK)
	is.True(strings.Contains(r.stdout, "imported 2 identities"))

	r = oviad(t, vars, "", "identities", "export")
	is.Equal(r.code, exitOK)
	is.Equal(r.stdout, "source,external_id,username,email,display_name,is_service_account,person_id,status,score\n"+
		"gitlab,17,asmirnov,a.smirnov@corp.example,Alexey Smirnov,false,,unresolved,\n"+
		"jira,5b10ac8d,,,Алексей Смирнов,false,,unresolved,\n")
}

func TestBadInputGetsClearErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("source,external_id,email\nsvn,1,\njira,2,not-an-email\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := "sqlite:" + filepath.Join(dir, "ovia.db")
	cases := []struct {
		name string
		vars map[string]string
		args []string
		code int
		want []string
	}{
		{"unsupported DSN", map[string]string{"OVIA_DB": "mysql://root@x/ovia"}, []string{"migrate"}, exitError, []string{`unsupported scheme "mysql"`}},
		{"empty sqlite path", nil, []string{"--db", "sqlite:", "migrate"}, exitError, []string{"sqlite: needs a file path"}},
		{"bad csv rows with line numbers", map[string]string{"OVIA_DB": db}, []string{"identities", "import", bad}, exitError,
			[]string{"2 bad row(s), nothing imported", "line 2, column source", "line 3, column email"}},
		{"missing csv file", map[string]string{"OVIA_DB": db}, []string{"identities", "import", filepath.Join(dir, "nope.csv")}, exitError, []string{"no such file"}},
		{"import without file", map[string]string{"OVIA_DB": db}, []string{"identities", "import"}, exitUsage, []string{"takes one FILE.csv"}},
		{"postgres password never printed", map[string]string{"OVIA_DB": "postgres://ovia:hunter2-secret@127.0.0.1:1/ovia?sslmode=disable&connect_timeout=1"}, []string{"migrate"}, exitError, []string{"connect to PostgreSQL"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			r := oviad(t, tc.vars, "", tc.args...)
			is.Equal(r.code, tc.code)
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q lacks %q", r.stderr, w)
				}
			}
			is.True(!strings.Contains(r.stderr+r.stdout, "hunter2-secret"))
		})
	}
}

// TestKPIOnANeverSyncedDatabase: the figures are computed (all empty) but
// no snapshot is saved, and the user is told what to run.
func TestKPIOnANeverSyncedDatabase(t *testing.T) {
	is := is.New(t)
	file := filepath.Join(t.TempDir(), "ovia.db")
	vars := map[string]string{"OVIA_DB": "sqlite:" + file}
	r := oviad(t, vars, "", "kpi", "--period", "30d")
	is.Equal(r.code, exitOK)
	is.True(strings.Contains(r.stderr, "nothing has been synced"))
	is.True(strings.Contains(r.stdout, "Delivery health"))
	c, err := ovia.Open(context.Background(), "sqlite:"+file)
	is.NoErr(err)
	defer c.Close()
	n, err := c.DB().CountRows(context.Background(), "kpi_snapshots", identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(n, 0) // nothing saved
}
