package substrate

import (
	"fmt"
	"math"
	"slices"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
)

// LesionShape is the shape of an ablation lesion.
type LesionShape int

const (
	// LesionDisc is a geodesic disc: a focal (point-by-point) ablation.
	LesionDisc LesionShape = iota
	// LesionLine is a linear lesion along a geodesic path between two points.
	LesionLine
	// LesionRing is a closed band at a geodesic radius around a point: a
	// pulmonary-vein isolation ring.
	LesionRing
	// LesionAntral is a closed band at a geodesic distance from the rims
	// of a group of vein orifices: a wide-antral circumferential PVI
	// lesion (Ablation.PulmonaryVeinIsolation).
	LesionAntral
)

func (s LesionShape) String() string {
	switch s {
	case LesionDisc:
		return "disc"
	case LesionLine:
		return "line"
	case LesionRing:
		return "ring"
	case LesionAntral:
		return "antral"
	}
	return fmt.Sprintf("LesionShape(%d)", int(s))
}

// Lesion is an ablation lesion: a set of non-conducting elements, with the
// geometry it was built from (for the ablation plan and for Gaps).
type Lesion struct {
	Shape    LesionShape `json:"shape"`
	Center   mgl64.Vec3  `json:"center"` // disc, ring: mm
	A        mgl64.Vec3  `json:"a"`      // line: start, mm
	B        mgl64.Vec3  `json:"b"`      // line: end, mm
	Radius   float64     `json:"radius_mm,omitempty"`
	Width    float64     `json:"width_mm,omitempty"`
	Elements []int       `json:"-"` // sorted element indices
	Path     []int       `json:"-"` // line: centre-line nodes from A to B
	Sources  []int       `json:"-"` // antral: the orifice rim nodes its distance is measured from
	// SourceStart is, for an antral lesion, the distance each source
	// starts from (minus its vein's ostium distance), mm.
	SourceStart []float64 `json:"-"`
}

// Area returns the lesion's area (volume for tetrahedra) on m.
func (l *Lesion) Area(m *mesh.Mesh) float64 {
	s := 0.0
	for _, e := range l.Elements {
		s += math.Abs(m.Measure(e))
	}
	return s
}

// Ablation builds lesions on one mesh. Distances are geodesic, approximated
// by shortest paths along mesh edges (Dijkstra on mesh.PointGraph), started
// from the nodes of the element whose centroid is nearest to the point at
// their straight-line distance from it. The edge-graph distance is never
// shorter than the true geodesic and overestimates it by a few per cent on
// regular triangulations (up to 8 % between the axis and diagonal
// directions of a grid with diagonals; less on irregular meshes): a disc of
// radius r is a little smaller than the true geodesic disc.
//
// Lines and rings are built so that no conducting path crosses them: in P1
// finite elements current passes between any two conducting elements that
// share a node (mesh.ShareNode), so a barrier must separate the conducting
// elements of its two sides by whole nodes, not just by edges. Gaps checks
// that; Separated checks that two points end up on different sides.
type Ablation struct {
	Mesh   *mesh.Mesh
	points *mesh.Graph // edge graph
	cells  *mesh.Graph // node-sharing element graph, built on first use
	cent   []mgl64.Vec3
}

// NewAblation prepares lesion building on m.
func NewAblation(m *mesh.Mesh) (*Ablation, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.NumCells() == 0 {
		return nil, fmt.Errorf("atrial: ablation needs a mesh with elements")
	}
	a := &Ablation{Mesh: m, points: mesh.PointGraph(m), cent: make([]mgl64.Vec3, m.NumCells())}
	for e := range a.cent {
		a.cent[e] = m.Centroid(e)
	}
	return a, nil
}

// nearestCell returns the element whose centroid is nearest to p (lowest
// index on ties).
func (a *Ablation) nearestCell(p mgl64.Vec3) int {
	best, bd := 0, math.Inf(1)
	for e, c := range a.cent {
		if d := c.Sub(p).Len(); d < bd {
			best, bd = e, d
		}
	}
	return best
}

// Distances returns the geodesic (edge-graph) distance (mm) of every node
// from p: shortest paths along mesh edges started from the nodes of the
// element whose centroid is nearest to p, at their straight-line distance
// from p.
func (a *Ablation) Distances(p mgl64.Vec3) []float64 {
	e := a.nearestCell(p)
	src := slices.Clone(a.Mesh.Cell(e))
	start := make([]float64, len(src))
	for i, v := range src {
		start[i] = a.Mesh.Points[v].Sub(p).Len()
	}
	d, _ := a.points.ShortestPaths(src, start, nil)
	return d
}

