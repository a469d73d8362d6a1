package matching_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/matching"
)

// Resolve a handful of accounts: two share an email (linked
// automatically), an emailless Jira account in Cyrillic matches by name
// only (queued as a conflict), and a CI bot stays on its own.
func Example() {
	eng, err := matching.New(matching.DefaultConfig())
	if err != nil {
		panic(err)
	}
	ids := []identity.Identity{
		{ID: "id-1", Source: identity.SourceGitLab, ExternalID: "101", Username: "asmirnov", DisplayName: "Alexey Smirnov", Email: "a.smirnov@acme.com"},
		{ID: "id-2", Source: identity.SourceConfluence, ExternalID: "c-7", DisplayName: "Aleksei Smirnov", Email: "A.Smirnov@acme.com "},
		{ID: "id-3", Source: identity.SourceJira, ExternalID: "5b10ac", DisplayName: "Алексей Смирнов"},
		{ID: "id-4", Source: identity.SourceGitLab, ExternalID: "102", Username: "gitlab-ci", DisplayName: "GitLab CI"},
	}
	var state identity.MatchState
	for _, id := range ids {
		state.Mappings = append(state.Mappings, identity.Mapping{Identity: id})
	}
	res, err := eng.Resolve(context.Background(), state)
	if err != nil {
		panic(err)
	}
	for _, d := range res.Decisions {
		var tr matching.Trace
		_ = json.Unmarshal(d.Trace, &tr)
		fmt.Printf("%s → person %s, %s, score %.3f (%s)\n", d.IdentityID, d.NewPersonKey, d.Status, d.Score, tr.Decision)
	}
	fmt.Printf("%+v\n", res.Stats)
	// Output:
	// id-1 → person id-1, auto, score 1.000 (auto)
	// id-2 → person id-1, auto, score 1.000 (auto)
	// id-3 → person id-1, conflict, score 0.889 (conflict)
	// id-4 → person id-4, auto, score 0.000 (own)
	// {Identities:4 Pending:4 CandidatePairs:3 Auto:2 Conflict:1 Own:1}
}

// Match one new account incrementally against people already resolved.
func ExampleIndex_Match() {
	eng, _ := matching.New(matching.DefaultConfig())
	state := identity.MatchState{Mappings: []identity.Mapping{{
		Identity: identity.Identity{ID: "id-1", Source: identity.SourceGitLab, ExternalID: "101", Username: "kate.b", DisplayName: "Katherine Brown", Email: "kate.brown@acme.com"},
		Link:     &identity.Link{IdentityID: "id-1", PersonID: "person-kate", Status: identity.StatusConfirmed},
	}}}
	idx, _ := eng.NewIndex(context.Background(), state)
	d, _ := idx.Match(identity.Identity{ID: "id-9", Source: identity.SourceJira, ExternalID: "5b10", DisplayName: "Kate Brown", Email: "Kate.Brown@acme.com"})
	fmt.Println(d.PersonID, d.Status)
	// Output: person-kate auto
}
