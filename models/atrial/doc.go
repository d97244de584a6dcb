// Package atrial is mdtwin's atrial electrophysiology model: the monodomain
// reaction–diffusion equation on triangle (surface) and tetrahedron (volume)
// meshes, cell models, pacing protocols and activation analysis, and the
// engine model "atrial" (Model).
//
// # Equations and units
//
// With V the membrane potential (mV), s the ionic state, σ the monodomain
// conductivity tensor (mS/mm, numerically equal to S/m), χ the
// surface-to-volume ratio (1/mm, default 140) and Cm the membrane
// capacitance (µF/mm², default 0.01), as in the reference's §2:
//
//	∂V/∂t = ∇·(D∇V) − I_ion(V, s)/Cm + I_stim/(χ·Cm),   D = σ/(χ·Cm)  [mm²/ms]
//	ds/dt = g(V, s)
//
// with no-flux boundaries. Space: P1 finite elements with the row-sum lumped
// mass M and the stiffness K of D from package mesh (fibres per element;
// D = σ_t·I + (σ_l − σ_t)·f·fᵀ/(χ·Cm)). Time: Godunov operator splitting with
// one dt (Monodomain.Step): first every node's ionic model and stimulus
// (I_stim in µA/mm³) by dt, then diffusion M·dV/dt = −K·V by dt with
//
//	Explicit        V⁺ = (I − dt·M⁻¹K)·V      refused above dt = 2/λ, λ = 1.05 × λ_max(M⁻¹K)
//	                                           by power iteration, at most the Gershgorin
//	                                           bound (lambdaMax; StabilityError)
//	CrankNicolson   (M + dt/2·K)·V⁺ = (M − dt/2·K)·V
//	BackwardEuler   (M + dt·K)·V⁺ = M·V
//
// the linear systems solved by conjugate gradients preconditioned by the
// diagonal (CG), warm-started from V. A step allocates nothing. With
// Options.Workers > 1 (meshes of ≥ 4096 nodes) persistent goroutines share
// the ionic and explicit loops by node ranges, bit-identically for any
// number; ForRanges lends them to per-node work after a step (the engine
// model records activations that way, Activations.RecordWith). Meshes
// from other tools are best numbered for locality first (mesh.Renumbered;
// `mdtwin mesh remesh` does it).
//
// # Ionic models
//
// Ionic is the per-node interface: NumStates, Rest, Deriv and Step, all in mV
// and ms. MitchellSchaeffer (StandardMS, AtrialMS), ModifiedMS (AtrialMMS,
// Corrado & Niederer 2016) and AlievPanfilov are normalised models mapped to
// mV by V = V_min + (V_max − V_min)·u. Courtemanche (courtemanche.go) is
// the 21-variable Courtemanche–Ramirez–Nattel 1998 human atrial model with
// Rush–Larsen gates, lookup tables in V and the persistent-AF remodelling
// sets of the reference (CRN98, with cAF, Roney LA/PV and fibrotic sets);
// TenTusscher (tentusscher.go) is ten Tusscher–Panfilov 2006 (epicardial,
// M and endocardial cells), the cell of the Niederer et al. 2011 benchmark
// slab (niederer_test.go).
//
// # Ionic heterogeneity: parameter sets, im_param, regions
//
// IonicSet and IonicSetNames give each model's published sets by name
// (ionic_sets.go; the engine's ionic_set parameter):
//
//	courtemanche    default = control (CRN98), caf, roney_la, roney_laa, roney_pv, fibrotic
//	tentusscher     default = epi, m, endo
//	ms              default = standard, atrial
//	mms             default = atrial, torchcor, mms_model (the mMS.model defaults, mapped to −80…20 mV)
//	aliev_panfilov  default
//
// ModifyIonic (ionic_params.go) applies a modification string in
// openCARP's im_param syntax — comma-separated name op value, op one of
// = * + - / — with openCARP's parameter names where openCARP has the model:
//
//	courtemanche    GNa GK1 Gto GKr GKs GCaL GbNa GbCa factorGKur maxINaK maxINaCa maxIpCa maxIup
//	tentusscher     GNa GK1 Gto GKr GKs GCaL GbNa GbCa GpCa GpK knak knaca
//	ms              tau_in tau_out tau_open tau_close V_gate V_min V_max
//	mms             the ms names and a_crit
//	aliev_panfilov  k a eps0 mu1 mu2 time_scale V_min V_max (the model's symbols)
//
// so that the Roney LA set is ModifyIonic(CRN98,
// "GNa*2.0,Gto=0.0826,GKr=0.047058824,GCaL=0.037125,GK1*0.8,factorGKur*0.5")
// bit for bit. Errors name the bad item, the unknown name with the known
// ones, or a result out of range (negative conductance, non-positive time
// constant).
//
// Monodomain takes per-node parameter sets (Options.IonicSets, one model,
// and IonicIndex per node): each node starts at its own set's rest, and the
// ionic loop calls each set's kernel on each run of equal index (runs found
// once; the Courtemanche sets share one lookup table, the ten Tusscher cell
// types each use their own), so the homogeneous path is unchanged and
// results stay bit-identical for any number of workers, with the fused
// explicit pass, CN and BE alike. BenchmarkIonicSets measures two regions
// and a scattered 20 % (hetero_bench_test.go).
//
// # Initial conditions
//
// initial.go starts a run from a prescribed state instead of (or besides)
// pacing: PacedCycle samples one steady cycle of a paced cell, SetPhase
// gives each node the state at its phase's share of that cycle (phase 0 =
// upstroke, the front; → 2π recovered), SetLAT the state of a wave that
// activated the node at its LAT, and SpiralPhase the pinwheel phase map of
// a rotor of a given chirality (the charge of the singularity it makes).
// The engine model's [inputs.initial] (InitialInput: spiral, phase_field
// or lat_field + time_ms, cycle_ms, beats) uses them; without [inputs]
// sites such a run has no pacing.
//
// # Pacing and analysis
//
// A Protocol is a list of Sites (nodes within a radius of a point, or an
// explicit node set; start, duration, strength, period, count); S1S2 builds
// the S1–S2 protocol. Activations records every upstroke through a threshold
// (LAT, linearly interpolated in time) and the APD at a repolarisation level;
// ElementCV gives 1/|∇LAT| per element, CVAlongLine the CV along a segment.
//
// # Verification (tests)
//
//   - diffusion alone: the cosine mode on a strip decays as exp(−D·k²·t)
//     within the estimated space and time errors, and matches the dense step
//     matrix of each scheme to 1e-8;
//   - Mitchell–Schaeffer single cell: APD90 = τclose·ln(τout/4τin) plus the
//     slow-passage delay 2.338·(16τin²τclose/h_min²)^(1/3), within τout, for
//     S1 and for an S2 (restitution);
//   - planar-wave CV on a strip converges under joint h/dt halving, and
//     CV(4σ)/CV(σ) = 2 ± 1 %; CV_L/CV_T = √(σ_L/σ_T) ± 2 % on a sheet;
//     tetrahedra and triangles agree; the three schemes agree; results are
//     bit-identical run to run and with two workers.
//
// # Usage
//
//	m := mesh.Strip(20, 0.5, 0.1)
//	md, err := atrial.NewMonodomain(
//		atrial.Tissue{Mesh: m, Sigma: mesh.Uniform(mesh.Isotropic(0.3))},
//		atrial.AtrialMMS,
//		atrial.Protocol{{Radius: 1, Duration: 2, Strength: 50}},
//		atrial.Options{Dt: 0.02, Scheme: atrial.CrankNicolson})
//	act := atrial.NewActivations(len(m.Points), atrial.AtrialMMS.VMin, -10, 0.9)
//	for md.Time() < 60 {
//		if err := md.Step(); err != nil { … }
//		act.Record(md.Time(), md.V)
//	}
//
// The engine model's parameters choose a generated strip, sheet or slab (or
// a mesh file named in [inputs]), the ionic model, σ along and across the
// fibre, dt, duration, scheme, threads and an S1(–S2) protocol ([inputs]
// sites give multi-site pacing); it reports CVs, activation times, APD, and writes
// lat.vtu (LAT, APD, activation count, CV per element) under the run's
// folder. See scenarios/examples/atrial-cv-sweep.toml.
//
// Heterogeneity in the engine model (model_hetero.go): ionic_set picks a
// named set, im_param modifies it on the whole mesh, and fibrosis_ionic
// remodels the nodes of conducting fibrotic elements (FibrosisMap.Remodelled)
// on top of their set — "auto" is the published fibrotic myocyte where the
// model has one (Courtemanche: openCARP tutorial 21, g_K1 ×0.5, g_Na ×0.6,
// g_CaL ×0.5, i.e. CourtemancheFibrotic on the control set) and nothing
// for the other models; "none"; or an im_param string. [inputs] regions
// (RegionInput) key ionic sets, im_param and σ on the mesh file's element
// tags:
//
//	regions = [ { tags = [1, 2], ionic_set = "roney_pv", im_param = "GKs*1.87", sigma_l = 0.4, sigma_t = 0.1 } ]
//
// An element takes each σ from the last entry listing its tag that gives it
// (fibrosis scales it on top); a node takes the cell of the last entry
// listing the tag of any element touching it. When nodes differ, lat.vtu
// gets the point field IonicSet, ionic_sets.json lists each set's label,
// node count and parameters, and table ionic_sets the median APD per set.
// State-space phase tracking uses the global set's constants.
//
// # Re-entry, fibrosis and ablation (building blocks)
//
// phase.go, singularity.go and rotor.go: state-space phase (Gray 1998;
// Clayton 2006) and LAT phase per node; phase singularities by topological
// charge around each triangle or node ring; tracking into rotor tracks with
// lifespan and rotation count; DriverCriteria select re-entrant drivers.
// fibrosis.go: fibrosis levels from an LGE-style field (IIR thresholds 1.2
// and 1.32, Benito 2017) or generated diffuse, patchy and interstitial
// patterns, turned into σ reductions, non-conducting elements and
// remodelled nodes. ablation.go: lesions as non-conducting elements —
// discs, geodesic lines (shortest paths along mesh edges) and PV rings —
// with a gap check. They are verified on analytic fields, an S1–S2 rotor,
// and a lesion line that blocks unless a one-element gap is left. The
// engine model wires them in (model_substrate.go, model_phase.go):
// fibrosis parameters or an [inputs] fibrosis_field, [inputs] lesions and
// named lesion_sets, phase tracking with driver criteria; results.csv gets
// fibrotic_fraction, lesion_area_mm2, lesion_gaps, rd_count, inducible,
// max_rotations, mean_cycle_length_ms, and lat.vtu the fibrosis, lesion and
// PS-density fields (scenarios/examples/af-fibrosis-ablation.toml), and
// table drivers (drivers.csv) the drivers' mean positions.
//
// # OPTIMA-style ablation planning
//
// optima.go plans (PacingSites: farthest-point sampling of pacing sites by
// distance along the mesh;
// ProposeLesions: a disc over each driver joined by a line to the nearest
// barrier — the mesh's edge or non-conducting tissue connected to it;
// LesionRounds: the plan's cell field and lesion area); package
// optima (at the top level, above the engine) runs the loop of studies
// (one run per site) and `mdtwin optima` is its command
// (scenarios/examples/af-ablation.toml).
package atrial
