package analysis

import (
	"math"
	"testing"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
)

// rampV returns the potential of a planar front along x on mesh m: Vp
// behind (x ≤ a), Vr ahead (x ≥ b) and linear in between, so its P1
// interpolant is exact when a and b are node coordinates.
func rampV(m *mesh.Mesh, a, b, vp, vr float64) []float64 {
	v := make([]float64, len(m.Points))
	for i, p := range m.Points {
		switch x := p[0]; {
		case x <= a:
			v[i] = vp
		case x >= b:
			v[i] = vr
		default:
			v[i] = vp + (vr-vp)*(x-a)/(b-a)
		}
	}
	return v
}

// rectPotential is ∫_{u1}^{u2}∫_{v1}^{v2} du dv / √(d² + u² + v²), the
// potential of a uniformly charged rectangle at height d over the point
// u = v = 0, by its antiderivative (differentiate to check; the test
// below also checks it against a midpoint sum)
//
//	F(u, v) = u·asinh(v/√(u²+d²)) + v·asinh(u/√(v²+d²)) − |d|·atan(u·v/(|d|·√(u²+v²+d²))).
func rectPotential(d, u1, u2, v1, v2 float64) float64 {
	d = math.Abs(d)
	f := func(u, v float64) float64 {
		r := math.Sqrt(u*u + v*v + d*d)
		s := u*math.Asinh(v/math.Sqrt(u*u+d*d)) + v*math.Asinh(u/math.Sqrt(v*v+d*d))
		if d > 0 {
			s -= d * math.Atan(u*v/(d*r))
		}
		return s
	}
	return f(u2, v2) - f(u1, v2) - f(u2, v1) + f(u1, v1)
}

func TestRectPotential(t *testing.T) {
	// Independent check: a 2000×2000 midpoint sum (error O(h²) ≈ 1e-7 here).
	d, u1, u2, v1, v2 := 0.7, -1.0, 2.0, -0.5, 1.5
	n := 2000
	du, dv := (u2-u1)/float64(n), (v2-v1)/float64(n)
	s := 0.0
	for i := range n {
		u := u1 + (float64(i)+0.5)*du
		for j := range n {
			v := v1 + (float64(j)+0.5)*dv
			s += du * dv / math.Sqrt(d*d+u*u+v*v)
		}
	}
	if got := rectPotential(d, u1, u2, v1, v2); math.Abs(got-s) > 1e-6*s {
		t.Fatalf("closed form %.9g, midpoint sum %.9g", got, s)
	}
}

