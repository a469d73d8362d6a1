package matching_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/matching"
)

// coOrg is a small org for the co_occurrence scenarios: 60 people with
// distinct names, all acting in the big scopes (team:big, conf:users),
// two of them also in team:core; and twelve GitLab accounts of twelve
// different Anna Kowalskas, each in a team of her own ("team:t01"...)
// except g05, who works in team:core. With 13 bearers the name is damped
// (≈4.7 bits), so a name-only account matches no Anna on its name alone.
type coOrg struct {
	ids      []identity.Identity
	activity map[string][]string
}

func newCoOrg() *coOrg {
	o := &coOrg{activity: map[string][]string{}}
	firsts := []string{"Ivo", "Marta", "Ruben", "Petra", "Jonas", "Greta", "Milan", "Ada", "Oskar", "Lina"}
	lasts := []string{"Abel", "Brandt", "Castell", "Dorn", "Eckel", "Falk"}
	k := 0
	for _, f := range firsts {
		for _, l := range lasts {
			id := fmt.Sprintf("f%02d", k)
			o.ids = append(o.ids, ident(id, identity.SourceGitLab, f+" "+l, strings.ToLower(f[:1]+l), ""))
			o.activity[id] = []string{"team:big", "conf:users"}
			if k < 2 {
				o.activity[id] = append(o.activity[id], "team:core")
			}
			k++
		}
	}
	handles := []string{"frostbyte", "pixelfox", "nightowl", "quasar", "tundra", "marigold", "cobalt", "zephyr", "lynx", "orchid", "basalt", "juniper"}
	for i, h := range handles {
		id := fmt.Sprintf("g%02d", i)
		o.ids = append(o.ids, ident(id, identity.SourceGitLab, "Anna Kowalska", h, ""))
		team := fmt.Sprintf("team:t%02d", i)
		if i == 5 {
			team = "team:core"
		}
		o.activity[id] = []string{team, "team:big", "conf:users"}
	}
	return o
}

// with adds identities acting in the given scopes and returns the
// scenario's mappings and config.
func (o *coOrg) with(scopes map[string][]string, ids ...identity.Identity) ([]identity.Mapping, func(*matching.Config)) {
	all := append(append([]identity.Identity(nil), o.ids...), ids...)
	act := map[string][]string{}
	for k, v := range o.activity {
		act[k] = v
	}
	for k, v := range scopes {
		act[k] = v
	}
	return pending(all...), func(c *matching.Config) { c.Activity = act }
}

// grow adds 300 more people acting in team:big only, so that a scope two
// accounts share weighs log2(374/2) + log2(0.65) ≈ 6.9 bits: more than
// -Prior plus the conflict threshold's log-odds.
func (o *coOrg) grow() *coOrg {
	firsts := []string{"Aurel", "Bianka", "Cyril", "Dagny", "Emil", "Flora", "Gustav", "Hedda", "Ilja", "Jorun", "Kasimir", "Leona", "Magnus",
		"Nadja", "Ottilie", "Pavol", "Quirin", "Rosalie", "Sigurd", "Thekla", "Ulrich", "Vesna", "Wendelin", "Xenia", "Yannick"}
	lasts := []string{"Gruber", "Hofer", "Jaeger", "Kraus", "Lindner", "Moser", "Nagel", "Pichler", "Riedl", "Stangl", "Wimmer", "Zauner"}
	for i, f := range firsts {
		for j, l := range lasts {
			id := fmt.Sprintf("m%02d%02d", i, j)
			o.ids = append(o.ids, ident(id, identity.SourceGitLab, f+" "+l, "", ""))
			o.activity[id] = []string{"team:big"}
		}
	}
	return o
}

// withoutBig drops the big scopes of the Annas (then they share only
// their teams).
func (o *coOrg) withoutBig() *coOrg {
	for i := 0; i < 12; i++ {
		id := fmt.Sprintf("g%02d", i)
		o.activity[id] = o.activity[id][:1]
	}
	return o
}

