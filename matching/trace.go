package matching

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
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
// all) and renders the trace.
func (x *Index) traceJSON(subject string, a, b *profile, c counts, kind, personID, newKey string) []byte {
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
		if l != a {
			for i := range t.Rules {
				t.Rules[i].Left, t.Rules[i].Right = t.Rules[i].Right, t.Rules[i].Left
			}
		}
		t.Score = s.score
		t.LogOdds = math.Round(s.logOdds*1000) / 1000
		if s.veto {
			t.LogOdds = -99
		}
	}
	t.Reason = reason(&t)
	out, err := json.Marshal(t)
	if err != nil { // cannot happen: every field is finite
		return []byte(`{"decision":"` + kind + `"}`)
	}
	return out
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
