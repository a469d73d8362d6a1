package connectors_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/storage"
	"github.com/ovia-hq/ovia/storage/storagetest"
)

var t0 = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// scripted is a connector over a fixed, generated list of issues, one
// minute apart, served oldest first in pages, honouring Since.
type scripted struct {
	issues   int
	pageSize int
	// block, if set, is waited on before the first page (lease tests).
	block chan struct{}
	// started is closed when Fetch begins.
	started chan struct{}
}

func (s *scripted) Source() identity.Source      { return identity.SourceJira }
func (s *scripted) Streams() []connectors.Stream { return []connectors.Stream{connectors.StreamIssues} }

func (s *scripted) issue(i int) (connectors.Issue, []connectors.Transition) {
	up := t0.Add(time.Duration(i) * time.Minute)
	id := fmt.Sprint(10000 + i)
	is := connectors.Issue{Source: identity.SourceJira, ExternalID: id, Key: fmt.Sprintf("OV-%d", i), ProjectKey: "OV",
		Type: "Story", Status: "Done", StatusCategory: connectors.CategoryDone, AssigneeID: fmt.Sprintf("acc-%d", i%7),
		CreatedAt: up.Add(-48 * time.Hour), UpdatedAt: up, ResolvedAt: &up}
	trs := []connectors.Transition{
		{Source: identity.SourceJira, IssueID: id, Seq: 0, Field: connectors.FieldStatus, From: "To Do", To: "In Progress", At: up.Add(-24 * time.Hour)},
		{Source: identity.SourceJira, IssueID: id, Seq: 1, Field: connectors.FieldStatus, From: "In Progress", To: "Done", At: up},
	}
	return is, trs
}

func (s *scripted) Fetch(ctx context.Context, req connectors.FetchRequest) iter.Seq2[connectors.Page, error] {
	return func(yield func(connectors.Page, error) bool) {
		if s.started != nil {
			close(s.started)
		}
		if s.block != nil {
			select {
			case <-s.block:
			case <-ctx.Done():
				yield(connectors.Page{}, ctx.Err())
				return
			}
		}
		page := connectors.Page{Number: 1}
		flush := func() bool {
			if len(page.Issues) == 0 {
				return true
			}
			ok := yield(page, nil)
			page = connectors.Page{Number: page.Number + 1}
			return ok
		}
		for i := range s.issues {
			is, trs := s.issue(i)
			if is.UpdatedAt.Before(req.Since) {
				continue
			}
			page.Issues = append(page.Issues, is)
			page.Transitions = append(page.Transitions, trs...)
			page.Identities = append(page.Identities, identity.Identity{Source: identity.SourceJira, ExternalID: is.AssigneeID, DisplayName: "Person " + is.AssigneeID})
			page.Raw = append(page.Raw, connectors.RawPayload{Source: identity.SourceJira, Kind: "issue", ExternalID: is.ExternalID,
				Payload: []byte(`{"id":"` + is.ExternalID + `"}`), SHA256: "sha-" + is.ExternalID, FetchedAt: is.UpdatedAt})
			page.MaxUpdated = is.UpdatedAt
			if len(page.Issues) == s.pageSize && !flush() {
				return
			}
			if ctx.Err() != nil {
				yield(connectors.Page{}, ctx.Err())
				return
			}
		}
		flush()
	}
}

// crashingStore dies after n pages: writes fail and the lease is never
// released, as if the process had been killed.
type crashingStore struct {
	connectors.Store
	pagesLeft int
}

var errCrash = errors.New("process killed")

func (c *crashingStore) WritePage(ctx context.Context, key connectors.StreamKey, owner string, p connectors.Page, cursor string) (connectors.PageStats, error) {
	if c.pagesLeft == 0 {
		return connectors.PageStats{}, errCrash
	}
	c.pagesLeft--
	return c.Store.WritePage(ctx, key, owner, p, cursor)
}

func (c *crashingStore) ReleaseLease(context.Context, connectors.StreamKey, string, connectors.LeaseResult) error {
	return nil // a dead process releases nothing
}

