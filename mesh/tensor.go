package mesh

import (
	"fmt"
	"math"

	"github.com/go-gl/mathgl/mgl64"
)

// BasisGradients fills g (length int(m.Kind)) with the gradients of the P1
// basis functions of element e (1/mm; in the element's plane for
// triangles) and returns the element's area (mm²) or absolute volume
// (mm³). The gradient of a node field u on e is Σ_i u[c_i]·g[i] with c the
// element's nodes (Cell). A degenerate element is an error naming it.
func (m *Mesh) BasisGradients(e int, g []mgl64.Vec3) (float64, error) {
	if len(g) < int(m.Kind) {
		panic("mesh: BasisGradients needs one vector per element node")
	}
	return elementGradients(m, e, m.Cell(e), g)
}

// Tensor returns the conductivity (or diffusion) tensor of element e for
// the principal values d, in global coordinates, as Stiffness uses it:
// D = Sheet·I + (Fibre − Sheet)·f·fᵀ with f the element's fibre (projected
// onto a triangle's plane and normalised), or for an orthotropic
// tetrahedron D = Fibre·f·fᵀ + Sheet·s·sᵀ + Normal·n·nᵀ. For a triangle
// the part normal to its plane is irrelevant (gradients lie in the plane).
// An anisotropic element without a usable fibre (or sheet) is an error
// naming it.
func (m *Mesh) Tensor(e int, d Conductivity) (mgl64.Mat3, error) {
	iso := d.Fibre == d.Sheet && (m.Kind != Tetrahedron || d.Sheet == d.Normal)
	if iso {
		return mgl64.Ident3().Mul(d.Sheet), nil
	}
	if m.Fibres == nil {
		return mgl64.Mat3{}, fmt.Errorf("mesh: element %d is anisotropic (%+v) but the mesh has no fibres", e, d)
	}
	f := m.Fibres[e]
	if m.Kind == Triangle {
		c := m.Cell(e)
		n := m.Points[c[1]].Sub(m.Points[c[0]]).Cross(m.Points[c[2]].Sub(m.Points[c[0]]))
		if l := n.Len(); l > 0 {
			n = n.Mul(1 / l)
		}
		f = f.Sub(n.Mul(f.Dot(n)))
	}
	l := f.Len()
	if l < 1e-12 || math.IsNaN(l) {
		return mgl64.Mat3{}, fmt.Errorf("mesh: element %d has a zero (or normal-to-surface) fibre %v", e, m.Fibres[e])
	}
	f = f.Mul(1 / l)
	t := mgl64.Ident3().Mul(d.Sheet).Add(f.OuterProd3(f).Mul(d.Fibre - d.Sheet))
	if m.Kind == Tetrahedron && d.Sheet != d.Normal {
		if m.Sheets == nil {
			return mgl64.Mat3{}, fmt.Errorf("mesh: element %d is orthotropic (%+v) but the mesh has no sheets", e, d)
		}
		s := m.Sheets[e]
		s = s.Sub(f.Mul(s.Dot(f)))
		ls := s.Len()
		if ls < 1e-12 || math.IsNaN(ls) {
			return mgl64.Mat3{}, fmt.Errorf("mesh: element %d has a sheet %v parallel to its fibre", e, m.Sheets[e])
		}
		s = s.Mul(1 / ls)
		n := f.Cross(s)
		t = f.OuterProd3(f).Mul(d.Fibre).Add(s.OuterProd3(s).Mul(d.Sheet)).Add(n.OuterProd3(n).Mul(d.Normal))
	}
	return t, nil
}
