package hta

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestNMB(t *testing.T) {
	// 20,000 × 1.5 − 12,000 = 18,000; NHB = 1.5 − 12,000/20,000 = 0.9.
	if got := NMB(12000, 1.5, 20000); got != 18000 {
		t.Errorf("NMB = %g, want 18000", got)
	}
	if got := NHB(12000, 1.5, 20000); math.Abs(got-0.9) > 1e-15 {
		t.Errorf("NHB = %g, want 0.9", got)
	}
}

func TestPSATwoDraws(t *testing.T) {
	// By hand. Strategies A, B; two draws:
	//   draw 1: A (C 0, E 1), B (C 100, E 2)
	//   draw 2: A (C 0, E 1), B (C 100, E 1.05)
	// λ = 1,000: NMB draw 1: A 1,000, B 1,900 → B;  draw 2: A 1,000, B 950 → A.
	//   CEAC = (0.5, 0.5); E[NMB] A 1,000, B 1,425 → CEAF = B;
	//   EVPI = (1,900 + 1,000)/2 − 1,425 = 25.
	// λ = 0: NMB = −C: A in both draws. CEAC (1, 0), CEAF A, EVPI 0.
	costs := [][]float64{{0, 100}, {0, 100}}
	effects := [][]float64{{1, 2}, {1, 1.05}}
	wtps := []float64{1000, 0}
	ceac := CEAC(costs, effects, wtps)
	if !slices.Equal(ceac[0], []float64{0.5, 0.5}) || !slices.Equal(ceac[1], []float64{1, 0}) {
		t.Errorf("CEAC = %v", ceac)
	}
	if got := CEAF(costs, effects, wtps); !slices.Equal(got, []int{1, 0}) {
		t.Errorf("CEAF = %v, want [1 0]", got)
	}
	evpi := EVPI(costs, effects, wtps)
	if math.Abs(evpi[0]-25) > 1e-9 || evpi[1] != 0 {
		t.Errorf("EVPI = %v, want [25 0]", evpi)
	}
}

// randomPSA returns S draws of J strategies with overlapping costs and effects.
func randomPSA(rng *rand.Rand, S, J int) (costs, effects [][]float64) {
	costs, effects = make([][]float64, S), make([][]float64, S)
	for s := range S {
		costs[s], effects[s] = make([]float64, J), make([]float64, J)
		for j := range J {
			costs[s][j] = 1000*float64(j) + 800*rng.NormFloat64()
			effects[s][j] = 5 + 0.1*float64(j) + 0.2*rng.NormFloat64()
		}
	}
	return costs, effects
}

func TestPSAProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	costs, effects := randomPSA(rng, 2000, 4)
	wtps := []float64{0, 5000, 10000, 20000, 50000, 1e5, 1e12}
	ceac := CEAC(costs, effects, wtps)
	ceaf := CEAF(costs, effects, wtps)
	evpi := EVPI(costs, effects, wtps)

	for k, row := range ceac {
		var sum float64
		for _, p := range row {
			sum += p
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("λ = %g: CEAC row sums to %g", wtps[k], sum)
		}
		if evpi[k] < 0 {
			t.Errorf("λ = %g: EVPI %g < 0", wtps[k], evpi[k])
		}
		if ceaf[k] < 0 || ceaf[k] >= 4 {
			t.Errorf("λ = %g: CEAF index %d", wtps[k], ceaf[k])
		}
	}
	// At λ = 0 each draw's winner is its cheapest strategy; at λ = 1e12 its
	// most effective one (the random values have no ties).
	cheapest, mostEffective := make([]float64, 4), make([]float64, 4)
	for s := range costs {
		cheapest[argmin(costs[s])] += 1.0 / float64(len(costs))
		mostEffective[argmin(neg(effects[s]))] += 1.0 / float64(len(costs))
	}
	for j := range 4 {
		if math.Abs(ceac[0][j]-cheapest[j]) > 1e-12 || math.Abs(ceac[len(wtps)-1][j]-mostEffective[j]) > 1e-12 {
			t.Errorf("strategy %d: CEAC(0) %g vs cheapest %g; CEAC(1e12) %g vs most effective %g",
				j, ceac[0][j], cheapest[j], ceac[len(wtps)-1][j], mostEffective[j])
		}
	}
	// CEAF at λ = 0: the strategy with the lowest mean cost (strategy 0 by construction).
	if ceaf[0] != 0 || ceaf[len(wtps)-1] != 3 {
		t.Errorf("CEAF = %v, want 0 first and 3 last", ceaf)
	}
}

func TestEVPIZeroWhenOneAlwaysWins(t *testing.T) {
	// Strategy 1 is cheaper and more effective in every draw.
	rng := rand.New(rand.NewPCG(5, 6))
	costs, effects := make([][]float64, 500), make([][]float64, 500)
	for s := range costs {
		c, e := 1000+rng.Float64()*100, 3+rng.Float64()
		costs[s] = []float64{c + 1 + rng.Float64(), c}
		effects[s] = []float64{e - 0.01 - rng.Float64(), e}
	}
	wtps := []float64{0, 100, 2e4, 1e7}
	for k, v := range EVPI(costs, effects, wtps) {
		if v != 0 {
			t.Errorf("λ = %g: EVPI = %g, want 0", wtps[k], v)
		}
	}
	for k, row := range CEAC(costs, effects, wtps) {
		if !slices.Equal(row, []float64{0, 1}) {
			t.Errorf("λ = %g: CEAC = %v, want [0 1]", wtps[k], row)
		}
	}
}

func TestCEACTies(t *testing.T) {
	// Identical strategies tie in every draw: the lowest index wins.
	costs := [][]float64{{5, 5, 5}, {7, 7, 7}}
	effects := [][]float64{{1, 1, 1}, {2, 2, 2}}
	for _, row := range CEAC(costs, effects, []float64{0, 10}) {
		if !slices.Equal(row, []float64{1, 0, 0}) {
			t.Errorf("tied CEAC = %v, want [1 0 0]", row)
		}
	}
	if got := CEAF(costs, effects, []float64{3}); got[0] != 0 {
		t.Errorf("tied CEAF = %v, want [0]", got)
	}
}

func TestPSAPanics(t *testing.T) {
	bad := []struct{ c, e [][]float64 }{
		{nil, nil},
		{[][]float64{{1}}, [][]float64{{1}, {2}}},
		{[][]float64{{1, 2}, {3}}, [][]float64{{1, 2}, {3, 4}}},
		{[][]float64{{}}, [][]float64{{}}},
	}
	for i, b := range bad {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("case %d: EVPI did not panic", i)
				}
			}()
			EVPI(b.c, b.e, []float64{1})
		}()
	}
}

func argmin(x []float64) int {
	best := 0
	for i := range x {
		if x[i] < x[best] {
			best = i
		}
	}
	return best
}

func neg(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = -v
	}
	return out
}
