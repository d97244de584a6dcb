package mscohort

import (
	"gonum.org/v1/gonum/mat"

	"github.com/mdtwin/mdtwin/models"
)

// The natural history a calibration fits (scenarios/examples/
// ms-natural-history.toml, package calibrate).
//
// Parameters: nh_worsening_hr_<band> multiplies the rates −ln(1 − p) of
// the untreated RRMS matrix's worsening cells from the EDSS states of one
// MSBase band (Campbell et al. 2025, PharmacoEconomics 43:223: none = EDSS
// 0, mild = 1–3.5, moderate = 4–6, severe = 6.5–9.5; here state k stands
// for EDSS k to k + 0.5, so the bands are states 0 | 1–3 | 4–6 | 7–9, as in
// data/defaults.toml) to a higher band; nh_within_hr_mild and
// nh_within_hr_moderate multiply instead the worsening cells that stay in
// those bands (EDSS 1→2 …), which set how long the way through a band takes
// more than how often the band is left (in the severe band every worsening
// takes its band's ratio); nh_improvement_hr multiplies the rates of the
// RRMS improvement cells; relapse_rate_scale multiplies every relapse
// rate. In
// annual timing a cell's probability becomes 1 − (1 − p)^hr and the
// diagonal the complement, as the therapies' hazard ratios do.
//
// Outputs that compare the model with published natural-history targets,
// computed from the run's tables (deterministic; no patient is
// simulated):
//
//	nh_p_<a>_stay, nh_p_<a>_to_<b>
//	    one-year band transition probabilities of untreated RRMS (no
//	    conversion to SPMS, no death): the one-year EDSS matrix — the
//	    annual matrix in annual timing, expm(Q) of the rates in continuous
//	    timing — averaged over the states of band a with equal weights and
//	    summed over the states of band b: the quantities Campbell et al.
//	    report for MSBase (stay in each band; none→mild, mild→moderate,
//	    moderate→severe).
//	nh_median_years_to_edss4, nh_median_years_to_edss6
//	    median time from onset (RRMS at EDSS 0, untreated) to a first EDSS
//	    ≥ 4 (≥ 6), with conversion to SPMS (entering SPMS at EDSS + 1, then
//	    the SPMS matrix) and no death — death censors, as in the
//	    Kaplan–Meier medians of Harding et al. 2023 (JNNP 94:272). The time
//	    solves S(t) = ½ for the survival of the chain with EDSS ≥ 4 (≥ 6)
//	    absorbing: S(t) = 1ᵀ expm(Q_T t) e₀ in continuous timing (quarter-year
//	    steps, then bisection to 10⁻⁷ years); in annual timing S at whole years, linearly
//	    interpolated between them. 150 years means not reached by then.

// nBands is the number of MSBase disability bands.
const nBands = 4

var bandNames = [nBands]string{"none", "mild", "moderate", "severe"}

// band returns the MSBase band of EDSS state e.
func band(e int) int {
	switch {
	case e == 0:
		return 0
	case e <= 3:
		return 1
	case e <= 6:
		return 2
	}
	return 3
}

// medianCap is the largest median time reported (years).
const medianCap = 150.0

func naturalHistoryOutputs() []models.Output {
	var out []models.Output
	for b, n := range bandNames {
		out = append(out, models.Output{Name: "nh_p_" + n + "_stay", Doc: "one-year probability of staying in MSBase band " + n + ", untreated RRMS (calibration.go)"})
		if b+1 < nBands {
			out = append(out, models.Output{Name: "nh_p_" + n + "_to_" + bandNames[b+1],
				Doc: "one-year probability of moving from band " + n + " to band " + bandNames[b+1] + ", untreated RRMS"})
		}
	}
	return append(out,
		models.Output{Name: "nh_median_years_to_edss4", Unit: "year", Doc: "median years from onset (EDSS 0, untreated) to EDSS ≥ 4, death censoring"},
		models.Output{Name: "nh_median_years_to_edss6", Unit: "year", Doc: "median years from onset (EDSS 0, untreated) to EDSS ≥ 6, death censoring"})
}

// untreated returns the untreated course c's EDSS rates (continuous
// timing) and one-year probabilities (annual timing; the diagonal is the
// probability of staying), from the run's tables.
func (w *world) untreated(c Course) (rates, probs [NEDSS][NEDSS]float64) {
	k := w.noneClass // the "off therapy" class
	for e := range NEDSS {
		i := w.idx(c, k, e)
		cum, pc := w.edssCum[i*NEDSS:(i+1)*NEDSS], w.probCum[i*NEDSS:(i+1)*NEDSS]
		for j := range NEDSS {
			var prevC, prevP float64
			if j > 0 {
				prevC, prevP = cum[j-1], pc[j-1]
			}
			if j != e {
				rates[e][j] = cum[j] - prevC
			}
			probs[e][j] = pc[j] - prevP
		}
	}
	return rates, probs
}

