package jira

import (
	"strings"
	"time"
)

// JQLTimeLayout is the minute-precision layout of JQL date literals.
const JQLTimeLayout = "2006-01-02 15:04"

// JQL builds the incremental issue search:
//
//	project in ("A", "B") AND updated >= "yyyy-MM-dd HH:mm" ORDER BY updated ASC
//
// Every key is quoted with QuoteJQL. since is formatted in loc (the API
// user's time zone: Jira reads date literals there) and truncated to the
// minute, which only widens the window. A nil loc means UTC. With no keys
// the project clause is left out.
func JQL(projectKeys []string, since time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	if len(projectKeys) > 0 {
		b.WriteString("project in (")
		for i, k := range projectKeys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(QuoteJQL(k))
		}
		b.WriteString(") AND ")
	}
	b.WriteString(`updated >= "`)
	b.WriteString(since.In(loc).Format(JQLTimeLayout))
	b.WriteString(`" ORDER BY updated ASC`)
	return b.String()
}

// QuoteJQL returns s as a double-quoted JQL string: backslash and double
// quote are backslash-escaped, newline, carriage return and tab use \n \r
// \t, and other control bytes use \uXXXX. Every other byte is kept as is.
func QuoteJQL(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
