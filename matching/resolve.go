package matching

import (
	"cmp"
	"context"
	"math"
	"math/bits"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/ovia-hq/ovia/identity"
)

// Result is the outcome of Resolve.
type Result struct {
	// Decisions, one per pending identity, sorted by IdentityID. Their
	// traces share backing arrays of 256 KB (allocated a few at a time,
	// not one per trace): to keep a handful of traces long after the
	// rest, keep copies (bytes.Clone).
	Decisions []identity.Decision
	Stats     Stats
}

// Stats counts what Resolve did.
type Stats struct {
	Identities int // identities in the state
	Pending    int // identities decided
	// CandidatePairs is the number of distinct identity pairs scored
	// (blocking keeps it far below n²; the target is ≤ 20 × Identities).
	CandidatePairs int
	Auto           int // auto decisions linked to another identity or an existing person
	Conflict       int // conflict decisions (queued for review)
	// Own counts auto decisions without an automatic link: the identity
	// starts a new person (doubtful suggestions may have joined it).
	Own int
}

// edge is a scored candidate pair (a < b as profile indexes).
type edge struct {
	a, b  int32
	score float64
	l     float64
	// bonus: bits a namesake assignment added to l (see assignEdges).
	bonus float64
}

// Resolve decides every pending identity of state (see identity.Mapping
// Pending): linked to an existing person, grouped with other pending
// identities into a new person, or left alone. Non-pending identities are
// never changed. The result does not depend on the order of
// state.Mappings. An identity without ID, source or external ID is an
// identity.ErrInvalid.
//
// Clustering is greedy and best-first over the scored candidate pairs.
// First, pairs at or above the auto threshold merge their clusters in
// descending score order, unless the merge would join two existing people,
// put an identity into a person it was rejected from, or join clusters
// holding a contradicting pair. Then pairs in [conflict, auto) merge
// clusters under the same rules, provided no cross pair carries evidence
// against the link, no two members hold different work mailboxes at one
// domain (namesakes) and the clusters as grown so far do not act apart
// (co_occurrence against the link). Last, an account still alone may be
// assigned to the only namesake without an account in its tool
// (assignEdges). In each final cluster the automatic core (the one
// holding the existing person, else the largest, then richest) keeps
// StatusAuto; the identities that joined it through doubtful pairs get
// StatusConflict, with the cluster as their suggestion.
func (e *Engine) Resolve(ctx context.Context, state identity.MatchState) (Result, error) {
	if err := validateMappings(state.Mappings); err != nil {
		return Result{}, err
	}
	x, err := e.buildIndex(ctx, state)
	if err != nil {
		return Result{}, err
	}
	n := len(x.profs)
	res := Result{Stats: Stats{Identities: n}}
	var pending []int32
	for i := range x.profs {
		if x.profs[i].pending {
			pending = append(pending, int32(i))
		}
	}
	res.Stats.Pending = len(pending)
	if len(pending) == 0 {
		return res, nil
	}

	pairs := x.candidatePairs()
	res.Stats.CandidatePairs = len(pairs)
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	scores := x.scorePairs(pairs)
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}

	cfg := e.cfg
	c := counts{x: x}
	// bestAny: each pending identity's best pair (for "own" decisions).
	bestAny := make([]int32, n)
	for i := range bestAny {
		bestAny[i] = -1
	}
	bestAnyScore := make([]float64, n)
	isPending := make([]bool, n)
	for _, p := range pending {
		isPending[p] = true
	}
	liftable := len(e.activity) > 0
	conflictLogOdds := logit(cfg.ConflictThreshold)
	// edges: sized once (rejected pairs aside) rather than grown
	ne := 0
	for k := range scores {
		if s := &scores[k]; s.score >= cfg.ConflictThreshold || liftable && s.logOdds >= conflictLogOdds-maxCoOccurrence {
			ne++
		}
	}
	edges := make([]edge, 0, ne)
	for k, pr := range pairs {
		a, b := int32(pr>>32), int32(uint32(pr))
		s := scores[k]
		if x.rejectedPair(a, b) {
			continue
		}
		for _, pq := range [2][2]int32{{a, b}, {b, a}} {
			p, q := pq[0], pq[1]
			if !isPending[p] {
				continue
			}
			if bestAny[p] < 0 || s.score > bestAnyScore[p] || s.score == bestAnyScore[p] && q < bestAny[p] {
				bestAny[p], bestAnyScore[p] = q, s.score
			}
		}
		// A pair just below the conflict threshold is kept when activity
		// is known: the scopes of whole groups of accounts
		// (co_occurrence in phase 2) may lift it.
		if s.score >= cfg.ConflictThreshold || liftable && s.logOdds >= conflictLogOdds-maxCoOccurrence {
			edges = append(edges, edge{a: a, b: b, score: s.score, l: s.logOdds})
		}
	}
	edges = sortEdges(edges)

	u := newClusters(x, state.Rejected)
	u.setPairs(pairs, scores)
	// Phase 1: automatic links.
	for _, ed := range edges {
		if ed.score < cfg.AutoThreshold {
			break
		}
		ra, rb := u.find(ed.a), u.find(ed.b)
		if ra == rb || !u.canMerge(ra, rb, c) {
			continue
		}
		u.union(ra, rb)
	}
	autoRoot := make([]int32, n)
	for i := range autoRoot {
		autoRoot[i] = u.find(int32(i))
	}
	// Phase 2: doubtful links. Clusters joined by a conflict-range edge
	// merge when no existing people clash, no rejection forbids it and
	// no cross pair carries evidence against the link (log-odds at or
	// below weakLinkLogOdds), so clearly different identities do not
	// chain through a shared neighbour. Each edge is judged between the
	// automatic clusters it joins (groupView: co_occurrence over every
	// linked account's scopes, source_exclusivity for the order), so
	// among namesakes an account goes to the group in its team and
	// without an account in its tool.
	// refused[p]: why p's best candidate, refused below, was not
	// suggested (the first reason found for that pair).
	refused := make([]string, n)
	refuse := func(ed edge, why string) {
		for _, pq := range [2][2]int32{{ed.a, ed.b}, {ed.b, ed.a}} {
			if p, q := pq[0], pq[1]; bestAny[p] == q && refused[p] == "" {
				refused[p] = why
			}
		}
	}
	autoSrc := append([]sourceMask(nil), u.srcs...)
	groups := x.newGroupView(autoRoot, autoSrc)
	grp := make([]groupLink, len(edges))
	// edges are sorted best first: the doubtful ones come last
	doubtful := make([]queuedEdge, 0, len(edges)-sort.Search(len(edges), func(i int) bool { return edges[i].score < cfg.AutoThreshold }))
	for k, ed := range edges {
		if autoRoot[ed.a] == autoRoot[ed.b] {
			continue
		}
		grp[k] = groups.link(ed, c)
		if ed.score < cfg.AutoThreshold && scoreOf(grp[k].l) >= cfg.ConflictThreshold {
			doubtful = append(doubtful, queuedEdge{rank: grp[k].rank, k: int32(k)})
		} else if ed.score < cfg.AutoThreshold && ed.score >= cfg.ConflictThreshold {
			refuse(ed, refusedActApart)
		}
	}
	slices.SortFunc(doubtful, compareQueued)
	for _, it := range doubtful {
		ed := edges[it.k]
		ra, rb := u.find(ed.a), u.find(ed.b)
		if ra == rb {
			continue
		}
		// canMerge, then noWeakLinks, over the cross pairs at once
		if ok, people := u.canMergeNoWeakLinks(ra, rb, c); !ok {
			if people {
				refuse(ed, refusedPeople)
			} else {
				refuse(ed, refusedContradicts)
			}
			continue
		}
		// The clusters as grown so far act apart: count it against the
		// link, as between automatic groups; and if both already hold an
		// account in one tool, count source_exclusivity too: a second
		// account of one person works for the same teams, so the two
		// together are a namesake's signature.
		if liftable && u.grownApart(ra, rb) {
			pen := 0.0
			if !grp[it.k].none {
				pen += WeightCoOccurrenceNone
			}
			if u.srcs[ra]&u.srcs[rb] != 0 {
				pen += WeightSourceOverlap
			}
			if scoreOf(grp[it.k].l+pen) < cfg.ConflictThreshold {
				refuse(ed, refusedActApart)
				continue
			}
		}
		u.union(ra, rb)
	}
	// Phase 3: namesake assignment over the final clusters (see
	// assignEdges): an account still alone whose namesakes all but one
	// already hold an account in its tool is suggested to that one.
	finalRoot := make([]int32, n)
	for i := range finalRoot {
		finalRoot[i] = u.find(int32(i))
	}
	var touched []int
	edges, touched = x.assignEdges(pairs, scores, finalRoot, u.srcs, edges)
	for len(grp) < len(edges) {
		grp = append(grp, groupLink{})
	}
	for _, k := range touched {
		ed := edges[k]
		grp[k] = groups.link(ed, c)
		ra, rb := u.find(ed.a), u.find(ed.b)
		if ra == rb || scoreOf(grp[k].l) < cfg.ConflictThreshold || !u.canMerge(ra, rb, c) || !u.noWeakLinks(ra, rb, c) {
			continue
		}
		u.union(ra, rb)
	}
	// The core of each final cluster: the auto cluster holding the
	// existing person, else the largest (then lowest) auto cluster. Core
	// members are linked automatically; the others are suggestions.
	n32 := int32(n)
	core := make([]int32, n) // final root → core auto root
	for i := range core {
		core[i] = -1
	}
	autoSize := make([]int32, n)
	autoHasPerson := make([]bool, n)
	// richness: emails and usernames the cluster knows; a name-only
	// account is the one to review, not its richer partner.
	autoRich := make([]int32, n)
	for i := range autoRoot {
		ar := autoRoot[i]
		autoSize[ar]++
		p := &x.profs[i]
		if p.person != "" {
			autoHasPerson[ar] = true
		}
		if p.email.full != "" {
			autoRich[ar]++
		}
		if p.user != "" {
			autoRich[ar]++
		}
	}
	better := func(a, b int32) bool {
		if autoHasPerson[a] != autoHasPerson[b] {
			return autoHasPerson[a]
		}
		if autoSize[a] != autoSize[b] {
			return autoSize[a] > autoSize[b]
		}
		if autoRich[a] != autoRich[b] {
			return autoRich[a] > autoRich[b]
		}
		return a < b
	}
	for ar := int32(0); ar < n32; ar++ {
		if autoRoot[ar] != ar {
			continue
		}
		root := u.find(ar)
		if cur := core[root]; cur < 0 || better(ar, cur) {
			core[root] = ar
		}
	}
	// Best edge tying each non-core auto cluster to the rest of its
	// final cluster, by group rank among the edges strong enough to
	// link (every member joined through one).
	conflictEdge := make([]int32, n) // auto root → index+1 of its edge
	for k, ed := range edges {
		ra, rb := autoRoot[ed.a], autoRoot[ed.b]
		if ra == rb || u.find(ed.a) != u.find(ed.b) || scoreOf(grp[k].l) < cfg.ConflictThreshold {
			continue
		}
		for _, s := range [2]int32{ra, rb} {
			if core[u.find(s)] == s {
				continue
			}
			if cur := conflictEdge[s]; cur == 0 || grp[k].rank > grp[cur-1].rank {
				conflictEdge[s] = int32(k + 1)
			}
		}
	}

	// Best auto edge of each pending identity inside its auto cluster.
	bestAuto := make([]int32, n)
	for i := range bestAuto {
		bestAuto[i] = -1
	}
	for k, ed := range edges {
		if ed.score < cfg.AutoThreshold {
			break
		}
		if autoRoot[ed.a] != autoRoot[ed.b] {
			continue
		}
		if bestAuto[ed.a] < 0 {
			bestAuto[ed.a] = int32(k)
		}
		if bestAuto[ed.b] < 0 {
			bestAuto[ed.b] = int32(k)
		}
	}
	// Other plausible existing persons per pending identity (none
	// without existing persons).
	cands := map[int32][]personScore{}
	for _, ed := range edges {
		if len(x.persons) == 0 {
			break
		}
		for _, pq := range [2][2]int32{{ed.a, ed.b}, {ed.b, ed.a}} {
			p, q := pq[0], pq[1]
			if x.profs[p].pending && x.profs[q].person != "" && ed.score >= cfg.ConflictThreshold {
				cands[p] = appendCandidate(cands[p], x.profs[q].person, ed.score)
			}
		}
	}

	res.Decisions = make([]identity.Decision, 0, len(pending))
	type traceJob struct {
		a, b int32 // compared pair; b < 0: no candidate
		kind string
		// group: compare the automatic clusters of a and b as wholes
		// (a conflict; see groupView).
		group bool
		bonus float64 // namesake assignment (see assignEdges)
		// refused: why an own decision's best candidate was not
		// suggested (Trace.Refused).
		refused string
	}
	jobs := make([]traceJob, 0, len(pending))
	minOf := make([]int32, n) // root → its least member, once known
	for i := range minOf {
		minOf[i] = -1
	}
	for _, p := range pending {
		root := u.find(p)
		d := identity.Decision{IdentityID: x.profs[p].id.ID, Status: identity.StatusAuto}
		if u.person[root] != "" {
			d.PersonID = u.person[root]
		} else {
			if minOf[root] < 0 {
				minOf[root] = u.minMember(root)
			}
			d.NewPersonKey = x.profs[minOf[root]].id.ID
		}
		subRoot := autoRoot[p]
		switch {
		case core[root] != subRoot && conflictEdge[subRoot] > 0:
			ed := edges[conflictEdge[subRoot]-1]
			from, to := ed.a, ed.b
			if autoRoot[to] == subRoot {
				from, to = to, from
			}
			d.Status = identity.StatusConflict
			d.Score = scoreOf(grp[conflictEdge[subRoot]-1].l)
			jobs = append(jobs, traceJob{a: from, b: to, kind: decisionConflict, group: true, bonus: ed.bonus})
			res.Stats.Conflict++
		case bestAuto[p] >= 0:
			ed := edges[bestAuto[p]]
			other := ed.b
			if other == p {
				other = ed.a
			}
			d.Score = ed.score
			jobs = append(jobs, traceJob{a: p, b: other, kind: decisionAuto})
			res.Stats.Auto++
		default:
			if bestAny[p] >= 0 {
				d.Score = bestAnyScore[p]
			}
			jobs = append(jobs, traceJob{a: p, b: bestAny[p], kind: decisionOwn, refused: refused[p]})
			res.Stats.Own++
		}
		for _, ps := range cands[p] {
			if len(d.CandidatePersonIDs) == cfg.MaxCandidates {
				break
			}
			if ps.person != d.PersonID && !x.isRejected(d.IdentityID, ps.person) {
				d.CandidatePersonIDs = append(d.CandidatePersonIDs, ps.person)
			}
		}
		res.Decisions = append(res.Decisions, d)
	}
	parallel(len(jobs), func(lo, hi int) {
		var ts traceScratch
		for k := lo; k < hi; k++ {
			j, d := jobs[k], &res.Decisions[k]
			if j.group {
				pa, pb, extra := groups.traceInputs(j.a, j.b)
				if j.bonus != 0 {
					for i := range extra {
						if extra[i].Rule == RuleSourceExclusivity {
							extra[i].Weight, extra[i].Contribution = round3(j.bonus), round3(j.bonus)
							extra[i].Note = assignNote(j.bonus, string(pa.id.Source))
						}
					}
				}
				d.Trace = x.traceJSON(&ts, d.IdentityID, &pa, &pb, c, j.kind, d.PersonID, d.NewPersonKey, "", extra...)
				continue
			}
			var other *profile
			if j.b >= 0 {
				other = &x.profs[j.b]
			}
			d.Trace = x.traceJSON(&ts, d.IdentityID, &x.profs[j.a], other, c, j.kind, d.PersonID, d.NewPersonKey, j.refused)
		}
	})
	return res, nil
}

