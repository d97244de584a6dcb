package atrial

import (
	"fmt"
	"math"
	"slices"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial/substrate"
)

// The engine model's fibrosis, lesion and phase-tracking parameters and
// outputs (the substrate of re-entry and its ablation; see Inputs,
// LesionInput and the package documentation).

// NoLesionSet names the empty lesion set of the lesion_set parameter.
const NoLesionSet = "none"

// The choices of the phase parameter.
const (
	PhaseNone  = "none"  // no phase-singularity tracking
	PhaseState = "state" // StatePhaseFor the ionic model, every frame_ms during the run
	PhaseLAT   = "lat"   // LATPhase from every activation, every frame_ms after the run
)

func reentryParams(sets []string) []models.Param {
	choices := append([]string{NoLesionSet}, sets...)
	return []models.Param{
		{Name: "fibrosis_pattern", Kind: models.String, Default: "none", Choices: []string{"none", "diffuse", "patchy", "interstitial"},
			Doc: "generated fibrosis (substrate.GenerateFibrosis): none, diffuse (one draw per element), patchy (round patches) or interstitial (patches along the fibre); exclusive with fibrosis_field in [inputs]"},
		{Name: "fibrosis_density", Kind: models.Float, Default: 0.2, Min: b(0), Max: b(1), Doc: "generated fibrosis: target fibrotic area fraction"},
		{Name: "fibrosis_patch_mm", Kind: models.Float, Unit: "mm", Default: 2.0, Min: b(0.01), Max: b(1000), Doc: "patchy: patch radius; interstitial: half-length along the fibre"},
		{Name: "fibrosis_aspect", Kind: models.Float, Default: 5.0, Min: b(1), Max: b(1000), Doc: "interstitial: patch length over width"},
		{Name: "fibrosis_seed", Kind: models.Int, Default: int64(0), Min: b(0), Max: b(math.MaxInt64),
			Doc: "seed of the generated pattern and of the non-conducting draw; 0: the run's seed (differs between runs: fix it to compare runs on one substrate)"},
		{Name: "fibrosis_nonconducting", Kind: models.Float, Default: 0.3, Min: b(0), Max: b(1), Doc: "fraction of fibrotic elements made non-conducting (openCARP tutorial 21: 0.3); dense scar never conducts"},
		{Name: "fibrosis_reduce_fibre", Kind: models.Float, Default: 0.5, Min: b(0), Max: b(0.999), Doc: "σ reduction along the fibre on conducting fibrotic elements"},
		{Name: "fibrosis_reduce_cross", Kind: models.Float, Default: 0.8, Min: b(0), Max: b(0.999), Doc: "σ reduction across the fibre on conducting fibrotic elements"},
		{Name: "fibrosis_iir_fibrotic", Kind: models.Float, Default: substrate.IIRThresholds().Fibrotic, Doc: "fibrosis_field: values above this are fibrotic (IIR 1.2, Benito 2017)"},
		{Name: "fibrosis_iir_dense", Kind: models.Float, Default: substrate.IIRThresholds().Dense, Doc: "fibrosis_field: values above this are dense scar (IIR 1.32)"},
		{Name: "lesion_set", Kind: models.String, Default: NoLesionSet, Choices: choices,
			Doc: "lesions, by name from [inputs.lesion_sets], added to [inputs] lesions; \"none\": only those"},
		{Name: "require_continuous", Kind: models.Bool, Default: false,
			Doc: "a line or ring lesion with a gap (substrate.Ablation.Gaps) is an error naming it; otherwise the gaps are counted in lesion_gaps"},
		{Name: "phase", Kind: models.String, Default: PhaseNone, Choices: []string{PhaseNone, PhaseState, PhaseLAT},
			Doc: "phase-singularity tracking (triangle meshes): none, state-space phase (mms, ms, aliev_panfilov) or LAT phase"},
		{Name: "frame_ms", Kind: models.Float, Unit: "ms", Default: 1.0, Min: b(1e-3), Max: b(1e4), Doc: "phase frame interval, a whole multiple of dt_ms"},
		{Name: "phase_start_ms", Kind: models.Float, Unit: "ms", Default: 0.0, Min: b(0), Max: b(1e6), Doc: "first phase frame time"},
		{Name: "track_distance_mm", Kind: models.Float, Unit: "mm", Default: 2.0, Min: b(0), Max: b(1000), Doc: "tracking: largest move of a singularity between sightings"},
		{Name: "track_gap_ms", Kind: models.Float, Unit: "ms", Default: 0.0, Min: b(0), Max: b(1e4), Doc: "tracking: longest time between two sightings of a track; 0: one frame"},
		{Name: "driver_min_lifespan_ms", Kind: models.Float, Unit: "ms", Default: 100.0, Min: b(0), Max: b(1e6), Doc: "re-entrant driver: shortest lifespan"},
		{Name: "driver_min_rotations", Kind: models.Float, Default: 1.0, Min: b(0), Max: b(1e6), Doc: "re-entrant driver: fewest rotations"},
		{Name: "driver_max_radius_mm", Kind: models.Float, Unit: "mm", Default: 0.0, Min: b(0), Max: b(1e4), Doc: "re-entrant driver: largest meander radius; 0: any"},
	}
}

