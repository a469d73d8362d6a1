package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// Limits on operation inputs.
const (
	MaxBatchIDs  = 1000
	MaxReasonLen = 1000
	MaxActorLen  = 200
)

// Service runs the identity operations of SPEC §3 over a Store.
type Service struct {
	store Store
	now   func() time.Time
	log   *slog.Logger
}

// Option configures a Service.
type Option func(*Service)

// WithClock injects the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLogger injects a logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// NewService builds a Service over store.
func NewService(store Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Store returns the store the service runs on.
func (s *Service) Store() Store { return s.store }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// newPersonFor is a new person named after one of its identities.
func newPersonFor(orgID string, id Identity, now time.Time) Person {
	return Person{ID: newID(), OrgID: orgID, DisplayName: firstNonEmpty(id.DisplayName, id.Username, id.ExternalID),
		PrimaryEmail: id.Email, CreatedAt: now, UpdatedAt: now}
}

// Actor identifies who asked for an operation, and why.
type Actor struct {
	OrgID  string
	Name   string // "alice@corp", "api-token:ci", "matching"
	Reason string
}

func (a *Actor) validate(fe oviaerr.Fields) {
	if a.OrgID == "" {
		a.OrgID = DefaultOrg
	}
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" {
		fe.Add("actor", "must not be empty")
	}
	if len(a.Name) > MaxActorLen {
		fe.Add("actor", "longer than %d bytes", MaxActorLen)
	}
	if len(a.Reason) > MaxReasonLen {
		fe.Add("reason", "longer than %d bytes", MaxReasonLen)
	}
}

func validateIDs(fe oviaerr.Fields, field string, ids []string) []string {
	if len(ids) == 0 {
		fe.Add(field, "must list at least one id")
		return nil
	}
	if len(ids) > MaxBatchIDs {
		fe.Add(field, "at most %d ids per request", MaxBatchIDs)
		return nil
	}
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id == "" {
			fe.Add(field, "contains an empty id")
			continue
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out) // lock rows in one order: no deadlocks between batches
	return out
}

// List returns a page of the identity queue.
func (s *Service) List(ctx context.Context, f MappingFilter) (MappingPage, error) {
	return s.store.ListMappings(ctx, f)
}

// PersonDetail is a person with all its identities and its audit trail.
type PersonDetail struct {
	Person     Person    `json:"person"`
	Identities []Mapping `json:"identities"`
	Events     []Event   `json:"events"`
}

// Person returns one person with identities and audit events.
func (s *Service) Person(ctx context.Context, orgID, personID string) (PersonDetail, error) {
	if orgID == "" {
		orgID = DefaultOrg
	}
	p, err := s.store.GetPerson(ctx, orgID, personID)
	if err != nil {
		return PersonDetail{}, err
	}
	ms, err := s.store.PersonMappings(ctx, orgID, personID)
	if err != nil {
		return PersonDetail{}, err
	}
	ev, err := s.store.PersonEvents(ctx, orgID, personID)
	if err != nil {
		return PersonDetail{}, err
	}
	return PersonDetail{Person: p, Identities: ms, Events: ev}, nil
}

// linkSnapshot is the before/after record kept in audit payloads.
type linkSnapshot struct {
	PersonID string  `json:"person_id"`
	Status   Status  `json:"status"`
	Score    float64 `json:"score"`
	Version  int64   `json:"version"`
}

func snap(l Link) linkSnapshot {
	return linkSnapshot{PersonID: l.PersonID, Status: l.Status, Score: l.Score, Version: l.Version}
}

func auditPayload(before, after Link) json.RawMessage {
	b, _ := json.Marshal(map[string]linkSnapshot{"before": snap(before), "after": snap(after)})
	return b
}

// checkVersion compares a caller's version (0 = not given) with the link.
func checkVersion(l Link, version int64) error {
	if version != 0 && version != l.Version {
		return fmt.Errorf("identity %s: version %d is stale (current %d): %w", l.IdentityID, version, l.Version, ErrConflict)
	}
	return nil
}

