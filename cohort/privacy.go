package cohort

import (
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
)

// LocalCloakingLimit caps the local-cloaking counts, as avatar-paper's
// local_cloaking.py searches at most 4000 neighbours.
const LocalCloakingLimit = 4000

// MetricNCP is the number of projected components the distance-based
// privacy metrics use (at most the projection's width), whatever the number
// the avatars were made with: Octopize's metrics use min(5, width). The
// avatar paper's published breast-cancer figures were measured otherwise
// (2 components of a projection with the features as numbers; see
// Preset.Measured), so a report compares with them on a second measurement
// made their way, not on these.
const MetricNCP = 5

// DistanceMetrics are the distance-based privacy metrics of a release,
// computed on the first MetricNCP components of the projection fitted to
// the originals (avatars projected with it), as in avatar-paper's
// metrics/privacy_metrics, and the exact-copy rates, computed on the
// released columns themselves.
type DistanceMetrics struct {
	// HiddenRate is 100·(1 − #{i : the nearest avatar of original i is its
	// own avatar}/n), in %. When m other avatars are exactly as close as
	// the own avatar (duplicates), original i counts as found with
	// probability 1/(m+1) — the expected outcome of avatar-paper's
	// arbitrary tie-breaking, computed without drawing.
	HiddenRate float64 `json:"hidden_rate_percent"`
	// Components is the number of projected components the distances are
	// measured on.
	Components int `json:"components"`
	// LocalCloaking[i] is the number of other avatars at most as far from
	// original i as its own avatar — ties counted, as avatar-paper's
	// local_cloaking.py (get_counts) counts the neighbours at the own
	// avatar's distance — capped at LocalCloakingLimit. It is the paper's
	// definition and the one its published figures use.
	// LocalCloakingStrict[i] counts only the avatars strictly closer.
	// LocalCloakingRecords[i] is the number of other originals at most as
	// far (ties counted, as the paper counts them).
	LocalCloaking        []int `json:"-"`
	LocalCloakingStrict  []int `json:"-"`
	LocalCloakingRecords []int `json:"-"`
	// LocalCloakingMedian, LocalCloakingStrictMedian and RecordsMedian are
	// their medians; EmptyRate is the share (%) of originals with no other
	// avatar nor original at most as far as their own avatar.
	LocalCloakingMedian       float64 `json:"local_cloaking_median"`
	LocalCloakingStrictMedian float64 `json:"local_cloaking_strict_median"`
	RecordsMedian             float64 `json:"local_cloaking_records_median"`
	EmptyRate                 float64 `json:"local_cloaking_empty_rate_percent"`
	// DCR[r] is avatar r's distance to the closest original. NNDR[r] is
	// the ratio of its closest to second-closest original distances; it
	// is undefined (NaN) when both are 0 — the avatar coincides with an
	// original that has a duplicate, so the ratio says nothing and must
	// not pass a check.
	DCR  []float64 `json:"-"`
	NNDR []float64 `json:"-"`
	// DCRMedian is the median DCR and DCRZeroRate the share (%) of avatars
	// at distance 0 from an original in the projected space.
	DCRMedian   float64 `json:"dcr_median"`
	DCRZeroRate float64 `json:"dcr_zero_rate_percent"`
	// NNDRMedian is the median NNDR with the undefined ratios ranked
	// lowest (as risky as can be); nil when the median falls on an
	// undefined one. NNDRUndefinedRate is their share (%).
	NNDRMedian        *float64 `json:"nndr_median"`
	NNDRUndefinedRate float64  `json:"nndr_undefined_rate_percent"`
	// ExactCopyRate is the share (%) of avatars identical to an original
	// row on every released column (missing equal to missing), whatever
	// the projection; OriginalDuplicateRate the share (%) of originals
	// identical to another original — how often the data repeat
	// themselves, the reference the exact-copy check is judged against.
	ExactCopyRate         float64 `json:"exact_copy_rate_percent"`
	OriginalDuplicateRate float64 `json:"original_duplicate_rate_percent"`
}

// Distances computes the distance-based privacy metrics of a release made
// from orig. av.Source pairs avatars with originals.
func Distances(ctx context.Context, orig *Table, av *Avatars, workers int) (*DistanceMetrics, error) {
	return distancesOn(ctx, orig, av.Table, av.Source, av.Model, min(MetricNCP, av.Model.Components()), workers)
}

