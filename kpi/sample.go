package kpi

import (
	"cmp"
	"math"
	"slices"

	"github.com/ovia-hq/ovia/identity"
)

// rowID names a row without building its Ref string, so a large sample
// costs no allocation per row; only the Refs kept in a snapshot are built.
type rowID struct {
	src  identity.Source
	kind string
	id   string
}

func (r rowID) ref() Ref { return NewRef(r.src, r.kind, r.id) }

func cmpRow(a, b rowID) int {
	if c := cmp.Compare(a.src, b.src); c != 0 {
		return c
	}
	if c := cmp.Compare(a.kind, b.kind); c != 0 {
		return c
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

// refsOf builds the kept refs of rows, sorted, cut at limit (≤ 0: all).
func refsOf(rows []rowID, limit int) ([]Ref, bool) {
	slices.SortFunc(rows, cmpRow)
	truncated := false
	if limit > 0 && len(rows) > limit {
		rows, truncated = rows[:limit], true
	}
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
