// Package analysis turns the potentials of a simulated tissue into the
// measures electrophysiologists use: activation, conduction, phase and
// re-entry. It works on any triangle or tetrahedron mesh (package mesh)
// and knows nothing of the solver that made the potentials.
//
// Activations records every upstroke through a threshold (the local
// activation time, LAT, linearly interpolated in time) and the
// action-potential duration at a repolarisation level (APD90 at 0.9).
// ElementCV gives the conduction speed 1/|∇LAT| (mm/ms) of the P1
// interpolant on each element and CVAlongLine the CV along a segment by
// least squares.
//
// LATPhase is the phase 2π·(t − LAT_k)/(LAT_{k+1} − LAT_k) between
// successive activations (reference §6.1c). A phase singularity is an
// element around which the phase winds by ±2π (TopologicalCharge,
// FindSingularities; node rings by NodeCharges, after Li et al.); a
// Tracker links the singularities of successive frames into rotor tracks
// with lifespan and rotation count (reference §6.4), and DriverCriteria
// select the re-entrant drivers among them (e.g. ≥ 2 rotations, ≥ 100 ms,
// meandering within 1 cm). Gray et al. (1998) and Clayton et al. (2006)
// define the state-space phase that package ionic computes for the
// two-variable models; this package takes any phase field in an interval
// of width 2π. A LeadField gives the unipolar extracellular potentials at
// electrodes in the surrounding bath from the membrane potential (the
// integral approximation of Gima & Rudy 2002), and EGMActivations the
// activation times of an electrogram (steepest negative slope). Units: mm,
// ms, mV, rad.
package analysis
