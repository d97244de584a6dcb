package mesh

import (
	"fmt"
	"math"

	"github.com/go-gl/mathgl/mgl64"
)

// Conductivity gives the diffusion (or conductivity) tensor of one element
// in its local frame: Fibre along the fibre f, Sheet along the sheet s
// (for triangles: the in-plane cross-fibre direction), Normal along f×s
// (tetrahedra only). Units are those of the caller, typically mm²/ms.
// With Sheet == Normal the tensor is transversely isotropic,
//
//	D = Sheet·I + (Fibre − Sheet)·f·fᵀ,
//
// and no sheet vector is needed; otherwise D = Fibre·f·fᵀ + Sheet·s·sᵀ + Normal·n·nᵀ.
type Conductivity struct {
	Fibre, Sheet, Normal float64
}

// Isotropic returns the conductivity d in every direction.
func Isotropic(d float64) Conductivity { return Conductivity{d, d, d} }

// TransverselyIsotropic returns d along the fibre and dt across it.
func TransverselyIsotropic(d, dt float64) Conductivity { return Conductivity{d, dt, dt} }

// Uniform returns a conductivity field that is c on every element.
func Uniform(c Conductivity) func(e int) Conductivity {
	return func(int) Conductivity { return c }
}

// LumpedMass returns the row-sum lumped P1 mass matrix as a vector (one
// entry per point): each element gives a third of its area (triangles, mm²)
// or a quarter of its volume (tetrahedra, mm³) to each of its nodes. The
// entries sum to the mesh area or volume.
func LumpedMass(m *Mesh) []float64 {
	mass := make([]float64, len(m.Points))
	k := float64(m.Kind)
	for e := 0; e < m.NumCells(); e++ {
		w := math.Abs(m.Measure(e)) / k
		for _, v := range m.Cell(e) {
			mass[v] += w
		}
	}
	return mass
}

// Stiffness assembles the P1 stiffness matrix
//
//	K_ij = Σ_e ∫_e ∇φ_i · D_e ∇φ_j dx
//
// of the anisotropic diffusion operator −∇·(D∇u) on m, with natural (no-flux)
// boundaries. K is symmetric positive semi-definite with zero row sums; the
// monodomain semi-discretisation is M·dV/dt = −K·V + … .
//
// cond gives the conductivity of each element. For triangles (surfaces in 3-D)
// the fibre of element e is m.Fibres[e] projected onto the element's plane and
// normalised; D acts in the tangent plane. For tetrahedra a sheet m.Sheets[e]
// (made orthogonal to the fibre) is needed when Sheet ≠ Normal. Fibres are
// needed only when some element is anisotropic. Errors name the element.
func Stiffness(m *Mesh, cond func(e int) Conductivity) (*CSR, error) {
	a := nodePattern(m)
	k := int(m.Kind)
	var g [4]mgl64.Vec3
	var ke [16]float64
	for e := 0; e < m.NumCells(); e++ {
		c := m.Cell(e)
		d := cond(e)
		vol, err := elementGradients(m, e, c, g[:k])
		if err != nil {
			return nil, err
		}
		var f, s mgl64.Vec3
		aniso := d.Fibre != d.Sheet || (m.Kind == Tetrahedron && d.Sheet != d.Normal)
		if aniso {
			if m.Fibres == nil {
				return nil, fmt.Errorf("mesh: element %d is anisotropic (%+v) but the mesh has no fibres", e, d)
			}
			f = m.Fibres[e]
			if m.Kind == Triangle {
				n := g[1].Cross(g[2]) // normal direction (any sign)
				n = n.Normalize()
				f = f.Sub(n.Mul(f.Dot(n)))
			}
			if l := f.Len(); l < 1e-12 || math.IsNaN(l) {
				return nil, fmt.Errorf("mesh: element %d has a zero (or normal-to-surface) fibre %v", e, m.Fibres[e])
			} else {
				f = f.Mul(1 / l)
			}
			if m.Kind == Tetrahedron && d.Sheet != d.Normal {
				if m.Sheets == nil {
					return nil, fmt.Errorf("mesh: element %d is orthotropic (%+v) but the mesh has no sheets", e, d)
				}
				s = m.Sheets[e]
				s = s.Sub(f.Mul(s.Dot(f)))
				if l := s.Len(); l < 1e-12 || math.IsNaN(l) {
					return nil, fmt.Errorf("mesh: element %d has a sheet %v parallel to its fibre", e, m.Sheets[e])
				} else {
					s = s.Mul(1 / l)
				}
			}
		}
		for i := 0; i < k; i++ {
			for j := i; j < k; j++ {
				// ∇φi·D∇φj with D = Sheet·I + (Fibre−Sheet) f fᵀ + (Normal−Sheet) n nᵀ,
				// written with n nᵀ = I − f fᵀ − s sᵀ for tetrahedra.
				var v float64
				gi, gj := g[i], g[j]
				base := d.Sheet
				if m.Kind == Tetrahedron && d.Sheet != d.Normal {
					fi, fj, si, sj := gi.Dot(f), gj.Dot(f), gi.Dot(s), gj.Dot(s)
					v = d.Normal*gi.Dot(gj) + (d.Fibre-d.Normal)*fi*fj + (d.Sheet-d.Normal)*si*sj
				} else {
					v = base * gi.Dot(gj)
					if aniso {
						v += (d.Fibre - base) * gi.Dot(f) * gj.Dot(f)
					}
				}
				v *= vol
				ke[i*k+j] = v
				ke[j*k+i] = v
			}
		}
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				a.Val[a.index(c[i], c[j])] += ke[i*k+j]
			}
		}
	}
	return a, nil
}

// elementGradients fills g with the gradients of the P1 basis functions of
// element e and returns its area or (absolute) volume.
func elementGradients(m *Mesh, e int, c []int, g []mgl64.Vec3) (float64, error) {
	p0 := m.Points[c[0]]
	if m.Kind == Triangle {
		p1, p2 := m.Points[c[1]], m.Points[c[2]]
		cr := p1.Sub(p0).Cross(p2.Sub(p0))
		a2 := cr.Len() // twice the area
		if !(a2 > 0) {
			return 0, fmt.Errorf("mesh: triangle %d is degenerate (zero area)", e)
		}
		n := cr.Mul(1 / a2)
		// ∇φ_i = n × (edge opposite i, oriented) / (2A)
		g[0] = n.Cross(p2.Sub(p1)).Mul(1 / a2)
		g[1] = n.Cross(p0.Sub(p2)).Mul(1 / a2)
		g[2] = n.Cross(p1.Sub(p0)).Mul(1 / a2)
		return a2 / 2, nil
	}
	a, b, d := m.Points[c[1]].Sub(p0), m.Points[c[2]].Sub(p0), m.Points[c[3]].Sub(p0)
	det := a.Dot(b.Cross(d))
	if det == 0 || math.IsNaN(det) {
		return 0, fmt.Errorf("mesh: tetrahedron %d is degenerate (zero volume)", e)
	}
	// The rows of the inverse Jacobian [a b d]⁻¹ are the basis gradients of nodes 1–3.
	g[1], g[2], g[3] = b.Cross(d).Mul(1/det), d.Cross(a).Mul(1/det), a.Cross(b).Mul(1/det)
	g[0] = g[1].Add(g[2]).Add(g[3]).Mul(-1)
	return math.Abs(det) / 6, nil
}
