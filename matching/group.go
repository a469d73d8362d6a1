package matching

import (
	"math"
	"sort"
	"strings"

	"github.com/ovia-hq/ovia/identity"
)

// RuleSourceExclusivity ranks doubtful links at the person level: a
// person rarely holds two accounts in one tool, so when an account could
// join several groups of accounts (namesakes), the groups that already
// hold an account in its tool come after those that do not. It orders the
// candidates and does not change a link's score: real second accounts
// exist (an old domain, a personal GitLab account) and stay in the
// conflict queue. Only together with co_occurrence against a merge (the
// clusters grown so far act in scopes of one kind, never in the same)
// does it count against the link (Resolve, phase 2): a second account of
// one person works for the same teams.
const RuleSourceExclusivity = "source_exclusivity"

// WeightSourceOverlap (bits) is the rank penalty of a doubtful link whose
// two sides already hold accounts in a common source: about
// log2(P(second account | same person) / P(an account | namesake)) ≈
// log2(0.3).
const WeightSourceOverlap = -1.75

// WeightCoOccurrenceNone (bits) is added to a doubtful link between two
// groups of accounts that both act somewhere (Config.Activity), in scopes
// of a common kind (both in teams, say), but never in a common scope: one
// person's accounts work for the same teams, so this counts against the
// link (namesakes in different teams). It is the Fellegi–Sunter
// disagreement weight log2((1−m)/(1−u)) ≈ log2(1 − CoOccurrenceM), u
// being small. It only applies between groups, with every linked
// account's scopes, so an account's second team is not mistaken for a
// different person; and only between scopes of one kind, as a Jira
// project and a GitLab project ("jira:OV", "gitlab:42") can never be
// shared.
const WeightCoOccurrenceNone = -1.5

// maxCoOccurrence is the most co_occurrence can add (bits).
const maxCoOccurrence = WeightCoOccurrenceMax

// logit is the log-odds (bits) of score p.
func logit(p float64) float64 { return math.Log2(p / (1 - p)) }

// sourceMask is a set of sources, one bit each.
type sourceMask uint8

func sourceBit(s identity.Source) sourceMask {
	switch s {
	case identity.SourceJira:
		return 1
	case identity.SourceGitLab:
		return 2
	case identity.SourceConfluence:
		return 4
	}
	return 0
}

var maskSources = [...]identity.Source{identity.SourceJira, identity.SourceGitLab, identity.SourceConfluence}

// String lists the sources of m, comma-separated, in a fixed order.
func (m sourceMask) String() string {
	var parts []string
	for i, s := range maskSources {
		if m&(1<<i) != 0 {
			parts = append(parts, string(s))
		}
	}
	return strings.Join(parts, ",")
}

// groupView is what each automatic cluster (the accounts phase 1 linked
// for sure) knows as a whole: the sources it holds and the scopes its
// members act in. Doubtful links are judged between such groups, the way
// a reviewer compares one person's accounts with another's: an account
// whose own activity says nothing may share a team with a person through
// that person's GitLab account.
type groupView struct {
	x    *Index
	root []int32      // identity → root of its automatic cluster
	src  []sourceMask // root → sources its members hold
	// scopes: root → sorted scopes of all members, for clusters of more
	// than one identity; nil when no activity is configured.
	scopes [][]string
	scopeN [][]int32 // root → identities acting in each of scopes[root]
}

func (x *Index) newGroupView(root []int32, src []sourceMask) *groupView {
	g := &groupView{x: x, root: root, src: src}
	if len(x.eng.activity) == 0 {
		return g
	}
	size := make([]int32, len(root))
	for _, r := range root {
		size[r]++
	}
	g.scopes = make([][]string, len(root))
	for i := range x.profs {
		if r := root[i]; size[r] > 1 {
			g.scopes[r] = append(g.scopes[r], x.profs[i].scopes...)
		}
	}
	g.scopeN = make([][]int32, len(root))
	for r, s := range g.scopes {
		if len(s) > 0 {
			sort.Strings(s)
			s = dedupSorted(s)
			g.scopes[r] = s
			g.scopeN[r] = make([]int32, len(s))
			for k, sc := range s {
				g.scopeN[r][k] = x.scopeCount[sc]
			}
		}
	}
	return g
}

