package engine

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pk"
	"github.com/mdtwin/mdtwin/workers/inproc"
)

const pkCurves = `
[study]
name = "pk-curves"
model = "pk"
seed = 3
[params]
t_end_h = 12
dt_h = 0.5
save_curve = true
[sweep]
design = "random"
samples = 12
[sweep.params]
cl_l_per_h = { dist = "uniform", min = 2.0, max = 8.0 }
`

// concentrationAt is a reduction: the concentration at 4 h of a run's
// concentration table.
func concentrationAt(_ string, r models.Result) (map[string]float64, error) {
	for _, t := range r.Tables {
		if t.Name != "concentration" {
			continue
		}
		for _, row := range t.Rows {
			if row[0] == 4 {
				return map[string]float64{"c_4h": row[1]}, nil
			}
		}
	}
	return nil, &InputError{Msg: "no concentration at 4 h"}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(read(t, path))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// A study with a Reduction writes no tables; its results.csv is the
// study's without it plus the reduced column, whose values are those of
// the tables the study without it wrote, to the last digit; summary.json
// is the same; a resumed study gives the same results.csv from its ledger.
func TestReduction(t *testing.T) {
	desc := pk.Model{}.Describe()
	ref := filepath.Join(t.TempDir(), "ref")
	execute(t, plan(t, pkCurves, desc, ref), pk.Model{}, 2)
	out := filepath.Join(t.TempDir(), "out")
	p := plan(t, pkCurves, desc, out)
	p.Reduce = &Reduction{Outputs: []string{"c_4h"}, Func: concentrationAt}
	if rep := execute(t, p, pk.Model{}, 2); rep.Done != 12 {
		t.Fatalf("%+v", rep)
	}
	if _, err := os.Stat(filepath.Join(out, "runs")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a reduced study wrote runs/ (%v)", err)
	}
	want, got := readCSV(t, filepath.Join(ref, "results.csv")), readCSV(t, filepath.Join(out, "results.csv"))
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if n := len(want[i]); len(got[i]) != n+1 || strings.Join(got[i][:n], ",") != strings.Join(want[i], ",") {
			t.Fatalf("row %d: %v, want %v and the reduced column", i, got[i], want[i])
		}
		wantC := "c_4h"
		if i > 0 {
			table := readCSV(t, filepath.Join(ref, "runs", want[i][0], "concentration.csv"))
			wantC = table[9][1] // t_h = 4 is the 9th sample after 0
			if table[9][0] != "4" {
				t.Fatalf("the table's row 9 is at t = %s h", table[9][0])
			}
		}
		if got[i][len(got[i])-1] != wantC {
			t.Errorf("row %d: reduced %s, the table says %s", i, got[i][len(got[i])-1], wantC)
		}
	}
	if !bytes.Equal(read(t, filepath.Join(ref, "summary.json")), read(t, filepath.Join(out, "summary.json"))) {
		t.Error("summary.json differs with the reduction")
	}
	results := read(t, filepath.Join(out, "results.csv"))
	p.Resume = true
	execute(t, p, pk.Model{}, 1)
	if !bytes.Equal(read(t, filepath.Join(out, "results.csv")), results) {
		t.Error("the resumed study's results.csv differs")
	}
}

// A Reduction's *InputError stops the study with that error; a reduced
// output named like one of the model's is refused.
func TestReductionStops(t *testing.T) {
	desc := pk.Model{}.Describe()
	p := plan(t, pkCurves, desc, filepath.Join(t.TempDir(), "out"))
	p.Reduce = &Reduction{Outputs: []string{"c_4h"}, Func: func(string, models.Result) (map[string]float64, error) {
		return nil, &InputError{Msg: "the data do not match the table"}
	}}
	st, err := Prepare(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Execute(context.Background(), inproc.New(pk.Model{}, 2), nil)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Msg != "the data do not match the table" {
		t.Errorf("Execute: %v, want the reduction's input error", err)
	}
	p.OutDir = filepath.Join(t.TempDir(), "out2")
	p.Reduce = &Reduction{Outputs: []string{"auc_mg_h_per_l"}, Func: concentrationAt}
	if _, err := Prepare(p, nil); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", "auc_mg_h_per_l")) {
		t.Errorf("Prepare with a reduced output named as the model's: %v", err)
	}
}