// sortEdges orders edges by descending score, then a, then b. Edges come
// in pair order (a, then b), and a score is k/10⁴ (see scoreOf): a
// stable counting sort on k does it in one pass.
func sortEdges(edges []edge) []edge {
	const levels = 10_001
	var cnt [levels + 1]int32
	for _, ed := range edges {
		k := math.Round(ed.score * 1e4)
		if !(k >= 0 && k < levels && k/1e4 == ed.score) {
			slices.SortFunc(edges, func(x, y edge) int {
				switch {
				case x.score != y.score:
					return cmp.Compare(y.score, x.score)
				case x.a != y.a:
					return cmp.Compare(x.a, y.a)
				}
				return cmp.Compare(x.b, y.b)
			})
			return edges
		}
		cnt[levels-1-int(k)+1]++ // best first
	}
	for d := 1; d <= levels; d++ {
		cnt[d] += cnt[d-1]
	}
	out := make([]edge, len(edges))
	for _, ed := range edges {
		d := levels - 1 - int(math.Round(ed.score*1e4))
		out[cnt[d]] = ed
		cnt[d]++
	}
	return out
}

type personScore struct {
	person string
	score  float64
}

// appendCandidate keeps one entry per person with its best score, sorted
// best first (ties by person ID).
func appendCandidate(list []personScore, person string, score float64) []personScore {
	for i := range list {
		if list[i].person == person {
			if score > list[i].score {
				list[i].score = score
			}
			sortCandidates(list)
			return list
		}
	}
	list = append(list, personScore{person, score})
	sortCandidates(list)
	return list
}

