package ionic

import (
	"fmt"
	"strings"
)

// DefaultSet names each model's default set (ByName's).
const DefaultSet = "default"

// namedSet is a published parameter set of a cell model.
type namedSet struct {
	name string
	set  func() Model
}

func set[M Model](f func() M) func() Model { return func() Model { return f() } }

// sets lists the named sets of each cell model (the engine's ionic_set
// parameter), the default first.
var sets = map[string][]namedSet{
	NameCRN: {{DefaultSet, set(CRN98)}, {"control", set(CRN98)}, {"caf", set(CourtemancheCAF)}, {"roney_la", set(CourtemancheRoneyLA)},
		{"roney_laa", set(CourtemancheRoneyLAA)}, {"roney_pv", set(CourtemancheRoneyPV)}, {"fibrotic", set(CourtemancheFibrotic)}},
	NameTP06: {{DefaultSet, set(TP06Epi)}, {"epi", set(TP06Epi)}, {"m", set(TP06M)}, {"endo", set(TP06Endo)}},
	NameMS:   {{DefaultSet, set(StandardMS)}, {"standard", set(StandardMS)}, {"atrial", set(AtrialMS)}},
	NameMMS:  {{DefaultSet, set(AtrialMMS)}, {"atrial", set(AtrialMMS)}, {"torchcor", set(TorchCorMMS)}, {"mms_model", set(FileMMS)}},
	NameAP:   {{DefaultSet, set(DefaultAlievPanfilov)}},
}

// SetNames returns the set names of the cell model named model (nil for
// an unknown model), "default" first:
//
//	courtemanche    default = control (CRN98), caf (CourtemancheCAF), roney_la, roney_laa, roney_pv
//	                (CourtemancheRoneyLA, …LAA, …PV), fibrotic (CourtemancheFibrotic)
//	tentusscher     default = epi (TP06Epi), m (TP06M), endo (TP06Endo)
//	ms              default = standard (StandardMS), atrial (AtrialMS)
//	mms             default = atrial (AtrialMMS), torchcor (TorchCorMMS), mms_model (FileMMS)
//	aliev_panfilov  default (DefaultAlievPanfilov)
func SetNames(model string) []string {
	var names []string
	for _, s := range sets[model] {
		names = append(names, s.name)
	}
	return names
}

// Set returns the parameter set named set of the cell model named model
// (see SetNames). An unknown set is an error naming the model's sets.
func Set(model, set string) (Model, error) {
	ss, ok := sets[model]
	if !ok {
		return ByName(model)
	}
	for _, s := range ss {
		if s.name == set {
			return s.set(), nil
		}
	}
	return nil, fmt.Errorf("ionic model %s has no set %q; it has %s", model, set, strings.Join(SetNames(model), ", "))
}

// AllSetNames returns every set name of every model, once each, in a
// fixed order (the choices of the engine's ionic_set parameter).
func AllSetNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, model := range Names() {
		for _, n := range SetNames(model) {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// FibroticMods returns the im_param modification of fibrotic myocytes of
// the model named model (the engine's fibrosis_ionic = "auto"): openCARP
// tutorial 21 for Courtemanche (reference §5 and §4: g_K1 ×0.5, g_Na ×0.6,
// g_CaL ×0.5, which on the control set gives CourtemancheFibrotic); none
// ("") is published for the other models here, so they are left
// unchanged.
func FibroticMods(model string) string {
	if model == NameCRN {
		return "GK1*0.5,GNa*0.6,GCaL*0.5"
	}
	return ""
}
