package analysis

import (
	"math"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
)

// PhaseSingularity is a point where every phase meets: an element around
// whose boundary the phase winds by Charge·2π.
//
// On a triangle mesh the loop runs through the element's nodes in their
// stored order (counter-clockwise seen from the normal n = (p1−p0)×(p2−p0));
// the sign of Charge is the chirality relative to that normal, so it is
// comparable between elements only on a consistently oriented mesh (as the
// generators and the VTK readers of package mesh give). With a phase that
// increases in time (LATPhase, or ionic.StatePhase as oriented by
// ionic.StatePhaseFor), a wave rotating counter-clockwise about the normal
// has Charge −1 and a clockwise one +1.
type PhaseSingularity struct {
	Cell     int        // the element containing the singularity
	Charge   int        // winding number of the phase around the element, ±1 in practice
	Position mgl64.Vec3 // the element's centroid, mm
	// Phase is the phase at the core with the singularity's own winding
	// taken out: the circular mean over the element's nodes v of
	// θ(v) − Charge·α(v), α(v) the angle of v seen from Position, in the
	// element's plane from a fixed direction (the global axis least normal
	// to the element, projected). For a rotor it advances by 2π per
	// rotation however the core moves, up to a bounded error from the
	// centroid standing in for the core; RotorTrack integrates it into
	// the rotation count.
	Phase float64
}

// wrap maps a difference of two phases taken from one interval of width 2π
// (so d ∈ (−2π, 2π)) into (−π, π].
func wrap(d float64) float64 {
	if d > math.Pi {
		return d - 2*math.Pi
	}
	if d <= -math.Pi {
		return d + 2*math.Pi
	}
	return d
}

// TopologicalCharge returns the winding number of the phase around
// triangle e of m (reference §6.2):
//
//	n = (wrap(θ1−θ0) + wrap(θ2−θ1) + wrap(θ0−θ2)) / 2π,
//
// wrap into (−π, π], an integer (−1, 0 or +1 on a triangle) up to rounding.
// It is 0 when a node's phase is not finite. The phases must lie in one
// interval of width 2π, as those of ionic.StatePhase and LATPhase do. m must be a
// triangle mesh.
func TopologicalCharge(m *mesh.Mesh, phase []float64, e int) int {
	c := m.Cells[3*e : 3*e+3 : 3*e+3]
	a, b, d := phase[c[0]], phase[c[1]], phase[c[2]]
	s := wrap(b-a) + wrap(d-b) + wrap(a-d)
	// A NaN phase makes s NaN, and both comparisons are then false.
	if s > math.Pi {
		return 1
	}
	if s < -math.Pi {
		return -1
	}
	return 0
}

// CellCharges writes the topological charge of every triangle of m into dst
// (length m.NumCells()). It does not allocate.
func CellCharges(dst []int, m *mesh.Mesh, phase []float64) {
	needTriangles(m, len(phase))
	for e := range dst {
		dst[e] = TopologicalCharge(m, phase, e)
	}
}

// NodeCharges writes into dst (one per node) the winding number of the phase
// around the 1-ring of each node: the closed loop through its neighbours
// along the edges opposite it in its triangles (reference §6.2; Li et al.,
// doi 10.3414/ME0427), which does not use the node's own phase, so a node
// at a rotor's core whose phase is undefined (NaN: in LATPhase, a node that
// never activates) is still found. A singularity inside a triangle gives its
// three nodes the same charge. Boundary nodes (more edges than triangles
// around them) have an open ring and get 0, as do nodes with a neighbour
// whose phase is not finite. It allocates two arrays of one value per node.
func NodeCharges(dst []int, m *mesh.Mesh, phase []float64) {
	needTriangles(m, len(phase))
	circ := make([]float64, len(phase))
	deg := make([]int32, len(phase)) // incident edges − incident triangles
	for _, e := range m.Edges() {
		deg[e[0]]++
		deg[e[1]]++
	}
	c := m.Cells
	for e := 0; e+2 < len(c); e += 3 {
		a, b, d := c[e], c[e+1], c[e+2]
		circ[a] += wrap(phase[d] - phase[b])
		circ[b] += wrap(phase[a] - phase[d])
		circ[d] += wrap(phase[b] - phase[a])
		deg[a]--
		deg[b]--
		deg[d]--
	}
	for v, s := range circ {
		switch {
		case deg[v] != 0:
			dst[v] = 0
		case s > math.Pi:
			dst[v] = int(math.Round(s / (2 * math.Pi)))
		case s < -math.Pi:
			dst[v] = int(math.Round(s / (2 * math.Pi)))
		default:
			dst[v] = 0 // also NaN
		}
	}
}

// FindSingularities appends to dst every triangle of m with a non-zero
// topological charge of phase (one value per node), as a PhaseSingularity
// at the triangle's centroid, in increasing element order, and returns the
// extended slice. It allocates only when dst must grow.
func FindSingularities(dst []PhaseSingularity, m *mesh.Mesh, phase []float64) []PhaseSingularity {
	needTriangles(m, len(phase))
	cells := m.Cells
	for e := 0; e+2 < len(cells); e += 3 {
		a, b, d := phase[cells[e]], phase[cells[e+1]], phase[cells[e+2]]
		s := wrap(b-a) + wrap(d-b) + wrap(a-d)
		var q int
		switch {
		case s > math.Pi:
			q = 1
		case s < -math.Pi:
			q = -1
		default:
			continue
		}
		dst = append(dst, singularity(m, e/3, q, [3]float64{a, b, d}))
	}
	return dst
}

// singularity returns the PhaseSingularity of charge q in triangle e whose
// nodes have phases th.
func singularity(m *mesh.Mesh, e, q int, th [3]float64) PhaseSingularity {
	c := m.Cells[3*e : 3*e+3 : 3*e+3]
	p0, p1, p2 := m.Points[c[0]], m.Points[c[1]], m.Points[c[2]]
	ctr := p0.Add(p1).Add(p2).Mul(1.0 / 3)
	n := p1.Sub(p0).Cross(p2.Sub(p0))
	if l := n.Len(); l > 0 {
		n = n.Mul(1 / l)
	}
	axis := mgl64.Vec3{1, 0, 0}
	if math.Abs(n[1]) < math.Abs(n[0]) && math.Abs(n[1]) <= math.Abs(n[2]) {
		axis = mgl64.Vec3{0, 1, 0}
	} else if math.Abs(n[2]) < math.Abs(n[0]) && math.Abs(n[2]) < math.Abs(n[1]) {
		axis = mgl64.Vec3{0, 0, 1}
	}
	e1 := axis.Sub(n.Mul(axis.Dot(n))).Normalize()
	e2 := n.Cross(e1)
	var sn, cs float64
	for i, p := range [3]mgl64.Vec3{p0, p1, p2} {
		r := p.Sub(ctr)
		si, ci := math.Sincos(th[i] - float64(q)*math.Atan2(r.Dot(e2), r.Dot(e1)))
		sn += si
		cs += ci
	}
	return PhaseSingularity{Cell: e, Charge: q, Position: ctr, Phase: math.Atan2(sn, cs)}
}

func needTriangles(m *mesh.Mesh, nodes int) {
	if m.Kind != mesh.Triangle {
		panic("atrial: phase singularities need a triangle mesh")
	}
	if nodes != len(m.Points) {
		panic("atrial: phase field length does not match the mesh's nodes")
	}
}