// nodeRange returns the smallest and largest node value of element e.
func (a *Ablation) nodeRange(d []float64, e int) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range a.Mesh.Cell(e) {
		lo, hi = min(lo, d[v]), max(hi, d[v])
	}
	return lo, hi
}

// Disc returns the elements whose centroid lies within geodesic distance
// radius (mm) of center: the mean of an element's node distances (the P1
// interpolant at its centroid) is at most radius. The element nearest to
// center is always included. On tetrahedra the disc is a geodesic ball.
func (a *Ablation) Disc(center mgl64.Vec3, radius float64) (Lesion, error) {
	if !(radius >= 0) || math.IsInf(radius, 0) {
		return Lesion{}, fmt.Errorf("atrial: disc lesion radius %g mm must be non-negative", radius)
	}
	d := a.Distances(center)
	first := a.nearestCell(center)
	var els []int
	for e := range a.cent {
		s := 0.0
		c := a.Mesh.Cell(e)
		for _, v := range c {
			s += d[v]
		}
		if s/float64(len(c)) <= radius || e == first {
			els = append(els, e)
		}
	}
	return Lesion{Shape: LesionDisc, Center: center, Radius: radius, Elements: els}, nil
}

// Line returns a linear lesion from p to q on a triangle surface: the
// shortest edge path between the mesh nodes nearest to p and q (Dijkstra on
// the edge graph, an approximation of the geodesic; see Ablation), widened
// to every element with a node within width/2 (geodesic, mm) of the path.
// With width 0 the lesion is the elements touching the path — about two
// elements wide, the narrowest band that leaves no node shared between
// conducting elements on its two sides. Lines on tetrahedra are refused: an
// edge path through a volume is not a transmural surface.
func (a *Ablation) Line(p, q mgl64.Vec3, width float64) (Lesion, error) {
	m := a.Mesh
	if m.Kind != mesh.Triangle {
		return Lesion{}, fmt.Errorf("atrial: line lesions need a triangle surface, not a %v mesh", m.Kind)
	}
	if !(width >= 0) || math.IsInf(width, 0) {
		return Lesion{}, fmt.Errorf("atrial: line lesion width %g mm must be non-negative", width)
	}
	s, t := nearestNode(m, p), nearestNode(m, q)
	dist, prev := a.points.ShortestPaths([]int{s}, nil, nil)
	if math.IsInf(dist[t], 1) {
		return Lesion{}, fmt.Errorf("atrial: no mesh path from node %d near %v to node %d near %v (disconnected parts)", s, p, t, q)
	}
	path := mesh.PathTo(prev, t)
	d, _ := a.points.ShortestPaths(path, nil, nil)
	var els []int
	for e := range a.cent {
		if lo, _ := a.nodeRange(d, e); lo <= width/2 {
			els = append(els, e)
		}
	}
	return Lesion{Shape: LesionLine, A: p, B: q, Width: width, Elements: els, Path: path}, nil
}

// Ring returns a closed lesion around center, such as a pulmonary-vein
// isolation ring: every element that reaches into the band of geodesic
// distance [radius − width/2, radius + width/2] from center (its largest
// node distance is at least radius − width/2 and its smallest at most
// radius + width/2). With width 0 these are the elements cut by the
// geodesic circle of the radius. The conducting elements left inside have
// every node nearer than radius − width/2 and those outside every node
// farther than radius + width/2, so no node joins the two: the ring isolates
// center (on tetrahedra it is a closed shell). The radius must be positive;
// a ring that reaches past the mesh's edge is open there.
func (a *Ablation) Ring(center mgl64.Vec3, radius, width float64) (Lesion, error) {
	if !(radius > 0) || !(width >= 0) || math.IsInf(radius+width, 0) {
		return Lesion{}, fmt.Errorf("atrial: ring lesion radius %g mm must be positive and width %g mm non-negative", radius, width)
	}
	d := a.Distances(center)
	var els []int
	for e := range a.cent {
		lo, hi := a.nodeRange(d, e)
		if hi >= radius-width/2 && lo <= radius+width/2 {
			els = append(els, e)
		}
	}
	return Lesion{Shape: LesionRing, Center: center, Radius: radius, Width: width, Elements: els}, nil
}

