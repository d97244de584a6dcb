package atrial

import "fmt"

// Ionic is a cell model: the membrane kinetics at one node. The membrane
// potential v is in mV and time in ms; the model's own states (gates,
// concentrations, recovery variables) live in a slice of NumStates numbers
// per node that the caller owns. Implementations hold only parameters, so
// one value serves every node and every goroutine. Methods do not allocate.
type Ionic interface {
	// Name is the model's identifier, as in the engine's ionic parameter.
	Name() string
	// NumStates is the number of state variables per node besides v.
	NumStates() int
	// Rest writes the resting state into s (length NumStates) and returns
	// the resting potential in mV.
	Rest(s []float64) float64
	// Deriv writes ds/dt into ds (length NumStates) and returns
	// dv/dt = −I_ion/Cm in mV/ms, at potential v and state s.
	Deriv(ds []float64, v float64, s []float64) float64
	// Step advances one node by dt (ms) with no diffusion and no stimulus:
	// s is updated in place and the new potential returned.
	Step(s []float64, v, dt float64) float64
}

// The ionic models by name (the engine's ionic parameter).
const (
	NameMS  = "ms"             // Mitchell–Schaeffer 2003, standard set
	NameMMS = "mms"            // modified Mitchell–Schaeffer, atrial/AF set
	NameAP  = "aliev_panfilov" // Aliev–Panfilov 1996
)

// IonicByName returns the ionic model with its default parameter set:
// NameMS → StandardMS, NameMMS → AtrialMMS, NameAP → DefaultAlievPanfilov.
func IonicByName(name string) (Ionic, error) {
	switch name {
	case NameMS:
		return StandardMS, nil
	case NameMMS:
		return AtrialMMS, nil
	case NameAP:
		return DefaultAlievPanfilov, nil
	case NameCRN:
		return CRN98, nil
	case NameTP06:
		return TP06Epi, nil
	}
	return nil, fmt.Errorf("atrial: unknown ionic model %q, expected %q, %q, %q, %q or %q", name, NameMS, NameMMS, NameAP, NameCRN, NameTP06)
}

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

// StandardMS is the parameter set of Mitchell & Schaeffer (2003) with
// openCARP's voltage range (V_min −86.2, V_max 40 mV).
var StandardMS = MitchellSchaeffer{TauIn: 0.3, TauOut: 6, TauOpen: 120, TauClose: 150, VGate: 0.13, VMin: -86.2, VMax: 40}

// AtrialMS is the atrial clinical calibration of SandraPrz/CINC_2025_OpenCarp
// (reference §4), with openCARP's voltage range.
var AtrialMS = MitchellSchaeffer{TauIn: 0.3, TauOut: 5.4, TauOpen: 80, TauClose: 175, VGate: 0.1, VMin: -86.2, VMax: 40}

// Name implements Ionic.
func (MitchellSchaeffer) Name() string { return NameMS }

// NumStates implements Ionic: the gate h.
func (MitchellSchaeffer) NumStates() int { return 1 }

// Rest implements Ionic: v = 0 (V = VMin), h = 1.
func (m MitchellSchaeffer) Rest(s []float64) float64 {
	s[0] = 1
	return m.VMin
}

func (m MitchellSchaeffer) dv(u, h float64) float64 {
	return h*u*u*(1-u)/m.TauIn - u/m.TauOut
}

// Deriv implements Ionic.
func (m MitchellSchaeffer) Deriv(ds []float64, v float64, s []float64) float64 {
	r := m.VMax - m.VMin
	u, h := (v-m.VMin)/r, s[0]
	ds[0] = gateRate(h, u < m.VGate, m.TauOpen, m.TauClose)
	return r * m.dv(u, h)
}

