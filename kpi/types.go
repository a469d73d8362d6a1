package kpi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// Sentinel errors, the same values as identity's and storage's.
var (
	ErrInvalid  = oviaerr.ErrInvalid
	ErrNotFound = oviaerr.ErrNotFound
)

// Value is a number that may be absent. An empty sample gives an invalid
// Value, which marshals to JSON null: a missing figure is never shown as 0.
type Value struct {
	V     float64
	Valid bool
}

// Some returns a valid Value holding v.
func Some(v float64) Value { return Value{V: v, Valid: true} }

// Null is the absent Value.
var Null = Value{}

// Ptr returns the value as a pointer (nil when absent).
func (v Value) Ptr() *float64 {
	if !v.Valid {
		return nil
	}
	x := v.V
	return &x
}

// String formats the value, "null" when absent.
func (v Value) String() string {
	if !v.Valid {
		return "null"
	}
	return strconv.FormatFloat(v.V, 'f', -1, 64)
}

// MarshalJSON writes a number, or null when absent. Non-finite values are
// written as null too, since JSON has no representation for them.
func (v Value) MarshalJSON() ([]byte, error) {
	if !v.Valid || math.IsNaN(v.V) || math.IsInf(v.V, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v.V, 'f', -1, 64), nil
}

// UnmarshalJSON reads a number or null.
func (v *Value) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*v = Value{}
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("kpi: value: %w", err)
	}
	*v = Some(f)
	return nil
}

// Period is the half-open interval [Start, End) a snapshot covers, in UTC.
type Period struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Validate refuses a zero bound or an End not after Start (ErrInvalid).
func (p Period) Validate() error {
	f := oviaerr.Fields{}
	if p.Start.IsZero() {
		f.Add("period.start", "required")
	}
	if p.End.IsZero() {
		f.Add("period.end", "required")
	}
	if len(f) == 0 && !p.End.After(p.Start) {
		f.Add("period.end", "must be after start (%s)", p.Start.UTC().Format(time.RFC3339))
	}
	return f.Err()
}

// Contains reports whether t lies in [Start, End).
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// Days is the length of the period in days (fractional).
func (p Period) Days() float64 { return p.End.Sub(p.Start).Hours() / 24 }

// String formats the period as "start/end" in RFC 3339.
func (p Period) String() string {
	return p.Start.UTC().Format(time.RFC3339) + "/" + p.End.UTC().Format(time.RFC3339)
}

// LastDays is the period of n whole days ending at the start of the UTC day
// after now: [midnight(now)+1d−n·d, midnight(now)+1d). It includes today so
// far, and snapshots computed during the same day share one period key.
func LastDays(now time.Time, n int) Period {
	if n < 1 {
		n = 1
	}
	end := now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	return Period{Start: end.AddDate(0, 0, -n), End: end}
}

// Last7Days is LastDays(now, 7), the default period.
func Last7Days(now time.Time) Period { return LastDays(now, 7) }

// Last30Days is LastDays(now, 30).
func Last30Days(now time.Time) Period { return LastDays(now, 30) }

// Last90Days is LastDays(now, 90).
func Last90Days(now time.Time) Period { return LastDays(now, 90) }

// SprintPeriod is the period of a sprint: [start, complete) for a closed
// sprint, else [start, end); an active sprint without an end runs to now.
// A sprint that has not started is ErrInvalid.
func SprintPeriod(s connectors.Sprint, now time.Time) (Period, error) {
	if s.StartAt == nil {
		return Period{}, oviaerr.Invalid("sprint", "sprint %q has not started", s.Name)
	}
	p := Period{Start: s.StartAt.UTC()}
	switch {
	case s.CompleteAt != nil:
		p.End = s.CompleteAt.UTC()
	case s.EndAt != nil:
		p.End = s.EndAt.UTC()
	default:
		p.End = now.UTC()
	}
	if err := p.Validate(); err != nil {
		return Period{}, err
	}
	return p, nil
}

