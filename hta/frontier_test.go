package hta

import (
	"math"
	"math/rand/v2"
	"testing"
)

// want is the expected Frontier row of one strategy (Cost and Effect are
// copied from the input and not repeated here).
type want struct {
	status               Status
	versus               string
	incC, incE, icerWant float64 // ignored (NaN expected) when versus == ""
}

func checkFrontier(t *testing.T, name string, s []Strategy, exp []want) {
	t.Helper()
	rows := Frontier(s)
	if len(rows) != len(s) {
		t.Fatalf("%s: %d rows for %d strategies", name, len(rows), len(s))
	}
	for i, r := range rows {
		w := exp[i]
		if r.Name != s[i].Name || r.Cost != s[i].Cost || r.Effect != s[i].Effect {
			t.Errorf("%s: row %d is %+v, not strategy %+v (rows must be in input order)", name, i, r, s[i])
		}
		if r.Status != w.status || r.Versus != w.versus {
			t.Errorf("%s: %s is %q versus %q, want %q versus %q", name, r.Name, r.Status, r.Versus, w.status, w.versus)
		}
		if w.versus == "" {
			if !math.IsNaN(r.IncCost) || !math.IsNaN(r.IncEffect) || !math.IsNaN(r.ICER) {
				t.Errorf("%s: %s has increments %g, %g, %g; want NaN", name, r.Name, r.IncCost, r.IncEffect, r.ICER)
			}
			continue
		}
		close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
		if !close(r.IncCost, w.incC) || !close(r.IncEffect, w.incE) || !close(r.ICER, w.icerWant) {
			t.Errorf("%s: %s has ΔC %g, ΔE %g, ICER %g; want %g, %g, %g", name, r.Name, r.IncCost, r.IncEffect, r.ICER, w.incC, w.incE, w.icerWant)
		}
	}
}

func TestFrontierFiveStrategies(t *testing.T) {
	// A five-strategy example in the style of Drummond et al. (2015, ch. 4),
	// solved by hand:
	//
	//   strategy  cost    effect
	//   A         10,000  5.0
	//   B         14,000  5.5
	//   C         13,000  4.9    costlier and less effective than A: dominated
	//   D         15,000  6.0
	//   E         25,000  7.0
	//
	// Sorted by effect without C: A, B, D, E. Sequential ICERs:
	//   B vs A: 4,000/0.5 = 8,000;  D vs B: 1,000/0.5 = 2,000;  E vs D: 10,000/1 = 10,000.
	// B's 8,000 exceeds D's 2,000: B is extendedly dominated. Again without B:
	//   D vs A: 5,000/1 = 5,000;  E vs D: 10,000.  Increasing: stable.
	s := []Strategy{
		{"A", 10000, 5.0},
		{"B", 14000, 5.5},
		{"C", 13000, 4.9},
		{"D", 15000, 6.0},
		{"E", 25000, 7.0},
	}
	exp := []want{
		{status: Reference},
		{status: ExtendedlyDominated},
		{status: Dominated},
		{NonDominated, "A", 5000, 1, 5000},
		{NonDominated, "D", 10000, 1, 10000},
	}
	checkFrontier(t, "five", s, exp)

	// The same strategies in another order give the same rows, permuted.
	perm := []int{4, 2, 0, 3, 1}
	ps, pe := make([]Strategy, len(s)), make([]want, len(s))
	for k, i := range perm {
		ps[k], pe[k] = s[i], exp[i]
	}
	checkFrontier(t, "five permuted", ps, pe)
}

func TestFrontierCascade(t *testing.T) {
	// Extended dominance that needs two passes (by hand):
	//   P (0, 0), Q (10, 1), R (25, 2), T (27, 3)
	//   pass 1: Q vs P 10, R vs Q 15, T vs R 2  → R out (15 > 2)
	//   pass 2: Q vs P 10, T vs Q 17/2 = 8.5    → Q out (10 > 8.5)
	//   pass 3: T vs P 27/3 = 9                 → stable
	s := []Strategy{{"T", 27, 3}, {"R", 25, 2}, {"Q", 10, 1}, {"P", 0, 0}}
	checkFrontier(t, "cascade", s, []want{
		{NonDominated, "P", 27, 3, 9},
		{status: ExtendedlyDominated},
		{status: ExtendedlyDominated},
		{status: Reference},
	})
}

func TestFrontierEdgeCases(t *testing.T) {
	checkFrontier(t, "empty", nil, nil)
	checkFrontier(t, "single", []Strategy{{"only", 123, 4}}, []want{{status: Reference}})

	// Equal effects: the costlier one is dominated (costlier, no more effective).
	checkFrontier(t, "equal effect", []Strategy{{"dear", 200, 2}, {"cheap", 100, 2}}, []want{
		{status: Dominated}, {status: Reference},
	})
	// Equal costs: the less effective one is dominated (costs no less, less effective).
	checkFrontier(t, "equal cost", []Strategy{{"weak", 100, 1}, {"strong", 100, 2}}, []want{
		{status: Dominated}, {status: Reference},
	})
	// Identical strategies: the first in the input stays.
	checkFrontier(t, "identical", []Strategy{{"x", 100, 2}, {"y", 100, 2}, {"z", 300, 3}}, []want{
		{status: Reference}, {status: Dominated}, {NonDominated, "x", 200, 1, 200},
	})
	// Collinear: the middle strategy's ICER equals the next one's, so it is
	// not higher and the strategy stays (10 = 10).
	checkFrontier(t, "collinear", []Strategy{{"a", 0, 0}, {"b", 10, 1}, {"c", 20, 2}}, []want{
		{status: Reference}, {NonDominated, "a", 10, 1, 10}, {NonDominated, "b", 10, 1, 10},
	})
	// Cost saving and more effective: the other is dominated.
	checkFrontier(t, "dominant", []Strategy{{"old", 500, 1}, {"new", 400, 1.2}}, []want{
		{status: Dominated}, {status: Reference},
	})
	// Negative costs (savings) are fine.
	checkFrontier(t, "negative", []Strategy{{"a", -100, 1}, {"b", 50, 1.5}}, []want{
		{status: Reference}, {NonDominated, "a", 150, 0.5, 300},
	})
}

