// Package statetransition is a generic cohort state-transition (Markov)
// model, and its individual-level microsimulation counterpart, defined
// entirely in a scenario's [inputs] table: states, strategies, transition
// matrices that may change with time, state and entry costs, utilities,
// cycle length, horizon, discounting and within-cycle correction.
//
// The model (name "statetransition") implements models.Model,
// models.Configurable (its parameters and outputs depend on the definition)
// and models.Summarizer (means, intervals, frontier, CEAC, CEAF, EVPI and
// CE plane in summary.json). It is verified against the HIV/Chancellor
// model of Briggs, Claxton & Sculpher (2006), shipped as
// scenarios/examples/hiv-chancellor.toml, with a probabilistic version in
// hiv-chancellor-psa.toml.
//
// # The definition
//
// A complete example (a smaller one is in the package example):
//
//	[inputs]
//	states = ["A", "B", "C", "D"]        # required; names used below
//	dead = ["D"]                         # states that count no life-years (default: none)
//	initial = "A"                        # a state, or shares per state: [1, 0, 0, 0]
//	strategies = ["monotherapy", "combination"] # required; names match [a-z][a-z0-9_]*;
//	                                     # the first is the comparator of the increments
//	cycles = 20                          # required: the horizon in cycles
//	cycle_years = 1                      # cycle length in years (default 1)
//	counting = "end"                     # end (default) | beginning | life-table
//	correction = "none"                  # none (default) | half-cycle | trapezoid | simpson
//	# weights = [0.5, 1, …, 1, 0.5]      # or the weights of trace points 0..cycles, by hand
//	                                     # (instead of counting and correction)
//	discount_costs = 0.06                # annual rates (default 0); numbers or expressions
//	discount_effects = 0.0
//	currency = "GBP"                     # unit of the cost outputs (optional)
//	wtp = { from = 0, to = 25000, points = 51 } # willingness-to-pay grid of the summary
//	                                     # (or a list; default 0 to 100,000 in 51 points)
//
//	[inputs.params]                      # named parameters (sorted by name in the descriptor)
//	rr = { default = 0.509, min = 0, unit = "", doc = "relative risk on combination therapy" }
//	c_zido = 2278                        # a number alone is the default
//	c_lam = { default = 2086.5, unit = "GBP/cycle", min = 0 }
//
//	[inputs.matrices.mono]               # named transition matrices, one row per state
//	counts = [[1251, 350, 116, 17], [0, 731, 512, 15], [0, 0, 1312, 437], [0, 0, 0, 1]]
//
//	[inputs.matrices.comb]               # derived from another matrix
//	base = "mono"
//	rr = "rr"                            # or hr = …; apply_to = "all" | "upper" | "lower"
//	# set = { A = { D = "p_ad" } }       # cells given their own value (after rr/hr, which
//	                                     # may then be left out); never the diagonal
//
//	[inputs.transitions]                 # the matrix of each strategy in each cycle
//	monotherapy = "mono"                 # one matrix for every cycle
//	combination = [                      # or periods covering cycles 1..cycles once
//	  { from = 1, to = 2, matrix = "comb" },
//	  { from = 3, matrix = "mono" },     # from defaults to 1, to to the last cycle
//	]
//
//	[[inputs.costs]]                     # any number of cost items, summed
//	name = "drugs"                       # for messages
//	strategies = ["combination"]         # default: every strategy
//	from = 1                             # cycles the item applies in (default: all)
//	to = 2
//	per_cycle = { A = "c_zido + c_lam", B = "c_zido + c_lam", C = "c_zido + c_lam" }
//	on_entry = { C = 500 }               # one-off cost on entering a state from another
//
//	[[inputs.costs]]
//	name = "diagnosis"
//	at_start = { A = 1200 }              # one-off cost at time 0 in the initial state:
//	                                     # undiscounted, whatever the counting or weights
//
//	[[inputs.mvn]]                       # parameters drawn jointly when psa = true
//	params = ["b0", "b1"]                # declared parameters (each in one group at most)
//	mean = [-5.49, -0.38]                # μ
//	cov = [[0.04, -0.01], [-0.01, 0.02]] # Σ, symmetric positive definite: x = μ + L·z,
//	                                     # Σ = L·Lᵀ (Cholesky), z standard normal;
//	                                     # with psa = false the parameters keep their values
//
//	[[inputs.utilities]]                 # optional; with it effects are QALYs, without
//	weights = { A = 0.85, B = 0.7, C = 0.5 } # it life-years. Weights are per year;
//	on_entry = { C = -0.05 }             # on_entry is a one-off QALY change
//
// The three kinds of matrix, each an array of rows:
//
//	probs    probabilities: numbers, expressions, or "C" (also "#") for the complement,
//	         1 − the sum of the other cells of the row, in at most one cell per row
//	counts   observed transition counts (numbers ≥ 0); each row is divided by its total.
//	         With the parameter psa = true each row is drawn from Dirichlet(counts)
//	rates    annual rates (numbers or expressions ≥ 0) off the diagonal, "C" on it:
//	         p_ij = 1 − exp(−r_ij·cycle_years), p_ii = 1 − Σ_{j≠i} p_ij
//
// and a derived matrix (base = name) scales the off-diagonal cells of its
// base (all of them, those above the diagonal — "upper", which is
// worsening when states are ordered by severity — or those below), with the
// diagonal the complement:
//
//	rr   p'_ij = rr·p_ij                   (a relative risk on the probability)
//	hr   p'_ij = 1 − (1 − p_ij)^hr         (a hazard ratio on the rate −ln(1 − p_ij))
//	set  p'_ij = the value given            (for the cells named, after rr or hr)
//
// # Tunnel states
//
// A state whose rows or values depend on how long the cohort has been in
// it is written once and expanded:
//
//	tunnels = { sick = 3 }               # sick becomes sick_1, sick_2, sick_3
//
// Entering sick enters sick_1; staying in sick_τ moves to sick_(τ+1); sick_3
// keeps those in it three cycles or more. In the rows of sick (probs or
// counts matrices) and its per-cycle costs and utilities the variable
// tunnel is τ, e.g. "if(tunnel == 1, 0.3, 0.1)"; on_entry and at_start of
// sick count in sick_1. Traces and messages name the positions. A rates
// or derived matrix over a tunnel state is refused (write it as probs).
//
// # Expressions and parameters
//
// A cell of a probs or rates matrix, a cost, a utility, an initial share, a
// discount rate and rr/hr are numbers or strings holding an expression:
// numbers, the parameters of [inputs.params], the variable cycle (the
// 1-based number of the cycle the value is used in, for values that change
// with time), + - * / (or − × ÷), ^ (power, right-associative; -a^2 is
// −(a²)), parentheses, one comparison < <= > >= == != (or ≤ ≥ ≠; 1 when
// true, 0 when false) and the functions exp, log, abs, floor, min, max,
// mod(a, b) = a − b·floor(a/b), and if(c, a, b): a when c is not 0, else b
// (only that branch is evaluated), and lookup(table, x) of a table of
// [inputs.tables]. Nothing else: no loops, no code. A treatment effect for
// the first two cycles, a cost every third cycle:
//
//	"if(cycle <= 2, rr, 1) * 350/1734"
//	"if(mod(cycle - 1, 3) == 0, c_scan, 0)"
//
// With [inputs] age (the cohort's age at the start, years) the variable
// age is the age at the start of the cycle a value is used in, age +
// (cycle − 1)·cycle_years, so a life table follows the cohort:
//
//	age = 40
//	[inputs.tables.qx_female]            # a step function: y[i] for x[i] <= x < x[i+1],
//	x = [40, 41, 42]                     # y[0] below x[0], the last y beyond the last x
//	y = [0.0009, 0.0010, 0.0011]
//	# a cell: "if(female, lookup(qx_female, age), lookup(qx_male, age))"
//	# with a parameter female (1 or 0) and a table per sex
//
// A table may also be two columns of a CSV file (a header row; lines
// starting with # are comments, such as a life table's provenance), the
// path as the working folder sees it, like every file a scenario names:
//
//	[inputs.tables.mx_female]
//	csv = "models/mscohort/data/lifetable_ew_2019.csv"
//	x = "age"                            # column of x, increasing
//	y = "female"                         # column of y; a second table takes "male"
//	# a cell: "1 - exp(-if(female, lookup(mx_female, age), lookup(mx_male, age)))"
//
// scenarios/examples/thr-psa.toml writes the total hip replacement model
// of DMHEE ch. 3–4 this way: a Weibull revision hazard in cycle (an
// expression with ^ and exp), background mortality looked up by the
// advancing age, the prosthesis cost at time 0, an NP1 matrix derived from
// the standard one with one cell set, and the five regression
// coefficients drawn jointly in its PSA ([[inputs.mvn]]).
//
// The model's descriptor (DescribeInputs) lists the declared parameters,
// then the built-in ones:
//
//	mode        "cohort" (default) or "micro"
//	n_patients  individuals simulated in micro mode (default 1000)
//	psa         draw each [[inputs.mvn]] group jointly and the rows given as counts
//	            from Dirichlet(counts), with the run's seed
//	save_trace  return the state occupancy of each strategy as table trace_<strategy>
//
// so [params] and [sweep.params] of the scenario set and vary them like the
// parameters of any model: a grid over one parameter is a one-way
// sensitivity analysis, a random design with distributions a probabilistic
// one (each run one draw; see hiv-chancellor-psa.toml).
//
// # Outputs
//
// For each strategy s, per person:
//
//	s_cost, s_cost_undisc       expected cost, discounted and not
//	s_effect, s_effect_undisc   QALYs with [[inputs.utilities]], else life-years
//	s_ly, s_ly_undisc           life-years (discounted at the effects' rate)
//
// and for each strategy after the first, compared with the first (discounted):
// s_inc_cost, s_inc_effect, s_icer = s_inc_cost / s_inc_effect.
//
// # Equations
//
// The cohort's state occupancy x_t (a row vector, t = 0..n for n cycles)
// starts at the initial shares and moves by the matrix P_k of cycle k:
//
//	x_k = x_{k−1} · P_k,   k = 1..n
//
// An outcome per cycle v_k(i) (a cost, utility × cycle_years, or
// cycle_years for the life-years of a state alive) is counted at the trace
// points with the weights w_t of the counting convention or within-cycle
// correction (hta.CycleWeights), discounted at time t·cycle_years
// (hta.DiscountFactor):
//
//	V = Σ_{t=0..n} w_t · (1+r)^(−t·Δ) · Σ_i x_t(i) · v̄_t(i)
//
//	end          w = 0, 1, …, 1       (count after each transition; DMHEE, hesim riemann_right)
//	beginning    w = 1, …, 1, 0       (count before each transition)
//	life-table   w = ½, 1, …, 1, ½    (mean of the two; heemod's default)
//	half-cycle   w = ½, 1, …, 1, ½    (Sonnenberg & Beck 1993)
//	trapezoid    w = ½, 1, …, 1, ½    (hesim trapz)
//	simpson      w = ⅓, ⁴⁄₃, ⅔, …, ⁴⁄₃, ⅓  (Elbasha & Chhatwal 2016; 3/8 rule at the end for odd n)
//	weights      w as given: cycles + 1 finite numbers (any quadrature or
//	             convention a published model used, e.g. Boole's rule)
//
// When values change from cycle to cycle, v̄_t is the value of the cycle a
// trace point stands for: the cycle ending at t with end counting, the one
// starting at t with beginning counting, and the mean of the two for an
// inner point under a correction or given weights (so the trapezoid gives
// Σ_k v_k·(x_{k−1} + x_k)/2, as heemod's life-table method does). One-off
// values on entering state j during cycle k are counted at the end of the
// cycle, on the flow into j from the other states:
//
//	E = Σ_{k=1..n} (1+r)^(−k·Δ) · Σ_j (x_k(j) − x_{k−1}(j)·P_k(j, j)) · e_k(j)
//
// and start-up costs (at_start) once, at time 0, on the initial occupancy:
// S = Σ_i x_0(i) · s(i), whatever the weights w_0.
//
// # The cohort engine
//
// The cohort is computed by hta.Trace, the Markov-trace engine of package
// hta: a number of states, the initial occupancy, a supplier of the
// transition matrix of each step, and what occupancy is worth — per-state
// values at each trace point and on entry (here the weights above times
// the discount factor times v̄_t, and e_k), or per-state occupancy under
// given weights. Run steps x_t = x_{t−1}·P_t without allocating. This
// model runs one step per cycle; models/mscohort runs its MS cohort mode
// through the same engine, with its own state space and matrices, Simpson
// nodes within each annual cycle as trace points and its cycle-boundary
// events as steps that take no time.
//
// The microsimulation ("mode" = "micro") moves each of n_patients
// individuals through the same matrices: patient p draws the uniform
// numbers u_0 (its initial state), u_1, …, u_n from a PCG generator
// (math/rand/v2) seeded with the run's seed and p, and uses the same numbers
// in every strategy (common random numbers), moving in cycle k from i to
// the first j with u_k < Σ_{l≤j} P_k(i, l). A patient accrues the same
// point and entry values, so its expectation is the cohort's; the outputs
// are the means over patients. The tests check that they fall within four
// Monte Carlo standard errors of the cohort.
//
// # Checks
//
// DescribeInputs compiles the definition and evaluates it with the
// parameters' defaults; Run evaluates it with the run's parameters. A
// probability outside [0, 1], a row that does not sum to 1 within 1e-9, a
// negative cost, a negative rate or discount rate, an unknown state,
// parameter, matrix, strategy or key, and a matrix of the wrong size are
// an *InputError naming the table, row and column (and cycle, for a value
// that depends on it), e.g.
//
//	inputs.matrices.mono: row "A", column "B": probability 1.2 is outside [0, 1]
//
// The CLI reports a DescribeInputs error at the scenario's [inputs] with
// exit code 2; a Run error fails the run and names the cell.
//
// # Summary
//
// Summarize treats each done run as one draw of a probabilistic sensitivity
// analysis: per strategy the mean and 95 % interval of each outcome
// (hta.MeanInterval), the frontier with ICERs and strong and extended
// dominance on the means (hta.Frontier), the increments versus the first
// strategy, and with two or more draws the CEAC, CEAF and EVPI over the
// wtp grid (hta.CEAC, hta.CEAF, hta.EVPI) and the CE-plane scatter (ΔC, ΔE
// of each draw versus the first strategy).
//
// # Sources
//
// Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic
// Evaluation. Oxford University Press, 2006 (ch. 2–4; exercise 2.5, the
// HIV model of Chancellor JV et al., Pharmacoeconomics 1997;12:54–66).
// Sonnenberg FA, Beck JR. Markov models in medical decision making. Med
// Decis Making 1993;13:322–38. Elbasha EH, Chhatwal J. Myths and
// misconceptions of within-cycle correction. Med Decis Making
// 2016;36:115–31. Fenwick E, Claxton K, Sculpher M. Representing uncertainty:
// the role of cost-effectiveness acceptability curves. Health Econ
// 2001;10:779–87. The R packages heemod (tests/testthat/test_dmhee.R:
// the Chancellor figures) and hesim (markov-cohort vignette: the PSA
// distributions) were read for facts only.
package statetransition
