package atrial

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
)

// The engine model's ionic and conductivity heterogeneity: named ionic
// sets, im_param modifications, the ionic remodelling of fibrotic nodes and
// per-region sets and conductivities ([inputs] regions).

// The special values of the fibrosis_ionic parameter.
const (
	FibrosisIonicAuto = "auto" // the model's published fibrotic set, if any
	FibrosisIonicNone = "none" // no ionic remodelling
)

func heteroParams() []models.Param {
	return []models.Param{
		{Name: "ionic_set", Kind: models.String, Default: ionic.DefaultSet, Choices: ionic.AllSetNames(),
			Doc: "published parameter set of the ionic model (ionic.SetNames): courtemanche control, caf, roney_la, roney_laa, roney_pv, fibrotic; " +
				"tentusscher epi, m, endo; ms standard, atrial; mms atrial, torchcor, mms_model; \"default\" is the model's default (control, epi, standard, atrial)"},
		{Name: "im_param", Kind: models.String, Default: "",
			Doc: "openCARP im_param-style modification of the ionic set on the whole mesh (regions included), e.g. \"GNa*2.0,Gto=0.0826,factorGKur*0.5\" (ionic.Modify lists the names)"},
		{Name: "fibrosis_ionic", Kind: models.String, Default: FibrosisIonicAuto,
			Doc: "ionic remodelling of the nodes of conducting fibrotic elements, on top of their set: \"auto\" = the published fibrotic myocyte where the model has one " +
				"(courtemanche: openCARP tutorial 21, GK1*0.5,GNa*0.6,GCaL*0.5) and none for the other models; \"none\"; or an im_param string"},
	}
}

// RegionInput is one entry of Inputs.Regions: ionic parameters and
// conductivities for the elements whose mesh region tag (mesh.Mesh.Regions,
// openCARP element tags, the VTK "Region" cell array) is in Tags.
//
//	regions = [ { tags = [1, 2], ionic_set = "roney_pv", im_param = "GKs*1.87", sigma_l = 0.4, sigma_t = 0.1 } ]
//
// IonicSet (default: the ionic_set parameter) and IMParam (applied after
// the im_param parameter) give the cell of the region's nodes; SigmaL and
// SigmaT (mS/mm) replace sigma_l and sigma_t on its elements. Rules, for
// tags or nodes in several entries: an element takes each σ from the last
// entry listing its tag that gives it; a node takes the cell of the last
// entry listing the tag of any element touching it (so border nodes go to
// the later entry); nodes of no entry keep the global cell. Fibrosis scales
// the region's σ and remodels the region's cell (fibrosis_ionic) on top.
type RegionInput struct {
	Tags     []int    `json:"tags"`
	IonicSet string   `json:"ionic_set,omitempty"`
	IMParam  string   `json:"im_param,omitempty"`
	SigmaL   *float64 `json:"sigma_l,omitempty"`
	SigmaT   *float64 `json:"sigma_t,omitempty"`
}

// checkRegionInputs checks what does not depend on the mesh or model.
func checkRegionInputs(in Inputs) error {
	for i, r := range in.Regions {
		name := fmt.Sprintf("atrial inputs: regions[%d]", i)
		if len(r.Tags) == 0 {
			return fmt.Errorf("%s: tags is empty; expected the mesh region tags it applies to, e.g. tags = [1, 2]", name)
		}
		for _, s := range []*float64{r.SigmaL, r.SigmaT} {
			if s != nil && !(*s >= 0 && *s <= 100) {
				return fmt.Errorf("%s: sigma_l and sigma_t must be in [0, 100] mS/mm, got %g", name, *s)
			}
		}
		if _, err := ionic.ParseMods(r.IMParam); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
	}
	return nil
}

// regionEntries returns, per element, the last entry of in.Regions listing
// its tag (−1 for none), checking that every tag is on the mesh.
func regionEntries(m *mesh.Mesh, in Inputs) ([]int, error) {
	if len(in.Regions) == 0 {
		return nil, nil
	}
	if m.Regions == nil {
		return nil, fmt.Errorf("atrial inputs: regions[0]: the mesh has no region tags (an openCARP .elem tag or a VTK \"Region\" cell array); regions need a tagged mesh file")
	}
	last := map[int]int{}
	present := map[int]bool{}
	for _, t := range m.Regions {
		present[t] = true
	}
	for i, r := range in.Regions {
		for _, t := range r.Tags {
			if !present[t] {
				tags := make([]int, 0, len(present))
				for t := range present {
					tags = append(tags, t)
				}
				slices.Sort(tags)
				return nil, fmt.Errorf("atrial inputs: regions[%d]: tag %d is not on the mesh, whose tags are %v", i, t, tags)
			}
			last[t] = i
		}
	}
	entry := make([]int, len(m.Regions))
	for e, t := range m.Regions {
		if i, ok := last[t]; ok {
			entry[e] = i
		} else {
			entry[e] = -1
		}
	}
	return entry, nil
}

