package matching_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/matching"
	"github.com/ovia-hq/ovia/matching/corpus"
)

// BenchmarkResolve resolves a generated first-run corpus (every identity
// pending, ~3.3 identities per person).
func BenchmarkResolve(b *testing.B) {
	for _, n := range []struct {
		name     string
		ids      int
		activity bool
	}{{"10k", 10_000, false}, {"100k", 100_000, false}, {"100k+co_occurrence", 100_000, true}} {
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
			b.ReportAllocs()
			cpu0 := cpuTime()
			b.ResetTimer()
			var res matching.Result
			for b.Loop() {
				res, err = eng.Resolve(context.Background(), state)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(state.Mappings))*float64(b.N)/b.Elapsed().Seconds(), "identities/s")
			b.ReportMetric(float64(res.Stats.CandidatePairs)/float64(res.Stats.Identities), "pairs/identity")
			// CPU seconds of the whole process per op (both cores), to
			// read timings taken on a busy machine.
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(maxRSS())/(1<<20), "maxrss-MiB")
		})
	}
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
