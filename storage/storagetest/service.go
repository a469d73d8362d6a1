package storagetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/identity"
)

func actor(name string) identity.Actor {
	return identity.Actor{OrgID: identity.DefaultOrg, Name: name, Reason: "test"}
}

func link(t testing.TB, b Bundle, identityID string) identity.Link {
	t.Helper()
	var l identity.Link
	err := b.DB.Identity().InTx(context.Background(), func(ctx context.Context, tx identity.Tx) error {
		var err error
		l, err = tx.GetLink(ctx, identity.DefaultOrg, identityID)
		return err
	})
	if err != nil {
		t.Fatalf("get link: %v", err)
	}
	return l
}

func eventKinds(t testing.TB, b Bundle, identityID string) []identity.EventKind {
	t.Helper()
	ev, err := b.DB.Identity().IdentityEvents(context.Background(), identity.DefaultOrg, identityID)
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	var out []identity.EventKind
	for _, e := range ev {
		out = append(out, e.Kind)
	}
	return out
}

func testConfirm(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	p, ids := seedPerson(t, b, "Maria", identity.StatusConflict, 0.74,
		ident(identity.SourceJira, "j-maria", "", "", "Maria Ivanova"),
		ident(identity.SourceGitLab, "g-maria", "mivanova", "m.ivanova@corp.example", "Мария Иванова"))

	// A stale version is refused and writes nothing.
	_, err := b.Svc.Confirm(ctx, identity.ConfirmRequest{Actor: actor("alice"), IdentityIDs: []string{ids[0].ID}, Version: 7})
	is.True(errors.Is(err, identity.ErrConflict))
	is.Equal(link(t, b, ids[0].ID).Status, identity.StatusConflict)

	b.Clock.Advance(time.Minute)
	n, err := b.Svc.Confirm(ctx, identity.ConfirmRequest{Actor: actor("alice"), IdentityIDs: []string{ids[0].ID}, Version: 1})
	is.NoErr(err)
	is.Equal(n, 1)
	l := link(t, b, ids[0].ID)
	is.Equal(l.Status, identity.StatusConfirmed)
	is.Equal(l.PersonID, p.ID)
	is.Equal(l.DecidedBy, "alice")
	is.Equal(l.Version, int64(2))
	is.Equal(*l.DecidedAt, T0.Add(time.Minute))

	// Idempotent: confirming again (with the other one) changes only the other.
	n, err = b.Svc.Confirm(ctx, identity.ConfirmRequest{Actor: actor("alice"), IdentityIDs: []string{ids[0].ID, ids[1].ID, ids[1].ID}})
	is.NoErr(err)
	is.Equal(n, 1)
	is.Equal(eventKinds(t, b, ids[0].ID), []identity.EventKind{identity.EventConfirm})
	is.Equal(eventKinds(t, b, ids[1].ID), []identity.EventKind{identity.EventConfirm})
	ev, err := b.DB.Identity().IdentityEvents(ctx, identity.DefaultOrg, ids[0].ID)
	is.NoErr(err)
	is.Equal(ev[0].Actor, "alice")
	is.Equal(ev[0].Reason, "test")
	is.True(strings.Contains(string(ev[0].Payload), `"before"`) && strings.Contains(string(ev[0].Payload), `"confirmed"`))

	// Unknown identity: not found, and the whole batch is refused.
	_, err = b.Svc.Confirm(ctx, identity.ConfirmRequest{Actor: actor("alice"), IdentityIDs: []string{"nope"}})
	is.True(errors.Is(err, identity.ErrNotFound))
}

