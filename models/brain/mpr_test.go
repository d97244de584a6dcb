package brain

import (
	"math"
	"testing"
)

// mprFixedPoints returns the roots r > 0 of the fixed-point condition of an
// isolated MPR node (τ = 1, I = 0): with V = −Δ/(2πr) from r' = 0, V' = 0
// becomes Δ²/(4π²) + η·r² + J·r³ − π²·r⁴ = 0; found by scanning and
// bisection, independently of the simulation.
func mprFixedPoints(delta, eta, j float64) []float64 {
	p := func(r float64) float64 {
		return delta*delta/(4*math.Pi*math.Pi) + eta*r*r + j*r*r*r - math.Pi*math.Pi*r*r*r*r
	}
	var roots []float64
	for r := 1e-4; r < 5; r += 1e-3 {
		if p(r)*p(r+1e-3) < 0 {
			lo, hi := bisect(p, r, r+1e-3)
			roots = append(roots, (lo+hi)/2)
		}
	}
	return roots
}

// TestMPRFixedPointsAndFocus: TVB's defaults (Δ 1, η −5, J 15) have three
// fixed points (low node, saddle, high focus). Simulated from near each
// stable one, an isolated node settles on the root of the quartic within
// 1e-6, and around the high focus its damped oscillation has the period
// 2π/ω of the linearisation: with trace 4V and det 4V² − 2r(J − 2π²r), the
// eigenvalues are 2V ± i·√(2r(2π²r − J)), so ω = √(2r(2π²r − J)). The
// period is measured between successive upward crossings of r*, within 1 %.
func TestMPRFixedPointsAndFocus(t *testing.T) {
	roots := mprFixedPoints(1, -5, 15)
	if len(roots) != 3 {
		t.Fatalf("fixed points %v, want 3 (bistable defaults)", roots)
	}
	for _, c := range []struct {
		r0, v0, want float64
	}{{0.05, -2, roots[0]}, {roots[2] * 1.05, -1 / (2 * math.Pi * roots[2]), roots[2]}} {
		m := NewMontbrioPazoRoxin()
		net := NewNetwork(NetworkConfig{Mass: m, Weights: []float64{0}, Dt: 0.001, Integrator: Heun, Coupling: Coupling{Kind: Linear},
			Initial: []float64{c.r0, c.v0}})
		var cross []float64
		prev := net.State()[0] - c.want
		for s := 1; s <= 200000; s++ { // 200 ms
			net.Step()
			d := net.State()[0] - c.want
			if prev < 0 && d >= 0 {
				cross = append(cross, float64(s)*0.001-0.001*d/(d-prev))
			}
			prev = d
		}
		if got := net.State()[0]; math.Abs(got-c.want) > 1e-6 {
			t.Errorf("from r = %v: settles at %v, root %v", c.r0, got, c.want)
		}
		if c.want == roots[2] {
			r := roots[2]
			omega := math.Sqrt(2 * r * (2*math.Pi*math.Pi*r - 15))
			want := 2 * math.Pi / omega
			if len(cross) < 3 {
				t.Fatalf("high focus: %d crossings", len(cross))
			}
			if got := cross[2] - cross[1]; math.Abs(got-want) > 0.01*want {
				t.Errorf("high focus: period %v ms, linearisation %v ms", got, want)
			}
		}
	}
}

// TestBalloonImpulse: the flow of the Balloon–Windkessel model is linear in
// the input, so an impulse of unit area at t = 0 gives exactly
// f(t) − 1 = e^(−κt/2)·sin(ωt)/ω with ω = √(γ − κ²/4) (s” + κs' + γs = 0 after
// the kick s(0+) = 1). Euler at h = 1 ms follows it within 1 % of its peak
// over 20 s; the BOLD signal peaks after the flow (whose peak, from the
// closed form, is at tan(ωt) = 2ω/κ: 1.87 s) and before 7 s (2.86 s here),
// and returns to within 1 % of its peak by 30 s.
func TestBalloonImpulse(t *testing.T) {
	b := NewBalloon(1)
	const h = 0.001
	omega := math.Sqrt(b.Gamma - b.Kappa*b.Kappa/4)
	var y [1]float64
	peak, tPeak, maxErr, fPeak := 0.0, 0.0, 0.0, 0.0
	for k := 0; k < 30000; k++ {
		x := 0.0
		if k == 0 {
			x = 1 / h
		}
		b.Step([]float64{x}, h)
		tk := float64(k+1) * h
		want := math.Exp(-b.Kappa*tk/2) * math.Sin(omega*tk) / omega
		if tk <= 20 {
			maxErr = max(maxErr, math.Abs(b.F[0]-1-want))
			fPeak = max(fPeak, math.Abs(want))
		}
		b.BOLD(y[:])
		if y[0] > peak {
			peak, tPeak = y[0], tk
		}
	}
	if maxErr > 0.01*fPeak {
		t.Errorf("flow: largest error %v against the closed form (peak %v)", maxErr, fPeak)
	}
	tFlow := math.Atan(2*omega/b.Kappa) / omega
	if tPeak <= tFlow || tPeak > 7 || math.Abs(y[0]) > 0.01*peak {
		t.Errorf("BOLD peak %v at %v s, %v at 30 s", peak, tPeak, y[0])
	}
}
