package storagetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/storage"
)

// T0 is the suite's starting time.
var T0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// Bundle is what a conformance test works with.
type Bundle struct {
	DB    *storage.DB
	Clock *Clock
	Svc   *identity.Service
}

// Setup opens a fresh database with a test clock and an identity service.
func Setup(t testing.TB, open Opener) Bundle {
	t.Helper()
	clk := NewClock(T0)
	db := open(t, storage.Options{Now: clk.Now})
	return Bundle{DB: db, Clock: clk, Svc: identity.NewService(db.Identity(), identity.WithClock(clk.Now))}
}

// Run is the conformance suite: a backend is done when it passes.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"IdentityUpsertIdempotent", testIdentityUpsert},
		{"IdentityUpsertInvalidWritesNothing", testIdentityUpsertInvalid},
		{"LinksAndPeople", testLinksAndPeople},
		{"LoadMatchState", testLoadMatchState},
		{"TxRollsBackOnError", testTxRollback},
		{"ListMappingsFilterSortPage", testListMappings},
		{"ListMappingsValidation", testListMappingsValidation},
		{"ListMappingsUnicodeSearch", testListMappingsUnicodeSearch},
		{"EventsAppendOnlyInOrder", testEvents},
		{"LeaseTakeRenewRelease", testLeases},
		{"LeaseTakeOverAfterExpiry", testLeaseTakeover},
		{"LeaseConcurrentTakeOneWins", testLeaseConcurrent},
		{"WritePageIdempotent", testWritePage},
		{"WritePageRefusedWithoutLease", testWritePageNoLease},
		{"WritePageReplacesByIssueKey", testReplacePlan},
		{"IdentityActivity", testIdentityActivity},
		{"ServiceConfirm", testConfirm},
		{"ServiceBulkConfirm", testBulkConfirm},
		{"ServiceRemapArchivesEmptyPerson", testRemap},
		{"ServiceConcurrentRemapOneWins", testConcurrentRemap},
		{"ServiceSplit", testSplit},
		{"ServiceReject", testReject},
		{"ServiceValidation", testServiceValidation},
		{"ApplyDecisions", testApplyDecisions},
		{"ImportIdentities", testImport},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// --- fixtures ---

