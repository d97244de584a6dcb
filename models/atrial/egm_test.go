package atrial_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial"
)

func runInputs(t testing.TB, raw map[string]any, inputs string, dir string) models.Result {
	t.Helper()
	p, err := atrial.Model{}.Describe().Resolve(raw)
	if err != nil {
		t.Fatal(err)
	}
	res, err := atrial.Model{}.Run(t.Context(), models.RunSpec{Model: atrial.Name, Params: p, Inputs: []byte(inputs), Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func table(t testing.TB, res models.Result, name string) models.Table {
	t.Helper()
	for _, tb := range res.Tables {
		if tb.Name == name {
			return tb
		}
	}
	t.Fatalf("no table %q", name)
	return models.Table{}
}

// TestEGMLAT paces a sheet from its left edge and records unipolar
// electrograms on a 4×3 grid 0.5 mm above nodes of it every 1 ms: the EGM-derived
// activation time (steepest negative slope) of every electrode lies
// within one sample (1 ms) of the model's LAT at the node below it. The
// file egm.parquet holds every unipolar, bipolar and ECG signal.
func TestEGMLAT(t *testing.T) {
	dir := t.TempDir()
	res := runInputs(t, map[string]any{"mesh": "sheet", "length_mm": 16.0, "width_mm": 8.0, "dx_mm": 0.2,
		"scheme": "explicit", "dt_ms": 0.02, "duration_ms": 40.0, "stim_x_mm": 0.0, "stim_y_mm": 4.0, "stim_radius_mm": 1.5,
		"save_lat": false},
		`{"electrodes": {"grid": {"origin": [3, 1.6, 0.5], "u": [3.2, 0, 0], "v": [0, 2.4, 0], "nu": 4, "nv": 3}, "ecg_distance_mm": 100}}`, dir)
	tb := table(t, res, "electrodes")
	if len(tb.Rows) != 12 {
		t.Fatalf("%d electrodes, want 12", len(tb.Rows))
	}
	for _, r := range tb.Rows {
		egm, lat := r[4], r[5]
		if math.IsNaN(lat) || math.Abs(egm-lat) > 1 {
			t.Errorf("electrode %g at (%g, %g): EGM LAT %.3f ms, model LAT %.3f ms; want within 1 ms (one sample)", r[0], r[1], r[2], egm, lat)
		}
		if r[6] != 1 {
			t.Errorf("electrode %g: %g EGM activations, want 1", r[0], r[6])
		}
	}
	rows, err := parquet.ReadFile[atrial.EGMRow](filepath.Join(dir, atrial.EGMFile))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, r := range rows {
		kinds[r.Kind]++
		if math.IsNaN(r.MV) {
			t.Fatalf("NaN sample %+v", r)
		}
	}
	// 41 samples (0 … 40 ms) of 12 unipolar, 3·3 bipolar (along each row) and 3 ECG signals
	if kinds["unipolar"] != 12*41 || kinds["bipolar"] != 9*41 || kinds["ecg"] != 3*41 {
		t.Fatalf("signal counts %v, want unipolar 492, bipolar 369, ecg 123", kinds)
	}
}

// TestElectrodesInputs checks that bad electrode inputs are refused with
// one line naming the key.
func TestElectrodesInputs(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "e.csv")
	if err := os.WriteFile(csv, []byte("name,x_mm,y_mm,z_mm\nA,1,2,zz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ inputs, want string }{
		{`{"electrodes": {}}`, "give at least one of"},
		{`{"electrodes": {"grid": {"origin": [0,0,1], "u": [1,0,0], "v": [0,1,0], "nu": 0, "nv": 2}}}`, "grid: nu = 0"},
		{`{"electrodes": {"circular": {"center": [0,0,1], "normal": [0,0,0], "radius_mm": 5, "poles": 20}}}`, "circular.normal is zero"},
		{`{"electrodes": {"basket": {"radius_mm": 5, "splines": 8, "poles": 8}}}`, "basket.center is missing"},
		{`{"electrodes": {"ecg_distance_mm": 50, "sample_ms": 0.03}}`, "not a positive multiple of dt_ms"},
		{`{"electrodes": {"file": "` + csv + `"}}`, csv + ":2:7: z_mm"},
	} {
		p, err := atrial.Model{}.Describe().Resolve(map[string]any{"mesh": "sheet", "length_mm": 2.0, "width_mm": 2.0, "dx_mm": 0.5, "duration_ms": 1.0})
		if err != nil {
			t.Fatal(err)
		}
		_, err = atrial.Model{}.Run(t.Context(), models.RunSpec{Model: atrial.Name, Params: p, Inputs: []byte(tc.inputs)}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.inputs, err, tc.want)
		}
	}
}
