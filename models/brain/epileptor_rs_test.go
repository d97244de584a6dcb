package brain

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// cardanoReal returns the real root of x³ + p·x + q = 0 when it has one
// (4p³ + 27q² > 0), by Cardano's formula with real cube roots — a
// derivation independent of the models' bisection and Newton solvers.
func cardanoReal(p, q float64) float64 {
	d := math.Sqrt(q*q/4 + p*p*p/27)
	return math.Cbrt(-q/2+d) + math.Cbrt(-q/2-d)
}

// cubicReal returns the real root of a·x³ + b·x² + c·x + d = 0 (one real
// root assumed) by the substitution x = t − b/(3a) and cardanoReal.
func cubicReal(a, b, c, d float64) float64 {
	b, c, d = b/a, c/a, d/a
	p := c - b*b/3
	q := 2*b*b*b/27 - b*c/3 + d
	return cardanoReal(p, q) - b/3
}

// TestEpileptorRSFixedPoint: the resting state of an isolated Epileptor
// with resting-state oscillator (TVB's defaults, x0 = −2.4) against the
// fixed point derived by hand from the equations (EpileptorRestingState's
// doc) with Cardano's formula:
//
//   - x1 solves x1³ + 2x1² + 4x1 − (c + Iext + 4x0) = 0 (y1 = c − d·x1²,
//     z = 4(x1 − x0), x1 < 0 with a = 1, b = 3, d = 5);
//   - g = 0.1·x1, y2 = 0 (x2 < −0.25), x2 the root below −1/√3 of
//     −x2³ + x2 + Iext2 + bb·g − 0.3(z − 3.5) = 0 (one real root here);
//   - x_rs solves −f·x³ + e·x² + b_rs·x + a_rs = 0, i.e. −x³ + 3x² − 10x − 2
//     = 0 (α = β = γ = 1, I_rs = 0), y_rs = a_rs + b_rs·x_rs.
//
// Rest agrees within 1e-9 and the drift there vanishes (|f| < 1e-9).
func TestEpileptorRSFixedPoint(t *testing.T) {
	const x0 = -2.4
	x1 := cubicReal(1, 2, 4, -(1 + 3.1 + 4*x0))
	z := 4 * (x1 - x0)
	g := 0.1 * x1
	x2 := cubicReal(-1, 0, 1, 0.45+2*g-0.3*(z-3.5))
	xrs := cubicReal(-1, 3, -10, -2)
	want := []float64{x1, 1 - 5*x1*x1, z, x2, 0, g, xrs, -2 - 10*xrs}
	m := NewEpileptorRestingState([]float64{x0})
	x := make([]float64, 8)
	m.Rest(x, 1)
	names := m.VarNames()
	for k := range want {
		if math.Abs(x[k]-want[k]) > 1e-9 {
			t.Errorf("rest %s = %.12g, derived %.12g", names[k], x[k], want[k])
		}
	}
	f := make([]float64, 8)
	m.Drift(f, want, make([]float64, 3), 1)
	for k, v := range f {
		if math.Abs(v) > 1e-9 {
			t.Errorf("drift %s at the derived fixed point = %g, want 0", names[k], v)
		}
	}
}

