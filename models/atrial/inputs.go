package atrial

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
)

// Inputs is the model's structured input: the scenario's [inputs] table.
//
//	[inputs]
//	mesh = "shared/data/atrial/atrium.vtp"   # with mesh = "file"; relative to the current directory
//	sites = [                                  # optional: replaces the S1/S2 parameters
//	  { x = 0, y = 0, z = 0, radius_mm = 1, start_ms = 0, duration_ms = 2, strength = 50, period_ms = 300, count = 3 },
//	]
//
// Fibrosis from a field of the mesh file, and lesions (see LesionInput):
//
//	fibrosis_field = "IIR"                     # a cell or point field of the file mesh, binned by fibrosis_iir_*
//	lesions = [ { shape = "line", a = [5, 0, 0], b = [5, 10, 0] } ]          # always applied
//	[inputs.lesion_sets]                       # candidate lesion sets by name: parameter lesion_set
//	roof = [ { shape = "disc", center = [8, 20, 0], radius_mm = 3 } ]
//
// Per-region ionic sets and conductivities on a tagged mesh file (see
// RegionInput):
//
//	regions = [ { tags = [1, 2], ionic_set = "roney_pv", im_param = "GKs*1.87", sigma_l = 0.4, sigma_t = 0.1 } ]
type Inputs struct {
	Mesh          string                   `json:"mesh,omitempty"`
	Sites         []SiteInput              `json:"sites,omitempty"`
	FibrosisField string                   `json:"fibrosis_field,omitempty"`
	Lesions       []LesionInput            `json:"lesions,omitempty"`
	LesionSets    map[string][]LesionInput `json:"lesion_sets,omitempty"`
	Regions       []RegionInput            `json:"regions,omitempty"`
	// Optima holds the settings of `mdtwin optima` ([inputs.optima]), which
	// package optima reads; a single run ignores them.
	Optima json.RawMessage `json:"optima,omitempty"`
	// Trial holds the settings of a virtual trial of ablation strategies
	// ([inputs.trial], `mdtwin optima` over a cohort), which package optima
	// reads; a single run ignores them.
	Trial json.RawMessage `json:"trial,omitempty"`
	// Initial prescribes the initial state (InitialInput).
	Initial *InitialInput `json:"initial,omitempty"`
	// Electrodes places recording electrodes (ElectrodesInput).
	Electrodes *ElectrodesInput `json:"electrodes,omitempty"`
	// CheckpointMS > 0 writes the run's full state at that time (ms, a
	// multiple of dt_ms, at most duration_ms) to CheckpointFile in its
	// folder, for [inputs.initial] checkpoint.
	CheckpointMS float64 `json:"checkpoint_ms,omitempty"`
	// IGBMS > 0 writes V at every node every IGBMS ms (a multiple of
	// dt_ms) to IGBFile in its folder, in openCARP's .igb format.
	IGBMS float64 `json:"igb_ms,omitempty"`
	// Decremental and Restitution replace the parameters' S1 train by a
	// decremental burst or an S1–S2 restitution protocol from its site.
	Decremental *DecrementalInput `json:"decremental,omitempty"`
	Restitution *RestitutionInput `json:"restitution,omitempty"`
	// Fibres = "rule-based" (FibresRuleBased) replaces a file mesh's
	// fibres by the Laplace–Dirichlet rule-based left-atrial fibres
	// (RuleBasedFibres) from Landmarks; empty keeps the mesh file's
	// fibres, else the longest axis projected.
	Fibres    string          `json:"fibres,omitempty"`
	Landmarks *LandmarksInput `json:"landmarks,omitempty"`
}

// SiteInput is one pacing site of Inputs (see Site).
type SiteInput struct {
	X, Y, Z    float64
	RadiusMM   float64 `json:"radius_mm"`
	StartMS    float64 `json:"start_ms"`
	DurationMS float64 `json:"duration_ms"`
	Strength   float64 `json:"strength"`
	PeriodMS   float64 `json:"period_ms"`
	Count      int     `json:"count"`
	// BoxMin and BoxMax, when both given, replace the disc by the nodes in
	// the box [BoxMin, BoxMax] (mm), as openCARP's stimulus boxes: e.g. an
	// edge for a planar S1 or a quadrant for a cross-field S2.
	BoxMin *[3]float64 `json:"box_min,omitempty"`
	BoxMax *[3]float64 `json:"box_max,omitempty"`
}

func parseInputs(raw json.RawMessage) (Inputs, error) {
	var in Inputs
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return in, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("atrial inputs: %v (expected keys mesh, sites, fibrosis_field, lesions, lesion_sets, regions, initial, electrodes, checkpoint_ms, igb_ms, decremental, restitution, fibres, landmarks, optima, trial)", err)
	}
	for i, s := range in.Sites {
		if !(s.RadiusMM >= 0) || !(s.DurationMS > 0) || s.Count < 0 || (s.Count > 1 && !(s.PeriodMS > 0)) {
			return in, fmt.Errorf("atrial inputs: sites[%d]: need radius_mm ≥ 0, duration_ms > 0, count ≥ 0 and period_ms > 0 when count > 1", i)
		}
		if (s.BoxMin == nil) != (s.BoxMax == nil) {
			return in, fmt.Errorf("atrial inputs: sites[%d]: give both box_min and box_max, or neither", i)
		}
	}
	if err := checkLesionInputs(in); err != nil {
		return in, err
	}
	if err := checkRegionInputs(in); err != nil {
		return in, err
	}
	if err := in.Initial.check(); err != nil {
		return in, err
	}
	if err := in.Electrodes.check(); err != nil {
		return in, err
	}
	if err := checkPacingInputs(in); err != nil {
		return in, err
	}
	if err := checkFibreInputs(in); err != nil {
		return in, err
	}
	for _, x := range []struct {
		name string
		v    float64
	}{{"checkpoint_ms", in.CheckpointMS}, {"igb_ms", in.IGBMS}} {
		if !(x.v >= 0) || math.IsInf(x.v, 0) {
			return in, fmt.Errorf("atrial inputs: %s = %g, expected a finite time ≥ 0 ms (0: none)", x.name, x.v)
		}
	}
	return in, nil
}

// ParseInputs decodes and checks the model's [inputs] (as JSON).
func ParseInputs(raw json.RawMessage) (Inputs, error) { return parseInputs(raw) }

// Substrate returns the mesh and the non-conducting mask (generated or
// field fibrosis and lesions; all false without either) of a run with
// resolved parameters p, inputs and seed — the tissue the run simulates.
func Substrate(p models.Params, inputs json.RawMessage, seed uint64) (*mesh.Mesh, []bool, error) {
	in, err := parseInputs(inputs)
	if err != nil {
		return nil, nil, err
	}
	s, err := build(p, in)
	if err != nil {
		return nil, nil, err
	}
	base := mesh.Uniform(mesh.TransverselyIsotropic(p.Float("sigma_l"), p.Float("sigma_t")))
	sub, err := buildSubstrate(s.m, p, in, seed, base)
	if err != nil {
		return nil, nil, err
	}
	mask := sub.mask
	if mask == nil {
		mask = make([]bool, s.m.NumCells())
		if sub.fib != nil {
			copy(mask, sub.fib.NonConducting)
		}
	}
	return s.m, mask, nil
}
