package matching_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/matching"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ident builds an identity; id doubles as the external id.
func ident(id string, src identity.Source, name, user, email string) identity.Identity {
	return identity.Identity{ID: id, Source: src, ExternalID: "x-" + id, DisplayName: name, Username: user, Email: email, ChangedAt: t0}
}

// withExt sets the external id (an Atlassian account id spans Jira and
// Confluence).
func withExt(id identity.Identity, ext string) identity.Identity {
	id.ExternalID = ext
	return id
}

func bot(id identity.Identity) identity.Identity {
	id.IsServiceAccount = true
	return id
}

func pending(ids ...identity.Identity) []identity.Mapping {
	ms := make([]identity.Mapping, len(ids))
	for i, id := range ids {
		ms[i] = identity.Mapping{Identity: id}
	}
	return ms
}

// linked is an identity already decided (not pending) for person.
func linked(id identity.Identity, person string, st identity.Status) identity.Mapping {
	return identity.Mapping{Identity: id, Link: &identity.Link{IdentityID: id.ID, PersonID: person, Status: st, MatchedAt: t0.Add(time.Hour)}}
}

// outcome is what a scenario expects about one pending identity.
type outcome struct {
	id      string
	status  identity.Status // "" = any
	with    string          // identity (or "person:ID") it must share a person with
	notWith []string        // identities / "person:ID" it must not share a person with
	alone   bool            // must be the only member of its person
}

type scenario struct {
	name     string
	cfg      func(*matching.Config)
	mappings []identity.Mapping
	rejected []identity.RejectedPair
	want     []outcome
	// absent identities must not get a decision (not pending).
	absent []string
}