// seedPerson creates a person with the given identities linked to it.
func seedPerson(t testing.TB, b Bundle, name string, status identity.Status, score float64, ids ...identity.Identity) (identity.Person, []identity.Identity) {
	t.Helper()
	ctx := context.Background()
	var p identity.Person
	var stored []identity.Identity
	err := b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		now := b.Clock.Now()
		p = identity.Person{ID: fmt.Sprintf("p-%s-%d", name, now.UnixNano()), OrgID: identity.DefaultOrg, DisplayName: name, CreatedAt: now, UpdatedAt: now}
		if err := tx.InsertPeople(ctx, p); err != nil {
			return err
		}
		var err error
		stored, err = tx.UpsertIdentities(ctx, ids)
		if err != nil {
			return err
		}
		for _, id := range stored {
			if err := tx.InsertLinks(ctx, identity.Link{IdentityID: id.ID, OrgID: identity.DefaultOrg, PersonID: p.ID,
				Status: status, Score: score, RuleTrace: json.RawMessage(`{"rules":[{"rule":"email_exact","similarity":1}]}`),
				MatchedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed person %s: %v", name, err)
	}
	return p, stored
}

func ident(src identity.Source, ext, user, email, name string) identity.Identity {
	return identity.Identity{OrgID: identity.DefaultOrg, Source: src, ExternalID: ext, Username: user, Email: email, DisplayName: name}
}

// --- identity storage ---

func testIdentityUpsert(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	in := []identity.Identity{
		ident(identity.SourceJira, "acc-1", "", "", "Alexey Smirnov"),
		ident(identity.SourceGitLab, "17", "asmirnov", "a.smirnov@corp.example", "Alexey Smirnov"),
		ident(identity.SourceGitLab, "17", "asmirnov", "a.smirnov@corp.example", "Alexey Smirnov"), // duplicate in batch
	}
	var first []identity.Identity
	is.NoErr(b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		var err error
		first, err = tx.UpsertIdentities(ctx, in)
		return err
	}))
	is.Equal(len(first), 3)
	is.Equal(first[1].ID, first[2].ID) // same key → same row
	is.True(first[0].ID != first[1].ID)
	is.Equal(first[0].FirstSeenAt, T0)

	b.Clock.Advance(time.Hour)
	var second []identity.Identity
	is.NoErr(b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		var err error
		second, err = tx.UpsertIdentities(ctx, in[:2])
		return err
	}))
	is.Equal(second[0].ID, first[0].ID)               // idempotent by (org, source, external_id)
	is.Equal(second[0].FirstSeenAt, T0)               // first seen never moves
	is.Equal(second[0].LastSeenAt, T0.Add(time.Hour)) // last seen does
	is.Equal(second[0].ChangedAt, T0)                 // nothing matched changed
	n, err := b.DB.CountRows(ctx, "identities", identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(n, 2)

	b.Clock.Advance(time.Hour)
	changed := in[0]
	changed.DisplayName = "Alexey Smirnov (old)"
	var third []identity.Identity
	is.NoErr(b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		var err error
		third, err = tx.UpsertIdentities(ctx, []identity.Identity{changed})
		return err
	}))
	is.Equal(third[0].ChangedAt, T0.Add(2*time.Hour)) // a matched attribute changed
	is.Equal(third[0].DisplayName, "Alexey Smirnov (old)")

	// A listing without the email (GitLab MR authors) keeps the one we know.
	b.Clock.Advance(time.Hour)
	bare := in[1]
	bare.Email, bare.DisplayName = "", ""
	var fourth []identity.Identity
	is.NoErr(b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		var err error
		fourth, err = tx.UpsertIdentities(ctx, []identity.Identity{bare})
		return err
	}))
	is.Equal(fourth[0].Email, "a.smirnov@corp.example")
	is.Equal(fourth[0].DisplayName, "Alexey Smirnov")
	is.Equal(fourth[0].ChangedAt, first[1].ChangedAt) // nothing matched changed
}

func testIdentityUpsertInvalid(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	err := b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		_, err := tx.UpsertIdentities(ctx, []identity.Identity{
			ident(identity.SourceJira, "ok-1", "", "", "Fine"),
			ident("svn", "x", "", "", "Bad source"),
		})
		return err
	})
	is.True(errors.Is(err, identity.ErrInvalid))
	var ve *identity.ValidationError
	is.True(errors.As(err, &ve))
	is.True(ve.Fields["source"] != "")
	n, err := b.DB.CountRows(ctx, "identities", identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(n, 0) // nothing partial
}

