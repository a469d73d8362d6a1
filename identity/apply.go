package identity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// MatchingActor is the actor name of automatic decisions.
const MatchingActor = "matching"

// ApplyStats counts what ApplyDecisions did.
type ApplyStats struct {
	Linked    int `json:"linked"`     // new or moved automatic links
	Conflicts int `json:"conflicts"`  // links queued for a human
	NewPeople int `json:"new_people"` // people created
	Unchanged int `json:"unchanged"`  // same decision as before (matched_at refreshed)
	KeptHuman int `json:"kept_human"` // human decisions left alone
	Raced     int `json:"raced"`      // changed by someone else meanwhile: skipped, retried next run
	Archived  int `json:"archived"`   // people left empty and archived
}

// validateDecisions checks the engine's output before it touches storage.
func validateDecisions(ds []Decision) error {
	fe := oviaerr.Fields{}
	seen := make(map[string]bool, len(ds))
	for i, d := range ds {
		field := fmt.Sprintf("decisions[%d]", i)
		switch {
		case d.IdentityID == "":
			fe.Add(field, "identity_id is empty")
		case seen[d.IdentityID]:
			fe.Add(field, "identity %s decided twice", d.IdentityID)
		case (d.PersonID == "") == (d.NewPersonKey == ""):
			fe.Add(field, "exactly one of person_id and new_person_key must be set")
		case d.Status != StatusAuto && d.Status != StatusConflict:
			fe.Add(field, "status %q is not automatic", d.Status)
		case math.IsNaN(d.Score) || d.Score < 0 || d.Score > 1:
			fe.Add(field, "score %v outside [0,1]", d.Score)
		}
		seen[d.IdentityID] = true
	}
	return fe.Err()
}

// ApplyDecisions writes matching's decisions for one org in one
// transaction: new people for new clusters, links inserted or moved, audit
// events (auto_link, conflict_opened), and people emptied by a move
// archived. Human decisions (confirmed, rejected) are never overridden,
// and a link changed by someone since state was read is skipped (the next
// run decides it again). state must be the MatchState the decisions came from.
func (s *Service) ApplyDecisions(ctx context.Context, orgID string, state MatchState, ds []Decision) (ApplyStats, error) {
	if orgID == "" {
		orgID = DefaultOrg
	}
	if err := validateDecisions(ds); err != nil {
		return ApplyStats{}, fmt.Errorf("apply decisions: %w", err)
	}
	byID := make(map[string]Mapping, len(state.Mappings))
	for _, m := range state.Mappings {
		byID[m.Identity.ID] = m
	}
	for _, d := range ds {
		if _, ok := byID[d.IdentityID]; !ok {
			return ApplyStats{}, fmt.Errorf("apply decisions: identity %s is not in the match state: %w", d.IdentityID, ErrNotFound)
		}
	}
	// Deterministic order: people and events come out the same for the same input.
	ds = append([]Decision(nil), ds...)
	sort.Slice(ds, func(i, j int) bool { return ds[i].IdentityID < ds[j].IdentityID })

	var st ApplyStats
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		st = ApplyStats{}
		now := s.clock()
		newPeople := map[string]string{} // NewPersonKey → person id
		var people []Person
		for _, d := range ds {
			if d.NewPersonKey == "" || newPeople[d.NewPersonKey] != "" {
				continue
			}
			p := newPersonFor(orgID, byID[d.IdentityID].Identity, now)
			newPeople[d.NewPersonKey] = p.ID
			people = append(people, p)
		}
		if err := tx.InsertPeople(ctx, people...); err != nil {
			return err
		}
		st.NewPeople = len(people)
		var inserts []Link
		var events []Event
		left := map[string]bool{} // people an identity moved away from
		for _, d := range ds {
			m := byID[d.IdentityID]
			target := d.PersonID
			if d.NewPersonKey != "" {
				target = newPeople[d.NewPersonKey]
			}
			l := Link{IdentityID: d.IdentityID, OrgID: orgID, PersonID: target, Status: d.Status, Score: d.Score,
				RuleTrace: d.Trace, CandidatePersonIDs: d.CandidatePersonIDs, DecidedBy: MatchingActor, DecidedAt: &now,
				MatchedAt: now, UpdatedAt: now}
			kind := EventAutoLink
			if d.Status == StatusConflict {
				kind = EventConflictOpened
			}
			ev := Event{OrgID: orgID, Kind: kind, IdentityID: d.IdentityID, ToPersonID: target, Actor: MatchingActor,
				Reason: fmt.Sprintf("score %.3f", d.Score), CreatedAt: now}
			if m.Link == nil {
				l.Version = 1
				inserts = append(inserts, l)
				ev.Payload = auditPayload(Link{}, l)
				events = append(events, ev)
				countDecision(&st, d)
				continue
			}
			if m.Link.Status.Human() {
				st.KeptHuman++
				continue
			}
			before := *m.Link
			if before.PersonID == l.PersonID && before.Status == l.Status && before.Score == l.Score {
				// Same verdict: refresh matched_at so the identity stops being pending.
				l.RuleTrace, l.CandidatePersonIDs = d.Trace, d.CandidatePersonIDs
				l.DecidedBy, l.DecidedAt = before.DecidedBy, before.DecidedAt
				if err := tx.UpdateLink(ctx, l, before.Version); err != nil {
					if isConflict(err) {
						st.Raced++
						continue
					}
					return err
				}
				st.Unchanged++
				continue
			}
			if err := tx.UpdateLink(ctx, l, before.Version); err != nil {
				if isConflict(err) {
					st.Raced++
					continue
				}
				return err
			}
			l.Version = before.Version + 1
			ev.FromPersonID = before.PersonID
			ev.Payload = auditPayload(before, l)
			events = append(events, ev)
			countDecision(&st, d)
			if before.PersonID != l.PersonID {
				left[before.PersonID] = true
			}
		}
		if err := tx.InsertLinks(ctx, inserts...); err != nil {
			return err
		}
		if err := tx.AppendEvents(ctx, events...); err != nil {
			return err
		}
		emptied := make([]string, 0, len(left))
		for p := range left {
			emptied = append(emptied, p)
		}
		sort.Strings(emptied)
		for _, p := range emptied {
			n, err := tx.CountLinkedIdentities(ctx, orgID, p)
			if err != nil {
				return err
			}
			if n == 0 {
				if err := s.archiveIfEmpty(ctx, tx, orgID, p, now); err != nil {
					return err
				}
				st.Archived++
			}
		}
		return nil
	})
	if err != nil {
		return ApplyStats{}, fmt.Errorf("apply decisions: %w", err)
	}
	return st, nil
}

func countDecision(st *ApplyStats, d Decision) {
	if d.Status == StatusConflict {
		st.Conflicts++
	} else {
		st.Linked++
	}
}

func isConflict(err error) bool { return err != nil && errors.Is(err, ErrConflict) }

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