func scenarios() []scenario {
	J, G, C := identity.SourceJira, identity.SourceGitLab, identity.SourceConfluence
	return append([]scenario{
		{
			name: "one Atlassian account in Jira and Confluence",
			mappings: pending(
				withExt(ident("at1", J, "Pavel Semyonov", "", ""), "5b10ac8d82e05b22cc7d4ef5"),
				withExt(ident("at2", C, "Pavel S.", "", ""), "5b10ac8d82e05b22cc7d4ef5"),
				withExt(bot(ident("at3", J, "Automation for Jira", "", "")), "557058:f58131cb"),
				withExt(bot(ident("at4", C, "Automation for Jira", "", "")), "557058:f58131cb"),
				withExt(ident("at5", G, "Pavel Semyonov", "psemyonov", ""), "5b10ac8d82e05b22cc7d4ef5"), // GitLab ids are another namespace
			),
			want: []outcome{
				{id: "at1", status: identity.StatusAuto, with: "at2"},
				{id: "at3", with: "at4", notWith: []string{"at1"}},
			},
		},
		{
			name: "exact email across sources",
			mappings: pending(
				ident("a1", J, "Alex Smith", "", "alex.smith@acme.com"),
				ident("a2", G, "asmith", "asmith", "alex.smith@acme.com"),
				ident("a3", C, "Alexander Smith", "", "alex.smith@acme.com"),
			),
			want: []outcome{{id: "a1", status: identity.StatusAuto, with: "a2"}, {id: "a3", status: identity.StatusAuto, with: "a1"}},
		},
		{
			name: "email case and whitespace",
			mappings: pending(
				ident("b1", J, "Maria Lopez", "", "  Maria.Lopez@ACME.com "),
				ident("b2", G, "Maria López", "mlopez", "maria.lopez@acme.com"),
			),
			want: []outcome{{id: "b1", status: identity.StatusAuto, with: "b2"}},
		},
		{
			name: "username equals email local part",
			mappings: pending(
				ident("c1", G, "Chen Wu", "darkstar42", ""),
				ident("c2", J, "Chen Wu", "", "darkstar42@gmail.com"),
			),
			want: []outcome{{id: "c1", status: identity.StatusAuto, with: "c2"}},
		},
		{
			name: "transliterated Cyrillic name, emailless Jira account",
			mappings: pending(
				ident("d1", J, "Алексей Смирнов", "", ""),
				ident("d2", G, "Alexey Smirnov", "alexey-smirnov", "alexey.smirnov@acme.com"),
			),
			want: []outcome{{id: "d1", status: identity.StatusConflict, with: "d2"}},
		},
		{
			name: "transliterated names with the same email",
			mappings: pending(
				ident("d3", C, "Aleksei Smirnov", "", "a.smirnov@acme.com"),
				ident("d4", G, "Алексей Смирнов", "asmirnov", "A.Smirnov@acme.com"),
			),
			want: []outcome{{id: "d3", status: identity.StatusAuto, with: "d4"}},
		},
		{
			name: "initials",
			mappings: pending(
				ident("e1", J, "J. Kowalczyk", "", ""),
				ident("e2", G, "Jan Kowalczyk", "jkowalczyk", "jan.kowalczyk@acme.com"),
				ident("e3", C, "J. Kowalczyk", "", "jan.kowalczyk@acme.com"),
			),
			want: []outcome{{id: "e3", status: identity.StatusAuto, with: "e2"}, {id: "e1", status: identity.StatusConflict, with: "e2"}},
		},
		{
			name: "two different Alex Smiths",
			mappings: pending(
				ident("f1", J, "Alex Smith", "", "alex.smith@acme.com"),
				ident("f2", G, "Alex Smith", "asmith2", "alex.smith2@acme.com"),
			),
			want: []outcome{{id: "f1", status: identity.StatusAuto, notWith: []string{"f2"}}, {id: "f2", status: identity.StatusAuto, alone: true}},
		},
		{
			name: "bot named like a human",
			mappings: pending(
				bot(ident("g1", J, "Max Mustermann", "", "")),
				ident("g2", G, "Max Mustermann", "mmustermann", "max.mustermann@acme.com"),
				ident("g3", C, "Max Mustermann", "", "max.mustermann@acme.com"),
			),
			want: []outcome{{id: "g1", alone: true}, {id: "g2", status: identity.StatusAuto, with: "g3"}},
		},
		{
			name: "Atlassian app accounts stay apart, CI bots link by exact email",
			mappings: pending(
				bot(ident("h1", J, "Automation for Jira", "", "")),
				bot(ident("h2", C, "Automation for Jira", "", "")),
				ident("h3", J, "Jenkins", "", "jenkins@acme.com"),
				ident("h4", G, "Jenkins", "jenkins", "jenkins@acme.com"),
				ident("h5", G, "Jenny Kins", "jkins", "jenny.kins@acme.com"),
			),
			want: []outcome{
				{id: "h1", status: identity.StatusAuto, alone: true},
				{id: "h2", status: identity.StatusAuto, alone: true},
				{id: "h3", status: identity.StatusAuto, with: "h4", notWith: []string{"h5"}},
			},
		},
		{
			name: "shared team mailbox does not merge people",
			mappings: pending(
				ident("i1", J, "Alice Brown", "", "team@acme.com"),
				ident("i2", J, "Bob Green", "", "team@acme.com"),
				ident("i3", C, "Carol White", "", "qa-team@acme.com"),
				ident("i4", J, "Dan Black", "", "qa-team@acme.com"),
			),
			want: []outcome{
				{id: "i1", notWith: []string{"i2"}},
				{id: "i3", notWith: []string{"i4"}},
			},
		},
		{
			name: "rejected pair is not proposed again",
			mappings: []identity.Mapping{
				linked(ident("j1", G, "Sam Taylor", "staylor", "sam.taylor@acme.com"), "P-sam", identity.StatusConfirmed),
				{Identity: ident("j2", J, "Sam Taylor", "", "sam.taylor@acme.com")},
			},
			rejected: []identity.RejectedPair{{IdentityID: "j2", PersonID: "P-sam"}},
			want:     []outcome{{id: "j2", notWith: []string{"person:P-sam"}, alone: true}},
		},
		{
			name: "confirmed link is kept and new accounts join its person",
			mappings: []identity.Mapping{
				linked(ident("k1", G, "Nina Petrova", "npetrova", "nina.petrova@acme.com"), "P-nina", identity.StatusConfirmed),
				{Identity: ident("k2", J, "Nina Petrova", "", "nina.petrova@acme.com")},
			},
			absent: []string{"k1"},
			want:   []outcome{{id: "k2", status: identity.StatusAuto, with: "person:P-nina"}},
		},
		{
			name: "GitLab noreply email maps to the username",
			mappings: pending(
				ident("l1", G, "Omar Haddad", "", "4242-ohaddad@users.noreply.gitlab.com"),
				ident("l2", C, "Omar Haddad", "ohaddad", ""),
			),
			want: []outcome{{id: "l1", status: identity.StatusAuto, with: "l2"}},
		},
		{
			name: "nickname, name only",
			mappings: pending(
				ident("m1", J, "Bob Winterbottom", "", ""),
				ident("m2", G, "Robert Winterbottom", "rwinterbottom", "robert.winterbottom@acme.com"),
			),
			want: []outcome{{id: "m1", status: identity.StatusConflict, with: "m2"}},
		},
		{
			name: "nickname and surname first (Becca Thompson / Thompson Rebecca), Russian diminutive (Юля / Yulia)",
			mappings: pending(
				ident("m3", J, "Becca Thompsonovich", "", ""),
				ident("m4", G, "Thompsonovich Rebecca", "thompsonovich.r", "r.thompsonovich@acme.com"),
				ident("m5", C, "Юля Белозерская", "", ""),
				ident("m6", G, "Yulia Belozerskaya", "ybelozerskaya", "ybelozerskaya@acme.com"),
			),
			want: []outcome{
				{id: "m3", status: identity.StatusConflict, with: "m4"},
				{id: "m5", status: identity.StatusConflict, with: "m6", notWith: []string{"m3"}},
			},
		},
		{
			name: "two work addresses of one name at one domain, neither numbered (aliases), are queued, not kept apart",
			mappings: pending(
				withExt(ident("v1", J, "Yulia Volkonskaya", "", "yulia.volkonskaya@acme.com"), "acc-v"),
				withExt(ident("v2", C, "Yulia Volkonskaya", "", "yulia.volkonskaya@acme.com"), "acc-v"),
				ident("v3", G, "Yulia Volkonskaya", "yvolkonskaya", "yvolkonskaya@acme.com"),
			),
			want: []outcome{{id: "v3", status: identity.StatusConflict, with: "v1"}},
		},
		{
			name: "typo in surname, name only",
			mappings: pending(
				ident("n1", C, "Katherine Johnstone", "", ""),
				ident("n2", G, "Katherine Jonhstone", "kjohnstone", "kjohnstone@acme.com"),
			),
			want: []outcome{{id: "n1", status: identity.StatusConflict, with: "n2"}},
		},
		{
			name: "emailless Jira account with only a display name is a conflict, not auto",
			mappings: pending(
				ident("o1", J, "Priya Raman", "", ""),
				ident("o2", G, "Priya Raman", "praman", "priya@raman.dev"),
			),
			want: []outcome{{id: "o1", status: identity.StatusConflict, with: "o2"}},
		},
		{
			name: "configured domain alias",
			cfg:  func(c *matching.Config) { c.DomainAliases = map[string]string{"acme.io": "acme.com"} },
			mappings: pending(
				ident("p1", J, "Li Wei", "", "li.wei@acme.io"),
				ident("p2", G, "Li Wei", "liwei", "li.wei@acme.com"),
			),
			want: []outcome{{id: "p1", status: identity.StatusAuto, with: "p2"}},
		},
		{
			name: "Gmail +tag and dots",
			mappings: pending(
				ident("q1", G, "Tom Hardy", "thardy", "tom.hardy+gitlab@gmail.com"),
				ident("q2", J, "Tom Hardy", "", "TomHardy@googlemail.com"),
			),
			want: []outcome{{id: "q1", status: identity.StatusAuto, with: "q2"}},
		},
		{
			name: "stale automatic link is decided again; human links are not",
			mappings: []identity.Mapping{
				linked(ident("r1", G, "Eva Novak", "enovak", "eva.novak@acme.com"), "P-eva", identity.StatusConfirmed),
				{Identity: func() identity.Identity {
					id := ident("r2", J, "Eva Novak", "", "eva.novak@acme.com")
					id.ChangedAt = t0.Add(2 * time.Hour) // changed after it was matched
					return id
				}(), Link: &identity.Link{IdentityID: "r2", PersonID: "P-other", Status: identity.StatusAuto, MatchedAt: t0.Add(time.Hour)}},
				linked(ident("r3", C, "Eve Novak", "", "eve@elsewhere.org"), "P-eve", identity.StatusRejected),
			},
			absent: []string{"r1", "r3"},
			want:   []outcome{{id: "r2", status: identity.StatusAuto, with: "person:P-eva"}},
		},
		{
			name: "co_occurrence picks the namesake who works in the same team, as a conflict",
			cfg: func(c *matching.Config) {
				c.Activity = map[string][]string{"t1": {"PAY"}, "t2": {"PAY", "web"}, "t3": {"infra"}}
			},
			mappings: pending(
				ident("t1", J, "Wei Zhang", "", ""),
				ident("t2", G, "Wei Zhang", "wzhang", "wei.zhang@acme.com"),
				ident("t3", G, "Wei Zhang", "weiz", "wei.zhang2@acme.com"),
			),
			want: []outcome{{id: "t1", status: identity.StatusConflict, with: "t2", notWith: []string{"t3"}}},
		},
		{
			// Two Wei Zhangs; the name-only Jira account's team (PAY) is
			// known only through the Confluence account of the first one,
			// whose name does not even match it. Without the group view
			// the three equal name matches tie and the lower IDs (the
			// second Wei Zhang) win.
			name: "co_occurrence over a person's accounts: the name-only account goes to the namesake in its team",
			cfg: func(c *matching.Config) {
				c.Activity = map[string][]string{"w3": {"PAY"}, "w5": {"PAY"}, "w1": {"infra"}, "w2": {"infra"}}
			},
			mappings: pending(
				ident("w1", G, "Wei Zhang", "weiz", "wei.zhang2@acme.com"),
				ident("w2", C, "Wei Zhang", "", "wei.zhang2@acme.com"),
				ident("w3", J, "Wei Zhang", "", ""),
				ident("w4", G, "Wei Zhang", "wzhang", "wei.zhang@acme.com"),
				ident("w5", C, "wzhang", "", "wei.zhang@acme.com"),
			),
			want: []outcome{
				{id: "w3", status: identity.StatusConflict, with: "w4", notWith: []string{"w1"}},
				{id: "w4", status: identity.StatusAuto, with: "w5"},
			},
		},
		{
			// Two Takeshi Yamadas, one already with a Jira account (its
			// email ties it to his GitLab account). The name-only Jira
			// account scores the same against both; source_exclusivity
			// ranks the one without a Jira account first.
			name: "namesakes: the name-only Jira account goes to the namesake without a Jira account",
			mappings: pending(
				ident("y1", G, "Takeshi Yamada", "tyamada", "tyamada@acme.com"),
				ident("y2", J, "Takeshi Yamada", "", "tyamada@acme.com"),
				ident("y3", J, "Takeshi Yamada", "", ""),
				ident("y4", G, "Takeshi Yamada", "takeshi-y", "takeshi.yamada2@acme.com"),
				ident("y5", C, "Takeshi Yamada", "", "takeshi.yamada2@acme.com"),
			),
			want: []outcome{
				{id: "y3", status: identity.StatusConflict, with: "y4", notWith: []string{"y1"}},
				{id: "y1", status: identity.StatusAuto, with: "y2"},
			},
		},
		{
			name: "second account in the same tool with a personal email is only suggested",
			mappings: pending(
				ident("s1", G, "Ingrid Halvorsen", "ihalvorsen", "ingrid.halvorsen@acme.com"),
				ident("s2", G, "Ingrid Halvorsen", "frostbyte", "frostbyte@proton.me"),
			),
			want: []outcome{{id: "s2", status: identity.StatusConflict, with: "s1"}},
		},
	}, append(coOccurrenceScenarios(), handleNameScenarios()...)...)
}

