package substrate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
)

// FibrosisLevel is the fibrosis class of one element.
type FibrosisLevel uint8

const (
	// Healthy tissue keeps its conductivity and ionic model.
	Healthy FibrosisLevel = iota
	// Fibrotic (interstitial or patchy) tissue: reduced conductivity, a
	// fraction of non-conducting elements, ionic remodelling (see
	// FibrosisEffects).
	Fibrotic
	// DenseScar never conducts.
	DenseScar
)

func (l FibrosisLevel) String() string {
	switch l {
	case Healthy:
		return "healthy"
	case Fibrotic:
		return "fibrotic"
	case DenseScar:
		return "dense"
	}
	return fmt.Sprintf("FibrosisLevel(%d)", int(l))
}

// Thresholds bins a continuous fibrosis field, such as an LGE-MRI image
// intensity ratio (IIR: wall intensity over mean blood-pool intensity), into
// levels: a value above Dense is DenseScar, above Fibrotic (and not above
// Dense) Fibrotic, else Healthy. Both comparisons are strict.
type Thresholds struct {
	Fibrotic, Dense float64
}

// IIRThresholds returns the image-intensity-ratio thresholds of Benito et
// al. 2017 (Europace 19:1272): IIR > 1.2 interstitial fibrosis, IIR > 1.32
// dense scar. The reference (§5) gives ≈ 1.2 and ≈ 1.3 and marks them
// unverified; it also notes that binning a continuous field changed
// inducibility in one project, so the binning here is explicit and the
// thresholds are the caller's choice.
func IIRThresholds() Thresholds { return Thresholds{Fibrotic: 1.2, Dense: 1.32} }

func (th Thresholds) level(v float64) FibrosisLevel {
	switch {
	case v > th.Dense:
		return DenseScar
	case v > th.Fibrotic:
		return Fibrotic
	}
	return Healthy
}

// ClassifyCells bins a per-element field (one value per element of m) by th.
// A NaN value is an error naming the element; so is Dense < Fibrotic.
func ClassifyCells(m *mesh.Mesh, values []float64, th Thresholds) ([]FibrosisLevel, error) {
	if !(th.Dense >= th.Fibrotic) {
		return nil, fmt.Errorf("atrial: fibrosis thresholds %+v: Dense must be at least Fibrotic", th)
	}
	if len(values) != m.NumCells() {
		return nil, fmt.Errorf("atrial: fibrosis field has %d values for %d elements", len(values), m.NumCells())
	}
	out := make([]FibrosisLevel, len(values))
	for e, v := range values {
		if math.IsNaN(v) {
			return nil, fmt.Errorf("atrial: fibrosis field is NaN at element %d", e)
		}
		out[e] = th.level(v)
	}
	return out, nil
}

// ClassifyPoints bins a per-node field: the value of an element is the mean
// of its nodes' values (the P1 interpolant at its centroid), binned by th.
// A NaN value is an error naming the node.
func ClassifyPoints(m *mesh.Mesh, values []float64, th Thresholds) ([]FibrosisLevel, error) {
	if len(values) != len(m.Points) {
		return nil, fmt.Errorf("atrial: fibrosis field has %d values for %d nodes", len(values), len(m.Points))
	}
	for i, v := range values {
		if math.IsNaN(v) {
			return nil, fmt.Errorf("atrial: fibrosis field is NaN at node %d", i)
		}
	}
	cell := make([]float64, m.NumCells())
	for e := range cell {
		s := 0.0
		c := m.Cell(e)
		for _, v := range c {
			s += values[v]
		}
		cell[e] = s / float64(len(c))
	}
	return ClassifyCells(m, cell, th)
}

// Pattern is the spatial pattern of generated fibrosis.
type Pattern int

const (
	// Diffuse marks each element fibrotic independently with probability
	// Density: scattered single elements.
	Diffuse Pattern = iota
	// Patchy grows roundish patches of about PatchRadius from random seeds.
	Patchy
	// Interstitial grows patches stretched along the fibre, Aspect times
	// longer than wide: strands parallel to the myocytes.
	Interstitial
)

// ParsePattern returns the pattern named name ("diffuse", "patchy" or
// "interstitial", as String gives them; the engine's fibrosis_pattern).
func ParsePattern(name string) (Pattern, error) {
	for _, p := range []Pattern{Diffuse, Patchy, Interstitial} {
		if p.String() == name {
			return p, nil
		}
	}
	return 0, fmt.Errorf("atrial: unknown fibrosis pattern %q, expected \"diffuse\", \"patchy\" or \"interstitial\"", name)
}

