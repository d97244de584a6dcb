package atrial

import (
	"fmt"
	"math"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial/substrate"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
)

// Rule-based left-atrial fibres on a surface mesh by the Laplace–Dirichlet
// rule-based method (LDRBM) for the atria of Piersanti et al., "Modeling
// cardiac muscle fibers in ventricular and atrial electrophysiology
// simulations", Comput Methods Appl Mech Eng 373:113468 (2021),
// doi:10.1016/j.cma.2020.113468, in the form the openly licensed AugmentA
// pipeline applies it to left-atrial surfaces (Azzolin et al., Comput Med
// Imaging Graph 108:102265, 2023; KIT-IBT/AugmentA, Atrial_LDRBM/Fiber_LA,
// Apache-2.0 — read for its boundary values and rules, no code taken):
//
//	Laplace problems on the surface (Δu = 0, Dirichlet values on the rings):
//	  ψ_ab: left PVs 0, right PVs 2, mitral valve 1, LAA (one node) −1
//	  φ_v : left PVs 0, right PVs 1
//	  φ_r : PVs 0, LAA 0, mitral valve 1
//	Local frame per element: e_t transmural (here the surface normal n),
//	  e_n = normalised part of ∇ψ orthogonal to e_t, fibre e_l = e_n × e_t,
//	  with ψ = ψ_ab in the body, ψ = φ_r within 4 mm of the mitral ring,
//	  ψ = φ_v on the veins: φ_v ≤ τ_lpv (left) or φ_v ≥ τ_rpv (right).
//	τ_lpv: bisection on [0, 0.4] to 0.01 for the largest τ at which the
//	  elements with φ_v ≤ τ still form more than one connected piece (the
//	  left veins apart); τ_rpv likewise on [0.6, 1] for φ_v ≥ τ.
//
// So the fibres run across the potentials' gradients: around each vein
// (φ_v rises along it) and around the mitral annulus (φ_r does), and across
// the ψ_ab gradient between the veins, valve and appendage on the body.
// This is the rule set of the epicardial layer (a single surface has no
// transmural direction to tell the layers apart); not built here are the
// endocardial layer's longitudinal left-vein fibres, the epicardial band
// selected by a fourth potential and a plane, the Bachmann bundle (a path
// from the appendage base) and AugmentA's per-vein shape refinement.

// FibresRuleBased is the value of [inputs] fibres that asks for the
// Laplace–Dirichlet rule-based fibres (RuleBasedFibres).
const FibresRuleBased = "rule-based"

// LandmarksInput tags the landmarks of a left-atrial surface for the
// rule-based fibres ([inputs.landmarks]). The mitral valve is the longest
// boundary loop unless Mitral says otherwise; without Veins the vein orifices are the other
// loops of at least 10 mm perimeter (substrate.ClassifyOrifices), split
// into left and right pairs by position.
type LandmarksInput struct {
	// LAA is a point (mm) at the tip of the left atrial appendage: the
	// nearest node takes ψ_ab = −1, and the vein pair nearer to it is the
	// left one. Without it ψ_ab has no appendage value and the pairs'
	// sides are not told apart (which swaps ψ_ab for 2 − ψ_ab and φ_v for
	// 1 − φ_v, leaving every fibre's axis unchanged).
	LAA *[3]float64 `json:"laa,omitempty"`
	// Veins picks the vein orifices by hand: the boundary loop nearest to
	// each point (mm), as for a "pvi" lesion set.
	Veins [][3]float64 `json:"veins,omitempty"`
	// Mitral picks the mitral valve by hand: the boundary loop nearest to
	// this point (mm) instead of the longest.
	Mitral *[3]float64 `json:"mitral,omitempty"`
}

// LDRB holds the rule-based fibres of a left-atrial surface and what they
// were made from.
type LDRB struct {
	// Fibres are unit vectors in each triangle's plane.
	Fibres []mgl64.Vec3
	// AB, V and R are the Laplace potentials ψ_ab, φ_v and φ_r per node.
	AB, V, R []float64
	// Region is the rule each element took: FibreBody, FibreMitral,
	// FibreLeftVeins or FibreRightVeins.
	Region []int
	// TauLPV and TauRPV are the vein thresholds on φ_v.
	TauLPV, TauRPV float64
}

