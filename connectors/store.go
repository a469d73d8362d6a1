package connectors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// ErrLeaseHeld: another live owner holds the stream's lease; the run is
// skipped. It matches identity.ErrConflict too.
var ErrLeaseHeld = fmt.Errorf("sync lease held by another owner: %w", oviaerr.ErrConflict)

// ErrLeaseLost: the caller's lease expired and was taken over (or released)
// before it wrote; nothing was written. It matches identity.ErrConflict too.
var ErrLeaseLost = fmt.Errorf("sync lease lost: %w", oviaerr.ErrConflict)

// LeaseHeldError says who holds a lease and until when. It matches
// ErrLeaseHeld.
type LeaseHeldError struct {
	Key       StreamKey
	Owner     string
	ExpiresAt time.Time
}

func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("%s: lease held by %s until %s", e.Key, e.Owner, e.ExpiresAt.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrLeaseHeld) and errors.Is(err, ErrConflict) true.
func (e *LeaseHeldError) Is(target error) bool {
	return target == ErrLeaseHeld || errors.Is(ErrLeaseHeld, target)
}

// StreamKey names one synced stream.
type StreamKey struct {
	OrgID  string
	Source identity.Source
	Stream Stream
}

func (k StreamKey) String() string { return fmt.Sprintf("%s/%s/%s", k.OrgID, k.Source, k.Stream) }

// LeaseResult closes a run.
type LeaseResult struct {
	// Err is the run's failure, empty on success.
	Err string
}

// PageStats reports what WritePage stored.
type PageStats struct {
	Items        int
	RawWritten   int
	RawUnchanged int
}

// Store is what the sync engine needs from a database.
type Store interface {
	// TakeLease takes the stream's lease for owner for ttl, atomically: a
	// free or expired lease (or one owner already holds) is taken; a live
	// lease of another owner fails with *LeaseHeldError.
	TakeLease(ctx context.Context, key StreamKey, owner string, ttl time.Duration) (Watermark, error)
	// RenewLease extends owner's lease; ErrLeaseLost if owner no longer holds it.
	RenewLease(ctx context.Context, key StreamKey, owner string, ttl time.Duration) error
	// ReleaseLease frees owner's lease and records the run's outcome;
	// ErrLeaseLost if owner no longer holds it.
	ReleaseLease(ctx context.Context, key StreamKey, owner string, res LeaseResult) error
	// WritePage stores one page's records and raw payloads and sets the
	// stream's cursor, in one transaction, if owner still holds the lease
	// (else ErrLeaseLost and nothing is written). Records are upserted by
	// (org, source, external id); raw payloads whose hash is unchanged are
	// not rewritten.
	WritePage(ctx context.Context, key StreamKey, owner string, page Page, cursor string) (PageStats, error)
	// Watermarks lists an org's streams.
	Watermarks(ctx context.Context, orgID string) ([]Watermark, error)
	// Watermark reads one stream (ErrNotFound if it never ran).
	Watermark(ctx context.Context, key StreamKey) (Watermark, error)
}