// ConfirmRequest confirms the current link of one or more identities.
type ConfirmRequest struct {
	Actor
	IdentityIDs []string
	// Version, when non-zero, must equal the link's version (one identity only).
	Version int64
}

// Confirm marks the links of the given identities confirmed. Already
// confirmed links are left as they are (idempotent). It returns how many
// links changed.
func (s *Service) Confirm(ctx context.Context, req ConfirmRequest) (int, error) {
	fe := oviaerr.Fields{}
	req.Actor.validate(fe)
	ids := validateIDs(fe, "identity_ids", req.IdentityIDs)
	if req.Version < 0 {
		fe.Add("version", "must be positive")
	}
	if req.Version != 0 && len(ids) > 1 {
		fe.Add("version", "only with a single identity id")
	}
	if err := fe.Err(); err != nil {
		return 0, fmt.Errorf("confirm: %w", err)
	}
	changed := 0
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		changed = 0
		now := s.clock()
		for _, id := range ids {
			l, err := tx.GetLink(ctx, req.OrgID, id)
			if err != nil {
				return fmt.Errorf("identity %s has no mapping yet (run matching first): %w", id, err)
			}
			if err := checkVersion(l, req.Version); err != nil {
				return err
			}
			if l.Status == StatusConfirmed {
				continue
			}
			before := l
			l.Status, l.DecidedBy, l.DecidedAt, l.UpdatedAt = StatusConfirmed, req.Name, &now, now
			if err := tx.UpdateLink(ctx, l, before.Version); err != nil {
				return err
			}
			l.Version++
			if err := tx.AppendEvents(ctx, Event{OrgID: req.OrgID, Kind: EventConfirm, IdentityID: id,
				FromPersonID: before.PersonID, ToPersonID: l.PersonID, Actor: req.Name, Reason: req.Reason,
				Payload: auditPayload(before, l), CreatedAt: now}); err != nil {
				return err
			}
			changed++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("confirm: %w", err)
	}
	return changed, nil
}

// BulkConfirmRequest confirms every conflict at or above a score.
type BulkConfirmRequest struct {
	Actor
	MinScore float64
	Source   Source // optional
}

// BulkConfirm confirms, in one transaction, every conflict link with score
// ≥ MinScore (optionally of one source), writing one event per identity.
func (s *Service) BulkConfirm(ctx context.Context, req BulkConfirmRequest) (int, error) {
	fe := oviaerr.Fields{}
	req.Actor.validate(fe)
	if math.IsNaN(req.MinScore) || req.MinScore < 0 || req.MinScore > 1 {
		fe.Add("min_score", "must be between 0 and 1")
	}
	if req.Source != "" && !req.Source.Valid() {
		fe.Add("source", "unknown source %q", req.Source)
	}
	if err := fe.Err(); err != nil {
		return 0, fmt.Errorf("bulk confirm: %w", err)
	}
	n := 0
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		links, err := tx.ListConflictLinks(ctx, req.OrgID, req.MinScore, req.Source)
		if err != nil {
			return err
		}
		now := s.clock()
		events := make([]Event, 0, len(links))
		for _, l := range links {
			before := l
			l.Status, l.DecidedBy, l.DecidedAt, l.UpdatedAt = StatusConfirmed, req.Name, &now, now
			if err := tx.UpdateLink(ctx, l, before.Version); err != nil {
				return err
			}
			l.Version++
			events = append(events, Event{OrgID: req.OrgID, Kind: EventBulkConfirm, IdentityID: l.IdentityID,
				FromPersonID: before.PersonID, ToPersonID: l.PersonID, Actor: req.Name, Reason: req.Reason,
				Payload: auditPayload(before, l), CreatedAt: now})
		}
		n = len(links)
		return tx.AppendEvents(ctx, events...)
	})
	if err != nil {
		return 0, fmt.Errorf("bulk confirm: %w", err)
	}
	return n, nil
}

// RemapRequest moves one identity to another existing person.
type RemapRequest struct {
	Actor
	IdentityID string
	PersonID   string
	Version    int64
}