// handleNameScenarios: GitLab accounts whose display name is the username
// (never set) carry no name; an email local part shaped like a name
// spells it instead, as weaker evidence than a display name.
func handleNameScenarios() []scenario {
	J, G, C := identity.SourceJira, identity.SourceGitLab, identity.SourceConfluence
	return []scenario{
		{
			name: "display name is the username (katie98): k.johnson@ spells the name, initials against a name-only account, queued",
			mappings: pending(
				ident("hn1", G, "katie98", "katie98", "k.johnson@corp.example"),
				ident("hn2", J, "Katie Johnson", "", ""),
			),
			want: []outcome{{id: "hn2", status: identity.StatusConflict, with: "hn1"}},
		},
		{
			name: "display name is the username (dwhite): daniel.white@ spells the name and meets Dan White, queued",
			mappings: pending(
				ident("hn3", G, "dwhite", "dwhite", "daniel.white@corp.example"),
				ident("hn4", J, "Dan White", "", ""),
			),
			want: []outcome{{id: "hn4", status: identity.StatusConflict, with: "hn3"}},
		},
		{
			name: "handle with digits (bill87): william.miller@ spells the name and meets Bill Miller, queued",
			mappings: pending(
				ident("hn5", G, "bill87", "bill87", "william.miller@corp.example"),
				ident("hn6", C, "Bill Miller", "", ""),
			),
			want: []outcome{{id: "hn6", status: identity.StatusConflict, with: "hn5"}},
		},
		{
			name: "spelled name plus the same email elsewhere: automatic on the email",
			mappings: pending(
				ident("hn7", G, "dwhite", "dwhite", "daniel.white@corp.example"),
				ident("hn8", C, "Daniel White", "", "Daniel.White@corp.example"),
			),
			want: []outcome{{id: "hn8", status: identity.StatusAuto, with: "hn7"}},
		},
		{
			name: "a role mailbox (support.team@) spells no name",
			mappings: pending(
				ident("hn9", G, "helpdesk1", "helpdesk1", "support.team@corp.example"),
				ident("hn10", J, "Support Team", "", ""),
			),
			want: []outcome{{id: "hn9", alone: true}, {id: "hn10", alone: true}},
		},
		{
			name: "a service account named by its username stays a service account",
			mappings: pending(
				ident("hn11", G, "devops-bot", "devops-bot", "dave.botha@corp.example"),
				ident("hn12", J, "Dave Botha", "", ""),
				ident("hn13", G, "Dave Botha", "dbotha", "dbotha@corp.example"),
			),
			want: []outcome{{id: "hn11", alone: true}, {id: "hn12", status: identity.StatusConflict, with: "hn13"}},
		},
		{
			name: "handle as name with another name's mailbox (katie98, m.smith@) does not match Katie Johnson",
			mappings: pending(
				ident("hn14", G, "katie98", "katie98", "m.smith@corp.example"),
				ident("hn15", J, "Katie Johnson", "", ""),
				ident("hn16", J, "Mark Smith", "", ""),
			),
			want: []outcome{
				{id: "hn15", alone: true, notWith: []string{"hn14"}},
				{id: "hn16", status: identity.StatusConflict, with: "hn14"},
			},
		},
	}
}

