package identity

import "context"

// SortField orders a mapping list.
type SortField string

// Sort orders for ListMappings.
const (
	SortScore       SortField = "score"
	SortUpdatedAt   SortField = "updated_at"
	SortDisplayName SortField = "display_name"
)

// Paging limits.
const (
	DefaultPerPage = 50
	MaxPerPage     = 500
)

// MappingFilter selects and orders rows of the identity queue. Zero values
// mean "no filter".
type MappingFilter struct {
	OrgID    string
	Statuses []Status
	Source   Source
	MinScore *float64
	MaxScore *float64
	// Query matches display name, email or username, case-insensitively.
	Query    string
	PersonID string
	// Unlinked selects identities that matching has not resolved yet.
	Unlinked bool
	Sort     SortField
	Desc     bool
	Page     int // 1-based
	PerPage  int
}

// MappingPage is one page of mappings and the total across pages.
type MappingPage struct {
	Items   []Mapping `json:"items"`
	Total   int       `json:"total"`
	Page    int       `json:"page"`
	PerPage int       `json:"per_page"`
}

// Store is what the identity service needs from a database. Reads outside a
// transaction may use a replica-safe connection; Tx methods run on the
// transaction's connection.
type Store interface {
	// InTx runs fn in one transaction, committed when fn returns nil and
	// rolled back otherwise.
	InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// ListMappings returns a filtered, sorted page of the identity queue.
	ListMappings(ctx context.Context, f MappingFilter) (MappingPage, error)
	// GetPerson reads one person.
	GetPerson(ctx context.Context, orgID, id string) (Person, error)
	// PersonMappings lists every identity linked to a person.
	PersonMappings(ctx context.Context, orgID, personID string) ([]Mapping, error)
	// PersonEvents lists audit events touching a person, oldest first.
	PersonEvents(ctx context.Context, orgID, personID string) ([]Event, error)
	// IdentityEvents lists audit events of an identity, oldest first.
	IdentityEvents(ctx context.Context, orgID, identityID string) ([]Event, error)
	// LoadMatchState reads every identity of an org with its link, and
	// the rejected pairs, for the matching engine, ordered by identity
	// ID. The links come without their rule traces and candidate lists,
	// and the mappings without their people: matching does not read
	// them (List and Person do).
	LoadMatchState(ctx context.Context, orgID string) (MatchState, error)
}

// Tx is the transactional part of Store.
type Tx interface {
	GetIdentity(ctx context.Context, orgID, id string) (Identity, error)
	// UpsertIdentities inserts or updates by (org, source, external_id) and
	// returns the stored rows (with their ids) in input order.
	UpsertIdentities(ctx context.Context, ids []Identity) ([]Identity, error)
	// GetLink reads the link of an identity (ErrNotFound if unresolved).
	GetLink(ctx context.Context, orgID, identityID string) (Link, error)
	// InsertLinks creates the first link of identities (ErrConflict if one exists).
	InsertLinks(ctx context.Context, ls ...Link) error
	// UpdateLink writes l if the stored version equals expectedVersion,
	// storing expectedVersion+1; otherwise ErrConflict and nothing written.
	UpdateLink(ctx context.Context, l Link, expectedVersion int64) error
	// ListConflictLinks returns conflict links with score >= minScore,
	// optionally of one source, locked for update where the database can.
	ListConflictLinks(ctx context.Context, orgID string, minScore float64, source Source) ([]Link, error)
	GetPerson(ctx context.Context, orgID, id string) (Person, error)
	InsertPeople(ctx context.Context, ps ...Person) error
	UpdatePerson(ctx context.Context, p Person) error
	// CountLinkedIdentities counts identities linked to a person.
	CountLinkedIdentities(ctx context.Context, orgID, personID string) (int, error)
	AppendEvents(ctx context.Context, events ...Event) error
	AddRejectedPair(ctx context.Context, p RejectedPair) error
}
