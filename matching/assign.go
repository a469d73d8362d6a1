package matching

import (
	"fmt"
	"slices"
	"sync"
)

// Namesake assignment. An account whose name several people bear (a
// name-only Jira account, say) is damped below the conflict threshold
// against each of them. But when the links already made placed every
// other bearer of its name, and all of their groups but one already hold
// an account in its tool, the account most likely belongs to the one that
// does not (a person rarely holds two accounts in one tool, see
// RuleSourceExclusivity): for that candidate the name is weighed
// undamped, the other bearers being accounted for. The one group must
// hold two accounts or more (a person, not another lone account). It
// yields a doubtful link at most, queued for a human, the bonus shown on
// the trace's source_exclusivity line.

// assignEdges returns edges with the namesake assignments added, and the
// indexes of the edges added or raised (an assignment to a pair already
// among edges raises its log-odds in place). root maps each identity to
// its cluster after the automatic and doubtful links, src each root to
// the sources its members hold.
func (x *Index) assignEdges(pairs []uint64, scores []pairScore, root []int32, src []sourceMask, edges []edge) ([]edge, []int) {
	autoRoot := root
	cfg := x.eng.cfg
	autoCap := logit(cfg.AutoThreshold) - 0.01
	n := len(x.profs)
	size := make([]int32, n)
	for _, r := range autoRoot {
		size[r]++
	}
	var single []int32 // alone in its cluster, pending, human, named
	// ntoks: each identity's name tokens, -1 for a service account (the
	// pair scan below reads this instead of the profiles)
	ntoks := make([]int8, n)
	for i := range x.profs {
		p := &x.profs[i]
		ntoks[i] = int8(len(p.toks))
		if p.service {
			ntoks[i] = -1
		}
		if size[autoRoot[i]] == 1 && p.pending && !p.service && p.nkey != "" {
			single = append(single, int32(i))
		}
	}
	if len(single) == 0 {
		return edges, nil
	}
	isSingle := make([]int32, n) // identity → index+1 in single
	for k, i := range single {
		isSingle[i] = int32(k + 1)
	}
	// candidates of each single account: pairs whose names agree fully.
	type cand struct {
		q int32
		k int // pair index
	}
	type found struct {
		s int32 // index in single
		c cand
	}
	// pairs judged in parallel, in chunks; the finds are then gathered
	// in pair order.
	var mu sync.Mutex
	chunks := map[int][]found{}
	parallel(len(pairs), func(lo, hi int) {
		var out []found
		for k := lo; k < hi; k++ {
			pr := pairs[k]
			a, b := int32(pr>>32), int32(uint32(pr))
			for _, pq := range [2][2]int32{{a, b}, {b, a}} {
				p, q := pq[0], pq[1]
				s := isSingle[p] - 1
				if s < 0 || scores[k].veto || ntoks[q] < 0 || autoRoot[q] == autoRoot[p] {
					continue
				}
				// names agree fully (nameClose or better) only with as
				// many tokens, two or more, on each side
				if nt := ntoks[p]; nt < 2 || nt != ntoks[q] {
					continue
				}
				// the names as the rules graded them (once per pair, in
				// index order); graded here when the rules did not
				// (two spelled names)
				lvl := int(scores[k].nameLvl) - 1
				if lvl < 0 {
					a, b := min(p, q), max(p, q)
					lvl, _ = compareNames(&x.profs[a], &x.profs[b])
				}
				if lvl < nameClose {
					continue
				}
				out = append(out, found{s, cand{q, k}})
			}
		}
		mu.Lock()
		chunks[lo] = out
		mu.Unlock()
	})
	los := make([]int, 0, len(chunks))
	for lo := range chunks {
		los = append(los, lo)
	}
	slices.Sort(los)
	cands := make([][]cand, len(single))
	for _, lo := range los {
		for _, f := range chunks[lo] {
			cands[f.s] = append(cands[f.s], f.c)
		}
	}
	// members of the roots involved, gathered in one pass.
	members := map[int32][]int32{}
	need := make([]bool, n)
	for _, cs := range cands {
		for _, c := range cs {
			need[autoRoot[c.q]] = true
		}
	}
	for i, r := range autoRoot {
		if need[r] {
			members[r] = append(members[r], int32(i))
		}
	}
	existing := map[uint64]int{}
	type pick struct {
		p, q  int32
		k     int
		bonus float64
		l     float64
	}
	var picks []pick
	for s, cs := range cands {
		p := single[s]
		pp := &x.profs[p]
		var roots []int32
		bit := sourceBit(pp.id.Source)
		grouped := true
		for _, c := range cs {
			r := autoRoot[c.q]
			if !containsRoot(roots, r) {
				roots = append(roots, r)
				// the namesake without an account in the tool is a
				// group of accounts (a person), not another lone account
				grouped = grouped && (size[r] >= 2 || src[r]&bit != 0)
			}
		}
		if len(roots) < 2 || !grouped {
			continue
		}
		free := int32(-1)
		nFree := 0
		covered := int32(0)
		for _, r := range roots {
			if src[r]&bit == 0 {
				free, nFree = r, nFree+1
			}
			for _, m := range members[r] {
				if x.profs[m].nkey == pp.nkey {
					covered++
				}
			}
		}
		if nFree != 1 || covered != pp.nameCnt-1 {
			continue
		}
		best := pick{k: -1}
		for _, c := range cs {
			if autoRoot[c.q] != free {
				continue
			}
			a, b := p, c.q
			if b < a {
				a, b = b, a
			}
			ua, ub := x.profs[a], x.profs[b]
			ua.nameCnt, ub.nameCnt, ua.initFreq, ub.initFreq = 1, 1, 1, 1
			// a doubtful link at most
			l := min(x.compare(&ua, &ub, counts{x: x}, nil).logOdds, autoCap)
			if best.k < 0 || l > best.l || l == best.l && c.q < best.q {
				best = pick{p: p, q: c.q, k: c.k, l: l, bonus: l - scores[c.k].logOdds}
			}
		}
		if best.k < 0 || best.bonus <= 0 || scoreOf(best.l) < cfg.ConflictThreshold {
			continue
		}
		existing[pairs[best.k]] = -1
		picks = append(picks, best)
	}
	if len(picks) == 0 {
		return edges, nil
	}
	var touched []int
	for i := range edges {
		key := uint64(edges[i].a)<<32 | uint64(uint32(edges[i].b))
		if _, ok := existing[key]; ok {
			existing[key] = i
		}
	}
	for _, pk := range picks {
		a, b := pk.p, pk.q
		if b < a {
			a, b = b, a
		}
		if i := existing[pairs[pk.k]]; i >= 0 {
			e := &edges[i]
			e.bonus = pk.l - scores[pk.k].logOdds
			e.l, e.score = pk.l, scoreOf(pk.l)
			touched = append(touched, i)
			continue
		}
		touched = append(touched, len(edges))
		edges = append(edges, edge{a: a, b: b, l: pk.l, score: scoreOf(pk.l), bonus: pk.bonus})
	}
	return edges, touched
}

func containsRoot(rs []int32, r int32) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// assignNote explains a namesake assignment's bonus in a trace.
func assignNote(bonus float64, src string) string {
	return fmt.Sprintf("every other bearer of this name belongs to a person who already holds a %s account, but this one: the name is weighed undamped for it (+%.1f bits)", src, bonus)
}
