package matching

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Trace is the JSON stored on a link (identity.Decision.Trace): why the
// engine decided what it did, readable by a person.
type Trace struct {
	// Decision is "auto" (linked), "conflict" (suggested, queued) or "own"
	// (no candidate reached the conflict threshold: a new person).
	Decision string `json:"decision"`
	// Reason is one line summing the decision up.
	Reason string `json:"reason"`
	// Score in [0,1] and the log-odds (bits) it comes from; Prior is the
	// log-odds before any evidence. A vetoed pair has LogOdds -99.
	Score   float64 `json:"score"`
	LogOdds float64 `json:"log_odds"`
	Prior   float64 `json:"prior"`
	// IdentityID is the identity decided.
	IdentityID string `json:"identity_id"`
	// ComparedIdentityID and CandidateIdentityID are the pair whose
	// attributes the rules compared. ComparedIdentityID differs from
	// IdentityID when the identity came along with another member of its
	// cluster.
	ComparedIdentityID  string `json:"compared_identity_id,omitempty"`
	CandidateIdentityID string `json:"candidate_identity_id,omitempty"`
	// PersonID (existing person) or NewPersonKey: the suggestion.
	PersonID     string `json:"person_id,omitempty"`
	NewPersonKey string `json:"new_person_key,omitempty"`
	// Refused says why the best candidate, though at or above the
	// conflict threshold on its own, was not suggested (an "own"
	// decision): the evidence between the two groups of accounts.
	Refused string `json:"refused,omitempty"`
	// Thresholds in force.
	AutoThreshold     float64     `json:"auto_threshold"`
	ConflictThreshold float64     `json:"conflict_threshold"`
	Rules             []RuleTrace `json:"rules"`
}

// Why a candidate at or above the conflict threshold was not suggested
// (Trace.Refused), as Resolve's doubtful-link phase found it.
const (
	refusedActApart    = "both groups of accounts act, and in no scope in common"
	refusedContradicts = "an account on one side contradicts one on the other (a numbered work address, or clearly different people)"
	refusedPeople      = "it would join two existing people, or a pair a human rejected"
)

const (
	decisionAuto     = "auto"
	decisionConflict = "conflict"
	decisionOwn      = "own"
)

// traceScratch is one worker's reusable trace state: rule lines and the
// JSON being built are reused from trace to trace, and finished traces
// are carved out of a shared arena (capped sub-slices, so appending to
// one never touches another), keeping the per-decision garbage low.
type traceScratch struct {
	rules  []RuleTrace
	buf    []byte
	reason []byte
	arena  []byte
}

// traceArena is the size of one arena chunk of finished traces.
const traceArena = 256 << 10

// keep copies b into the arena and returns the copy (len == cap).
func (s *traceScratch) keep(b []byte) []byte {
	if cap(s.arena)-len(s.arena) < len(b) {
		s.arena = make([]byte, 0, max(traceArena, len(b)))
	}
	off := len(s.arena)
	s.arena = append(s.arena, b...)
	return s.arena[off:len(s.arena):len(s.arena)]
}

// traceJSON compares a (the side of subject) with b (nil: no candidate at
// all) and renders the trace; extra lists person-level evidence (rules
// beyond the pair, such as source_exclusivity) added to the pair's
// log-odds. With scratch nil the trace is built in a buffer of its own.
func (x *Index) traceJSON(scratch *traceScratch, subject string, a, b *profile, c counts, kind, personID, newKey, refused string, extra ...RuleTrace) []byte {
	s := scratch
	if s == nil {
		s = &traceScratch{}
	}
	t := Trace{
		Decision:          kind,
		IdentityID:        subject,
		Prior:             Prior,
		PersonID:          personID,
		NewPersonKey:      newKey,
		Refused:           refused,
		AutoThreshold:     x.eng.cfg.AutoThreshold,
		ConflictThreshold: x.eng.cfg.ConflictThreshold,
		Rules:             s.rules[:0],
	}
	if b != nil {
		t.ComparedIdentityID, t.CandidateIdentityID = a.id.ID, b.id.ID
		l, r := a, b
		if r.id.ID < l.id.ID {
			l, r = r, l
		}
		s := x.compare(l, r, c, &t.Rules)
		for i := range t.Rules {
			rr := &t.Rules[i]
			rr.Similarity, rr.Weight, rr.Contribution = round3(rr.Similarity), round3(rr.Weight), round3(rr.Contribution)
		}
		if l != a {
			for i := range t.Rules {
				t.Rules[i].Left, t.Rules[i].Right = t.Rules[i].Right, t.Rules[i].Left
			}
		}
		if !s.veto {
			for _, r := range extra {
				s.logOdds += r.Contribution
				t.Rules = append(t.Rules, r)
			}
			s.score = scoreOf(s.logOdds)
		}
		t.Score = s.score
		t.LogOdds = math.Round(s.logOdds*1000) / 1000
		if s.veto {
			t.LogOdds = -99
		}
	}
	if b == nil && (a.handle != handleNone || a.spelled) {
		t.Rules = append(t.Rules, RuleTrace{Rule: RuleDisplayNameSimilarity, Left: nameShown(a), Note: strings.TrimPrefix(nameSource(a), "; ")})
	}
	s.rules = t.Rules[:0]
	s.reason = appendReason(s.reason[:0], &t)
	if scratch == nil {
		return t.appendJSON(make([]byte, 0, 512+160*len(t.Rules)), s.reason)
	}
	s.buf = t.appendJSON(s.buf[:0], s.reason)
	return s.keep(s.buf)
}

