package ionic

// gateRate is dh/dt of the MS-family gate: (1 − h)/τopen while open,
// −h/τclose while closing.
func gateRate(h float64, open bool, tauOpen, tauClose float64) float64 {
	if open {
		return (1 - h) / tauOpen
	}
	return -h / tauClose
}

// gate advances a gate h with dh/dt = (1−h)/τopen (open) or −h/τclose
// (closing) by one linearly implicit (backward) Euler step, which is
// unconditionally stable and monotone; its first-order error is negligible
// for dt/τ ≤ 1e-3 as here (τ ≥ 80 ms).
func gate(h float64, open bool, dt, tauOpen, tauClose float64) float64 {
	if open {
		return (h + dt/tauOpen) / (1 + dt/tauOpen)
	}
	return h / (1 + dt/tauClose)
}

// MitchellSchaeffer is the two-variable model of Mitchell & Schaeffer (2003),
// Bull Math Biol 65:767, in normalised voltage v ∈ [0, 1] mapped to mV by
// V = VMin + (VMax − VMin)·v (openCARP's MitchellSchaeffer):
//
//	dv/dt = h·v²·(1−v)/τin − v/τout
//	dh/dt = (1−h)/τopen  if v < v_gate,  else −h/τclose
//
// One state per node: the gate h. Times in ms. Step uses forward Euler for v
// and a linearly implicit Euler step for h.
type MitchellSchaeffer struct {
	TauIn, TauOut, TauOpen, TauClose float64 // ms
	VGate                            float64 // normalised
	VMin, VMax                       float64 // mV
}

// StandardMS returns the parameter set of Mitchell & Schaeffer (2003) with
// openCARP's voltage range (V_min −86.2, V_max 40 mV).
func StandardMS() MitchellSchaeffer {
	return MitchellSchaeffer{TauIn: 0.3, TauOut: 6, TauOpen: 120, TauClose: 150, VGate: 0.13, VMin: -86.2, VMax: 40}
}

// AtrialMS returns the atrial clinical calibration of
// SandraPrz/CINC_2025_OpenCarp (reference §4), with openCARP's voltage
// range.
func AtrialMS() MitchellSchaeffer {
	return MitchellSchaeffer{TauIn: 0.3, TauOut: 5.4, TauOpen: 80, TauClose: 175, VGate: 0.1, VMin: -86.2, VMax: 40}
}

// Name implements Model.
func (MitchellSchaeffer) Name() string { return NameMS }

// NumStates implements Model: the gate h.
func (MitchellSchaeffer) NumStates() int { return 1 }

// Rest implements Model: v = 0 (V = VMin), h = 1.
func (m MitchellSchaeffer) Rest(s []float64) float64 {
	s[0] = 1
	return m.VMin
}

func (m MitchellSchaeffer) dv(u, h float64) float64 {
	return h*u*u*(1-u)/m.TauIn - u/m.TauOut
}

// Deriv implements Model.
func (m MitchellSchaeffer) Deriv(ds []float64, v float64, s []float64) float64 {
	r := m.VMax - m.VMin
	u, h := (v-m.VMin)/r, s[0]
	ds[0] = gateRate(h, u < m.VGate, m.TauOpen, m.TauClose)
	return r * m.dv(u, h)
}

// Step implements Model.
func (m MitchellSchaeffer) Step(s []float64, v, dt float64) float64 {
	r := m.VMax - m.VMin
	u, h := (v-m.VMin)/r, s[0]
	s[0] = gate(h, u < m.VGate, dt, m.TauOpen, m.TauClose)
	return v + dt*r*m.dv(u, h)
}

