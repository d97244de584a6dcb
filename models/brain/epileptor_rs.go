package brain

import (
	"fmt"
	"math"
)

// EpileptorRestingState is the Epileptor with resting-state slow variables
// of Courtiol et al. (2020, J Neurosci 40:5572): the 6-variable Epileptor
// (Jirsa et al. 2014) beside a generic 2-D oscillator tuned near a
// supercritical Hopf bifurcation (Sanz Leon et al. 2013), which gives the
// region physiological oscillations besides seizures, in the form of TVB's
// EpileptorRestingState (models/epileptor_rs.py; equations re-implemented).
// State (x1, y1, z, x2, y2, g, x_rs, y_rs); coupling through x1 (c1), x2
// (c2) and x_rs (c3). The first six variables follow the Epileptor's
// equations exactly (Epileptor, with the same parameters); then
//
//	x_rs' = d_rs·τ_rs·( α_rs·y_rs − f_rs·x_rs³ + e_rs·x_rs² + γ_rs·I_rs + γ_rs·K_rs·c3 )
//	y_rs' = d_rs·( a_rs + b_rs·x_rs − β_rs·y_rs ) / τ_rs
//
// with TVB's defaults τ_rs 1, I_rs 0, a_rs −2, b_rs −10, d_rs 0.02,
// e_rs 3, f_rs 1, α_rs 1, β_rs 1, γ_rs 1, K_rs 1 (dimensionless; time in
// ms as the Epileptor's). With them the oscillator has one equilibrium, a
// stable focus whose damped oscillation has a period of about 100 ms (an
// alpha rhythm; TestEpileptorRSFocus derives it). The recorded signal is
// TVB's LFP p·(x2 − x1) + (1 − p)·x_rs with p = 0 by default (the
// resting-state oscillator alone); the seizure detector watches x1.
type EpileptorRestingState struct {
	*Epileptor
	TauRs, IRs, ARs, BRs, DRs, ERs, FRs, AlphaRs, BetaRs, GammaRs, KRs, P float64
}

// NewEpileptorRestingState returns TVB's defaults for the regions of
// excitability x0 (the Epileptor's parameters as NewEpileptor).
func NewEpileptorRestingState(x0 []float64) *EpileptorRestingState {
	e := NewEpileptor(len(x0))
	e.X0 = x0
	return &EpileptorRestingState{Epileptor: e, TauRs: 1, IRs: 0, ARs: -2, BRs: -10, DRs: 0.02, ERs: 3, FRs: 1,
		AlphaRs: 1, BetaRs: 1, GammaRs: 1, KRs: 1, P: 0}
}

func (m *EpileptorRestingState) params() []massParam {
	return append(m.Epileptor.params(), massParam{"tau_rs", &m.TauRs}, massParam{"I_rs", &m.IRs}, massParam{"a_rs", &m.ARs},
		massParam{"b_rs", &m.BRs}, massParam{"d_rs", &m.DRs}, massParam{"e_rs", &m.ERs}, massParam{"f_rs", &m.FRs},
		massParam{"alpha_rs", &m.AlphaRs}, massParam{"beta_rs", &m.BetaRs}, massParam{"gamma_rs", &m.GammaRs},
		massParam{"K_rs", &m.KRs}, massParam{"p", &m.P})
}

func (*EpileptorRestingState) VarNames() []string {
	return []string{"x1", "y1", "z", "x2", "y2", "g", "x_rs", "y_rs"}
}
func (*EpileptorRestingState) CouplingVars() []int { return []int{0, 3, 6} }
func (*EpileptorRestingState) NoiseVars() []int    { return []int{3, 4, 6, 7} }

// Drift evaluates the model for n regions: the Epileptor's six variables
// (its own kernel, on the first 6n values of the variable-major state), then
// the oscillator's two.
func (m *EpileptorRestingState) Drift(dst, x, c []float64, n int) {
	m.Epileptor.Drift(dst[:6*n], x[:6*n], c[:2*n], n)
	xs, ys, c3 := x[6*n:7*n], x[7*n:8*n], c[2*n:3*n]
	dx, dy := dst[6*n:7*n], dst[7*n:8*n]
	for i := range xs {
		v, w := xs[i], ys[i]
		dx[i] = m.DRs * m.TauRs * (m.AlphaRs*w - m.FRs*v*v*v + m.ERs*v*v + m.GammaRs*m.IRs + m.GammaRs*m.KRs*c3[i])
		dy[i] = m.DRs * (m.ARs + m.BRs*v - m.BetaRs*w) / m.TauRs
	}
}

// Rest sets the Epileptor's resting state (Epileptor.Rest) and the
// oscillator's equilibrium (RestRS).
func (m *EpileptorRestingState) Rest(x []float64, n int) {
	m.Epileptor.Rest(x[:6*n], n)
	v, w := m.RestRS()
	for i := 0; i < n; i++ {
		x[6*n+i], x[7*n+i] = v, w
	}
}

// RestRS returns an equilibrium (x_rs, y_rs) of the uncoupled oscillator:
// y_rs = (a_rs + b_rs·x_rs)/β_rs, with x_rs a root of
//
//	−f·x³ + e·x² + (α·b/β)·x + α·a/β + γ·I = 0,
//
// found by bisection of the lowest sign change on [−10, 10] (for TVB's
// defaults the cubic's derivative −3x² + 6x − 10 has no root, so the root
// is unique). With no root there it returns (0, a_rs/β_rs).
func (m *EpileptorRestingState) RestRS() (float64, float64) {
	ab := m.AlphaRs / m.BetaRs
	f := func(v float64) float64 {
		return -m.FRs*v*v*v + m.ERs*v*v + ab*m.BRs*v + ab*m.ARs + m.GammaRs*m.IRs
	}
	const lo, hi, step = -10.0, 10.0, 0.01
	for a := lo; a < hi; a += step {
		b := a + step
		if f(a) == 0 {
			return a, (m.ARs + m.BRs*a) / m.BetaRs
		}
		if f(a)*f(b) < 0 {
			r0, r1 := bisect(f, a, b)
			v := (r0 + r1) / 2
			return v, (m.ARs + m.BRs*v) / m.BetaRs
		}
	}
	return 0, m.ARs / m.BetaRs
}

// Signal is TVB's LFP p·(x2 − x1) + (1 − p)·x_rs.
func (m *EpileptorRestingState) Signal(dst, x []float64, n int) {
	for i := 0; i < n; i++ {
		dst[i] = m.P*(x[3*n+i]-x[i]) + (1-m.P)*x[6*n+i]
	}
}

// check refuses a zero τ_rs or β_rs (they divide).
func (m *EpileptorRestingState) check() error {
	if m.TauRs == 0 || m.BetaRs == 0 || math.IsNaN(m.TauRs+m.BetaRs) {
		return fmt.Errorf("tau_rs = %g, beta_rs = %g: expected both non-zero (they divide)", m.TauRs, m.BetaRs)
	}
	return nil
}
