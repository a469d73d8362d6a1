package matching

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// co_occurrence weighs a shared scope by how telling it is, Fellegi–Sunter
// style with frequency-based u-probabilities:
//
//	weight(s) = log2(m / u(s)),  u(s) = n_s / N
//
// where n_s is the number of identities acting in scope s and N the
// number of identities acting anywhere (both counted over the index, so
// Resolve and Index.Match use the same figures). u(s) is the chance that
// an account of someone else (a namesake) acts in s; counting identities
// rather than people is equivalent, as every person holds about the same
// number of accounts whatever the scope, and it needs no clustering, so
// the weights are fixed before any link is made. m is the chance that two
// accounts of one person share a scope when both act; it cannot be
// measured without labels and is the documented constant CoOccurrenceM.
//
// The weight is clamped to [0, WeightCoOccurrenceMax]: a scope most of
// the org acts in adds nothing, and namesakes are not quite independent of
// teams (a team in one country shares its common names), so even the
// smallest team does not prove identity. Of several shared scopes only
// the most telling counts: a team, its Jira project and its GitLab
// projects hold the same people, so their evidence is one fact, not
// independent ones (adding them would count it two or three times).
const (
	// CoOccurrenceM is m: the share of one person's account pairs, both
	// acting, that act in a common scope.
	CoOccurrenceM = 0.65
	// WeightCoOccurrenceMax caps one pair's co_occurrence boost (bits):
	// about the weight of a team of 8 in an org of 3,000 people. It is
	// above -Prior, so the rule's gate (see Index.compare: no boost
	// without agreeing names, emails or usernames) is what keeps a shared
	// scope from deciding alone.
	WeightCoOccurrenceMax = 8.0
	// coOccurrenceMinActive: with fewer active identities than this (a
	// first sync of one project, a test) the counts say little about the
	// org; a scope is weighed as if this many acted.
	coOccurrenceMinActive = 40
)

// weightCoOccurrenceM is log2(m), the calibration of every scope weight.
var weightCoOccurrenceM = math.Log2(CoOccurrenceM)

// activeCount is N, the identities acting anywhere, for a comparison
// made with c (+1 for an acting probe not yet in the index).
func (x *Index) activeCount(c counts) int32 {
	return max(x.active+c.activeExtra, coOccurrenceMinActive)
}

// scopeWeight is the weight (bits) of sharing a scope n of active
// identities act in.
func scopeWeight(n, active int32) float64 {
	if n <= 0 {
		n = 1
	}
	w := math.Log2(float64(active)/float64(n)) + weightCoOccurrenceM
	return math.Min(math.Max(w, 0), WeightCoOccurrenceMax)
}

// rarestShared returns how many scopes a and b share and, among them, the
// one fewest identities act in (its index in a.scopes and its count).
func rarestShared(a, b *profile) (shared, ia int, n int32) {
	ia = -1
	i, j := 0, 0
	for i < len(a.scopes) && j < len(b.scopes) {
		switch {
		case a.scopes[i] == b.scopes[j]:
			shared++
			if k := max(scopeCount(a, i), scopeCount(b, j)); ia < 0 || k < n {
				ia, n = i, k
			}
			i++
			j++
		case a.scopes[i] < b.scopes[j]:
			i++
		default:
			j++
		}
	}
	return shared, ia, n
}

func scopeCount(p *profile, i int) int32 {
	if i < len(p.scopeN) {
		return p.scopeN[i]
	}
	return 1
}

// coOccurrenceNote explains a shared scope's weight to a person.
func coOccurrenceNote(scope string, n, active int32, shared int, w float64) string {
	var strength string
	switch {
	case w >= 3:
		strength = "strong evidence"
	case w >= 1.5:
		strength = "some evidence"
	case w > 0:
		strength = "weak evidence: a large scope"
	default:
		strength = "no evidence: much of the org acts there"
	}
	note := fmt.Sprintf("both act in %s (%s of %s active accounts): %s", scope, groupDigits(n), groupDigits(active), strength)
	if shared > 1 {
		note += fmt.Sprintf("; %d more shared scope(s), larger, not counted again", shared-1)
	}
	return note
}

// groupDigits renders n with thousands separators ("30,212").
func groupDigits(n int32) string {
	s := strconv.Itoa(int(n))
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

// scopeNamespace is the part of a scope before its first ':' ("team" of
// "team:core"; "" without one).
func scopeNamespace(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[:i]
	}
	return ""
}

// commonNamespace reports whether some scope of a and some scope of b
// are of one kind (both teams, both Jira projects, ...): only then can
// sharing none count against a link (a Jira account acts in Jira projects,
// a GitLab account in GitLab projects; they can share only teams).
func commonNamespace(a, b []string) bool {
	for _, s := range a {
		ns := scopeNamespace(s)
		for _, t := range b {
			if scopeNamespace(t) == ns {
				return true
			}
		}
	}
	return false
}

// scopeKeyMinWeight: only scopes weighing at least this many bits get
// blocking keys; sharing a larger one cannot lift a pair much, so pairing
// on it is not worth its cost.
const scopeKeyMinWeight = 2.0

// scopeKeys appends blocking keys pairing accounts that act in one
// telling scope and share a name token ("team-042" + "sanjay"): within a
// team the bearers of a common name are few, so a name-only account meets
// its person's accounts even when the org-wide name block is too large to
// pair all-to-all, or its name is misspelt.
func (x *Index) scopeKeys(p *profile, dst []uint64, c counts) []uint64 {
	if p.service || len(p.scopes) == 0 || len(p.toks) == 0 {
		return dst
	}
	active := x.activeCount(c)
	for i, s := range p.scopes {
		if scopeWeight(scopeCount(p, i), active) < scopeKeyMinWeight {
			continue
		}
		for _, t := range p.toks {
			if len(t.s) >= 2 {
				dst = append(dst, blockKey('s', s, t.s))
			}
		}
	}
	return dst
}
