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
//     VEP form) and Oscillator2D (TVB's generic 2-D oscillator, not
//     epileptic). Threshold2D gives the excitability threshold x0* of the
//     isolated Epileptor (≈ −2.062) from the nullcline analysis.
//   - Network: delayed coupling (Linear, Difference) through the mass's
//     coupled variables, held fixed through each step; integrators Heun,
//     HeunStochastic, Euler, EulerStochastic with additive noise of
//     diffusion D per variable on the variables with D > 0 only, seeded
//     (xoshiro256++ seeded from PCG, ziggurat normals: normal.go). Step is
//     allocation-free.
//   - Monitors: Raw, TemporalAverage; SEEGGain (inverse-square or dipole) and
//     Project for SEEG.
//   - Analysis: Detector (threshold crossing with hysteresis on the smoothed
//     x1), Propagate (recruitment order, onset, duration), Periods.
//   - Model: the mdtwin model "brain" (a models.Configurable): the scenario's
//     [inputs] name the connectome, SEEG contacts, EZ hypotheses and
//     candidate resections (see Inputs); parameters choose the hypothesis,
//     the resection, x0 of the EZ, PZ and healthy regions, the mass, the
//     coupling, the integrator and the detector.
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
// propagation extent), first_onset_ms (−1 if none), recruitment_span_ms, and
// seized_<label> for every region named by a hypothesis or a resection.
// Artifacts in the run's folder: onsets.csv (recruitment order, onset,
// delay from the first onset, duration of the first seizure, count),
// timeseries.npy (float32 samples × regions of the signal x2 − x1 at the
// monitor period) with timeseries_preview.csv (≤ 1000 rows), and with SEEG
// contacts seeg.npy and seeg_preview.csv (noise-free; TVB's iEEG monitor
// adds observation noise by default).
//
// # Units and conventions
//
// Time in ms (the Epileptor's time unit, as in TVB), lengths in mm, speed in
// mm/ms, nsig is a diffusion coefficient D (noise sd √(2D·dt)), weights in
// arbitrary units. Parameter defaults follow TVB's tutorial 3 (EZ −1.6,
// healthy −2.4, Ks −0.2, Kf 0.1, difference coupling, Heun stochastic,
// dt 0.05 ms) except x0_pz = −2.1, just below x0* so that the propagation
// zone seizes only when recruited (tutorial 3's −1.8 seizes on its own).
//
// # Example
//
//	go run ./cmd/mdtwin run scenarios/examples/vep-resection.toml
//
// compares no resection with two candidate resections on TVB's 76-region
// connectome.
package brain