func testBulkConfirm(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	_, hi := seedPerson(t, b, "Hi", identity.StatusConflict, 0.85, ident(identity.SourceJira, "hi", "", "", "Hi"))
	_, hiGitlab := seedPerson(t, b, "HiG", identity.StatusConflict, 0.88, ident(identity.SourceGitLab, "hig", "hig", "", "Hi G"))
	_, lo := seedPerson(t, b, "Lo", identity.StatusConflict, 0.61, ident(identity.SourceJira, "lo", "", "", "Lo"))
	_, auto := seedPerson(t, b, "Auto", identity.StatusAuto, 0.99, ident(identity.SourceJira, "auto", "", "", "Auto"))

	n, err := b.Svc.BulkConfirm(ctx, identity.BulkConfirmRequest{Actor: actor("lead"), MinScore: 0.8, Source: identity.SourceJira})
	is.NoErr(err)
	is.Equal(n, 1) // only the jira conflict ≥ 0.8
	is.Equal(link(t, b, hi[0].ID).Status, identity.StatusConfirmed)
	is.Equal(link(t, b, hiGitlab[0].ID).Status, identity.StatusConflict)
	n, err = b.Svc.BulkConfirm(ctx, identity.BulkConfirmRequest{Actor: actor("lead"), MinScore: 0.8})
	is.NoErr(err)
	is.Equal(n, 1)
	is.Equal(link(t, b, lo[0].ID).Status, identity.StatusConflict) // below threshold
	is.Equal(link(t, b, auto[0].ID).Status, identity.StatusAuto)   // not a conflict
	is.Equal(eventKinds(t, b, hi[0].ID), []identity.EventKind{identity.EventBulkConfirm})
	is.Equal(eventKinds(t, b, hiGitlab[0].ID), []identity.EventKind{identity.EventBulkConfirm})
	is.Equal(len(eventKinds(t, b, lo[0].ID)), 0)
	n, err = b.Svc.BulkConfirm(ctx, identity.BulkConfirmRequest{Actor: actor("lead"), MinScore: 0.8})
	is.NoErr(err)
	is.Equal(n, 0) // nothing left: idempotent
}

func testRemap(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	lonely, lids := seedPerson(t, b, "Lonely", identity.StatusAuto, 0.95, ident(identity.SourceJira, "j-x", "", "", "Alex S."))
	target, _ := seedPerson(t, b, "Alex", identity.StatusAuto, 0.99, ident(identity.SourceGitLab, "g-x", "asmith", "alex@corp.example", "Alex Smith"))
	b.Clock.Advance(time.Minute)
	l, err := b.Svc.Remap(ctx, identity.RemapRequest{Actor: actor("alice"), IdentityID: lids[0].ID, PersonID: target.ID, Version: 1})
	is.NoErr(err)
	is.Equal(l.PersonID, target.ID)
	is.Equal(l.Status, identity.StatusConfirmed)
	is.Equal(l.Version, int64(2))
	p, err := b.DB.Identity().GetPerson(ctx, identity.DefaultOrg, lonely.ID)
	is.NoErr(err) // archived, not deleted
	is.True(p.ArchivedAt != nil)
	is.Equal(*p.ArchivedAt, T0.Add(time.Minute))
	d, err := b.Svc.Person(ctx, identity.DefaultOrg, target.ID)
	is.NoErr(err)
	is.Equal(len(d.Identities), 2)
	is.Equal(len(d.Events), 1)
	is.Equal(d.Events[0].Kind, identity.EventRemap)
	is.Equal(d.Events[0].FromPersonID, lonely.ID)

	_, err = b.Svc.Remap(ctx, identity.RemapRequest{Actor: actor("alice"), IdentityID: lids[0].ID, PersonID: "no-such-person", Version: 2})
	is.True(errors.Is(err, identity.ErrNotFound))
	_, err = b.Svc.Remap(ctx, identity.RemapRequest{Actor: actor("alice"), IdentityID: "no-such-identity", PersonID: target.ID, Version: 1})
	is.True(errors.Is(err, identity.ErrNotFound))
	_, err = b.Svc.Remap(ctx, identity.RemapRequest{Actor: actor("alice"), IdentityID: lids[0].ID, PersonID: lonely.ID, Version: 1})
	is.True(errors.Is(err, identity.ErrConflict)) // stale

	// Remapping back revives the archived person.
	_, err = b.Svc.Remap(ctx, identity.RemapRequest{Actor: actor("alice"), IdentityID: lids[0].ID, PersonID: lonely.ID, Version: 2})
	is.NoErr(err)
	p, err = b.DB.Identity().GetPerson(ctx, identity.DefaultOrg, lonely.ID)
	is.NoErr(err)
	is.True(p.ArchivedAt == nil)
}