func testLinksAndPeople(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	p, ids := seedPerson(t, b, "Ann", identity.StatusAuto, 0.95, ident(identity.SourceJira, "a1", "", "ann@corp.example", "Ann Lee"))
	err := b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		l, err := tx.GetLink(ctx, identity.DefaultOrg, ids[0].ID)
		is.NoErr(err)
		is.Equal(l.PersonID, p.ID)
		is.Equal(l.Version, int64(1))
		is.Equal(l.Score, 0.95)
		is.True(len(l.RuleTrace) > 0)
		return nil
	})
	is.NoErr(err)
	// A second link for the same identity is a conflict (and rolls back).
	err = b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		return tx.InsertLinks(ctx, identity.Link{IdentityID: ids[0].ID, OrgID: identity.DefaultOrg, PersonID: p.ID,
			Status: identity.StatusAuto, MatchedAt: T0, UpdatedAt: T0})
	})
	is.True(errors.Is(err, identity.ErrConflict))
	is.NoErr(b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		l, err := tx.GetLink(ctx, identity.DefaultOrg, ids[0].ID)
		is.NoErr(err)
		l.Status = identity.StatusConfirmed
		is.NoErr(tx.UpdateLink(ctx, l, 1))
		return nil
	}))
	err = b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		l, err := tx.GetLink(ctx, identity.DefaultOrg, ids[0].ID)
		is.NoErr(err)
		is.Equal(l.Version, int64(2))
		is.Equal(l.Status, identity.StatusConfirmed)
		return tx.UpdateLink(ctx, l, 1) // stale
	})
	is.True(errors.Is(err, identity.ErrConflict))

	_, err = b.DB.Identity().GetPerson(ctx, identity.DefaultOrg, "nobody")
	is.True(errors.Is(err, identity.ErrNotFound))
	err = b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		_, err := tx.GetLink(ctx, identity.DefaultOrg, "no-such-identity")
		return err
	})
	is.True(errors.Is(err, identity.ErrNotFound))

	got, err := b.DB.Identity().GetPerson(ctx, identity.DefaultOrg, p.ID)
	is.NoErr(err)
	is.Equal(got.DisplayName, "Ann")
	is.Equal(got.CreatedAt, T0)
	ms, err := b.DB.Identity().PersonMappings(ctx, identity.DefaultOrg, p.ID)
	is.NoErr(err)
	is.Equal(len(ms), 1)
	is.Equal(ms[0].Identity.Email, "ann@corp.example")
}

func testTxRollback(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	boom := errors.New("boom")
	err := b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		is.NoErr(tx.InsertPeople(ctx, identity.Person{ID: "p-rollback", OrgID: identity.DefaultOrg, DisplayName: "Ghost", CreatedAt: T0, UpdatedAt: T0}))
		_, err := tx.UpsertIdentities(ctx, []identity.Identity{ident(identity.SourceJira, "ghost", "", "", "Ghost")})
		is.NoErr(err)
		return boom
	})
	is.True(errors.Is(err, boom))
	_, err = b.DB.Identity().GetPerson(ctx, identity.DefaultOrg, "p-rollback")
	is.True(errors.Is(err, identity.ErrNotFound))
	n, err := b.DB.CountRows(ctx, "identities", identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(n, 0)
}

func f64(v float64) *float64 { return &v }