// naturalHistory adds the natural-history outputs to out.
func (w *world) naturalHistory(out map[string]float64) {
	rates, probs := w.untreated(RRMS)
	one := probs
	if !w.annual {
		q := mat.NewDense(NEDSS, NEDSS, nil)
		for e := range NEDSS {
			var s float64
			for j := range NEDSS {
				if j != e {
					q.Set(e, j, rates[e][j])
					s += rates[e][j]
				}
			}
			q.Set(e, e, -s)
		}
		var p mat.Dense
		p.Exp(q)
		for e := range NEDSS {
			for j := range NEDSS {
				one[e][j] = p.At(e, j)
			}
		}
	}
	for b, n := range bandNames {
		var stay, next float64
		var states int
		for e := range NEDSS {
			if band(e) != b {
				continue
			}
			states++
			for j := range NEDSS {
				switch band(j) {
				case b:
					stay += one[e][j]
				case b + 1:
					next += one[e][j]
				}
			}
		}
		out["nh_p_"+n+"_stay"] = stay / float64(states)
		if b+1 < nBands {
			out["nh_p_"+n+"_to_"+bandNames[b+1]] = next / float64(states)
		}
	}
	out["nh_median_years_to_edss4"] = w.medianTimeTo(4)
	out["nh_median_years_to_edss6"] = w.medianTimeTo(6)
}

// medianTimeTo returns the median time from onset (RRMS at EDSS 0,
// untreated, no death) to a first EDSS ≥ k.
func (w *world) medianTimeTo(k int) float64 {
	rr, pr := w.untreated(RRMS)
	rs, ps := w.untreated(SPMS)
	// Transient states: (RRMS, 0..k−1) then (SPMS, 0..k−1).
	n := 2 * k
	at := func(c Course, e int) int { return int(c)*k + e }
	if w.annual {
		// Each year: convert with probability to_spms[e] (to SPMS at
		// EDSS e+1), else move by the annual matrix.
		P := make([][]float64, n)
		for s := range P {
			P[s] = make([]float64, n)
		}
		for e := range k {
			conv := w.convProb[e]
			if to := min(e+1, NEDSS-1); to < k {
				P[at(RRMS, e)][at(SPMS, to)] += conv
			}
			for j := range k {
				P[at(RRMS, e)][at(RRMS, j)] += (1 - conv) * pr[e][j]
				P[at(SPMS, e)][at(SPMS, j)] += ps[e][j]
			}
		}
		x := make([]float64, n)
		x[at(RRMS, 0)] = 1
		prev := 1.0
		for year := 1; year <= int(medianCap); year++ {
			y := make([]float64, n)
			for s, xs := range x {
				if xs == 0 {
					continue
				}
				for t, p := range P[s] {
					y[t] += xs * p
				}
			}
			x = y
			var surv float64
			for _, v := range x {
				surv += v
			}
			if surv <= 0.5 {
				return float64(year-1) + (prev-0.5)/(prev-surv)
			}
			prev = surv
		}
		return medianCap
	}
	q := mat.NewDense(n, n, nil)
	for e := range k {
		out := w.convRate[e]
		if to := min(e+1, NEDSS-1); to < k {
			q.Set(at(RRMS, e), at(SPMS, to), w.convRate[e])
		}
		var sr, ss float64
		for j := range NEDSS {
			sr += rr[e][j]
			ss += rs[e][j]
			if j < k && j != e {
				q.Set(at(RRMS, e), at(RRMS, j), rr[e][j])
				q.Set(at(SPMS, e), at(SPMS, j), rs[e][j])
			}
		}
		q.Set(at(RRMS, e), at(RRMS, e), -(sr + out))
		q.Set(at(SPMS, e), at(SPMS, e), -ss)
	}
	// S(t) = 1ᵀ x(t), x(t)ᵀ = e₀ᵀ expm(Q_T t): step x by expm(Q_T Δ), Δ = ¼
	// year, to the first grid time where S ≤ ½, then bisect inside that
	// step from the state at its start.
	const step = 0.25
	stepTo := func(x []float64, t float64) []float64 {
		var qt, p mat.Dense
		qt.Scale(t, q)
		p.Exp(&qt)
		y := make([]float64, n)
		for s, xs := range x {
			if xs == 0 {
				continue
			}
			for j := range n {
				y[j] += xs * p.At(s, j)
			}
		}
		return y
	}
	sum := func(x []float64) float64 {
		var s float64
		for _, v := range x {
			s += v
		}
		return s
	}
	var stepQ, p mat.Dense
	stepQ.Scale(step, q)
	p.Exp(&stepQ)
	x := make([]float64, n)
	x[at(RRMS, 0)] = 1
	for t0 := 0.0; t0 < medianCap; t0 += step {
		y := make([]float64, n)
		for s, xs := range x {
			if xs == 0 {
				continue
			}
			for j := range n {
				y[j] += xs * p.At(s, j)
			}
		}
		if sum(y) > 0.5 {
			x = y
			continue
		}
		lo, hi := 0.0, step
		for hi-lo > 1e-7 {
			mid := (lo + hi) / 2
			if sum(stepTo(x, mid)) > 0.5 {
				lo = mid
			} else {
				hi = mid
			}
		}
		return t0 + (lo+hi)/2
	}
	return medianCap
}