func sortCandidates(list []personScore) {
	sort.Slice(list, func(i, j int) bool {
		if list[i].score != list[j].score {
			return list[i].score > list[j].score
		}
		return list[i].person < list[j].person
	})
}

func (x *Index) isRejected(identityID, personID string) bool {
	_, ok := x.rejected[identityID+"\x00"+personID]
	return ok
}

// rejectedPair reports whether a human rejected linking one side to the
// other's person.
func (x *Index) rejectedPair(a, b int32) bool {
	if len(x.rejected) == 0 {
		return false
	}
	pa, pb := &x.profs[a], &x.profs[b]
	if pb.person != "" && x.isRejected(pa.id.ID, pb.person) {
		return true
	}
	return pa.person != "" && x.isRejected(pb.id.ID, pa.person)
}

// candidatePairs collects the distinct pairs the blocks propose, with at
// least one pending side, as a<<32|b with a < b, sorted.
func (x *Index) candidatePairs() []uint64 {
	n := len(x.profs)
	pending := make([]bool, n)
	for i := range x.profs {
		pending[i] = x.profs[i].pending
	}
	// collected as a<<shift|b, compact for sorting
	shift := uint(bits.Len(uint(n)))
	// The blocks are paired in parallel chunks; the sort makes the
	// result independent of the split.
	var mu sync.Mutex
	var parts [][]uint64
	total := 0
	parallel(len(x.blocks.keys), func(klo, khi int) {
		pairs := make([]uint64, 0, 8*n*(khi-klo)/max(len(x.blocks.keys), 1))
		add := func(a, b int32) {
			if a == b || !pending[a] && !pending[b] {
				return
			}
			if a > b {
				a, b = b, a
			}
			pairs = append(pairs, uint64(a)<<shift|uint64(uint32(b)))
		}
		for k := klo; k < khi; k++ {
			x.blockPairs(x.blocks.block(k), add)
		}
		mu.Lock()
		parts = append(parts, pairs)
		total += len(pairs)
		mu.Unlock()
	})
	pairs := parts[0]
	if len(parts) > 1 {
		pairs = make([]uint64, 0, total)
		for _, p := range parts {
			pairs = append(pairs, p...)
		}
	}
	radixSortU64(pairs)
	out := pairs[:0]
	mask := uint64(1)<<shift - 1
	var prev uint64
	for i, p := range pairs {
		if i == 0 || p != prev {
			out = append(out, p>>shift<<32|p&mask)
		}
		prev = p // pairs[i-1] may be overwritten by now
	}
	return out
}

