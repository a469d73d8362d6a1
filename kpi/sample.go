package kpi

import (
	"cmp"
	"math"
	"slices"
	"sync"

	"github.com/ovia-hq/ovia/identity"
)

// rowID names a row without building its Ref string, so a large sample
// costs no allocation per row; only the Refs kept in a snapshot are built.
// Source and kind are small indexes into tables, keeping the struct at 24
// bytes (samples of 200,000 rows are sorted).
type rowID struct {
	id   string
	src  uint8
	kind uint8
}

var kinds = []string{KindIssue, KindSprint, KindMR, KindPipeline, KindDeployment, KindProject}

func kindIndex(kind string) uint8 {
	for i, k := range kinds {
		if k == kind {
			return uint8(i)
		}
	}
	panic("kpi: unknown ref kind " + kind)
}

// sources interns source names; the known ones never take the lock.
var sources = struct {
	sync.RWMutex
	names []identity.Source
}{names: []identity.Source{identity.SourceJira, identity.SourceGitLab, identity.SourceConfluence}}

func srcIndex(s identity.Source) uint8 {
	switch s {
	case identity.SourceJira:
		return 0
	case identity.SourceGitLab:
		return 1
	case identity.SourceConfluence:
		return 2
	}
	sources.RLock()
	i := slices.Index(sources.names, s)
	sources.RUnlock()
	if i >= 0 {
		return uint8(i)
	}
	sources.Lock()
	defer sources.Unlock()
	if i := slices.Index(sources.names, s); i >= 0 {
		return uint8(i)
	}
	if len(sources.names) == 256 {
		return 255 // a pathological number of sources shares the last slot
	}
	sources.names = append(sources.names, s)
	return uint8(len(sources.names) - 1)
}

func srcName(i uint8) identity.Source {
	if i < 3 {
		return sources.names[i]
	}
	sources.RLock()
	defer sources.RUnlock()
	return sources.names[i]
}

func newRow(src identity.Source, kind uint8, id string) rowID {
	return rowID{id: id, src: srcIndex(src), kind: kind}
}

// Kind indexes, matching kinds.
var (
	kIssue      = kindIndex(KindIssue)
	kMR         = kindIndex(KindMR)
	kPipeline   = kindIndex(KindPipeline)
	kDeployment = kindIndex(KindDeployment)
)

func (r rowID) ref() Ref { return NewRef(srcName(r.src), kinds[r.kind], r.id) }

func cmpRow(a, b rowID) int {
	if a.src != b.src {
		return cmp.Compare(srcName(a.src), srcName(b.src))
	}
	if a.kind != b.kind {
		return cmp.Compare(kinds[a.kind], kinds[b.kind])
	}
	return cmp.Compare(a.id, b.id)
}

// point is one measured row of a distribution.
type point struct {
	v  float64
	id rowID
}

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of
// sorted (ascending) values: the value at rank ⌈p/100 × n⌉. It is null for
// an empty slice.
func Percentile(sorted []float64, p float64) Value {
	i := rankIndex(len(sorted), p)
	if i < 0 {
		return Null
	}
	return Some(sorted[i])
}

func rankIndex(n int, p float64) int {
	if n == 0 {
		return -1
	}
	r := int(math.Ceil(p / 100 * float64(n)))
	return min(max(r, 1), n) - 1
}

// refsOf builds the kept refs of rows: the first limit (≤ 0: all) in
// cmpRow order. rows is reordered.
func refsOf(rows []rowID, limit int) ([]Ref, bool) {
	truncated := false
	if limit > 0 && len(rows) > limit {
		rows, truncated = smallest(rows, limit), true
	}
	slices.SortFunc(rows, cmpRow)
	out := make([]Ref, len(rows))
	for i, r := range rows {
		out[i] = r.ref()
	}
	return out, truncated
}

func countSample(rows []rowID, limit int) Sample {
	refs, tr := refsOf(rows, limit)
	return Sample{N: len(rows), Refs: refs, RefsTruncated: tr}
}

// distribution sorts pts ascending (ties by row) and summarises them; Refs
// list the rows worst (largest) first.
func distribution(def, unit string, pts []point, limit int) Distribution {
	d := Distribution{Definition: def, Unit: unit, Sample: Sample{N: len(pts), Refs: []Ref{}}}
	if len(pts) == 0 {
		return d
	}
	slices.SortFunc(pts, func(a, b point) int {
		if c := cmp.Compare(a.v, b.v); c != 0 {
			return c
		}
		return cmpRow(a.id, b.id)
	})
	i50, i90 := rankIndex(len(pts), 50), rankIndex(len(pts), 90)
	d.P50, d.P50Ref = Some(pts[i50].v), pts[i50].id.ref()
	d.P90, d.P90Ref = Some(pts[i90].v), pts[i90].id.ref()
	d.Max = Some(pts[len(pts)-1].v)
	n := len(pts)
	if limit > 0 && n > limit {
		n, d.RefsTruncated = limit, true
	}
	d.Refs = make([]Ref, n)
	for i := range n {
		d.Refs[i] = pts[len(pts)-1-i].id.ref()
	}
	return d
}

func ratio(num, den int) Value {
	if den == 0 {
		return Null
	}
	return Some(float64(num) / float64(den))
}

// smallest moves the k smallest rows (cmpRow order) to the front of rows
// and returns them, unsorted: a bounded max-heap, O(n log k), so cutting a
// 200,000-row sample to 1,000 refs does not sort it all.
func smallest(rows []rowID, k int) []rowID {
	h := rows[:k]
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= k {
				return
			}
			if r := l + 1; r < k && cmpRow(h[r], h[l]) > 0 {
				l = r
			}
			if cmpRow(h[l], h[i]) <= 0 {
				return
			}
			h[i], h[l] = h[l], h[i]
			i = l
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, r := range rows[k:] {
		if cmpRow(r, h[0]) < 0 {
			h[0] = r
			down(0)
		}
	}
	return h
}

// bag collects values in chunks and hands them back as one slice.
// append's 1.25× growth for large slices allocates about five times the
// final size while collecting; a bag allocates about twice (the chunks,
// then the result), which matters for 200,000-row periods.
type bag[T any] struct {
	full [][]T
	cur  []T
	n    int
}

func (b *bag[T]) add(v T) {
	if len(b.cur) == cap(b.cur) {
		if b.cur != nil {
			b.full = append(b.full, b.cur)
		}
		b.cur = make([]T, 0, min(max(256, b.n), 1<<16))
	}
	b.cur = append(b.cur, v)
	b.n++
}

// slice returns every value in insertion order; the bag must not be used
// afterwards.
func (b *bag[T]) slice() []T {
	if len(b.full) == 0 {
		return b.cur
	}
	out := make([]T, 0, b.n)
	for _, c := range b.full {
		out = append(out, c...)
	}
	return append(out, b.cur...)
}
