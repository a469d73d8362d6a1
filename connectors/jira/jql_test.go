package jira_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors/jira"
)

func TestJQL(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2024, 1, 31, 23, 30, 59, 0, time.UTC)
	tests := []struct {
		name string
		keys []string
		loc  *time.Location
		want string
	}{
		{"two keys in UTC", []string{"A", "B"}, nil, `project in ("A", "B") AND updated >= "2024-01-31 23:30" ORDER BY updated ASC`},
		{"zone moves the date", []string{"ENG"}, berlin, `project in ("ENG") AND updated >= "2024-02-01 00:30" ORDER BY updated ASC`},
		{"quotes and backslashes escaped", []string{`A"B`, `C\D`}, nil, `project in ("A\"B", "C\\D") AND updated >= "2024-01-31 23:30" ORDER BY updated ASC`},
		{"no keys", nil, nil, `updated >= "2024-01-31 23:30" ORDER BY updated ASC`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			is.Equal(jira.JQL(tt.keys, since, tt.loc), tt.want)
		})
	}
}

// parseJQL reads back what JQL builds; it fails on anything else.
func parseJQL(s string) (keys []string, date string, err error) {
	rest, ok := strings.CutPrefix(s, "project in (")
	if ok {
		for {
			var k string
			k, rest, err = unquote(rest)
			if err != nil {
				return nil, "", err
			}
			keys = append(keys, k)
			if r, ok := strings.CutPrefix(rest, ", "); ok {
				rest = r
				continue
			}
			if r, ok := strings.CutPrefix(rest, ") AND "); ok {
				rest = r
				break
			}
			return nil, "", fmt.Errorf("unexpected %q after a key", rest)
		}
	}
	rest, ok = strings.CutPrefix(rest, "updated >= ")
	if !ok {
		return nil, "", fmt.Errorf("no updated clause in %q", rest)
	}
	date, rest, err = unquote(rest)
	if err != nil {
		return nil, "", err
	}
	if rest != " ORDER BY updated ASC" {
		return nil, "", fmt.Errorf("bad tail %q", rest)
	}
	return keys, date, nil
}

// unquote reads one JQL double-quoted string at the start of s.
func unquote(s string) (string, string, error) {
	if !strings.HasPrefix(s, `"`) {
		return "", "", fmt.Errorf("no opening quote in %q", s)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), s[i+1:], nil
		case c < 0x20 || c == 0x7f:
			return "", "", fmt.Errorf("raw control byte %#x inside a string", c)
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", "", fmt.Errorf("dangling backslash")
		}
		switch s[i] {
		case '"', '\\':
			b.WriteByte(s[i])
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if i+4 >= len(s) {
				return "", "", fmt.Errorf("short \\u escape")
			}
			n, err := strconv.ParseUint(s[i+1:i+5], 16, 8)
			if err != nil {
				return "", "", err
			}
			b.WriteByte(byte(n))
			i += 4
		default:
			return "", "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return "", "", fmt.Errorf("no closing quote")
}

var jqlDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$`)

func FuzzJQL(f *testing.F) {
	f.Add("EE,OPS", int64(1717000000), "Asia/Shanghai")
	f.Add(`A"B,C\D`, int64(0), "UTC")
	f.Add("x\ny\x00z,\"\"\"", int64(-62135596800), "America/St_Johns")
	f.Add(",,", int64(253402300799), "Pacific/Chatham")
	f.Add("\xff\xfe,) AND project = X OR (\"", int64(1), "Europe/Berlin")
	f.Fuzz(func(t *testing.T, csv string, unix int64, zone string) {
		keys := strings.Split(csv, ",")
		loc, err := time.LoadLocation(zone)
		if err != nil || zone == "" || zone == "Local" {
			loc = time.UTC
		}
		since := time.Unix(unix, 0)
		if y := since.In(loc).Year(); y < 1 || y > 9999 {
			return
		}
		q := jira.JQL(keys, since, loc)
		gotKeys, date, err := parseJQL(q)
		if err != nil {
			t.Fatalf("JQL(%q) = %q does not parse back: %v", keys, q, err)
		}
		if len(gotKeys) != len(keys) {
			t.Fatalf("keys %q came back as %q", keys, gotKeys)
		}
		for i := range keys {
			if gotKeys[i] != keys[i] {
				t.Fatalf("key %d %q came back as %q", i, keys[i], gotKeys[i])
			}
		}
		if !jqlDate.MatchString(date) {
			t.Fatalf("date literal %q is not yyyy-MM-dd HH:mm", date)
		}
		parsed, err := time.ParseInLocation(jira.JQLTimeLayout, date, loc)
		if err != nil {
			t.Fatalf("date literal %q: %v", date, err)
		}
		// Minute precision never moves the bound later than since.
		if d := since.Sub(parsed); d < 0 || d >= time.Minute+time.Hour {
			// (an hour of slack: a wall-clock minute can repeat across a DST fold)
			t.Fatalf("date literal %q is %s away from %s", date, d, since)
		}
	})
}