// blockPairs proposes the pairs of one block's members (sorted by sortKey
// when large) to add.
func (x *Index) blockPairs(mem []int32, add func(a, b int32)) {
	if len(mem) < 2 {
		return
	}
	if len(mem) <= maxBlock {
		for i := range mem {
			for j := i + 1; j < len(mem); j++ {
				add(mem[i], mem[j])
			}
		}
		return
	}
	w := windowFor(len(mem))
	for i := range mem {
		for j := i + 1; j <= i+w && j < len(mem); j++ {
			add(mem[i], mem[j])
		}
	}
	// Members are sorted by name key, so bearers of one full name
	// sit in a run; the window would pair a run longer than it only
	// in part, and a name-only account would miss its own person.
	for lo := 0; lo < len(mem); {
		hi := x.nameRunEnd(mem, lo)
		if hi-lo > w+1 && hi-lo <= maxNameRun {
			for i := lo; i < hi; i++ {
				for j := i + w + 1; j < hi; j++ {
					add(mem[i], mem[j])
				}
			}
		}
		lo = hi
	}
}

// nameRunEnd returns the end of the run of members of a sorted block that
// share mem[lo]'s name key.
func (x *Index) nameRunEnd(mem []int32, lo int) int {
	k := x.profs[mem[lo]].nkey
	hi := lo + 1
	for hi < len(mem) && x.profs[mem[hi]].nkey == k {
		hi++
	}
	return hi
}