// String returns the pattern's name.
func (p Pattern) String() string {
	switch p {
	case Diffuse:
		return "diffuse"
	case Patchy:
		return "patchy"
	case Interstitial:
		return "interstitial"
	}
	return fmt.Sprintf("Pattern(%d)", int(p))
}

// FibrosisPattern describes generated fibrosis. Density is the target
// fibrotic fraction of the mesh's area (of its volume for tetrahedra).
//
// Diffuse draws one Bernoulli(Density) per element, so the expected area
// fraction is Density and the element count is Binomial(elements, Density).
// Patchy and Interstitial reach the target deterministically, to within the
// area of one element: n = max(1, round(Density·A/a)) seed elements are
// drawn uniformly over the area A (a the area of one patch: π·r² for Patchy,
// π·r²/Aspect for Interstitial), and all patches grow together, element by
// element in order of their distance from the nearest seed, until the
// fibrotic area first reaches Density·A. Patches may merge. The distance
// of an element is the mean over its nodes of a shortest-path distance
// along mesh edges from the seed elements' nodes (Dijkstra), where an edge
// d into node j costs |d|·(1 + u_j) for Patchy and
//
//	√(dᵀT·d + Aspect²·(|d|² − dᵀT·d))·(1 + u_j)
//
// for Interstitial, T the mean of f·fᵀ (f the unit fibre) over the elements
// at the edge's two nodes, weighted by area: steps across the fibre cost
// Aspect times more. u_j ~ U[0, 1) is drawn once per node and roughens the
// patch borders.
//
// The same mesh, pattern and Seed give the same elements (math/rand/v2 PCG).
type FibrosisPattern struct {
	Pattern Pattern
	Density float64 // target fibrotic area fraction in [0, 1]
	Seed    uint64
	// PatchRadius is the radius of a Patchy patch, or the half-length along
	// the fibre of an Interstitial one, in mm; zero means 2 mm (the
	// reference's §5 cites length scales of 1.25–10 mm, Clayton 2018).
	PatchRadius float64
	// Aspect is the length-to-width ratio of Interstitial patches; zero
	// means 5.
	Aspect float64
}

// fibrosisStream is the PCG stream of generated fibrosis ("fibrosis");
// stream+1 draws the non-conducting elements of FibrosisEffects.
const fibrosisStream = 0x666962726f736973