// Kernel implements Kerneler: Step's scheme with the MS family's hoisted
// constants and gate (msStep).
func (m MitchellSchaeffer) Kernel(dt float64) Kernel {
	c := newMSStep(m.TauIn, m.TauOut, m.TauOpen, m.TauClose, m.VGate, m.VMin, m.VMax, dt)
	return func(v, s []float64, lo, hi int) {
		vmin, ir, dtr, kin, kout := c.vMin, c.ir, c.dtr, c.kin, c.kout // in registers through the loop
		v, s = v[lo:hi], s[lo:hi]
		s = s[:len(v)]
		for i, vi := range v {
			u, h := (vi-vmin)*ir, s[i]
			s[i] = c.gate.step(h, u)
			v[i] = vi + dtr*(h*u*u*(1-u)*kin-u*kout)
		}
	}
}

// ModifiedMS is the modified Mitchell–Schaeffer model (Corrado & Niederer
// 2016, Math Biosci), with U = (V − VMin)/(VMax − VMin):
//
//	J_in  = h·U·(U − a_crit)·(1 − U)/τin,   J_out = −(1 − h)·U/τout
//	dV/dt = (VMax − VMin)·(J_in + J_out)     (= −I_ion/Cm)
//	dh/dt = (1 − h)/τopen  if U < V_gate,  else −h/τclose
//
// Unlike MS its outward current vanishes at rest (h = 1), so a resting cell
// stays at rest. One state per node: h.
type ModifiedMS struct {
	TauIn, TauOut, TauOpen, TauClose float64 // ms
	VGate, ACrit                     float64 // normalised
	VMin, VMax                       float64 // mV
}

// AtrialMMS returns the atrial/AF parameter set of the Niederer group
// (reference §4): V_gate = a_crit = 0.1, τin 0.15, τout 1.5, τopen 105,
// τclose 185 ms, V from −80 to 20 mV.
func AtrialMMS() ModifiedMS {
	return ModifiedMS{TauIn: 0.15, TauOut: 1.5, TauOpen: 105, TauClose: 185, VGate: 0.1, ACrit: 0.1, VMin: -80, VMax: 20}
}

// TorchCorMMS returns the modified Mitchell–Schaeffer set of TorchCor's
// defaults (reference §4): V_gate = a_crit = 0.13, τin 0.1, τout 9,
// τopen 100, τclose 120 ms, V from −80 to 20 mV.
func TorchCorMMS() ModifiedMS {
	return ModifiedMS{TauIn: 0.1, TauOut: 9, TauOpen: 100, TauClose: 120, VGate: 0.13, ACrit: 0.13, VMin: -80, VMax: 20}
}

// FileMMS returns the modified Mitchell–Schaeffer set of the defaults of
// TorchCor's mMS.model file (reference §4): V_gate = a_crit = 0.13, τin
// 0.3, τout 5, τopen 120, τclose 150 ms. The file's voltage range is the
// normalised 0…1; here it is mapped to −80…20 mV like the other mMS sets,
// so that the engine's LAT threshold (mV) applies unchanged.
func FileMMS() ModifiedMS {
	return ModifiedMS{TauIn: 0.3, TauOut: 5, TauOpen: 120, TauClose: 150, VGate: 0.13, ACrit: 0.13, VMin: -80, VMax: 20}
}

// Name implements Model.
func (ModifiedMS) Name() string { return NameMMS }

// NumStates implements Model: the gate h.
func (ModifiedMS) NumStates() int { return 1 }

// Rest implements Model: U = 0 (V = VMin), h = 1.
func (m ModifiedMS) Rest(s []float64) float64 {
	s[0] = 1
	return m.VMin
}

func (m ModifiedMS) dv(u, h float64) float64 {
	return h*u*(u-m.ACrit)*(1-u)/m.TauIn - (1-h)*u/m.TauOut
}

// Deriv implements Model.
func (m ModifiedMS) Deriv(ds []float64, v float64, s []float64) float64 {
	r := m.VMax - m.VMin
	u, h := (v-m.VMin)/r, s[0]
	ds[0] = gateRate(h, u < m.VGate, m.TauOpen, m.TauClose)
	return r * m.dv(u, h)
}