// scorePairs scores pairs in parallel; the result is independent of the
// scheduling.
func (x *Index) scorePairs(pairs []uint64) []pairScore {
	out := make([]pairScore, len(pairs))
	c := counts{x: x}
	parallel(len(pairs), func(lo, hi int) {
		var sink int
		for k0 := lo; k0 < hi; k0 += touchBatch {
			k1 := min(hi, k0+touchBatch)
			sink += x.touchPairs(pairs[k0:k1])
			for k := k0; k < k1; k++ {
				a, b := int32(pairs[k]>>32), int32(uint32(pairs[k]))
				out[k] = x.compare(&x.profs[a], &x.profs[b], c, nil)
			}
		}
		touchSink.Add(int64(sink & 1))
	})
	return out
}

// touchBatch is how many pairs scorePairs loads ahead (see touchPairs).
const touchBatch = 16

// touchSink keeps touchPairs' loads from being optimized away.
var touchSink atomic.Int64

// touchPairs reads the profile data compare reads for pairs, in two
// rounds of independent loads (the profiles' first cache lines, then
// the strings and name tokens they point at), so that the cache misses
// of a batch overlap instead of stalling compare one after another; on
// a large index the profiles no longer fit in the caches. It returns a
// meaningless sum.
func (x *Index) touchPairs(pairs []uint64) int {
	s := 0
	for _, pr := range pairs {
		for _, i := range [2]uint32{uint32(pr >> 32), uint32(pr)} {
			p := &x.profs[i]
			s += int(p.atlKey) + int(p.emailCnt) + len(p.email.full) + len(p.user) + len(p.local) + len(p.toks) + len(p.canon) + len(p.scopes)
		}
	}
	for _, pr := range pairs {
		for _, i := range [2]uint32{uint32(pr >> 32), uint32(pr)} {
			p := &x.profs[i]
			if len(p.email.full) > 0 {
				s += int(p.email.full[0])
			}
			if len(p.user) > 0 {
				s += int(p.user[0])
			}
			if len(p.local) > 0 {
				s += int(p.local[len(p.local)-1])
			}
			if len(p.canon) > 0 {
				s += int(p.canon[len(p.canon)-1])
			}
			for j := range p.toks {
				s += len(p.toks[j].groups)
			}
		}
	}
	return s
}

