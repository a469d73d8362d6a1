package connectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// SyncConfig tunes a Syncer. Zero values take the defaults.
type SyncConfig struct {
	// Owner names this replica in leases (default "oviad").
	Owner string
	// LeaseTTL is how long a lease lives without renewal (default 2m). A
	// crashed holder blocks the stream at most this long.
	LeaseTTL time.Duration
	// Overlap is subtracted from the cursor on the next run so equal
	// timestamps and clock skew lose nothing (default 5m).
	Overlap time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger (default: discard).
	Logger *slog.Logger
	// Progress, if set, is called after every committed page.
	Progress func(Progress)
}

// Progress reports one committed page.
type Progress struct {
	Key      StreamKey
	Page     int
	Items    int // items so far in this run
	Raw      int // raw payloads written so far (unchanged ones are not)
	Elapsed  time.Duration
	Cursor   string
	Notes    []string
	Finished bool
}

// StreamResult is the outcome of one stream's run.
type StreamResult struct {
	Key     StreamKey     `json:"key"`
	Skipped bool          `json:"skipped"`           // the lease was held elsewhere
	HeldBy  string        `json:"held_by,omitempty"` // who held it
	Pages   int           `json:"pages"`
	Items   int           `json:"items"`
	Raw     int           `json:"raw_written"`
	Cursor  string        `json:"cursor,omitempty"`
	Elapsed time.Duration `json:"elapsed"`
	Notes   []string      `json:"notes,omitempty"`
	Err     error         `json:"-"`
}

// Syncer moves pages from connectors into a Store under per-stream leases.
type Syncer struct {
	store Store
	cfg   SyncConfig
}

// NewSyncer builds a Syncer.
func NewSyncer(store Store, cfg SyncConfig) *Syncer {
	if cfg.Owner == "" {
		cfg.Owner = "oviad"
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 2 * time.Minute
	}
	if cfg.Overlap <= 0 {
		cfg.Overlap = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Syncer{store: store, cfg: cfg}
}

// CursorFormat is how time cursors are stored.
const CursorFormat = time.RFC3339Nano

// SyncStream runs one stream of one connector: take the lease (skip if
// another live owner holds it), fetch from cursor − overlap, write each
// page and advance the cursor in one transaction, release the lease with
// the outcome. A crash at any point loses nothing: the cursor only moves
// with committed pages, and upserts make replays harmless.
func (s *Syncer) SyncStream(ctx context.Context, orgID string, c Connector, stream Stream) StreamResult {
	key := StreamKey{OrgID: orgID, Source: c.Source(), Stream: stream}
	res := StreamResult{Key: key}
	start := s.cfg.Now()
	wm, err := s.store.TakeLease(ctx, key, s.cfg.Owner, s.cfg.LeaseTTL)
	var held *LeaseHeldError
	if errors.As(err, &held) {
		res.Skipped, res.HeldBy = true, held.Owner
		s.cfg.Logger.Info("sync skipped: lease held", "stream", key.String(), "holder", held.Owner, "until", held.ExpiresAt)
		return res
	}
	if err != nil {
		res.Err = fmt.Errorf("sync %s: %w", key, err)
		return res
	}
	var cursorTime time.Time
	if wm.Cursor != "" {
		cursorTime, err = time.Parse(CursorFormat, wm.Cursor)
		if err != nil {
			// A cursor we cannot read is not a reason to stop syncing:
			// start over from the connector's default window (upserts
			// make the re-read harmless) and say so.
			s.cfg.Logger.Warn("unreadable cursor, syncing from the default window", "stream", key.String(), "cursor", wm.Cursor)
			cursorTime = time.Time{}
		}
	}
	res.Cursor = wm.Cursor
	req := FetchRequest{OrgID: orgID, Stream: stream}
	if !cursorTime.IsZero() {
		req.Since = cursorTime.Add(-s.cfg.Overlap)
	}
	lastRenew := s.cfg.Now()
	runErr := func() error {
		for page, err := range c.Fetch(ctx, req) {
			if err != nil {
				return err
			}
			if s.cfg.Now().Sub(lastRenew) > s.cfg.LeaseTTL/3 {
				if err := s.store.RenewLease(ctx, key, s.cfg.Owner, s.cfg.LeaseTTL); err != nil {
					return err
				}
				lastRenew = s.cfg.Now()
			}
			if page.MaxUpdated.After(cursorTime) {
				cursorTime = page.MaxUpdated.UTC()
			}
			cursor := res.Cursor
			if !cursorTime.IsZero() {
				cursor = cursorTime.Format(CursorFormat)
			}
			st, err := s.store.WritePage(ctx, key, s.cfg.Owner, page, cursor)
			if err != nil {
				return fmt.Errorf("page %d: %w", page.Number, err)
			}
			res.Pages++
			res.Items += st.Items
			res.Raw += st.RawWritten
			res.Cursor = cursor
			res.Notes = append(res.Notes, page.Notes...)
			if s.cfg.Progress != nil {
				s.cfg.Progress(Progress{Key: key, Page: res.Pages, Items: res.Items, Raw: res.Raw,
					Elapsed: s.cfg.Now().Sub(start), Cursor: cursor, Notes: page.Notes})
			}
		}
		return ctx.Err()
	}()
	res.Elapsed = s.cfg.Now().Sub(start)
	outcome := LeaseResult{}
	if runErr != nil {
		outcome.Err = runErr.Error()
	}
	// Release even when ctx is cancelled, so a clean stop does not block
	// the stream until the lease expires.
	relErr := s.store.ReleaseLease(context.WithoutCancel(ctx), key, s.cfg.Owner, outcome)
	if runErr != nil {
		res.Err = fmt.Errorf("sync %s: %w", key, runErr)
		s.cfg.Logger.Error("sync failed", "stream", key.String(), "pages", res.Pages, "items", res.Items, "err", runErr)
		return res
	}
	if relErr != nil {
		res.Err = fmt.Errorf("sync %s: release lease: %w", key, relErr)
		return res
	}
	if s.cfg.Progress != nil {
		s.cfg.Progress(Progress{Key: key, Page: res.Pages, Items: res.Items, Raw: res.Raw, Elapsed: res.Elapsed, Cursor: res.Cursor, Finished: true})
	}
	s.cfg.Logger.Info("sync done", "stream", key.String(), "pages", res.Pages, "items", res.Items, "raw_written", res.Raw, "elapsed", res.Elapsed)
	return res
}

// Sync runs every stream of every connector in order (a connector's
// streams in the order it lists them). streams, if non-empty, restricts
// which streams run. It returns every result and the first error.
func (s *Syncer) Sync(ctx context.Context, orgID string, cs []Connector, streams ...Stream) ([]StreamResult, error) {
	var out []StreamResult
	var firstErr error
	for _, c := range cs {
		for _, st := range c.Streams() {
			if len(streams) > 0 && !containsStream(streams, st) {
				continue
			}
			if ctx.Err() != nil {
				return out, errors.Join(firstErr, ctx.Err())
			}
			r := s.SyncStream(ctx, orgID, c, st)
			out = append(out, r)
			if r.Err != nil && firstErr == nil {
				firstErr = r.Err
			}
		}
	}
	return out, firstErr
}

func containsStream(list []Stream, s Stream) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
