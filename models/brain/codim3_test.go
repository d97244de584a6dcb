package brain

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"sort"
	"testing"
)

// cubicRoots returns the real roots of x³ − μ2·x − μ1 = 0 in [−3, 3],
// ascending, by scanning for sign changes and bisecting (bisect;
// independent of RestingX's Cardano formula).
func cubicRoots(mu1, mu2 float64) []float64 {
	f := func(x float64) float64 { return x*x*x - mu2*x - mu1 }
	var out []float64
	const step = 1e-3
	for a := -3.0; a < 3; a += step {
		if f(a)*f(a+step) > 0 {
			continue
		}
		lo, hi := bisect(f, a, a+step)
		out = append(out, (lo+hi)/2)
	}
	sort.Float64s(out)
	return out
}

// TestCodim3RestingX: where x³ − μ2·x − μ1 has three real roots, TVB's
// branches are N = 1 the largest root, N = 2 the smallest and N = 3 the
// middle one (found by bisection), within 1e-9; the points are TVB's
// default start and stop points and two others inside the cusp
// 27μ1² < 4μ2³.
func TestCodim3RestingX(t *testing.T) {
	for _, c := range []struct{ mu1, mu2 float64 }{{-0.02285, 0.3448}, {-0.07465, 0.3351 + 1e-3}, {0.05, 0.5}, {0, 0.2}} {
		r := cubicRoots(c.mu1, c.mu2)
		if len(r) != 3 {
			t.Fatalf("μ1 %g μ2 %g: %d roots %v", c.mu1, c.mu2, len(r), r)
		}
		for branch, want := range map[int]float64{1: r[2], 2: r[0], 3: r[1]} {
			if got := RestingX(c.mu1, c.mu2, branch); math.Abs(got-want) > 1e-9 {
				t.Errorf("μ1 %g μ2 %g branch %d: x_s = %.12f, root %.12f", c.mu1, c.mu2, branch, got, want)
			}
		}
	}
}

// TestCodim3Path: TVB's default path (class c2s) starts and ends on the
// sphere of radius R = 0.4 (|A|, |B| = 0.4 within the 4 published digits),
// its stop point B lies on the saddle-node curve 4μ2³ = 27μ1² of the
// resting state (the onset bifurcation: the discriminant of x³ − μ2·x − μ1
// vanishes, within 0.2 % for the published digits), and the arc reaches B
// at z_B = ∠(A, B): (μ2, −μ1, ν)(z_B) = B within 1e-3.
func TestCodim3Path(t *testing.T) {
	m := NewEpileptorCodim3()
	a := [3]float64{m.Mu2Start, -m.Mu1Start, m.NuStart}
	b := [3]float64{m.Mu2Stop, -m.Mu1Stop, m.NuStop}
	for _, p := range [][3]float64{a, b} {
		if got := norm3(p); math.Abs(got-0.4) > 2e-4 {
			t.Errorf("|%v| = %v, want R = 0.4", p, got)
		}
	}
	if sn, sq := 4*math.Pow(m.Mu2Stop, 3), 27*m.Mu1Stop*m.Mu1Stop; math.Abs(sn-sq)/sq > 2e-3 {
		t.Errorf("stop point: 4μ2³ = %v, 27μ1² = %v: not on the saddle-node curve", sn, sq)
	}
	zb := math.Acos((a[0]*b[0] + a[1]*b[1] + a[2]*b[2]) / (norm3(a) * norm3(b)))
	e, f := m.unit()
	for k := 0; k < 3; k++ {
		if got := m.R * (e[k]*math.Cos(zb) + f[k]*math.Sin(zb)); math.Abs(got-b[k]) > 1e-3 {
			t.Errorf("arc at z_B = %.4f: component %d = %v, B has %v", zb, k, got, b[k])
		}
	}
}

