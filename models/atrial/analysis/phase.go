package analysis

import (
	"math"
	"sort"
)

// LATPhase writes into dst the LAT-based phase of every node at time t (ms)
// (reference §6.1c): with LAT_k ≤ t < LAT_{k+1} two successive activation
// times of the node (lats[i], increasing, as in Activations.Times),
//
//	θ = 2π·(t − LAT_k)/(LAT_{k+1} − LAT_k)   ∈ [0, 2π),
//
// a phase that rises linearly from each activation to the next. It is NaN
// where t is before the node's first or at or after its last activation,
// so the last cycle of a recording has no phase. Where successive
// activations of neighbours belong to different beats it has jumps of
// about 2π along lines (phase-defect lines, Kabus et al. 2022, PLOS ONE
// 17:e0271351), which the wrapped differences of TopologicalCharge
// tolerate. It does not allocate.
func LATPhase(dst []float64, lats [][]float64, t float64) {
	for i, ts := range lats {
		// k is the last activation at or before t.
		k := sort.SearchFloat64s(ts, t)
		if k < len(ts) && ts[k] == t {
			k++
		}
		k--
		if k < 0 || k+1 >= len(ts) {
			dst[i] = math.NaN()
			continue
		}
		dst[i] = 2 * math.Pi * (t - ts[k]) / (ts[k+1] - ts[k])
	}
}