func testConcurrentRemap(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	_, ids := seedPerson(t, b, "Src", identity.StatusConflict, 0.7,
		ident(identity.SourceJira, "j-c", "", "", "Casey"), ident(identity.SourceJira, "j-c2", "", "", "Casey 2"))
	p1, _ := seedPerson(t, b, "P1", identity.StatusAuto, 1, ident(identity.SourceGitLab, "g-1", "c1", "", "Casey One"))
	p2, _ := seedPerson(t, b, "P2", identity.StatusAuto, 1, ident(identity.SourceGitLab, "g-2", "c2", "", "Casey Two"))
	for round := range 5 {
		version := link(t, b, ids[0].ID).Version
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, target := range []string{p1.ID, p2.ID} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = b.Svc.Remap(ctx, identity.RemapRequest{Actor: actor("racer"), IdentityID: ids[0].ID, PersonID: target, Version: version})
			}()
		}
		wg.Wait()
		ok, conflicts := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, identity.ErrConflict):
				conflicts++
			default:
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		is.Equal(ok, 1)
		is.Equal(conflicts, 1)
		is.Equal(len(eventKinds(t, b, ids[0].ID)), round+1) // exactly one event per round
		is.Equal(link(t, b, ids[0].ID).Version, version+1)
	}
}

func testSplit(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	p, ids := seedPerson(t, b, "Merged", identity.StatusAuto, 0.93,
		ident(identity.SourceJira, "j-a", "", "", "Alex Smith"),
		ident(identity.SourceGitLab, "g-a", "asmith", "alex.smith@corp.example", "Alex Smith"),
		ident(identity.SourceGitLab, "g-b", "alexsmith2", "alex.smith@other.example", "Alex Smith"))

	_, err := b.Svc.Split(ctx, identity.SplitRequest{Actor: actor("alice"), IdentityIDs: []string{ids[0].ID, ids[1].ID, ids[2].ID}})
	is.True(errors.Is(err, identity.ErrConflict)) // all of them: a no-op, refused
	is.Equal(link(t, b, ids[0].ID).PersonID, p.ID)

	np, err := b.Svc.Split(ctx, identity.SplitRequest{Actor: actor("alice"), IdentityIDs: []string{ids[2].ID}})
	is.NoErr(err)
	is.Equal(np.DisplayName, "Alex Smith")
	is.Equal(np.PrimaryEmail, "alex.smith@other.example")
	l := link(t, b, ids[2].ID)
	is.Equal(l.PersonID, np.ID)
	is.Equal(l.Status, identity.StatusConfirmed)
	is.Equal(eventKinds(t, b, ids[2].ID), []identity.EventKind{identity.EventSplit})
	old, err := b.DB.Identity().GetPerson(ctx, identity.DefaultOrg, p.ID)
	is.NoErr(err)
	is.True(old.ArchivedAt == nil) // still has two identities

	_, err = b.Svc.Split(ctx, identity.SplitRequest{Actor: actor("alice"), IdentityIDs: []string{ids[0].ID, ids[2].ID}})
	is.True(errors.Is(err, identity.ErrInvalid)) // different persons
}