func coOccurrenceScenarios() []scenario {
	J := identity.SourceJira
	out := []scenario{namesakeAssignmentScenario(), {
		// Two Vikram Shahs: one with Jira and Confluence accounts in
		// team:pay, one with Confluence and GitLab accounts in
		// team:infra. Names alone suggest merging them; the groups act
		// apart and both hold a Confluence account: two people.
		name: "co_occurrence with source_exclusivity: groups that act apart and share a tool stay two people",
		cfg: func(c *matching.Config) {
			c.Activity = map[string][]string{"v1": {"team:pay"}, "v2": {"team:pay"}, "w1": {"team:infra"}, "w2": {"team:infra"}}
		},
		mappings: pending(
			ident("v1", J, "Vikram Shah", "", ""),
			ident("v2", identity.SourceConfluence, "Vikram Shah", "", ""),
			ident("w1", identity.SourceConfluence, "Vikram Shah", "", "vikrams@acme.com"),
			ident("w2", identity.SourceGitLab, "Vikram Shah", "stormecho", "vikrams@acme.com"),
		),
		want: []outcome{
			{id: "v2", status: identity.StatusConflict, with: "v1", notWith: []string{"w1", "w2"}},
			{id: "v1", notWith: []string{"w1", "w2"}},
			{id: "w1", status: identity.StatusAuto, with: "w2"},
		},
	}, {
		// Two Mary Thompsons in different teams, and a Confluence
		// account that never acted, equally like both. It may join one;
		// it must not chain the two groups into one person.
		name: "co_occurrence: a silent account does not chain two namesakes who work in different teams",
		cfg: func(c *matching.Config) {
			c.Activity = map[string][]string{"a1": {"team:pay"}, "a2": {"team:pay"}, "b1": {"team:infra"}, "b2": {"team:infra"}}
		},
		mappings: pending(
			ident("a1", identity.SourceGitLab, "Mary Thompson", "frostbyte", ""),
			ident("a2", J, "Mary Thompson", "", ""),
			ident("b1", J, "Mary Thompson", "", "mthompson@acme.com"),
			ident("b2", identity.SourceGitLab, "Mary Thompson", "pixelfox", "mthompson@acme.com"),
			ident("s", identity.SourceConfluence, "Mary Thompson", "", ""),
		),
		want: []outcome{
			{id: "a2", status: identity.StatusConflict, with: "a1", notWith: []string{"b1", "b2"}},
			{id: "b1", status: identity.StatusAuto, with: "b2", notWith: []string{"a1", "a2"}},
			{id: "s", status: identity.StatusConflict},
		},
	}}
	{
		// k0 shares team:core (4 of 73 active accounts, ≈3.6 bits) with
		// g05 only: enough to lift the damped name to a suggestion. A
		// flat 1.5 bits per scope would leave it below the conflict
		// threshold, alone.
		ms, cfg := newCoOrg().with(map[string][]string{"k0": {"team:core"}},
			ident("k0", J, "Anna Kowalska", "", ""))
		out = append(out, scenario{
			name: "co_occurrence: a small shared team picks the namesake among twelve", cfg: cfg, mappings: ms,
			want: []outcome{
				{id: "k0", status: identity.StatusConflict, with: "g05", notWith: []string{"g00", "g04", "g06", "g11"}},
				{id: "g00", notWith: []string{"g01", "g05"}},
			},
		})
	}
	{
		// Everyone acts in team:big and conf:users: sharing them says
		// nothing, so k0 and the Annas stay apart (two flat 1.5-bit
		// scopes would have made every pair a suggestion).
		ms, cfg := newCoOrg().with(map[string][]string{"k0": {"conf:users", "team:big"}},
			ident("k0", J, "Anna Kowalska", "", ""))
		out = append(out, scenario{
			name: "co_occurrence: scopes most of the org acts in add nothing", cfg: cfg, mappings: ms,
			want: []outcome{
				{id: "k0", status: identity.StatusAuto, alone: true},
				{id: "g00", alone: true},
				{id: "g05", alone: true},
			},
		})
	}
	{
		// "Lars Berg" and "Lars Bergman" only share a first name (names
		// partly agree: no evidence); the tiny team they share must not
		// link them.
		ms, cfg := newCoOrg().grow().with(map[string][]string{"l1": {"team:tiny"}, "l2": {"team:tiny"}},
			ident("l1", J, "Lars Berg", "", ""),
			ident("l2", identity.SourceGitLab, "Lars Bergman", "lbergman", "lars.bergman@acme.com"))
		out = append(out, scenario{
			name: "co_occurrence alone never links, however small the shared scope (the gate, not the cap)", cfg: cfg, mappings: ms,
			want: []outcome{{id: "l1", status: identity.StatusAuto, alone: true}},
		})
	}
	{
		// An unambiguous name plus a tiny shared team is still only a
		// suggestion: co_occurrence never lifts name-only evidence to an
		// automatic link.
		ms, cfg := newCoOrg().withoutBig().with(map[string][]string{"z1": {"team:tiny"}, "z2": {"team:tiny"}},
			ident("z1", J, "Zofia Nowicka", "", ""),
			ident("z2", identity.SourceGitLab, "Zofia Nowicka", "znowicka", "zofia.nowicka@acme.com"))
		out = append(out, scenario{
			name: "co_occurrence: name-only evidence plus a tiny shared team is a conflict, not auto", cfg: cfg, mappings: ms,
			want: []outcome{{id: "z1", status: identity.StatusConflict, with: "z2"}},
		})
	}
	return out
}