// clusters is a union-find over identity indexes. Members of a cluster
// form a circular list (next), so merging is O(1) and allocation-free.
type clusters struct {
	x        *Index
	parent   []int32
	next     []int32
	size     []int32
	person   []string           // existing person of a root, "" for new
	srcs     []sourceMask       // sources the members of a root hold
	mbox     []mailboxKey       // identity → its work address, hashed
	rejected map[int32][]string // root → persons a member must not join
	cache    map[uint64]float64
	// pairs and scores: the scored candidate pairs (sorted), looked up
	// before comparing a pair afresh; the pairs whose lower side is i
	// are pairs[first[i]:first[i+1]] (see setPairs).
	pairs  []uint64
	scores []pairScore
	first  []int32
	buf    [2][]int32
}

func newClusters(x *Index, rejected []identity.RejectedPair) *clusters {
	n := len(x.profs)
	u := &clusters{
		x: x, parent: make([]int32, n), next: make([]int32, n), size: make([]int32, n),
		person: make([]string, n), srcs: make([]sourceMask, n), mbox: make([]mailboxKey, n),
		rejected: map[int32][]string{}, cache: map[uint64]float64{},
	}
	for i := range u.parent {
		p := &x.profs[i]
		u.parent[i], u.next[i], u.size[i] = int32(i), int32(i), 1
		u.person[i] = p.person
		u.srcs[i] = sourceBit(p.id.Source)
		if p.email.full != "" && !p.freeMail && !p.service && !p.sharedMailbox {
			u.mbox[i] = mailboxKey{dom: uint32(blockKey('d', p.email.domain, "")) | 1, local: uint32(blockKey('l', p.local, "")), numbered: numberedLocal(p.email.local)}
		}
	}
	// existing people are pre-merged clusters.
	first := map[string]int32{}
	for i := range x.profs {
		p := &x.profs[i]
		if p.person == "" {
			continue
		}
		if r, ok := first[p.person]; ok {
			u.union(u.find(r), int32(i))
		} else {
			first[p.person] = int32(i)
		}
	}
	byID := map[string][]string{}
	for _, r := range rejected {
		byID[r.IdentityID] = append(byID[r.IdentityID], r.PersonID)
	}
	for i := range x.profs {
		if rs := byID[x.profs[i].id.ID]; len(rs) > 0 {
			root := u.find(int32(i))
			u.rejected[root] = append(u.rejected[root], rs...)
		}
	}
	return u
}