// ParsePeriod reads a period name relative to now: "7d", "30d", "90d"
// (any "<n>d" with 1 ≤ n ≤ 3660), or "START/END" with RFC 3339 or
// YYYY-MM-DD bounds. The empty string is the default, the last 7 days.
func ParsePeriod(s string, now time.Time) (Period, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Last7Days(now), nil
	}
	if a, b, ok := strings.Cut(s, "/"); ok {
		start, err1 := parseTime(a)
		end, err2 := parseTime(b)
		if err1 != nil || err2 != nil {
			return Period{}, oviaerr.Invalid("period", "want START/END in RFC 3339 or YYYY-MM-DD, got %q", s)
		}
		p := Period{Start: start, End: end}
		return p, p.Validate()
	}
	if n, ok := strings.CutSuffix(strings.ToLower(s), "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d >= 1 && d <= 3660 {
			return LastDays(now, d), nil
		}
	}
	return Period{}, oviaerr.Invalid("period", "unknown period %q (want 7d, 30d, 90d or START/END)", s)
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	return t.UTC(), err
}

// ScopeKind is what a snapshot covers.
type ScopeKind string

// Scope kinds.
const (
	ScopeOrg     ScopeKind = "org"
	ScopeTeam    ScopeKind = "team"
	ScopeProject ScopeKind = "project"
)

// Scope is the slice of an org a snapshot covers: the whole org, a team
// (Jira team field; storage maps teams to GitLab projects), or a project
// (a Jira project key, or a GitLab project id or path).
type Scope struct {
	Kind ScopeKind `json:"kind"`
	ID   string    `json:"id,omitempty"`
}

// OrgScope is the scope of a whole org.
var OrgScope = Scope{Kind: ScopeOrg}

// MaxScopeIDLen bounds a scope id.
const MaxScopeIDLen = 200

// Validate refuses an unknown kind, an org scope with an id, or a team or
// project scope without one (ErrInvalid).
func (s Scope) Validate() error {
	switch s.Kind {
	case ScopeOrg:
		if s.ID != "" {
			return oviaerr.Invalid("scope", "org scope takes no id (got %q)", s.ID)
		}
	case ScopeTeam, ScopeProject:
		if strings.TrimSpace(s.ID) == "" {
			return oviaerr.Invalid("scope", "%s scope needs an id", s.Kind)
		}
		if len(s.ID) > MaxScopeIDLen {
			return oviaerr.Invalid("scope", "id longer than %d bytes", MaxScopeIDLen)
		}
	default:
		return oviaerr.Invalid("scope", "unknown scope kind %q (want org, team or project)", s.Kind)
	}
	return nil
}

// String formats the scope as "org", "team:ID" or "project:ID"; ParseScope
// reads it back.
func (s Scope) String() string {
	if s.Kind == ScopeOrg || s.ID == "" {
		return string(s.Kind)
	}
	return string(s.Kind) + ":" + s.ID
}

// ParseScope reads "org" (or ""), "team:ID" or "project:ID"; the kind is
// case-insensitive, the id is kept as written (trimmed).
func ParseScope(s string) (Scope, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return OrgScope, nil
	}
	kind, id, _ := strings.Cut(s, ":")
	sc := Scope{Kind: ScopeKind(strings.ToLower(strings.TrimSpace(kind))), ID: strings.TrimSpace(id)}
	if err := sc.Validate(); err != nil {
		return Scope{}, err
	}
	return sc, nil
}

// Ref names one source row: "SOURCE:KIND:EXTERNAL_ID", e.g.
// "jira:issue:10063", "jira:sprint:42", "gitlab:mr:123", "gitlab:pipeline:9",
// "gitlab:deployment:7", "gitlab:project:5". The external id is the source's
// id (Jira issue id, GitLab global MR id) and may itself contain colons;
// the first two colons separate the parts.
type Ref string

// Ref kinds.
const (
	KindIssue      = "issue"
	KindSprint     = "sprint"
	KindMR         = "mr"
	KindPipeline   = "pipeline"
	KindDeployment = "deployment"
	KindProject    = "project"
)

// NewRef builds a Ref.
func NewRef(src identity.Source, kind, externalID string) Ref {
	return Ref(string(src) + ":" + kind + ":" + externalID)
}

// Parts splits a Ref; ok is false when it is not of the form SOURCE:KIND:ID.
func (r Ref) Parts() (src identity.Source, kind, externalID string, ok bool) {
	a, rest, ok1 := strings.Cut(string(r), ":")
	b, c, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || a == "" || b == "" || c == "" {
		return "", "", "", false
	}
	return identity.Source(a), b, c, true
}

// ParseRef validates a Ref string (ErrInvalid when malformed).
func ParseRef(s string) (Ref, error) {
	r := Ref(strings.TrimSpace(s))
	if _, _, _, ok := r.Parts(); !ok {
		return "", oviaerr.Invalid("ref", "want SOURCE:KIND:ID, got %q", s)
	}
	return r, nil
}