// GenerateFibrosis returns a fibrosis level per element of m, Fibrotic or
// Healthy, following p. Interstitial needs fibres on m.
func GenerateFibrosis(m *mesh.Mesh, p FibrosisPattern) ([]FibrosisLevel, error) {
	if !(p.Density >= 0 && p.Density <= 1) {
		return nil, fmt.Errorf("atrial: fibrosis density %g is outside [0, 1]", p.Density)
	}
	r, aspect := p.PatchRadius, p.Aspect
	if r == 0 {
		r = 2
	}
	if aspect == 0 {
		aspect = 5
	}
	if !(r > 0) || math.IsInf(r, 0) || !(aspect >= 1) || math.IsInf(aspect, 0) {
		return nil, fmt.Errorf("atrial: fibrosis patch radius %g mm must be positive and aspect %g at least 1", r, aspect)
	}
	nc := m.NumCells()
	rng := rand.New(rand.NewPCG(p.Seed, fibrosisStream))
	level := make([]FibrosisLevel, nc)
	switch p.Pattern {
	case Diffuse:
		for e := range level {
			if rng.Float64() < p.Density {
				level[e] = Fibrotic
			}
		}
		return level, nil
	case Patchy, Interstitial:
	default:
		return nil, fmt.Errorf("atrial: unknown fibrosis pattern %v", p.Pattern)
	}
	if p.Pattern == Interstitial && m.Fibres == nil {
		return nil, fmt.Errorf("atrial: interstitial fibrosis follows the fibres, and the mesh has none")
	}
	if p.Density == 0 || nc == 0 {
		return level, nil
	}
	area := make([]float64, nc)
	cum := make([]float64, nc) // cumulative area, for seeds uniform over the area
	total := 0.0
	for e := range area {
		area[e] = math.Abs(m.Measure(e))
		total += area[e]
		cum[e] = total
	}
	target := p.Density * total
	patch := math.Pi * r * r
	var fibre []mgl64.Vec3
	if p.Pattern == Interstitial {
		patch /= aspect
		fibre = mesh.ProjectedFibresFrom(m, m.Fibres)
	}
	np := len(m.Points)
	jitter := make([]float64, np)
	for i := range jitter {
		jitter[i] = rng.Float64()
	}
	// Node fibre tensors T_i = Σ a_e·f_e·f_eᵀ / Σ a_e over the elements at
	// node i: sign-free averages of the element fibres.
	var tens []mgl64.Mat3
	if fibre != nil {
		tens = make([]mgl64.Mat3, np)
		wsum := make([]float64, np)
		for e, f := range fibre {
			ff := f.OuterProd3(f).Mul(area[e])
			for _, v := range m.Cell(e) {
				tens[v] = tens[v].Add(ff)
				wsum[v] += area[e]
			}
		}
		for i := range tens {
			if wsum[i] > 0 {
				tens[i] = tens[i].Mul(1 / wsum[i])
			}
		}
	}
	g := mesh.PointGraph(m)
	step := func(i, j, k int) float64 {
		l := g.Weight[k]
		if tens != nil {
			d := m.Points[j].Sub(m.Points[i])
			along2 := 0.5 * (d.Dot(tens[i].Mul3x1(d)) + d.Dot(tens[j].Mul3x1(d)))
			cross2 := max(0, d.Dot(d)-along2)
			l = math.Sqrt(along2 + aspect*aspect*cross2)
		}
		return l * (1 + jitter[j])
	}
	seedOf := func() int {
		u := rng.Float64() * total
		return min(sort.SearchFloat64s(cum, u), nc-1)
	}
	n := max(1, int(math.Round(target/patch)))
	var seeds []int
	for range n {
		seeds = append(seeds, seedOf())
	}
	edist := make([]float64, nc)
	for {
		var src []int
		for _, e := range seeds {
			src = append(src, m.Cell(e)...)
		}
		dist, _ := g.ShortestPaths(src, nil, step)
		order := make([]int, 0, nc)
		for e := range edist {
			s := 0.0
			for _, v := range m.Cell(e) {
				s += dist[v]
			}
			edist[e] = s
			if !math.IsInf(s, 1) {
				order = append(order, e)
			}
		}
		slices.SortFunc(order, func(a, b int) int {
			if edist[a] != edist[b] {
				if edist[a] < edist[b] {
					return -1
				}
				return 1
			}
			return a - b
		})
		got := 0.0
		for _, e := range order {
			if got >= target {
				break
			}
			level[e] = Fibrotic
			got += area[e]
		}
		if got >= target || len(order) == nc {
			return level, nil
		}
		// The seeds' connected parts of the mesh are full: seed an unreached
		// element and grow on.
		for {
			e := seedOf()
			if math.IsInf(edist[e], 1) {
				seeds = append(seeds, e)
				break
			}
		}
	}
}

// NonConductingSigma is the conductivity given to non-conducting elements,
// mS/mm (= S/m), as in openCARP's fibrosis tutorial (reference §5: 1e-7 S/m):
// effectively zero, while keeping every node in the stiffness pattern.
const NonConductingSigma = 1e-7

// FibrosisEffects says what fibrosis does to the tissue. The zero value
// leaves Fibrotic elements unchanged (DenseScar never conducts).
//
// Values from the reference's §5: openCARP tutorial 21 makes 30 % of
// fibrotic elements non-conducting (σ = 1e-7 S/m) and gives the other 70 %
// ionic remodelling; an openCARP script reduces σ by 50 % along the fibre
// and 80 % across it.
type FibrosisEffects struct {
	// ReduceFibre and ReduceCross are the fractions by which σ drops on
	// conducting Fibrotic elements along the fibre and across it (sheet and
	// normal directions): σ·(1 − Reduce…). In [0, 1).
	ReduceFibre, ReduceCross float64
	// NonConducting is the fraction of Fibrotic elements made
	// non-conducting, each independently with this probability (stream
	// derived from Seed).
	NonConducting float64
	Seed          uint64
	// Remodel marks for ionic remodelling every node of a conducting
	// Fibrotic element (FibrosisMap.Remodelled).
	Remodel bool
}

// FibrosisMap is fibrosis applied to a mesh: per-element levels and
// conductivity factors, a non-conducting mask, and per-node remodelling.
type FibrosisMap struct {
	Level []FibrosisLevel // per element
	// Scale multiplies the element's σ per direction (1 on healthy tissue).
	// It is not used on NonConducting elements.
	Scale []mesh.Conductivity
	// NonConducting elements get σ = NonConductingSigma in every direction:
	// all DenseScar elements and the drawn fraction of Fibrotic ones.
	NonConducting []bool
	// Remodelled flags the nodes whose ionic model should take its
	// fibrotic (remodelled) parameter set: the engine model gives them the
	// fibrosis_ionic modification through per-node ionic sets
	// (tissue.Options.IonicSets).
	Remodelled []bool
}