// TestLeadFieldPlanarWave compares the unipolar electrogram of a planar
// front in a slab (tetrahedra) and on a sheet (triangles with a wall
// thickness) with the closed form of the Gima–Rudy integral.
//
// Derivation. With isotropic σ and V_m depending on x only, ∇V_m = g·e_x
// with g = (Vr − Vp)/(b − a) on the ramp a < x < b and 0 elsewhere, so
//
//	φ_e(p) = −σ·g/(4π·σ_b) · ∫_ramp ∂/∂y₁ (1/|p − y|) dy
//	       = −σ·g/(4π·σ_b) · ∫_cross-section [1/|p − (b, y₂, y₃)| − 1/|p − (a, y₂, y₃)|] dy₂ dy₃,
//
// the x-integral being exact. On the slab [0,Lx]×[0,Ly]×[0,Lz] the
// cross-section integral is rectPotential over the rectangle [0,Ly]×[0,Lz]
// at distance b − p₁ (resp. a − p₁) from the electrode. On the sheet
// (z = 0, wall W, tissue lumped on the mid-surface as LeadField does) it is
// W·∫_0^Ly dy₂/√(c² + (y₂ − p₂)²) = W·[asinh((y₂ − p₂)/c)]_0^Ly with
// c² = (b − p₁)² + p₃². The P1 interpolant of the ramp is exact (a and b on
// nodes), so the difference is the lead field's quadrature alone; the
// tolerance, 0.3 % of the largest |φ_e| of the sweep (measured: ≤ 0.1 %), is what the 5-diameter
// centroid rule with subdivision nearer is designed for.
func TestLeadFieldPlanarWave(t *testing.T) {
	const (
		sigma, sb  = 0.3, 0.7 // mS/mm
		vp, vr     = 20.0, -80.0
		rampW      = 1.0 // mm
		lx, ly, lz = 12.0, 6.0, 1.0
	)
	iso := func(int) mesh.Conductivity { return mesh.Isotropic(sigma) }
	for _, tc := range []struct {
		name string
		m    *mesh.Mesh
		wall float64
		h    float64 // electrode height over the top surface
	}{
		{"slab", mesh.Slab(lx, ly, lz, 48, 24, 4), 0, 1.0},
		{"sheet", mesh.Sheet(lx, ly, 48, 24), 0.5, 1.0},
		{"sheet-near", mesh.Sheet(lx, ly, 48, 24), 0.5, 0.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top := lz
			if tc.m.Kind == mesh.Triangle {
				top = 0
			}
			els := []Electrode{
				{"centre", mgl64.Vec3{6, 3, top + tc.h}},
				{"offset", mgl64.Vec3{4.1, 1.7, top + tc.h}},
				{"far", mgl64.Vec3{6, 3, top + 8}},
			}
			lf, err := NewLeadField(tc.m, iso, els, EGMOptions{BathSigma: sb, WallMM: tc.wall})
			if err != nil {
				t.Fatal(err)
			}
			g := (vr - vp) / rampW
			phi := make([]float64, len(els))
			for k, el := range els {
				p := el.Position
				var want []float64
				var got []float64
				for a := 1.0; a+rampW <= lx-1; a += 0.5 {
					b := a + rampW
					var cross float64
					if tc.m.Kind == mesh.Tetrahedron {
						cross = rectPotential(b-p[0], -p[1], ly-p[1], -p[2], lz-p[2]) - rectPotential(a-p[0], -p[1], ly-p[1], -p[2], lz-p[2])
					} else {
						line := func(x float64) float64 {
							c := math.Hypot(x-p[0], p[2])
							return math.Asinh((ly-p[1])/c) - math.Asinh(-p[1]/c)
						}
						cross = tc.wall * (line(b) - line(a))
					}
					want = append(want, -sigma*g/(4*math.Pi*sb)*cross)
					lf.Potentials(phi, rampV(tc.m, a, b, vp, vr))
					got = append(got, phi[k])
				}
				peak := 0.0
				for _, w := range want {
					peak = max(peak, math.Abs(w))
				}
				for i := range want {
					if math.Abs(got[i]-want[i]) > 0.003*peak {
						t.Errorf("%s, front %d: φ_e %.6g mV, closed form %.6g mV (peak %.4g)", el.Name, i, got[i], want[i], peak)
					}
				}
			}
		})
	}
}

// TestLeadFieldUniform checks that a uniform potential gives no signal (rows
// of the lead field sum to zero up to float32 rounding).
func TestLeadFieldUniform(t *testing.T) {
	m := mesh.Slab(4, 3, 1, 8, 6, 2)
	lf, err := NewLeadField(m, mesh.Uniform(mesh.TransverselyIsotropic(0.3, 0.06)), []Electrode{{"a", mgl64.Vec3{2, 1.5, 1.5}}},
		EGMOptions{})
	if err == nil {
		t.Fatal("anisotropic σ on a mesh without fibres accepted")
	}
	m.Fibres = mesh.ProjectedFibres(m, mgl64.Vec3{1, 0, 0})
	lf, err = NewLeadField(m, mesh.Uniform(mesh.TransverselyIsotropic(0.3, 0.06)), []Electrode{{"a", mgl64.Vec3{2, 1.5, 1.5}}},
		EGMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float64, len(m.Points))
	for i := range v {
		v[i] = -80
	}
	phi := []float64{0}
	lf.Potentials(phi, v)
	scale := 0.0
	for _, w := range lf.Weights(0) {
		scale += math.Abs(float64(w)) * 80
	}
	if math.Abs(phi[0]) > 1e-6*scale {
		t.Fatalf("uniform −80 mV gives %g mV (scale %g)", phi[0], scale)
	}
}

