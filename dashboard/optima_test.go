package dashboard

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/embodiment"
	"github.com/mdtwin/mdtwin/store"
)

// TestRunJobOptima: the run form offers af-ablation.toml as an OPTIMA loop
// to a patient with an atrial mesh (here a 10 × 10 mm sheet, 800
// triangles, so the example's 12 sites take seconds); "Run a scenario"
// with it runs the loop (prediction.RunExample, whose own test checks the
// loop's outputs), the job reports round 1's 12 predictions and the plan,
// and the patient page draws the atrial map. The form's number of
// simulated patients (200) is ignored: the atrial model has none.
func TestRunJobOptima(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "")
	path := filepath.Join(t.TempDir(), "la.vtu")
	if err := mesh.WriteFile(path, mesh.Sheet(10, 10, 20, 20), mesh.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	a, err := patient.FileAsset(path, embodiment.AssetAtrialMesh)
	if err != nil {
		t.Fatal(err)
	}
	a.PatientID = f.ms
	w, err := f.ps.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.PutAsset(ctx, store.Ref{Source: "urn:test", ID: "test:la"}, a); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	_, page := get(t, f.http.URL+"/patients/"+f.ms)
	if !strings.Contains(page, `<option value="af-ablation.toml" data-patients="0">af-ablation (atrial, OPTIMA loop)</option>`) {
		t.Fatalf("the form does not offer af-ablation as an OPTIMA loop")
	}
	// A virtual trial over a cohort of substrates is not a prediction for
	// this patient: it is listed among the absent scenarios with why.
	form, absent, _ := strings.Cut(page, `id="absent-scenarios"`)
	if strings.Contains(form, `<option value="af-strategy-trial.toml"`) || !strings.Contains(absent, `<li data-file="af-strategy-trial.toml">`) ||
		!strings.Contains(absent, "a virtual trial over a cohort of substrates") {
		t.Errorf("af-strategy-trial offered to the patient, or absent without a reason")
	}
	j := f.srv.startJob(f.srv.ps, f.ms, "af-ablation.toml", 200)
	var st jobStatus
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if st = j.status(); st.State == jobDone || st.State == jobFailed {
			break
		}
	}
	if st.State != jobDone {
		t.Fatalf("job: %+v", st)
	}
	// af-ablation.toml paces from 12 sites per round: round 1 is 12 runs,
	// one prediction each.
	if len(st.Predictions) != 12 || !strings.Contains(strings.Join(st.Notes, "\n"), "OPTIMA plan: ") {
		t.Errorf("job: %d predictions, notes %q", len(st.Predictions), st.Notes)
	}
	_, page = get(t, f.http.URL+"/patients/"+f.ms)
	if !strings.Contains(page, `<td class="study">af-ablation</td>`) || !strings.Contains(page, `data-model="atrial">`) {
		t.Errorf("the patient page lacks the atrial prediction or its map")
	}
}