// Mask returns the non-conducting mask of m (one flag per element) that
// marks the elements of the lesions and, when base is not nil, those of
// base (e.g. FibrosisMap.NonConducting).
func (a *Ablation) Mask(base []bool, lesions ...Lesion) []bool {
	mask := make([]bool, a.Mesh.NumCells())
	copy(mask, base)
	for _, l := range lesions {
		for _, e := range l.Elements {
			mask[e] = true
		}
	}
	return mask
}

// Gaps returns the elements through which a wave could cross lesion l,
// given the non-conducting mask (which must include l's elements — see
// Mask — and may include scar): for a line, the conducting elements that
// touch a node of its centre path; for a ring, the conducting elements cut
// by its geodesic circle (smallest node distance below the radius, largest
// at or above it); for an antral lesion likewise with its distance from the
// ostia (Ablation.PulmonaryVeinIsolation); nil for discs. When Gaps is empty the lesion is a
// continuous barrier: conducting elements on its two sides share no node.
// This is sufficient, not necessary — a gap at the centre line may be
// closed by lesion further out; Separated decides between two points.
func (a *Ablation) Gaps(l Lesion, nonConducting []bool) []int {
	if len(nonConducting) != a.Mesh.NumCells() {
		panic("atrial: Gaps needs one non-conducting flag per element")
	}
	var gaps []int
	switch l.Shape {
	case LesionLine:
		on := make([]bool, len(a.Mesh.Points))
		for _, v := range l.Path {
			on[v] = true
		}
		for e := range a.cent {
			if nonConducting[e] {
				continue
			}
			for _, v := range a.Mesh.Cell(e) {
				if on[v] {
					gaps = append(gaps, e)
					break
				}
			}
		}
	case LesionRing, LesionAntral:
		var d []float64
		if l.Shape == LesionRing {
			d = a.Distances(l.Center)
		} else {
			d, _ = a.points.ShortestPaths(l.Sources, l.SourceStart, nil)
		}
		for e := range a.cent {
			if lo, hi := a.nodeRange(d, e); !nonConducting[e] && lo < l.Radius && hi >= l.Radius {
				gaps = append(gaps, e)
			}
		}
	}
	return gaps
}

// Separated reports whether no chain of conducting elements, each sharing
// a node with the next, joins the element nearest to p with the element
// nearest to q — that is, whether a wave from p can never reach q. If
// either element is itself non-conducting, the answer is true.
func (a *Ablation) Separated(nonConducting []bool, p, q mgl64.Vec3) bool {
	if len(nonConducting) != a.Mesh.NumCells() {
		panic("atrial: Separated needs one non-conducting flag per element")
	}
	if a.cells == nil {
		a.cells = mesh.CellGraph(a.Mesh, mesh.ShareNode)
	}
	label, _ := a.cells.Components(func(e int) bool { return !nonConducting[e] })
	lp, lq := label[a.nearestCell(p)], label[a.nearestCell(q)]
	return lp < 0 || lq < 0 || lp != lq
}

// BlockElements returns sigma with the masked elements set to
// NonConductingSigma in every direction, for tissue.Passive.Sigma.
func BlockElements(sigma func(e int) mesh.Conductivity, nonConducting []bool) func(e int) mesh.Conductivity {
	return func(e int) mesh.Conductivity {
		if nonConducting[e] {
			return mesh.Isotropic(NonConductingSigma)
		}
		return sigma(e)
	}
}

// WithGap returns l with a gap: its elements whose centroid lies within
// radius (mm) of p, and at least the one nearest to p, conduct again, as
// after a missed ablation point.
func (a *Ablation) WithGap(l Lesion, p mgl64.Vec3, radius float64) Lesion {
	best, bd := -1, math.Inf(1)
	for _, e := range l.Elements {
		if d := a.cent[e].Sub(p).Len(); d < bd {
			best, bd = e, d
		}
	}
	l.Elements = slices.DeleteFunc(slices.Clone(l.Elements), func(e int) bool {
		return e == best || a.cent[e].Sub(p).Len() <= radius
	})
	return l
}

// nearestNode returns the node of m closest to p (the lowest index on ties).
func nearestNode(m *mesh.Mesh, p mgl64.Vec3) int {
	best, bd := 0, math.Inf(1)
	for i, q := range m.Points {
		if d := q.Sub(p).Len(); d < bd {
			best, bd = i, d
		}
	}
	return best
}
