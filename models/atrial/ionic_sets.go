package atrial

import (
	"fmt"
	"strings"
)

// DefaultIonicSet names each model's default set (IonicByName's).
const DefaultIonicSet = "default"

// namedSet is a published parameter set of an ionic model.
type namedSet struct {
	name string
	ion  Ionic
}

// TorchCorMMS is the modified Mitchell–Schaeffer set of TorchCor's
// defaults (reference §4): V_gate = a_crit = 0.13, τin 0.1, τout 9,
// τopen 100, τclose 120 ms, V from −80 to 20 mV.
var TorchCorMMS = ModifiedMS{TauIn: 0.1, TauOut: 9, TauOpen: 100, TauClose: 120, VGate: 0.13, ACrit: 0.13, VMin: -80, VMax: 20}

// FileMMS is the modified Mitchell–Schaeffer set of the defaults of
// TorchCor's mMS.model file (reference §4): V_gate = a_crit = 0.13, τin
// 0.3, τout 5, τopen 120, τclose 150 ms. The file's voltage range is the
// normalised 0…1; here it is mapped to −80…20 mV like the other mMS sets,
// so that the engine's LAT threshold (mV) applies unchanged.
var FileMMS = ModifiedMS{TauIn: 0.3, TauOut: 5, TauOpen: 120, TauClose: 150, VGate: 0.13, ACrit: 0.13, VMin: -80, VMax: 20}

// CourtemancheRoneyLAA is the left-atrial-appendage set of pcmlab/atrialmtk
// AF_Simulation.par (reference §4): the Roney LA set with g_to 0.05615.
var CourtemancheRoneyLAA = func() Courtemanche {
	c := CourtemancheRoneyLA
	c.GTo = 0.05615
	return c
}()

// ionicSets lists the named sets of each ionic model (parameter
// ionic_set), the default first.
var ionicSets = map[string][]namedSet{
	NameCRN: {{DefaultIonicSet, CRN98}, {"control", CRN98}, {"caf", CourtemancheCAF}, {"roney_la", CourtemancheRoneyLA},
		{"roney_laa", CourtemancheRoneyLAA}, {"roney_pv", CourtemancheRoneyPV}, {"fibrotic", CourtemancheFibrotic}},
	NameTP06: {{DefaultIonicSet, TP06Epi}, {"epi", TP06Epi}, {"m", TP06M}, {"endo", TP06Endo}},
	NameMS:   {{DefaultIonicSet, StandardMS}, {"standard", StandardMS}, {"atrial", AtrialMS}},
	NameMMS:  {{DefaultIonicSet, AtrialMMS}, {"atrial", AtrialMMS}, {"torchcor", TorchCorMMS}, {"mms_model", FileMMS}},
	NameAP:   {{DefaultIonicSet, DefaultAlievPanfilov}},
}

// IonicSetNames returns the set names of the ionic model named model
// (nil for an unknown model), "default" first:
//
//	courtemanche    default = control (CRN98), caf (CourtemancheCAF), roney_la, roney_laa, roney_pv
//	                (CourtemancheRoneyLA, …LAA, …PV), fibrotic (CourtemancheFibrotic)
//	tentusscher     default = epi (TP06Epi), m (TP06M), endo (TP06Endo)
//	ms              default = standard (StandardMS), atrial (AtrialMS)
//	mms             default = atrial (AtrialMMS), torchcor (TorchCorMMS), mms_model (FileMMS)
//	aliev_panfilov  default (DefaultAlievPanfilov)
func IonicSetNames(model string) []string {
	var names []string
	for _, s := range ionicSets[model] {
		names = append(names, s.name)
	}
	return names
}

// IonicSet returns the parameter set named set of the ionic model named
// model (see IonicSetNames). An unknown set is an error naming the
// model's sets.
func IonicSet(model, set string) (Ionic, error) {
	sets, ok := ionicSets[model]
	if !ok {
		return IonicByName(model)
	}
	for _, s := range sets {
		if s.name == set {
			return s.ion, nil
		}
	}
	return nil, fmt.Errorf("ionic model %s has no set %q; it has %s", model, set, strings.Join(IonicSetNames(model), ", "))
}

// allIonicSetNames returns every set name of every model, once each, in
// a fixed order (the ionic_set parameter's choices).
func allIonicSetNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, model := range []string{NameMMS, NameMS, NameAP, NameCRN, NameTP06} {
		for _, n := range IonicSetNames(model) {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// fibroticMods is the ionic remodelling of fibrotic myocytes per model
// (fibrosis_ionic = "auto"): openCARP tutorial 21 for Courtemanche
// (reference §5 and §4: g_K1 ×0.5, g_Na ×0.6, g_CaL ×0.5, which on the
// control set gives CourtemancheFibrotic); none is published for the other
// models here, so they are left unchanged.
var fibroticMods = map[string]string{
	NameCRN: "GK1*0.5,GNa*0.6,GCaL*0.5",
}
