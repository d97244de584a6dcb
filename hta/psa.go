package hta

import "math"

// The PSA functions take the outputs of a probabilistic sensitivity analysis
// as costs[s][j] and effects[s][j]: the expected cost and effect per person
// of strategy j under parameter draw s. All rows must have the same length
// (the number of strategies) and costs and effects the same shape; the
// functions panic otherwise, or when there are no draws or no strategies.

// CEAC returns the cost-effectiveness acceptability curves (van Hout et al.
// 1994; Fenwick, Claxton & Sculpher 2001, Health Econ 10:779): ceac[k][j] is
// the fraction of draws in which strategy j has the highest net monetary
// benefit at wtps[k],
//
//	CEAC_j(λ) = (1/S) Σ_s 1[ j = argmax_i NMB_si(λ) ],   NMB_si(λ) = λ·E_si − C_si.
//
// A tie in a draw goes to the strategy with the lowest index, so each row
// sums to 1.
func CEAC(costs, effects [][]float64, wtps []float64) [][]float64 {
	nd, ns := psaShape(costs, effects)
	out := make([][]float64, len(wtps))
	wins := make([]int, ns)
	for k, wtp := range wtps {
		clear(wins)
		for s := range nd {
			c, e := costs[s], effects[s]
			best, bestNMB := 0, NMB(c[0], e[0], wtp)
			for j := 1; j < ns; j++ {
				if v := NMB(c[j], e[j], wtp); v > bestNMB {
					best, bestNMB = j, v
				}
			}
			wins[best]++
		}
		row := make([]float64, ns)
		for j, n := range wins {
			row[j] = float64(n) / float64(nd)
		}
		out[k] = row
	}
	return out
}

// CEAF returns the cost-effectiveness acceptability frontier (Fenwick,
// Claxton & Sculpher 2001): ceaf[k] is the index of the strategy with the
// highest expected net monetary benefit at wtps[k],
//
//	argmax_j (1/S) Σ_s NMB_sj(λ),
//
// which is the strategy a decision maker should adopt at λ; the frontier's
// height at λ is CEAC(λ)[ceaf[k]]. Ties go to the lowest index.
func CEAF(costs, effects [][]float64, wtps []float64) []int {
	nd, ns := psaShape(costs, effects)
	mc, me := make([]float64, ns), make([]float64, ns)
	for s := range nd {
		for j := range ns {
			mc[j] += costs[s][j]
			me[j] += effects[s][j]
		}
	}
	for j := range ns {
		mc[j] /= float64(nd)
		me[j] /= float64(nd)
	}
	out := make([]int, len(wtps))
	for k, wtp := range wtps {
		best, bestNMB := 0, NMB(mc[0], me[0], wtp)
		for j := 1; j < ns; j++ {
			if v := NMB(mc[j], me[j], wtp); v > bestNMB {
				best, bestNMB = j, v
			}
		}
		out[k] = best
	}
	return out
}

// EVPI returns the expected value of perfect information per person at each
// willingness to pay (Briggs, Claxton & Sculpher 2006, ch. 7), in currency
// units:
//
//	EVPI(λ) = E_s[ max_j NMB_sj(λ) ] − max_j E_s[ NMB_sj(λ) ].
//
// It is never negative, and it is 0 when one strategy has the highest NMB in
// every draw. Multiply by the discounted number of people affected by the
// decision for the population EVPI.
func EVPI(costs, effects [][]float64, wtps []float64) []float64 {
	nd, ns := psaShape(costs, effects)
	out := make([]float64, len(wtps))
	sum := make([]float64, ns)
	for k, wtp := range wtps {
		clear(sum)
		var sumMax float64
		for s := range nd {
			c, e := costs[s], effects[s]
			m := math.Inf(-1)
			for j := range ns {
				v := NMB(c[j], e[j], wtp)
				sum[j] += v
				m = max(m, v)
			}
			sumMax += m
		}
		// Summing the per-strategy NMBs in the same order as their maxima
		// makes the result exactly 0 when one strategy always wins.
		best := math.Inf(-1)
		for _, v := range sum {
			best = max(best, v)
		}
		out[k] = max(0, (sumMax-best)/float64(nd))
	}
	return out
}

func psaShape(costs, effects [][]float64) (draws, strategies int) {
	if len(costs) == 0 || len(costs) != len(effects) {
		panic("hta: PSA costs and effects must have the same, non-zero number of draws")
	}
	ns := len(costs[0])
	if ns == 0 {
		panic("hta: PSA draws have no strategies")
	}
	for s := range costs {
		if len(costs[s]) != ns || len(effects[s]) != ns {
			panic("hta: PSA draws must all have the same number of strategies")
		}
	}
	return len(costs), ns
}