// Regions of LDRB.Region.
const (
	FibreBody = iota
	FibreMitral
	FibreLeftVeins
	FibreRightVeins
)

// mitralBandMM is the distance from the mitral ring (mm) within which an
// element takes the φ_r rule: AugmentA's 4·scale mm around the ring
// points, with scale 1 for meshes in mm.
const mitralBandMM = 4.0

// RuleBasedFibres returns the Laplace–Dirichlet rule-based fibres of the
// left-atrial triangle surface m (see the rule set above): the mitral
// valve and the pulmonary-vein orifices are its boundary loops, classified
// by substrate.ClassifyOrifices; lm tags the appendage and, optionally,
// the veins and the valve. A mesh that is not a triangle surface or has
// not the mitral valve and veins on both sides cut open, or an appendage
// point nearest to a ring node, is an *models.InputError.
func RuleBasedFibres(m *mesh.Mesh, lm LandmarksInput) (*LDRB, error) {
	bad := func(format string, a ...any) error {
		return &models.InputError{Model: Name, Msg: "atrial inputs: fibres = \"rule-based\": " + fmt.Sprintf(format, a...)}
	}
	if m.Kind != mesh.Triangle {
		return nil, bad("needs a triangle surface of the left atrium, not a %v mesh", m.Kind)
	}
	o := substrate.PVIOptions{}
	for _, v := range lm.Veins {
		o.Veins = append(o.Veins, mgl64.Vec3(v))
	}
	if lm.Mitral != nil {
		mv := mgl64.Vec3(*lm.Mitral)
		o.Mitral = &mv
	}
	loops, err := mesh.BoundaryLoops(m)
	if err != nil {
		return nil, bad("%v", err)
	}
	if len(loops) < 3 {
		return nil, bad("needs the mitral valve and the pulmonary veins cut open (boundary loops); the mesh has %d", len(loops))
	}
	os, err := substrate.ClassifyOrifices(m, o)
	if err != nil {
		return nil, bad("%v", err)
	}
	var groups [2][]int // nodes of the veins of each group
	var gc [2]mgl64.Vec3
	var gn [2]int
	var mitral []int
	for _, x := range os {
		switch x.Role {
		case substrate.RoleMitral:
			mitral = x.Nodes
		case substrate.RoleVein:
			groups[x.Group] = append(groups[x.Group], x.Nodes...)
			gc[x.Group] = gc[x.Group].Add(x.Centroid)
			gn[x.Group]++
		}
	}
	if gn[0] == 0 || gn[1] == 0 {
		return nil, bad("needs vein orifices on both sides (left and right pairs); found %d vein orifice(s) in one group", gn[0]+gn[1])
	}
	left, right := groups[0], groups[1]
	laa := -1
	if lm.LAA != nil {
		p := mgl64.Vec3(*lm.LAA)
		laa = nearest(m, p)
		if gc[1].Mul(1/float64(gn[1])).Sub(p).Len() < gc[0].Mul(1/float64(gn[0])).Sub(p).Len() {
			left, right = right, left
		}
		for _, g := range [][]int{left, right, mitral} {
			for _, v := range g {
				if v == laa {
					return nil, bad("landmarks.laa %v is nearest to a node on a vein or valve ring; expected a point at the appendage's tip", *lm.LAA)
				}
			}
		}
	}

	k, err := mesh.Stiffness(m, mesh.Uniform(mesh.Isotropic(1)))
	if err != nil {
		return nil, bad("%v", err)
	}
	solve := func(sets ...dirichlet) ([]float64, error) {
		u, err := laplaceDirichlet(k, sets...)
		if err != nil {
			return nil, bad("%v", err)
		}
		return u, nil
	}
	ab := []dirichlet{{left, 0}, {right, 2}, {mitral, 1}}
	if laa >= 0 {
		ab = append(ab, dirichlet{[]int{laa}, -1})
	}
	out := &LDRB{}
	if out.AB, err = solve(ab...); err != nil {
		return nil, err
	}
	if out.V, err = solve(dirichlet{left, 0}, dirichlet{right, 1}); err != nil {
		return nil, err
	}
	r := []dirichlet{{left, 0}, {right, 0}, {mitral, 1}}
	if laa >= 0 {
		r = append(r, dirichlet{[]int{laa}, 0})
	}
	if out.R, err = solve(r...); err != nil {
		return nil, err
	}

	nc := m.NumCells()
	vCell := make([]float64, nc)
	for e := range nc {
		c := m.Cell(e)
		vCell[e] = (out.V[c[0]] + out.V[c[1]] + out.V[c[2]]) / 3
	}
	g := mesh.CellGraph(m, mesh.ShareNode)
	out.TauLPV = veinThreshold(g, vCell, 0, 0.4, true)
	out.TauRPV = veinThreshold(g, vCell, 0.6, 1, false)

	nearMitral := make([]bool, len(m.Points))
	for i, q := range m.Points {
		for _, v := range mitral {
			if q.Sub(m.Points[v]).Len() <= mitralBandMM {
				nearMitral[i] = true
				break
			}
		}
	}
	out.Region = make([]int, nc)
	out.Fibres = make([]mgl64.Vec3, nc)
	var bg [3]mgl64.Vec3
	for e := range nc {
		c := m.Cell(e)
		psi := out.AB
		switch {
		case vCell[e] <= out.TauLPV:
			out.Region[e], psi = FibreLeftVeins, out.V
		case vCell[e] >= out.TauRPV:
			out.Region[e], psi = FibreRightVeins, out.V
		case nearMitral[c[0]] || nearMitral[c[1]] || nearMitral[c[2]]:
			out.Region[e], psi = FibreMitral, out.R
		}
		if _, err := m.BasisGradients(e, bg[:]); err != nil {
			return nil, bad("%v", err)
		}
		grad := bg[0].Mul(psi[c[0]]).Add(bg[1].Mul(psi[c[1]])).Add(bg[2].Mul(psi[c[2]]))
		out.Fibres[e] = fibreAcross(m, e, grad)
	}
	return out, nil
}