var reentryOutputs = []models.Output{
	{Name: "fibrotic_fraction", Doc: "fibrotic (or dense) fraction of the mesh's area; 0 without fibrosis"},
	{Name: "lesion_area_mm2", Unit: "mm²", Doc: "area (volume for tetrahedra) of the union of the lesions"},
	{Name: "lesion_gaps", Doc: "number of line or ring lesions with a gap (substrate.Ablation.Gaps non-empty)"},
	{Name: "ps_count", Doc: "phase-singularity tracks (NaN with phase = none)"},
	{Name: "rd_count", Doc: "tracks meeting the driver criteria (re-entrant drivers)"},
	{Name: "inducible", Doc: "1 when rd_count ≥ 1, else 0 (NaN with phase = none)"},
	{Name: "max_rotations", Doc: "most rotations of a track"},
	{Name: "longest_track_ms", Unit: "ms", Doc: "longest track lifespan"},
	{Name: "mean_cycle_length_ms", Unit: "ms", Doc: "mean interval between activations after the last stimulus, at the nodes within 5 mm of the drivers' mean positions (all nodes when there are none); NaN if no node activated twice"},
}

// LesionInput is one ablation lesion of Inputs, built by Build:
//
//	{ shape = "disc", center = [x, y, z], radius_mm = r }
//	{ shape = "line", a = [x, y, z], b = [x, y, z], width_mm = w }   # width 0: the elements touching the path
//	{ shape = "ring", center = [x, y, z], radius_mm = r, width_mm = w }
//	{ shape = "pvi", radius_mm = r, width_mm = w }                  # wide-antral PVI from the mesh's vein orifices
//
// A "pvi" lesion is the wide-antral circumferential lesion set of a
// left-atrial surface (substrate.Ablation.PulmonaryVeinIsolation): one
// closed lesion around each ipsilateral vein pair, radius_mm (0: 5 mm)
// beyond the ostia, width_mm wide (0: 3 mm); veins = [[x, y, z], …] picks
// the vein orifices nearest to those points instead of classifying the
// boundary loops by size.
//
// gap = [x, y, z] with gap_radius_mm leaves an incomplete lesion: its
// elements whose centroid lies within gap_radius_mm of the point (at least
// the one nearest) conduct again, as after a missed ablation point.
type LesionInput struct {
	Shape       string      `json:"shape"`
	Center      *[3]float64 `json:"center,omitempty"`
	A           *[3]float64 `json:"a,omitempty"`
	B           *[3]float64 `json:"b,omitempty"`
	RadiusMM    float64     `json:"radius_mm"`
	WidthMM     float64     `json:"width_mm"`
	Gap         *[3]float64 `json:"gap,omitempty"`
	GapRadiusMM float64     `json:"gap_radius_mm"`
	// Veins (pvi) picks the vein orifices by points near them, mm.
	Veins [][3]float64 `json:"veins,omitempty"`
}

func checkLesionInputs(in Inputs) error {
	check := func(where string, ls []LesionInput) error {
		for i, l := range ls {
			name := fmt.Sprintf("atrial inputs: %s[%d]", where, i)
			switch l.Shape {
			case "disc", "ring":
				if l.Center == nil {
					return fmt.Errorf("%s: a %s needs center = [x, y, z]", name, l.Shape)
				}
			case "line":
				if l.A == nil || l.B == nil {
					return fmt.Errorf("%s: a line needs a = [x, y, z] and b = [x, y, z]", name)
				}
			case "pvi":
				if l.Gap != nil {
					return fmt.Errorf("%s: a pvi lesion set takes no gap; add a line or ring with a gap instead", name)
				}
			default:
				return fmt.Errorf("%s: shape %q, expected \"disc\", \"line\", \"ring\" or \"pvi\"", name, l.Shape)
			}
			if len(l.Veins) > 0 && l.Shape != "pvi" {
				return fmt.Errorf("%s: veins is for a pvi lesion set, not a %s", name, l.Shape)
			}
			if !(l.RadiusMM >= 0) || !(l.WidthMM >= 0) || !(l.GapRadiusMM >= 0) {
				return fmt.Errorf("%s: radius_mm, width_mm and gap_radius_mm must be non-negative", name)
			}
		}
		return nil
	}
	if err := check("lesions", in.Lesions); err != nil {
		return err
	}
	for _, n := range lesionSetNames(in) {
		if n == NoLesionSet || n == "" {
			return fmt.Errorf("atrial inputs: lesion_sets: %q is reserved for no lesion set", n)
		}
		if err := check("lesion_sets."+n, in.LesionSets[n]); err != nil {
			return err
		}
	}
	return nil
}

