package embodiment_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/builtin"
	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/embodiment"
	"github.com/mdtwin/mdtwin/patient/ingest"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/store"
)

// registryStore ingests the invented MS registry of patient/testdata into a
// temporary store.
func registryStore(t *testing.T) *store.Patients {
	t.Helper()
	ps, err := store.OpenPatients(filepath.Join(t.TempDir(), "store.sqlite"), "embodiment test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	sums, err := ingest.Registry(context.Background(), ps, "../testdata/ms_registry.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sums {
		if s.Failed > 0 {
			t.Fatalf("ingest: %s: %v", s, s.Problems[0])
		}
	}
	return ps
}

func load(t *testing.T, ps *store.Patients, registryID string) *patient.Record {
	t.Helper()
	rec, err := ps.Record(context.Background(), ps.Pseudonym("urn:example:ms-registry", "urn:example:ms-registry|"+registryID))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestMSProfileOfRegistryPatients(t *testing.T) {
	ps := registryStore(t)
	for _, tc := range []struct {
		id       string
		asOf     string
		index    string
		age      int
		sex      string
		edss     float64
		state    int
		relapses int
		current  string
		course   string
		years    float64 // on the current therapy at the index date
	}{
		// Born 1985-03-14; latest EDSS 2.5 on 2018-07-03, after her 33rd
		// birthday (2018 − 1985 = 33); state floor(2.5) = 2; relapses of
		// 2012-05-10 and 2014-11-03; ocrelizumab since 2015-01-20, no stop.
		// 1260 days from 2015-01-20 to 2018-07-03 (2016 a leap year).
		{id: "MS-0001", index: "2018-07-03", age: 33, sex: "female", edss: 2.5, state: 2, relapses: 2, current: "ocrelizumab", course: "RRMS", years: 1260 / 365.25},
		// Born 1979-11-02; latest EDSS 3.5 on 2014-02-25, before his
		// birthday: 2014 − 1979 − 1 = 34; one relapse (2010-08-15);
		// fingolimod since 2011-05-01: 1031 days.
		{id: "MS-0002", index: "2014-02-25", age: 34, sex: "male", edss: 3.5, state: 3, relapses: 1, current: "fingolimod", course: "RRMS", years: 1031 / 365.25},
		// Born 1990-07-23; latest EDSS 6.0 on 2016-10-04: 26 years; one
		// relapse (2009-04-02); natalizumab stopped 2012-11-01; SPMS coded
		// at diagnosis (SNOMED CT 425500002 in the registry mapping).
		{id: "MS-0003", index: "2016-10-04", age: 26, sex: "female", edss: 6, state: 6, relapses: 1, current: "", course: "SPMS"},
		// MS-0001 as of 2014-01-01: the latest EDSS before is 2.0
		// (2013-06-12); age 2014 − 1985 − 1 = 28; one relapse (2012-05-10);
		// interferon beta-1a from 2012-07-15 to 2014-12-31: 535 days on it.
		{id: "MS-0001", asOf: "2014-01-01", index: "2014-01-01", age: 28, sex: "female", edss: 2, state: 2, relapses: 1, current: "interferon beta-1a", course: "RRMS", years: 535 / 365.25},
	} {
		var asOf time.Time
		if tc.asOf != "" {
			asOf, _ = time.Parse(time.DateOnly, tc.asOf)
		}
		pr, err := embodiment.MS(load(t, ps, tc.id), asOf)
		if err != nil {
			t.Fatalf("%s: %v", tc.id, err)
		}
		got := []any{pr.IndexDate.Format(time.DateOnly), pr.Age, pr.Sex, pr.EDSS, pr.EDSSState, pr.Relapses, pr.Current, pr.Course, math.Round(pr.YearsOnCurrent * 1e9)}
		want := []any{tc.index, tc.age, tc.sex, tc.edss, tc.state, tc.relapses, tc.current, tc.course, math.Round(tc.years * 1e9)}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s as of %q: got %v, want %v", tc.id, tc.asOf, got, want)
		}
	}
}

func TestPersonaliseMSScenario(t *testing.T) {
	ps := registryStore(t)
	rec := load(t, ps, "MS-0002")
	sc, err := scenarios.Load("../../scenarios/examples/ms-ofatumumab-first-vs-delayed.toml")
	if err != nil {
		t.Fatal(err)
	}
	orig := string(sc.Inputs)
	p, err := embodiment.Personalise(sc, rec, embodiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if string(sc.Inputs) != orig || sc.Params["female_share"] != nil {
		t.Error("Personalise modified the scenario it was given")
	}
	if p.Scenario.Hash == sc.Hash || len(p.Scenario.Hash) != 64 {
		t.Errorf("personalised hash %q, scenario's %q", p.Scenario.Hash, sc.Hash)
	}
	var in struct {
		WTP      float64        `json:"wtp"`
		Baseline map[string]any `json:"baseline"`
	}
	if err := json.Unmarshal(p.Scenario.Inputs, &in); err != nil {
		t.Fatal(err)
	}
	// MS-0002: male, 34, EDSS 3.5 → state 3, RRMS, on fingolimod for 1031
	// days (see TestMSProfileOfRegistryPatients), which the scenario's
	// therapies lack: "other".
	want := map[string]any{"female": 0.0, "age_mean": 34.0, "age_sd": 0.0, "age_min": 34.0, "age_max": 34.0,
		"edss": []any{0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}, "spms": 0.0, "therapy": "other", "years_on_therapy": 1031 / 365.25}
	if !reflect.DeepEqual(in.Baseline, want) || in.WTP != 100000 {
		t.Errorf("inputs: baseline %v wtp %v; want %v and the scenario's wtp 100000", in.Baseline, in.WTP, want)
	}
	if p.Scenario.Params["female_share"] != 0.0 || p.Scenario.Params["spms_share"] != 0.0 || p.Scenario.Params["n_patients"] != int64(10000) {
		t.Errorf("params %v", p.Scenario.Params)
	}
	// mscohort accepts the values: its descriptor with these inputs
	// expands the scenario.
	m, _ := builtin.Registry().Lookup("mscohort")
	desc, err := m.(models.Configurable).DescribeInputs(p.Scenario.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := p.Scenario.Expand(desc)
	if err != nil || len(runs) != 1 || runs[0].Params["female_share"] != 0.0 {
		t.Fatalf("Expand: %v %v", runs, err)
	}
	// The same record gives the same hash.
	p2, _ := embodiment.Personalise(sc, rec, embodiment.Options{})
	if p2.Scenario.Hash != p.Scenario.Hash {
		t.Error("hash is not deterministic")
	}
}

func TestPersonaliseRefusals(t *testing.T) {
	ps := registryStore(t)
	rec := load(t, ps, "MS-0001")
	parse := func(model, extra string) *scenarios.Scenario {
		sc, err := scenarios.Parse("x.toml", []byte("[study]\nname = \"x\"\nmodel = \""+model+"\"\nseed = 1\n"+extra))
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	for _, tc := range []struct {
		sc   *scenarios.Scenario
		rec  *patient.Record
		want string
	}{
		{parse("atrial", ""), rec, "no atrial mesh asset in the record"},
		{parse("pk", ""), rec, `model "pk" has no patient embodiment`},
		{parse("mscohort", "[sweep]\ndesign = \"grid\"\n[sweep.params]\nfemale_share = [0.5, 1]\n"), rec, "varies female_share"},
		{parse("brain", ""), rec, "no connectome asset"},
		{parse("mscohort", ""), withCondition(rec, patient.SystemSNOMED, "428700003"), "course PPMS: mscohort models relapsing-onset MS"},
		{parse("mscohort", "[sweep]\ndesign = \"grid\"\n[sweep.params]\nspms_share = [0, 1]\n"), rec, "varies spms_share"},
		{parse("mscohort", ""), &patient.Record{Patient: patient.Patient{ID: "px", Sex: "female", BirthDate: "1980"}}, "no EDSS observation"},
	} {
		_, err := embodiment.Personalise(tc.sc, tc.rec, embodiment.Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.sc.Study.Model, err, tc.want)
		}
	}
}

func withCondition(rec *patient.Record, system, code string) *patient.Record {
	return withConditionAt(rec, system, code, "2017-01-01")
}

func TestPersonaliseBrainFromAssets(t *testing.T) {
	ctx := context.Background()
	ps := registryStore(t)
	pid := ps.Pseudonym("urn:example:ms-registry", "urn:example:ms-registry|MS-0001") // any stored patient will do
	dir := t.TempDir()
	hyp := filepath.Join(dir, "ez.toml")
	os.WriteFile(hyp, []byte("[hypotheses.mesial_right]\nez = [\"rHC\", \"rAMYG\"]\npz = [\"rPHC\"]\n[resections]\nhc = [\"rHC\"]\n"), 0o644)
	w, err := ps.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ path, kind string }{
		{"../../models/brain/testdata/connectivity_76.zip", embodiment.AssetConnectome},
		{"../../models/brain/testdata/seeg_588.txt", embodiment.AssetSEEGContacts},
		{hyp, embodiment.AssetEZHypothesis},
	} {
		a, err := patient.FileAsset(f.path, f.kind)
		if err != nil {
			t.Fatal(err)
		}
		a.PatientID = pid
		if _, _, err := w.PutAsset(ctx, store.Ref{Source: "urn:test", ID: "test:" + f.kind}, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	rec, err := ps.Record(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Load("../../scenarios/examples/vep-resection.toml")
	if err != nil {
		t.Fatal(err)
	}
	sc.Sweep = nil // the example sweeps its own resections
	p, err := embodiment.Personalise(sc, rec, embodiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var in map[string]any
	json.Unmarshal(p.Scenario.Inputs, &in)
	conn, _ := filepath.Abs("../../models/brain/testdata/connectivity_76.zip")
	if in["connectivity"] != conn || !strings.HasSuffix(in["seeg"].(string), "seeg_588.txt") {
		t.Errorf("files: %v %v", in["connectivity"], in["seeg"])
	}
	wantHyp := map[string]any{"mesial_right": map[string]any{"ez": []any{"rHC", "rAMYG"}, "pz": []any{"rPHC"}}}
	if !reflect.DeepEqual(in["hypotheses"], wantHyp) || !reflect.DeepEqual(in["resections"], map[string]any{"hc": []any{"rHC"}}) {
		t.Errorf("hypotheses %v resections %v", in["hypotheses"], in["resections"])
	}
	if p.Scenario.Params["hypothesis"] != "mesial_right" {
		t.Errorf("hypothesis %v, want the record's only one", p.Scenario.Params["hypothesis"])
	}
	m, _ := builtin.Registry().Lookup("brain")
	if _, err := m.(models.Configurable).DescribeInputs(p.Scenario.Inputs); err != nil {
		t.Errorf("brain rejects the personalised inputs: %v", err)
	}
	// A file changed after it was stored is refused.
	os.WriteFile(hyp, []byte("[hypotheses.other]\nez = [\"rHC\"]\n"), 0o644)
	if _, err := embodiment.Personalise(sc, rec, embodiment.Options{}); err == nil || !strings.Contains(err.Error(), "changed since it was stored") {
		t.Errorf("changed asset: %v", err)
	}
}

// TestMSProfileDiagnosisAndRecentRelapses: the diagnosis is the earliest
// SNOMED CT MS course at or before the index date, read with the same
// dates as everything else (YYYY-MM and YYYY included: the similar-patient
// query used to ignore a diagnosis dated to the month), and the recent
// relapses are those of the 2 years before the index date.
func TestMSProfileDiagnosisAndRecentRelapses(t *testing.T) {
	ps := registryStore(t)
	rec := load(t, ps, "MS-0001")
	for _, tc := range []struct {
		rec             *patient.Record
		asOf, diagnosis string
		recent          int
	}{
		// Diagnosed 2012-06-01 (ms_registry_patients.csv); relapses
		// 2012-05-10 and 2014-11-03, both over 2 years before 2018-07-03.
		{rec, "", "2012-06-01", 0},
		// As of 2014-01-01: diagnosed; the 2012-05-10 relapse is 601 days
		// before.
		{rec, "2014-01-01", "2012-06-01", 1},
		// An earlier diagnosis dated to the month counts from its first day.
		{withConditionAt(rec, patient.SystemSNOMED, "426373005", "2010-03"), "", "2010-03-01", 0},
		// The registry's own course code is no diagnosis.
		{withConditionAt(rec, patient.SystemMS, "rrms", "2010-03"), "", "2012-06-01", 0},
	} {
		var asOf time.Time
		if tc.asOf != "" {
			asOf, _ = time.Parse(time.DateOnly, tc.asOf)
		}
		pr, err := embodiment.MS(tc.rec, asOf)
		if err != nil {
			t.Fatal(err)
		}
		diag := ""
		if !pr.Diagnosis.IsZero() {
			diag = pr.Diagnosis.Format(time.DateOnly)
		}
		if diag != tc.diagnosis || pr.RecentRelapses != tc.recent {
			t.Errorf("as of %q: diagnosis %q, recent relapses %d; want %q, %d", tc.asOf, diag, pr.RecentRelapses, tc.diagnosis, tc.recent)
		}
	}
}

func withConditionAt(rec *patient.Record, system, code, onset string) *patient.Record {
	r := *rec
	r.Conditions = append(append([]patient.Condition(nil), rec.Conditions...),
		patient.Condition{Code: patient.Coded{{System: system, Code: code}}, Onset: onset})
	return &r
}