// fibreAcross returns the rule's fibre on triangle e for the potential
// gradient grad: e_l = e_n × e_t with e_t the unit normal and e_n the
// normalised part of grad orthogonal to it — a unit vector in the
// triangle's plane at right angles to grad. Where grad has no tangential
// part (a flat potential) it falls back to the triangle's first edge.
func fibreAcross(m *mesh.Mesh, e int, grad mgl64.Vec3) mgl64.Vec3 {
	c := m.Cell(e)
	e1 := m.Points[c[1]].Sub(m.Points[c[0]])
	n := e1.Cross(m.Points[c[2]].Sub(m.Points[c[0]])).Normalize()
	t := grad.Sub(n.Mul(grad.Dot(n)))
	if l := t.Len(); l > 1e-12*grad.Len() && l > 0 {
		return t.Mul(1 / l).Cross(n).Normalize()
	}
	return e1.Normalize()
}

// veinThreshold finds τ by bisection on [lo, hi] to 0.01 (AugmentA's
// find_tau): for the left veins (below) the largest τ at which the elements
// with v ≤ τ form more than one piece (joined through shared nodes), for
// the right veins the smallest τ at which those with v ≥ τ do.
func veinThreshold(g *mesh.Graph, v []float64, lo, hi float64, below bool) float64 {
	for hi-lo > 0.01 {
		mid := (lo + hi) / 2
		_, n := g.Components(func(i int) bool {
			if below {
				return v[i] <= mid
			}
			return v[i] >= mid
		})
		// One piece: the threshold has reached past the veins into the
		// body; several (or none): still within them.
		switch {
		case below && n == 1:
			hi = mid
		case below:
			lo = mid
		case n == 1:
			lo = mid
		default:
			hi = mid
		}
	}
	if below {
		return lo
	}
	return hi
}

// dirichlet is a set of nodes held at one value.
type dirichlet struct {
	nodes []int
	value float64
}