func TestScenarios(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			cfg := matching.DefaultConfig()
			if sc.cfg != nil {
				sc.cfg(&cfg)
			}
			eng, err := matching.New(cfg)
			is.NoErr(err)
			res, err := eng.Resolve(context.Background(), identity.MatchState{Mappings: sc.mappings, Rejected: sc.rejected})
			is.NoErr(err)
			person := personOf(sc.mappings, res.Decisions)
			byID := map[string]identity.Decision{}
			for _, d := range res.Decisions {
				byID[d.IdentityID] = d
				is.True(d.Score >= 0 && d.Score <= 1)                                           // score in [0,1]
				is.True((d.PersonID == "") != (d.NewPersonKey == ""))                           // PersonID xor NewPersonKey
				is.True(d.Status == identity.StatusAuto || d.Status == identity.StatusConflict) // engine statuses only
				var tr matching.Trace
				is.NoErr(json.Unmarshal(d.Trace, &tr)) // trace is JSON
				is.True(tr.Reason != "")               // trace has a reason
				for _, r := range sc.rejected {
					is.True(!(r.IdentityID == d.IdentityID && r.PersonID == d.PersonID)) // rejected pair proposed
					for _, cp := range d.CandidatePersonIDs {
						is.True(!(r.IdentityID == d.IdentityID && r.PersonID == cp)) // rejected pair listed
					}
				}
			}
			for _, id := range sc.absent {
				_, ok := byID[id]
				is.True(!ok) // a non-pending identity got a decision
			}
			for _, w := range sc.want {
				d, ok := byID[w.id]
				is.True(ok) // pending identity without decision
				if w.status != "" {
					if d.Status != w.status {
						t.Logf("trace of %s: %s", w.id, d.Trace)
					}
					is.Equal(d.Status, w.status)
				}
				if w.with != "" {
					if person[w.id] != person[w.with] {
						t.Logf("trace of %s: %s", w.id, d.Trace)
					}
					is.Equal(person[w.id], person[w.with])
				}
				for _, o := range w.notWith {
					is.True(person[w.id] != person[o]) // must not share a person
				}
				if w.alone {
					n := 0
					for _, p := range person {
						if p == person[w.id] {
							n++
						}
					}
					is.Equal(n, 2) // itself and its own "id:" entry
				}
			}
		})
	}
}