// normalized strips what legitimately differs between two runs (row ids
// and seen-times of identities) so final states compare.
func normalized(t *testing.T, db *storage.DB) connectors.RecordSet {
	t.Helper()
	rs, err := db.LoadRecords(context.Background(), identity.DefaultOrg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs.Identities {
		rs.Identities[i].ID = ""
		rs.Identities[i].FirstSeenAt, rs.Identities[i].LastSeenAt, rs.Identities[i].ChangedAt = time.Time{}, time.Time{}, time.Time{}
	}
	return rs
}

func TestSyncUninterruptedThenIncremental(t *testing.T) {
	storagetest.ForEachBackend(t, func(t *testing.T, open storagetest.Opener) {
		is := is.New(t)
		clk := storagetest.NewClock(t0.Add(48 * time.Hour))
		db := open(t, storage.Options{Now: clk.Now})
		src := &scripted{issues: 95, pageSize: 10}
		var progress []connectors.Progress
		s := connectors.NewSyncer(db.Records(), connectors.SyncConfig{Owner: "a", Now: clk.Now, Progress: func(p connectors.Progress) { progress = append(progress, p) }})
		r := s.SyncStream(context.Background(), identity.DefaultOrg, src, connectors.StreamIssues)
		is.NoErr(r.Err)
		is.Equal(r.Pages, 10)
		is.Equal(r.Raw, 95)
		is.Equal(r.Cursor, t0.Add(94*time.Minute).Format(connectors.CursorFormat))
		is.True(progress[len(progress)-1].Finished)
		rs := normalized(t, db)
		is.Equal(len(rs.Issues), 95)
		is.Equal(len(rs.Transitions), 190)
		is.Equal(len(rs.Identities), 7)

		// A second run re-reads only the overlap window, writes no raw payload again.
		r = s.SyncStream(context.Background(), identity.DefaultOrg, src, connectors.StreamIssues)
		is.NoErr(r.Err)
		is.Equal(r.Items, 6*2) // six issues inside the 5-minute overlap (minutes 89..94), each with its assignee
		is.Equal(r.Raw, 0)
		wm, err := db.Records().Watermark(context.Background(), connectors.StreamKey{OrgID: identity.DefaultOrg, Source: identity.SourceJira, Stream: connectors.StreamIssues})
		is.NoErr(err)
		is.Equal(wm.Status, "ok")
		is.Equal(wm.LeaseOwner, "")
	})
}

func TestSyncCrashAndResumeMatchesUninterrupted(t *testing.T) {
	storagetest.ForEachBackend(t, func(t *testing.T, open storagetest.Opener) {
		const issues, pageSize = 57, 5
		ctx := context.Background()
		clk := storagetest.NewClock(t0.Add(48 * time.Hour))
		ref := open(t, storage.Options{Now: clk.Now})
		r := connectors.NewSyncer(ref.Records(), connectors.SyncConfig{Now: clk.Now}).SyncStream(ctx, identity.DefaultOrg, &scripted{issues: issues, pageSize: pageSize}, connectors.StreamIssues)
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		want := normalized(t, ref)
		pages := (issues + pageSize - 1) / pageSize
		rng := rand.New(rand.NewPCG(7, 11))
		cuts := []int{0, 1, pages - 1}
		for len(cuts) < 6 {
			cuts = append(cuts, rng.IntN(pages))
		}
		for _, cut := range cuts {
			for _, mode := range []string{"cancel", "kill"} {
				t.Run(fmt.Sprintf("%s after %d pages", mode, cut), func(t *testing.T) {
					is := is.New(t)
					clk := storagetest.NewClock(t0.Add(48 * time.Hour))
					db := open(t, storage.Options{Now: clk.Now})
					src := &scripted{issues: issues, pageSize: pageSize}
					switch mode {
					case "cancel":
						cctx, cancel := context.WithCancel(ctx)
						defer cancel()
						s := connectors.NewSyncer(db.Records(), connectors.SyncConfig{Owner: "a", Now: clk.Now, Progress: func(p connectors.Progress) {
							if p.Page == cut {
								cancel()
							}
						}})
						if cut == 0 {
							cancel()
						}
						r := s.SyncStream(cctx, identity.DefaultOrg, src, connectors.StreamIssues)
						is.True(errors.Is(r.Err, context.Canceled))
					case "kill":
						s := connectors.NewSyncer(&crashingStore{Store: db.Records(), pagesLeft: cut}, connectors.SyncConfig{Owner: "dead", Now: clk.Now})
						r := s.SyncStream(ctx, identity.DefaultOrg, src, connectors.StreamIssues)
						is.True(errors.Is(r.Err, errCrash))
						// The dead holder's lease blocks the stream until it expires…
						blocked := connectors.NewSyncer(db.Records(), connectors.SyncConfig{Owner: "b", Now: clk.Now}).
							SyncStream(ctx, identity.DefaultOrg, src, connectors.StreamIssues)
						is.True(blocked.Skipped)
						is.Equal(blocked.HeldBy, "dead")
						clk.Advance(3 * time.Minute) // …and no longer.
					}
					r := connectors.NewSyncer(db.Records(), connectors.SyncConfig{Owner: "b", Now: clk.Now}).
						SyncStream(ctx, identity.DefaultOrg, src, connectors.StreamIssues)
					is.NoErr(r.Err)
					is.Equal(normalized(t, db), want)
					n, err := db.CountRows(ctx, "raw_payloads", identity.DefaultOrg)
					is.NoErr(err)
					is.Equal(n, issues) // nothing doubled
				})
			}
		}
	})
}

func TestConcurrentSyncOfOneStreamRunsOnce(t *testing.T) {
	storagetest.ForEachBackend(t, func(t *testing.T, open storagetest.Opener) {
		is := is.New(t)
		ctx := context.Background()
		db := open(t, storage.Options{})
		slow := &scripted{issues: 20, pageSize: 5, block: make(chan struct{}), started: make(chan struct{})}
		done := make(chan connectors.StreamResult)
		go func() {
			done <- connectors.NewSyncer(db.Records(), connectors.SyncConfig{Owner: "replica-a"}).SyncStream(ctx, identity.DefaultOrg, slow, connectors.StreamIssues)
		}()
		<-slow.started // replica-a holds the lease now
		second := connectors.NewSyncer(db.Records(), connectors.SyncConfig{Owner: "replica-b"}).
			SyncStream(ctx, identity.DefaultOrg, &scripted{issues: 20, pageSize: 5}, connectors.StreamIssues)
		is.True(second.Skipped)
		is.Equal(second.HeldBy, "replica-a")
		is.Equal(second.Pages, 0)
		close(slow.block)
		first := <-done
		is.NoErr(first.Err)
		is.Equal(first.Pages, 4)
	})
}

func TestFetchErrorFailsRunAndKeepsCursor(t *testing.T) {
	storagetest.ForEachBackend(t, func(t *testing.T, open storagetest.Opener) {
		is := is.New(t)
		ctx := context.Background()
		db := open(t, storage.Options{})
		s := connectors.NewSyncer(db.Records(), connectors.SyncConfig{Owner: "a"})
		r := s.SyncStream(ctx, identity.DefaultOrg, failing{after: 2, inner: &scripted{issues: 30, pageSize: 5}}, connectors.StreamIssues)
		is.True(r.Err != nil)
		is.Equal(r.Pages, 2)
		wm, err := db.Records().Watermark(ctx, connectors.StreamKey{OrgID: identity.DefaultOrg, Source: identity.SourceJira, Stream: connectors.StreamIssues})
		is.NoErr(err)
		is.Equal(wm.Status, "failed")
		is.Equal(wm.LeaseOwner, "") // released: the next run need not wait
		is.Equal(wm.Cursor, t0.Add(9*time.Minute).Format(connectors.CursorFormat))
		is.True(wm.LastError != "")
	})
}

// failing yields an upstream error after n pages.
type failing struct {
	after int
	inner *scripted
}

func (f failing) Source() identity.Source      { return f.inner.Source() }
func (f failing) Streams() []connectors.Stream { return f.inner.Streams() }
func (f failing) Fetch(ctx context.Context, req connectors.FetchRequest) iter.Seq2[connectors.Page, error] {
	return func(yield func(connectors.Page, error) bool) {
		n := 0
		for p, err := range f.inner.Fetch(ctx, req) {
			if n == f.after {
				yield(connectors.Page{}, errors.New("jira: search issues page 3: 500 Internal Server Error"))
				return
			}
			n++
			if !yield(p, err) {
				return
			}
		}
	}
}
