// Package calibrate fits any model's parameters to observations: ABC-SMC
// for a posterior distribution, Nelder–Mead or CMA-ES for a point estimate.
// Every simulation is a run of an ordinary engine study, so a calibration
// runs on any backend (in-process, plugin workers, Slurm), is recorded in
// the studies' ledgers and continues after an interruption.
//
// A scenario's [calibrate] table says what to fit (the priors of
// [calibrate.params]) and to what ([[calibrate.targets]]: scalar outputs
// with an observed value and its standard error or a Poisson count, or an
// output table compared with a CSV data file); see package scenarios.
//
// # ABC-SMC
//
// Population Monte Carlo with an adaptive tolerance schedule (Toni et al.
// 2009, J R Soc Interface 6:187; Beaumont, Cornuet, Marin & Robert 2009,
// Biometrika 96:983; Del Moral, Doucet & Jasra 2012, Stat Comput 22:1009),
// as pyABC does it (Klinger, Rickert & Hasenauer 2018, Bioinformatics
// 34:3591):
//
//  1. Population 0 draws N particles from the prior (truncated to the
//     bounds) and keeps every one whose simulation succeeded.
//  2. Population t proposes θ** = θ*_j + L z: an ancestor j of population
//     t−1 drawn by weight, perturbed by a normal with covariance Σ = LLᵀ =
//     2 × the weighted covariance of population t−1; proposals outside the
//     prior's support are redrawn. It accepts
//     - threshold acceptance: when the distance d(x, y) ≤ ε_t, the weighted
//     Euclidean distance with each statistic divided by its scale: its
//     median absolute deviation over the previous population's proposals
//     (distance = "adaptive", Prangle 2017, arXiv:1507.00874) or its
//     standard error ("standardised");
//     - stochastic acceptance: with probability exp((ℓ(θ) − ℓ_max)/T_t), ℓ
//     the Gaussian, censored-Gaussian (a target known only to lie above or
//     below a bound) or Poisson log-likelihood of the targets and ℓ_max the
//     largest found in the populations before (as pyABC's
//     pdf_norm_max_found; clipped at 1). At T = 1 this samples the exact
//     posterior under that noise model (Wilkinson 2013, Stat Appl Genet
//     Mol Biol 12:129).
//  3. Weights w_i ∝ π(θ_i) / Σ_j w_j K(θ_i | θ_j); ESS = 1/Σw².
//  4. ε_{t+1} is the α-quantile (quantile, 0.5 by default) of population
//     t's weighted distances under the updated scales, never below
//     min_tolerance; T_{t+1} keeps weight α of population t's particles,
//     never below 1.
//  5. Stop after a population at min_tolerance (or at T = 1), at
//     max_populations, when the acceptance rate falls below min_acceptance
//     or when max_simulations is used; a population that cannot be
//     completed within the budget or above min_acceptance is dropped.
//
// # Determinism
//
// Population t's runs have the study seed RunSeed(calibration seed, t) and
// proposal i of the population the run seed RunSeed(that, i), the
// project's one seed derivation. A proposal's parameters and its
// acceptance draw come from PCG streams of that seed, so proposal i is the
// same whatever batch it falls in. Proposals are simulated in batches
// (over-proposing by the expected acceptance rate), each batch one engine
// study, pop-TTT/batch-BBB/; they are accepted in run order, not in the
// order runs end, and the surplus after the N-th acceptance is discarded.
// So posterior.csv is byte-identical on every backend and worker count.
//
// A population's runs do not write their output tables: the engine keeps,
// of each run's tables, only the values the table targets compare, as
// extra columns of the batch study's results.csv and ledger
// (engine.Reduction), so a calibration of tens of thousands of
// simulations writes no file per simulation. The posterior-predictive
// runs keep their tables.
//
// # Resume
//
// After each population calibration-state.json records it (atomically).
// With Options.Resume a calibration continues from there: finished
// populations are read back, the batch studies of the interrupted one
// resume in the engine (only their unfinished runs run), and the posterior
// comes out byte for byte as an uninterrupted calibration's.
//
// # Optimisation
//
// Nelder–Mead and CMA-ES (gonum/optimize) minimise the negative
// log-likelihood of the targets (least squares weighted by 1/se²) on an
// unbounded scale that maps onto the bounds, from several starts (the
// start values or prior medians, then prior draws) run in lockstep: each
// round's evaluations are one study, round-NNNN/. A Hessian by central
// differences at the optimum gives standard errors and the Laplace
// approximation N(θ̂, H⁻¹) whose draws are the posterior.csv of an
// optimisation.
//
// # Outputs
//
//	posterior.csv           particle, weight, distance (or log_likelihood, objective), run, the parameters
//	populations.csv         ABC-SMC: per population tolerance, proposals, simulations, acceptance rate, ESS, means and sds
//	trace.csv               optimisation: every evaluation
//	calibration.json        posterior means, sds, 2.5/5/50/95/97.5 % quantiles, correlations, fit to every target
//	predictive/             the posterior-predictive study (its runs are draws of the posterior)
//	pop-TTT/batch-BBB/      the studies of ABC-SMC; round-NNNN/, hessian/ of an optimisation
//	calibration-state.json  the calibration so far, for --resume
package calibrate
