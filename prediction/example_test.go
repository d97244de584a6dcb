package prediction

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/embodiment"
	"github.com/mdtwin/mdtwin/patient/ingest"
	"github.com/mdtwin/mdtwin/scenarios/examples"
	"github.com/mdtwin/mdtwin/store"
)

// patients is a temporary store holding the Synthea sample patient and
// the invented MS registry patients of patient/testdata, with the
// pseudonyms of the Synthea patient and of MS-0001.
func patients(t *testing.T) (ps *store.Patients, synthea, ms string) {
	t.Helper()
	ps, err := store.OpenPatients(filepath.Join(t.TempDir(), "store.sqlite"), "prediction test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	for _, f := range []string{"synthea_r4_Louis_Erdman_55bbe118.json", "ms_registry.toml"} {
		if _, err := ingest.File(context.Background(), ps, filepath.Join("..", "patient", "testdata", f)); err != nil {
			t.Fatalf("ingest %s: %v", f, err)
		}
	}
	return ps, ps.Pseudonym("http://hospital.smarthealthit.org", "http://hospital.smarthealthit.org|55bbe118-e08d-4408-86e5-6084457500d4"),
		ps.Pseudonym("urn:example:ms-registry", "urn:example:ms-registry|MS-0001")
}

// addAtrialMesh gives patient pid an atrial mesh: a 10 × 10 mm sheet of
// 800 triangles, so that af-ablation.toml's 12 pacing sites take seconds.
func addAtrialMesh(t *testing.T, ps *store.Patients, pid string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "la.vtu")
	if err := mesh.WriteFile(path, mesh.Sheet(10, 10, 20, 20), mesh.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	a, err := patient.FileAsset(path, embodiment.AssetAtrialMesh)
	if err != nil {
		t.Fatal(err)
	}
	a.PatientID = pid
	w, err := ps.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.PutAsset(ctx, store.Ref{Source: "urn:test", ID: "test:la"}, a); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func files(es []Example) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.File)
	}
	return out
}

// ExamplesFor offers af-ablation.toml (as an OPTIMA loop) only to a
// patient with an atrial mesh, and never the virtual trial over a cohort
// of substrates, which is absent with the reason.
func TestExamplesFor(t *testing.T) {
	ctx := context.Background()
	ps, _, ms := patients(t)
	rec, err := ps.Record(ctx, ms)
	if err != nil {
		t.Fatal(err)
	}
	offered, _ := ExamplesFor(rec)
	if slices.Contains(files(offered), "af-ablation.toml") {
		t.Errorf("af-ablation offered to a patient without an atrial mesh: %v", files(offered))
	}
	addAtrialMesh(t, ps, ms)
	if rec, err = ps.Record(ctx, ms); err != nil {
		t.Fatal(err)
	}
	offered, absent := ExamplesFor(rec)
	i := slices.Index(files(offered), "af-ablation.toml")
	if i < 0 || !offered[i].Optima || offered[i].Model != "atrial" {
		t.Fatalf("af-ablation not offered as an OPTIMA loop: %+v", offered)
	}
	if j := slices.Index(files(absent), "af-strategy-trial.toml"); j < 0 || !strings.Contains(absent[j].Why, "a virtual trial over a cohort of substrates") {
		t.Errorf("af-strategy-trial offered, or absent without the reason: %+v", absent)
	}
	if _, _, err := exampleSource("nope.toml"); err == nil || err.Error() != `no bundled scenario "nope.toml" for a patient` {
		t.Errorf("unknown scenario: %v", err)
	}
	// The trial is refused for every caller of exampleSource (and so of
	// RunExample), not only by ExamplesFor.
	if _, _, err := exampleSource("af-strategy-trial.toml"); err == nil || !strings.Contains(err.Error(), "a virtual trial over a cohort of substrates") {
		t.Errorf("the trial: %v", err)
	}
	if sc, src, err := exampleSource("ms-ofatumumab-first-vs-delayed.toml"); err != nil || len(src) == 0 || sc == nil {
		t.Errorf("an MS scenario: %v", err)
	}
}

// RunExample on af-ablation.toml runs what the example means — the OPTIMA
// loop of mdtwin optima (round-01/, plan.json, plan.vtu), not one atrial
// run — on the patient's atrial mesh, stores round 1's runs as the
// patient's predictions and keeps the scenario file; the number of
// simulated patients (200) is ignored, as the atrial model has none.
func TestRunExampleOptima(t *testing.T) {
	ctx := context.Background()
	ps, _, ms := patients(t)
	addAtrialMesh(t, ps, ms)
	out := filepath.Join(t.TempDir(), "study")
	var notes []string
	var study string
	ids, err := RunExample(ctx, ExampleRun{Store: ps, PatientID: ms, Example: "af-ablation.toml", Patients: 200, Workers: 2,
		OutDir: func(s string) string { study = s; return out }, Note: func(n string) { notes = append(notes, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if study != "af-ablation" {
		t.Errorf("OutDir asked for study %q, want af-ablation", study)
	}
	for _, p := range []string{"plan.json", "plan.vtu", "round-01/results.csv"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Errorf("the loop's output: %v", err)
		}
	}
	src, _ := examples.FS.ReadFile("af-ablation.toml")
	if got, err := os.ReadFile(filepath.Join(out, "scenario.toml")); err != nil || string(got) != string(src) {
		t.Errorf("scenario.toml is not the example's file: %v", err)
	}
	// af-ablation.toml paces from 12 sites per round: round 1 is 12 runs,
	// one prediction each.
	if len(ids) != 12 {
		t.Errorf("%d predictions, want 12", len(ids))
	}
	all := strings.Join(notes, "\n")
	if !strings.Contains(all, "OPTIMA round-01: burst pacing from each of the round's sites.") || !strings.HasPrefix(notes[len(notes)-1], "OPTIMA plan: ") {
		t.Errorf("notes %q", notes)
	}
	rec, err := ps.Record(ctx, ms)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Studies) != 1 || rec.Studies[0].Output != filepath.Join(out, "round-01") || len(rec.Predictions) != 12 {
		t.Errorf("stored: %d studies (%+v), %d predictions", len(rec.Studies), rec.Studies, len(rec.Predictions))
	}
}

// A record that cannot personalise the scenario fails the run with the
// embodiment's reason, before any output is written.
func TestRunExampleNotPersonalisable(t *testing.T) {
	ps, synthea, _ := patients(t)
	out := filepath.Join(t.TempDir(), "study")
	_, err := RunExample(context.Background(), ExampleRun{Store: ps, PatientID: synthea, Example: "ms-ofatumumab-first-vs-delayed.toml",
		Patients: 50, Workers: 1, OutDir: func(string) string { return out }})
	if err == nil || !strings.Contains(err.Error(), "no EDSS observation") {
		t.Errorf("MS run for a patient without EDSS: %v", err)
	}
	if _, serr := os.Stat(out); serr == nil {
		t.Errorf("output folder written for a failed personalisation")
	}
}