// namesakeAssignmentScenario: four Olga Petrovas, three of whom hold a
// GitLab and a Jira account (tied by email), the fourth a GitLab and a
// Confluence account; a lone name-only Jira account "Olga Petrova" (nine
// bearers: the name is damped 3.4 bits, below the conflict threshold
// against each) is suggested to the one without a Jira account.
func namesakeAssignmentScenario() scenario {
	J, G, C := identity.SourceJira, identity.SourceGitLab, identity.SourceConfluence
	var ids []identity.Identity
	for i, h := range []string{"frostbyte", "pixelfox", "nightowl"} {
		email := h + "@acme.com"
		ids = append(ids,
			ident(fmt.Sprintf("op%dg", i), G, "Olga Petrova", h, email),
			ident(fmt.Sprintf("op%dj", i), J, "Olga Petrova", "", email))
	}
	ids = append(ids,
		ident("op3g", G, "Olga Petrova", "quasar", "quasar@acme.com"),
		ident("op3c", C, "Olga Petrova", "", "quasar@acme.com"),
		ident("op9", J, "Olga Petrova", "", ""))
	return scenario{
		name:     "namesakes: a lone Jira account goes to the only namesake without one, though its name is damped",
		mappings: pending(ids...),
		want: []outcome{
			{id: "op9", status: identity.StatusConflict, with: "op3g", notWith: []string{"op0g", "op1g", "op2g"}},
			{id: "op3c", status: identity.StatusAuto, with: "op3g"},
			{id: "op0j", status: identity.StatusAuto, with: "op0g", notWith: []string{"op1g", "op3g"}},
		},
	}
}

func coRule(t *testing.T, raw []byte) (matching.Trace, matching.RuleTrace, bool) {
	t.Helper()
	var tr matching.Trace
	if err := json.Unmarshal(raw, &tr); err != nil {
		t.Fatal(err)
	}
	for _, r := range tr.Rules {
		if r.Rule == matching.RuleCoOccurrence {
			return tr, r, true
		}
	}
	return tr, matching.RuleTrace{}, false
}

// The co_occurrence line names the shared scope, its size and the weight,
// in Resolve and in Index.Match alike.
func TestCoOccurrenceTrace(t *testing.T) {
	is := is.New(t)
	ms, cfgFn := newCoOrg().with(map[string][]string{"k0": {"team:core"}}, ident("k0", identity.SourceJira, "Anna Kowalska", "", ""))
	cfg := matching.DefaultConfig()
	cfgFn(&cfg)
	eng, err := matching.New(cfg)
	is.NoErr(err)
	res, err := eng.Resolve(context.Background(), identity.MatchState{Mappings: ms})
	is.NoErr(err)
	var k0 identity.Decision
	for _, d := range res.Decisions {
		if d.IdentityID == "k0" {
			k0 = d
		}
	}
	tr, co, ok := coRule(t, k0.Trace)
	is.True(ok) // co_occurrence traced
	t.Logf("k0: %s score %.4f; co_occurrence %+v", tr.Decision, k0.Score, co)
	is.True(strings.Contains(co.Note, "both act in team:core (4 of 73 active accounts): strong evidence") || strings.Contains(co.Note, "both act in team:core (4 of 73 active accounts): some evidence"))
	is.True(co.Contribution > 3 && co.Contribution < 4) // log2(73/4) + log2(0.65) ≈ 3.57

	// Index.Match weighs with the index's counts: the same suggestion.
	var linkedMs []identity.Mapping
	for _, m := range ms {
		if m.Identity.ID != "k0" {
			linkedMs = append(linkedMs, linked(m.Identity, "P-"+m.Identity.ID, identity.StatusAuto))
		}
	}
	idx, err := eng.NewIndex(context.Background(), identity.MatchState{Mappings: linkedMs})
	is.NoErr(err)
	d, err := idx.Match(ident("k0", identity.SourceJira, "Anna Kowalska", "", ""))
	is.NoErr(err)
	is.Equal(d.Status, identity.StatusConflict)
	is.Equal(d.PersonID, "P-g05")
	_, co2, ok := coRule(t, d.Trace)
	is.True(ok)
	is.True(strings.Contains(co2.Note, "team:core (4 of 73 active accounts)")) // the probe counts in its scope
	is.True(co2.Contribution > 3)
	is.Equal(co2.Weight, co.Weight) // the same weight as in Resolve

	// A weak name ("Lars Berg" vs "Lars Bergman") gets no boost from a tiny team.
	ms, cfgFn = newCoOrg().grow().with(map[string][]string{"l1": {"team:tiny"}, "l2": {"team:tiny"}},
		ident("l1", identity.SourceJira, "Lars Berg", "", ""),
		ident("l2", identity.SourceGitLab, "Lars Bergman", "lbergman", "lars.bergman@acme.com"))
	cfg = matching.DefaultConfig()
	cfgFn(&cfg)
	eng, err = matching.New(cfg)
	is.NoErr(err)
	res, err = eng.Resolve(context.Background(), identity.MatchState{Mappings: ms})
	is.NoErr(err)
	for _, d := range res.Decisions {
		if d.IdentityID != "l1" {
			continue
		}
		_, co, ok := coRule(t, d.Trace)
		is.True(ok)                                                            // compared with l2
		is.True(co.Weight > 6.6)                                               // the scope is telling enough to reach conflict alone...
		is.Equal(co.Contribution, 0.0)                                         // ...but nothing else agrees
		is.True(strings.Contains(co.Note, "nothing else agrees, so no boost")) // and the note says so
	}
}