// laplaceDirichlet solves K·u = 0 at the free nodes with u held at the
// given values on the Dirichlet nodes (later sets win where they share a
// node), for the stiffness matrix K of an isotropic unit conductivity: the
// P1 finite-element Laplace problem. The Dirichlet rows and columns are
// moved to the right-hand side so the system stays symmetric positive
// definite, and it is solved by tissue.CG to a relative residual of 1e-10.
// Nodes on no element are held at 0.
func laplaceDirichlet(k *mesh.CSR, sets ...dirichlet) ([]float64, error) {
	n := k.N
	fixed := make([]bool, n)
	u := make([]float64, n)
	for _, s := range sets {
		for _, v := range s.nodes {
			fixed[v], u[v] = true, s.value
		}
	}
	a := &mesh.CSR{N: n, RowPtr: k.RowPtr, ColIdx: k.ColIdx, Val: make([]float64, len(k.Val))}
	b := make([]float64, n)
	for i := range n {
		lo, hi := k.RowPtr[i], k.RowPtr[i+1]
		if !fixed[i] {
			diag := 0.0
			for p := lo; p < hi; p++ {
				if int(k.ColIdx[p]) == i {
					diag = k.Val[p]
				}
			}
			if !(diag > 0) {
				fixed[i] = true // a node on no element
			}
		}
		for p := lo; p < hi; p++ {
			j := int(k.ColIdx[p])
			switch {
			case fixed[i]:
				if j == i {
					a.Val[p] = 1
				}
			default:
				a.Val[p] = k.Val[p]
			}
		}
		if fixed[i] {
			b[i] = u[i]
		}
	}
	for i := range n {
		if fixed[i] {
			continue
		}
		for p := k.RowPtr[i]; p < k.RowPtr[i+1]; p++ {
			if j := int(k.ColIdx[p]); fixed[j] && j != i {
				b[i] -= k.Val[p] * u[j]
				a.Val[p] = 0
			}
		}
	}
	if _, err := tissue.NewCG(a, 1e-10, 20*n+100).Solve(u, b); err != nil {
		return nil, fmt.Errorf("Laplace solve: %v", err)
	}
	return u, nil
}

// checkFibreInputs checks [inputs] fibres and landmarks.
func checkFibreInputs(in Inputs) error {
	switch in.Fibres {
	case "", FibresRuleBased:
	default:
		return fmt.Errorf("atrial inputs: fibres = %q, expected %q (or leave it out: the mesh file's fibres, else its longest axis projected)", in.Fibres, FibresRuleBased)
	}
	if in.Landmarks != nil && in.Fibres != FibresRuleBased {
		return fmt.Errorf("atrial inputs: landmarks are for fibres = %q; add it or drop landmarks", FibresRuleBased)
	}
	if lm := in.Landmarks; lm != nil {
		pts := lm.Veins
		for _, p := range []*[3]float64{lm.LAA, lm.Mitral} {
			if p != nil {
				pts = append([][3]float64{*p}, pts...)
			}
		}
		for _, p := range pts {
			for _, x := range p {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return fmt.Errorf("atrial inputs: landmarks: point %v is not finite; expected [x, y, z] in mm", p)
				}
			}
		}
	}
	return nil
}

// ruleBasedFibres sets m's fibres to RuleBasedFibres from in's landmarks
// and returns them with their potentials, reusing those this process
// computed for the same mesh and landmarks (ruleBasedCache).
func ruleBasedFibres(m *mesh.Mesh, in Inputs) (*LDRB, error) {
	var lm LandmarksInput
	if in.Landmarks != nil {
		lm = *in.Landmarks
	}
	f, err := ruleBasedCache.get(m, lm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", in.Mesh, err)
	}
	m.Fibres = f.Fibres
	return f, nil
}

// fields returns what lat.vtu shows of the rule-based fibres (the fibres
// themselves are the mesh's): the rule each element took (FibreRule: 0
// body, 1 mitral, 2 left veins, 3 right veins) and the potentials ψ_ab,
// φ_v and φ_r per node. A nil f has none.
func (f *LDRB) fields() (cell, point []mesh.Field) {
	if f == nil {
		return nil, nil
	}
	rule := make([]float64, len(f.Region))
	for e, r := range f.Region {
		rule[e] = float64(r)
	}
	return []mesh.Field{{Name: "FibreRule", Components: 1, Values: rule}},
		[]mesh.Field{{Name: "PsiAB", Components: 1, Values: f.AB}, {Name: "PhiV", Components: 1, Values: f.V}, {Name: "PhiR", Components: 1, Values: f.R}}
}