// personOf maps identity ID → person key after applying decisions; the
// "person:ID" entries map existing persons to themselves.
func personOf(ms []identity.Mapping, ds []identity.Decision) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		if m.Link != nil && !m.Pending() {
			out[m.Identity.ID] = "person:" + m.Link.PersonID
			out["person:"+m.Link.PersonID] = "person:" + m.Link.PersonID
		}
	}
	for _, d := range ds {
		if d.PersonID != "" {
			out[d.IdentityID] = "person:" + d.PersonID
		} else {
			out[d.IdentityID] = "new:" + d.NewPersonKey
			out["id:"+d.IdentityID] = "new:" + d.NewPersonKey
		}
	}
	return out
}

// The person-level evidence of a doubtful link shows in its trace: the
// group scopes co_occurrence compared and the source_exclusivity line.
func TestGroupEvidenceInTrace(t *testing.T) {
	is := is.New(t)
	var sc scenario
	for _, s := range scenarios() {
		if s.name == "co_occurrence over a person's accounts: the name-only account goes to the namesake in its team" {
			sc = s
		}
	}
	is.True(sc.cfg != nil) // scenario found
	cfg := matching.DefaultConfig()
	sc.cfg(&cfg)
	eng, err := matching.New(cfg)
	is.NoErr(err)
	res, err := eng.Resolve(context.Background(), identity.MatchState{Mappings: sc.mappings})
	is.NoErr(err)
	var tr matching.Trace
	for _, d := range res.Decisions {
		if d.IdentityID == "w3" {
			is.NoErr(json.Unmarshal(d.Trace, &tr))
		}
	}
	is.Equal(tr.Decision, "conflict")
	rules := map[string]matching.RuleTrace{}
	for _, r := range tr.Rules {
		rules[r.Rule] = r
	}
	co, ok := rules[matching.RuleCoOccurrence]
	is.True(ok)                  // co_occurrence over the groups' scopes is traced
	is.Equal(co.Right, "PAY")    // the scopes of the suggested person's accounts
	is.True(co.Contribution > 0) // shared team: a boost
	ex, ok := rules[matching.RuleSourceExclusivity]
	is.True(ok)                             // source_exclusivity is traced
	is.Equal(ex.Left, "jira")               // the account's group
	is.Equal(ex.Right, "gitlab,confluence") // the suggested group
	is.Equal(ex.Contribution, 0.0)          // ranks, does not score
	sum := tr.Prior
	for _, r := range tr.Rules {
		sum += r.Contribution
	}
	is.True(math.Abs(sum-tr.LogOdds) < 0.01) // contributions add up to the log-odds
}

