package matching

import (
	"math/bits"
	"unicode/utf8"
)

// jaroWinkler returns the Jaro-Winkler similarity of a and b in [0,1]
// (prefix scale 0.1, prefix up to 4).
func jaroWinkler(a, b string) float64 {
	if a == b {
		if a == "" {
			return 0
		}
		return 1
	}
	if a == "" || b == "" {
		return 0
	}
	if isASCII(a) && isASCII(b) && len(a) <= 64 && len(b) <= 64 {
		return jwBytes(a, b)
	}
	ra, rb := []rune(a), []rune(b)
	return jwSeq(len(ra), len(rb), func(i, j int) bool { return ra[i] == rb[j] })
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// jwSeq computes Jaro-Winkler over two sequences of lengths la, lb compared
// by eq.
func jwSeq(la, lb int, eq func(i, j int) bool) float64 {
	var bufA, bufB [64]bool
	var ma, mb []bool
	if la <= 64 && lb <= 64 {
		ma, mb = bufA[:la], bufB[:lb]
	} else {
		ma, mb = make([]bool, la), make([]bool, lb)
	}
	window := max(la, lb)/2 - 1
	if window < 0 {
		window = 0
	}
	matches := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-window), min(lb-1, i+window)
		for j := lo; j <= hi; j++ {
			if !mb[j] && eq(i, j) {
				ma[i], mb[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	trans, k := 0, 0
	for i := 0; i < la; i++ {
		if !ma[i] {
			continue
		}
		for !mb[k] {
			k++
		}
		if !eq(i, k) {
			trans++
		}
		k++
	}
	m := float64(matches)
	jaro := (m/float64(la) + m/float64(lb) + (m-float64(trans)/2)/m) / 3
	prefix := 0
	for i := 0; i < min(4, la, lb); i++ {
		if !eq(i, i) {
			break
		}
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

// jwBytes is jwSeq specialised for short ASCII strings (at most 64
// bytes): the matched flags are bit sets, and each byte of a finds its
// match among the unmatched equal bytes of b in its window with a few bit
// operations (pos: where each byte value occurs in b) instead of a scan.
func jwBytes(a, b string) float64 {
	la, lb := len(a), len(b)
	var ma, mb uint64
	window := max(la, lb)/2 - 1
	if window < 0 {
		window = 0
	}
	var pos [128]uint64
	for j := 0; j < lb; j++ {
		pos[b[j]&0x7f] |= 1 << uint(j)
	}
	matches := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-window), min(lb-1, i+window)
		if lo > hi {
			continue
		}
		// bits lo..hi
		win := (^uint64(0) >> uint(63-hi)) &^ (1<<uint(lo) - 1)
		if cand := pos[a[i]&0x7f] &^ mb & win; cand != 0 {
			j := bits.TrailingZeros64(cand)
			ma |= 1 << uint(i)
			mb |= 1 << uint(j)
			matches++
		}
	}
	if matches == 0 {
		return 0
	}
	// matched characters of a and of b, in order: count the mismatches
	trans := 0
	for ra, rb := ma, mb; ra != 0; ra, rb = ra&(ra-1), rb&(rb-1) {
		if a[bits.TrailingZeros64(ra)] != b[bits.TrailingZeros64(rb)] {
			trans++
		}
	}
	m := float64(matches)
	jaro := (m/float64(la) + m/float64(lb) + (m-float64(trans)/2)/m) / 3
	prefix := 0
	for i := 0; i < min(4, la, lb); i++ {
		if a[i] != b[i] {
			break
		}
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}
