// Package brain is the virtual epileptic brain: Epileptor neural masses on a
// structural connectome with conduction delays, an SEEG forward model,
// seizure onset and recruitment analysis, and virtual resection — the
// Virtual Epileptic Patient workflow (Jirsa et al. 2017, NeuroImage
// 145:377; Proix et al. 2017, Brain 140:641), with The Virtual Brain's
// conventions (TVB, the-virtual-brain/tvb-root; equations re-implemented,
// no code taken).
//
// # Parts
//
//   - Connectivity (LoadConnectivity): TVB's connectivity zip or folder
//     (weights, tract_lengths, centres, areas, average_orientations,
//     cortical). Weights[i*N+j] is the connection from j to i. Validation
//     names the file and the entry. Normalise ('tract', 'region'),
//     RemoveSelfConnections, Disconnect, DelaySteps = rint(L/speed/dt).
//   - Neural masses (NeuralMass): Epileptor (6-D, TVB), Epileptor2D (the
//     VEP form), EpileptorRestingState (the Epileptor beside a resting-state
//     oscillator, Courtiol et al. 2020), EpileptorCodim3 and
//     EpileptorCodim3SlowMod (the codimension-3 burster of Saggio et al.
//     2017, 2020, whose path through its unfolding sets the seizure's onset
//     and offset bifurcations), Oscillator2D (TVB's generic 2-D oscillator),
//     MontbrioPazoRoxin and JansenRit (resting state; not epileptic; a
//     mass may send a function of its state: CouplingSource). Every mass
//     names its parameters as TVB does, so any of them can be set for all
//     regions or region by region. Threshold2D gives
//     the excitability threshold x0* of the isolated Epileptor (≈ −2.062)
//     from the nullcline analysis, StimulusThreshold2D the current that
//     removes its resting branch.
//   - Network: delayed coupling (Linear, Difference) through the mass's
//     coupled variables, held fixed through each step; integrators Heun,
//     HeunStochastic, Euler, EulerStochastic with additive noise of
//     diffusion D per variable on the variables with D > 0 only, seeded
//     (xoshiro256++ seeded from PCG, ziggurat normals: normal.go); pulse-
//     train stimuli (PulseTrain). When every delay is at least a few steps
//     the coupling of the next block of steps is summed at once (the same
//     sums, bit for bit). Step is allocation-free.
//   - Monitors: Raw, TemporalAverage (in memory or streamed to a Sink),
//     the BOLD Balloon–Windkessel model (Balloon); SEEGGain (inverse-square
//     or dipole), Project, streamed float32 .npy files (CreateNPY) and
//     ReadNPY for TVB's projection matrices.
//   - Analysis: Detector (threshold crossing with hysteresis on the smoothed
//     x1, whole recordings or Online), Propagate (recruitment order, onset,
//     duration), Periods, EnvelopeOnset (onsets on observed signals).
//   - Model: the mdtwin model "brain" (a models.Configurable): the scenario's
//     [inputs] name the connectome, SEEG contacts, EZ hypotheses, candidate
//     resections, mass parameters for every region (mass_params) and per
//     region (a CSV file or inline table keyed by region label or index),
//     an initial state (a state file, an earlier run's folder, or "last":
//     the last run of a study's folder), stimuli, sensor sets (contacts or gain files,
//     observation noise, onsets), a state recorder and a BOLD monitor (see
//     Inputs); parameters choose the hypothesis, the resection, x0 of the
//     EZ, PZ and healthy regions, the mass, the coupling, the integrator
//     and the detector. A run reads only the parameters of its mass
//     besides the network's and the monitors' (no x0 for a mass without
//     one); DescribeMass lists those.
//
// # Network semantics (TVB simulator.py, history.py)
//
// With d_ij = rint(τ_ij/dt), the coupling for the step from s − 1 to s is
//
//	k_i = post( Σ_j w_ij · pre(x_i(s−1), x_j(s−1−d_ij)) )
//
// computed once per step. The history holds the coupled variables only, in
// one ring per source region of (its longest coupled delay + 1) steps;
// before the first step it holds the initial state (every region at the
// resting equilibrium of x0 = min(x0_i, −2.2)), so the EZ leaves rest at
// once and its first onset comes within the first ~0.5 s. TVB instead draws
// a random initial history.
//
// # Virtual resection
//
// As in TVB's tutorial 3: the resected regions lose every connection (their
// rows and columns of the weights are zeroed) and take the healthy
// excitability x0_healthy.
//
// # Outputs of a run
//
// Scalars: n_seizing, n_recruited (seizing regions outside the EZ: the
// propagation extent), first_onset_ms (−1 if none), recruitment_span_ms,
// seized_<label> for every region named by a hypothesis or a resection, and
// fc_sc_corr with a BOLD monitor. Artifacts in the run's folder, written as
// the run goes (memory does not grow with the simulated time): onsets.csv
// (recruitment order, role, x0 — empty for a mass without x0 —, onset,
// delay from the first onset, duration of the first seizure, count),
// timeseries.npy (float32 samples × regions of the
// signal x2 − x1 at the monitor period) with timeseries_preview.csv (≤ 1000
// rows), with SEEG contacts seeg.npy and seeg_preview.csv (noise-free;
// TVB's iEEG monitor adds observation noise by default), record.npy,
// <sensors>.npy and <sensors>_onsets.csv, bold.npy and fc.csv when asked
// for, and final_state.csv (the state at the end, for initial).
//
// # Units and conventions
//
// Time in ms (the Epileptor's time unit, as in TVB), lengths in mm, speed in
// mm/ms, nsig is a diffusion coefficient D (noise sd √(2D·dt)), weights in
// arbitrary units. Parameter defaults follow TVB's tutorial 3 (EZ −1.6,
// healthy −2.4, Ks −0.2, Kf 0.1, difference coupling, Heun stochastic,
// dt 0.05 ms) except x0_pz = −2.1, just below x0* so that the propagation
// zone seizes only when recruited (tutorial 3's −1.8 seizes on its own);
// they are not TVB's class defaults (Ks = Kf = Kvf = 0, x0 = −1.6), which
// [inputs] preset = "tvb" gives.
//
// # Example
//
//	go run ./cmd/mdtwin run scenarios/examples/vep-resection.toml
//
// compares no resection with two candidate resections on TVB's 76-region
// connectome; vep-stimulation.toml maps which contacts trigger seizures at
// which amplitude; resting-state-bold.toml compares the BOLD functional
// connectivity of a resting-state network with the structural one.
package brain
