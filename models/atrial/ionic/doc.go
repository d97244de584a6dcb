// Package ionic holds the cell models of mdtwin's atrial electrophysiology:
// the membrane kinetics that the monodomain equation (package tissue)
// couples by diffusion. A Model advances one node's potential V (mV) and
// states s by a time step (ms) with no diffusion and no stimulus,
//
//	dV/dt = −I_ion(V, s)/Cm   (mV/ms; currents per capacitance, pA/pF)
//	ds/dt = g(V, s)
//
// and each model supplies its own tissue Kernel, a loop over a range of
// nodes with the step's constants hoisted, so that the solver calls one
// function per range whatever the model (KernelOf; a model without one
// gets a loop over Step). Adding a cell model touches this package only.
//
// The models: MitchellSchaeffer (Mitchell & Schaeffer 2003), ModifiedMS
// (Corrado & Niederer 2016) and AlievPanfilov (Aliev & Panfilov 1996), two
// variables in normalised voltage mapped to mV by V = V_min + (V_max −
// V_min)·u; Courtemanche, the 21-variable human atrial model of
// Courtemanche, Ramirez & Nattel (1998); and TenTusscher, the human
// ventricular model of ten Tusscher & Panfilov (2006), the cell of the
// Niederer et al. (2011) benchmark. The two large models take
// Rush–Larsen steps for their gates and interpolate the terms that depend
// on V only in lookup tables (every 0.05 mV on [−150, 100] mV, as
// openCARP's), built once per time step and shared by every parameter set.
//
// Each model's published parameter sets are returned by functions
// (CRN98, CourtemancheRoneyLA, TP06Endo, AtrialMMS, …) and named for the
// engine by Set and SetNames (ionic_set: "default", "caf", "roney_pv", …).
// Modify applies a modification in openCARP's im_param syntax
// (comma-separated name op value, op one of = * + - /) with openCARP's
// parameter names where openCARP has the model, so that
//
//	Modify(CRN98(), "GNa*2.0,Gto=0.0826,GKr=0.047058824,GCaL=0.037125,GK1*0.8,factorGKur*0.5")
//
// is the Roney LA set bit for bit. StatePhase is the state-space phase of
// the two-variable models (Gray et al. 1998), and PacedCycle samples one
// steady paced cycle of a cell, from which a tissue's initial state can
// be prescribed. Sources and the reference's section are cited at each
// model and set.
package ionic