func TestFrontierChancellor(t *testing.T) {
	// HIV/Chancellor (Briggs, Claxton & Sculpher 2006, ex. 2.5; heemod
	// tests/testthat/test_dmhee.R): published costs and life-years per person
	// and the ICER 6,275.95560 per life-year gained. The ICER from the
	// rounded published figures is 5,938.1977675/0.9461823 = 6,275.955244
	// (bc), 5.7e-8 below the published value.
	rows := Frontier([]Strategy{
		{"monotherapy", 44663.4535637, 7.9912066},
		{"combination", 50601.6513312, 8.9373889},
	})
	if rows[0].Status != Reference || rows[1].Status != NonDominated || rows[1].Versus != "monotherapy" {
		t.Fatalf("rows %+v", rows)
	}
	const published = 6275.95560
	if got := rows[1].ICER; math.Abs(got-published) > 1e-6*published {
		t.Errorf("Chancellor ICER %.6f, want %.5f (1e-6 relative)", got, published)
	}
}

func TestFrontierAgainstNMB(t *testing.T) {
	// Property: the frontier is the set of strategies that maximise NMB for
	// some willingness to pay λ ≥ 0, and the frontier's ICERs are the λ
	// at which the optimum changes. Random strategies, seeded.
	rng := rand.New(rand.NewPCG(3, 14))
	for trial := range 300 {
		n := 1 + rng.IntN(12)
		s := make([]Strategy, n)
		for i := range s {
			s[i] = Strategy{Name: string(rune('a' + i)), Cost: math.Round(rng.Float64()*1e4) - 2000, Effect: math.Round(rng.Float64()*100) / 10}
		}
		rows := Frontier(s)
		var front []int
		for i, r := range rows {
			if r.Status == Reference || r.Status == NonDominated {
				front = append(front, i)
			}
		}
		// Frontier in effect order with increasing ICERs.
		sortByEffect(front, s)
		nRef := 0
		for k, i := range front {
			if rows[i].Status == Reference {
				nRef++
				if k != 0 {
					t.Fatalf("trial %d: reference %s is not the least effective on the frontier", trial, s[i].Name)
				}
				continue
			}
			if rows[i].Versus != s[front[k-1]].Name {
				t.Fatalf("trial %d: %s versus %s, want %s", trial, s[i].Name, rows[i].Versus, s[front[k-1]].Name)
			}
			if k >= 2 && rows[i].ICER < rows[front[k-1]].ICER {
				t.Fatalf("trial %d: ICERs decrease along the frontier", trial)
			}
		}
		if nRef != 1 {
			t.Fatalf("trial %d: %d references", trial, nRef)
		}
		// For λ ≥ 0, the best NMB over all strategies is reached on the frontier.
		for _, lambda := range []float64{0, 1, 10, 100, 500, 1000, 5000, 1e5, 1e9} {
			all, onFront := math.Inf(-1), math.Inf(-1)
			for i := range s {
				all = max(all, NMB(s[i].Cost, s[i].Effect, lambda))
			}
			for _, i := range front {
				onFront = max(onFront, NMB(s[i].Cost, s[i].Effect, lambda))
			}
			if onFront < all-1e-9*math.Max(1, math.Abs(all)) {
				t.Fatalf("trial %d, λ = %g: best NMB %g off the frontier (frontier best %g)", trial, lambda, all, onFront)
			}
		}
		// Each non-reference frontier strategy is optimal between its ICER
		// and the next one's.
		for k := 1; k < len(front); k++ {
			i := front[k]
			lo, hi := rows[i].ICER, math.Inf(1)
			if k+1 < len(front) {
				hi = rows[front[k+1]].ICER
			}
			lambda := lo + 1
			if !math.IsInf(hi, 1) {
				lambda = (lo + hi) / 2
			}
			mine := NMB(s[i].Cost, s[i].Effect, lambda)
			for j := range s {
				if v := NMB(s[j].Cost, s[j].Effect, lambda); v > mine+1e-9*math.Max(1, math.Abs(mine)) {
					t.Fatalf("trial %d: %s not optimal at λ = %g (%s better)", trial, s[i].Name, lambda, s[j].Name)
				}
			}
		}
	}
}

func sortByEffect(idx []int, s []Strategy) {
	for a := 1; a < len(idx); a++ {
		for b := a; b > 0 && s[idx[b]].Effect < s[idx[b-1]].Effect; b-- {
			idx[b], idx[b-1] = idx[b-1], idx[b]
		}
	}
}

func TestFrontierPanicsOnNaN(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic on a NaN cost")
		}
	}()
	Frontier([]Strategy{{"a", math.NaN(), 1}})
}
