package matching

import (
	"cmp"
	"math/bits"
	"slices"
	"sort"
	"sync"
)

// blockEnt is one identity's membership of one block.
type blockEnt struct {
	key uint64
	i   int32
}

// chunkedEnts gathers block memberships produced by parallel chunks; the
// chunks are joined in identity order.
type chunkedEnts struct {
	mu     sync.Mutex
	chunks map[int][]blockEnt // chunk start → its memberships
}

func (c *chunkedEnts) add(lo int, e []blockEnt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.chunks == nil {
		c.chunks = map[int][]blockEnt{}
	}
	c.chunks[lo] = e
}

// ordered returns the chunks in identity order.
func (c *chunkedEnts) ordered() [][]blockEnt {
	los := make([]int, 0, len(c.chunks))
	for lo := range c.chunks {
		los = append(los, lo)
	}
	sort.Ints(los)
	out := make([][]blockEnt, len(los))
	for i, lo := range los {
		out[i] = c.chunks[lo]
	}
	return out
}

// collect returns the memberships ordered by identity (then as produced).
func (c *chunkedEnts) collect() []blockEnt {
	chunks := c.ordered()
	if len(chunks) == 1 {
		return chunks[0]
	}
	total := 0
	for _, e := range chunks {
		total += len(e)
	}
	out := make([]blockEnt, 0, total)
	for _, e := range chunks {
		out = append(out, e...)
	}
	return out
}

// blockSet maps blocking keys to their members: the distinct keys
// sorted, each with a run of members in one backing array (members in
// the order they joined).
type blockSet struct {
	keys []uint64
	off  []int32 // len(keys)+1 offsets into mem
	mem  []int32
}

// newBlockSet builds a blockSet from memberships, given in chunks (a
// key's members keep their order in the chunks, taken in turn).
func newBlockSet(chunks [][]blockEnt) blockSet {
	return fromSorted(sortEntChunks(chunks))
}

func fromSorted(ents []blockEnt) blockSet {
	s := blockSet{mem: make([]int32, len(ents))}
	nk := 0
	for k := range ents {
		if k == 0 || ents[k].key != ents[k-1].key {
			nk++
		}
	}
	s.keys = make([]uint64, 0, nk)
	s.off = make([]int32, 0, nk+1)
	for k, e := range ents {
		if k == 0 || e.key != ents[k-1].key {
			s.keys = append(s.keys, e.key)
			s.off = append(s.off, int32(k))
		}
		s.mem[k] = e.i
	}
	s.off = append(s.off, int32(len(ents)))
	return s
}

// merged returns s with more memberships added after each key's current
// members.
func (s blockSet) merged(more []blockEnt) blockSet {
	radixSortEnts(more)
	all := make([]blockEnt, 0, len(s.mem)+len(more))
	j := 0
	for k, key := range s.keys {
		for j < len(more) && more[j].key < key {
			all = append(all, more[j])
			j++
		}
		for _, i := range s.block(k) {
			all = append(all, blockEnt{key, i})
		}
		for j < len(more) && more[j].key == key {
			all = append(all, more[j])
			j++
		}
	}
	all = append(all, more[j:]...)
	return fromSorted(all)
}

// block returns the members of the k-th key (len == cap).
func (s *blockSet) block(k int) []int32 {
	lo, hi := s.off[k], s.off[k+1]
	return s.mem[lo:hi:hi]
}

// get returns the members of key (nil when none).
func (s *blockSet) get(key uint64) []int32 {
	k, ok := slices.BinarySearch(s.keys, key)
	if !ok {
		return nil
	}
	return s.block(k)
}

// radixSortEnts sorts by key, stably.
func radixSortEnts(a []blockEnt) {
	copy(a, sortEntChunks([][]blockEnt{a}))
}

// sortEntChunks returns the memberships of chunks (taken in turn) sorted
// by key, stably. Keys are hashes, spread evenly: one counting pass on
// the top bits scatters them into a new array, then each (small) bucket
// is sorted by insertion.
func sortEntChunks(chunks [][]blockEnt) []blockEnt {
	less := func(x, y blockEnt) int { return cmp.Compare(x.key, y.key) }
	total := 0
	for _, c := range chunks {
		total += len(c)
	}
	out := make([]blockEnt, total)
	if total < 256 {
		k := 0
		for _, c := range chunks {
			k += copy(out[k:], c)
		}
		slices.SortStableFunc(out, less)
		return out
	}
	top := uint(bits.Len(uint(total / 4))) // ~4 entries a bucket
	top = min(top, 20)
	shift := 64 - top
	cnt := make([]int, 1<<top+1)
	for _, c := range chunks {
		for _, e := range c {
			cnt[e.key>>shift+1]++
		}
	}
	for d := 1; d < len(cnt); d++ {
		cnt[d] += cnt[d-1]
	}
	pos := append([]int(nil), cnt[:len(cnt)-1]...)
	for _, c := range chunks {
		for _, e := range c {
			d := e.key >> shift
			out[pos[d]] = e
			pos[d]++
		}
	}
	for d := 0; d+1 < len(cnt); d++ {
		bk := out[cnt[d]:cnt[d+1]]
		if len(bk) > 32 {
			slices.SortStableFunc(bk, less)
			continue
		}
		for i := 1; i < len(bk); i++ {
			for j := i; j > 0 && bk[j].key < bk[j-1].key; j-- {
				bk[j], bk[j-1] = bk[j-1], bk[j]
			}
		}
	}
	return out
}

// radixSortU64 sorts a (LSD radix, 12 bits a pass, over the bits that
// vary).
func radixSortU64(a []uint64) {
	if len(a) < 256 {
		slices.Sort(a)
		return
	}
	or, and := uint64(0), ^uint64(0)
	for _, v := range a {
		or |= v
		and &= v
	}
	vary := or ^ and
	buf := make([]uint64, len(a))
	src, dst := a, buf
	const digit = 12
	var cnt [1 << digit]int
	for shift := uint(0); shift < 64; shift += digit {
		if vary>>shift == 0 {
			break
		}
		if tz := uint(bits.TrailingZeros64(vary >> shift)); tz > 0 {
			shift += tz // skip bits equal in every value
		}
		clear(cnt[:])
		for _, v := range src {
			cnt[(v>>shift)&(1<<digit-1)]++
		}
		sum := 0
		for d, c := range cnt {
			cnt[d] = sum
			sum += c
		}
		for _, v := range src {
			d := (v >> shift) & (1<<digit - 1)
			dst[cnt[d]] = v
			cnt[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
}
