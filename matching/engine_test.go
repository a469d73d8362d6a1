package matching_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/matching"
	"github.com/ovia-hq/ovia/matching/corpus"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*matching.Config)
		field  string // "" = valid
	}{
		{"defaults", func(*matching.Config) {}, ""},
		{"conflict above auto", func(c *matching.Config) { c.ConflictThreshold, c.AutoThreshold = 0.95, 0.9 }, "conflict_threshold"},
		{"NaN auto", func(c *matching.Config) { c.AutoThreshold = math.NaN() }, "auto_threshold"},
		{"auto above 1", func(c *matching.Config) { c.AutoThreshold = 1.2 }, "auto_threshold"},
		{"negative conflict", func(c *matching.Config) { c.ConflictThreshold = -0.1 }, "conflict_threshold"},
		{"zero auto", func(c *matching.Config) { c.AutoThreshold, c.ConflictThreshold = 0, 0 }, "auto_threshold"},
		{"bad alias", func(c *matching.Config) { c.DomainAliases = map[string]string{"Acme.io": "acme.com"} }, "domain_aliases"},
		{"empty pattern", func(c *matching.Config) { c.ServicePatterns = append(c.ServicePatterns, " ") }, "service_patterns"},
		{"bad suffix", func(c *matching.Config) { c.ServiceSuffixes = []string{"[bot]"} }, "service_suffixes"},
		{"negative max candidates", func(c *matching.Config) { c.MaxCandidates = -1 }, "max_candidates"},
		{"equal thresholds", func(c *matching.Config) { c.ConflictThreshold, c.AutoThreshold = 0.8, 0.8 }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			cfg := matching.DefaultConfig()
			tc.change(&cfg)
			err := cfg.Validate()
			_, newErr := matching.New(cfg)
			if tc.field == "" {
				is.NoErr(err)
				is.NoErr(newErr)
				return
			}
			is.True(errors.Is(err, identity.ErrInvalid))
			is.True(errors.Is(newErr, identity.ErrInvalid))
			var ve *identity.ValidationError
			is.True(errors.As(err, &ve))
			_, ok := ve.Fields[tc.field]
			is.True(ok) // the offending field is named
		})
	}
}

func TestResolveRejectsInvalidIdentities(t *testing.T) {
	eng, err := matching.New(matching.DefaultConfig())
	is.New(t).NoErr(err)
	for _, tc := range []struct {
		name string
		id   identity.Identity
	}{
		{"no external id", identity.Identity{ID: "1", Source: identity.SourceJira, DisplayName: "A B"}},
		{"blank external id", identity.Identity{ID: "1", Source: identity.SourceJira, ExternalID: "  "}},
		{"no source", identity.Identity{ID: "1", ExternalID: "x"}},
		{"unknown source", identity.Identity{ID: "1", Source: "github", ExternalID: "x"}},
		{"no id", identity.Identity{Source: identity.SourceGitLab, ExternalID: "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, err := eng.Resolve(context.Background(), identity.MatchState{Mappings: []identity.Mapping{{Identity: tc.id}}})
			is.True(errors.Is(err, identity.ErrInvalid))
			var ve *identity.ValidationError
			is.True(errors.As(err, &ve))
			_, err = eng.NewIndex(context.Background(), identity.MatchState{Mappings: []identity.Mapping{{Identity: tc.id}}})
			is.True(errors.Is(err, identity.ErrInvalid))
			idx, err := eng.NewIndex(context.Background(), identity.MatchState{})
			is.NoErr(err)
			_, err = idx.Match(tc.id)
			is.True(errors.Is(err, identity.ErrInvalid))
		})
	}
	t.Run("duplicate ids", func(t *testing.T) {
		is := is.New(t)
		id := identity.Identity{ID: "1", Source: identity.SourceJira, ExternalID: "x"}
		_, err := eng.Resolve(context.Background(), identity.MatchState{Mappings: []identity.Mapping{{Identity: id}, {Identity: id}}})
		is.True(errors.Is(err, identity.ErrInvalid))
	})
}

func TestResolveCancelled(t *testing.T) {
	is := is.New(t)
	eng, _ := matching.New(matching.DefaultConfig())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := eng.Resolve(ctx, corpus.Generate(corpus.Options{People: 50, Seed: 1}).State())
	is.True(errors.Is(err, context.Canceled))
}