// distancesOn computes the distance-based privacy metrics of release (row
// r the avatar of original source[r]) on the first ncp components of
// model, a projection fitted to orig.
func distancesOn(ctx context.Context, orig, release *Table, source []int, model *Projection, ncp, workers int) (*DistanceMetrics, error) {
	n := orig.Rows()
	if release.Rows() != n || len(source) != n {
		return nil, fmt.Errorf("cohort: %d avatars for %d originals", release.Rows(), n)
	}
	co := model.Transform(orig, ncp)
	ca := model.Transform(release, ncp)
	_, dim := co.Dims()
	po, pa := denseRows(co), denseRows(ca)
	treeO, treeA := newKDTree(po, dim), newKDTree(pa, dim)
	own := make([]int, n) // own[i] = avatar of original i
	for r, i := range source {
		own[i] = r
	}
	m := &DistanceMetrics{Components: ncp,
		LocalCloaking: make([]int, n), LocalCloakingStrict: make([]int, n), LocalCloakingRecords: make([]int, n),
		DCR: make([]float64, n), NNDR: make([]float64, n),
	}
	found := make([]float64, n)
	err := forChunks(ctx, n, workers, func(lo, hi int) {
		var q knnQuery
		for i := lo; i < hi; i++ {
			o := po[i*dim : (i+1)*dim]
			r := own[i]
			d2own := sqDist(o, pa[r*dim:(r+1)*dim])
			strict, within := treeA.countWithin(o, d2own, r, LocalCloakingLimit)
			m.LocalCloakingStrict[i], m.LocalCloaking[i] = min(strict, LocalCloakingLimit), within
			_, m.LocalCloakingRecords[i] = treeO.countWithin(o, d2own, i, LocalCloakingLimit)
			if strict == 0 {
				ties := within
				if within >= LocalCloakingLimit {
					_, ties = treeA.countWithin(o, d2own, r, math.MaxInt)
				}
				found[i] = 1 / float64(ties+1)
			}
			// DCR and NNDR of avatar i (avatars are indexed here by row).
			a := pa[i*dim : (i+1)*dim]
			nb := treeO.nearest(a, 2, -1, &q)
			d1 := math.Sqrt(nb[0].d2)
			m.DCR[i] = d1
			switch {
			case len(nb) < 2:
				m.NNDR[i] = math.NaN()
			case nb[1].d2 > 0:
				m.NNDR[i] = d1 / math.Sqrt(nb[1].d2)
			default:
				m.NNDR[i] = math.NaN() // two originals at distance 0: undefined
			}
		}
	})
	if err != nil {
		return nil, err
	}
	var hits float64
	var empty, zero, undef int
	for i := range n {
		hits += found[i]
		if m.LocalCloaking[i] == 0 && m.LocalCloakingRecords[i] == 0 {
			empty++
		}
		if m.DCR[i] == 0 {
			zero++
		}
		if math.IsNaN(m.NNDR[i]) {
			undef++
		}
	}
	m.HiddenRate = 100 * (1 - hits/float64(n))
	m.EmptyRate = 100 * float64(empty) / float64(n)
	m.DCRZeroRate = 100 * float64(zero) / float64(n)
	m.NNDRUndefinedRate = 100 * float64(undef) / float64(n)
	m.LocalCloakingMedian = medianInts(m.LocalCloaking)
	m.LocalCloakingStrictMedian = medianInts(m.LocalCloakingStrict)
	m.RecordsMedian = medianInts(m.LocalCloakingRecords)
	m.DCRMedian = quantile(m.DCR, 0.5)
	m.NNDRMedian = medianUndefinedLowest(m.NNDR)
	cols := projected(orig)
	m.ExactCopyRate, m.OriginalDuplicateRate = exactCopies(orig.Select(cols), release.Select(cols))
	return m, nil
}