// regionSigma returns the per-element conductivity with the regions' σ
// (global sigma_l, sigma_t elsewhere).
func regionSigma(m *mesh.Mesh, in Inputs, sigL, sigT float64) (func(e int) mesh.Conductivity, error) {
	base := mesh.Uniform(mesh.TransverselyIsotropic(sigL, sigT))
	if len(in.Regions) == 0 {
		return base, nil
	}
	if _, err := regionEntries(m, in); err != nil {
		return nil, err
	}
	type pair struct{ l, t float64 }
	byTag := map[int]pair{}
	for _, r := range in.Regions {
		for _, t := range r.Tags {
			p, ok := byTag[t]
			if !ok {
				p = pair{sigL, sigT}
			}
			if r.SigmaL != nil {
				p.l = *r.SigmaL
			}
			if r.SigmaT != nil {
				p.t = *r.SigmaT
			}
			byTag[t] = p
		}
	}
	c := make([]mesh.Conductivity, m.NumCells())
	for e, t := range m.Regions {
		p, ok := byTag[t]
		if !ok {
			p = pair{sigL, sigT}
		}
		c[e] = mesh.TransverselyIsotropic(p.l, p.t)
	}
	return func(e int) mesh.Conductivity { return c[e] }, nil
}

// cellKind is one ionic cell of a run before node assignment: the global
// or a region's, healthy or remodelled.
type cellKind struct {
	healthy, fibrotic ionic.Model
	label             string
}

// ionicPlan is the resolved ionic parameters of a run: the global cell,
// each region's, and the fibrotic remodelling.
type ionicPlan struct {
	model   string
	global  cellKind
	regions []cellKind
	remodel bool // fibrosis_ionic changes something: mark remodelled nodes
}

// planIonic resolves ionic, ionic_set, im_param, fibrosis_ionic and the
// regions' ionic_set and im_param. Errors name the parameter or the entry.
func planIonic(p models.Params, in Inputs) (*ionicPlan, error) {
	perr := func(name string, msg string) error {
		return &models.ParamError{Model: Name, Param: name, Value: p[name], Msg: msg}
	}
	model, set := p.String("ionic"), p.String("ionic_set")
	base, err := ionic.Set(model, set)
	if err != nil {
		return nil, perr("ionic_set", err.Error())
	}
	global, err := ionic.ParseMods(p.String("im_param"))
	if err != nil {
		return nil, perr("im_param", err.Error())
	}
	var fib []ionic.Mod
	switch f := p.String("fibrosis_ionic"); f {
	case FibrosisIonicAuto:
		fib, err = ionic.ParseMods(ionic.FibroticMods(model))
	case FibrosisIonicNone:
	default:
		fib, err = ionic.ParseMods(f)
	}
	if err != nil {
		return nil, perr("fibrosis_ionic", err.Error())
	}
	pl := &ionicPlan{model: model, remodel: len(fib) > 0}
	// kind returns the healthy and remodelled cells of ion with mods, and
	// on error the parameter that caused it.
	kind := func(ion ionic.Model, label string, mods []ionic.Mod) (cellKind, string, error) {
		k := cellKind{label: label}
		if k.healthy, err = ionic.Apply(ion, mods); err != nil {
			return k, "im_param", err
		}
		if k.fibrotic, err = ionic.Apply(k.healthy, fib); err != nil {
			return k, "fibrosis_ionic", err
		}
		return k, "", nil
	}
	label := model + " " + set
	if len(global) > 0 {
		label += " " + modsString(global)
	}
	var bad string
	if pl.global, bad, err = kind(base, label, global); err != nil {
		return nil, perr(bad, err.Error())
	}
	for i, r := range in.Regions {
		rs := r.IonicSet
		if rs == "" {
			rs = set
		}
		ion, err := ionic.Set(model, rs)
		if err != nil {
			return nil, fmt.Errorf("atrial inputs: regions[%d]: ionic_set: %v", i, err)
		}
		mods, err := ionic.ParseMods(r.IMParam)
		if err != nil {
			return nil, fmt.Errorf("atrial inputs: regions[%d]: %v", i, err)
		}
		all := append(slices.Clone(global), mods...)
		label := fmt.Sprintf("regions[%d]: %s %s", i, model, rs)
		if len(all) > 0 {
			label += " " + modsString(all)
		}
		k, bad, err := kind(ion, label, all)
		if bad == "fibrosis_ionic" {
			return nil, fmt.Errorf("atrial inputs: regions[%d]: with fibrosis_ionic = %q: %v", i, p.String("fibrosis_ionic"), err)
		}
		if err != nil {
			return nil, fmt.Errorf("atrial inputs: regions[%d]: %v", i, err)
		}
		pl.regions = append(pl.regions, k)
	}
	return pl, nil
}

