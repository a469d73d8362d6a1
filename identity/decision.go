package identity

import "encoding/json"

// Decision is the matching engine's verdict for one identity, applied to
// storage by Service.ApplyDecisions. Exactly one of PersonID and
// NewPersonKey is set.
type Decision struct {
	IdentityID string `json:"identity_id"`
	// PersonID is an existing person the identity is linked to.
	PersonID string `json:"person_id,omitempty"`
	// NewPersonKey groups identities that together form a new person
	// (no existing person matched). Identities sharing a key share the
	// new person; the key itself is not stored.
	NewPersonKey string `json:"new_person_key,omitempty"`
	// Status is StatusAuto (sure, or no candidate at all: own person) or
	// StatusConflict (doubtful: queued for a human, PersonID/NewPersonKey
	// is the suggestion). The engine never emits human statuses.
	Status Status `json:"status"`
	// Score of the chosen candidate in [0,1]; for an identity left on its
	// own, the best rejected candidate's score (0 when there was none).
	Score float64 `json:"score"`
	// Trace is the rule trace (JSON) stored on the link and shown to people.
	Trace json.RawMessage `json:"trace,omitempty"`
	// CandidatePersonIDs are other plausible existing people, best first.
	CandidatePersonIDs []string `json:"candidate_person_ids,omitempty"`
}

// MatchState is everything matching needs about an org: every identity
// with its current link (nil when unresolved) and the rejected pairs.
type MatchState struct {
	Mappings []Mapping
	Rejected []RejectedPair
}

// Pending reports whether matching should (re)decide this mapping: it has
// no link, or an automatic link older than the identity's last change.
// Human decisions (confirmed, rejected) are never pending.
func (m Mapping) Pending() bool {
	if m.Link == nil {
		return true
	}
	if m.Link.Status.Human() {
		return false
	}
	return m.Identity.ChangedAt.After(m.Link.MatchedAt)
}
