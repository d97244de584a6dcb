package mscohort

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// psaStream selects the PCG stream of a run's in-model PSA draw (ASCII
// "ms-psa"); the patients use des.Streams of the run's seed.
const psaStream = 0x6d732d707361 | 1<<62

// drawPSA replaces the numbers of v by a draw from their distributions,
// using the generator PCG(seed, psaStream), in this order:
//
//  1. each row of the RRMS matrix ~ Dirichlet(ess_rrms · row), then each SPMS
//     row ~ Dirichlet(ess_spms · row) (zero cells stay zero);
//  2. each RRMS → SPMS probability p ~ Beta(ess_to_spms·p, ess_to_spms·(1−p));
//  3. relapse rates (RRMS then SPMS, by EDSS) ~ gamma with CV relapse_cv;
//  4. costs by EDSS, the relapse cost and each therapy's administration cost
//     ~ gamma with CV cost_cv (drug prices are list prices and stay fixed);
//  5. 1 − utility by EDSS ~ gamma with SD utility_se, the SPMS decrement and
//     the relapse disutility ~ gamma with the same SD;
//  6. each SMR above 1 ~ log-normal with SD smr_se_log of its logarithm;
//  7. per therapy (name order): HR and RR ~ log-normal around their values
//     with SDs hr_se_log and rr_se_log; discontinuation ~ gamma with CV
//     discontinuation_cv.
//
// A gamma with mean m and SD s has shape (m/s)² and rate m/s² (Briggs,
// Claxton & Sculpher 2006, ch. 4); a value of 0 or an SD of 0 stays fixed.
func drawPSA(v *values, d *definition, seed uint64) {
	src := rand.NewPCG(seed, psaStream)
	ps := d.raw.PSA
	dirichlet := func(row *[NEDSS]float64, ess float64) {
		var draw [NEDSS]float64
		var sum float64
		for j, p := range row {
			if p > 0 {
				draw[j] = distuv.Gamma{Alpha: ess * p, Beta: 1, Src: src}.Rand()
				sum += draw[j]
			}
		}
		if sum > 0 {
			for j := range row {
				row[j] = draw[j] / sum
			}
		}
	}
	for i := range NEDSS {
		dirichlet(&v.rrms[i], ps.ESSRRMS)
	}
	for i := range NEDSS {
		dirichlet(&v.spms[i], ps.ESSSPMS)
	}
	for e, p := range v.toSPMS {
		if p > 0 && p < 1 {
			v.toSPMS[e] = distuv.Beta{Alpha: ps.ESSToSPMS * p, Beta: ps.ESSToSPMS * (1 - p), Src: src}.Rand()
		}
	}
	gamma := func(m, sd float64) float64 {
		if m <= 0 || sd <= 0 {
			return m
		}
		return distuv.Gamma{Alpha: (m / sd) * (m / sd), Beta: m / (sd * sd), Src: src}.Rand()
	}
	for e := range NEDSS {
		v.relRR[e] = gamma(v.relRR[e], ps.RelapseCV*v.relRR[e])
	}
	for e := range NEDSS {
		v.relSP[e] = gamma(v.relSP[e], ps.RelapseCV*v.relSP[e])
	}
	for e := range NEDSS {
		v.costEDSS[e] = gamma(v.costEDSS[e], ps.CostCV*v.costEDSS[e])
	}
	v.costRelapse = gamma(v.costRelapse, ps.CostCV*v.costRelapse)
	for i := range v.therapies {
		v.therapies[i].admin = gamma(v.therapies[i].admin, ps.CostCV*v.therapies[i].admin)
	}
	for e := range NEDSS {
		v.utilEDSS[e] = 1 - gamma(1-v.utilEDSS[e], ps.UtilitySE)
	}
	v.spmsDec = gamma(v.spmsDec, ps.UtilitySE)
	v.relDisutil = gamma(v.relDisutil, ps.UtilitySE)
	logNormal := func(m, sdLog float64) float64 {
		if m <= 0 || sdLog <= 0 {
			return m
		}
		return m * math.Exp(sdLog*normal(src))
	}
	for e := range NEDSS {
		if v.smr[e] > 1 {
			v.smr[e] = logNormal(v.smr[e], ps.SMRSELog)
		}
	}
	for i, n := range d.therapyNames {
		t := d.raw.Therapies[n]
		tv := &v.therapies[i]
		tv.hr = logNormal(tv.hr, t.HRSELog)
		tv.rr = logNormal(tv.rr, t.RRSELog)
		tv.disc = gamma(tv.disc, ps.DiscontinuationCV*tv.disc)
	}
}

// normal draws a standard normal deviate from src.
func normal(src rand.Source) float64 {
	return distuv.Normal{Mu: 0, Sigma: 1, Src: src}.Rand()
}
