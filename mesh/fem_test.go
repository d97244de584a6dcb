package mesh

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/go-gl/mathgl/mgl64"
	"gonum.org/v1/gonum/mat"
)

// TestLumpedMass: the lumped mass sums to the exact area 2×1 mm² of the sheet,
// the exact volume 1×2×3 mm³ of the slab, and for the icosphere to the sum of its
// triangle areas, which lies below 4πr² (inscribed polyhedron) by less than 1 %.
func TestLumpedMass(t *testing.T) {
	sum := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s
	}
	if s := sum(LumpedMass(Sheet(2, 1, 7, 5))); math.Abs(s-2) > 1e-13 {
		t.Errorf("sheet mass %v, want 2", s)
	}
	if s := sum(LumpedMass(Slab(1, 2, 3, 3, 4, 5))); math.Abs(s-6) > 1e-13 {
		t.Errorf("slab mass %v, want 6", s)
	}
	sp := Sphere(1, 3)
	s := sum(LumpedMass(sp))
	if math.Abs(s-sp.TotalMeasure()) > 1e-12 || !(s < 4*math.Pi) || 4*math.Pi-s > 0.01*4*math.Pi {
		t.Errorf("sphere mass %v, want its area %v just below 4π", s, sp.TotalMeasure())
	}
}

// TestStiffnessPatch: K annihilates constants (zero row sums, to 1e-12 of the
// diagonal) and uᵀKu = ∫∇u·D∇u exactly for linear u = g·x: Σ_e |e|·gᵀD_e g,
// computed here from the conductivity definition, not from the assembly.
func TestStiffnessPatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// A sheet tilted into 3-D with jittered interior points and per-element fibres.
	sheet := Sheet(2, 1, 8, 5)
	rot := mgl64.HomogRotate3D(0.7, mgl64.Vec3{1, 2, 0.5}.Normalize()).Mat3()
	for i := range sheet.Points {
		p := sheet.Points[i]
		if p[0] > 0 && p[0] < 2 && p[1] > 0 && p[1] < 1 {
			p[0] += 0.05 * (rng.Float64() - 0.5)
			p[1] += 0.05 * (rng.Float64() - 0.5)
		}
		sheet.Points[i] = rot.Mul3x1(p)
	}
	sheet.Fibres = make([]mgl64.Vec3, sheet.NumCells())
	for e := range sheet.Fibres {
		a := rng.Float64() * math.Pi
		sheet.Fibres[e] = rot.Mul3x1(mgl64.Vec3{math.Cos(a), math.Sin(a), 0})
	}
	slab := Slab(1, 2, 1, 3, 4, 3)
	for i := range slab.Points {
		for k := 0; k < 3; k++ {
			slab.Points[i][k] += 0.02 * (rng.Float64() - 0.5)
		}
	}
	slab.Fibres = make([]mgl64.Vec3, slab.NumCells())
	slab.Sheets = make([]mgl64.Vec3, slab.NumCells())
	for e := range slab.Fibres {
		slab.Fibres[e] = mgl64.Vec3{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}.Normalize()
		slab.Sheets[e] = mgl64.Vec3{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
	}
	cases := []struct {
		name string
		m    *Mesh
		c    Conductivity
	}{
		{"sheet isotropic", sheet, Isotropic(0.1)},
		{"sheet anisotropic", sheet, TransverselyIsotropic(0.3, 0.05)},
		{"slab transversely isotropic", slab, TransverselyIsotropic(0.3, 0.05)},
		{"slab orthotropic", slab, Conductivity{0.3, 0.1, 0.02}},
	}
	g := mgl64.Vec3{0.3, -1.1, 0.7}
	for _, c := range cases {
		k, err := Stiffness(c.m, Uniform(c.c))
		if err != nil {
			t.Fatal(err)
		}
		n := len(c.m.Points)
		ones, r := make([]float64, n), make([]float64, n)
		for i := range ones {
			ones[i] = 1
		}
		k.MulVec(r, ones)
		for i, v := range r {
			if math.Abs(v) > 1e-12*k.At(i, i) {
				t.Fatalf("%s: row %d sums to %v", c.name, i, v)
			}
		}
		u := make([]float64, n)
		for i, p := range c.m.Points {
			u[i] = g.Dot(p)
		}
		k.MulVec(r, u)
		got := dot(u, r)
		want := 0.0
		for e := 0; e < c.m.NumCells(); e++ {
			want += math.Abs(c.m.Measure(e)) * quadForm(c.m, e, c.c, g)
		}
		if math.Abs(got-want) > 1e-12*want {
			t.Errorf("%s: uᵀKu = %.15g, want ∫∇u·D∇u = %.15g", c.name, got, want)
		}
	}
}

