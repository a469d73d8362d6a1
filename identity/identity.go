package identity

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// Sentinel errors, shared with every other Ovia package (errors.Is works
// across them).
var (
	ErrNotFound = oviaerr.ErrNotFound
	ErrConflict = oviaerr.ErrConflict
	ErrInvalid  = oviaerr.ErrInvalid
)

// ValidationError carries field-level details of an ErrInvalid.
type ValidationError = oviaerr.ValidationError

// DefaultOrg is the organisation of a laptop install.
const DefaultOrg = "default"

// Source names the tool an identity comes from.
type Source string

// The sources Ovia syncs.
const (
	SourceJira       Source = "jira"
	SourceGitLab     Source = "gitlab"
	SourceConfluence Source = "confluence"
)

// Sources lists every known source in a stable order.
var sources = []Source{SourceJira, SourceGitLab, SourceConfluence}

// Sources returns every known source in a stable order.
func Sources() []Source { return append([]Source(nil), sources...) }

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	for _, k := range sources {
		if s == k {
			return true
		}
	}
	return false
}

// ParseSource reads a source name, case-insensitively.
func ParseSource(s string) (Source, error) {
	src := Source(strings.ToLower(strings.TrimSpace(s)))
	if !src.Valid() {
		return "", oviaerr.Invalid("source", "unknown source %q (want jira, gitlab or confluence)", s)
	}
	return src, nil
}

// Status is the state of a Link.
type Status string

// Link states. Confirmed and Rejected are human decisions: automatic
// matching never changes them.
const (
	StatusAuto      Status = "auto"
	StatusConflict  Status = "conflict"
	StatusConfirmed Status = "confirmed"
	StatusRejected  Status = "rejected"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusAuto, StatusConflict, StatusConfirmed, StatusRejected:
		return true
	}
	return false
}

// Human reports whether the status records a human decision.
func (s Status) Human() bool { return s == StatusConfirmed || s == StatusRejected }

// EventKind names an audit event.
type EventKind string

// Audit event kinds.
const (
	EventAutoLink       EventKind = "auto_link"
	EventConflictOpened EventKind = "conflict_opened"
	EventConfirm        EventKind = "confirm"
	EventBulkConfirm    EventKind = "bulk_confirm"
	EventRemap          EventKind = "remap"
	EventSplit          EventKind = "split"
	EventReject         EventKind = "reject"
)

// Person is one human (or one bot) behind one or more identities.
type Person struct {
	ID           string     `json:"id"`
	OrgID        string     `json:"org_id"`
	DisplayName  string     `json:"display_name"`
	PrimaryEmail string     `json:"primary_email,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	ArchivedAt   *time.Time `json:"archived_at,omitempty"`
}

// Identity is one account in one source.
type Identity struct {
	ID               string    `json:"id"`
	OrgID            string    `json:"org_id"`
	Source           Source    `json:"source"`
	ExternalID       string    `json:"external_id"`
	Username         string    `json:"username,omitempty"`
	Email            string    `json:"email,omitempty"`
	DisplayName      string    `json:"display_name,omitempty"`
	IsServiceAccount bool      `json:"is_service_account"`
	RawRef           string    `json:"raw_ref,omitempty"`
	FirstSeenAt      time.Time `json:"first_seen_at"`
	LastSeenAt       time.Time `json:"last_seen_at"`
	// ChangedAt moves when a matched attribute (username, email, display
	// name, service flag) changes, so matching can find what to redo.
	ChangedAt time.Time `json:"changed_at"`
}

// Limits on identity fields; longer values are refused as ErrInvalid.
const (
	MaxExternalIDLen = 256
	MaxFieldLen      = 512
)

// Validate checks the fields a store needs. It does not check ID or OrgID
// defaults; callers fill those.
func (i Identity) Validate() error {
	f := oviaerr.Fields{}
	if !i.Source.Valid() {
		f.Add("source", "unknown source %q (want jira, gitlab or confluence)", i.Source)
	}
	switch ext := strings.TrimSpace(i.ExternalID); {
	case ext == "":
		f.Add("external_id", "must not be empty")
	case len(ext) > MaxExternalIDLen:
		f.Add("external_id", "longer than %d bytes", MaxExternalIDLen)
	}
	for name, v := range map[string]string{"username": i.Username, "email": i.Email, "display_name": i.DisplayName} {
		if len(v) > MaxFieldLen {
			f.Add(name, "longer than %d bytes", MaxFieldLen)
		}
	}
	if i.Email != "" && !strings.Contains(i.Email, "@") {
		f.Add("email", "%q is not an email address", i.Email)
	}
	return f.Err()
}

// Link ties an identity to its person. There is at most one per identity.
type Link struct {
	IdentityID         string          `json:"identity_id"`
	OrgID              string          `json:"org_id"`
	PersonID           string          `json:"person_id"`
	Status             Status          `json:"status"`
	Score              float64         `json:"score"`
	RuleTrace          json.RawMessage `json:"rule_trace,omitempty"`
	CandidatePersonIDs []string        `json:"candidate_person_ids,omitempty"`
	DecidedBy          string          `json:"decided_by,omitempty"`
	DecidedAt          *time.Time      `json:"decided_at,omitempty"`
	// Version starts at 1 and grows on every change; writers pass the
	// version they read and get ErrConflict if it moved.
	Version   int64     `json:"version"`
	MatchedAt time.Time `json:"matched_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Event is one append-only audit record of a change to a link.
type Event struct {
	ID           string          `json:"id"`
	OrgID        string          `json:"org_id"`
	Kind         EventKind       `json:"kind"`
	IdentityID   string          `json:"identity_id"`
	FromPersonID string          `json:"from_person_id,omitempty"`
	ToPersonID   string          `json:"to_person_id,omitempty"`
	Actor        string          `json:"actor"`
	Reason       string          `json:"reason,omitempty"`
	Payload      json.RawMessage `json:"payload,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
}

// Mapping is the row of the identity queue: an identity with its link (if
// matching has run) and the person it points to.
type Mapping struct {
	Identity Identity `json:"identity"`
	Link     *Link    `json:"link,omitempty"`
	Person   *Person  `json:"person,omitempty"`
}

// RejectedPair remembers that a human said identity is not person.
type RejectedPair struct {
	OrgID      string    `json:"org_id"`
	IdentityID string    `json:"identity_id"`
	PersonID   string    `json:"person_id"`
	CreatedAt  time.Time `json:"created_at"`
}