func testListMappings(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	seedPerson(t, b, "Alexey", identity.StatusAuto, 0.97,
		ident(identity.SourceJira, "j-alexey", "", "", "Alexey Smirnov"),
		ident(identity.SourceGitLab, "g-alexey", "asmirnov", "a.smirnov@corp.example", "Alexey Smirnov"))
	b.Clock.Advance(time.Minute)
	seedPerson(t, b, "Maria", identity.StatusConflict, 0.72, ident(identity.SourceJira, "j-maria", "", "", "Maria Ivanova"))
	b.Clock.Advance(time.Minute)
	seedPerson(t, b, "Bob", identity.StatusConflict, 0.65, ident(identity.SourceConfluence, "c-bob", "", "bob@corp.example", "Bob Stone"))
	b.Clock.Advance(time.Minute)
	seedPerson(t, b, "Zed", identity.StatusConfirmed, 1, ident(identity.SourceGitLab, "g-zed", "zed", "zed@corp.example", "zed"))
	// One identity matching has not resolved yet.
	is.NoErr(b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		_, err := tx.UpsertIdentities(ctx, []identity.Identity{ident(identity.SourceJira, "j-new", "", "", "Newcomer")})
		return err
	}))

	names := func(p identity.MappingPage) []string {
		var out []string
		for _, m := range p.Items {
			out = append(out, m.Identity.ExternalID)
		}
		return out
	}
	cases := []struct {
		name  string
		f     identity.MappingFilter
		want  []string
		total int
	}{
		{"default sort is score desc", identity.MappingFilter{}, []string{"g-zed", "j-alexey", "g-alexey", "j-maria", "c-bob", "j-new"}, 6},
		{"conflicts", identity.MappingFilter{Statuses: []identity.Status{identity.StatusConflict}}, []string{"j-maria", "c-bob"}, 2},
		{"several statuses", identity.MappingFilter{Statuses: []identity.Status{identity.StatusConflict, identity.StatusConfirmed}, Sort: identity.SortScore}, []string{"c-bob", "j-maria", "g-zed"}, 3},
		{"source", identity.MappingFilter{Source: identity.SourceGitLab, Sort: identity.SortDisplayName}, []string{"g-alexey", "g-zed"}, 2},
		{"score range", identity.MappingFilter{MinScore: f64(0.6), MaxScore: f64(0.8), Sort: identity.SortScore, Desc: true}, []string{"j-maria", "c-bob"}, 2},
		{"text on email", identity.MappingFilter{Query: "CORP.example", Sort: identity.SortDisplayName}, []string{"g-alexey", "c-bob", "g-zed"}, 3},
		{"text on username", identity.MappingFilter{Query: "asmir"}, []string{"g-alexey"}, 1},
		{"text with like metachar", identity.MappingFilter{Query: "%"}, nil, 0},
		{"unlinked", identity.MappingFilter{Unlinked: true}, []string{"j-new"}, 1},
		{"conflicts or unlinked", identity.MappingFilter{Statuses: []identity.Status{identity.StatusConflict}, Unlinked: true, Sort: identity.SortDisplayName}, []string{"c-bob", "j-maria", "j-new"}, 3},
		{"updated_at desc", identity.MappingFilter{Statuses: []identity.Status{identity.StatusConflict, identity.StatusConfirmed}, Sort: identity.SortUpdatedAt, Desc: true}, []string{"g-zed", "c-bob", "j-maria"}, 3},
		{"page 2", identity.MappingFilter{Sort: identity.SortDisplayName, PerPage: 2, Page: 2}, []string{"c-bob", "j-maria"}, 6},
		{"page past the end", identity.MappingFilter{PerPage: 5, Page: 3}, nil, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			p, err := b.Svc.List(ctx, tc.f)
			is.NoErr(err)
			is.Equal(names(p), tc.want)
			is.Equal(p.Total, tc.total)
		})
	}
	// Display-name sort puts the two Alexey identities first; ties break by id.
	p, err := b.Svc.List(ctx, identity.MappingFilter{Sort: identity.SortDisplayName, PerPage: 2})
	is.NoErr(err)
	is.Equal(len(p.Items), 2)
	is.Equal(p.Items[0].Identity.DisplayName, "Alexey Smirnov")
	is.True(p.Items[0].Link != nil && p.Items[0].Person != nil)
	is.Equal(p.Items[0].Person.DisplayName, "Alexey")
	// Person filter.
	p, err = b.Svc.List(ctx, identity.MappingFilter{PersonID: p.Items[0].Person.ID})
	is.NoErr(err)
	is.Equal(p.Total, 2)
}

func testListMappingsValidation(t *testing.T, open Opener) {
	b := Setup(t, open)
	ctx := context.Background()
	cases := []struct {
		name  string
		f     identity.MappingFilter
		field string
	}{
		{"bad status", identity.MappingFilter{Statuses: []identity.Status{"maybe"}}, "status"},
		{"bad source", identity.MappingFilter{Source: "svn"}, "source"},
		{"score above 1", identity.MappingFilter{MinScore: f64(1.5)}, "min_score"},
		{"min above max", identity.MappingFilter{MinScore: f64(0.8), MaxScore: f64(0.2)}, "min_score"},
		{"bad sort", identity.MappingFilter{Sort: "random"}, "sort"},
		{"negative page", identity.MappingFilter{Page: -1}, "page"},
		{"huge page size", identity.MappingFilter{PerPage: identity.MaxPerPage + 1}, "per_page"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, err := b.Svc.List(ctx, tc.f)
			is.True(errors.Is(err, identity.ErrInvalid))
			var ve *identity.ValidationError
			is.True(errors.As(err, &ve))
			is.True(ve.Fields[tc.field] != "")
		})
	}
}