// The same identities in any order give the same decisions and scores.
func TestResolveIsOrderIndependent(t *testing.T) {
	is := is.New(t)
	c := corpus.Generate(corpus.Options{People: 400, Seed: 7})
	cfg := matching.DefaultConfig()
	cfg.DomainAliases = c.DomainAliases
	cfg.Activity = c.Activity
	eng, err := matching.New(cfg)
	is.NoErr(err)
	state := c.State()
	// a few decided people and a rejection, so every path is exercised
	for i := 0; i < 40; i++ {
		m := &state.Mappings[i]
		m.Link = &identity.Link{IdentityID: m.Identity.ID, PersonID: "P-" + c.Truth[m.Identity.ID], Status: identity.StatusConfirmed, MatchedAt: t0.Add(1)}
	}
	state.Rejected = []identity.RejectedPair{{IdentityID: state.Mappings[50].Identity.ID, PersonID: "P-" + c.Truth[state.Mappings[0].Identity.ID]}}
	want, err := eng.Resolve(context.Background(), state)
	is.NoErr(err)
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		shuffled := identity.MatchState{Mappings: append([]identity.Mapping(nil), state.Mappings...), Rejected: state.Rejected}
		r.Shuffle(len(shuffled.Mappings), func(a, b int) {
			shuffled.Mappings[a], shuffled.Mappings[b] = shuffled.Mappings[b], shuffled.Mappings[a]
		})
		got, err := eng.Resolve(context.Background(), shuffled)
		is.NoErr(err)
		is.True(reflect.DeepEqual(got, want)) // same decisions, scores and traces
	}
}

func TestDecisionsAreSortedAndComplete(t *testing.T) {
	is := is.New(t)
	c := corpus.Generate(corpus.Options{People: 300, Seed: 3})
	eng, _ := matching.New(matching.DefaultConfig())
	res, err := eng.Resolve(context.Background(), c.State())
	is.NoErr(err)
	is.Equal(len(res.Decisions), len(c.Identities))
	is.Equal(res.Stats.Pending, len(c.Identities))
	is.Equal(res.Stats.Auto+res.Stats.Conflict+res.Stats.Own, res.Stats.Pending)
	for i := 1; i < len(res.Decisions); i++ {
		is.True(res.Decisions[i-1].IdentityID < res.Decisions[i].IdentityID) // sorted by IdentityID
	}
	is.True(res.Stats.CandidatePairs <= 20*res.Stats.Identities) // blocking bound
}

// Blocking keeps candidate pairs near-linear on a large corpus.
func TestCandidatePairsBound(t *testing.T) {
	if testing.Short() {
		t.Skip("large corpus")
	}
	is := is.New(t)
	c := corpus.ForIdentities(100_000, 1)
	eng, _ := matching.New(matching.DefaultConfig())
	res, err := eng.Resolve(context.Background(), c.State())
	is.NoErr(err)
	t.Logf("%d identities, %d candidate pairs (%.2f per identity)", res.Stats.Identities, res.Stats.CandidatePairs, float64(res.Stats.CandidatePairs)/float64(res.Stats.Identities))
	is.True(res.Stats.CandidatePairs <= 20*res.Stats.Identities)
}

func TestIndexMatch(t *testing.T) {
	J, G := identity.SourceJira, identity.SourceGitLab
	state := identity.MatchState{
		Mappings: []identity.Mapping{
			linked(ident("x1", G, "Fatima Zahra", "fzahra", "fatima.zahra@acme.com"), "P-fatima", identity.StatusConfirmed),
			linked(ident("x2", G, "Oleg Orlov", "oorlov", "oleg.orlov@acme.com"), "P-oleg", identity.StatusAuto),
			linked(ident("x3", G, "Grace Kim", "gkim", "grace.kim@acme.com"), "P-grace", identity.StatusAuto),
		},
		Rejected: []identity.RejectedPair{{IdentityID: "new-3", PersonID: "P-grace"}},
	}
	eng, _ := matching.New(matching.DefaultConfig())
	idx, err := eng.NewIndex(context.Background(), state)
	is.New(t).NoErr(err)
	for _, tc := range []struct {
		name   string
		id     identity.Identity
		person string
		key    string
		status identity.Status
	}{
		{"same email", ident("new-1", J, "Fatima Zahra", "", "Fatima.Zahra@acme.com"), "P-fatima", "", identity.StatusAuto},
		{"name only, Cyrillic", ident("new-2", J, "Олег Орлов", "", ""), "P-oleg", "", identity.StatusConflict},
		{"rejected pair", ident("new-3", J, "Grace Kim", "", "grace.kim@acme.com"), "", "new-3", identity.StatusAuto},
		{"nobody", ident("new-4", J, "Hiroshi Yamamoto", "", ""), "", "new-4", identity.StatusAuto},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			d, err := idx.Match(tc.id)
			is.NoErr(err)
			is.Equal(d.PersonID, tc.person)
			is.Equal(d.NewPersonKey, tc.key)
			is.Equal(d.Status, tc.status)
			is.True(len(d.Trace) > 0)
		})
	}
}