// Step implements Ionic.
func (m MitchellSchaeffer) Step(s []float64, v, dt float64) float64 {
	r := m.VMax - m.VMin
	u, h := (v-m.VMin)/r, s[0]
	s[0] = gate(h, u < m.VGate, dt, m.TauOpen, m.TauClose)
	return v + dt*r*m.dv(u, h)
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

// AtrialMMS is the atrial/AF parameter set of the Niederer group (reference
// §4): V_gate = a_crit = 0.1, τin 0.15, τout 1.5, τopen 105, τclose 185 ms,
// V from −80 to 20 mV.
var AtrialMMS = ModifiedMS{TauIn: 0.15, TauOut: 1.5, TauOpen: 105, TauClose: 185, VGate: 0.1, ACrit: 0.1, VMin: -80, VMax: 20}

// Name implements Ionic.
func (ModifiedMS) Name() string { return NameMMS }

// NumStates implements Ionic: the gate h.
func (ModifiedMS) NumStates() int { return 1 }

// Rest implements Ionic: U = 0 (V = VMin), h = 1.
func (m ModifiedMS) Rest(s []float64) float64 {
	s[0] = 1
	return m.VMin
}

func (m ModifiedMS) dv(u, h float64) float64 {
	return h*u*(u-m.ACrit)*(1-u)/m.TauIn - (1-h)*u/m.TauOut
}

// Deriv implements Ionic.
func (m ModifiedMS) Deriv(ds []float64, v float64, s []float64) float64 {
	r := m.VMax - m.VMin
	u, h := (v-m.VMin)/r, s[0]
	ds[0] = gateRate(h, u < m.VGate, m.TauOpen, m.TauClose)
	return r * m.dv(u, h)
}

// Step implements Ionic.
func (m ModifiedMS) Step(s []float64, v, dt float64) float64 {
	r := m.VMax - m.VMin
	u, h := (v-m.VMin)/r, s[0]
	s[0] = gate(h, u < m.VGate, dt, m.TauOpen, m.TauClose)
	return v + dt*r*m.dv(u, h)
}

// AlievPanfilov is the two-variable model of Aliev & Panfilov (1996), Chaos
// Solitons Fractals 7:293, dimensionless (u, w) with the voltage mapped to mV
// as for MS, V = VMin + (VMax − VMin)·u, and model time t = t_ms/TimeScale:
//
//	du/dt = −k·u·(u − a)·(u − 1) − u·w
//	dw/dt = ε(u, w)·(−w − k·u·(u − a − 1)),   ε = ε0 + μ1·w/(u + μ2)
//
// With TimeScale 1 one model time unit is one millisecond (as in finitewave);
// about 12.9 ms per unit gives physiological durations (Aliev & Panfilov
// 1996, unverified). One state per node: w. Forward Euler for both.
type AlievPanfilov struct {
	K, A, Eps0, Mu1, Mu2 float64
	TimeScale            float64 // ms per model time unit
	VMin, VMax           float64 // mV
}

// DefaultAlievPanfilov is the finitewave parameter set (a 0.1, k 8, ε0 0.01,
// μ1 0.2, μ2 0.3), TimeScale 1, V from −80 to 20 mV.
var DefaultAlievPanfilov = AlievPanfilov{K: 8, A: 0.1, Eps0: 0.01, Mu1: 0.2, Mu2: 0.3, TimeScale: 1, VMin: -80, VMax: 20}

// Name implements Ionic.
func (AlievPanfilov) Name() string { return NameAP }

// NumStates implements Ionic: the recovery variable w.
func (AlievPanfilov) NumStates() int { return 1 }

// Rest implements Ionic: u = w = 0.
func (m AlievPanfilov) Rest(s []float64) float64 {
	s[0] = 0
	return m.VMin
}

func (m AlievPanfilov) rates(u, w float64) (du, dw float64) {
	du = -m.K*u*(u-m.A)*(u-1) - u*w
	eps := m.Eps0 + m.Mu1*w/(u+m.Mu2)
	dw = eps * (-w - m.K*u*(u-m.A-1))
	return du / m.TimeScale, dw / m.TimeScale
}

// Deriv implements Ionic.
func (m AlievPanfilov) Deriv(ds []float64, v float64, s []float64) float64 {
	r := m.VMax - m.VMin
	du, dw := m.rates((v-m.VMin)/r, s[0])
	ds[0] = dw
	return r * du
}

// Step implements Ionic.
func (m AlievPanfilov) Step(s []float64, v, dt float64) float64 {
	r := m.VMax - m.VMin
	du, dw := m.rates((v-m.VMin)/r, s[0])
	s[0] += dt * dw
	return v + dt*r*du
}
