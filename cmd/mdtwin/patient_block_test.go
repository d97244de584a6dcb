package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/store"
)

// TestRunPatientBlock checks that a scenario's [patient] table runs as
// --patient ID --store PATH does: the same results.csv and the same stored
// predictions, and that flags contradicting the table are bad input.
func TestRunPatientBlock(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := filepath.Join(dir, "data", "patients.sqlite")
	pid := ingestMSRegistry(t, dir, st, "MS-0001")

	// The same study twice: without a [patient] table (for the flags), and
	// with one in studies/ms.toml, its store relative to that folder.
	flagSc := exampleCopy(t, dir, "ms-ofatumumab-first-vs-delayed.toml", "n_patients = 10000", "n_patients = 100",
		`output = "out/ms-ofatumumab-first-vs-delayed"`, `output = "out-flag"`)
	src, err := os.ReadFile(flagSc)
	if err != nil {
		t.Fatal(err)
	}
	base := strings.Replace(string(src), `output = "out-flag"`, `output = "out-block"`, 1)
	idLine := strings.Count(base, "\n") + 3 // after a blank line and the header
	block := func(id, storePath string) string {
		return fmt.Sprintf("%s\n[patient]\nid = %q\nstore = %q\n", base, id, storePath)
	}
	blockSc := filepath.Join("studies", "ms.toml")
	write(t, filepath.Join(dir, blockSc), block(pid, "../data/patients.sqlite"))

	code, stdout, stderr := cli(dir, "run", flagSc, "--patient", pid, "--store", filepath.Join("data", "patients.sqlite"), "--workers", "2")
	if code != 0 {
		t.Fatalf("run --patient: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = cli(dir, "run", blockSc, "--workers", "2")
	if want := "stored 1 predictions for patient " + pid + " in " + filepath.Join("data", "patients.sqlite") + "\n"; code != 0 || !strings.Contains(stdout, want) {
		t.Fatalf("run with [patient]: exit %d\n%s%s", code, stdout, stderr)
	}
	// Flags equal to the table (the store by another path) change nothing.
	code, stdout, stderr = cli(dir, "run", blockSc, "--patient", pid, "--store", st, "--workers", "2", "--out", "out-both")
	if code != 0 {
		t.Fatalf("run with [patient] and equal flags: exit %d\n%s%s", code, stdout, stderr)
	}

	results := func(out string) string {
		b, err := os.ReadFile(filepath.Join(dir, out, "results.csv"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if results("out-block") != results("out-flag") || results("out-both") != results("out-flag") {
		t.Error("results.csv differs between --patient and [patient]")
	}

	ps, err := store.OpenPatients(st, "test")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ps.Record(ctx, pid)
	ps.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Predictions) != 3 || len(rec.Studies) != 3 {
		t.Fatalf("%d predictions in %d studies, want 3 in 3", len(rec.Predictions), len(rec.Studies))
	}
	byOut := map[string]patient.Study{}
	predOf := map[string]patient.Prediction{}
	for _, s := range rec.Studies {
		out := filepath.Base(s.Output)
		byOut[out] = s
		for _, p := range rec.Predictions {
			if p.StudyID == s.ID {
				predOf[out] = p
			}
		}
	}
	flag, blk, both := byOut["out-flag"], byOut["out-block"], byOut["out-both"]
	for name, s := range map[string]patient.Study{"out-block": blk, "out-both": both} {
		if s.Name != flag.Name || s.Model != flag.Model || s.ModelVersion != flag.ModelVersion {
			t.Errorf("%s: study %+v, want as with --patient %+v", name, s, flag)
		}
		p, fp := predOf[name], predOf["out-flag"]
		if p.PatientID != pid || p.RunID != fp.RunID || !reflect.DeepEqual(p.Outputs, fp.Outputs) || len(p.Outputs) == 0 {
			t.Errorf("%s: prediction %s %s (%d outputs), want as with --patient: %s %s (%d outputs)",
				name, p.PatientID, p.RunID, len(p.Outputs), fp.PatientID, fp.RunID, len(fp.Outputs))
		}
	}
	// The hash is of the file, [patient] table included: the block file's
	// hash is the same with or without equal flags, and not the hash of the
	// file without the table.
	if len(blk.ScenarioSHA256) != 64 || blk.ScenarioSHA256 != both.ScenarioSHA256 || blk.ScenarioSHA256 == flag.ScenarioSHA256 {
		t.Errorf("scenario hashes: block %s, block with flags %s, flags %s", blk.ScenarioSHA256, both.ScenarioSHA256, flag.ScenarioSHA256)
	}
	if m, _ := os.ReadFile(filepath.Join(dir, "out-block", "manifest.json")); !strings.Contains(string(m), blk.ScenarioSHA256) {
		t.Error("the manifest's scenario hash is not the one stored with the prediction")
	}

	// Bad input: exit 2, one line, and nothing run or created.
	pkBlock := filepath.Join(dir, "pk.toml")
	write(t, pkBlock, "[study]\nname = \"pk\"\nmodel = \"pk\"\nseed = 1\noutput = \"out-pk\"\n\n[patient]\nid = \""+pid+"\"\nstore = \"data/patients.sqlite\"\n")
	write(t, filepath.Join(dir, "nobody.toml"), block("pnobody", "data/patients.sqlite"))
	write(t, filepath.Join(dir, "studies", "nostore.toml"), block(pid, "nowhere.sqlite"))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"other patient", []string{"run", blockSc, "--patient", "pother"},
			fmt.Sprintf(`mdtwin: %s:%d:1: [patient] id %q and --patient "pother" name different patients; give one of them, or the same id`, blockSc, idLine, pid)},
		{"other store", []string{"run", blockSc, "--store", "other.sqlite"},
			fmt.Sprintf(`mdtwin: %s:%d:1: [patient] store "../data/patients.sqlite" (data/patients.sqlite) and --store "other.sqlite" are different files; give one of them, or the same file`, blockSc, idLine+1)},
		{"unknown patient", []string{"run", "nobody.toml"},
			fmt.Sprintf(`mdtwin: nobody.toml:%d:1: [patient] id: no patient "pnobody" in the store (store data/patients.sqlite)`, idLine)},
		{"unknown patient, flag", []string{"run", flagSc, "--patient", "pnobody", "--store", st},
			fmt.Sprintf(`mdtwin: --patient: no patient "pnobody" in the store (store %s)`, st)},
		{"missing store", []string{"run", filepath.Join("studies", "nostore.toml")},
			fmt.Sprintf(`mdtwin: studies/nostore.toml:%d:1: [patient] store: patient store studies/nowhere.sqlite does not exist (mdtwin ingest creates it)`, idLine+1)},
		{"missing store, flag", []string{"run", flagSc, "--patient", pid, "--store", "nowhere.sqlite"},
			`mdtwin: patient store nowhere.sqlite does not exist (mdtwin ingest creates it)`},
		{"no embodiment", []string{"run", pkBlock}, `mdtwin: ` + pkBlock + `: model "pk" has no patient embodiment`},
		{"optima", []string{"optima", pkBlock}, `mdtwin: ` + pkBlock + `:7:1: optima does not personalise a scenario yet`},
	} {
		code, _, stderr := cli(dir, tc.args...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q\nwant exit 2, %s", tc.name, code, stderr, tc.want)
		}
	}
	for _, f := range []string{"studies/nowhere.sqlite", "nowhere.sqlite", "out-pk"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("bad input created %s", f)
		}
	}
}