// Remap links an identity to another existing person (confirmed by a
// human). A person left without identities is archived, not deleted.
func (s *Service) Remap(ctx context.Context, req RemapRequest) (Link, error) {
	fe := oviaerr.Fields{}
	req.Actor.validate(fe)
	if strings.TrimSpace(req.IdentityID) == "" {
		fe.Add("identity_id", "must not be empty")
	}
	if strings.TrimSpace(req.PersonID) == "" {
		fe.Add("person_id", "must not be empty")
	}
	if req.Version <= 0 {
		fe.Add("version", "required: the link version you saw")
	}
	if err := fe.Err(); err != nil {
		return Link{}, fmt.Errorf("remap: %w", err)
	}
	var out Link
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		l, err := tx.GetLink(ctx, req.OrgID, req.IdentityID)
		if err != nil {
			return err
		}
		if err := checkVersion(l, req.Version); err != nil {
			return err
		}
		target, err := tx.GetPerson(ctx, req.OrgID, req.PersonID)
		if err != nil {
			return err
		}
		now := s.clock()
		if target.ArchivedAt != nil {
			// Bringing an identity back to an archived person revives it.
			target.ArchivedAt, target.UpdatedAt = nil, now
			if err := tx.UpdatePerson(ctx, target); err != nil {
				return err
			}
		}
		before := l
		l.PersonID, l.Status, l.DecidedBy, l.DecidedAt, l.UpdatedAt = target.ID, StatusConfirmed, req.Name, &now, now
		if err := tx.UpdateLink(ctx, l, before.Version); err != nil {
			return err
		}
		l.Version++
		if err := tx.AppendEvents(ctx, Event{OrgID: req.OrgID, Kind: EventRemap, IdentityID: l.IdentityID,
			FromPersonID: before.PersonID, ToPersonID: target.ID, Actor: req.Name, Reason: req.Reason,
			Payload: auditPayload(before, l), CreatedAt: now}); err != nil {
			return err
		}
		if before.PersonID != target.ID {
			if err := s.archiveIfEmpty(ctx, tx, req.OrgID, before.PersonID, now); err != nil {
				return err
			}
		}
		out = l
		return nil
	})
	if err != nil {
		return Link{}, fmt.Errorf("remap identity %s: %w", req.IdentityID, err)
	}
	return out, nil
}

func (s *Service) archiveIfEmpty(ctx context.Context, tx Tx, orgID, personID string, now time.Time) error {
	p, err := tx.GetPerson(ctx, orgID, personID) // locks the person row where the database can
	if err != nil {
		return err
	}
	n, err := tx.CountLinkedIdentities(ctx, orgID, personID)
	if err != nil {
		return err
	}
	if n > 0 || p.ArchivedAt != nil {
		return nil
	}
	p.ArchivedAt, p.UpdatedAt = &now, now
	return tx.UpdatePerson(ctx, p)
}

// SplitRequest moves identities off their person into a new person.
type SplitRequest struct {
	Actor
	IdentityIDs []string
}