// A handle display name and a name spelled by the email local part show
// in the trace, at the discounted weight.
func TestHandleNameTrace(t *testing.T) {
	is := is.New(t)
	traces := map[string]matching.Trace{}
	for _, sc := range handleNameScenarios() {
		eng, err := matching.New(matching.DefaultConfig())
		is.NoErr(err)
		res, err := eng.Resolve(context.Background(), identity.MatchState{Mappings: sc.mappings})
		is.NoErr(err)
		for _, d := range res.Decisions {
			var tr matching.Trace
			is.NoErr(json.Unmarshal(d.Trace, &tr))
			traces[d.IdentityID] = tr
			if testing.Verbose() {
				t.Logf("%s: %s", d.IdentityID, d.Trace)
			}
		}
	}
	nameLine := func(id string) matching.RuleTrace {
		for _, r := range traces[id].Rules {
			if r.Rule == matching.RuleDisplayNameSimilarity {
				return r
			}
		}
		t.Fatalf("%s: no display_name_similarity line", id)
		return matching.RuleTrace{}
	}
	r := nameLine("hn4") // Dan White vs dwhite / daniel.white@
	is.True(strings.Contains(r.Note, "display name is the username: no name evidence"))
	is.True(strings.Contains(r.Note, "name spelled by the email local part daniel.white"))
	is.Equal(r.Weight, matching.WeightNameNickname-matching.WeightNameSpelledDiscount)
	r = nameLine("hn2") // Katie Johnson vs katie98 / k.johnson@: initials
	is.True(strings.Contains(r.Note, "names agree up to initials"))
	r = nameLine("hn9") // helpdesk1 / support.team@: alone, no name
	is.True(strings.Contains(r.Note, "display name is the username: no name evidence"))
	is.True(!strings.Contains(r.Note, "spelled"))
}
