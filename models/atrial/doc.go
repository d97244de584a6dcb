// Package atrial is mdtwin's engine model "atrial" (Model): one atrial
// electrophysiology simulation per run, from the scenario's parameters and
// [inputs] to the outputs of results.csv and the run's folder. The science
// lives in its sub-packages — ionic (cell models), tissue (the monodomain
// solver), analysis (activation, conduction, phase singularities, rotor
// tracking) and substrate (fibrosis and lesions) — and this package wires
// them together.
//
// A run (Model.Run) is cut into four stages. Setup builds the problem: a
// generated strip or sheet of triangles or slab of tetrahedra, or a mesh
// file named in [inputs] (then its fibres, else the longest axis
// projected, or with fibres = "rule-based" the Laplace–Dirichlet
// rule-based left-atrial fibres of Piersanti et al. 2021: potentials
// solved on the surface between the mitral and pulmonary-vein orifices
// found among its boundary loops, and an optional appendage landmark,
// give fibres around the veins and the valve); the pacing protocol (an S1(–S2) train from the parameters,
// or [inputs] sites); the cell of every node (the ionic model and its
// published ionic_set, an im_param modification, per-region sets from
// [inputs] regions keyed on the mesh's element tags, and the remodelling
// of fibrotic nodes by fibrosis_ionic); the conductivities σ along and
// across the fibre (mS/mm) with the regions' own, scaled by fibrosis and
// blocked by lesions (from a fibrosis_field of the mesh file or a
// generated pattern; [inputs] lesions and named lesion_sets); phase
// tracking; the solver (explicit, Crank–Nicolson or backward Euler,
// dt in ms); and the initial state (rest, or [inputs.initial]: a spiral, a
// phase or an activation-time map). Simulate takes the steps, recording
// every activation and, with phase tracking, the phase singularities of
// each frame. Analyse computes the scalars: conduction velocities from the
// first pacing site along and across the fibre and the median over
// elements, LATs, APD, the fibrotic fraction and lesion area and gaps, and
// the re-entry measures (phase-singularity tracks, re-entrant drivers,
// inducibility, cycle length) with tables of the tracks and drivers. Write
// puts lat.vtu (LAT, APD, activation count per node; fibres, CV, fibrosis,
// lesions and phase-singularity density per element) and, with several ionic sets,
// ionic_sets.json into the run's folder. With [inputs.electrodes] the run
// also samples unipolar electrograms at catheter electrodes (and a
// pseudo-ECG) during Simulate and writes them, with the bipolar ones, to
// egm.parquet. [inputs] checkpoint_ms writes the run's full state for
// [inputs.initial] checkpoint to continue from, igb_ms its potentials as
// openCARP .igb, and decremental or restitution replace the S1 train by a
// decremental burst or an S1–S2 restitution protocol (with APD and CV
// restitution curves).
//
// Runs are deterministic: the only randomness is generated fibrosis, drawn
// from fibrosis_seed or else the run's seed. Units are mm, ms, mV, σ in
// mS/mm (= S/m), χ in 1/mm, Cm in µF/mm², stimulus strength in µA/mm³.
// scenarios/examples/atrial-cv-sweep.toml and af-fibrosis-ablation.toml
// are examples; package optima runs the OPTIMA-style ablation planning
// loop over studies of this model ([inputs.optima], `mdtwin optima`).
package atrial
