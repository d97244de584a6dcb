package embodiment_test

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/mscohort"
	"github.com/mdtwin/mdtwin/patient/embodiment"
	"github.com/mdtwin/mdtwin/scenarios"
)

// runMS runs mscohort on a personalised scenario with the given parameters
// (the scenario's own, overridden by raw) and seed.
func runMS(t *testing.T, sc *scenarios.Scenario, raw map[string]any, seed uint64) map[string]float64 {
	t.Helper()
	desc, err := mscohort.Model{}.DescribeInputs(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]any{}
	for k, v := range sc.Params {
		params[k] = v
	}
	for k, v := range raw {
		params[k] = v
	}
	ps, err := desc.Resolve(params)
	if err != nil {
		t.Fatal(err)
	}
	res, err := mscohort.Model{}.Run(context.Background(), models.RunSpec{Seed: seed, Params: ps, Inputs: sc.Inputs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Scalars
}

// TestPersonaliseSPMSPatient: MS-0003, coded SPMS in the registry, is no
// longer refused: her baseline is SPMS at EDSS state 6, off therapy
// (natalizumab stopped in 2012), and every strategy of the example stops
// therapy at once (stop_at_spms, the default), so no strategy has any time
// on therapy and all give the same outcomes (the same patients: common
// random numbers).
func TestPersonaliseSPMSPatient(t *testing.T) {
	ps := registryStore(t)
	rec := load(t, ps, "MS-0003")
	sc, err := scenarios.Load("../../scenarios/examples/ms-ofatumumab-first-vs-delayed.toml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := embodiment.Personalise(sc, rec, embodiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var in struct {
		Baseline map[string]any `json:"baseline"`
	}
	if err := json.Unmarshal(p.Scenario.Inputs, &in); err != nil {
		t.Fatal(err)
	}
	// Female, 26, EDSS 6.0 → state 6 (TestMSProfileOfRegistryPatients).
	want := map[string]any{"female": 1.0, "age_mean": 26.0, "age_sd": 0.0, "age_min": 26.0, "age_max": 26.0,
		"edss": []any{0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0}, "spms": 1.0, "therapy": "none", "years_on_therapy": 0.0}
	if !reflect.DeepEqual(in.Baseline, want) {
		t.Errorf("baseline %v, want %v", in.Baseline, want)
	}
	if p.Params["spms_share"] != 1.0 || p.Params["female_share"] != 1.0 {
		t.Errorf("params %v", p.Params)
	}
	if notes := strings.Join(p.Notes, " "); !strings.Contains(notes, "Course SPMS") || !strings.Contains(notes, "No therapy at the index date") {
		t.Errorf("notes: %s", notes)
	}
	raw := map[string]any{"n_patients": int64(400), "horizon_years": 5.0}
	out := runMS(t, p.Scenario, raw, 1)
	strategies := []string{"ofatumumab_first", "dmf_then_ofatumumab_1y", "dmf_then_ofatumumab_3y", "dmf_then_ofatumumab_5y"}
	for _, s := range strategies {
		for k, v := range out {
			if strings.HasPrefix(k, s+"_years_on_") && v != 0 {
				t.Errorf("%s = %v: an SPMS starter under stop_at_spms has no time on therapy", k, v)
			}
		}
		if out[s+"_qaly_disc"] != out["ofatumumab_first_qaly_disc"] || out[s+"_relapses"] != out["ofatumumab_first_relapses"] {
			t.Errorf("%s differs from ofatumumab_first though both stop at time 0", s)
		}
	}
	if out["ofatumumab_first_relapses"] <= 0 || out["ofatumumab_first_drug_cost_disc"] != 0 {
		t.Errorf("relapses %v drug cost %v", out["ofatumumab_first_relapses"], out["ofatumumab_first_drug_cost_disc"])
	}
	// Deterministic: the same seed, the same outputs (the ICERs are NaN:
	// no strategy differs from the first).
	again := runMS(t, p.Scenario, raw, 1)
	for k, v := range out {
		if w := again[k]; w != v && !(math.IsNaN(v) && math.IsNaN(w)) {
			t.Errorf("%s: %v, then %v with the same seed", k, v, w)
		}
	}
	if len(again) != len(out) {
		t.Errorf("%d outputs, then %d", len(out), len(again))
	}
}

// TestPersonaliseContinuesCurrentTherapy: MS-0001 as of 2014-01-01 is on
// interferon beta-1a (535 days, TestMSProfileOfRegistryPatients). In a
// scenario whose therapies include interferon_beta_1a her baseline therapy
// is that name; a strategy that starts with it continues it (over one year,
// with the default discontinuation rate 0.1 and no stop before EDSS 7, the
// expected time on it is at least (1 − e^(−0.1))/0.1 = 0.952 years less
// the rare stops at EDSS 7 or SPMS from EDSS 2: above 0.9), and one that
// starts with ofatumumab spends no time on it.
func TestPersonaliseContinuesCurrentTherapy(t *testing.T) {
	ps := registryStore(t)
	rec := load(t, ps, "MS-0001")
	sc, err := scenarios.Parse("ifn.toml", []byte(`[study]
name = "ifn"
model = "mscohort"
seed = 1
[params]
n_patients = 400
horizon_years = 1.0
[inputs.therapies.interferon_beta_1a]
hr = 1    # test values only
rr = 0.7
cost = 1000
discontinuation = 0.1
[[inputs.strategies]]
name = "continue_ifn"
lines = [{ therapy = "interferon_beta_1a" }]
[[inputs.strategies]]
name = "ofatumumab"
lines = [{ therapy = "ofatumumab" }, { therapy = "interferon_beta_1a" }]
`))
	if err != nil {
		t.Fatal(err)
	}
	asOf, _ := time.Parse(time.DateOnly, "2014-01-01")
	p, err := embodiment.Personalise(sc, rec, embodiment.Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	var in struct {
		Baseline map[string]any `json:"baseline"`
	}
	json.Unmarshal(p.Scenario.Inputs, &in)
	if in.Baseline["therapy"] != "interferon_beta_1a" || math.Abs(in.Baseline["years_on_therapy"].(float64)-535/365.25) > 1e-12 {
		t.Errorf("baseline therapy %v for %v years, want interferon_beta_1a for 535 days", in.Baseline["therapy"], in.Baseline["years_on_therapy"])
	}
	out := runMS(t, p.Scenario, nil, 1)
	if y := out["continue_ifn_years_on_interferon_beta_1a"]; y < 0.9 || y > 1 {
		t.Errorf("years on the continued interferon: %v, want 0.9–1", y)
	}
	if y := out["ofatumumab_years_on_interferon_beta_1a"]; y > 0.2 {
		t.Errorf("the ofatumumab strategy kept %v years of interferon; it starts ofatumumab at once", y)
	}
}

func TestMSTherapy(t *testing.T) {
	tab := []string{"dimethyl_fumarate", "interferon_beta_1a", "ofatumumab"}
	for drug, want := range map[string]string{
		"Dimethyl fumarate":  "dimethyl_fumarate",
		"interferon beta-1a": "interferon_beta_1a",
		" Ofatumumab ":       "ofatumumab",
		"fingolimod":         mscohort.OtherTherapy,
		"":                   mscohort.NoTherapy,
	} {
		if got := embodiment.MSTherapy(drug, tab); got != want {
			t.Errorf("MSTherapy(%q) = %q, want %q", drug, got, want)
		}
	}
}
