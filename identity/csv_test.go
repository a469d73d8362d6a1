package identity_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/identity"
)

func TestParseCSV(t *testing.T) {
	const header = "source,external_id,username,email,display_name,is_service_account\n"
	cases := []struct {
		name    string
		in      string
		rows    int
		badLine []int // lines reported bad; nil = valid
	}{
		{"valid", header + "jira,acc-1,,,Alexey Smirnov,false\ngitlab,17,asmirnov,a@corp.example,Alexey,\n", 2, nil},
		{"columns in any order, upper case, BOM", "\ufeffEXTERNAL_ID,Source\nacc-1,JIRA\n", 1, nil},
		{"only required columns", "source,external_id\nconfluence,5b10ac8d\n", 1, nil},
		{"blank lines skipped", header + "\njira,acc-1,,,A,\n\n", 1, nil},
		{"empty file", "", 0, []int{1}},
		{"unknown column", "source,external_id,salary\njira,1,100\n", 0, []int{1}},
		{"missing required column", "source,username\njira,bob\n", 0, []int{1}},
		{"duplicate column", "source,external_id,source\njira,1,jira\n", 0, []int{1}},
		{"unknown source", header + "svn,1,,,,\n", 0, []int{2}},
		{"empty external id", header + "jira,  ,,,,\n", 0, []int{2}},
		{"bad email", header + "gitlab,1,u,not-an-email,,\n", 0, []int{2}},
		{"bad bool", header + "gitlab,1,u,,,maybe\n", 0, []int{2}},
		{"wrong field count", header + "gitlab,1,u\n", 0, []int{2}},
		{"duplicate key", header + "jira,1,,,,\njira,2,,,,\njira,1,,,,\n", 0, []int{4}},
		{"several bad rows all reported", header + "svn,1,,,,\njira,ok,,,,\njira,,,,,\n", 0, []int{2, 4}},
		{"bad quoting", header + "jira,\"acc-1,,,,\n", 0, []int{2}},
		{"overlong field", header + "jira,1,,," + strings.Repeat("x", identity.MaxFieldLen+1) + ",\n", 0, []int{2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			ids, err := identity.ParseCSV(strings.NewReader(tc.in))
			if tc.badLine == nil {
				is.NoErr(err)
				is.Equal(len(ids), tc.rows)
				return
			}
			is.True(errors.Is(err, identity.ErrInvalid))
			var ce *identity.CSVError
			is.True(errors.As(err, &ce))
			is.True(ids == nil) // nothing partial
			var lines []int
			for _, r := range ce.Rows {
				if len(lines) == 0 || lines[len(lines)-1] != r.Line {
					lines = append(lines, r.Line)
				}
			}
			is.Equal(lines, tc.badLine)
			is.True(strings.Contains(err.Error(), "nothing imported"))
		})
	}
}

func TestParseCSVReportsAtMostFiftyRows(t *testing.T) {
	is := is.New(t)
	var b strings.Builder
	b.WriteString("source,external_id\n")
	for range 80 {
		b.WriteString("svn,1\n")
	}
	_, err := identity.ParseCSV(strings.NewReader(b.String()))
	var ce *identity.CSVError
	is.True(errors.As(err, &ce))
	is.Equal(len(ce.Rows), 50)
	is.Equal(ce.More, 30)
}

func FuzzParseCSV(f *testing.F) {
	f.Add("source,external_id\njira,1\n")
	f.Add("source,external_id,email\ngitlab,2,a@b\n")
	f.Add("\"")
	f.Fuzz(func(t *testing.T, in string) {
		ids, err := identity.ParseCSV(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, identity.ErrInvalid) {
				t.Fatalf("error is not ErrInvalid: %v", err)
			}
			if ids != nil {
				t.Fatal("rows returned with an error")
			}
			return
		}
		for _, id := range ids {
			if err := id.Validate(); err != nil {
				t.Fatalf("accepted an invalid identity: %v", err)
			}
		}
	})
}

func TestParseSource(t *testing.T) {
	is := is.New(t)
	s, err := identity.ParseSource(" GitLab ")
	is.NoErr(err)
	is.Equal(s, identity.SourceGitLab)
	_, err = identity.ParseSource("svn")
	is.True(errors.Is(err, identity.ErrInvalid))
}

func TestMappingPending(t *testing.T) {
	is := is.New(t)
	id := identity.Identity{ID: "i"}
	is.True(identity.Mapping{Identity: id}.Pending())
	for _, tc := range []struct {
		status  identity.Status
		changed bool
		pending bool
	}{
		{identity.StatusAuto, false, false},
		{identity.StatusAuto, true, true},
		{identity.StatusConflict, true, true},
		{identity.StatusConfirmed, true, false},
		{identity.StatusRejected, true, false},
	} {
		l := &identity.Link{Status: tc.status}
		m := identity.Mapping{Identity: id, Link: l}
		if tc.changed {
			m.Identity.ChangedAt = l.MatchedAt.Add(1)
		}
		is.Equal(m.Pending(), tc.pending)
	}
}