// ApplyFibrosis turns per-element levels into a FibrosisMap under eff.
// The non-conducting draw is deterministic given eff.Seed.
func ApplyFibrosis(m *mesh.Mesh, level []FibrosisLevel, eff FibrosisEffects) (*FibrosisMap, error) {
	nc := m.NumCells()
	if len(level) != nc {
		return nil, fmt.Errorf("atrial: %d fibrosis levels for %d elements", len(level), nc)
	}
	for _, f := range []float64{eff.ReduceFibre, eff.ReduceCross} {
		if !(f >= 0 && f < 1) {
			return nil, fmt.Errorf("atrial: conductivity reduction %g is outside [0, 1); use NonConducting to block elements", f)
		}
	}
	if !(eff.NonConducting >= 0 && eff.NonConducting <= 1) {
		return nil, fmt.Errorf("atrial: non-conducting fraction %g is outside [0, 1]", eff.NonConducting)
	}
	rng := rand.New(rand.NewPCG(eff.Seed, fibrosisStream+1))
	fm := &FibrosisMap{Level: slices.Clone(level), Scale: make([]mesh.Conductivity, nc),
		NonConducting: make([]bool, nc), Remodelled: make([]bool, len(m.Points))}
	sf, sc := 1-eff.ReduceFibre, 1-eff.ReduceCross
	for e, l := range level {
		fm.Scale[e] = mesh.Isotropic(1)
		switch l {
		case Healthy:
		case Fibrotic:
			// One draw per fibrotic element, whatever the fraction, so that
			// the draws of later elements do not depend on it.
			if rng.Float64() < eff.NonConducting {
				fm.NonConducting[e] = true
				continue
			}
			fm.Scale[e] = mesh.Conductivity{Fibre: sf, Sheet: sc, Normal: sc}
			if eff.Remodel {
				for _, v := range m.Cell(e) {
					fm.Remodelled[v] = true
				}
			}
		case DenseScar:
			fm.NonConducting[e] = true
		default:
			return nil, fmt.Errorf("atrial: element %d has an unknown fibrosis level %d", e, l)
		}
	}
	return fm, nil
}

// Sigma returns base modified by the fibrosis: NonConductingSigma on
// non-conducting elements, base(e) scaled by Scale[e] elsewhere. Use it as
// tissue.Passive.Sigma.
func (fm *FibrosisMap) Sigma(base func(e int) mesh.Conductivity) func(e int) mesh.Conductivity {
	return func(e int) mesh.Conductivity {
		if fm.NonConducting[e] {
			return mesh.Isotropic(NonConductingSigma)
		}
		c, s := base(e), fm.Scale[e]
		return mesh.Conductivity{Fibre: c.Fibre * s.Fibre, Sheet: c.Sheet * s.Sheet, Normal: c.Normal * s.Normal}
	}
}

// Fields returns the map as mesh fields for output: cell fields "Fibrosis"
// (the level: 0 healthy, 1 fibrotic, 2 dense) and "NonConducting" (0/1),
// and the point field "Remodelled" (0/1).
func (fm *FibrosisMap) Fields() (cell, point []mesh.Field) {
	lv := make([]float64, len(fm.Level))
	nc := make([]float64, len(fm.Level))
	for e, l := range fm.Level {
		lv[e] = float64(l)
		if fm.NonConducting[e] {
			nc[e] = 1
		}
	}
	rm := make([]float64, len(fm.Remodelled))
	for i, r := range fm.Remodelled {
		if r {
			rm[i] = 1
		}
	}
	return []mesh.Field{{Name: "Fibrosis", Components: 1, Values: lv}, {Name: "NonConducting", Components: 1, Values: nc}},
		[]mesh.Field{{Name: "Remodelled", Components: 1, Values: rm}}
}

// FibroticFraction returns the fraction of m's area (volume) whose level is
// not Healthy.
func FibroticFraction(m *mesh.Mesh, level []FibrosisLevel) float64 {
	a, t := 0.0, 0.0
	for e, l := range level {
		w := math.Abs(m.Measure(e))
		t += w
		if l != Healthy {
			a += w
		}
	}
	if t == 0 {
		return 0
	}
	return a / t
}