func testReject(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	p, ids := seedPerson(t, b, "Alex Smith", identity.StatusConflict, 0.71,
		ident(identity.SourceGitLab, "g-1", "asmith", "alex@corp.example", "Alex Smith"),
		ident(identity.SourceJira, "j-2", "", "", "Alex Smith"))
	np, err := b.Svc.Reject(ctx, identity.RejectRequest{Actor: actor("alice"), IdentityID: ids[1].ID, Version: 1})
	is.NoErr(err)
	l := link(t, b, ids[1].ID)
	is.Equal(l.Status, identity.StatusRejected)
	is.Equal(l.PersonID, np.ID)
	st, err := b.DB.Identity().LoadMatchState(ctx, identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(len(st.Rejected), 1)
	is.Equal(st.Rejected[0].IdentityID, ids[1].ID)
	is.Equal(st.Rejected[0].PersonID, p.ID)
	for _, m := range st.Mappings {
		is.True(!m.Pending()) // a rejected link is a human decision: never re-decided
	}
	_, err = b.Svc.Reject(ctx, identity.RejectRequest{Actor: actor("alice"), IdentityID: ids[1].ID, Version: 2})
	is.True(errors.Is(err, identity.ErrConflict)) // already rejected
	is.Equal(eventKinds(t, b, ids[1].ID), []identity.EventKind{identity.EventReject})
}

func testServiceValidation(t *testing.T, open Opener) {
	b := Setup(t, open)
	ctx := context.Background()
	long := strings.Repeat("x", identity.MaxReasonLen+1)
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"confirm without ids", func() error {
			_, err := b.Svc.Confirm(ctx, identity.ConfirmRequest{Actor: actor("a")})
			return err
		}, "identity_ids"},
		{"confirm version with many ids", func() error {
			_, err := b.Svc.Confirm(ctx, identity.ConfirmRequest{Actor: actor("a"), IdentityIDs: []string{"a", "b"}, Version: 3})
			return err
		}, "version"},
		{"confirm without actor", func() error {
			_, err := b.Svc.Confirm(ctx, identity.ConfirmRequest{IdentityIDs: []string{"a"}})
			return err
		}, "actor"},
		{"bulk confirm NaN", func() error {
			_, err := b.Svc.BulkConfirm(ctx, identity.BulkConfirmRequest{Actor: actor("a"), MinScore: nan()})
			return err
		}, "min_score"},
		{"bulk confirm bad source", func() error {
			_, err := b.Svc.BulkConfirm(ctx, identity.BulkConfirmRequest{Actor: actor("a"), MinScore: 0.5, Source: "svn"})
			return err
		}, "source"},
		{"remap without version", func() error {
			_, err := b.Svc.Remap(ctx, identity.RemapRequest{Actor: actor("a"), IdentityID: "i", PersonID: "p"})
			return err
		}, "version"},
		{"remap reason too long", func() error {
			_, err := b.Svc.Remap(ctx, identity.RemapRequest{Actor: identity.Actor{Name: "a", Reason: long}, IdentityID: "i", PersonID: "p", Version: 1})
			return err
		}, "reason"},
		{"split empty id", func() error {
			_, err := b.Svc.Split(ctx, identity.SplitRequest{Actor: actor("a"), IdentityIDs: []string{" "}})
			return err
		}, "identity_ids"},
		{"reject without identity", func() error {
			_, err := b.Svc.Reject(ctx, identity.RejectRequest{Actor: actor("a"), Version: 1})
			return err
		}, "identity_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			err := tc.call()
			is.True(errors.Is(err, identity.ErrInvalid))
			var ve *identity.ValidationError
			is.True(errors.As(err, &ve))
			is.True(ve.Fields[tc.field] != "")
		})
	}
}