func testEvents(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	p, ids := seedPerson(t, b, "Eve", identity.StatusConflict, 0.7, ident(identity.SourceJira, "e1", "", "", "Eve"))
	for i := range 3 {
		b.Clock.Advance(time.Second)
		is.NoErr(b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
			return tx.AppendEvents(ctx, identity.Event{OrgID: identity.DefaultOrg, Kind: identity.EventConfirm, IdentityID: ids[0].ID,
				ToPersonID: p.ID, Actor: "tester", Reason: fmt.Sprint("step ", i), Payload: json.RawMessage(`{"i":` + fmt.Sprint(i) + `}`), CreatedAt: b.Clock.Now()})
		}))
	}
	ev, err := b.DB.Identity().IdentityEvents(ctx, identity.DefaultOrg, ids[0].ID)
	is.NoErr(err)
	is.Equal(len(ev), 3)
	for i, e := range ev {
		is.Equal(e.Reason, fmt.Sprint("step ", i))
		var payload map[string]int
		is.NoErr(json.Unmarshal(e.Payload, &payload))
		is.Equal(payload["i"], i)
	}
	pe, err := b.DB.Identity().PersonEvents(ctx, identity.DefaultOrg, p.ID)
	is.NoErr(err)
	is.Equal(len(pe), 3)
}

// --- leases and pages ---

var issuesKey = connectors.StreamKey{OrgID: identity.DefaultOrg, Source: identity.SourceJira, Stream: connectors.StreamIssues}

func testLeases(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	rs := b.DB.Records()

	_, err := rs.Watermark(ctx, issuesKey)
	is.True(errors.Is(err, identity.ErrNotFound)) // never ran

	wm, err := rs.TakeLease(ctx, issuesKey, "replica-a", time.Minute)
	is.NoErr(err)
	is.Equal(wm.LeaseOwner, "replica-a")
	is.Equal(wm.Status, "running")
	is.Equal(*wm.LeaseExpiresAt, T0.Add(time.Minute))

	_, err = rs.TakeLease(ctx, issuesKey, "replica-b", time.Minute)
	is.True(errors.Is(err, connectors.ErrLeaseHeld))
	is.True(errors.Is(err, identity.ErrConflict))
	var held *connectors.LeaseHeldError
	is.True(errors.As(err, &held))
	is.Equal(held.Owner, "replica-a")

	_, err = rs.TakeLease(ctx, issuesKey, "replica-a", time.Minute) // re-entrant for its owner
	is.NoErr(err)

	b.Clock.Advance(30 * time.Second)
	is.NoErr(rs.RenewLease(ctx, issuesKey, "replica-a", time.Minute))
	wm, err = rs.Watermark(ctx, issuesKey)
	is.NoErr(err)
	is.Equal(*wm.LeaseExpiresAt, T0.Add(90*time.Second))
	is.True(errors.Is(rs.RenewLease(ctx, issuesKey, "replica-b", time.Minute), connectors.ErrLeaseLost))

	is.NoErr(rs.ReleaseLease(ctx, issuesKey, "replica-a", connectors.LeaseResult{}))
	wm, err = rs.Watermark(ctx, issuesKey)
	is.NoErr(err)
	is.Equal(wm.LeaseOwner, "")
	is.Equal(wm.Status, "ok")
	is.Equal(*wm.LastSuccessAt, T0.Add(30*time.Second))
	is.True(errors.Is(rs.ReleaseLease(ctx, issuesKey, "replica-a", connectors.LeaseResult{}), connectors.ErrLeaseLost))

	_, err = rs.TakeLease(ctx, issuesKey, "replica-b", time.Minute) // free now
	is.NoErr(err)
	is.NoErr(rs.ReleaseLease(ctx, issuesKey, "replica-b", connectors.LeaseResult{Err: "jira: search issues page 3: 500"}))
	wm, err = rs.Watermark(ctx, issuesKey)
	is.NoErr(err)
	is.Equal(wm.Status, "failed")
	is.Equal(wm.LastError, "jira: search issues page 3: 500")
	is.Equal(*wm.LastSuccessAt, T0.Add(30*time.Second)) // a failure keeps the last success

	_, err = rs.TakeLease(ctx, connectors.StreamKey{OrgID: "default", Source: "svn", Stream: "issues"}, "x", time.Minute)
	is.True(errors.Is(err, identity.ErrInvalid))
	_, err = rs.TakeLease(ctx, issuesKey, "", time.Minute)
	is.True(errors.Is(err, identity.ErrInvalid))

	all, err := rs.Watermarks(ctx, identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(len(all), 1)
}

func testLeaseTakeover(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	rs := b.DB.Records()
	_, err := rs.TakeLease(ctx, issuesKey, "dead-replica", time.Minute)
	is.NoErr(err)
	b.Clock.Advance(59 * time.Second)
	_, err = rs.TakeLease(ctx, issuesKey, "replica-b", time.Minute)
	is.True(errors.Is(err, connectors.ErrLeaseHeld)) // still live
	b.Clock.Advance(2 * time.Second)
	wm, err := rs.TakeLease(ctx, issuesKey, "replica-b", time.Minute)
	is.NoErr(err) // expired: taken over
	is.Equal(wm.LeaseOwner, "replica-b")
	// The dead holder wakes up: it can neither write nor renew nor release.
	_, err = rs.WritePage(ctx, issuesKey, "dead-replica", connectors.Page{Number: 1}, "2026-11-01T00:00:00Z")
	is.True(errors.Is(err, connectors.ErrLeaseLost))
	is.True(errors.Is(rs.RenewLease(ctx, issuesKey, "dead-replica", time.Minute), connectors.ErrLeaseLost))
	is.True(errors.Is(rs.ReleaseLease(ctx, issuesKey, "dead-replica", connectors.LeaseResult{}), connectors.ErrLeaseLost))
}

func testLeaseConcurrent(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	rs := b.DB.Records()
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = rs.TakeLease(ctx, issuesKey, fmt.Sprintf("replica-%d", i), time.Minute)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, connectors.ErrLeaseHeld):
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	is.Equal(won, 1)
}