// TestCodim3Focus: with the slow variable frozen (c = 0) at the start
// point, the resting state (x_s, 0) is a stable focus of the fast subsystem,
// and a small perturbation decays in a damped oscillation whose half period
// is π/ω from the Jacobian derived by hand at (x_s, 0):
//
//	J = [ 0              −1               ]
//	    [ 3x_s² − μ2     −(ν + b·x_s + x_s²) ]
//
// eigenvalues tr/2 ± iω, ω = √(det − tr²/4). Simulated with the network's
// Heun scheme (dt 0.001), the zero crossings of y are π/ω apart within
// 0.1 %.
func TestCodim3Focus(t *testing.T) {
	m := NewEpileptorCodim3()
	m.C = 0
	mu1, mu2, nu := m.Mu1Start, m.Mu2Start, m.NuStart // z = 0: (μ2, −μ1, ν) = R·A/|A| ≈ A (|A| = R)
	scale := m.R / math.Sqrt(mu2*mu2+mu1*mu1+nu*nu)
	mu1, mu2, nu = mu1*scale, mu2*scale, nu*scale
	xs := cubicRoots(mu1, mu2)[2]
	tr := -(nu + m.B*xs + xs*xs)
	det := 3*xs*xs - mu2
	if det <= tr*tr/4 || tr >= 0 {
		t.Fatalf("tr %g det %g: not a stable focus", tr, det)
	}
	half := math.Pi / math.Sqrt(det-tr*tr/4)
	t.Logf("x_s = %.6f, eigenvalues %.4f ± %.4fi, half period %.4f", xs, tr/2, math.Sqrt(det-tr*tr/4), half)
	x := make([]float64, 3)
	m.Rest(x, 1)
	if math.Abs(x[0]-xs) > 1e-9 {
		t.Fatalf("rest x = %v, largest root %v", x[0], xs)
	}
	x[0] += 1e-3
	const dt = 0.001
	net := NewNetwork(NetworkConfig{Mass: m, Weights: []float64{0}, Dt: dt, Integrator: Heun, Coupling: Coupling{Kind: Linear}, Initial: x})
	var zeros []float64
	prev := x[1]
	for s := 1; s <= int(3.5*half/dt); s++ {
		net.Step()
		v := net.State()[1]
		if prev != 0 && (prev < 0) != (v < 0) {
			zeros = append(zeros, (float64(s-1)+prev/(prev-v))*dt)
		}
		prev = v
	}
	if len(zeros) < 3 {
		t.Fatalf("%d zero crossings of y", len(zeros))
	}
	for k := 1; k < len(zeros); k++ {
		if got := zeros[k] - zeros[k-1]; math.Abs(got-half)/half > 1e-3 {
			t.Errorf("half period %d: %.4f, linearisation %.4f", k, got, half)
		}
	}
}

// TestCodim3Burster: an isolated region with TVB's defaults (class c2s)
// bursts. Starting at rest at z = 0, it stays near x_s while z grows at
// z' = c·(d* − 0.1(z − 0.5)⁷) (the slow equation with the distance from rest
// ≈ 0), so the time z takes from 0.02 to z_B − 0.02 (z_B = ∠(A, B), the
// saddle-node onset point) is the integral of dz / (c·(d* − 0.1(z −
// 0.5)⁷)), computed here by Simpson's rule: the simulated time agrees
// within 1 %. Then the region leaves rest (distance > d*) once z has passed
// z_B (by less than 0.03), and z comes back below 0.02 (near the offset
// point A): the seizure ends and the cycle repeats.
func TestCodim3Burster(t *testing.T) {
	m := NewEpileptorCodim3()
	a := [3]float64{m.Mu2Start, -m.Mu1Start, m.NuStart}
	b := [3]float64{m.Mu2Stop, -m.Mu1Stop, m.NuStop}
	zb := math.Acos((a[0]*b[0] + a[1]*b[1] + a[2]*b[2]) / (norm3(a) * norm3(b)))
	z1, z2 := 0.02, zb-0.02
	rate := func(z float64) float64 { return 1 / (m.C * (m.Dstar - 0.1*math.Pow(z-0.5, 7))) }
	const k = 200
	h := (z2 - z1) / k
	want := rate(z1) + rate(z2)
	for i := 1; i < k; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		want += w * rate(z1+float64(i)*h)
	}
	want *= h / 3
	x := make([]float64, 3)
	m.Rest(x, 1)
	const dt = 0.05
	net := NewNetwork(NetworkConfig{Mass: m, Weights: []float64{0}, Dt: dt, Integrator: Heun, Coupling: Coupling{Kind: Linear}, Initial: x})
	var t1, t2, tOn, zOn, zMax float64
	tOff := -1.0
	ict := make([]float64, 1)
	for s := 1; s <= int(2000/dt); s++ {
		net.Step()
		st := net.State()
		tt, z := float64(s)*dt, st[2]
		zMax = max(zMax, z)
		switch {
		case t1 == 0 && z >= z1:
			t1 = tt
		case t2 == 0 && z >= z2:
			t2 = tt
		}
		m.Ictal(ict, st, 1)
		if tOn == 0 && ict[0] > -0.5 { // the distance from rest exceeds d*
			tOn, zOn = tt, z
		}
		if tOn > 0 && tOff < 0 && z < z1 {
			tOff = tt
		}
	}
	t.Logf("z_B = %.4f; z from %.2f to %.4f in %.1f (integral %.1f); onset at t %.1f, z %.4f; z back below %.2f at t %.1f; max z %.4f", zb, z1, z2, t2-t1, want, tOn, zOn, z1, tOff, zMax)
	if t2 == 0 || math.Abs((t2-t1)-want)/want > 0.01 {
		t.Errorf("rest phase: %.1f time units, slow-equation integral %.1f", t2-t1, want)
	}
	if tOn == 0 || zOn < zb || zOn > zb+0.03 {
		t.Errorf("onset at z = %v, want just past z_B = %v", zOn, zb)
	}
	if tOff < 0 {
		t.Errorf("z did not come back below %v after the onset: no offset", z1)
	}
}

