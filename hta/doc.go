// Package hta computes the health-economic outputs of a model: discounting,
// within-cycle corrections, the Markov trace of a cohort, the
// cost-effectiveness frontier with strong and extended dominance over any
// number of strategies, net monetary benefit, and the summaries of a
// probabilistic sensitivity analysis (CEAC, CEAF, EVPI), one-way
// sensitivity (tornado) data and sample intervals, gathered in one typed
// study summary.
//
// The package holds the arithmetic and the summary's shape only, and
// imports no other package of the project; models (models/statetransition,
// models/mscohort) produce the costs and effects and call it, and reports
// read the summary back.
//
// # Discounting
//
// An outcome at time t (years from the start) is discounted at the annual
// rate r by
//
//	discrete     w(t) = 1/(1+r)^t                        DiscountFactor
//	continuous   ∫_{t0}^{t1} e^{−ρt} dt,  ρ = ln(1+r)      DiscountedTime
//
// (Drummond et al. 2015, Methods for the Economic Evaluation of Health Care
// Programmes, 4th ed., ch. 4; Briggs, Claxton & Sculpher 2006, Decision
// Modelling for Health Economic Evaluation (DMHEE), ch. 2). A cohort model
// discounts the value at trace point k (cycle length L years) by
// DiscountFactor(r, k·L); a discrete-event model multiplies a cost or
// utility accruing at a constant annual rate over [t0, t1] by
// DiscountedTime(r, t0, t1). With r = 0 both reduce to no discounting.
//
// # Within-cycle correction
//
// CycleWeights gives, for a Correction, the weights of the trace points
// 0..n whose weighted sum approximates ∫_0^n f(t) dt: "end" counting (None),
// "beginning" counting, the half-cycle correction, the trapezoidal rule and
// Simpson's 1/3 rule (Sonnenberg & Beck 1993, Med Decis Making 13:322;
// Elbasha & Chhatwal 2016, Med Decis Making 36:115).
//
// # The Markov trace
//
// Trace is the cohort engine: the expected occupancy of n states at trace
// points t = 0..T, x_t = x_{t−1}·P_t, and what it is worth — rewards per
// state at each point and on entry, and occupancy under given weights
// (e.g. the within-cycle correction times the discount factor). A step
// may be a whole cycle, part of one, or an instantaneous change (Briggs,
// Claxton & Sculpher 2006, ch. 2–3). It does not allocate once its
// buffers are sized.
//
// # Cost-effectiveness
//
//	NMB  = λ·E − C        NHB = E − C/λ        INMB = λ·ΔE − ΔC
//	ICER = ΔC/ΔE          against the next less effective strategy on the frontier
//
// Frontier sorts the strategies by effect, drops the strongly dominated
// (costlier and no more effective), computes sequential ICERs and drops the
// extendedly dominated (ICER higher than that of the next more effective
// strategy) until none is left to drop (Drummond et al. 2015, ch. 4; DMHEE
// ch. 9).
//
// # Probabilistic sensitivity analysis
//
// A PSA is an outer loop over parameter draws s = 1..S (from the scenario's
// distributions) around the model's inner loop (the cohort, or the patients
// of a microsimulation; Karnon et al. 2012, Value Health 15:821). Its result
// is a cost and an effect per draw and strategy, costs[s][j] and
// effects[s][j], from which
//
//	CEAC_j(λ) = P_s[ j maximises NMB_s(λ) ]                     CEAC
//	CEAF(λ)   = argmax_j E_s[NMB_sj(λ)]                         CEAF
//	EVPI(λ)   = E_s[ max_j NMB_sj(λ) ] − max_j E_s[ NMB_sj(λ) ]   EVPI
//
// (Fenwick, Claxton & Sculpher 2001, Health Econ 10:779; DMHEE ch. 5 and 7).
// MeanInterval summarises any sampled output by its mean and 95 %
// percentile interval, and Tornado orders one-way sensitivity results by
// their range.
//
// # Study summary
//
// Summary is what a cost-effectiveness model writes under model_summary in
// summary.json: the draws, the currency and effect units, the model's own
// per-strategy outcomes, and the comparison that Compare fills in from the
// draws — the frontier on the means, the increments of each strategy
// versus the first (ΔC, ΔE and ΔNMB with intervals, the ICER of the
// means), the CE-plane scatter, CEAC, CEAF and EVPI. Non-finite numbers
// are written as null (Number).
//
// # Example
//
// The HIV/Chancellor model (DMHEE ex. 2.5) gives per person
//
//	monotherapy   cost 44,663.45  life-years 7.9912
//	combination   cost 50,601.65  life-years 8.9374
//
// and Frontier reports combination versus monotherapy at an ICER of
// 6,275.96 per life-year gained.
package hta
