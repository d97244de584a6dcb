package brain

import (
	"context"
	"math"
	"testing"
)

// criticalX0 derives the excitability threshold of the isolated 2-D
// Epileptor numerically, independently of Threshold2D: for a given x0 it
// finds the equilibrium on the left branch (x1³ + 2x1² + 4x1 = 4.1 + 4x0,
// z = 4(x1 − x0), from the nullclines x1' = 0 and z' = 0) by bisection,
// takes the trace of the Jacobian of Epileptor2D.Drift there by central
// differences, and bisects x0 for the trace's zero crossing. The
// determinant r(3x1² + 4x1 + 4) is positive, so the trace alone decides
// stability (Hopf bifurcation).
func criticalX0(t *testing.T, r float64) float64 {
	trace := func(x0 float64) float64 {
		lo, hi := -5.0, 0.0
		for k := 0; k < 200; k++ {
			m := (lo + hi) / 2
			if m*m*m+2*m*m+4*m < 4.1+4*x0 {
				lo = m
			} else {
				hi = m
			}
		}
		x1 := (lo + hi) / 2
		z := 4 * (x1 - x0)
		e := NewEpileptor2D(1)
		e.R, e.X0[0] = r, x0
		f := func(x []float64) []float64 {
			d := make([]float64, 2)
			e.Drift(d, x, []float64{0}, 1)
			return d
		}
		const h = 1e-6
		dxx := (f([]float64{x1 + h, z})[0] - f([]float64{x1 - h, z})[0]) / (2 * h)
		dzz := (f([]float64{x1, z + h})[1] - f([]float64{x1, z - h})[1]) / (2 * h)
		return dxx + dzz
	}
	lo, hi := -3.0, -1.5 // trace < 0 at lo (stable), > 0 at hi
	if trace(lo) >= 0 || trace(hi) <= 0 {
		t.Fatalf("trace does not change sign on [%v, %v]", lo, hi)
	}
	for k := 0; k < 100; k++ {
		m := (lo + hi) / 2
		if trace(m) < 0 {
			lo = m
		} else {
			hi = m
		}
	}
	return (lo + hi) / 2
}

// seizes reports whether a lone region of mass, started at rest, has x1
// above 0 (the right branch: a seizure) within duration ms.
func seizes(t *testing.T, mass NeuralMass, duration float64) bool {
	net := NewNetwork(NetworkConfig{Mass: mass, Weights: []float64{0}, Dt: 0.05, Integrator: Heun, Coupling: Coupling{Kind: Difference}})
	steps := int(duration / 0.05)
	for s := 0; s < steps; s++ {
		net.Step()
		if net.State()[0] > 0 {
			return true
		}
	}
	if err := net.Diverged(nil); err != nil {
		t.Fatal(err)
	}
	return false
}

// TestThreshold: the isolated Epileptor rests below the threshold x0* of
// the nullcline analysis and seizes above it.
func TestThreshold(t *testing.T) {
	const r = 0.00035 // TVB default
	xc := criticalX0(t, r)
	// Closed form (Threshold2D): x1* = (−4 − √(16 − 12r))/6, x0* = (x1*³ + 2x1*² + 4x1* − 4.1)/4;
	// at r → 0, x1* = −4/3 and x0* = (−64/27 + 32/9 − 16/3 − 4.1)/4 = −2.06204 (TVB docs: ≈ −2.05).
	if d := math.Abs(xc - Threshold2D(4.1, r)); d > 1e-7 {
		t.Errorf("numerical threshold %.9f, closed form %.9f", xc, Threshold2D(4.1, r))
	}
	if math.Abs(Threshold2D(4.1, 0)-(-64.0/27+32.0/9-16.0/3-4.1)/4) > 1e-12 {
		t.Errorf("Threshold2D(4.1, 0) = %v", Threshold2D(4.1, 0))
	}
	t.Logf("x0* = %.6f at r = %v", xc, r)
	cases := []struct {
		name   string
		margin float64 // distance from x0*
		mass   func(x0 float64) NeuralMass
	}{
		// The 2-D model is the one analysed: a margin of 0.01 suffices.
		{"2D", 0.01, func(x0 float64) NeuralMass { e := NewEpileptor2D(1); e.R, e.X0[0] = r, x0; return e }},
		// The 6-D model reduces to it when y1 is at equilibrium (y1 = 1 − 5x1²,
		// time constant 1 ms ≪ 1/r): the same threshold to within 0.03.
		{"6D", 0.03, func(x0 float64) NeuralMass { e := NewEpileptor(1); e.R, e.X0[0] = r, x0; return e }},
	}
	for _, tc := range cases {
		if seizes(t, tc.mass(xc-tc.margin), 6000) {
			t.Errorf("%s: x0 = x0* − %v seizes; expected rest", tc.name, tc.margin)
		}
		if !seizes(t, tc.mass(xc+tc.margin), 6000) {
			t.Errorf("%s: x0 = x0* + %v rests; expected a seizure", tc.name, tc.margin)
		}
	}
}

// TestRecurrenceScalesWithTau0: the seizure period of an isolated,
// periodically seizing Epileptor is set by the slow variable z, which moves
// at rate r along the slow manifold between the fold points: the period is
// ∝ τ0 = 1/r (Jirsa et al. 2014). Halving r must double the period.
func TestRecurrenceScalesWithTau0(t *testing.T) {
	period := func(r float64) float64 {
		e := NewEpileptor(1)
		e.R, e.X0[0] = r, -1.6
		net := NewNetwork(NetworkConfig{Mass: e, Weights: []float64{0}, Dt: 0.05, Integrator: Heun, Coupling: Coupling{Kind: Difference}})
		m := &TemporalAverage{Observe: e.Ictal, Period: 20}
		steps := int(5.5 / r / 0.05) // about 4 periods
		if err := Simulate(context.Background(), net, steps, nil, m); err != nil {
			t.Fatal(err)
		}
		sz := Detector{On: -0.5, Off: -1, Window: 20}.Detect(m.Times, m.Values, 1)
		p := Periods(sz[0])
		if len(p) < 3 {
			t.Fatalf("r = %v: %d seizures, want ≥ 4", r, len(sz[0]))
		}
		// Mean of the periods after the first seizure (the first starts from rest).
		var s float64
		for _, v := range p[1:] {
			s += v
		}
		return s / float64(len(p)-1)
	}
	for _, r := range []float64{0.00035, 0.0002} {
		p1, p2 := period(r), period(r/2)
		ratio := p2 / p1
		t.Logf("r %v: period %.1f ms (r·T = %.3f); r/2: %.1f ms; ratio %.3f", r, p1, r*p1, p2, ratio)
		// Tolerance 5 %: the fast subsystem adds time not scaled by r.
		if math.Abs(ratio-2) > 0.1 {
			t.Errorf("r %v: period ratio %.3f, want 2 ± 0.1", r, ratio)
		}
	}
}