// groupLink is a doubtful edge judged between the automatic clusters of
// its ends.
type groupLink struct {
	// l: log-odds of the pair's rules, with co_occurrence over the
	// groups' scopes (for or against).
	l float64
	// rank: l plus source_exclusivity, the order doubtful links are
	// taken in.
	rank float64
	// none: l already counts WeightCoOccurrenceNone.
	none bool
}

// link judges edge ed between the groups of its ends.
func (g *groupView) link(ed edge, c counts) groupLink {
	l, none := ed.l, false
	if g.scopes != nil {
		pa, pb := g.widened(ed.a), g.widened(ed.b)
		if pa.groupScopes || pb.groupScopes {
			l = g.x.compare(&pa, &pb, c, nil).logOdds + ed.bonus
		}
		if noSharedScope(&pa, &pb) {
			l += WeightCoOccurrenceNone
			none = true
		}
	}
	return groupLink{l: l, rank: l + g.overlap(ed.a, ed.b), none: none}
}

// grownApart reports whether clusters a and b, as grown so far by
// doubtful links, both act in scopes of one kind but share none (see
// WeightCoOccurrenceNone): an edge judged between the automatic groups,
// where one side did not act, may otherwise chain two namesakes' groups
// through a silent account.
func (u *clusters) grownApart(a, b int32) bool {
	var sa, sb []string
	for _, m := range u.members(a, 0) {
		sa = append(sa, u.x.profs[m].scopes...)
	}
	for _, m := range u.members(b, 1) {
		sb = append(sb, u.x.profs[m].scopes...)
	}
	if len(sa) == 0 || len(sb) == 0 {
		return false
	}
	sort.Strings(sa)
	sort.Strings(sb)
	sa, sb = dedupSorted(sa), dedupSorted(sb)
	return sharedCount(sa, sb) == 0 && commonNamespace(sa, sb)
}

func (g *groupView) overlap(a, b int32) float64 {
	if g.src[g.root[a]]&g.src[g.root[b]] != 0 {
		return WeightSourceOverlap
	}
	return 0
}

// widened copies identity i's profile with its group's scopes.
func (g *groupView) widened(i int32) profile {
	p := g.x.profs[i]
	if g.scopes != nil {
		if r := g.root[i]; len(g.scopes[r]) > 0 {
			p.scopes, p.scopeN, p.groupScopes = g.scopes[r], g.scopeN[r], true
		}
	}
	return p
}

// noSharedScope: both act, in scopes of a common kind, but never in the
// same one.
func noSharedScope(a, b *profile) bool {
	return len(a.scopes) > 0 && len(b.scopes) > 0 && sharedCount(a.scopes, b.scopes) == 0 && commonNamespace(a.scopes, b.scopes)
}

// traceInputs returns what the trace of a doubtful link between a and b
// compares: the two profiles with their groups' scopes, and the
// person-level lines (co_occurrence against the link, source_exclusivity)
// that link adds beyond the pair's rules.
func (g *groupView) traceInputs(a, b int32) (pa, pb profile, extra []RuleTrace) {
	pa, pb = g.widened(a), g.widened(b)
	if g.scopes != nil && noSharedScope(&pa, &pb) {
		extra = append(extra, RuleTrace{
			Rule: RuleCoOccurrence, Left: strings.Join(pa.scopes, ","), Right: strings.Join(pb.scopes, ","),
			Weight: WeightCoOccurrenceNone, Contribution: WeightCoOccurrenceNone,
			Note: "both sides act, never in a common scope (scopes of every account already linked on each side): one person's accounts work for the same teams",
		})
	}
	sa, sb := g.src[g.root[a]], g.src[g.root[b]]
	rt := RuleTrace{Rule: RuleSourceExclusivity, Left: sa.String(), Right: sb.String(), Weight: WeightSourceOverlap,
		Note: "no tool in common: consistent with one person's accounts"}
	if both := sa & sb; both != 0 {
		rt.Similarity = 1
		rt.Note = "both sides already hold a " + both.String() + " account (a second account or a namesake?): ranked after candidates without one; the score is unchanged"
	}
	return pa, pb, append(extra, rt)
}

// queuedEdge is a doubtful edge (index k) with its rank.
type queuedEdge struct {
	rank float64
	k    int32
}

// compareQueued orders doubtful edges best first; ties keep the edge
// order, so the result is deterministic.
func compareQueued(p, q queuedEdge) int {
	switch {
	case p.rank > q.rank:
		return -1
	case p.rank < q.rank:
		return 1
	}
	return int(p.k - q.k)
}
