// Package scenarios reads scenario files, checks them and expands them into
// runs.
//
// A scenario is one TOML file per study: which model to run, its base
// parameters, the parameters to vary and how (a sweep or a sampling design),
// how many replicates of each design point, the study seed, where to write
// the results, which backend runs them and, optionally, the patient it is
// personalised for. Load reads one; Expand checks it
// against the model's Descriptor and lists its runs, each with a stable id
// and its own seed.
//
// # Usage
//
//	sc, err := scenarios.Load("pk-sweep.toml")
//	if err != nil {
//		return err // *scenarios.Error: "pk-sweep.toml:7:11: ..."
//	}
//	m, err := registry.Lookup(sc.Study.Model)
//	if err != nil {
//		return sc.Errorf([]string{"study", "model"}, "%v", err)
//	}
//	runs, err := sc.Expand(m.Describe())
//	if err != nil {
//		return err // e.g. a value out of a parameter's bounds, at its place in the file
//	}
//	for _, r := range runs {
//		// r.ID, r.Seed, r.Params → models.RunSpec
//	}
//
// # The file
//
// A complete scenario, with every table and key:
//
//	[study]
//	name = "pk-sweep"        # required: letters, digits, '.', '_', '-'
//	model = "pk"             # required: the name of a model
//	seed = 20261127          # required: integer from 0 to 2⁶³-1
//	replicates = 1           # runs per design point; default 1
//	output = "out/pk-sweep"  # output folder; default "out/<name>"; a relative path is
//	                         # relative to the current directory and kept as written
//	doc = "What the study is for."
//
//	[params]                 # base parameter values (numbers, booleans, strings);
//	ka_per_h = 1.2           # parameters left out take the model's defaults
//
//	[inputs]                 # model-specific structured input, any TOML, handed to
//	regimen = [              # the model as JSON (RunSpec.Inputs); dates and times
//	  { at_h = 0, dose_mg = 100 },  # become strings as written
//	  { at_h = 12, dose_mg = 50 },
//	]
//
//	[sweep]                  # what varies; without it the study has one design point
//	design = "grid"          # grid | zip | lhs | random | posterior
//	[sweep.params]
//	dose_mg = [50, 100, 200]
//	fed = [false, true]
//
//	[backend]
//	kind = "inproc"          # inproc | plugin | slurm; unset: inproc, or plugin for an external model
//	workers = 4              # parallel runs; 0 or absent: one per CPU
//	max_attempts = 3         # model errors and timeouts a run may have before it counts as failed; default 3
//	run_timeout = "10m"      # a run taking longer is taken to hang: its worker is stopped, the attempt charged
//	plugin_dir = "plugins"   # where the plugin backend finds model plugins
//	# the Slurm backend (kind = "slurm"); each is optional:
//	partition = "compute"    # sbatch --partition
//	account = "proj42"       # sbatch --account
//	time = "00:30:00"        # sbatch --time, per array task
//	mem = "4G"               # sbatch --mem, per array task
//	cpus_per_task = 8        # cores per array task (its runs go in parallel on them)
//	runs_per_task = 500      # runs packed into one array task: size tasks to minutes
//	shared_dir = "/scratch/me/mdtwin"  # a folder the compute nodes see (default: <output>/slurm)
//	mdtwin = "/shared/bin/mdtwin"      # the binary on the compute nodes (default: this one)
//	setup = ["module load gcc"]        # shell lines each task runs first
//
//	[patient]                # personalise the study for one patient, as mdtwin run --patient does
//	id = "pbq3x7kd2mhrw5tz9ya4c"      # required: the patient's pseudonym in the patient store
//	store = "../data/patients.sqlite" # the patient store; relative to the scenario file's folder;
//	                                  # default: mdtwin run --store's default
//
// Keys are case-sensitive. A key or table that is not listed here is an
// error, never ignored: a misspelt key would otherwise silently run the wrong
// study. [params] and [sweep.params] hold parameters of the model, so which
// names are allowed there, their types and bounds, is known only to Expand.
// A parameter is either in [params] or in [sweep.params], not both.
//
// # The [patient] table
//
// With a [patient] table, `mdtwin run` personalises the study for that
// patient (package patient/embodiment) and stores its prediction in the
// patient store, exactly as `mdtwin run --patient ID --store PATH` does;
// Parse only checks the table's keys (whether the store and the patient
// exist is known when it runs). Scenario.Patient holds it as written and
// PatientStore resolves the store against the file's folder: unlike
// [study] output, which is relative to the current directory, the store is
// a file the scenario refers to. Hash is of the file's bytes, so it covers
// the table, id and store path included.
//
// # Designs
//
// grid and zip take a non-empty list of values for each parameter:
//
//   - grid: every combination. Like nested loops written in file order, the
//     first parameter varies slowest and the last fastest, so the example
//     above gives the points (50, false), (50, true), (100, false), …
//   - zip: the lists have equal lengths n and give n points, the i-th point
//     taking the i-th value of every list.
//
// lhs and random draw `samples` design points (required, at least 1) from a
// distribution per parameter, written as an inline table:
//
//	[sweep]
//	design = "lhs"
//	samples = 200
//	[sweep.params]
//	ka_per_h = { dist = "lognormal", mu = 0.0, sigma = 0.3 }
//	cl_l_per_h = { dist = "uniform", min = 2, max = 8 }
//	n_doses = { dist = "discrete", values = [1, 2, 3], weights = [0.5, 0.3, 0.2] }
//
// The distributions and their keys:
//
//	uniform     min, max                  min < max
//	normal      mean, sd                  sd > 0
//	lognormal   mu, sigma                 of the logarithm: median e^mu; sigma > 0
//	beta        alpha, beta [, min, max]  alpha, beta > 0; rescaled from [0, 1] to [min, max]
//	gamma       shape, rate               shape, rate > 0; mean shape/rate
//	triangular  min, mode, max            min < max, min <= mode <= max
//	discrete    values [, weights]        values: numbers, booleans or strings;
//	                                      weights >= 0 with a positive sum; equal by default
//
// A continuous distribution draws real numbers, so it may only vary a float
// parameter; integer, boolean and string parameters take a discrete one.
// Every drawn value must lie within the parameter's bounds.
//
// Both designs draw uniform numbers u in (0, 1) and map them through the
// distribution's quantile function (inverse distribution function, see
// Dist.Quantile):
//
//   - lhs is a Latin hypercube sample (McKay, Beckman & Conover 1979): for
//     each parameter, (0, 1) is cut into `samples` equal strata, one u is
//     drawn uniformly inside each stratum, and the strata are shuffled
//     across design points by a permutation of their own. Each parameter's
//     marginal is thus covered evenly, one point per stratum of
//     probability.
//   - random draws every u independently; the first k points are the same
//     whatever the number of samples.
//
// The posterior design draws its points from the posterior.csv of a
// calibration (`mdtwin calibrate`, package calibrate), by weight, for a
// probabilistic sensitivity analysis on calibrated parameters (see
// posterior.go); its parameters are the file's columns:
//
//	[sweep]
//	design = "posterior"
//	posterior = "../out/pk-individual/posterior.csv"  # relative to the scenario file's folder
//	samples = 1000
//
// # Calibration
//
// A [calibrate] table makes the scenario a calibration (`mdtwin calibrate`,
// package calibrate): it fits the parameters of [calibrate.params] to the
// [[calibrate.targets]]. It has no [sweep] (the calibration chooses its
// runs) and replicates 1.
//
//	[calibrate]
//	method = "abc-smc"       # abc-smc | nelder-mead | cma-es
//	particles = 500          # particles per population (optimisers: draws of the Laplace approximation)
//	acceptance = "threshold" # abc-smc: threshold (distance ≤ ε) | stochastic (exact at temperature 1)
//	distance = "adaptive"    # abc-smc, threshold: adaptive (MAD scales) | standardised (SE scales)
//	min_tolerance = 0.5      # abc-smc, threshold: the final tolerance (> 0)
//	quantile = 0.5           # abc-smc: the tolerance schedule's α
//	kernel_scale = 2         # abc-smc: perturbation covariance / population covariance
//	max_populations = 20     # abc-smc
//	min_acceptance = 0.005   # abc-smc: stop when a population's acceptance rate falls below
//	max_simulations = 100000 # abc-smc: the simulation budget
//	starts = 4               # optimisers: starting points
//	max_evaluations = 2000   # optimisers: model runs per start
//	f_tolerance = 1e-10      # optimisers: convergence in the objective
//	hessian = true           # optimisers: standard errors and the Laplace approximation
//	predictive = 100         # posterior-predictive runs (0: none)
//
//	[calibrate.params]       # a prior per parameter, in the distribution syntax of
//	                         # [sweep.params] (continuous kinds), optionally truncated
//	cl_l_per_h = { dist = "lognormal", mu = 1.6, sigma = 0.5, lower = 0.5, upper = 50, start = 5 }
//
//	[[calibrate.targets]]    # a scalar output ...
//	output = "cmax_mg_per_l"
//	observed = 2.1
//	se = 0.2                 # or cv = 0.1 (se = cv·|observed|)
//	scale = "linear"         # or "log": compare logarithms (se then of the log)
//	censored = "right"       # optional: observed is a bound, the value lies above it ("left": below);
//	                         # likelihood ln Φ(±(output − observed)/se); not for counts or tables
//	weight = 1
//	source = "Smith 2020, Table 2"
//	name = "peak"            # label in reports; default: the output
//
//	[[calibrate.targets]]    # ... a Poisson count ...
//	output = "relapses"
//	likelihood = "poisson"
//	count = 203              # observed events; expected count = output × exposure
//	exposure = 924.0
//
//	[[calibrate.targets]]    # ... or an output table against a CSV data file
//	table = "concentration"  # runs/<id>/concentration.csv of each run; or a mesh file the run
//	                         # writes ("lat.vtu"): one row per node: node, x_mm, y_mm, z_mm, its point fields
//	data = "subject-7.csv"   # relative to the scenario file's folder
//	key = "t_h"              # matched column (default: the data's first); values between
//	                         # the table's rows are interpolated linearly
//	columns = ["c_mg_per_l"] # compared columns (default: all but the key and se_column)
//	se_column = "sd"         # per-row standard errors (or se, cv)
//
// Mistakes are *Error positioned in the scenario (or at the data file's
// line); whether a prior overlaps the model's bounds and the targets name
// outputs of the model is checked against the model by package calibrate.
//
// # Runs, ids and seeds
//
// A study has points × replicates runs, at most MaxRuns. Run i is replicate
// i mod replicates of design point i / replicates; its id is "r" and i
// padded to at least six digits (r000017), its seed RunSeed(seed, i), which
// is the one seed derivation of mdtwin. The design's own draws (for lhs and
// random) use a PCG generator (math/rand/v2) with state the study seed and
// a fixed stream constant, drawing parameters in file order. So a study
// expands to the same runs, with the same seeds, every time and everywhere,
// whatever the backend, the number of workers or the order in which runs
// finish.
//
// # Errors
//
// Every mistake in a scenario is an *Error that reads
//
//	pk-sweep.toml:14:1: unknown key "replicate" in [study], expected one of: name, model, seed, replicates, output, doc
//
// with the line and byte column of the offending key, list element or table
// header. A missing key is reported at its table's header (at 1:1 when the
// table is missing too). Parameter errors from Expand carry the model's
// message (models.ParamError), which names the parameter, the value and the
// bound it breaks.
package scenarios