// appendJSON encodes t, its Reason being reason, like encoding/json would (same keys, omitempty
// where tagged), without reflection: traces are built for every decision.
func (t *Trace) appendJSON(b, reason []byte) []byte {
	b = append(b, `{"decision":`...)
	b = appendJSONString(b, t.Decision)
	b = append(b, `,"reason":`...)
	b = appendJSONBytes(b, reason)
	b = appendJSONFloat(append(b, `,"score":`...), t.Score)
	b = appendJSONFloat(append(b, `,"log_odds":`...), t.LogOdds)
	b = appendJSONFloat(append(b, `,"prior":`...), t.Prior)
	b = appendJSONString(append(b, `,"identity_id":`...), t.IdentityID)
	for _, f := range [...]struct{ key, v string }{
		{`,"compared_identity_id":`, t.ComparedIdentityID},
		{`,"candidate_identity_id":`, t.CandidateIdentityID},
		{`,"person_id":`, t.PersonID},
		{`,"new_person_key":`, t.NewPersonKey},
		{`,"refused":`, t.Refused},
	} {
		if f.v != "" {
			b = appendJSONString(append(b, f.key...), f.v)
		}
	}
	b = appendJSONFloat(append(b, `,"auto_threshold":`...), t.AutoThreshold)
	b = appendJSONFloat(append(b, `,"conflict_threshold":`...), t.ConflictThreshold)
	b = append(b, `,"rules":[`...)
	for i, r := range t.Rules {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(append(b, `{"rule":`...), r.Rule)
		if r.Left != "" {
			b = appendJSONString(append(b, `,"left":`...), r.Left)
		}
		if r.Right != "" {
			b = appendJSONString(append(b, `,"right":`...), r.Right)
		}
		b = appendJSONFloat(append(b, `,"similarity":`...), r.Similarity)
		b = appendJSONFloat(append(b, `,"weight":`...), r.Weight)
		b = appendJSONFloat(append(b, `,"contribution":`...), r.Contribution)
		b = appendJSONString(append(b, `,"note":`...), r.Note)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendJSONString quotes s as a JSON string (invalid UTF-8 becomes
// U+FFFD, like encoding/json).
func appendJSONString(b []byte, s string) []byte { return appendJSONText(b, s) }

// appendJSONBytes is appendJSONString for a byte slice (no conversion).
func appendJSONBytes(b, s []byte) []byte { return appendJSONText(b, s) }

func appendJSONText[T string | []byte](b []byte, s T) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		// At most UTFMax bytes: converting a []byte that short needs no
		// heap allocation.
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// appendReason appends the one line summing t up (unquoted): the
// decision, its score and the notes of the two rules contributing most
// (by absolute contribution, ties in rule order).
func appendReason(b []byte, t *Trace) []byte {
	why := func(b []byte) []byte {
		first, second := -1, -1
		for i := range t.Rules {
			c := math.Abs(t.Rules[i].Contribution)
			switch {
			case first < 0 || c > math.Abs(t.Rules[first].Contribution):
				first, second = i, first
			case second < 0 || c > math.Abs(t.Rules[second].Contribution):
				second = i
			}
		}
		b = append(b, " ("...)
		if first >= 0 {
			b = append(b, t.Rules[first].Note...)
		}
		if second >= 0 {
			b = append(b, "; "...)
			b = append(b, t.Rules[second].Note...)
		}
		return append(b, ')')
	}
	switch t.Decision {
	case decisionAuto:
		b = appendFixed(append(b, "linked automatically: score "...), t.Score, 3)
		b = appendFixed(append(b, " ≥ "...), t.AutoThreshold, 2)
		return why(b)
	case decisionConflict:
		b = appendFixed(append(b, "needs review: score "...), t.Score, 3)
		b = appendFixed(append(b, " in ["...), t.ConflictThreshold, 2)
		b = appendFixed(append(b, ", "...), t.AutoThreshold, 2)
		return why(append(b, ')'))
	}
	if t.CandidateIdentityID == "" {
		return append(b, "own person: no candidate found"...)
	}
	if t.Score >= t.ConflictThreshold {
		b = appendFixed(append(b, "own person: the best candidate (score "...), t.Score, 3)
		if t.Refused != "" {
			b = append(append(b, ") was not suggested: "...), t.Refused...)
			return why(b)
		}
		return why(append(b, ") is queued for review, not linked"...))
	}
	b = appendFixed(append(b, "own person: best candidate scored "...), t.Score, 3)
	b = appendFixed(append(b, " < "...), t.ConflictThreshold, 2)
	return why(b)
}

// appendFixed formats f like fmt's %.<prec>f.
func appendFixed(b []byte, f float64, prec int) []byte {
	if math.IsInf(f, 1) {
		return append(b, "Inf"...)
	}
	return strconv.AppendFloat(b, f, 'f', prec, 64)
}