// Split moves the given identities (all of one person) into a new person,
// confirmed. Splitting every identity of a person is refused with
// ErrConflict: it would change nothing.
func (s *Service) Split(ctx context.Context, req SplitRequest) (Person, error) {
	fe := oviaerr.Fields{}
	req.Actor.validate(fe)
	ids := validateIDs(fe, "identity_ids", req.IdentityIDs)
	if err := fe.Err(); err != nil {
		return Person{}, fmt.Errorf("split: %w", err)
	}
	var out Person
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		links := make([]Link, 0, len(ids))
		from := ""
		for _, id := range ids {
			l, err := tx.GetLink(ctx, req.OrgID, id)
			if err != nil {
				return err
			}
			if from != "" && l.PersonID != from {
				return oviaerr.Invalid("identity_ids", "all identities must belong to one person (%s and %s differ)", from, l.PersonID)
			}
			from = l.PersonID
			links = append(links, l)
		}
		if _, err := tx.GetPerson(ctx, req.OrgID, from); err != nil {
			return err
		}
		total, err := tx.CountLinkedIdentities(ctx, req.OrgID, from)
		if err != nil {
			return err
		}
		if total == len(links) {
			return fmt.Errorf("person %s has no other identities: splitting all of them changes nothing: %w", from, ErrConflict)
		}
		now := s.clock()
		first, err := tx.GetIdentity(ctx, req.OrgID, links[0].IdentityID)
		if err != nil {
			return err
		}
		p := newPersonFor(req.OrgID, first, now)
		if err := tx.InsertPeople(ctx, p); err != nil {
			return err
		}
		for _, l := range links {
			before := l
			l.PersonID, l.Status, l.DecidedBy, l.DecidedAt, l.UpdatedAt = p.ID, StatusConfirmed, req.Name, &now, now
			if err := tx.UpdateLink(ctx, l, before.Version); err != nil {
				return err
			}
			l.Version++
			if err := tx.AppendEvents(ctx, Event{OrgID: req.OrgID, Kind: EventSplit, IdentityID: l.IdentityID,
				FromPersonID: before.PersonID, ToPersonID: p.ID, Actor: req.Name, Reason: req.Reason,
				Payload: auditPayload(before, l), CreatedAt: now}); err != nil {
				return err
			}
		}
		out = p
		return nil
	})
	if err != nil {
		return Person{}, fmt.Errorf("split: %w", err)
	}
	return out, nil
}

// RejectRequest rejects the suggested link of one identity.
type RejectRequest struct {
	Actor
	IdentityID string
	Version    int64
}

// Reject refuses an identity's suggested link: the identity moves to a new
// person of its own, the link becomes rejected, and the (identity, person)
// pair is remembered so matching never proposes it again.
func (s *Service) Reject(ctx context.Context, req RejectRequest) (Person, error) {
	fe := oviaerr.Fields{}
	req.Actor.validate(fe)
	if strings.TrimSpace(req.IdentityID) == "" {
		fe.Add("identity_id", "must not be empty")
	}
	if req.Version <= 0 {
		fe.Add("version", "required: the link version you saw")
	}
	if err := fe.Err(); err != nil {
		return Person{}, fmt.Errorf("reject: %w", err)
	}
	var out Person
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		l, err := tx.GetLink(ctx, req.OrgID, req.IdentityID)
		if err != nil {
			return err
		}
		if err := checkVersion(l, req.Version); err != nil {
			return err
		}
		if l.Status == StatusRejected {
			return fmt.Errorf("identity %s: link already rejected: %w", l.IdentityID, ErrConflict)
		}
		id, err := tx.GetIdentity(ctx, req.OrgID, req.IdentityID)
		if err != nil {
			return err
		}
		now := s.clock()
		p := newPersonFor(req.OrgID, id, now)
		if err := tx.InsertPeople(ctx, p); err != nil {
			return err
		}
		before := l
		l.PersonID, l.Status, l.DecidedBy, l.DecidedAt, l.UpdatedAt = p.ID, StatusRejected, req.Name, &now, now
		if err := tx.UpdateLink(ctx, l, before.Version); err != nil {
			return err
		}
		l.Version++
		if err := tx.AddRejectedPair(ctx, RejectedPair{OrgID: req.OrgID, IdentityID: l.IdentityID, PersonID: before.PersonID, CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.AppendEvents(ctx, Event{OrgID: req.OrgID, Kind: EventReject, IdentityID: l.IdentityID,
			FromPersonID: before.PersonID, ToPersonID: p.ID, Actor: req.Name, Reason: req.Reason,
			Payload: auditPayload(before, l), CreatedAt: now}); err != nil {
			return err
		}
		if err := s.archiveIfEmpty(ctx, tx, req.OrgID, before.PersonID, now); err != nil {
			return err
		}
		out = p
		return nil
	})
	if err != nil {
		return Person{}, fmt.Errorf("reject identity %s: %w", req.IdentityID, err)
	}
	return out, nil
}
