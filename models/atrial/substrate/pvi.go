package substrate

import (
	"fmt"
	"math"
	"slices"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
)

// Pulmonary-vein isolation (PVI) lesion sets from the orifices of a
// left-atrial surface.
//
// A segmented left atrium (e.g. the LASC 2013 meshes) has its pulmonary
// veins and mitral valve cut open: each orifice is a boundary loop of the
// surface. The mitral valve is the largest; the veins are the other loops
// that are not small defects. Wide antral circumferential ablation (WACA)
// encircles the ipsilateral veins (left superior with left inferior, right
// superior with right inferior) in one closed line each, placed out in the
// antrum rather than at the ostia; clinically the endpoint is entrance and
// exit block of every vein. In silico, antral PVI terminated AF more often
// than ostial PVI and every gap left in the ring weakened it (Jin et al.,
// NPJ Digit Med 2024, doi:10.1038/s41746-024-01075-y).

// VeinRole is what an orifice of a left-atrial surface was classified as.
type VeinRole int

const (
	// RoleDefect is a loop too small for an orifice (a hole of the
	// segmentation), left alone.
	RoleDefect VeinRole = iota
	// RoleMitral is the mitral valve: the longest loop.
	RoleMitral
	// RoleVein is a pulmonary vein orifice.
	RoleVein
)

func (r VeinRole) String() string {
	switch r {
	case RoleDefect:
		return "defect"
	case RoleMitral:
		return "mitral"
	case RoleVein:
		return "vein"
	}
	return fmt.Sprintf("VeinRole(%d)", int(r))
}

// Orifice is a boundary loop of a left-atrial surface with its role and,
// for a vein, its ipsilateral group (0 or 1; -1 otherwise).
type Orifice struct {
	mesh.Loop
	Role  VeinRole
	Group int
	// OstiumMM is, for a vein, the geodesic distance (mm) from its rim to
	// its ostium, where the tube opens into the atrial wall (set by
	// PulmonaryVeinIsolation; see ostium).
	OstiumMM float64
}

// PVIOptions configure PulmonaryVeinIsolation. Zero values take the
// defaults.
type PVIOptions struct {
	// DistanceMM is the geodesic distance (mm) of the lesion's centre line
	// beyond the veins' ostia: "antral" lesions lie out in the antrum.
	// Default 5 mm — a choice, not a sourced figure; set it to the
	// centre's practice.
	DistanceMM float64
	// WidthMM is the lesion's width (mm; the band [DistanceMM − WidthMM/2,
	// DistanceMM + WidthMM/2] and the elements reaching into it, so about
	// two elements more). Default 3 mm, not a sourced lesion width: a band
	// that stays continuous on meshes of edges up to about 1.5 mm.
	WidthMM float64
	// MinVeinPerimeterMM: loops shorter than this are defects, not
	// orifices. Default 10 mm (a vein ostium of 3 mm diameter; real
	// ostia are 10–20 mm across).
	MinVeinPerimeterMM float64
	// Veins, when not empty, picks the vein orifices by hand: the loop
	// whose centroid is nearest to each point (mm), instead of every loop
	// but the mitral valve and the defects — for a mesh whose appendage or
	// other openings are cut too.
	Veins []mgl64.Vec3
	// Mitral, when set, picks the mitral valve by hand: the loop whose
	// centroid is nearest to it (mm), instead of the longest loop.
	Mitral *mgl64.Vec3
}

func (o PVIOptions) withDefaults() PVIOptions {
	if o.DistanceMM == 0 {
		o.DistanceMM = 5
	}
	if o.WidthMM == 0 {
		o.WidthMM = 3
	}
	if o.MinVeinPerimeterMM == 0 {
		o.MinVeinPerimeterMM = 10
	}
	return o
}

