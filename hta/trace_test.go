package hta

import (
	"math"
	"testing"
)

// TestTrace: a two-state chain (alive → dead with probability q per step)
// with a step that moves nobody (nil), rewards per point and on entry, and
// weighted occupancy, against the closed forms.
func TestTrace(t *testing.T) {
	const q, steps = 0.1, 6
	P := []float64{1 - q, q, 0, 1}
	point := []float64{2, 0}     // 2 per unit of alive occupancy
	entry := []float64{0, 0, 5}  // 5 per entry into dead
	weights := []float64{1, 0.5} // two weightings
	var seen []float64
	tr := Trace{States: 2, Init: []float64{1, 0}, Steps: steps, Quantities: 1,
		Matrix: func(k int) []float64 {
			if k == 3 {
				return nil
			}
			return P
		},
		Point:      func(int) []float64 { return point },
		Entry:      func(int) []float64 { return entry[1:] },
		Weightings: 2,
		Weights:    func(int) []float64 { return weights },
		Visit:      func(_ int, x []float64) { seen = append(seen, x[0]) },
	}
	tot, occ := make([]float64, 1), make([]float64, 4)
	tr.Run(tot, occ)
	if allocs := testing.AllocsPerRun(10, func() { tr.Visit = nil; tr.Run(tot, occ) }); allocs != 0 {
		t.Errorf("Run allocates %v times", allocs)
	}
	tr.Visit = func(_ int, x []float64) { seen = append(seen, x[0]) }
	tot, occ, seen = make([]float64, 1), make([]float64, 4), nil
	tr.Run(tot, occ)
	var alive, want float64
	moves := 0
	for k := 0; k <= steps; k++ {
		if k > 0 && k != 3 {
			moves++
		}
		a := math.Pow(1-q, float64(moves))
		if math.Abs(seen[k]-a) > 1e-15 {
			t.Errorf("point %d: alive %v, want %v", k, seen[k], a)
		}
		alive += a
	}
	want = 2*alive + 5*(1-math.Pow(1-q, float64(moves)))
	if math.Abs(tot[0]-want) > 1e-12 || math.Abs(occ[0]-alive) > 1e-12 || math.Abs(occ[2]-alive/2) > 1e-12 {
		t.Errorf("tot %v (want %v), occ %v (alive %v)", tot[0], want, occ, alive)
	}
}