func ptime(t time.Time) *time.Time { return &t }

// samplePage is a small page with one of everything.
func samplePage(n int, updated time.Time) connectors.Page {
	jira, gitlab := identity.SourceJira, identity.SourceGitLab
	return connectors.Page{
		Number:     n,
		Identities: []identity.Identity{{Source: jira, ExternalID: "acc-1", DisplayName: "Alexey Smirnov"}},
		Issues: []connectors.Issue{
			{Source: jira, ExternalID: "10001", Key: "OV-1", ProjectKey: "OV", Type: "Bug", Status: "Done", StatusCategory: connectors.CategoryDone,
				Labels: []string{"backend"}, AssigneeID: "acc-1", CreatedAt: T0.Add(-72 * time.Hour), UpdatedAt: updated,
				ResolvedAt: ptime(updated), StoryPoints: f64(3), SprintID: "7", BlockedBy: []string{"OV-2"}, URL: "https://x.atlassian.net/browse/OV-1"},
			{Source: jira, ExternalID: "10002", Key: "OV-2", ProjectKey: "OV", Type: "Story", Status: "In Progress", StatusCategory: connectors.CategoryInProgress,
				CreatedAt: T0.Add(-48 * time.Hour), UpdatedAt: updated.Add(-time.Minute)},
		},
		Transitions: []connectors.Transition{
			{Source: jira, IssueID: "10001", Seq: 0, Field: connectors.FieldStatus, From: "To Do", To: "In Progress", FromCategory: connectors.CategoryTodo, ToCategory: connectors.CategoryInProgress, At: T0.Add(-60 * time.Hour), AuthorID: "acc-1"},
			{Source: jira, IssueID: "10001", Seq: 1, Field: connectors.FieldStatus, From: "In Progress", To: "Done", FromCategory: connectors.CategoryInProgress, ToCategory: connectors.CategoryDone, At: updated},
			{Source: jira, IssueID: "10001", Seq: 2, Field: connectors.FieldSprint, From: "", To: "7", At: T0.Add(-70 * time.Hour)},
		},
		Sprints:       []connectors.Sprint{{Source: jira, ExternalID: "7", BoardID: "1", Name: "OV Sprint 7", State: "closed", StartAt: ptime(T0.Add(-14 * 24 * time.Hour)), CompleteAt: ptime(T0)}},
		Projects:      []connectors.Project{{Source: gitlab, ExternalID: "42", PathWithNamespace: "corp/ovia", DefaultBranch: "main"}},
		MergeRequests: []connectors.MergeRequest{{Source: gitlab, ExternalID: "9001", ProjectID: "42", IID: 5, Title: "Fix", State: "merged", Labels: []string{"bug"}, CreatedAt: T0.Add(-5 * time.Hour), UpdatedAt: updated, MergedAt: ptime(updated)}},
		Pipelines:     []connectors.Pipeline{{Source: gitlab, ExternalID: "777", ProjectID: "42", Ref: "main", Status: "failed", CreatedAt: T0, UpdatedAt: updated, FinishedAt: ptime(updated), DurationSeconds: f64(61.5)}},
		Deployments:   []connectors.Deployment{{Source: gitlab, ExternalID: "55", ProjectID: "42", Environment: "production", EnvironmentTier: "production", Status: "success", CreatedAt: T0, UpdatedAt: updated, FinishedAt: ptime(updated), MergeRequestIDs: []string{"9001"}}},
		Raw: []connectors.RawPayload{
			{Source: jira, Kind: "issue", ExternalID: "10001", Payload: []byte(`{"id":"10001","key":"OV-1"}`), SHA256: "h1", FetchedAt: updated},
			{Source: jira, Kind: "issue", ExternalID: "10002", Payload: []byte(`{"id":"10002","key":"OV-2"}`), SHA256: "h2", FetchedAt: updated},
		},
		MaxUpdated: updated,
	}
}