func testApplyDecisions(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	existing, eids := seedPerson(t, b, "Alexey", identity.StatusAuto, 1, ident(identity.SourceGitLab, "g-alexey", "asmirnov", "a.smirnov@corp.example", "Alexey Smirnov"))
	_, hids := seedPerson(t, b, "Human", identity.StatusConfirmed, 1, ident(identity.SourceJira, "j-human", "", "", "Human"))
	is.NoErr(b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		_, err := tx.UpsertIdentities(ctx, []identity.Identity{
			ident(identity.SourceJira, "j-alexey", "", "", "Алексей Смирнов"),
			ident(identity.SourceJira, "j-new1", "", "", "Nina Petrova"),
			ident(identity.SourceConfluence, "c-new1", "", "", "Nina Petrova"),
			ident(identity.SourceJira, "j-maybe", "", "", "A. Smirnov"),
		})
		return err
	}))
	st, err := b.DB.Identity().LoadMatchState(ctx, identity.DefaultOrg)
	is.NoErr(err)
	idOf := map[string]string{}
	for _, m := range st.Mappings {
		idOf[m.Identity.ExternalID] = m.Identity.ID
	}
	ds := []identity.Decision{
		{IdentityID: idOf["j-alexey"], PersonID: existing.ID, Status: identity.StatusAuto, Score: 0.96},
		{IdentityID: idOf["j-new1"], NewPersonKey: "nina", Status: identity.StatusAuto, Score: 0.93},
		{IdentityID: idOf["c-new1"], NewPersonKey: "nina", Status: identity.StatusAuto, Score: 0.93},
		{IdentityID: idOf["j-maybe"], PersonID: existing.ID, Status: identity.StatusConflict, Score: 0.7, CandidatePersonIDs: []string{existing.ID}},
		{IdentityID: hids[0].ID, NewPersonKey: "human-override", Status: identity.StatusAuto, Score: 0.1},
	}
	stats, err := b.Svc.ApplyDecisions(ctx, identity.DefaultOrg, st, ds)
	is.NoErr(err)
	is.Equal(stats.Linked, 3)
	is.Equal(stats.Conflicts, 1)
	is.Equal(stats.KeptHuman, 1)
	is.Equal(stats.NewPeople, 2) // nina, and one for the refused human override (unused person is harmless)
	is.Equal(link(t, b, idOf["j-new1"]).PersonID, link(t, b, idOf["c-new1"]).PersonID)
	is.Equal(link(t, b, idOf["j-maybe"]).Status, identity.StatusConflict)
	is.Equal(link(t, b, hids[0].ID).Status, identity.StatusConfirmed) // never overridden
	is.Equal(eventKinds(t, b, idOf["j-maybe"]), []identity.EventKind{identity.EventConflictOpened})
	is.Equal(link(t, b, eids[0].ID).PersonID, existing.ID)

	// Re-applying the same verdicts changes nothing but matched_at.
	st2, err := b.DB.Identity().LoadMatchState(ctx, identity.DefaultOrg)
	is.NoErr(err)
	stats, err = b.Svc.ApplyDecisions(ctx, identity.DefaultOrg, st2, ds[:1])
	is.NoErr(err)
	is.Equal(stats.Unchanged, 1)
	is.Equal(len(eventKinds(t, b, idOf["j-alexey"])), 1)

	// Bad decisions are refused before anything is written.
	_, err = b.Svc.ApplyDecisions(ctx, identity.DefaultOrg, st2, []identity.Decision{{IdentityID: idOf["j-alexey"], Status: identity.StatusAuto}})
	is.True(errors.Is(err, identity.ErrInvalid))
	_, err = b.Svc.ApplyDecisions(ctx, identity.DefaultOrg, st2, []identity.Decision{{IdentityID: idOf["j-alexey"], PersonID: existing.ID, Status: identity.StatusConfirmed, Score: 1}})
	is.True(errors.Is(err, identity.ErrInvalid))
}