// A namesake assignment shows its bonus on the source_exclusivity line,
// and the contributions still add up to the log-odds.
func TestNamesakeAssignmentTrace(t *testing.T) {
	is := is.New(t)
	sc := namesakeAssignmentScenario()
	eng, err := matching.New(matching.DefaultConfig())
	is.NoErr(err)
	res, err := eng.Resolve(context.Background(), identity.MatchState{Mappings: sc.mappings})
	is.NoErr(err)
	for _, d := range res.Decisions {
		if d.IdentityID != "op9" {
			continue
		}
		var tr matching.Trace
		is.NoErr(json.Unmarshal(d.Trace, &tr))
		t.Logf("op9: %s", d.Trace)
		sum := tr.Prior
		var ex matching.RuleTrace
		for _, r := range tr.Rules {
			sum += r.Contribution
			if r.Rule == matching.RuleSourceExclusivity {
				ex = r
			}
		}
		is.True(ex.Contribution > 3)                            // the name's damping given back
		is.True(strings.Contains(ex.Note, "undamped"))          // and said so
		is.True(sum-tr.LogOdds < 0.01 && tr.LogOdds-sum < 0.01) // contributions add up
		is.True(d.Score >= 0.6 && d.Score < 0.9)                // a conflict
		is.True(tr.Score == d.Score)                            // the trace's score is the decision's
	}
}

// TestRefusedLinkTrace: an own decision whose best candidate scored in
// the conflict range says why it was not suggested, instead of claiming
// the candidate is queued. Two Liz Moores, one in Jira and one in GitLab,
// whose groups both act but in different teams (the work addresses are
// aliases, so nothing else forbids the link).
func TestRefusedLinkTrace(t *testing.T) {
	is := is.New(t)
	cfg := matching.DefaultConfig()
	cfg.Activity = map[string][]string{"l1": {"team:pay"}, "l2": {"team:infra"}}
	eng, err := matching.New(cfg)
	is.NoErr(err)
	res, err := eng.Resolve(context.Background(), identity.MatchState{Mappings: pending(
		ident("l1", identity.SourceJira, "Liz Mooreland", "", "liz.mooreland@acme.com"),
		ident("l2", identity.SourceGitLab, "Liz Mooreland", "lmooreland", "lmooreland@acme.com"),
	)})
	is.NoErr(err)
	own := 0
	for _, d := range res.Decisions {
		var tr matching.Trace
		is.NoErr(json.Unmarshal(d.Trace, &tr))
		if tr.Decision != "own" {
			continue
		}
		own++
		t.Logf("%s: %s", d.IdentityID, tr.Reason)
		is.True(tr.Score >= cfg.ConflictThreshold) // the pair alone would have been suggested
		is.Equal(tr.Refused, "both groups of accounts act, and in no scope in common")
		is.True(strings.Contains(tr.Reason, "was not suggested: both groups of accounts act"))
		is.True(!strings.Contains(tr.Reason, "queued"))
	}
	is.Equal(own, 2) // two people
}
