package matching

import (
	"fmt"
	"math"
	"sort"
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
	// Thresholds in force.
	AutoThreshold     float64     `json:"auto_threshold"`
	ConflictThreshold float64     `json:"conflict_threshold"`
	Rules             []RuleTrace `json:"rules"`
}

const (
	decisionAuto     = "auto"
	decisionConflict = "conflict"
	decisionOwn      = "own"
)

// traceJSON compares a (the side of subject) with b (nil: no candidate at
// all) and renders the trace; extra lists person-level evidence (rules
// beyond the pair, such as source_exclusivity) added to the pair's
// log-odds.
func (x *Index) traceJSON(subject string, a, b *profile, c counts, kind, personID, newKey string, extra ...RuleTrace) []byte {
	t := Trace{
		Decision:          kind,
		IdentityID:        subject,
		Prior:             Prior,
		PersonID:          personID,
		NewPersonKey:      newKey,
		AutoThreshold:     x.eng.cfg.AutoThreshold,
		ConflictThreshold: x.eng.cfg.ConflictThreshold,
		Rules:             []RuleTrace{},
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
	t.Reason = reason(&t)
	return t.appendJSON(make([]byte, 0, 512+160*len(t.Rules)))
}

// appendJSON encodes t like encoding/json would (same keys, omitempty
// where tagged), without reflection: traces are built for every decision.
func (t *Trace) appendJSON(b []byte) []byte {
	b = append(b, `{"decision":`...)
	b = appendJSONString(b, t.Decision)
	b = append(b, `,"reason":`...)
	b = appendJSONString(b, t.Reason)
	b = appendJSONFloat(append(b, `,"score":`...), t.Score)
	b = appendJSONFloat(append(b, `,"log_odds":`...), t.LogOdds)
	b = appendJSONFloat(append(b, `,"prior":`...), t.Prior)
	b = appendJSONString(append(b, `,"identity_id":`...), t.IdentityID)
	for _, f := range [...]struct{ key, v string }{
		{`,"compared_identity_id":`, t.ComparedIdentityID},
		{`,"candidate_identity_id":`, t.CandidateIdentityID},
		{`,"person_id":`, t.PersonID},
		{`,"new_person_key":`, t.NewPersonKey},
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
func appendJSONString(b []byte, s string) []byte {
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
		r, size := utf8.DecodeRuneInString(s[i:])
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

func reason(t *Trace) string {
	var parts []string
	rules := append([]RuleTrace(nil), t.Rules...)
	sort.SliceStable(rules, func(i, j int) bool {
		return math.Abs(rules[i].Contribution) > math.Abs(rules[j].Contribution)
	})
	for _, r := range rules {
		if len(parts) == 2 {
			break
		}
		parts = append(parts, r.Note)
	}
	why := strings.Join(parts, "; ")
	switch t.Decision {
	case decisionAuto:
		return fmt.Sprintf("linked automatically: score %.3f ≥ %.2f (%s)", t.Score, t.AutoThreshold, why)
	case decisionConflict:
		return fmt.Sprintf("needs review: score %.3f in [%.2f, %.2f) (%s)", t.Score, t.ConflictThreshold, t.AutoThreshold, why)
	}
	if t.CandidateIdentityID == "" {
		return "own person: no candidate found"
	}
	if t.Score >= t.ConflictThreshold {
		return fmt.Sprintf("own person: the best candidate (score %.3f) is queued for review, not linked (%s)", t.Score, why)
	}
	return fmt.Sprintf("own person: best candidate scored %.3f < %.2f (%s)", t.Score, t.ConflictThreshold, why)
}