// medianUndefinedLowest returns the median of v with NaN ranked below
// every number (R's type 7 between the two middle order statistics), or
// nil when either of them is NaN.
func medianUndefinedLowest(v []float64) *float64 {
	if len(v) == 0 {
		return nil
	}
	s := slices.Clone(v)
	slices.SortFunc(s, func(a, b float64) int {
		switch {
		case math.IsNaN(a) && math.IsNaN(b):
			return 0
		case math.IsNaN(a):
			return -1
		case math.IsNaN(b):
			return 1
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	})
	h := 0.5 * float64(len(s)-1)
	lo := int(h)
	hi := min(lo+1, len(s)-1)
	if math.IsNaN(s[lo]) || math.IsNaN(s[hi]) {
		return nil
	}
	x := s[lo] + (h-float64(lo))*(s[hi]-s[lo])
	return &x
}

// exactCopies returns the share (%) of rows of b identical to a row of a,
// and the share (%) of rows of a identical to another row of a. The tables
// have the same columns in the same order; categorical values compare by
// their text, numbers by value, missing equal to missing.
func exactCopies(a, b *Table) (copyRate, dupRate float64) {
	seed := maphash.MakeSeed()
	ka, kb := rowHashes(a, seed), rowHashes(b, seed)
	bucket := make(map[uint64][]int, a.Rows()) // hash → rows of a
	for i, h := range ka {
		bucket[h] = append(bucket[h], i)
	}
	dup := 0
	for i, h := range ka {
		for _, j := range bucket[h] {
			if j != i && sameRow(a, i, a, j) {
				dup++
				break
			}
		}
	}
	copies := 0
	for r, h := range kb {
		for _, j := range bucket[h] {
			if sameRow(b, r, a, j) {
				copies++
				break
			}
		}
	}
	return 100 * float64(copies) / float64(max(b.Rows(), 1)), 100 * float64(dup) / float64(max(a.Rows(), 1))
}

// rowHashes returns a hash of each row's values.
func rowHashes(t *Table, seed maphash.Seed) []uint64 {
	out := make([]uint64, t.Rows())
	var h maphash.Hash
	h.SetSeed(seed)
	var buf [8]byte
	for i := range out {
		h.Reset()
		for j := range t.Columns {
			c := &t.Columns[j]
			switch {
			case c.Missing(i):
				h.WriteByte(0)
			case c.Kind.numeric():
				x := c.Num[i]
				if x == 0 {
					x = 0 // −0 equals 0
				}
				bits := math.Float64bits(x)
				for k := range buf {
					buf[k] = byte(bits >> (8 * k))
				}
				h.WriteByte(1)
				h.Write(buf[:])
			default:
				h.WriteByte(2)
				h.WriteString(c.Levels[c.Cat[i]])
				h.WriteByte(0)
			}
		}
		out[i] = h.Sum64()
	}
	return out
}

// sameRow reports whether row i of a equals row j of b (same columns).
func sameRow(a *Table, i int, b *Table, j int) bool {
	for k := range a.Columns {
		ca, cb := &a.Columns[k], &b.Columns[k]
		ma, mb := ca.Missing(i), cb.Missing(j)
		switch {
		case ma || mb:
			if ma != mb {
				return false
			}
		case ca.Kind.numeric():
			if ca.Num[i] != cb.Num[j] {
				return false
			}
		case ca.Levels[ca.Cat[i]] != cb.Levels[cb.Cat[j]]:
			return false
		}
	}
	return true
}

func sqDist(a, b []float64) float64 {
	var s float64
	for j, x := range a {
		d := x - b[j]
		s += d * d
	}
	return s
}

func medianInts(v []int) float64 {
	f := make([]float64, len(v))
	for i, x := range v {
		f[i] = float64(x)
	}
	return quantile(f, 0.5)
}

// quantile returns the q-quantile of v (linear interpolation between order
// statistics, R's type 7), ignoring NaN; NaN when v has no number.
func quantile(v []float64, q float64) float64 { return quantiles(v, q)[0] }

// quantiles returns several quantiles of v (see quantile), sorting once.
func quantiles(v []float64, qs ...float64) []float64 {
	s := make([]float64, 0, len(v))
	for _, x := range v {
		if !math.IsNaN(x) {
			s = append(s, x)
		}
	}
	out := make([]float64, len(qs))
	if len(s) == 0 {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	slices.Sort(s)
	for i, q := range qs {
		h := q * float64(len(s)-1)
		lo := int(math.Floor(h))
		if lo+1 >= len(s) {
			out[i] = s[len(s)-1]
			continue
		}
		out[i] = s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
	}
	return out
}
