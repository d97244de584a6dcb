package cohort

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// LocalCloakingLimit caps the local-cloaking counts, as avatar-paper's
// local_cloaking.py searches at most 4000 neighbours.
const LocalCloakingLimit = 4000

// DistanceMetrics are the distance-based privacy metrics of a release,
// computed on the first NCP components of the projection fitted to the
// originals (avatars projected with it), as in avatar-paper's
// metrics/privacy_metrics.
type DistanceMetrics struct {
	// HiddenRate is 100·(1 − #{i : the nearest avatar of original i is its
	// own avatar}/n), in %. When m other avatars are exactly as close as
	// the own avatar (duplicates), original i counts as found with
	// probability 1/(m+1) — the expected outcome of avatar-paper's
	// arbitrary tie-breaking, computed without drawing.
	HiddenRate float64 `json:"hidden_rate_percent"`
	// LocalCloaking[i] is the number of other avatars strictly closer to
	// original i than its own avatar (capped at LocalCloakingLimit);
	// LocalCloakingRecords[i] the number of other originals strictly closer.
	LocalCloaking        []int `json:"-"`
	LocalCloakingRecords []int `json:"-"`
	// LocalCloakingMedian and RecordsMedian are their medians; EmptyRate is
	// the share (%) of originals with both counts zero.
	LocalCloakingMedian float64 `json:"local_cloaking_median"`
	RecordsMedian       float64 `json:"local_cloaking_records_median"`
	EmptyRate           float64 `json:"local_cloaking_empty_rate_percent"`
	// DCR[r] is avatar r's distance to the closest original; NNDR[r] the
	// ratio of its closest to second-closest original distances (1 when
	// the second is 0).
	DCR  []float64 `json:"-"`
	NNDR []float64 `json:"-"`
	// DCRZeroRate is the share (%) of avatars at distance 0 from an
	// original in the projected space.
	DCRMedian   float64 `json:"dcr_median"`
	NNDRMedian  float64 `json:"nndr_median"`
	DCRZeroRate float64 `json:"dcr_zero_rate_percent"`
}

// Distances computes the distance-based privacy metrics of a release made
// from orig. av.Source pairs avatars with originals.
func Distances(ctx context.Context, orig *Table, av *Avatars, workers int) (*DistanceMetrics, error) {
	n := orig.Rows()
	if av.Table.Rows() != n || len(av.Source) != n {
		return nil, fmt.Errorf("cohort: %d avatars for %d originals", av.Table.Rows(), n)
	}
	ncp := av.NCP
	co := av.Model.Transform(orig, ncp)
	ca := av.Model.Transform(av.Table, ncp)
	_, dim := co.Dims()
	po, pa := denseRows(co), denseRows(ca)
	treeO, treeA := newKDTree(po, dim), newKDTree(pa, dim)
	own := make([]int, n) // own[i] = avatar of original i
	for r, i := range av.Source {
		own[i] = r
	}
	m := &DistanceMetrics{
		LocalCloaking: make([]int, n), LocalCloakingRecords: make([]int, n),
		DCR: make([]float64, n), NNDR: make([]float64, n),
	}
	found := make([]float64, n)
	err := forChunks(ctx, n, workers, func(lo, hi int) {
		var q knnQuery
		for i := lo; i < hi; i++ {
			o := po[i*dim : (i+1)*dim]
			r := own[i]
			d2own := sqDist(o, pa[r*dim:(r+1)*dim])
			m.LocalCloaking[i] = treeA.countCloser(o, d2own, false, r, LocalCloakingLimit)
			m.LocalCloakingRecords[i] = treeO.countCloser(o, d2own, false, i, LocalCloakingLimit)
			if m.LocalCloaking[i] == 0 {
				ties := treeA.countCloser(o, d2own, true, r, math.MaxInt)
				found[i] = 1 / float64(ties+1)
			}
			// DCR and NNDR of avatar i (avatars are indexed here by row).
			a := pa[i*dim : (i+1)*dim]
			nb := treeO.nearest(a, 2, -1, &q)
			d1 := math.Sqrt(nb[0].d2)
			m.DCR[i] = d1
			m.NNDR[i] = 1
			if len(nb) > 1 && nb[1].d2 > 0 {
				m.NNDR[i] = d1 / math.Sqrt(nb[1].d2)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	var hits float64
	var empty, zero int
	for i := range n {
		hits += found[i]
		if m.LocalCloaking[i] == 0 && m.LocalCloakingRecords[i] == 0 {
			empty++
		}
		if m.DCR[i] == 0 {
			zero++
		}
	}
	m.HiddenRate = 100 * (1 - hits/float64(n))
	m.EmptyRate = 100 * float64(empty) / float64(n)
	m.DCRZeroRate = 100 * float64(zero) / float64(n)
	m.LocalCloakingMedian = medianInts(m.LocalCloaking)
	m.RecordsMedian = medianInts(m.LocalCloakingRecords)
	m.DCRMedian = quantile(m.DCR, 0.5)
	m.NNDRMedian = quantile(m.NNDR, 0.5)
	return m, nil
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
func quantile(v []float64, q float64) float64 {
	s := make([]float64, 0, len(v))
	for _, x := range v {
		if !math.IsNaN(x) {
			s = append(s, x)
		}
	}
	if len(s) == 0 {
		return math.NaN()
	}
	slices.Sort(s)
	h := q * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}