func testWritePage(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	rs := b.DB.Records()
	_, err := rs.TakeLease(ctx, issuesKey, "me", time.Hour)
	is.NoErr(err)
	p := samplePage(1, T0.Add(-time.Hour))
	st, err := rs.WritePage(ctx, issuesKey, "me", p, "c1")
	is.NoErr(err)
	is.Equal(st.RawWritten, 2)
	is.Equal(st.Items, p.Items())
	first, err := b.DB.LoadRecords(ctx, identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(len(first.Issues), 2)
	is.Equal(len(first.Transitions), 3)
	is.Equal(first.Issues[0].Labels, []string{"backend"})
	is.Equal(*first.Issues[0].StoryPoints, 3.0)
	is.Equal(first.Issues[0].BlockedBy, []string{"OV-2"})
	is.Equal(first.Deployments[0].MergeRequestIDs, []string{"9001"})
	is.Equal(*first.Pipelines[0].DurationSeconds, 61.5)
	is.Equal(first.Sprints[0].CompleteAt.Equal(T0), true)

	// The same page again (a resumed sync): identical rows, raw not rewritten.
	b.Clock.Advance(time.Minute)
	st, err = rs.WritePage(ctx, issuesKey, "me", p, "c2")
	is.NoErr(err)
	is.Equal(st.RawWritten, 0)
	is.Equal(st.RawUnchanged, 2)
	second, err := b.DB.LoadRecords(ctx, identity.DefaultOrg)
	is.NoErr(err)
	second.Identities[0].LastSeenAt = first.Identities[0].LastSeenAt // the one field a re-read moves
	is.Equal(second, first)

	// A changed issue with a shorter changelog replaces the old transitions.
	p2 := samplePage(2, T0)
	p2.Issues = p2.Issues[:1]
	p2.Issues[0].Status = "Reopened"
	p2.Transitions = p2.Transitions[:1]
	p2.Raw = []connectors.RawPayload{{Source: identity.SourceJira, Kind: "issue", ExternalID: "10001", Payload: []byte(`{"id":"10001","v":2}`), SHA256: "h1b", FetchedAt: T0}}
	st, err = rs.WritePage(ctx, issuesKey, "me", p2, "c3")
	is.NoErr(err)
	is.Equal(st.RawWritten, 1)
	third, err := b.DB.LoadRecords(ctx, identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(third.Issues[0].Status, "Reopened")
	is.Equal(len(third.Transitions), 1)
	raw, err := b.DB.RawPayload(ctx, identity.DefaultOrg, identity.SourceJira, "issue", "10001")
	is.NoErr(err)
	is.Equal(string(raw.Payload), `{"id":"10001","v":2}`)
	n, err := b.DB.CountRows(ctx, "raw_payloads", identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(n, 2) // one row per entity, never per sync

	wm, err := rs.Watermark(ctx, issuesKey)
	is.NoErr(err)
	is.Equal(wm.Cursor, "c3")
	is.Equal(wm.ItemsSynced, int64(2*p.Items()+p2.Items()))

	// Duplicates inside one page are folded (last wins).
	p3 := samplePage(3, T0)
	p3.Issues = append(p3.Issues, p3.Issues[0])
	p3.Issues[2].Summary = "dup wins"
	_, err = rs.WritePage(ctx, issuesKey, "me", p3, "c4")
	is.NoErr(err)
	fourth, err := b.DB.LoadRecords(ctx, identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(len(fourth.Issues), 2)
	is.Equal(fourth.Issues[0].Summary, "dup wins")
}

func testWritePageNoLease(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	_, err := b.DB.Records().WritePage(ctx, issuesKey, "me", samplePage(1, T0), "c1")
	is.True(errors.Is(err, identity.ErrNotFound) || errors.Is(err, connectors.ErrLeaseLost))
	n, err := b.DB.CountRows(ctx, "issues", identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(n, 0)
}

// testListMappingsUnicodeSearch: the queue's text search ignores case in
// every script, not only ASCII (SQLite's own lower() and LIKE fold ASCII
// only), and sorting by name follows the same folding.
func testListMappingsUnicodeSearch(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	seedPerson(t, b, "Алексей", identity.StatusConflict, 0.7, ident(identity.SourceJira, "j-smirnov", "", "", "Алексей Смирнов"))
	seedPerson(t, b, "Ёлка", identity.StatusConflict, 0.7, ident(identity.SourceJira, "j-yozh", "", "", "ёлка Ёжикова"))
	seedPerson(t, b, "Émile", identity.StatusConflict, 0.7, ident(identity.SourceGitLab, "g-emile", "ÉMILE.Z", "", "Émile Zola"))
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"смирнов", []string{"j-smirnov"}},
		{"СМИРНОВ", []string{"j-smirnov"}},
		{"алексей с", []string{"j-smirnov"}},
		{"ЁЖ", []string{"j-yozh"}},
		{"émile", []string{"g-emile"}},
		{"émile.z", []string{"g-emile"}}, // username, folded too
		{"смирнова", nil},
	} {
		p, err := b.Svc.List(ctx, identity.MappingFilter{Query: tc.q, Sort: identity.SortDisplayName})
		is.NoErr(err)
		var got []string
		for _, m := range p.Items {
			got = append(got, m.Identity.ExternalID)
		}
		is.Equal(got, tc.want) // query tc.q
	}
	p, err := b.Svc.List(ctx, identity.MappingFilter{Sort: identity.SortDisplayName})
	is.NoErr(err)
	var order []string
	for _, m := range p.Items {
		order = append(order, m.Identity.ExternalID)
	}
	// "émile zola" < "алексей смирнов" < "ёлка ёжикова" once lower-cased
	// (é U+00E9 < а U+0430 < ё U+0451): "ёлка" sorts with its capital.
	is.Equal(order, []string{"g-emile", "j-smirnov", "j-yozh"})
}
