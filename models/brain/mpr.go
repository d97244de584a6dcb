package brain

import "math"

// MontbrioPazoRoxin is the exact mean field of an infinite population of
// quadratic integrate-and-fire neurons with Lorentzian-distributed
// excitabilities (Montbrió, Pazó & Roxin 2015, Phys Rev X 5:021028), as in
// TVB's MontbrioPazoRoxin model (time in ms, τ the membrane time constant):
//
//	τ·r' = Δ/(π·τ) + 2·r·V
//	τ·V' = V² − (π·τ·r)² + η + J·τ·r + I + Cr
//
// with r the firing rate, V the mean membrane potential, Δ the half-width
// of the excitability distribution, η its centre, J the recurrent synaptic
// weight and Cr the network coupling through r. TVB's defaults: τ 1, I 0,
// Δ 1, J 15, η −5 (bistable: a low-activity node and a high-activity
// focus). The recorded signal is r (the BOLD monitor's neural input).
type MontbrioPazoRoxin struct {
	Tau, I, Delta, J, Eta float64
}

// NewMontbrioPazoRoxin returns TVB's defaults.
func NewMontbrioPazoRoxin() *MontbrioPazoRoxin {
	return &MontbrioPazoRoxin{Tau: 1, I: 0, Delta: 1, J: 15, Eta: -5}
}

func (*MontbrioPazoRoxin) VarNames() []string  { return []string{"r", "V"} }
func (*MontbrioPazoRoxin) CouplingVars() []int { return []int{0} }
func (*MontbrioPazoRoxin) NoiseVars() []int    { return []int{0, 1} }
func (*MontbrioPazoRoxin) MaxDt() float64      { return 0.05 }

// Drift evaluates the model for n regions.
func (m *MontbrioPazoRoxin) Drift(dst, x, c []float64, n int) {
	tau := m.Tau
	for i := 0; i < n; i++ {
		r, v := x[i], x[n+i]
		ptr := math.Pi * tau * r
		dst[i] = (m.Delta/(math.Pi*tau) + 2*r*v) / tau
		dst[n+i] = (v*v - ptr*ptr + m.Eta + m.J*tau*r + m.I + c[i]) / tau
	}
}

// Rest sets every region near the low-activity state (r = 0.05, V = −2),
// from where it settles on the low-activity node for TVB's defaults.
func (*MontbrioPazoRoxin) Rest(x []float64, n int) {
	for i := 0; i < n; i++ {
		x[i], x[n+i] = 0.05, -2
	}
}

// Signal is the firing rate r.
func (*MontbrioPazoRoxin) Signal(dst, x []float64, n int) { copy(dst[:n], x[:n]) }

// Ictal is r (the model does not seize; the detector sees its rate).
func (*MontbrioPazoRoxin) Ictal(dst, x []float64, n int) { copy(dst[:n], x[:n]) }

// Balloon is the Balloon–Windkessel hemodynamic model that turns neural
// activity x into a BOLD signal (Friston et al. 2000, NeuroImage 12:466;
// Friston, Harrison & Penny 2003, NeuroImage 19:1273; the balloon of Buxton
// et al. 1998), per region, time in seconds:
//
//	s' = x − κ·s − γ·(f − 1)                 vasodilatory signal
//	f' = s                                   inflow
//	τ·v' = f − v^(1/α)                       venous volume
//	τ·q' = f·E(f, ρ)/ρ − v^(1/α)·q/v         deoxyhaemoglobin,  E = 1 − (1 − ρ)^(1/f)
//	y  = V0·( k1·(1 − q) + k2·(1 − q/v) + k3·(1 − v) ),  k1 = 7ρ, k2 = 2, k3 = 2ρ − 0.2
//
// κ 0.65 /s, γ 0.41 /s, τ 0.98 s, α 0.32, ρ 0.34, V0 0.02 (Friston 2003).
// Rest: s = 0, f = v = q = 1, y = 0. Step integrates it by explicit Euler;
// the caller feeds the mean activity of each step (the monitor period,
// ≈ 1 ms, three orders below the model's time scales).
type Balloon struct {
	Kappa, Gamma, Tau, Alpha, Rho, V0 float64
	S, F, V, Q                        []float64
}

// NewBalloon returns Friston 2003's parameters at rest for n regions.
func NewBalloon(n int) *Balloon {
	b := &Balloon{Kappa: 0.65, Gamma: 0.41, Tau: 0.98, Alpha: 0.32, Rho: 0.34, V0: 0.02,
		S: make([]float64, n), F: make([]float64, n), V: make([]float64, n), Q: make([]float64, n)}
	for i := 0; i < n; i++ {
		b.F[i], b.V[i], b.Q[i] = 1, 1, 1
	}
	return b
}

// Step advances every region by h seconds with input x.
func (b *Balloon) Step(x []float64, h float64) {
	for i, xi := range x {
		s, f, v, q := b.S[i], b.F[i], b.V[i], b.Q[i]
		fout := math.Pow(v, 1/b.Alpha)
		e := 1 - math.Pow(1-b.Rho, 1/f)
		b.S[i] = s + h*(xi-b.Kappa*s-b.Gamma*(f-1))
		b.F[i] = f + h*s
		b.V[i] = v + h*(f-fout)/b.Tau
		b.Q[i] = q + h*(f*e/b.Rho-fout*q/v)/b.Tau
	}
}

// BOLD sets dst[i] to region i's BOLD signal y.
func (b *Balloon) BOLD(dst []float64) {
	k1, k2, k3 := 7*b.Rho, 2.0, 2*b.Rho-0.2
	for i := range dst {
		v, q := b.V[i], b.Q[i]
		dst[i] = b.V0 * (k1*(1-q) + k2*(1-q/v) + k3*(1-v))
	}
}
