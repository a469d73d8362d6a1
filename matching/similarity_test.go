package matching

import (
	"math/rand"
	"testing"
)

// TestJWBytesMatchesGeneric checks the bit-parallel Jaro-Winkler of short
// ASCII strings against the plain scan (jwSeq) on random strings over
// small alphabets, where repeated letters, transpositions and windows
// cut short are frequent.
func TestJWBytesMatchesGeneric(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, alphabet := range []string{"ab", "abc", "abcdef", "abcdefghijklmnopqrstuvwxyz0123456789._-"} {
		for range 20_000 {
			a, b := randWord(r, alphabet, 1+r.Intn(20)), randWord(r, alphabet, 1+r.Intn(20))
			if r.Intn(10) == 0 {
				a, b = randWord(r, alphabet, 40+r.Intn(25)), randWord(r, alphabet, 1+r.Intn(64))
			}
			want := jwSeq(len(a), len(b), func(i, j int) bool { return a[i] == b[j] })
			if got := jwBytes(a, b); got != want {
				t.Fatalf("jwBytes(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
	}
}

func randWord(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.Intn(len(alphabet))]
	}
	return string(b)
}