// Step implements Model.
func (m ModifiedMS) Step(s []float64, v, dt float64) float64 {
	r := m.VMax - m.VMin
	u, h := (v-m.VMin)/r, s[0]
	s[0] = gate(h, u < m.VGate, dt, m.TauOpen, m.TauClose)
	return v + dt*r*m.dv(u, h)
}

// Kernel implements Kerneler: Step's scheme with the MS family's hoisted
// constants and gate (msStep). Where the CPU has AVX-512F, whole blocks of
// 8 nodes go through mmsStepAVX512 (ms_amd64.s), the loop's operations in
// its order on 8 lanes (no fused multiply–add; the gate's two branches
// computed and one chosen per lane by u < V_gate), so the bits are the
// same (TestModifiedMSKernelAVX512). The loop writes float64(a*b) to
// round the update's product before it is added: a GOAMD64=v3 build would
// otherwise fuse the two into one FMA and differ from the assembly.
func (m ModifiedMS) Kernel(dt float64) Kernel {
	c := newMSStep(m.TauIn, m.TauOut, m.TauOpen, m.TauClose, m.VGate, m.VMin, m.VMax, dt)
	a := m.ACrit
	k := mmsConsts{vMin: c.vMin, ir: c.ir, dtr: c.dtr, kin: c.kin, kout: c.kout, a: a, one: 1,
		vGate: c.gate.vGate, co: c.gate.co, io1: c.gate.io1, ic1: c.gate.ic1}
	return func(v, s []float64, lo, hi int) {
		vmin, ir, dtr, kin, kout := c.vMin, c.ir, c.dtr, c.kin, c.kout // in registers through the loop
		v, s = v[lo:hi], s[lo:hi]
		s = s[:len(v)]
		if n := len(v) &^ 7; useAVX512 && n > 0 {
			mmsStepAVX512(&v[0], &s[0], n, &k)
			v, s = v[n:], s[n:]
		}
		for i, vi := range v {
			u, h := (vi-vmin)*ir, s[i]
			s[i] = c.gate.step(h, u)
			v[i] = vi + float64(dtr*(h*u*(u-a)*(1-u)*kin-(1-h)*u*kout))
		}
	}
}

// msStep holds what the tissue kernels of the Mitchell–Schaeffer family
// share: the step's constants, with each division by a constant replaced
// by a multiplication by its reciprocal (a division costs several
// multiplications, and there are five per node), so that a kernel differs
// from Step by rounding only, and the gate's linearly implicit step. Each
// model's kernel adds its own current.
type msStep struct {
	vMin      float64 // mV
	ir        float64 // 1/(V_max − V_min)
	kin, kout float64 // 1/τin, 1/τout
	dtr       float64 // dt·(V_max − V_min)
	gate      msGate
}

// msGate is the gate's step (see gate) with its constants: dh/dt = (1 −
// h)/τopen below the normalised potential vGate, −h/τclose above.
type msGate struct {
	vGate, co, io1, ic1 float64 // normalised, dt/τopen, 1/(1 + dt/τopen), 1/(1 + dt/τclose)
}

func newMSStep(tauIn, tauOut, tauOpen, tauClose, vGate, vMin, vMax, dt float64) msStep {
	r := vMax - vMin
	co := dt / tauOpen
	return msStep{vMin: vMin, ir: 1 / r, kin: 1 / tauIn, kout: 1 / tauOut, dtr: dt * r,
		gate: msGate{vGate: vGate, co: co, io1: 1 / (1 + co), ic1: 1 / (1 + dt/tauClose)}}
}

// step returns the gate h after one step at normalised potential u.
func (g msGate) step(h, u float64) float64 {
	if u < g.vGate {
		return (h + g.co) * g.io1
	}
	return h * g.ic1
}

// mmsConsts are the constants of mmsStepAVX512, each broadcast to 8 lanes
// (offsets 0, 8, … in this order).
type mmsConsts struct {
	vMin, ir, dtr, kin, kout, a, one float64
	vGate, co, io1, ic1              float64
}