func lesionSetNames(in Inputs) []string {
	var names []string
	for n := range in.LesionSets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// runSubstrate is the tissue of one run: fibrosis and lesions on the mesh.
type runSubstrate struct {
	sigma   func(e int) mesh.Conductivity
	fib     *substrate.FibrosisMap // nil without fibrosis
	frac    float64
	lesions []substrate.Lesion
	names   []string
	mask    []bool // non-conducting: fibrosis and lesions; nil without lesions
	gaps    int
}

func vec(a *[3]float64) mgl64.Vec3 { return mgl64.Vec3{a[0], a[1], a[2]} }

// buildSubstrate applies fibrosis and lesions to the conductivity base.
func buildSubstrate(m *mesh.Mesh, p models.Params, in Inputs, seed uint64, base func(e int) mesh.Conductivity) (*runSubstrate, error) {
	return buildSubstrateRemodel(m, p, in, seed, base, false)
}

// buildSubstrateRemodel is buildSubstrate that, with remodel, also marks
// the nodes of conducting fibrotic elements for ionic remodelling
// (substrate.FibrosisMap.Remodelled; the elements and the mask do not
// change).
func buildSubstrateRemodel(m *mesh.Mesh, p models.Params, in Inputs, seed uint64, base func(e int) mesh.Conductivity, remodel bool) (*runSubstrate, error) {
	s := &runSubstrate{sigma: base}
	perr := func(name string, msg string) error {
		return &models.ParamError{Model: Name, Param: name, Value: p[name], Msg: msg}
	}
	if fs := p.Int("fibrosis_seed"); fs != 0 {
		seed = uint64(fs)
	}
	var level []substrate.FibrosisLevel
	var err error
	pattern := p.String("fibrosis_pattern")
	switch {
	case in.FibrosisField != "":
		if pattern != "none" {
			return nil, perr("fibrosis_pattern", "must be \"none\" when [inputs] names a fibrosis_field")
		}
		if p.String("mesh") != MeshFile {
			return nil, fmt.Errorf("atrial inputs: fibrosis_field %q needs mesh = \"file\"", in.FibrosisField)
		}
		th := substrate.Thresholds{Fibrotic: p.Float("fibrosis_iir_fibrotic"), Dense: p.Float("fibrosis_iir_dense")}
		if f := m.CellField(in.FibrosisField); f != nil && f.Components == 1 {
			level, err = substrate.ClassifyCells(m, f.Values, th)
		} else if f := m.PointField(in.FibrosisField); f != nil && f.Components == 1 {
			level, err = substrate.ClassifyPoints(m, f.Values, th)
		} else {
			return nil, fmt.Errorf("atrial inputs: fibrosis_field %q: the mesh %s has no one-component cell or point field of that name", in.FibrosisField, in.Mesh)
		}
	case pattern != "none":
		var pat substrate.Pattern
		if pat, err = substrate.ParsePattern(pattern); err == nil {
			level, err = substrate.GenerateFibrosis(m, substrate.FibrosisPattern{Pattern: pat, Density: p.Float("fibrosis_density"),
				Seed: seed, PatchRadius: p.Float("fibrosis_patch_mm"), Aspect: p.Float("fibrosis_aspect")})
		}
	}
	if err != nil {
		return nil, err
	}
	if level != nil {
		s.fib, err = substrate.ApplyFibrosis(m, level, substrate.FibrosisEffects{ReduceFibre: p.Float("fibrosis_reduce_fibre"),
			ReduceCross: p.Float("fibrosis_reduce_cross"), NonConducting: p.Float("fibrosis_nonconducting"), Seed: seed, Remodel: remodel})
		if err != nil {
			return nil, err
		}
		s.frac = substrate.FibroticFraction(m, level)
		s.sigma = s.fib.Sigma(base)
	}

	inputs := slices.Clone(in.Lesions)
	for i := range in.Lesions {
		s.names = append(s.names, fmt.Sprintf("lesions[%d]", i))
	}
	if set := p.String("lesion_set"); set != NoLesionSet {
		ls, ok := in.LesionSets[set]
		if !ok {
			return nil, perr("lesion_set", "no such lesion set in [inputs.lesion_sets]")
		}
		inputs = append(inputs, ls...)
		for i := range ls {
			s.names = append(s.names, fmt.Sprintf("lesion_sets.%s[%d]", set, i))
		}
	}
	if len(inputs) == 0 {
		return s, nil
	}
	a, err := substrate.NewAblation(m)
	if err != nil {
		return nil, err
	}
	names := s.names
	s.names = nil
	for i, li := range inputs {
		ls, err := li.BuildAll(a)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", names[i], err)
		}
		for k, l := range ls {
			n := names[i]
			if len(ls) > 1 {
				n = fmt.Sprintf("%s (%s %d of %d)", n, l.Shape, k+1, len(ls))
			}
			s.names = append(s.names, n)
			s.lesions = append(s.lesions, l)
		}
	}
	var fibNC []bool
	if s.fib != nil {
		fibNC = s.fib.NonConducting
	}
	s.mask = a.Mask(fibNC, s.lesions...)
	for i, l := range s.lesions {
		if g := a.Gaps(l, s.mask); len(g) > 0 {
			if p.Bool("require_continuous") {
				return nil, perr("require_continuous", fmt.Sprintf("%s (%s) has a gap: %d conducting elements touch its centre line or circle, e.g. element %d at %.3g mm",
					s.names[i], l.Shape, len(g), g[0], m.Centroid(g[0])))
			}
			s.gaps++
		}
	}
	s.sigma = substrate.BlockElements(s.sigma, s.mask)
	return s, nil
}