// ClassifyOrifices returns the boundary loops of a left-atrial triangle
// surface, classified by size and position: the longest loop (or the one
// nearest to o.Mitral) is the mitral valve; loops shorter than
// o.MinVeinPerimeterMM are defects; the others are veins (or, with o.Veins, the loops nearest to those points, the rest
// but the mitral valve being defects). The veins are split into two
// ipsilateral groups by position: single-linkage clustering of their
// centroids into two clusters — the partition that leaves the largest
// distance between the groups — since the ipsilateral veins share an
// antrum and the left and right pairs lie apart across the posterior wall.
// On atrium.vtp the pairs are 27 mm apart within and at least 61 mm
// between (centroid to centroid). One vein forms one group.
func ClassifyOrifices(m *mesh.Mesh, o PVIOptions) ([]Orifice, error) {
	o = o.withDefaults()
	loops, err := mesh.BoundaryLoops(m)
	if err != nil {
		return nil, err
	}
	if len(loops) < 2 {
		return nil, fmt.Errorf("atrial: PVI needs a left-atrial surface with the mitral valve and at least one vein cut open; the mesh has %d boundary loops", len(loops))
	}
	if o.Mitral != nil {
		best, bd := 0, math.Inf(1)
		for i, l := range loops {
			if d := l.Centroid.Sub(*o.Mitral).Len(); d < bd {
				best, bd = i, d
			}
		}
		loops = append([]mesh.Loop{loops[best]}, slices.Delete(slices.Clone(loops), best, best+1)...)
	}
	out := make([]Orifice, len(loops))
	for i, l := range loops {
		out[i] = Orifice{Loop: l, Role: RoleDefect, Group: -1}
	}
	out[0].Role = RoleMitral
	if len(o.Veins) > 0 {
		for _, p := range o.Veins {
			best, bd := -1, math.Inf(1)
			for i := 1; i < len(out); i++ {
				if d := out[i].Centroid.Sub(p).Len(); d < bd {
					best, bd = i, d
				}
			}
			out[best].Role = RoleVein
		}
	} else {
		for i := 1; i < len(out); i++ {
			if out[i].Perimeter >= o.MinVeinPerimeterMM {
				out[i].Role = RoleVein
			}
		}
	}
	var veins []int
	for i, v := range out {
		if v.Role == RoleVein {
			veins = append(veins, i)
		}
	}
	if len(veins) == 0 {
		return nil, fmt.Errorf("atrial: PVI found no vein orifice: every loop but the mitral valve is shorter than %g mm", o.MinVeinPerimeterMM)
	}
	for k, g := range twoClusters(out, veins) {
		out[veins[k]].Group = g
	}
	return out, nil
}

// twoClusters splits the veins (indices into os) into two single-linkage
// clusters of their centroids: Kruskal's minimum spanning tree without its
// longest edge. It returns the group of each vein, the group of the first
// vein being 0.
func twoClusters(os []Orifice, veins []int) []int {
	n := len(veins)
	g := make([]int, n)
	if n < 2 {
		return g
	}
	type edge struct {
		d    float64
		i, j int
	}
	var es []edge
	for i := range n {
		for j := i + 1; j < n; j++ {
			es = append(es, edge{os[veins[i]].Centroid.Sub(os[veins[j]].Centroid).Len(), i, j})
		}
	}
	slices.SortStableFunc(es, func(a, b edge) int {
		switch {
		case a.d < b.d:
			return -1
		case a.d > b.d:
			return 1
		}
		return 0
	})
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	joined := 0
	for _, e := range es {
		if joined == n-2 {
			break // n−2 merges leave two clusters
		}
		if a, b := find(e.i), find(e.j); a != b {
			parent[max(a, b)] = min(a, b)
			joined++
		}
	}
	root0 := find(0)
	for i := range g {
		if find(i) != root0 {
			g[i] = 1
		}
	}
	return g
}

// PulmonaryVeinIsolation returns the wide-antral circumferential lesion
// set of a left-atrial triangle surface: one closed lesion per ipsilateral
// vein group (ClassifyOrifices), the band around o.DistanceMM beyond the
// group's ostia. A segmented vein is a tube cut some way from the atrium,
// so its rim is not its ostium: the ostium is found (Orifice.OstiumMM) as
// where the tube opens into the atrial wall, and the lesion's distance is
// measured from there — the geodesic distance from the rim (shortest paths
// along mesh edges, see Ablation) less the vein's OstiumMM, the least over
// the group's veins. Like a Ring, each lesion takes every element reaching
// into the band [DistanceMM − WidthMM/2, DistanceMM + WidthMM/2], so the
// conducting elements left on its two sides share no node: nothing
// conducts across it and Gaps finds none. Where the group's veins share an
// antrum the band is one line around both (the WACA lesion); otherwise it
// is one ring around each. A band that reaches another orifice (e.g. the
// mitral valve) ends on its rim, which conducts nothing. The orifices are
// returned with the lesions.
func (a *Ablation) PulmonaryVeinIsolation(o PVIOptions) ([]Lesion, []Orifice, error) {
	o = o.withDefaults()
	if !(o.DistanceMM > 0) || !(o.WidthMM >= 0) || o.WidthMM/2 >= o.DistanceMM || math.IsInf(o.DistanceMM+o.WidthMM, 0) {
		return nil, nil, fmt.Errorf("atrial: PVI distance %g mm must be positive and more than half the width %g mm", o.DistanceMM, o.WidthMM)
	}
	os, err := ClassifyOrifices(a.Mesh, o)
	if err != nil {
		return nil, nil, err
	}
	for i := range os {
		if os[i].Role == RoleVein {
			d, _ := a.points.ShortestPaths(os[i].Nodes, nil, nil)
			os[i].OstiumMM = ostium(a.Mesh, d)
		}
	}
	var out []Lesion
	for g := 0; g < 2; g++ {
		var src []int
		var start []float64
		var cs []mgl64.Vec3
		for _, v := range os {
			if v.Role == RoleVein && v.Group == g {
				for _, n := range v.Nodes {
					src = append(src, n)
					start = append(start, -v.OstiumMM)
				}
				cs = append(cs, v.Centroid)
			}
		}
		if len(src) == 0 {
			continue
		}
		d, _ := a.points.ShortestPaths(src, start, nil)
		var els []int
		for e := range a.cent {
			lo, hi := a.nodeRange(d, e)
			if hi >= o.DistanceMM-o.WidthMM/2 && lo <= o.DistanceMM+o.WidthMM/2 {
				els = append(els, e)
			}
		}
		c := mgl64.Vec3{}
		for _, p := range cs {
			c = c.Add(p)
		}
		out = append(out, Lesion{Shape: LesionAntral, Center: c.Mul(1 / float64(len(cs))), Radius: o.DistanceMM, Width: o.WidthMM,
			Elements: els, Sources: src, SourceStart: start})
	}
	return out, os, nil
}

