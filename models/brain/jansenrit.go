package brain

import "math"

// JansenRit is the Jansen–Rit neural mass of a cortical column (Jansen &
// Rit 1995, Biol Cybern 73:357): pyramidal cells (y0), excitatory (y1) and
// inhibitory (y2) interneuron inputs with their derivatives y3, y4, y5, in
// TVB's form (models/jansen_rit.py; time in ms):
//
//	y0' = y3     y3' = A·a·S(y1 − y2) − 2a·y3 − a²·y0
//	y1' = y4     y4' = A·a·(μ + a2·J·S(a1·J·y0) + c) − 2a·y4 − a²·y1
//	y2' = y5     y5' = B·b·a4·J·S(a3·J·y0) − 2b·y5 − b²·y2
//	S(v) = 2·e0 / (1 + exp(r·(v0 − v)))
//
// with Jansen & Rit's values A 3.25 mV, B 22 mV, a 0.1 /ms, b 0.05 /ms,
// e0 0.0025 /ms (2e0 = 5 /s), v0 6 mV, r 0.56 /mV, J (their C) 135,
// a1 1, a2 0.8, a3 a4 0.25, and μ the mean input p (their 120–320 /s:
// 0.22 /ms). A region sends S(y1 − y2), its pyramidal firing rate (a
// CouplingSource), which arrives as c; use linear coupling. The recorded
// signal is y1 − y2, the pyramidal membrane potential (the EEG source).
type JansenRit struct {
	A, B, Ra, Rb, E0, V0, R, J, A1, A2, A3, A4, Mu float64
}

// NewJansenRit returns Jansen & Rit's values with μ = 0.22 /ms.
func NewJansenRit() *JansenRit {
	return &JansenRit{A: 3.25, B: 22, Ra: 0.1, Rb: 0.05, E0: 0.0025, V0: 6, R: 0.56, J: 135, A1: 1, A2: 0.8, A3: 0.25, A4: 0.25, Mu: 0.22}
}

func (*JansenRit) VarNames() []string  { return []string{"y0", "y1", "y2", "y3", "y4", "y5"} }
func (*JansenRit) CouplingVars() []int { return []int{1} } // one coupled value; see CouplingValues
func (*JansenRit) NoiseVars() []int    { return []int{4} }
func (*JansenRit) MaxDt() float64      { return 0.5 }

// sigm is S(v).
func (m *JansenRit) sigm(v float64) float64 { return 2 * m.E0 / (1 + math.Exp(m.R*(m.V0-v))) }

// Drift evaluates the model for n regions.
func (m *JansenRit) Drift(dst, x, c []float64, n int) {
	a, b := m.Ra, m.Rb
	for i := 0; i < n; i++ {
		y0, y1, y2, y3, y4, y5 := x[i], x[n+i], x[2*n+i], x[3*n+i], x[4*n+i], x[5*n+i]
		dst[i] = y3
		dst[n+i] = y4
		dst[2*n+i] = y5
		dst[3*n+i] = m.A*a*m.sigm(y1-y2) - 2*a*y3 - a*a*y0
		dst[4*n+i] = m.A*a*(m.Mu+m.A2*m.J*m.sigm(m.A1*m.J*y0)+c[i]) - 2*a*y4 - a*a*y1
		dst[5*n+i] = m.B*b*(m.A4*m.J*m.sigm(m.A3*m.J*y0)) - 2*b*y5 - b*b*y2
	}
}

// CouplingValues sends S(y1 − y2).
func (m *JansenRit) CouplingValues(dst, x []float64, n int) {
	for i := 0; i < n; i++ {
		dst[i] = m.sigm(x[n+i] - x[2*n+i])
	}
}

// Rest sets every region to the equilibrium of JRFixedPoint for its μ
// (the lowest one).
func (m *JansenRit) Rest(x []float64, n int) {
	fp := m.FixedPoints()
	v := fp[0]
	y0 := m.A / m.Ra * m.sigm(v)
	y2 := m.B / m.Rb * m.A4 * m.J * m.sigm(m.A3*m.J*y0)
	for i := 0; i < n; i++ {
		x[i], x[n+i], x[2*n+i] = y0, v+y2, y2
		x[3*n+i], x[4*n+i], x[5*n+i] = 0, 0, 0
	}
}

// FixedPoints returns the pyramidal potentials v = y1 − y2 of the isolated
// column's equilibria, ascending: with y3 = y4 = y5 = 0, y0 = (A/a)·S(v),
// y1 = (A/a)·(μ + a2·J·S(a1·J·y0)), y2 = (B/b)·a4·J·S(a3·J·y0), so v solves
//
//	v = (A/a)·(μ + a2·J·S(a1·J·y0(v))) − (B/b)·a4·J·S(a3·J·y0(v)),
//
// found by scanning v over [−50, 50] mV and bisecting each sign change.
func (m *JansenRit) FixedPoints() []float64 {
	g := func(v float64) float64 {
		y0 := m.A / m.Ra * m.sigm(v)
		return m.A/m.Ra*(m.Mu+m.A2*m.J*m.sigm(m.A1*m.J*y0)) - m.B/m.Rb*m.A4*m.J*m.sigm(m.A3*m.J*y0) - v
	}
	var out []float64
	const step = 0.01
	for v := -50.0; v < 50; v += step {
		if g(v)*g(v+step) <= 0 && g(v) != 0 || g(v) == 0 {
			lo, _ := bisect(g, v, v+step)
			out = append(out, lo)
		}
	}
	return out
}

// Signal is y1 − y2.
func (*JansenRit) Signal(dst, x []float64, n int) {
	for i := 0; i < n; i++ {
		dst[i] = x[n+i] - x[2*n+i]
	}
}

// Ictal is y1 − y2.
func (j *JansenRit) Ictal(dst, x []float64, n int) { j.Signal(dst, x, n) }