func testImport(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	good := "source,external_id,username,email,display_name,is_service_account\n" +
		"jira,acc-1,,,Alexey Smirnov,false\n" +
		"gitlab,17,asmirnov,a.smirnov@corp.example,Alexey Smirnov,\n" +
		"gitlab,99,release-bot,,Release Bot,true\n"
	ids, err := identity.ParseCSV(strings.NewReader(good))
	is.NoErr(err)
	st, err := b.Svc.Import(ctx, identity.DefaultOrg, ids)
	is.NoErr(err)
	is.Equal(st.Rows, 3)
	var out strings.Builder
	n, err := b.Svc.Export(ctx, identity.DefaultOrg, &out)
	is.NoErr(err)
	is.Equal(n, 3)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	is.Equal(lines[0], "source,external_id,username,email,display_name,is_service_account,person_id,status,score")
	is.Equal(lines[1], "gitlab,17,asmirnov,a.smirnov@corp.example,Alexey Smirnov,false,,unresolved,")
	is.Equal(lines[2], "gitlab,99,release-bot,,Release Bot,true,,unresolved,")
	// Importing the export again is accepted (extra columns are known) and idempotent.
	ids, err = identity.ParseCSV(strings.NewReader(out.String()))
	is.NoErr(err)
	_, err = b.Svc.Import(ctx, identity.DefaultOrg, ids)
	is.NoErr(err)
	c, err := b.DB.CountRows(ctx, "identities", identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(c, 3)
}

func nan() float64 {
	var zero float64
	return zero / zero
}

// testLoadMatchState: every identity of the org in ID order, with what
// matching and ApplyDecisions read of its link (nil when unresolved), the
// rejected pairs; not the links' traces and candidates, nor other orgs.
func testLoadMatchState(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	p, linked := seedPerson(t, b, "Maria", identity.StatusConflict, 0.74,
		ident(identity.SourceJira, "j-maria", "", "", "Maria Ivanova"),
		ident(identity.SourceGitLab, "g-maria", "mivanova", "m.ivanova@corp.example", "Мария Иванова"))
	var loose []identity.Identity
	is.NoErr(b.DB.Identity().InTx(ctx, func(ctx context.Context, tx identity.Tx) error {
		bot := ident(identity.SourceGitLab, "g-bot", "deploy-bot", "", "Deploy Bot")
		bot.IsServiceAccount = true
		other := ident(identity.SourceJira, "j-other", "", "", "Other Org")
		other.OrgID = "other-org"
		var err error
		loose, err = tx.UpsertIdentities(ctx, []identity.Identity{bot, other})
		return err
	}))
	_, err := b.Svc.Confirm(ctx, identity.ConfirmRequest{Actor: actor("alice"), IdentityIDs: []string{linked[1].ID}})
	is.NoErr(err)

	st, err := b.DB.Identity().LoadMatchState(ctx, identity.DefaultOrg)
	is.NoErr(err)
	is.Equal(len(st.Mappings), 3) // the other org's identity is not there
	for i := 1; i < len(st.Mappings); i++ {
		is.True(st.Mappings[i-1].Identity.ID < st.Mappings[i].Identity.ID)
	}
	byExt := map[string]identity.Mapping{}
	for _, m := range st.Mappings {
		is.Equal(m.Identity.OrgID, identity.DefaultOrg)
		is.True(m.Person == nil)
		byExt[m.Identity.ExternalID] = m
	}
	g := byExt["g-maria"]
	is.Equal(g.Identity.Username, "mivanova")
	is.Equal(g.Identity.Email, "m.ivanova@corp.example")
	is.Equal(g.Identity.DisplayName, "Мария Иванова")
	is.Equal(g.Identity.Source, identity.SourceGitLab)
	is.True(!g.Identity.ChangedAt.IsZero() && g.Identity.ChangedAt.Location() == time.UTC)
	is.True(g.Link != nil)
	is.Equal(g.Link.PersonID, p.ID)
	is.Equal(g.Link.Status, identity.StatusConfirmed)
	is.Equal(g.Link.Score, 0.74)
	is.Equal(g.Link.Version, int64(2))
	is.Equal(g.Link.DecidedBy, "alice")
	is.True(g.Link.DecidedAt != nil && g.Link.DecidedAt.Location() == time.UTC)
	is.True(!g.Link.MatchedAt.IsZero())
	is.True(g.Link.RuleTrace == nil) // traces stay in the database
	j := byExt["j-maria"]
	is.Equal(j.Link.Status, identity.StatusConflict)
	is.Equal(j.Link.Version, int64(1))
	is.True(j.Link.DecidedAt == nil)
	bot := byExt["g-bot"]
	is.Equal(bot.Identity.ID, loose[0].ID)
	is.True(bot.Identity.IsServiceAccount)
	is.True(bot.Link == nil)
	is.True(bot.Pending())
	is.True(!g.Pending())
}
