// Package mscohort is mdtwin's lifetime multiple-sclerosis (MS) cohort
// model: a discrete-event simulation (DES) of individual patients with
// relapsing-remitting MS under therapy strategies, with costs and QALYs for
// health-technology assessment, and an annual-cycle Markov cohort twin of
// the same model. Its target study is the comparison of ofatumumab first
// versus delayed after dimethyl fumarate (Montgomery et al., J Med Econ
// 2023;26:139): see scenarios/examples/ms-ofatumumab-first-vs-delayed.toml
// and its probabilistic variant ms-ofatumumab-psa.toml.
//
// # The patient
//
// A patient has a sex and an age (for the life table), an EDSS state
// 0, 1, …, 9 (state k stands for EDSS k to k+0.5), a course (RRMS or SPMS),
// a relapse count, and a therapy slot: one of the strategy's lines, or off.
// The baseline sex, age (a normal distribution discretised to whole years
// within [age_min, age_max]), EDSS and course (SPMS with probability spms,
// else RRMS) are drawn independently from [inputs.baseline]. Time is in
// years since the start.
//
// # The initial state
//
// [inputs.baseline] also says which therapy everyone is on at time 0
// (therapy: "none", "other" — a therapy outside [inputs.therapies] — or a
// therapy of the table) and for how long (years_on_therapy). With a
// one-hot edss, spms 0 or 1, age_sd 0 and female 0 or 1 this is one
// patient's state (package patient/embodiment builds it from a record).
// The rules at time 0 are the model's rules from then on:
//
//   - SPMS starters have the SPMS matrix and relapse_spms from time 0 and
//     never convert (there is no SPMS → RRMS transition); the therapy's
//     HR does not act on their progression.
//   - The stopping rules apply at once: under stop_at_spms an SPMS starter,
//     and under stop_edss a starter at that EDSS or above, is off therapy
//     from time 0 (no time on any line).
//   - A patient on the therapy of the strategy's first line continues that
//     line, its start set years_on_therapy before time 0. What depends on
//     time on a line is the line's max_years — the line ends max_years −
//     years_on_therapy after the start (at once, as if it ended at time 0,
//     when that is not positive) — and the waning of its effect
//     ([inputs.waning], waning.go: the starter continues at the waning
//     level of years_on_therapy). Discontinuation is a constant rate, so
//     nothing else changes.
//   - A patient on any other therapy ("other", or one the strategy starts
//     later or not at all) starts the strategy's first line at time 0: a
//     strategy is what is done from the start on, and its first line is
//     where it begins. The previous therapy leaves nothing behind (no rate
//     depends on therapy history), so such a patient is simulated exactly
//     as an untreated one.
//   - The relapse rate depends on course, EDSS and therapy only, not on
//     past relapses, so a relapse history has no place in the initial
//     state.
//
// The default start (spms 0, therapy "none", years_on_therapy 0) is the
// trial population, everyone in RRMS starting the first line at time 0.
// The course draw comes after those of sex, age and EDSS, so these draws,
// and the results with the defaults, are those of the model before the
// initial state had a course and a therapy (version 1.0.0).
//
// # Events
//
// All rates are constant between events, so the model is a continuous-time
// Markov process given the attained age. Each competing event has a clock
// (the next reaction method of Gibson & Bruck 2000, J Phys Chem A
// 104:1876): it fires when its Exp(1) budget, spent at the current rate, is
// used up; a change of rate rescales what is left of the budget.
//
//	EDSS change e → j      rate λ_ej = −ln(1 − p_ej) from the annual matrix of the course
//	                       (off-diagonal cells), × HR of the therapy for j > e in RRMS only,
//	                       × nh_worsening_hr for j > e; in RRMS also × nh_worsening_hr_<band of e>
//	                       for j > e and × nh_improvement_hr for j < e (calibration.go)
//	RRMS → SPMS            rate −ln(1 − to_spms[e]); the patient enters SPMS at EDSS e+1
//	relapse                rate relapse_<course>[e] × relapse_rate_scale × RR of the therapy (no dependence on past relapses)
//	discontinuation        rate of the therapy; the next line starts (or therapy stops)
//	switch                 at the line's switch_at (years since the start: a time-specific
//	                       swap) or after max_years on the line (a switch after a delay)
//	stop                   on entering SPMS (stop_at_spms) or EDSS >= stop_edss (7): off for good
//	death                  hazard m(age) × SMR[e], m from the life table (piecewise constant
//	                       by year of age); the death time inverts the cumulative hazard
//
// With edss_timing = "annual" the EDSS changes and the conversion to SPMS
// happen instead at yearly assessments (anniversaries of the start): with
// probability to_spms[e] the patient converts, otherwise the EDSS moves by
// the annual matrix, whose worsening cells the therapy's HR changes as NICE
// microsimulations do (p → rate → × HR → p; the diagonal is the
// complement). Untreated, this reproduces the matrix powers exactly; the
// continuous timing does not (its one-year matrix is expm(Q) ≠ P), which
// the tests quantify.
//
// # Common random numbers
//
// One run is one cohort of n_patients patients for every strategy. Patient
// i has the same des.Streams (the run's seed, entity i) in every strategy:
// one stream for the baseline, one per kind of event. So patient i starts
// identically everywhere, and a strategy that changes, say, the relapse rate
// moves the relapse times of that patient but not the EDSS draws.
// Differences between strategies therefore have far less Monte Carlo
// noise than the outcomes themselves (Karnon et al. 2012, Value Health
// 15:821). Patients are simulated in parallel chunks whose sums are added
// in chunk order, so results do not depend on the number of cores.
//
// # Costs and effects
//
// Each state accrues, per year, the cost by EDSS (× edss_cost_scale) plus
// the drug, administration and monitoring cost of the therapy and its
// adverse events' cost (ae_cost), and the utility by EDSS minus the SPMS
// decrement, the therapy's adverse events' loss (ae_disutility) and the
// carer's loss by EDSS (carer_edss); a relapse costs relapse_cost and
// loses relapse_disutility × relapse_duration QALYs. With [inputs]
// discounting = "continuous" (the default) time in a state is discounted
// continuously (hta.DiscountedTime), one-off amounts at their time
// (hta.DiscountFactor); with "annual" everything in year k of follow-up
// (k ≤ t < k+1) weighs 1/(1+r)^k, the first year undiscounted.
//
// # Outputs
//
// Per strategy s (means per patient): s_cost_disc, s_cost, s_drug_cost_disc,
// s_qaly_disc, s_qaly, s_ly_disc, s_ly, s_relapses, s_years_to_edss6 and
// s_years_to_edss7 (restricted means: death and the horizon censor;
// 0 for a patient who starts there), s_years_on_<therapy>, s_nmb at wtp; for
// each strategy after the first s_inc_cost, s_inc_qaly, s_icer and s_inc_nmb
// versus the first; s_arr (relapses per life-year); the natural-history
// outputs nh_p_<band>_stay, nh_p_<band>_to_<next band> and
// nh_median_years_to_edss4/6 (see calibration.go: what a calibration to
// MSBase and UK targets compares); and patient_years. Summarize adds, over the study's runs,
// the mean and 95 % interval of every output, the cost-effectiveness
// frontier (hta.Frontier), and with more than one run the CEAC, CEAF, EVPI
// (over [inputs] wtp_grid) and the CE-plane scatter.
//
// # Probabilistic sensitivity analysis
//
// The engine's runs are the outer loop, the patients the inner loop. A run
// draws its inputs with psa = true (see drawPSA: Dirichlet rows of the EDSS
// matrices, beta conversion probabilities, gamma costs and rates, gamma
// disutilities, log-normal HRs, RRs and SMRs) from its own seed; a
// scenario may also vary any named parameter (<therapy>_hr, relapse_cost,
// …) with [sweep].
//
// # Cohort mode
//
// mode = "cohort" computes the same expectations with an annual-cycle
// Markov cohort over (course, EDSS, therapy slot) and death, one cohort per
// baseline age and sex, weighted by the baseline distribution: each
// cycle's transition matrix is expm(Q) of the DES's rates in that cycle
// (see world.cohort), time-specific swaps and annual assessments act at
// cycle boundaries, and occupancy is integrated within the cycle by
// Simpson's rule. The tests check that the DES agrees with it within Monte
// Carlo error.
//
// The trace runs on hta.Trace, the Markov-trace engine that also runs the
// cohorts of models/statetransition. This package supplies what the generic definition cannot
// express — competing-risk probabilities from a generator (the generic
// model converts each rate on its own, p = 1 − e^(−r)), the stratification
// by age and sex, the therapy-slot state space with its stopping rules,
// relapse counts (occupancy × rate) and the times to EDSS 6 and 7 (two
// more traces in which those EDSS states absorb) — as the Trace's inputs:
// its trace points are the Simpson nodes of each cycle (substeps + 1 per
// cycle), its steps expm(Q·h) within a cycle and, between cycles, the
// boundary map (switches, then the annual assessment) as a matrix that
// takes no time; its occupancy weights are the Simpson weights, undiscounted
// and discounted (hta.DiscountFactor). max_years on a line after the first
// needs the time on the line, which the cohort does not track: only the DES
// runs it. The initial state is the same as the DES's (world.initial):
// each stratum starts split by course, with the stopping rules applied; a
// continued first line ends at max_years − years_on_therapy, which must be
// a whole number of years (else the cohort refuses and names both).
//
// # Trajectories
//
// With save_trajectories = true (des mode) the run writes, in its folder,
// events.parquet and events.csv (one row per patient-event: the state after
// the event), panel.parquet and panel.csv (one row per patient-year:
// EDSS at the start and end, course, therapy, time alive, relapses, cost
// and QALYs, undiscounted) and provenance.json; the Parquet files carry the
// provenance (model, version, study, run id, seed, parameters) as
// key-value metadata.
//
// # Inputs
//
// data/defaults.toml holds the default inputs, each number with its source
// (or marked as assumed); data/lifetable_us_2015.csv the US life table. A
// scenario's [inputs] overrides any table or key; mistakes are reported as
// an *InputError naming the table, row and column. [inputs]
// reference_case = "uk_nice" or "us_icer" starts from a reference case
// (data/cases/*.toml; cases.go): every input with its value and status —
// sourced, alternative, derived, calibrated, assumed or choice — and its
// source or reason, listed in the study summary's inputs and the report.
// A case with a price index (the UK case: ONS CPI) brings each cost to the
// case's price year from the price year its entry states.
//
// # Waning and face validity
//
// [inputs.waning] wanes a therapy's relative effect with time on its line
// (none, stepwise or linear; waning.go), the DES only. [inputs] cdw_months
// adds the shares of patients with confirmed disability worsening, and
// [[inputs.observed]] sets published figures beside the outputs that
// predict them in the summary and the report (trial.go);
// scenarios/examples/ms-asclepios.toml holds ASCLEPIOS I/II that way.
package mscohort