func (u *clusters) find(i int32) int32 {
	for u.parent[i] != i {
		u.parent[i] = u.parent[u.parent[i]]
		i = u.parent[i]
	}
	return i
}

// union merges roots a and b (the smaller index becomes the root) and
// returns the new root.
func (u *clusters) union(a, b int32) int32 {
	if b < a {
		a, b = b, a
	}
	u.parent[b] = a
	u.next[a], u.next[b] = u.next[b], u.next[a]
	u.size[a] += u.size[b]
	u.srcs[a] |= u.srcs[b]
	if u.person[a] == "" {
		u.person[a] = u.person[b]
	}
	if rs, ok := u.rejected[b]; ok {
		u.rejected[a] = append(u.rejected[a], rs...)
		delete(u.rejected, b)
	}
	return a
}

// members lists a root's members into buffer k (0 or 1), reused.
func (u *clusters) members(root int32, k int) []int32 {
	m := u.buf[k][:0]
	for i := root; ; {
		m = append(m, i)
		i = u.next[i]
		if i == root {
			break
		}
	}
	u.buf[k] = m
	return m
}

func (u *clusters) minMember(root int32) int32 {
	m := root
	for i := u.next[root]; i != root; i = u.next[i] {
		m = min(m, i)
	}
	return m
}

// weakLinkLogOdds: in a doubtful (conflict) merge every cross pair must
// score above this: evidence against the link (two bits below the prior)
// blocks the merge.
const weakLinkLogOdds = -8.0

// noWeakLinks reports whether every cross pair of clusters a and b scores
// above weakLinkLogOdds (false when there are too many to check).
func (u *clusters) noWeakLinks(a, b int32, c counts) bool {
	if u.size[a]*u.size[b] > maxCheck {
		return false
	}
	for _, i := range u.members(a, 0) {
		for _, j := range u.members(b, 1) {
			if u.pairLogOdds(i, j, c) <= weakLinkLogOdds || u.distinctMailboxes(i, j) {
				return false
			}
		}
	}
	return true
}

// distinctWorkMailboxes reports two different addresses at one
// non-personal domain of which one is numbered or both spell one name
// (alex.smith@ and alex.smith2@, tyamada@ and takeshi.yamada2@): a number
// is how a company tells its namesakes apart. Other pairs of addresses at
// one domain (yulia.volkova@ and yvolkova@) are often one person's
// aliases, so they only weigh against the link (the email rule's
// WeightEmailSameDomain) and may still be queued for review.
func (x *Index) distinctWorkMailboxes(a, b *profile) bool {
	return a.email.full != "" && b.email.full != "" && a.email.full != b.email.full &&
		(a.local == b.local || numberedLocal(a.email.local) || numberedLocal(b.email.local)) &&
		a.email.domain == b.email.domain && !a.freeMail && !b.freeMail &&
		!a.service && !b.service && !a.sharedMailbox && !b.sharedMailbox
}

