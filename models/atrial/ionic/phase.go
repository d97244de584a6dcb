package ionic

import "math"

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
// runs counter-clockwise in the scaled plane), as the LAT phase does.
type StatePhase struct {
	VStar, RStar   float64 // centre of the loop: mV, and the recovery variable's unit
	VScale, RScale float64 // divisors of V − V* and R − R*; zero means 1
	State          int     // index of R in a node's ionic states
}

// A Phased cell model has a state-space phase whose centre and scales are
// known (StatePhaseFor).
type Phased interface {
	Model
	// StatePhase returns the model's state-space phase.
	StatePhase() StatePhase
}

// StatePhaseFor returns the state-space phase of m when m is Phased:
//
//   - AlievPanfilov: R = w, which rises during the action potential, so the
//     loop in (u, w) runs counter-clockwise; centre u* = 0.5, w* = 0.5,
//     both unscaled (w spans 0 to about 2.1 on a rotor of the default
//     set, and with this centre the cross-field S1–S2 rotor test finds
//     exactly one singularity in every frame);
//   - MitchellSchaeffer and ModifiedMS: R = h, which falls during the action
//     potential (a clockwise loop in (V, h)), hence RScale < 0; centre
//     V* halfway between VMin and VMax and h* halfway between the
//     repolarisation threshold h_min and 1, with h_min = 4·τin/τout (MS)
//     and h_min = τin/(τin + τout·((1−a)/2)²) (modified MS, where the
//     plateau current balance h·((1−a)/2)²/τin = (1−h)/τout fails). The
//     MS centres are not yet checked against a simulated rotor.
//
// ok is false for any other model.
func StatePhaseFor(m Model) (p StatePhase, ok bool) {
	if ph, ok := m.(Phased); ok {
		return ph.StatePhase(), true
	}
	return StatePhase{}, false
}

// StatePhase implements Phased (see StatePhaseFor).
func (m AlievPanfilov) StatePhase() StatePhase {
	r := m.VMax - m.VMin
	return StatePhase{VStar: m.VMin + 0.5*r, VScale: r, RStar: 0.5, RScale: 1}
}

// StatePhase implements Phased (see StatePhaseFor).
func (m MitchellSchaeffer) StatePhase() StatePhase {
	r := m.VMax - m.VMin
	hMin := min(4*m.TauIn/m.TauOut, 1)
	return StatePhase{VStar: m.VMin + 0.5*r, VScale: r, RStar: (1 + hMin) / 2, RScale: -(1 - hMin)}
}

// StatePhase implements Phased (see StatePhaseFor).
func (m ModifiedMS) StatePhase() StatePhase {
	r := m.VMax - m.VMin
	q := (1 - m.ACrit) / 2
	hMin := m.TauIn / (m.TauIn + m.TauOut*q*q)
	return StatePhase{VStar: m.VMin + 0.5*r, VScale: r, RStar: (1 + hMin) / 2, RScale: -(1 - hMin)}
}

// Phase writes the phase of every node into dst (length len(v)); v holds
// the potentials (mV) and s the ionic states, ns per node (node-major, as
// a tissue's V and S). It does not allocate.
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