func modsString(mods []ionic.Mod) string {
	s := make([]string, len(mods))
	for i, m := range mods {
		s[i] = m.String()
	}
	return strings.Join(s, ",")
}

// ionicLayout is the ionic parameter set of every node of a run.
type ionicLayout struct {
	sets   []ionic.Model // distinct sets, in order of first node
	labels []string      // what each set is
	index  []uint8       // per node; nil when there is one set
	count  []int         // nodes per set
}

// layout assigns every node its cell: the region entry of the last
// entry holding an element touching it (entries per element from
// regionEntries), remodelled where remodelled[node] (may be nil).
func (pl *ionicPlan) layout(m *mesh.Mesh, entries []int, remodelled []bool) (*ionicLayout, error) {
	np := len(m.Points)
	node := make([]int, np)
	for i := range node {
		node[i] = -1
	}
	for e, en := range entries {
		for _, v := range m.Cell(e) {
			node[v] = max(node[v], en)
		}
	}
	lay := &ionicLayout{index: make([]uint8, np)}
	ids := map[ionic.Model]uint8{}
	for i := range np {
		k := pl.global
		if node[i] >= 0 {
			k = pl.regions[node[i]]
		}
		ion, label := k.healthy, k.label
		if pl.remodel && remodelled != nil && remodelled[i] {
			ion, label = k.fibrotic, k.label+" + fibrotic remodelling"
		}
		id, ok := ids[ion]
		if !ok {
			if len(lay.sets) == 256 {
				return nil, fmt.Errorf("atrial: more than 256 distinct ionic sets on the mesh (regions × fibrotic remodelling)")
			}
			id = uint8(len(lay.sets))
			ids[ion] = id
			lay.sets = append(lay.sets, ion)
			lay.labels = append(lay.labels, label)
			lay.count = append(lay.count, 0)
		}
		lay.index[i] = id
		lay.count[id]++
	}
	if len(lay.sets) == 0 { // no nodes
		lay.sets, lay.labels = []ionic.Model{pl.global.healthy}, []string{pl.global.label}
	}
	if len(lay.sets) == 1 {
		lay.index = nil
	}
	return lay, nil
}

// rests returns each node's resting potential, nil when all are equal.
func (lay *ionicLayout) rests(ns int) []float64 {
	if lay.index == nil {
		return nil
	}
	r := make([]float64, len(lay.sets))
	s := make([]float64, ns)
	for k, ion := range lay.sets {
		r[k] = ion.Rest(s)
	}
	if slices.Min(r) == slices.Max(r) {
		return nil
	}
	out := make([]float64, len(lay.index))
	for i, k := range lay.index {
		out[i] = r[k]
	}
	return out
}

// field returns the point field "IonicSet" (the index into labels), nil
// with one set.
func (lay *ionicLayout) field() []mesh.Field {
	if lay.index == nil {
		return nil
	}
	v := make([]float64, len(lay.index))
	for i, k := range lay.index {
		v[i] = float64(k)
	}
	return []mesh.Field{{Name: "IonicSet", Components: 1, Values: v}}
}

// table returns the table "ionic_sets": per set its index, node count and
// the median first-beat APD of its nodes (NaN if none repolarised); nil
// with one set. The labels go to ionic_sets.json (sets).
func (lay *ionicLayout) table(apd []float64) []models.Table {
	if lay.index == nil {
		return nil
	}
	per := make([][]float64, len(lay.sets))
	for i, k := range lay.index {
		per[k] = append(per[k], apd[i])
	}
	t := models.Table{Name: "ionic_sets", Columns: []string{"set", "n_nodes", "apd_ms"}}
	for k := range lay.sets {
		t.Rows = append(t.Rows, []float64{float64(k), float64(lay.count[k]), median(per[k])})
	}
	return []models.Table{t}
}

// ionicSetInfo is one entry of ionic_sets.json.
type ionicSetInfo struct {
	Set        int         `json:"set"`
	Label      string      `json:"label"`
	Nodes      int         `json:"n_nodes"`
	Model      string      `json:"model"`
	Parameters ionic.Model `json:"parameters"`
}

// info returns what ionic_sets.json lists: each set's index (the IonicSet
// field's value), label, node count and parameters.
func (lay *ionicLayout) info() []ionicSetInfo {
	out := make([]ionicSetInfo, len(lay.sets))
	for k, ion := range lay.sets {
		out[k] = ionicSetInfo{Set: k, Label: lay.labels[k], Nodes: lay.count[k], Model: ion.Name(), Parameters: ion}
	}
	return out
}
