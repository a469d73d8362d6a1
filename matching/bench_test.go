package matching_test

import (
	"context"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/matching"
	"github.com/ovia-hq/ovia/matching/corpus"
)

// BenchmarkResolve resolves a generated first-run corpus (every identity
// pending, ~3.3 identities per person), given as the product gives it:
// ordered by identity ID and freshly read, as storage's LoadMatchState
// returns it (see storageOrder). The "generation-order" case feeds the
// same identities in the order the generator made them, strings where it
// left them: the identities' memory is then read in random order.
//
// Each size generates its own corpus, so a run sees only its own org in
// memory (its GC pacing included), as a process resolving that org
// would. The 10k→100k growth is the ratio of the two medians; as this
// machine's speed drifts over minutes, read it from one invocation
// (10k and 100k timed minutes apart at most) and repeat the invocation.
func BenchmarkResolve(b *testing.B) {
	for _, n := range []struct {
		name     string
		ids      int
		activity bool
		genOrder bool
	}{
		{"10k", 10_000, false, false},
		{"100k", 100_000, false, false},
		{"100k+co_occurrence", 100_000, true, false},
		{"100k/generation-order", 100_000, false, true},
	} {
		b.Run(n.name, func(b *testing.B) {
			c := corpus.ForIdentities(n.ids, 1)
			cfg := matching.DefaultConfig()
			cfg.DomainAliases = c.DomainAliases
			if n.activity {
				// the doubtful links' group view (co_occurrence over
				// whole groups) only runs with activity
				cfg.Activity = c.Activity
			}
			eng, err := matching.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			state := c.State()
			if !n.genOrder {
				state = storageOrder(state)
			}
			b.ReportAllocs()
			cpu0 := cpuTime()
			b.ResetTimer()
			// keep only the stats: a previous run's decisions and traces
			// must not stay alive (and be marked by the GC) during the next
			var stats matching.Stats
			for b.Loop() {
				res, err := eng.Resolve(context.Background(), state)
				if err != nil {
					b.Fatal(err)
				}
				stats = res.Stats
			}
			b.ReportMetric(float64(len(state.Mappings))*float64(b.N)/b.Elapsed().Seconds(), "identities/s")
			b.ReportMetric(float64(stats.CandidatePairs)/float64(stats.Identities), "pairs/identity")
			// CPU seconds of the whole process per op (both cores), to
			// read timings taken on a busy machine.
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(maxRSS())/(1<<20), "maxrss-MiB")
		})
	}
}

// storageOrder returns st as storage's LoadMatchState gives it: mappings
// ordered by identity ID (ORDER BY i.id), each one's strings allocated as
// its row is scanned, one row after the other.
func storageOrder(st identity.MatchState) identity.MatchState {
	ms := slices.Clone(st.Mappings)
	slices.SortFunc(ms, func(a, b identity.Mapping) int { return strings.Compare(a.Identity.ID, b.Identity.ID) })
	for i := range ms {
		id := &ms[i].Identity
		id.ID, id.OrgID, id.ExternalID = strings.Clone(id.ID), strings.Clone(id.OrgID), strings.Clone(id.ExternalID)
		id.Username, id.Email, id.DisplayName = strings.Clone(id.Username), strings.Clone(id.Email), strings.Clone(id.DisplayName)
		if l := ms[i].Link; l != nil {
			cp := *l
			cp.IdentityID, cp.PersonID = strings.Clone(l.IdentityID), strings.Clone(l.PersonID)
			ms[i].Link = &cp
		}
	}
	return identity.MatchState{Mappings: ms, Rejected: slices.Clone(st.Rejected)}
}

// BenchmarkMatchOne matches one new identity against an index of a
// resolved 100k corpus.
func BenchmarkMatchOne(b *testing.B) {
	c := corpus.ForIdentities(100_000, 1)
	cfg := matching.DefaultConfig()
	cfg.DomainAliases = c.DomainAliases
	eng, err := matching.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	// Hold out every 100th identity as the "new" ones; index the rest,
	// linked to their true people (as after a resolved run).
	var state identity.MatchState
	var probes []identity.Identity
	for i, id := range c.Identities {
		if i%100 == 0 {
			probes = append(probes, id)
			continue
		}
		state.Mappings = append(state.Mappings, identity.Mapping{
			Identity: id,
			Link:     &identity.Link{IdentityID: id.ID, PersonID: c.Truth[id.ID], Status: identity.StatusConfirmed},
		})
	}
	idx, err := eng.NewIndex(context.Background(), state)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := idx.Match(probes[i%len(probes)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// cpuTime is the user+system CPU time of this process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// maxRSS is the peak resident set size of this process, in bytes (the
// corpus and the benchmark harness included).
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024
}
