package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/statetransition"
	"github.com/mdtwin/mdtwin/scenarios"
)

// TestDSA runs `mdtwin dsa` on the HIV/Chancellor example (ICER of
// combination therapy, DMHEE ex. 2.5) and checks it against runs of the
// model made here directly: the base case is the published ICER
// 6,275.95560 per life-year (mscohort-hta.md §5, 1e-8 relative); each
// tornado bar's ends are the model's ICER at that parameter's ends, the
// bars sorted by width; a two-way cell is the model at that pair; the
// threshold of rr at which the ICER is 6,000 gives, rerun, an ICER within
// 0.5 of 6,000 (linear interpolation on a bracket of width 0.0075/2 after
// refinement); the report has the tornado and threshold figures; bad
// flags exit 2.
func TestDSA(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(repoRoot(t), "scenarios", "examples", "hiv-chancellor.toml")
	out := filepath.Join(dir, "dsa")
	code, stdout, stderr := cli("", "dsa", file, "--output", "combination_icer", "--level", "6000",
		"--range", "c_zido=1500:3000", "--range", "rr=0.365:0.710", "--range", "c_lam=1500:2500",
		"--two-way", "rr=0.365:0.71:4,c_lam=1500:2500:3", "--threshold", "rr=0.2:0.95:11", "--out", out, "--workers", "2")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var res struct {
		Base   float64 `json:"base"`
		OneWay []struct {
			Param            string
			Low, High, Range float64
			LV               float64 `json:"low_value"`
			HV               float64 `json:"high_value"`
		} `json:"one_way"`
		TwoWay []struct {
			X, Y    []float64
			Outcome [][]float64
		} `json:"two_way"`
		Thresholds []struct {
			Param      string
			Thresholds []float64
		} `json:"thresholds"`
	}
	b, err := os.ReadFile(filepath.Join(out, "dsa.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	m := statetransition.Model{}
	desc, err := m.DescribeInputs(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	icer := func(ps map[string]any) float64 {
		raw := map[string]any{}
		for k, v := range sc.Params {
			raw[k] = v
		}
		for k, v := range ps {
			raw[k] = v
		}
		p, err := desc.Resolve(raw)
		if err != nil {
			t.Fatal(err)
		}
		r, err := m.Run(context.Background(), models.RunSpec{Params: p, Inputs: sc.Inputs}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r.Scalars["combination_icer"]
	}
	if math.Abs(res.Base-6275.95560)/6275.95560 > 1e-8 {
		t.Errorf("base ICER %.8g, published 6275.95560", res.Base)
	}
	if len(res.OneWay) != 3 || res.OneWay[0].Param != "rr" || !(res.OneWay[0].Range >= res.OneWay[1].Range && res.OneWay[1].Range >= res.OneWay[2].Range) {
		t.Fatalf("tornado %+v", res.OneWay)
	}
	for _, bar := range res.OneWay {
		lo, hi := icer(map[string]any{bar.Param: bar.LV}), icer(map[string]any{bar.Param: bar.HV})
		if math.Abs(bar.Low-lo) > 1e-9*math.Abs(lo) || math.Abs(bar.High-hi) > 1e-9*math.Abs(hi) {
			t.Errorf("%s: bar %v..%v, model %v..%v", bar.Param, bar.Low, bar.High, lo, hi)
		}
	}
	if tw := res.TwoWay; len(tw) != 1 || len(tw[0].Outcome) != 4 || len(tw[0].Outcome[0]) != 3 {
		t.Fatalf("two-way %+v", tw)
	} else if got, want := tw[0].Outcome[3][2], icer(map[string]any{"rr": tw[0].X[3], "c_lam": tw[0].Y[2]}); math.Abs(got-want) > 1e-9*want {
		t.Errorf("two-way corner %v, model %v", got, want)
	}
	if th := res.Thresholds; len(th) != 1 || len(th[0].Thresholds) != 1 {
		t.Fatalf("thresholds %+v", th)
	} else if got := icer(map[string]any{"rr": th[0].Thresholds[0]}); math.Abs(got-6000) > 0.5 {
		t.Errorf("ICER at the threshold rr = %v: %v, want 6000", th[0].Thresholds[0], got)
	}
	html, err := os.ReadFile(filepath.Join(out, "dsa.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`id="tornado"`, `id="threshold-1"`, `id="two-way-1-plot"`, "<svg"} {
		if !strings.Contains(string(html), s) {
			t.Errorf("dsa.html has no %s", s)
		}
	}
	for _, args := range [][]string{
		{"--output", "nope", "--range", "rr=0.3:0.7"},
		{"--output", "combination_icer", "--range", "zz=0.3:0.7"},
		{"--output", "combination_icer", "--range", "rr=0.7:0.3"},
		{"--output", "combination_icer"},
		{"--output", "combination_icer", "--threshold", "rr=0.3:0.7", "--level", "NaN"},
		{"--output", "combination_icer", "--threshold", "rr=0.3:0.7", "--level", "+Inf"},
	} {
		code, _, stderr := cli("", append([]string{"dsa", file, "--out", filepath.Join(dir, "bad")}, args...)...)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}