// mailboxKey is a work address hashed: its domain (0: no address, or a
// personal, service or shared one) and its normalized local part. Two
// keys rule out most pairs before distinctWorkMailboxes reads their
// profiles.
type mailboxKey struct {
	dom, local uint32
	numbered   bool // numberedLocal
}

// distinctMailboxes is distinctWorkMailboxes for identities i and j.
func (u *clusters) distinctMailboxes(i, j int32) bool {
	a, b := u.mbox[i], u.mbox[j]
	if a.dom == 0 || a.dom != b.dom || a.local != b.local && !a.numbered && !b.numbered {
		return false // different domains or locals: no hash collision makes them equal
	}
	return u.x.distinctWorkMailboxes(&u.x.profs[i], &u.x.profs[j])
}

// numberedLocal reports an email local part ending in a digit.
func numberedLocal(local string) bool {
	return local != "" && local[len(local)-1] >= '0' && local[len(local)-1] <= '9'
}

// setPairs keeps the scored candidate pairs (sorted, as a<<32|b) and
// indexes them by their lower side, so a lookup scans a handful of
// pairs instead of searching them all.
func (u *clusters) setPairs(pairs []uint64, scores []pairScore) {
	u.pairs, u.scores = pairs, scores
	u.first = make([]int32, len(u.parent)+1)
	for _, p := range pairs {
		u.first[p>>32+1]++
	}
	for i := 1; i < len(u.first); i++ {
		u.first[i] += u.first[i-1]
	}
}

func (u *clusters) pairLogOdds(i, j int32, c counts) float64 {
	lo, hi := i, j
	if hi < lo {
		lo, hi = hi, lo
	}
	key := uint64(lo)<<32 | uint64(uint32(hi))
	for k := u.first[lo]; k < u.first[lo+1]; k++ {
		if u.pairs[k] == key {
			return u.scores[k].logOdds
		}
	}
	l, ok := u.cache[key]
	if !ok {
		x := u.x
		l = x.compare(&x.profs[lo], &x.profs[hi], c, nil).logOdds
		u.cache[key] = l
	}
	return l
}

// maxCheck bounds the cross pairs checked for contradictions.
const maxCheck = 64

// canMergeNoWeakLinks is canMerge(a, b) && noWeakLinks(a, b), looking
// each cross pair up once; people reports that canMerge said no.
func (u *clusters) canMergeNoWeakLinks(a, b int32, c counts) (ok, people bool) {
	if !u.peopleAllow(a, b) {
		return false, true
	}
	if u.size[a]*u.size[b] > maxCheck {
		return false, false // canMerge: yes; noWeakLinks: too many to check
	}
	weak := false
	for _, i := range u.members(a, 0) {
		for _, j := range u.members(b, 1) {
			l := u.pairLogOdds(i, j, c)
			if l <= cannotLinkLogOdds {
				return false, true
			}
			if !weak && (l <= weakLinkLogOdds || u.distinctMailboxes(i, j)) {
				weak = true
			}
		}
	}
	return !weak, false
}

// canMerge reports whether clusters a and b may merge: not two existing
// people, no rejected person, no contradicting pair.
func (u *clusters) canMerge(a, b int32, c counts) bool {
	if !u.peopleAllow(a, b) {
		return false
	}
	if u.size[a]*u.size[b] > maxCheck {
		return true
	}
	for _, i := range u.members(a, 0) {
		for _, j := range u.members(b, 1) {
			if u.pairLogOdds(i, j, c) <= cannotLinkLogOdds {
				return false
			}
		}
	}
	return true
}

// peopleAllow reports whether clusters a and b may merge as far as
// existing people and rejections go.
func (u *clusters) peopleAllow(a, b int32) bool {
	pa, pb := u.person[a], u.person[b]
	if pa != "" && pb != "" && pa != pb {
		return false
	}
	person := pa
	if person == "" {
		person = pb
	}
	if person != "" {
		for _, r := range u.rejected[a] {
			if r == person {
				return false
			}
		}
		for _, r := range u.rejected[b] {
			if r == person {
				return false
			}
		}
	}
	return true
}