// TestEpileptorRSFocus: the resting-state oscillator's equilibrium is a
// stable focus, and its damped oscillation has the period of the
// linearisation, derived here by hand: at (x*, y*) the Jacobian is
//
//	J = [ d·τ·(−3f·x*² + 2e·x*)   d·τ·α ]
//	    [ d·b_rs/τ                −d·β/τ ]
//
// with eigenvalues tr/2 ± iω, ω = √(det − tr²/4), period 2π/ω (≈ 99 ms
// with TVB's defaults: an alpha rhythm). Simulated with the network's Heun
// scheme (dt 0.01 ms, one uncoupled region, no noise) from x_rs* + 1e-4,
// the upward zero crossings of x_rs − x* are 2π/ω apart within 0.2 %, and
// the amplitude decays by e^(tr/2·T) per period within 2 %.
func TestEpileptorRSFocus(t *testing.T) {
	m := NewEpileptorRestingState([]float64{-2.4})
	xs := cubicReal(-1, 3, -10, -2)
	d, tau := m.DRs, m.TauRs
	j11 := d * tau * (-3*m.FRs*xs*xs + 2*m.ERs*xs)
	j12 := d * tau * m.AlphaRs
	j21 := d * m.BRs / tau
	j22 := -d * m.BetaRs / tau
	tr, det := j11+j22, j11*j22-j12*j21
	if det <= tr*tr/4 || tr >= 0 {
		t.Fatalf("tr %g det %g: not a stable focus", tr, det)
	}
	omega := math.Sqrt(det - tr*tr/4)
	period := 2 * math.Pi / omega
	t.Logf("x_rs* = %.6f, eigenvalues %.5f ± %.5fi /ms, period %.3f ms", xs, tr/2, omega, period)
	x := make([]float64, 8)
	m.Rest(x, 1)
	x[6] += 1e-4
	const dt = 0.01
	net := NewNetwork(NetworkConfig{Mass: m, Weights: []float64{0}, Dt: dt, Integrator: Heun, Coupling: Coupling{Kind: Linear}, Initial: x})
	var ups []float64
	var peaks []float64
	prev, prev2 := x[6]-xs, math.NaN()
	for s := 1; s <= int(4.5*period/dt); s++ {
		net.Step()
		v := net.State()[6] - xs
		if prev < 0 && v >= 0 {
			ups = append(ups, (float64(s-1)+prev/(prev-v))*dt)
		}
		if prev2 < prev && prev > v && prev > 0 {
			peaks = append(peaks, prev)
		}
		prev2, prev = prev, v
	}
	if len(ups) < 3 || len(peaks) < 3 {
		t.Fatalf("%d upward crossings, %d peaks in %.0f ms", len(ups), len(peaks), 4.5*period)
	}
	for k := 1; k < len(ups); k++ {
		if got := ups[k] - ups[k-1]; math.Abs(got-period)/period > 0.002 {
			t.Errorf("period %d: %.3f ms, linearisation %.3f ms", k, got, period)
		}
	}
	wantRatio := math.Exp(tr / 2 * period)
	for k := 1; k < len(peaks); k++ {
		if got := peaks[k] / peaks[k-1]; math.Abs(got-wantRatio)/wantRatio > 0.02 {
			t.Errorf("decay per period %d: %.5f, linearisation %.5f", k, got, wantRatio)
		}
	}
}

// TestEpileptorRSEpileptorPart: the first six variables follow the
// 6-variable Epileptor's equations exactly (TVB's epileptor_rs.py repeats
// epileptor.py's): for random states and couplings, the drift of x1…g is
// bit-identical to Epileptor's with the same parameters, and the
// oscillator's drift does not depend on them.
func TestEpileptorRSEpileptorPart(t *testing.T) {
	const n = 5
	rng := rand.New(rand.NewPCG(1, 2))
	x0 := []float64{-1.6, -2.1, -2.4, -1.9, -3}
	m := NewEpileptorRestingState(x0)
	m.Ks, m.Kf, m.Kvf = -0.2, 0.1, 0.3
	e := NewEpileptor(n)
	e.X0, e.Ks, e.Kf, e.Kvf = x0, -0.2, 0.1, 0.3
	x := make([]float64, 8*n)
	c := make([]float64, 3*n)
	for k := range x {
		x[k] = 4*rng.Float64() - 2
	}
	for k := range c {
		c[k] = rng.Float64() - 0.5
	}
	f, fe := make([]float64, 8*n), make([]float64, 6*n)
	m.Drift(f, x, c, n)
	e.Drift(fe, x[:6*n], c[:2*n], n)
	for k := range fe {
		if f[k] != fe[k] {
			t.Fatalf("drift[%d] = %v, Epileptor's %v", k, f[k], fe[k])
		}
	}
	// The oscillator's drift does not depend on x1…g: new random values
	// there leave f[6n:] unchanged bit for bit.
	x2 := slices.Clone(x)
	for k := range 6 * n {
		x2[k] = 4*rng.Float64() - 2
	}
	f2 := make([]float64, 8*n)
	m.Drift(f2, x2, c, n)
	if !slices.Equal(f2[6*n:], f[6*n:]) {
		t.Errorf("the oscillator's drift changed with the Epileptor's variables: %v, was %v", f2[6*n:], f[6*n:])
	}
	for i := 0; i < n; i++ {
		v, w := x[6*n+i], x[7*n+i]
		wantX := 0.02 * (w - v*v*v + 3*v*v + c[2*n+i])
		wantY := 0.02 * (-2 - 10*v - w)
		if math.Abs(f[6*n+i]-wantX) > 1e-15 || math.Abs(f[7*n+i]-wantY) > 1e-15 {
			t.Errorf("region %d: oscillator drift (%v, %v), want (%v, %v)", i, f[6*n+i], f[7*n+i], wantX, wantY)
		}
	}
}
