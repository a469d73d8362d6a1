package matching

import (
	"context"
	"testing"

	"github.com/ovia-hq/ovia/identity"
)

// TestCountValuesCollision: entries that share a hash but carry different
// values (a collision) are counted apart, each in index order.
func TestCountValuesCollision(t *testing.T) {
	profs := []profile{{email: normalizedEmail{full: "a@x.org"}}, {email: normalizedEmail{full: "b@x.org"}}, {email: normalizedEmail{full: "a@x.org"}}}
	const h = 42 // the same hash for both addresses
	var ents []blockEnt
	for i := range int32(len(profs)) {
		ents = append(ents, blockEnt{h, i<<valueBits + valueEmail})
	}
	v := countValues(profs, [][]blockEnt{ents})
	for i, want := range []int32{2, 1, 2} {
		if profs[i].emailCnt != want {
			t.Errorf("profile %d (%s): emailCnt %d, want %d", i, profs[i].email.full, profs[i].emailCnt, want)
		}
	}
	if len(v.keys) != 2 {
		t.Fatalf("%d values recorded, want 2", len(v.keys))
	}
}

// TestFillCountsMatchesIndex: the counts a probe looks up (Index.Match)
// are those the index stored on its own profiles, shared mailboxes
// included.
func TestFillCountsMatchesIndex(t *testing.T) {
	J, G := identity.SourceJira, identity.SourceGitLab
	id := func(i string, src identity.Source, name, user, email string) identity.Identity {
		return identity.Identity{ID: i, Source: src, ExternalID: i, DisplayName: name, Username: user, Email: email}
	}
	var st identity.MatchState
	for _, x := range []identity.Identity{
		id("1", J, "Alex Smith", "", "alex.smith@acme.com"),
		id("2", G, "Alex Smith", "asmith", "alex.smith@acme.com"),
		id("3", G, "Alex Smith", "alexsmith", "asmith@acme.com"),
		id("4", J, "Team Builds", "", "team@acme.com"),
		id("5", J, "Dana Grey", "", "team@acme.com"),
	} {
		st.Mappings = append(st.Mappings, identity.Mapping{Identity: x})
	}
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	x, err := e.NewIndex(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x.profs {
		stored := x.profs[i]
		p := e.newProfile(identity.Identity{ID: stored.id.ID, Source: stored.id.Source, ExternalID: stored.id.ID,
			DisplayName: stored.id.DisplayName, Username: stored.id.Username, Email: stored.id.Email})
		x.fillCounts(&p, 0)
		if p.emailCnt != stored.emailCnt || p.userCnt != stored.userCnt || p.localCnt != stored.localCnt ||
			p.nameCnt != stored.nameCnt || p.sharedMailbox != stored.sharedMailbox {
			t.Errorf("%s: probe counts e%d u%d l%d n%d shared=%v, index e%d u%d l%d n%d shared=%v", stored.id.ID,
				p.emailCnt, p.userCnt, p.localCnt, p.nameCnt, p.sharedMailbox,
				stored.emailCnt, stored.userCnt, stored.localCnt, stored.nameCnt, stored.sharedMailbox)
		}
	}
	// the values themselves: alex.smith@ twice, asmith as a username and
	// an email local part, "Alex Smith" three times, team@ shared
	byID := map[string]profile{}
	for _, p := range x.profs {
		byID[p.id.ID] = p
	}
	if p := byID["1"]; p.emailCnt != 2 || p.nameCnt != 3 {
		t.Errorf("1: emailCnt %d nameCnt %d, want 2 and 3", p.emailCnt, p.nameCnt)
	}
	if p := byID["2"]; p.userCnt != 2 {
		t.Errorf("2: userCnt %d, want 2 (asmith is also 3's email local part)", p.userCnt)
	}
	if !byID["4"].sharedMailbox || !byID["5"].sharedMailbox {
		t.Error("team@ carried by two different names is a shared mailbox")
	}
}
