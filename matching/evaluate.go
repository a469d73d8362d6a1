package matching

// PairScore compares a clustering of identities with the truth, pair by
// pair: every two identities in one cluster are a predicted link, every two
// of one true person a true link.
type PairScore struct {
	TruePairs, Predicted, Correct int
}

// Precision is the share of predicted links that are true (1 when none
// was predicted).
func (s PairScore) Precision() float64 { return ratioOr1(s.Correct, s.Predicted) }

// Recall is the share of true links predicted (1 when there are none).
func (s PairScore) Recall() float64 { return ratioOr1(s.Correct, s.TruePairs) }

// F1 is the harmonic mean of Precision and Recall.
func (s PairScore) F1() float64 {
	p, r := s.Precision(), s.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratioOr1(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// ScorePairs scores clusters (identity → cluster key) against truth
// (identity → true person key), the measure of the accuracy test (SPEC §4:
// pairwise F1 of the final people). Only the identities in clusters are
// scored (truth may know accounts a sync never saw); one missing from truth
// counts as a person of its own.
func ScorePairs(clusters, truth map[string]string) PairScore {
	pairs := func(sizes map[string]int) int {
		n := 0
		for _, k := range sizes {
			n += k * (k - 1) / 2
		}
		return n
	}
	var s PairScore
	perPerson := map[string]int{}
	size := map[string]int{}
	both := map[[2]string]int{}
	for id, c := range clusters {
		p, ok := truth[id]
		if !ok {
			p = "\x00own:" + id
		}
		perPerson[p]++
		size[c]++
		both[[2]string{c, p}]++
	}
	s.TruePairs, s.Predicted = pairs(perPerson), pairs(size)
	for _, k := range both {
		s.Correct += k * (k - 1) / 2
	}
	return s
}
