package embodiment_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/embodiment"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/store"
)

// An atrial mesh asset with an LGE intensity-ratio field personalises the
// atrial model: the model runs on the patient's mesh with fibrosis from the
// field, and a fibrotic patch (IIR 1.4 > 1.32, dense scar) shows in its
// fibrotic fraction.
func TestPersonaliseAtrialFromMesh(t *testing.T) {
	ctx := context.Background()
	ps := registryStore(t)
	pid := ps.Pseudonym("urn:example:ms-registry", "urn:example:ms-registry|MS-0001") // any stored patient will do
	dir := t.TempDir()
	m := mesh.Sheet(10, 10, 20, 20) // 10 × 10 mm, 800 triangles of 0.0625 mm²
	iir := mesh.Field{Name: "IIR", Components: 1, Values: make([]float64, m.NumCells())}
	dense := 0
	for e := range iir.Values {
		iir.Values[e] = 1.0 // healthy: below the 1.2 threshold
		if c := m.Centroid(e); c.X() > 6 && c.Y() > 6 {
			iir.Values[e] = 1.4
			dense++
		}
	}
	m.CellData = append(m.CellData, iir)
	path := filepath.Join(dir, "la.vtu")
	if err := mesh.WriteFile(path, m, mesh.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	w, err := ps.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, err := patient.FileAsset(path, embodiment.AssetAtrialMesh)
	if err != nil {
		t.Fatal(err)
	}
	a.PatientID = pid
	if _, _, err := w.PutAsset(ctx, store.Ref{Source: "urn:test", ID: "test:la"}, a); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	rec, err := ps.Record(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Parse("af.toml", []byte("[study]\nname = \"af\"\nmodel = \"atrial\"\nseed = 1\n[params]\nduration_ms = 5.0\nsave_lat = false\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := embodiment.Personalise(sc, rec, embodiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var in map[string]any
	json.Unmarshal(p.Scenario.Inputs, &in)
	if in["mesh"] != path || in["fibrosis_field"] != "IIR" || p.Scenario.Params["mesh"] != atrial.MeshFile {
		t.Fatalf("inputs %v params %v", in, p.Scenario.Params)
	}
	d, err := atrial.Model{}.DescribeInputs(p.Scenario.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := p.Scenario.Expand(d)
	if err != nil {
		t.Fatal(err)
	}
	res, err := atrial.Model{}.Run(ctx, modelsSpec(runs[0], p.Scenario), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The patch is 4 × 4 mm of the 10 × 10 mm sheet, in whole elements.
	if got, want := res.Scalars["fibrotic_fraction"], float64(dense)/float64(m.NumCells()); got != want {
		t.Errorf("fibrotic_fraction %v, want %v (the patch's share of the elements)", got, want)
	}
	// A scenario with generated fibrosis (af-ablation.toml's patchy) takes
	// the patient's field instead: the model accepts only one of the two.
	gen, err := scenarios.Parse("af.toml", []byte("[study]\nname = \"af\"\nmodel = \"atrial\"\nseed = 1\n[params]\nduration_ms = 5.0\nsave_lat = false\nfibrosis_pattern = \"patchy\"\nfibrosis_seed = 7\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err = embodiment.Personalise(gen, rec, embodiment.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := p.Scenario.Params["fibrosis_pattern"]; got != "none" {
		t.Errorf("fibrosis_pattern %v with the patient's field, want none", got)
	}
	if runs, err = p.Scenario.Expand(d); err != nil {
		t.Fatal(err)
	}
	if res, err = (atrial.Model{}).Run(ctx, modelsSpec(runs[0], p.Scenario), nil); err != nil {
		t.Fatal(err)
	} else if got, want := res.Scalars["fibrotic_fraction"], float64(dense)/float64(m.NumCells()); got != want {
		t.Errorf("with the scenario's generated fibrosis replaced: fibrotic_fraction %v, want %v", got, want)
	}
	os.Remove(path)
	if _, err := embodiment.Personalise(sc, rec, embodiment.Options{}); err == nil {
		t.Error("a missing mesh file must be an error")
	}
}

func modelsSpec(r scenarios.Run, sc *scenarios.Scenario) models.RunSpec {
	return models.RunSpec{Model: sc.Study.Model, RunID: r.ID, Index: r.Index, Seed: r.Seed, Params: r.Params, Inputs: sc.Inputs}
}