// TestCodim3SlowModStart: at uA = uB = 0 the slow-modulation model is the
// codimension-3 Epileptor on the path from Ain to Bin (the same drift of x,
// y, z within 1e-15), and uA, uB move at cA, cB.
func TestCodim3SlowModStart(t *testing.T) {
	s := NewEpileptorCodim3SlowMod()
	m := NewEpileptorCodim3()
	m.Mu1Start, m.Mu2Start, m.NuStart, m.Mu1Stop, m.Mu2Stop, m.NuStop = s.Mu1Ain, s.Mu2Ain, s.NuAin, s.Mu1Bin, s.Mu2Bin, s.NuBin
	m.C = s.C
	for _, st := range [][3]float64{{0.5, 0.01, 0.05}, {-0.3, 0.2, 0.1}, {0.1, -0.4, -0.2}} {
		xs := []float64{st[0], st[1], st[2], 0, 0}
		f5, f3 := make([]float64, 5), make([]float64, 3)
		s.Drift(f5, xs, []float64{0.3}, 1)
		m.Drift(f3, xs[:3], []float64{0.3}, 1)
		for k := 0; k < 3; k++ {
			if math.Abs(f5[k]-f3[k]) > 1e-15 {
				t.Errorf("state %v: drift[%d] %v, codim-3 %v", st, k, f5[k], f3[k])
			}
		}
		if f5[3] != s.CA || f5[4] != s.CB {
			t.Errorf("uA', uB' = %v, %v, want %v, %v", f5[3], f5[4], s.CA, s.CB)
		}
	}
}

// restingXComplex is TVB's formula for x_s as written (epileptorcodim3.py):
// complex square root, principal complex cube roots, real part.
func restingXComplex(mu1, mu2 float64, branch int) float64 {
	d := cmplx.Sqrt(complex(mu1*mu1/4-mu2*mu2*mu2/27, 0))
	u := cmplx.Pow(complex(mu1/2, 0)+d, 1.0/3)
	v := cmplx.Pow(complex(mu1/2, 0)-d, 1.0/3)
	s3 := complex(0, math.Sqrt(3))
	switch branch {
	case 2:
		return real(-0.5*(1-s3)*u - 0.5*(1+s3)*v)
	case 3:
		return real(-0.5*(1+s3)*u - 0.5*(1-s3)*v)
	}
	return real(u + v)
}

// TestRestingXCardano: RestingX's real arithmetic gives TVB's complex
// formula (restingXComplex) within 1e-12 on every branch, for 10,000 points
// (μ1, μ2) in [−0.5, 0.5]² (about half of them with one real root, D > 0,
// where the value is TVB's real part and not a root), and at μ1 = 0.
func TestRestingXCardano(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for k := 0; k < 10000; k++ {
		mu1, mu2 := rng.Float64()-0.5, rng.Float64()-0.5
		if k%100 == 0 {
			mu1 = 0
		}
		for br := 1; br <= 3; br++ {
			got, want := RestingX(mu1, mu2, br), restingXComplex(mu1, mu2, br)
			if math.Abs(got-want) > 1e-12 {
				t.Fatalf("μ1 %v μ2 %v branch %d: %v, complex formula %v", mu1, mu2, br, got, want)
			}
		}
	}
}

func BenchmarkRestingX(b *testing.B) {
	for i := 0; i < b.N; i++ {
		RestingX(-0.02285, 0.3448, 1)
	}
}
