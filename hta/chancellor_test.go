package hta

import (
	"math"
	"testing"
)

// chancellor runs the HIV/Chancellor cohort model (Briggs, Claxton &
// Sculpher 2006, ex. 2.5; inputs as in heemod tests/testthat/test_dmhee.R)
// with this package's weights and discount factors: 20 annual cycles, "end"
// counting (None), costs discounted at 6 % with t = trace point k = 1..20,
// life-years undiscounted. It returns cost and life-years per person.
func chancellor(combination bool) (cost, ly float64) {
	counts := [3][4]float64{
		{1251, 350, 116, 17},
		{0, 731, 512, 15},
		{0, 0, 1312, 437},
	}
	var mono [4][4]float64
	for i, row := range counts {
		total := row[0] + row[1] + row[2] + row[3]
		for j := range row {
			mono[i][j] = row[j] / total
		}
	}
	mono[3][3] = 1
	// Combination in cycles 1–2: off-diagonals × RR 0.509, diagonal the complement.
	combo := mono
	for i := range 3 {
		var off float64
		for j := range 4 {
			if j != i {
				combo[i][j] *= 0.509
				off += combo[i][j]
			}
		}
		combo[i][i] = 1 - off
	}
	stateCost := [4]float64{1701 + 1055, 1774 + 1278, 6948 + 2059, 0}
	const zidovudine, lamivudine = 2278, 2086.5

	const n = 20
	w := CycleWeights(None, n)
	trace := [4]float64{1, 0, 0, 0}
	for k := 1; k <= n; k++ {
		p := &mono
		if combination && k <= 2 {
			p = &combo
		}
		var next [4]float64
		for i := range 4 {
			for j := range 4 {
				next[j] += trace[i] * p[i][j]
			}
		}
		trace = next
		drug := float64(zidovudine)
		if combination && k <= 2 {
			drug += lamivudine
		}
		var c, alive float64
		for i := range 3 {
			c += trace[i] * (stateCost[i] + drug)
			alive += trace[i]
		}
		cost += w[k] * DiscountFactor(0.06, float64(k)) * c
		ly += w[k] * alive
	}
	return cost, ly
}

func TestChancellorCohort(t *testing.T) {
	// Published values: reference file section 5 (heemod test_dmhee.R).
	tests := []struct {
		combination bool
		cost, ly    float64
	}{
		{false, 44663.4535637, 7.9912066},
		{true, 50601.6513312, 8.9373889},
	}
	for _, tt := range tests {
		cost, ly := chancellor(tt.combination)
		// The published figures carry 7 decimals: 1e-11 relative for costs,
		// 1e-8 for life-years.
		if math.Abs(cost-tt.cost) > 1e-11*tt.cost || math.Abs(ly-tt.ly) > 1e-8*tt.ly {
			t.Errorf("combination %v: cost %.7f, LY %.7f; want %.7f, %.7f", tt.combination, cost, ly, tt.cost, tt.ly)
		}
	}
	cm, lm := chancellor(false)
	cc, lc := chancellor(true)
	rows := Frontier([]Strategy{{"monotherapy", cm, lm}, {"combination", cc, lc}})
	if got, want := rows[1].ICER, 6275.95560; math.Abs(got-want) > 1e-9*want {
		t.Errorf("ICER %.5f, want %.5f", got, want)
	}
}