func TestNormalizers(t *testing.T) {
	eng, _ := matching.New(func() matching.Config {
		c := matching.DefaultConfig()
		c.DomainAliases = map[string]string{"acme.io": "acme.com"}
		return c
	}())
	for _, tc := range []struct{ in, want string }{
		{"  Alex.Smith@ACME.com ", "alex.smith@acme.com"},
		{"alex.smith@acme.io", "alex.smith@acme.com"},
		{"a.smith+jira@gmail.com", "asmith@gmail.com"},
		{"a.smith+jira@acme.com", "a.smith+jira@acme.com"}, // unknown provider: +tag kept
		{"mailto:<Bob@Example.org>", "bob@example.org"},
		{"123-jdoe@users.noreply.gitlab.com", "noreply:jdoe"},
		{"4567+octo-cat@users.noreply.github.com", "noreply:octo-cat"},
		{"not an email", ""},
	} {
		if got := eng.NormalizeEmail(tc.in); got != tc.want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"J.Smith_2", "jsmith"},
		{"alex-smith-42", "alexsmith"},
		{"12345", "12345"},
	} {
		if got := matching.NormalizeUsername(tc.in); got != tc.want {
			t.Errorf("NormalizeUsername(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	same := [][]string{
		{"Алексей Смирнов", "Aleksei Smirnov", "Alexey Smirnov", "Smirnov, Alexei", "aleksej smirnow"},
		{"José García", "Jose Garcia", "GARCIA José"},
		{"Юрий Фёдоров", "Yuri Fedorov", "Iurii Fedorov", "Yuriy Fyodorov", "Jurij Fjodorow"},
		{"Щербаков", "Shcherbakov", "Schtscherbakow"},
		{"Ji-woo Park", "Jiwoo Park"},
	}
	for _, group := range same {
		want := matching.NormalizeName(group[0])
		for _, n := range group[1:] {
			if got := matching.NormalizeName(n); got != want {
				t.Errorf("NormalizeName(%q) = %q, want %q (as %q)", n, got, want, group[0])
			}
		}
	}
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Алексей Смирнов", "José García", "J. Smith", "", "\xff\xfe", "Ji-woo O'Neil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := matching.NormalizeName(s)
		if matching.NormalizeName(n) != n {
			t.Fatalf("NormalizeName not idempotent on %q: %q", s, n)
		}
		_ = matching.NormalizeUsername(s)
	})
}

func FuzzNormalizeEmail(f *testing.F) {
	eng, _ := matching.New(matching.DefaultConfig())
	for _, s := range []string{"a@b.c", " A.B+c@Gmail.com ", "1-x@users.noreply.gitlab.com", "@", "a@", "@b", "\x00@\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := eng.NormalizeEmail(s)
		if n != "" && !strings.HasPrefix(n, "noreply:") && eng.NormalizeEmail(n) != n {
			t.Fatalf("NormalizeEmail not idempotent on %q: %q then %q", s, n, eng.NormalizeEmail(n))
		}
	})
}

// Traces stay valid JSON whatever the names hold.
func TestTraceIsValidJSON(t *testing.T) {
	is := is.New(t)
	eng, _ := matching.New(matching.DefaultConfig())
	names := []string{"Quote \"Q\" Smith", "Back\\slash Smith", "Tab\tSmith", "Bad \xff\xfe Smith", "Line\u2028Sep Smith", "Zoë <b>&</b> Smith"}
	var state identity.MatchState
	for i, n := range names {
		id := ident(string(rune('a'+i)), identity.SourceJira, n, "", "")
		state.Mappings = append(state.Mappings, identity.Mapping{Identity: id})
	}
	res, err := eng.Resolve(context.Background(), state)
	is.NoErr(err)
	for _, d := range res.Decisions {
		is.True(json.Valid(d.Trace)) // trace is valid JSON
		var tr matching.Trace
		is.NoErr(json.Unmarshal(d.Trace, &tr))
		is.Equal(tr.IdentityID, d.IdentityID)
	}
}

