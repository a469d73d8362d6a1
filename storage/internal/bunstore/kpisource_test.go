package bunstore

import (
	"testing"

	"github.com/matryer/is"
)

func TestLikeWord(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Incident", "%incident%"},
		{"  INCIDENT\t", "%incident%"},
		{"Sick", "%_ic_%"}, // k and s fold with the Kelvin sign and the long s
		{"50%_off\\", "%50__off_%"},
		{"Störung", "%_t_rung%"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			is := is.New(t)
			is.Equal(likeWord(tc.in), tc.want)
		})
	}
}