// The ostium search: isolines of the distance from the rim every
// ostiumStep mm up to ostiumMax mm.
const (
	ostiumStep = 0.5
	ostiumMax  = 60.0
)

// ostium returns the distance (mm) from a vein's rim, d being the geodesic
// distance of every node from it, at which the vein opens into the atrial
// wall: the first level s at which the length L(s) of the isoline d = s
// grows by at least π per mm (centred difference over ±1 mm; from s = 2
// mm, the first level whose difference does not reach the rim). Along a
// tube L stays at the vein's circumference (dL/ds = 0); on a flat wall
// around a hole dL/ds = 2π (a circle's perimeter grows by 2π per unit of
// radius); on a cone of half-angle α, 2π·sin α. π is the cone of half-angle
// 30°: the tube has opened half-way to the flat wall. This rule is ours
// (no published ostium definition was found to follow). 0 when the wall
// is already open at the rim or never opens within 60 mm.
func ostium(m *mesh.Mesh, d []float64) float64 {
	n := int(ostiumMax/ostiumStep) + 1
	L := make([]float64, n)
	for e := range m.NumCells() {
		c := m.Cell(e)
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range c {
			lo, hi = min(lo, d[v]), max(hi, d[v])
		}
		for k := max(0, int(math.Ceil(lo/ostiumStep))); k < n && float64(k)*ostiumStep < hi; k++ {
			L[k] += isolineLength(m, c, d, float64(k)*ostiumStep)
		}
	}
	w := int(1 / ostiumStep)
	for k := 2 * w; k+w < n; k++ { // from 2 mm: the isoline d = 0 is the rim, not a level inside
		if (L[k+w]-L[k-w])/2 >= math.Pi {
			return float64(k) * ostiumStep
		}
	}
	return 0
}

// isolineLength returns the length of the segment of the isoline d = s of
// the linear interpolant on triangle c (0 unless s lies between its node
// values).
func isolineLength(m *mesh.Mesh, c []int, d []float64, s float64) float64 {
	var pts [2]mgl64.Vec3
	k := 0
	for i := range 3 {
		u, v := c[i], c[(i+1)%3]
		if (d[u] < s) != (d[v] < s) && k < 2 {
			f := (s - d[u]) / (d[v] - d[u])
			pts[k] = m.Points[u].Add(m.Points[v].Sub(m.Points[u]).Mul(f))
			k++
		}
	}
	if k < 2 {
		return 0
	}
	return pts[0].Sub(pts[1]).Len()
}

// Isolates reports, for each vein orifice of os (ClassifyOrifices), whether
// the conducting elements that touch its rim are cut off from the
// conducting elements that touch the mitral valve's rim — no chain of
// conducting elements, each sharing a node with the next, joins them: the
// vein is electrically isolated from the body of the atrium (entrance and
// exit block). A vein whose rim has no conducting element is isolated.
// The result has one entry per orifice, false for those that are not veins.
func (a *Ablation) Isolates(nonConducting []bool, os []Orifice) []bool {
	if len(nonConducting) != a.Mesh.NumCells() {
		panic("atrial: Isolates needs one non-conducting flag per element")
	}
	if a.cells == nil {
		a.cells = mesh.CellGraph(a.Mesh, mesh.ShareNode)
	}
	label, _ := a.cells.Components(func(e int) bool { return !nonConducting[e] })
	rim := func(nodes []int) map[int]bool {
		on := make(map[int]bool, len(nodes))
		for _, v := range nodes {
			on[v] = true
		}
		comps := map[int]bool{}
		for e := range a.cent {
			if label[e] < 0 {
				continue
			}
			for _, v := range a.Mesh.Cell(e) {
				if on[v] {
					comps[label[e]] = true
					break
				}
			}
		}
		return comps
	}
	var body map[int]bool
	for _, v := range os {
		if v.Role == RoleMitral {
			body = rim(v.Nodes)
		}
	}
	out := make([]bool, len(os))
	for i, v := range os {
		if v.Role != RoleVein {
			continue
		}
		out[i] = true
		for c := range rim(v.Nodes) {
			if body[c] {
				out[i] = false
			}
		}
	}
	return out
}