// A second run over applied decisions decides only new identities and
// attaches them to the people the first run created.
func TestResolveSecondRun(t *testing.T) {
	is := is.New(t)
	c := corpus.Generate(corpus.Options{People: 200, Seed: 11})
	cfg := matching.DefaultConfig()
	cfg.DomainAliases = c.DomainAliases
	eng, _ := matching.New(cfg)
	first, err := eng.Resolve(context.Background(), c.State())
	is.NoErr(err)
	// apply: every new person key becomes a person ID
	var state identity.MatchState
	byID := map[string]identity.Identity{}
	for _, id := range c.Identities {
		byID[id.ID] = id
	}
	personOfID := map[string]string{}
	for _, d := range first.Decisions {
		pid := d.PersonID
		if pid == "" {
			pid = "P-" + d.NewPersonKey
		}
		personOfID[d.IdentityID] = pid
		state.Mappings = append(state.Mappings, identity.Mapping{
			Identity: byID[d.IdentityID],
			Link:     &identity.Link{IdentityID: d.IdentityID, PersonID: pid, Status: d.Status, MatchedAt: t0.Add(time.Hour)},
		})
	}
	// a new GitLab account using the work email of someone already known
	var known identity.Identity
	for _, id := range c.Identities {
		if id.Email != "" && strings.HasSuffix(id.Email, "@acme.com") && !id.IsServiceAccount {
			known = id
			break
		}
	}
	fresh := identity.Identity{ID: "zz-new", Source: identity.SourceGitLab, ExternalID: "999999", Username: "brand-new-handle", Email: known.Email, DisplayName: known.DisplayName}
	state.Mappings = append(state.Mappings, identity.Mapping{Identity: fresh})
	second, err := eng.Resolve(context.Background(), state)
	is.NoErr(err)
	is.Equal(second.Stats.Pending, 1)
	is.Equal(len(second.Decisions), 1)
	d := second.Decisions[0]
	is.Equal(d.IdentityID, "zz-new")
	is.Equal(d.PersonID, personOfID[known.ID]) // joined the known person
	is.Equal(d.Status, identity.StatusAuto)

	// incremental path agrees
	idx, err := eng.NewIndex(context.Background(), identity.MatchState{Mappings: state.Mappings[:len(state.Mappings)-1]})
	is.NoErr(err)
	m, err := idx.Match(fresh)
	is.NoErr(err)
	is.Equal(m.PersonID, d.PersonID)
	is.Equal(m.Status, d.Status)
}

// TestIndexMatchChecksThePerson: the incremental match checks the
// candidate person's other accounts as Resolve checks a merge, so both
// refuse a namesake whose numbered work address sits next to the
// person's own.
func TestIndexMatchChecksThePerson(t *testing.T) {
	is := is.New(t)
	J, G, C := identity.SourceJira, identity.SourceGitLab, identity.SourceConfluence
	known := []identity.Mapping{
		linked(ident("a1", J, "Alex Smith", "", "alex.smith@acme.com"), "P-alex", identity.StatusConfirmed),
		linked(ident("a2", G, "Alex Smith", "asmith", ""), "P-alex", identity.StatusConfirmed),
	}
	fresh := ident("a3", C, "Alex Smith", "", "alex.smith2@acme.com")
	eng, _ := matching.New(matching.DefaultConfig())

	idx, err := eng.NewIndex(context.Background(), identity.MatchState{Mappings: known})
	is.NoErr(err)
	m, err := idx.Match(fresh)
	is.NoErr(err)
	is.Equal(m.PersonID, "")
	is.Equal(m.NewPersonKey, "a3")
	var tr matching.Trace
	is.NoErr(json.Unmarshal(m.Trace, &tr))
	is.Equal(tr.Decision, "own")
	is.Equal(tr.CandidateIdentityID, "a2") // the name-only match it refused
	is.True(strings.Contains(tr.Refused, "contradicts"))

	res, err := eng.Resolve(context.Background(), identity.MatchState{Mappings: append(known, identity.Mapping{Identity: fresh})})
	is.NoErr(err)
	is.Equal(len(res.Decisions), 1)
	is.Equal(res.Decisions[0].PersonID, m.PersonID)
	is.Equal(res.Decisions[0].NewPersonKey, m.NewPersonKey)
	is.Equal(res.Decisions[0].Status, m.Status)
}
