package matching_test

import (
	"fmt"
	"testing"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/matching"
)

func TestScorePairs(t *testing.T) {
	is := is.New(t)
	truth := map[string]string{"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "never-synced": "B"}
	for _, tc := range []struct {
		name                          string
		clusters                      map[string]string
		truePairs, predicted, correct int
	}{
		{"perfect", map[string]string{"a1": "1", "a2": "1", "a3": "1", "b1": "2", "b2": "2"}, 4, 4, 4},
		{"all apart", map[string]string{"a1": "1", "a2": "2", "a3": "3", "b1": "4", "b2": "5"}, 4, 0, 0},
		{"all together", map[string]string{"a1": "1", "a2": "1", "a3": "1", "b1": "1", "b2": "1"}, 4, 10, 4},
		{"one split off", map[string]string{"a1": "1", "a2": "1", "a3": "2", "b1": "3", "b2": "3"}, 4, 2, 2},
		{"unknown identity is its own person", map[string]string{"a1": "1", "x": "1"}, 0, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			s := matching.ScorePairs(tc.clusters, truth)
			is.Equal(s, matching.PairScore{TruePairs: tc.truePairs, Predicted: tc.predicted, Correct: tc.correct})
		})
	}
	s := matching.ScorePairs(map[string]string{"a1": "1", "a2": "1", "a3": "1", "b1": "1", "b2": "1"}, truth)
	is.Equal(fmt.Sprintf("%.3f %.3f %.3f", s.Precision(), s.Recall(), s.F1()), "0.400 1.000 0.571")
	is.Equal(matching.ScorePairs(nil, truth).F1(), 1.0) // nothing to score
}

func ExampleScorePairs() {
	truth := map[string]string{"jira/1": "ann", "gitlab/7": "ann", "jira/2": "bob"}
	clusters := map[string]string{"jira/1": "p1", "gitlab/7": "p1", "jira/2": "p1"}
	s := matching.ScorePairs(clusters, truth)
	fmt.Printf("precision %.2f recall %.2f F1 %.2f\n", s.Precision(), s.Recall(), s.F1())
	// Output: precision 0.33 recall 1.00 F1 0.50
}