// BuildAll builds the lesions li describes on a's mesh: one for a disc,
// line or ring (Build), one per ipsilateral vein group for pvi.
func (li LesionInput) BuildAll(a *substrate.Ablation) ([]substrate.Lesion, error) {
	if li.Shape != "pvi" {
		l, err := li.Build(a)
		if err != nil {
			return nil, err
		}
		return []substrate.Lesion{l}, nil
	}
	o := substrate.PVIOptions{DistanceMM: li.RadiusMM, WidthMM: li.WidthMM}
	for _, v := range li.Veins {
		o.Veins = append(o.Veins, vec(&v))
	}
	ls, _, err := a.PulmonaryVeinIsolation(o)
	return ls, err
}

// Build builds the lesion li describes on a's mesh, with its gap when li
// gives one; a pvi lesion set, several lesions, needs BuildAll.
func (li LesionInput) Build(a *substrate.Ablation) (substrate.Lesion, error) {
	var l substrate.Lesion
	var err error
	switch li.Shape {
	case "disc":
		l, err = a.Disc(vec(li.Center), li.RadiusMM)
	case "line":
		l, err = a.Line(vec(li.A), vec(li.B), li.WidthMM)
	case "ring":
		l, err = a.Ring(vec(li.Center), li.RadiusMM, li.WidthMM)
	case "pvi":
		err = fmt.Errorf("a pvi lesion set is several lesions: build it with BuildAll")
	default:
		err = fmt.Errorf("lesion shape %q, expected \"disc\", \"line\" or \"ring\"", li.Shape)
	}
	if err != nil {
		return substrate.Lesion{}, err
	}
	if li.Gap != nil {
		l = a.WithGap(l, vec(li.Gap), li.GapRadiusMM)
	}
	return l, nil
}

func (s *runSubstrate) scalars(out map[string]float64, m *mesh.Mesh) {
	area := 0.0
	if s.mask != nil {
		in := make([]bool, m.NumCells())
		for _, l := range s.lesions {
			for _, e := range l.Elements {
				if !in[e] {
					in[e] = true
					area += math.Abs(m.Measure(e))
				}
			}
		}
	}
	out["fibrotic_fraction"] = s.frac
	out["lesion_area_mm2"] = area
	out["lesion_gaps"] = float64(s.gaps)
}

// fields returns the fibrosis cell fields Fibrosis and NonConducting and
// point field Remodelled (with fibrosis), and the cell field Lesion (the
// 1-based index of the last lesion holding the element, 0 for none; with
// lesions).
func (s *runSubstrate) fields() (cell, point []mesh.Field) {
	if s.fib != nil {
		cell, point = s.fib.Fields()
	}
	if s.mask != nil {
		v := make([]float64, len(s.mask))
		for i, l := range s.lesions {
			for _, e := range l.Elements {
				v[e] = float64(i + 1)
			}
		}
		cell = append(cell, mesh.Field{Name: "Lesion", Components: 1, Values: v})
	}
	return cell, point
}
