package mesh

import (
	"math"

	"github.com/go-gl/mathgl/mgl64"
)

// ProjectedFibres returns a rule-based fibre field: per element, the fixed
// direction dir projected onto the element's tangent plane (triangles) and
// normalised, or dir itself normalised (tetrahedra). Where dir is within
// about 6° of a triangle's normal (projection shorter than 0.1·|dir|), the
// coordinate axis least aligned with the normal is projected instead.
//
// This is the package's default for meshes without measured fibres, such as
// atrium.vtp: a smooth, simple field, not an anatomical fibre architecture
// (no Bachmann's bundle, no circumferential PV sleeves). A natural choice of
// dir on an atrium is its longest bounding-box axis (see LongestAxis).
func ProjectedFibres(m *Mesh, dir mgl64.Vec3) []mgl64.Vec3 {
	d := dir.Normalize()
	out := make([]mgl64.Vec3, m.NumCells())
	for e := range out {
		if m.Kind == Tetrahedron {
			out[e] = d
			continue
		}
		c := m.Cell(e)
		n := m.Points[c[1]].Sub(m.Points[c[0]]).Cross(m.Points[c[2]].Sub(m.Points[c[0]]))
		if l := n.Len(); l > 0 {
			n = n.Mul(1 / l)
		}
		f := d.Sub(n.Mul(d.Dot(n)))
		if f.Len() < 0.1 {
			ax := 0
			for i := 1; i < 3; i++ {
				if math.Abs(n[i]) < math.Abs(n[ax]) {
					ax = i
				}
			}
			var u mgl64.Vec3
			u[ax] = 1
			f = u.Sub(n.Mul(u.Dot(n)))
		}
		out[e] = f.Normalize()
	}
	return out
}

// LongestAxis returns the unit coordinate axis along which the mesh's
// bounding box is longest.
func LongestAxis(m *Mesh) mgl64.Vec3 {
	lo, hi := m.Bounds()
	d := hi.Sub(lo)
	ax := 0
	for i := 1; i < 3; i++ {
		if d[i] > d[ax] {
			ax = i
		}
	}
	var u mgl64.Vec3
	u[ax] = 1
	return u
}

// ProjectedFibresFrom returns, for each triangle of m, fibres[e] projected
// onto the triangle's plane and normalised (the tangential part of a given
// per-element field); a fibre normal to its triangle is left unchanged.
func ProjectedFibresFrom(m *Mesh, fibres []mgl64.Vec3) []mgl64.Vec3 {
	out := make([]mgl64.Vec3, len(fibres))
	for e, f := range fibres {
		out[e] = f
		if m.Kind != Triangle {
			continue
		}
		c := m.Cell(e)
		n := m.Points[c[1]].Sub(m.Points[c[0]]).Cross(m.Points[c[2]].Sub(m.Points[c[0]]))
		if l := n.Len(); l > 0 {
			n = n.Mul(1 / l)
			if p := f.Sub(n.Mul(f.Dot(n))); p.Len() > 1e-12 {
				out[e] = p.Normalize()
			}
		}
	}
	return out
}