// TestEGMActivations checks the steepest-slope detector on a synthetic
// deflection φ(t) = −tanh((t − t₀)/τ) sampled every 1 ms: its steepest
// slope is at t₀ exactly.
func TestEGMActivations(t *testing.T) {
	var ts, phi []float64
	for k := 0; k <= 300; k++ {
		tm := float64(k)
		ts = append(ts, tm)
		phi = append(phi, -math.Tanh((tm-40.3)/2)-0.2*math.Tanh((tm-150)/8)-math.Tanh((tm-220.7)/2))
	}
	got := EGMActivations(ts, phi, 0.5, 50)
	want := []float64{40.3, 220.7} // the far-field deflection at 150 is 0.2/8 ÷ 1/2 = 5 % as steep: ignored
	if len(got) != len(want) {
		t.Fatalf("activations %v, want %v", got, want)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 0.5 {
			t.Errorf("activation %d at %g ms, want %g ± 0.5 (half a sample)", i, got[i], want[i])
		}
	}
	if EGMActivations(ts[:2], phi[:2], 0.5, 50) != nil {
		t.Error("two samples gave activations")
	}
}

// BenchmarkLeadField builds the lead field of 64 electrodes 1 mm over a
// 100,489-node sheet (200,704 triangles), and samples it once.
func BenchmarkLeadField(b *testing.B) {
	m := mesh.Sheet(31.6, 31.6, 316, 316)
	var els []Electrode
	for j := range 8 {
		for i := range 8 {
			els = append(els, Electrode{"e", mgl64.Vec3{4 + 3.4*float64(i), 4 + 3.4*float64(j), 1}})
		}
	}
	iso := mesh.Uniform(mesh.Isotropic(0.3))
	var lf *LeadField
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			var err error
			if lf, err = NewLeadField(m, iso, els, EGMOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sample", func(b *testing.B) {
		v := rampV(m, 10, 11, 20, -80)
		phi := make([]float64, len(els))
		for b.Loop() {
			lf.Potentials(phi, v)
		}
	})
}

// TestLeadFieldFarFieldDipole checks the pseudo-ECG regime: far from the
// tissue the Gima–Rudy integral of a planar front tends to the potential
// of its current dipole p = −∫σ∇V_m dV = −σ·g·(b − a)·Ly·Lz·e_x at the
// ramp's centroid c, φ = p·(x − c)/(4π·σ_b·|x − c|³). At 100 mm from a
// source 6 mm across the next (quadrupole) term is O((3/100)²) relative;
// the tolerance is 1 %.
func TestLeadFieldFarFieldDipole(t *testing.T) {
	const sigma, sb, vp, vr = 0.3, 1.0, 20.0, -80.0
	m := mesh.Slab(12, 6, 1, 24, 12, 2)
	a, b := 5.0, 6.0
	c := mgl64.Vec3{(a + b) / 2, 3, 0.5}
	g := (vr - vp) / (b - a)
	px := -sigma * g * (b - a) * 6 * 1
	for _, x := range []mgl64.Vec3{c.Add(mgl64.Vec3{100, 0, 0}), c.Add(mgl64.Vec3{-100, 0, 0}), c.Add(mgl64.Vec3{60, 80, 0})} {
		lf, err := NewLeadField(m, func(int) mesh.Conductivity { return mesh.Isotropic(sigma) }, []Electrode{{"far", x}}, EGMOptions{BathSigma: sb})
		if err != nil {
			t.Fatal(err)
		}
		phi := []float64{0}
		lf.Potentials(phi, rampV(m, a, b, vp, vr))
		r := x.Sub(c)
		want := px * r[0] / (4 * math.Pi * sb * math.Pow(r.Len(), 3))
		if math.Abs(phi[0]-want) > 0.01*math.Abs(want) {
			t.Errorf("at %v: φ %.6g mV, dipole %.6g mV", x, phi[0], want)
		}
	}
}
