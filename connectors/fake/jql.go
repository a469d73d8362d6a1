package fake

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// jqlQuery is the subset of JQL the fake understands: conjunctions of
// project and date clauses and an ORDER BY on updated or created, which is
// what a sync sends:
//
//	project in ("A", "B") AND updated >= "2024-01-02 15:04" ORDER BY updated ASC
type jqlQuery struct {
	projects []string // upper-cased; nil means every project
	bounds   []dateBound
	order    string // "updated" or "created"
	desc     bool
}

type dateBound struct {
	field string // updated or created
	op    string // >=, >, <=, <
	at    time.Time
}

func (q jqlQuery) match(is *Issue) bool {
	if q.projects != nil {
		ok := false
		for _, p := range q.projects {
			if p == is.ProjectKey {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, b := range q.bounds {
		t := is.Updated
		if b.field == "created" {
			t = is.Created
		}
		var ok bool
		switch b.op {
		case ">=":
			ok = !t.Before(b.at)
		case ">":
			ok = t.After(b.at)
		case "<=":
			ok = !t.After(b.at)
		case "<":
			ok = t.Before(b.at)
		}
		if !ok {
			return false
		}
	}
	return true
}

type jqlToken struct {
	kind string // word, string, op, punct
	text string
}

func lexJQL(s string) ([]jqlToken, error) {
	var out []jqlToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string at position %d", i)
			}
			out = append(out, jqlToken{"string", b.String()})
			i = j + 1
		case c == '(' || c == ')' || c == ',':
			out = append(out, jqlToken{"punct", string(c)})
			i++
		case c == '>' || c == '<' || c == '=' || c == '!':
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			out = append(out, jqlToken{"op", s[i:j]})
			i = j
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n()\",'<>=!", rune(s[j])) {
				j++
			}
			out = append(out, jqlToken{"word", s[i:j]})
			i = j
		}
	}
	return out, nil
}

// parseJQL reads q; date literals are in loc (the API user's time zone),
// relative dates ("-7d") count back from now.
func parseJQL(s string, loc *time.Location, now time.Time) (jqlQuery, error) {
	toks, err := lexJQL(s)
	if err != nil {
		return jqlQuery{}, err
	}
	q := jqlQuery{order: "updated"}
	p := 0
	peek := func() jqlToken {
		if p < len(toks) {
			return toks[p]
		}
		return jqlToken{}
	}
	next := func() jqlToken { t := peek(); p++; return t }
	isWord := func(t jqlToken, w string) bool { return t.kind == "word" && strings.EqualFold(t.text, w) }
	explicitOrder := false
	for p < len(toks) {
		if isWord(peek(), "order") {
			break
		}
		field := next()
		if field.kind != "word" && field.kind != "string" {
			return q, fmt.Errorf("expected a field name, got %q", field.text)
		}
		name := strings.ToLower(field.text)
		switch name {
		case "project":
			op := next()
			switch {
			case op.kind == "op" && op.text == "=":
				v := next()
				if v.kind != "word" && v.kind != "string" {
					return q, fmt.Errorf("expected a project after =")
				}
				q.projects = append(q.projects, strings.ToUpper(v.text))
			case isWord(op, "in"):
				if t := next(); t.text != "(" {
					return q, fmt.Errorf("expected ( after in")
				}
				if q.projects == nil {
					q.projects = []string{}
				}
				for {
					v := next()
					if v.kind != "word" && v.kind != "string" {
						return q, fmt.Errorf("expected a project key in the list, got %q", v.text)
					}
					q.projects = append(q.projects, strings.ToUpper(v.text))
					t := next()
					if t.text == ")" {
						break
					}
					if t.text != "," {
						return q, fmt.Errorf("expected , or ) in the project list")
					}
				}
			default:
				return q, fmt.Errorf("unsupported operator %q for project", op.text)
			}
		case "updated", "created", "updateddate", "createddate":
			op := next()
			if op.kind != "op" || op.text == "=" || op.text == "!=" {
				return q, fmt.Errorf("unsupported operator %q for %s", op.text, field.text)
			}
			v := next()
			if v.kind != "word" && v.kind != "string" {
				return q, fmt.Errorf("expected a date after %s %s", field.text, op.text)
			}
			at, err := parseJQLDate(v.text, loc, now)
			if err != nil {
				return q, err
			}
			q.bounds = append(q.bounds, dateBound{strings.TrimSuffix(name, "date"), op.text, at})
		default:
			return q, fmt.Errorf("field %q is not supported by the fake", field.text)
		}
		if p < len(toks) && isWord(peek(), "and") {
			p++
			continue
		}
		if p < len(toks) && !isWord(peek(), "order") {
			return q, fmt.Errorf("unexpected %q (only AND is supported)", peek().text)
		}
	}
	if p < len(toks) {
		p++ // order
		if !isWord(next(), "by") {
			return q, fmt.Errorf("expected BY after ORDER")
		}
		f := strings.ToLower(next().text)
		switch f {
		case "updated", "created", "updateddate", "createddate", "key":
		default:
			return q, fmt.Errorf("ORDER BY %q is not supported by the fake", f)
		}
		if f == "key" {
			f = "created" // keys grow with creation in the fake
		}
		q.order, explicitOrder = strings.TrimSuffix(f, "date"), true
		if isWord(peek(), "asc") {
			p++
		} else if isWord(peek(), "desc") {
			p++
			q.desc = true
		}
		if p < len(toks) {
			return q, fmt.Errorf("only one ORDER BY field is supported, got %q", peek().text)
		}
	}
	if !explicitOrder {
		// Jira's default order is by key, newest first.
		q.order, q.desc = "created", true
	}
	return q, nil
}

func parseJQLDate(s string, loc *time.Location, now time.Time) (time.Time, error) {
	if len(s) > 1 && (s[0] == '-' || s[0] == '+') && unicode.IsLetter(rune(s[len(s)-1])) {
		n, err := strconv.Atoi(s[1 : len(s)-1])
		if err == nil {
			unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': day, 'w': 7 * day}[s[len(s)-1]]
			if unit != 0 {
				d := time.Duration(n) * unit
				if s[0] == '-' {
					d = -d
				}
				return now.Add(d), nil
			}
		}
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006/01/02 15:04", "2006-01-02", "2006/01/02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date value %q is not valid (use \"yyyy-MM-dd HH:mm\")", s)
}
