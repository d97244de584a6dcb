package hta

import (
	"math"
	"sort"
)

// Strategy is one option of a cost-effectiveness comparison: its expected
// cost (currency units) and effect (e.g. QALYs or life-years) per person.
type Strategy struct {
	Name         string
	Cost, Effect float64
}

// Status is the place of a strategy on the cost-effectiveness frontier.
type Status string

// The statuses Frontier assigns.
const (
	// Reference is the least costly strategy; the first point of the frontier.
	Reference Status = "reference"
	// NonDominated strategies are on the frontier after the reference.
	NonDominated Status = "non-dominated"
	// Dominated strategies cost more and are no more effective than another
	// (strong or simple dominance).
	Dominated Status = "dominated"
	// ExtendedlyDominated strategies are beaten by a mix of two others: their
	// ICER is higher than that of the next more effective strategy.
	ExtendedlyDominated Status = "extendedly dominated"
)

// FrontierRow is the result of Frontier for one strategy. Versus names the
// strategy it is compared with: the next less effective strategy on the
// frontier. IncCost, IncEffect and ICER = IncCost/IncEffect are the
// increments over Versus. For the reference and for dominated and
// extendedly dominated strategies, Versus is "" and the three increments
// are NaN.
type FrontierRow struct {
	Name         string
	Cost, Effect float64
	Status       Status
	Versus       string
	IncCost      float64
	IncEffect    float64
	ICER         float64
}

// Frontier returns the cost-effectiveness frontier of the strategies s, one
// row per strategy in the order of s (Drummond et al. 2015, ch. 4; Briggs,
// Claxton & Sculpher 2006, ch. 9):
//
//  1. sort by effect, ties by cost (then by position in s);
//  2. drop the strongly dominated: a strategy is dominated when another costs
//     no more and is at least as effective, and is better in one of the two;
//     of identical strategies (same cost and effect) the first in s stays and
//     the others are dominated;
//  3. compute the sequential ICERs, ΔC/ΔE to the next less effective strategy
//     still in;
//  4. drop as extendedly dominated any strategy whose ICER is higher than
//     that of the next more effective strategy, and return to 3 until no
//     strategy is dropped.
//
// The strategies left form the lower convex hull of the cost-effect plane;
// their ICERs strictly increase with effect, except that a strategy whose
// ICER equals the next one's (three collinear points) is kept. The least
// costly strategy is the Reference. A single strategy is its own reference.
// Frontier panics if a cost or effect is NaN or infinite.
func Frontier(s []Strategy) []FrontierRow {
	rows := make([]FrontierRow, len(s))
	nan := math.NaN()
	for i, x := range s {
		if !finite(x.Cost) || !finite(x.Effect) {
			panic("hta: strategy cost and effect must be finite")
		}
		rows[i] = FrontierRow{Name: x.Name, Cost: x.Cost, Effect: x.Effect, Status: Dominated, IncCost: nan, IncEffect: nan, ICER: nan}
	}
	if len(s) == 0 {
		return rows
	}

	order := make([]int, len(s))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		sa, sb := s[order[a]], s[order[b]]
		if sa.Effect != sb.Effect {
			return sa.Effect < sb.Effect
		}
		return sa.Cost < sb.Cost
	})

	// Strong dominance. Walking from the most effective down, a strategy is
	// undominated iff it is strictly cheaper than every more effective (or
	// equally effective, earlier in the order) strategy.
	undominated := make([]int, 0, len(s))
	minCost := math.Inf(1)
	for k := len(order) - 1; k >= 0; k-- {
		i := order[k]
		// Among equal effects the order puts the cheapest first, so a
		// strategy with the same effect as a cheaper one is seen after it
		// here (walking backwards) — handle equal effects explicitly.
		if k > 0 && s[order[k-1]].Effect == s[i].Effect {
			continue // a cheaper (or identical, earlier) one with this effect exists
		}
		if s[i].Cost < minCost {
			undominated = append(undominated, i)
			minCost = s[i].Cost
		}
	}
	// undominated is in decreasing effect; reverse it.
	for a, b := 0, len(undominated)-1; a < b; a, b = a+1, b-1 {
		undominated[a], undominated[b] = undominated[b], undominated[a]
	}
	for _, i := range undominated {
		rows[i].Status = ExtendedlyDominated
	}

	// Extended dominance: keep the lower convex hull. A stack-based pass
	// removes the last kept strategy while its ICER exceeds that of the
	// candidate over it; this gives the same set as repeating steps 3–4.
	hull := undominated[:0:0]
	for _, i := range undominated {
		for len(hull) >= 2 {
			a, b := hull[len(hull)-2], hull[len(hull)-1]
			if icer(s[a], s[b]) > icer(s[b], s[i]) {
				hull = hull[:len(hull)-1]
				continue
			}
			break
		}
		hull = append(hull, i)
	}

	for k, i := range hull {
		if k == 0 {
			rows[i].Status = Reference
			continue
		}
		p := hull[k-1]
		r := &rows[i]
		r.Status = NonDominated
		r.Versus = s[p].Name
		r.IncCost = s[i].Cost - s[p].Cost
		r.IncEffect = s[i].Effect - s[p].Effect
		r.ICER = r.IncCost / r.IncEffect
	}
	return rows
}

// icer returns (C_b − C_a)/(E_b − E_a); E_b > E_a.
func icer(a, b Strategy) float64 { return (b.Cost - a.Cost) / (b.Effect - a.Effect) }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