// quadForm returns gᵀD g on element e, building D from its definition.
func quadForm(m *Mesh, e int, c Conductivity, g mgl64.Vec3) float64 {
	if m.Kind == Triangle {
		cl := m.Cell(e)
		n := m.Points[cl[1]].Sub(m.Points[cl[0]]).Cross(m.Points[cl[2]].Sub(m.Points[cl[0]])).Normalize()
		gt := g.Sub(n.Mul(g.Dot(n))) // tangential gradient of u restricted to the element
		f := m.Fibres[e].Sub(n.Mul(m.Fibres[e].Dot(n))).Normalize()
		s := n.Cross(f)
		return c.Fibre*sq(gt.Dot(f)) + c.Sheet*sq(gt.Dot(s))
	}
	f := m.Fibres[e].Normalize()
	s := m.Sheets[e].Sub(f.Mul(m.Sheets[e].Dot(f))).Normalize()
	n := f.Cross(s)
	return c.Fibre*sq(g.Dot(f)) + c.Sheet*sq(g.Dot(s)) + c.Normal*sq(g.Dot(n))
}

func sq(x float64) float64 { return x * x }

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// TestSheetEigenvalue: on the 2×1 mm sheet with no-flux boundaries and fibres
// along x (D_l = 0.3, D_t = 0.05 mm²/ms), the Laplacian eigenvalues are
// λ = D_l(pπ/2)² + D_t(qπ)² (modes cos(pπx/2)·cos(qπy)). The smallest
// non-zero one of K u = λ M u is the (p, q) = (0, 1) mode, λ = 0.05·π² =
// 0.4935 (below (1, 0): 0.3·π²/4 = 0.7402). P1 with lumped mass
// converges at second order, so the error drops about 4× per halving of h.
func TestSheetEigenvalue(t *testing.T) {
	const dl, dt = 0.3, 0.05
	exact := math.Min(dt*math.Pi*math.Pi, dl*math.Pi*math.Pi/4)
	var errs []float64
	for _, n := range []int{4, 8, 16} {
		m := Sheet(2, 1, 2*n, n)
		m.Fibres = ProjectedFibres(m, mgl64.Vec3{1, 0, 0})
		k, err := Stiffness(m, Uniform(TransverselyIsotropic(dl, dt)))
		if err != nil {
			t.Fatal(err)
		}
		mass := LumpedMass(m)
		np := len(m.Points)
		a := mat.NewSymDense(np, nil)
		for i := 0; i < np; i++ {
			for p := k.RowPtr[i]; p < k.RowPtr[i+1]; p++ {
				j := int(k.ColIdx[p])
				a.SetSym(i, j, k.Val[p]/math.Sqrt(mass[i]*mass[j]))
			}
		}
		var eig mat.EigenSym
		if !eig.Factorize(a, false) {
			t.Fatal("eigendecomposition failed")
		}
		vals := eig.Values(nil)
		sort.Float64s(vals)
		if math.Abs(vals[0]) > 1e-10 {
			t.Errorf("n=%d: smallest eigenvalue %v, want 0 (constants)", n, vals[0])
		}
		errs = append(errs, math.Abs(vals[1]-exact))
		t.Logf("h=%g: λ1=%.6f exact %.6f error %.2e", 1/float64(n), vals[1], exact, errs[len(errs)-1])
	}
	if errs[len(errs)-1] > 5e-3*exact {
		t.Errorf("finest error %v above 0.5%% of %v", errs[len(errs)-1], exact)
	}
	for i := 1; i < len(errs); i++ {
		if r := errs[i-1] / errs[i]; r < 3.5 || r > 4.5 {
			t.Errorf("error ratio %v between refinements, want ≈4 (second order)", r)
		}
	}
}

// TestStiffnessErrors: anisotropy without fibres, orthotropy without sheets
// and degenerate elements are reported with the element index.
func TestStiffnessErrors(t *testing.T) {
	if _, err := Stiffness(Sheet(1, 1, 1, 1), Uniform(TransverselyIsotropic(1, 0.1))); err == nil {
		t.Error("anisotropic sheet without fibres: no error")
	}
	slab := Slab(1, 1, 1, 1, 1, 1)
	slab.Fibres = ProjectedFibres(slab, mgl64.Vec3{1, 0, 0})
	if _, err := Stiffness(slab, Uniform(Conductivity{1, 0.5, 0.1})); err == nil {
		t.Error("orthotropic slab without sheets: no error")
	}
	m := Sheet(1, 1, 1, 1)
	m.Points[3] = m.Points[1]
	if _, err := Stiffness(m, Uniform(Isotropic(1))); err == nil {
		t.Error("degenerate triangle: no error")
	}
}
