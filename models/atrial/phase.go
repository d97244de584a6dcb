package atrial

import (
	"math"
	"sort"
)

// StatePhase is the state-space phase of a node (reference §6.1a): the
// angle of the node's point in the plane of its potential V and one
// recovery variable R of its ionic state, about a centre (V*, R*) inside
// the action-potential loop,
//
//	θ = atan2((R − R*)/RScale, (V − V*)/VScale)   ∈ (−π, π]
//
// (Gray, Pertsov & Jalife 1998, Nature 392:75; Clayton, Zhuchkova & Panfilov
// 2006, Prog Biophys Mol Biol 90:378). The scales make the loop round, so
// that the phase advances about evenly over a cycle; the charge of a phase
// singularity does not depend on them. A negative RScale reverses the sense
// of rotation: choose its sign so that the phase increases in time (the loop
// runs counter-clockwise in the scaled plane), as LATPhase does.
type StatePhase struct {
	VStar, RStar   float64 // centre of the loop: mV, and the recovery variable's unit
	VScale, RScale float64 // divisors of V − V* and R − R*; zero means 1
	State          int     // index of R in a node's ionic states
}

// StatePhaseFor returns the state-space phase for the two-variable models:
//
//   - AlievPanfilov: R = w, which rises during the action potential, so the
//     loop in (u, w) runs counter-clockwise; centre u* = 0.5, w* = 0.5,
//     both unscaled (w spans 0 to about 2.1 on a rotor of the default
//     set, and with this centre TestS1S2CrossFieldRotor finds exactly one
//     singularity in every frame);
//   - MitchellSchaeffer and ModifiedMS: R = h, which falls during the action
//     potential (a clockwise loop in (V, h)), hence RScale < 0; centre
//     V* halfway between VMin and VMax and h* halfway between the
//     repolarisation threshold h_min and 1, with h_min = 4·τin/τout (MS)
//     and h_min = τin/(τin + τout·((1−a)/2)²) (modified MS, where the
//     plateau current balance h·((1−a)/2)²/τin = (1−h)/τout fails). The
//     MS centres are not yet checked against a simulated rotor.
//
// ok is false for any other model.
func StatePhaseFor(ion Ionic) (p StatePhase, ok bool) {
	switch m := ion.(type) {
	case AlievPanfilov:
		r := m.VMax - m.VMin
		return StatePhase{VStar: m.VMin + 0.5*r, VScale: r, RStar: 0.5, RScale: 1}, true
	case MitchellSchaeffer:
		r := m.VMax - m.VMin
		hMin := min(4*m.TauIn/m.TauOut, 1)
		return StatePhase{VStar: m.VMin + 0.5*r, VScale: r, RStar: (1 + hMin) / 2, RScale: -(1 - hMin)}, true
	case ModifiedMS:
		r := m.VMax - m.VMin
		q := (1 - m.ACrit) / 2
		hMin := m.TauIn / (m.TauIn + m.TauOut*q*q)
		return StatePhase{VStar: m.VMin + 0.5*r, VScale: r, RStar: (1 + hMin) / 2, RScale: -(1 - hMin)}, true
	}
	return StatePhase{}, false
}

// Phase writes the phase of every node into dst (length len(v)); v holds
// the potentials (mV) and s the ionic states, ns per node (node-major, as
// Monodomain.V and Monodomain.S). It does not allocate.
func (p StatePhase) Phase(dst, v, s []float64, ns int) {
	if p.State < 0 || p.State >= ns {
		panic("atrial: StatePhase.State out of range of the ionic states")
	}
	vs, rs := p.VScale, p.RScale
	if vs == 0 {
		vs = 1
	}
	if rs == 0 {
		rs = 1
	}
	iv, ir := 1/vs, 1/rs
	for i, x := range v {
		dst[i] = math.Atan2((s[i*ns+p.State]-p.RStar)*ir, (x-p.VStar)*iv)
	}
}

// LATPhase writes into dst the LAT-based phase of every node at time t (ms)
// (reference §6.1c): with LAT_k ≤ t < LAT_{k+1} two successive activation
// times of the node (lats[i], increasing, as in Activations.Times),
//
//	θ = 2π·(t − LAT_k)/(LAT_{k+1} − LAT_k)   ∈ [0, 2π),
//
// a phase that rises linearly from each activation to the next. It is NaN
// where t is before the node's first or at or after its last activation,
// so the last cycle of a recording has no phase. Where successive
// activations of neighbours belong to different beats it has jumps of
// about 2π along lines (phase-defect lines, Kabus et al. 2022, PLOS ONE
// 17:e0271351), which the wrapped differences of TopologicalCharge
// tolerate. It does not allocate.
func LATPhase(dst []float64, lats [][]float64, t float64) {
	for i, ts := range lats {
		// k is the last activation at or before t.
		k := sort.SearchFloat64s(ts, t)
		if k < len(ts) && ts[k] == t {
			k++
		}
		k--
		if k < 0 || k+1 >= len(ts) {
			dst[i] = math.NaN()
			continue
		}
		dst[i] = 2 * math.Pi * (t - ts[k]) / (ts[k+1] - ts[k])
	}
}
