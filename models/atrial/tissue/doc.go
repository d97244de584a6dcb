// Package tissue integrates the monodomain reaction–diffusion equation of
// cardiac tissue on triangle (surface) and tetrahedron (volume) meshes.
//
// With V the membrane potential (mV), s the ionic state, σ the monodomain
// conductivity tensor (mS/mm, numerically equal to S/m), χ the
// surface-to-volume ratio (1/mm, default 140) and Cm the membrane
// capacitance (µF/mm², default 0.01), as in the reference's §2:
//
//	∂V/∂t = ∇·(D∇V) − I_ion(V, s)/Cm + I_stim/(χ·Cm),   D = σ/(χ·Cm)  [mm²/ms]
//	ds/dt = g(V, s)
//
// with no-flux boundaries. Space: P1 finite elements with the row-sum
// lumped mass M and the stiffness K of D from package mesh (fibres per
// element; D = σ_t·I + (σ_l − σ_t)·f·fᵀ/(χ·Cm)). Time: Godunov operator
// splitting with one dt (Monodomain.Step): first every node's cell model
// (package ionic, through its tissue kernel) and stimulus (I_stim in
// µA/mm³, a Protocol of pacing Sites), then diffusion M·dV/dt = −K·V with
//
//	Explicit        V⁺ = (I − dt·M⁻¹K)·V      refused above dt = 2/λ, λ = 1.05 × λ_max(M⁻¹K)
//	                                           by power iteration, at most the Gershgorin
//	                                           bound (StabilityError)
//	CrankNicolson   (M + dt/2·K)·V⁺ = (M − dt/2·K)·V
//	BackwardEuler   (M + dt·K)·V⁺ = M·V
//
// the linear systems solved by conjugate gradients preconditioned by the
// diagonal (CG; Saad 2003, Algorithm 9.1), warm-started from V. A step
// allocates nothing. With Options.Workers > 1 (meshes of ≥ 4096 nodes)
// persistent goroutines share the ionic and explicit loops by node
// ranges, bit-identically for any number; the explicit scheme fuses the
// ionic and diffusion passes over each range. The matrix products run on
// a sliced ELLPACK copy of each matrix (8 rows a slice, AVX-512F gathers
// where the CPU has them, else a Go loop) with each row's operations in
// the order of the scalar CSR product, so the bits do not depend on the
// CPU either. Per-node parameter sets of
// one cell model (Options.IonicSets and IonicIndex, as openCARP's
// imp_region) cost almost nothing on a few long runs of equal index.
//
// A run may start from a prescribed state instead of (or besides)
// pacing: SetPhase gives each node the state at its phase's share of a
// paced cycle (ionic.PacedCycle; phase 0 = upstroke), SetLAT the state of
// a wave that activated the node at its LAT, and SpiralPhase is the
// pinwheel phase map of a rotor of a given chirality.
//
// Usage:
//
//	m := mesh.Strip(20, 0.5, 0.1)
//	md, err := tissue.NewMonodomain(
//		tissue.Passive{Mesh: m, Sigma: mesh.Uniform(mesh.Isotropic(0.3))},
//		ionic.AtrialMMS(),
//		tissue.Protocol{{Radius: 1, Duration: 2, Strength: 50}},
//		tissue.Options{Dt: 0.02, Scheme: tissue.CrankNicolson})
//	for md.Time() < 60 {
//		if err := md.Step(); err != nil { … }
//	}
//
// Verified (tests): a cosine mode on a strip decays as exp(−D·k²·t) and
// matches the dense step matrix of each scheme; the single-cell
// Mitchell–Schaeffer APD; planar-wave CV converges under h/dt halving,
// scales as √σ and gives CV_L/CV_T = √(σ_L/σ_T); triangles and
// tetrahedra, the three schemes and any number of workers agree; the
// Niederer et al. (2011) slab benchmark.
package tissue
