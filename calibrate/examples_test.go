package calibrate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/brain"
	"github.com/mdtwin/mdtwin/models/builtin"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/workers"
	"github.com/mdtwin/mdtwin/workers/inproc"
)

// example loads scenarios/examples/name with the replacements old → new
// applied to its text (each must occur, every occurrence replaced), as a
// scenario file in place; the test runs in the repository root from then on.
func example(t testing.TB, name string, replace ...string) *scenarios.Scenario {
	t.Helper()
	t.Chdir("..") // the examples' data paths are relative to the repository root
	path := filepath.Join("scenarios", "examples", name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	for i := 0; i < len(replace); i += 2 {
		if !strings.Contains(src, replace[i]) {
			t.Fatalf("%s has no %q to replace", name, replace[i])
		}
		src = strings.ReplaceAll(src, replace[i], replace[i+1])
	}
	sc, err := scenarios.Parse(path, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// calibrateBuiltin calibrates sc's built-in model on w in-process workers.
func calibrateBuiltin(t testing.TB, sc *scenarios.Scenario, w int, dir string) (*Result, error) {
	t.Helper()
	m, err := builtin.Registry().Lookup(sc.Study.Model)
	if err != nil {
		t.Fatal(err)
	}
	desc := m.Describe()
	if c, ok := m.(models.Configurable); ok {
		if desc, err = c.DescribeInputs(sc.Inputs); err != nil {
			t.Fatal(err)
		}
	}
	return Run(context.Background(), sc, Options{OutDir: dir, Model: desc, BackendKind: "inproc", Workers: w,
		NewBackend: func(string) (workers.Backend, error) { return inproc.New(m, w), nil }})
}

// The truth behind pk-individual-data.csv: one subject given 100 mg orally
// once, CL 4 L/h, V 40 L, ka 1.2 /h, F 1.
const (
	pkTrueCL = 4.0
	pkTrueV  = 40.0
	pkTrueKa = 1.2
)

// TestPKIndividualData regenerates the example's data: the Bateman
// function (Gibaldi & Perrier 1982, eq. 1.23)
//
//	C(t) = D·ka / (V (ka − ke)) · (e^(−ke t) − e^(−ka t)),  ke = CL/V,
//
// at 0.5, 1, 2, 4, 8 and 12 h, times exp(0.15 ε) with ε standard normal
// from PCG(20261203, 0) in time order (log-normal proportional error of
// 15 %), rounded to 4 significant digits. The shipped CSV must be exactly
// that.
func TestPKIndividualData(t *testing.T) {
	ke := pkTrueCL / pkTrueV
	rng := rand.New(rand.NewPCG(20261203, 0))
	var want strings.Builder
	want.WriteString("t_h,c_mg_per_l\n")
	for _, tt := range []float64{0.5, 1, 2, 4, 8, 12} {
		c := 100 * pkTrueKa / (pkTrueV * (pkTrueKa - ke)) * (math.Exp(-ke*tt) - math.Exp(-pkTrueKa*tt))
		obs := c * math.Exp(0.15*rng.NormFloat64())
		want.WriteString(strconv.FormatFloat(tt, 'g', -1, 64) + "," + strconv.FormatFloat(obs, 'g', 4, 64) + "\n")
	}
	b, err := os.ReadFile(filepath.Join("..", "scenarios", "examples", "pk-individual-data.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasPrefix(l, "#") {
			got.WriteString(l)
		}
	}
	if got.String() != want.String() {
		t.Errorf("pk-individual-data.csv is\n%s\nthe generating code gives\n%s", got.String(), want.String())
	}
}

// The PK example at a reduced size (300 particles, 20 predictive runs):
// the 90 % credible interval of every parameter covers the value that
// generated the data.
func TestPKIndividualExample(t *testing.T) {
	sc := example(t, "pk-individual.toml", "particles = 1000", "particles = 300", "predictive = 200", "predictive = 20")
	dir := filepath.Join(t.TempDir(), "out")
	res, err := calibrateBuiltin(t, sc, 2, dir)
	if err != nil {
		t.Fatal(err)
	}
	s := readSummary(t, dir)
	t.Logf("%d populations, %d simulations: %s", res.Steps, res.Simulations, res.Stop)
	truth := map[string]float64{"cl_l_per_h": pkTrueCL, "v_l": pkTrueV, "ka_per_h": pkTrueKa}
	for _, p := range s.Params {
		t.Logf("%s: mean %.4g, 90 %% interval [%.4g, %.4g], truth %g", p.Name, *p.Mean, *p.Q05, *p.Q95, truth[p.Name])
		if v := truth[p.Name]; v < *p.Q05 || v > *p.Q95 {
			t.Errorf("%s: the 90 %% interval [%.4g, %.4g] misses the truth %g", p.Name, *p.Q05, *p.Q95, v)
		}
	}
	if res.Stop != StopTemperature {
		t.Errorf("stopped because %q, want %q", res.Stop, StopTemperature)
	}
	if len(s.Targets) != 1 || len(s.Targets[0].Cells) != 6 {
		t.Fatalf("fit: %+v, want one target with 6 cells", s.Targets)
	}
}

// The VEP example's truth: the EZ and the other candidates' excitability,
// and the coupling (scenarios/examples/vep-inversion.toml).
var (
	vepCandidates = []string{"rHC", "rPHC", "rAMYG", "rTCI", "rTCV", "rTCPOL", "rTCS", "rTCC"}
	vepEZ         = map[string]bool{"rHC": true, "rPHC": true, "rAMYG": true}
	vepTrueX0     = map[string]float64{"rHC": -1.6, "rPHC": -1.8, "rAMYG": -1.7, "rTCI": -2.2, "rTCV": -2.2, "rTCPOL": -2.4, "rTCS": -2.4, "rTCC": -2.4}
)

const vepTrueCoupling = 1.0

// vepTruthRun runs the example's model at the truth for duration ms and
// returns its outputs.
func vepTruthRun(t *testing.T, sc *scenarios.Scenario, duration float64) map[string]float64 {
	t.Helper()
	m, err := builtin.Registry().Lookup("brain")
	if err != nil {
		t.Fatal(err)
	}
	desc, err := m.(models.Configurable).DescribeInputs(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]any{"coupling_a": vepTrueCoupling, "duration": duration}
	for k, v := range sc.Params {
		if k != "duration" {
			raw[k] = v
		}
	}
	for l, x := range vepTrueX0 {
		raw["x0_"+strings.ToLower(l)] = x
	}
	p, err := desc.Resolve(raw)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Run(context.Background(), models.RunSpec{Params: p, Inputs: sc.Inputs, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Scalars
}

// TestVEPInversionData: the example's observed onsets are its own model's
// at the truth (deterministic Heun: the seed plays no part), and its
// right-censored targets (no onset before the recording's end) hold: the
// region did not seize within the run, nor within 2 s.
func TestVEPInversionData(t *testing.T) {
	t.Chdir("..")
	sc, err := scenarios.Load("scenarios/examples/vep-inversion.toml")
	if err != nil {
		t.Fatal(err)
	}
	duration := sc.Params["duration"].(float64)
	out := vepTruthRun(t, sc, duration)
	long := vepTruthRun(t, sc, 2000)
	for _, tg := range sc.Calibrate.Targets {
		got := out[tg.Output]
		switch tg.Censored {
		case "":
			if got != tg.Observed {
				t.Errorf("%s: the model at the truth gives %g, the scenario observes %g", tg.Output, got, tg.Observed)
			}
			if long[tg.Output] != got {
				t.Errorf("%s: the onset at the truth is %g in a 2 s run, %g in the example's", tg.Output, long[tg.Output], got)
			}
		case scenarios.RightCensored:
			if got != duration || long[tg.Output] != 2000 || tg.Observed >= duration {
				t.Errorf("%s: censored at %g ms, but the model at the truth gives %g in the example's %g ms run and %g in a 2 s run (want no onset: the run's end)",
					tg.Output, tg.Observed, got, duration, long[tg.Output])
			}
		default:
			t.Errorf("%s: censored = %q, want right-censored onsets", tg.Output, tg.Censored)
		}
	}
}

// TestVEPCandidatesSampled: every candidate region of the VEP example is
// the nearest region centre of at least one contact of the right temporal
// electrodes (A, B, C, GPH, H, OT, T, TB, TP) of seeg_588.txt.
func TestVEPCandidatesSampled(t *testing.T) {
	conn, err := brain.LoadConnectivity(filepath.Join("..", "models", "brain", "testdata", "connectivity_76.zip"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("..", "models", "brain", "testdata", "seeg_588.txt"))
	if err != nil {
		t.Fatal(err)
	}
	electrodes := map[string]bool{"A": true, "B": true, "C": true, "GPH": true, "H": true, "OT": true, "T": true, "TB": true, "TP": true}
	sampled := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 {
			continue
		}
		if !electrodes[strings.TrimRight(f[0], "0123456789")] {
			continue
		}
		var p [3]float64
		for k := range p {
			p[k], _ = strconv.ParseFloat(f[1+k], 64)
		}
		best, bestD := "", math.Inf(1)
		for i, c := range conn.Centres {
			d := math.Hypot(math.Hypot(c[0]-p[0], c[1]-p[1]), c[2]-p[2])
			if d < bestD {
				best, bestD = conn.Labels[i], d
			}
		}
		sampled[best] = true
	}
	for _, c := range vepCandidates {
		if !sampled[c] {
			t.Errorf("candidate %s is the nearest region of no contact of the right temporal electrodes", c)
		}
	}
}

// The VEP example at a reduced size — a 300 ms recording (the onsets of
// the EZ, 76–160 ms, lie inside it; the other candidates are censored at
// 300 ms), runs of 380 ms (the recording and 4 SE), and 100 particles: the
// EZ regions get a posterior mean x0 above the isolated 2-D Epileptor's
// threshold (brain.Threshold2D, ≈ −2.06), every other candidate below it,
// and the truth lies in the 90 % interval of every x0 and of the coupling.
func TestVEPInversionExample(t *testing.T) {
	if testing.Short() {
		t.Skip("a calibration of the brain model")
	}
	sc := example(t, "vep-inversion.toml", "observed = 500", "observed = 300", "duration = 580.0", "duration = 380.0",
		"particles = 300", "particles = 100", "predictive = 50", "predictive = 0")
	dir := filepath.Join(t.TempDir(), "out")
	res, err := calibrateBuiltin(t, sc, 2, dir)
	if err != nil {
		t.Fatal(err)
	}
	s := readSummary(t, dir)
	threshold := brain.Threshold2D(4.1, 0.00035) // c + Iext = 1 + 3.1 and r, the model's defaults
	t.Logf("%d populations, %d simulations: %s; threshold x0* = %.4f", res.Steps, res.Simulations, res.Stop, threshold)
	if res.Stop != StopTemperature {
		t.Errorf("stopped because %q, want %q: the posterior, not a tempered one", res.Stop, StopTemperature)
	}
	for _, p := range s.Params {
		truth := vepTrueCoupling
		if p.Name != "coupling_a" {
			label := ""
			for _, c := range vepCandidates {
				if "x0_"+strings.ToLower(c) == p.Name {
					label = c
				}
			}
			truth = vepTrueX0[label]
			if above := *p.Mean > threshold; above != vepEZ[label] {
				t.Errorf("%s: posterior mean %.3f is %s the threshold %.3f, but %s is %s", p.Name, *p.Mean,
					map[bool]string{true: "above", false: "below"}[above], threshold, label, map[bool]string{true: "in the EZ", false: "not in the EZ"}[vepEZ[label]])
			}
		}
		t.Logf("%s: mean %.3f, 90 %% interval [%.3f, %.3f], truth %g", p.Name, *p.Mean, *p.Q05, *p.Q95, truth)
		if truth < *p.Q05 || truth > *p.Q95 {
			t.Errorf("%s: the truth %g lies outside the 90 %% interval [%.3f, %.3f]", p.Name, truth, *p.Q05, *p.Q95)
		}
	}
}

// A calibration holds its output folder's lock for its life: a second
// calibration (or a study) in the same folder is refused with the holder's
// PID, and nothing is written into the folder.
func TestCalibrationFolderLocked(t *testing.T) {
	sc := example(t, "pk-individual.toml", "particles = 1000", "particles = 300", "predictive = 200", "predictive = 20")
	dir := filepath.Join(t.TempDir(), "out")
	lock, err := engine.LockFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()
	_, err = calibrateBuiltin(t, sc, 1, dir)
	var ie *engine.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), fmt.Sprintf("in use by another mdtwin process (PID %d", os.Getpid())) {
		t.Fatalf("calibration in a locked folder: %v; want an input error naming PID %d", err, os.Getpid())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != engine.LockFile {
		t.Errorf("the locked folder holds %d entries, want only %s", len(ents), engine.LockFile)
	}
	lock.Unlock()
	if _, err := calibrateBuiltin(t, sc, 2, dir); err != nil {
		t.Fatalf("after the lock is released: %v", err)
	}
}

// The calibrated MS natural history that ships with mscohort
// (models/mscohort/data/calibration/posterior.csv, made by `mdtwin
// calibrate scenarios/examples/ms-natural-history.toml`; the full
// calibration, 188,870 simulations, is too long for go test): the model,
// run at every particle of that posterior with the example's parameters
// and inputs, reproduces a target within its stated uncertainty when the
// weighted posterior-predictive mean lies within 1.96 standard errors of
// the observed value (inside the 95 % interval its source reports, or the
// assumed SE says). Eight of the ten targets are; the two in msConflict
// are not, because their sources disagree under the model's
// time-homogeneous band transitions (data/calibration/README.md): the test
// also holds that finding — both predicted below the observed value — so
// that a change that resolves it, or moves it, is seen and documented.
func TestMSNaturalHistoryCalibrated(t *testing.T) {
	t.Chdir("..")
	sc, err := scenarios.Load("scenarios/examples/ms-natural-history.toml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := builtin.Registry().Lookup("mscohort")
	if err != nil {
		t.Fatal(err)
	}
	desc, err := m.(models.Configurable).DescribeInputs(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("models/mscohort/data/calibration/posterior.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	head := strings.Split(lines[0], ",")
	if len(head) != 4+len(sc.Calibrate.Params) || len(lines) < 2 {
		t.Fatalf("posterior.csv: header %v, %d rows; want 4 + %d columns", head, len(lines)-1, len(sc.Calibrate.Params))
	}
	pred := map[string]float64{}
	var total float64
	for _, line := range lines[1:] {
		f := strings.Split(line, ",")
		w, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			t.Fatalf("posterior.csv: weight %q: %v", f[1], err)
		}
		raw := map[string]any{}
		for k, v := range sc.Params {
			raw[k] = v
		}
		for a, name := range head[4:] {
			if raw[name], err = strconv.ParseFloat(f[4+a], 64); err != nil {
				t.Fatalf("posterior.csv: %s %q: %v", name, f[4+a], err)
			}
		}
		p, err := desc.Resolve(raw)
		if err != nil {
			t.Fatal(err)
		}
		res, err := m.Run(context.Background(), models.RunSpec{Params: p, Inputs: sc.Inputs, Seed: 1}, nil)
		if err != nil {
			t.Fatalf("particle %s: %v", f[0], err)
		}
		for _, tg := range sc.Calibrate.Targets {
			pred[tg.Output] += w * res.Scalars[tg.Output]
		}
		total += w
	}
	for _, tg := range sc.Calibrate.Targets {
		got := pred[tg.Output] / total
		z := (got - tg.Observed) / tg.SE
		t.Logf("%-26s observed %-7g SE %-7g predicted %.4g (z = %+.2f)", tg.Output, tg.Observed, tg.SE, got, z)
		if why, ok := msConflict[tg.Output]; ok {
			if z >= -1.96 {
				t.Errorf("%s: predicted %.4g, z = %+.2f: no longer the documented conflict (%s); update data/calibration/README.md", tg.Output, got, z, why)
			}
			continue
		}
		if math.Abs(z) > 1.96 {
			t.Errorf("%s: the calibrated model predicts %.4g, %.2f SE from the observed %g (%s)", tg.Output, got, z, tg.Observed, tg.Source)
		}
	}
}

// msConflict are the MS natural-history targets that no parameter values
// of the model reproduce together (models/mscohort/data/calibration/
// README.md): the assumed default matrix, which gives MSBase's band
// probabilities exactly in annual timing (TestNaturalHistoryBandsAnnual
// in models/mscohort), gives a median time from onset to EDSS 4 of 9.6
// years there (nh_median_years_to_edss4 at the defaults); the South East
// Wales onset cohort's is 18.2 years. The least-squares optimum
// (Nelder–Mead, 4 starts, TestMSNaturalHistoryTargetsConflict) leaves them
// at −3.5 and −2.3 SE, the posterior at −4.0 and −4.4.
var msConflict = map[string]string{
	"nh_p_mild_to_moderate":    "MSBase mild → moderate, against Harding's median to EDSS 4",
	"nh_median_years_to_edss4": "Harding's median to EDSS 4, against MSBase mild → moderate",
}

// The MS natural-history example at a reduced size (40 particles, 3
// populations, 10 predictive runs): it runs end to end through the
// example's own scenario — the model's natural-history outputs as
// targets, runs the band hazard ratios make impossible dropped as failed
// proposals — and its calibration.json holds the eight parameters and the
// fit to all ten targets. (The full calibration's result is checked by
// TestMSNaturalHistoryCalibrated.)
func TestMSNaturalHistoryExample(t *testing.T) {
	sc := example(t, "ms-natural-history.toml", "particles = 300", "particles = 40", "max_populations = 30", "max_populations = 3",
		"predictive = 100", "predictive = 10")
	dir := filepath.Join(t.TempDir(), "out")
	res, err := calibrateBuiltin(t, sc, 2, dir)
	if err != nil {
		t.Fatal(err)
	}
	s := readSummary(t, dir)
	t.Logf("%d populations, %d simulations: %s", res.Steps, res.Simulations, res.Stop)
	if res.Stop != StopPopulations || res.Steps != 3 || len(s.Params) != 8 || len(s.Targets) != 10 {
		t.Fatalf("stopped because %q after %d populations, %d parameters, %d targets; want %q, 3, 8, 10", res.Stop, res.Steps, len(s.Params), len(s.Targets), StopPopulations)
	}
	for _, tg := range s.Targets {
		if len(tg.Cells) != 1 || tg.Cells[0].Mean == nil {
			t.Errorf("%s: no posterior-predictive fit", tg.Name)
		}
	}
}

// A population's runs keep of their tables only the values the targets
// compare (no runs/ folder in pop-TTT/batch-BBB/), the posterior-predictive
// runs keep theirs, and the calibration's outputs are byte for byte those
// of a calibration whose populations write their tables and read them
// back.
func TestPopulationsKeepNoTables(t *testing.T) {
	sc := example(t, "pk-individual.toml", "particles = 1000", "particles = 60", "predictive = 200", "predictive = 5")
	m, err := builtin.Registry().Lookup(sc.Study.Model)
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	for _, keep := range []bool{false, true} {
		dir := filepath.Join(base, fmt.Sprint(keep))
		if _, err := Run(context.Background(), sc, Options{OutDir: dir, Model: m.Describe(), BackendKind: "inproc", Workers: 2,
			NewBackend: func(string) (workers.Backend, error) { return inproc.New(m, 2), nil }, keepTables: keep}); err != nil {
			t.Fatal(err)
		}
		tables, _ := filepath.Glob(filepath.Join(dir, "pop-*", "batch-*", "runs", "*", "concentration.csv"))
		if keep != (len(tables) > 0) {
			t.Errorf("keepTables %v: the populations' runs wrote %d tables", keep, len(tables))
		}
		if tables, _ := filepath.Glob(filepath.Join(dir, PredictiveDir, "runs", "*", "concentration.csv")); len(tables) != 5 {
			t.Errorf("keepTables %v: %d tables of posterior-predictive runs, want 5", keep, len(tables))
		}
	}
	for _, f := range []string{PosteriorFile, PopulationsFile, SummaryFile} {
		a, _ := os.ReadFile(filepath.Join(base, "false", f))
		b, _ := os.ReadFile(filepath.Join(base, "true", f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between the calibrations with and without the populations' tables", f)
		}
	}
}

// TestMSNaturalHistoryTargetsConflict checks the claim behind msConflict
// rather than taking it from a throwaway computation: the best
// least-squares fit of the eight natural-history parameters to the ten
// targets (the example's own scenario, Nelder–Mead from 4 starts, each
// run until it converges — 9,165 evaluations in all, Σz² = 23.9 — on the
// Gaussian likelihood of the targets' standard errors: ½Σz²) still leaves
// MSBase mild → moderate and Harding's median to EDSS 4 beyond 1.96 SE,
// one on each side of what the model can give: no parameter values of this
// time-homogeneous model reproduce every target within its stated
// uncertainty (models/mscohort/data/calibration/README.md).
func TestMSNaturalHistoryTargetsConflict(t *testing.T) {
	sc := example(t, "ms-natural-history.toml",
		`method = "abc-smc"`, `method = "nelder-mead"`,
		"acceptance = \"stochastic\"\n", "",
		"particles = 300\n", "",
		"kernel_scale = 0.5   # a narrower kernel: 8 parameters and a narrow posterior\n", "",
		"max_populations = 30\n", "",
		"max_simulations = 200000\n", "",
		"min_acceptance = 0.002\n", "starts = 4\nmax_evaluations = 4000\n",
		"predictive = 100\n", "")
	dir := filepath.Join(t.TempDir(), "out")
	res, err := calibrateBuiltin(t, sc, 2, dir)
	if err != nil {
		t.Fatal(err)
	}
	s := readSummary(t, dir)
	t.Logf("%d evaluations: %s", res.Simulations, res.Stop)
	if res.Stop != StopConverged {
		t.Errorf("stopped because %q, want %q: the optimum is not the least-squares fit", res.Stop, StopConverged)
	}
	var sum float64
	within := 0
	for _, tg := range s.Targets {
		if len(tg.Cells) != 1 || tg.Cells[0].Z == nil {
			t.Fatalf("%s: no fit at the optimum", tg.Name)
		}
		z := *tg.Cells[0].Z
		sum += z * z
		if math.Abs(z) <= 1.96 {
			within++
		}
		t.Logf("%-26s observed %-7g predicted %.4g (z = %+.2f)", tg.Output, tg.Cells[0].Obs, *tg.Cells[0].Mean, z)
		if _, ok := msConflict[tg.Output]; ok && math.Abs(z) <= 1.96 {
			t.Errorf("%s: the least-squares optimum reproduces it (z = %+.2f): the documented conflict does not hold", tg.Output, z)
		}
	}
	t.Logf("Σz² = %.1f; %d of %d targets within 1.96 SE", sum, within, len(s.Targets))
	if within == len(s.Targets) {
		t.Errorf("every target within 1.96 SE at the optimum: the calibration README's conflict does not hold")
	}
}

// TestReferenceCasesReproduceTheDisabilityTargets: the point of the
// posterior that both MS reference cases run (the medians of the seven
// disability ratios baked into their matrices) reproduces 7 of the
// calibration's 9 disability targets within 1.96 SE and misses the two
// that conflict (msConflict), as models/mscohort/data/calibration/README.md
// ("The point the reference cases run") states. The tenth target, the
// ASCLEPIOS ARR, depends on the relapse-rate factor, which the cases do
// not apply.
func TestReferenceCasesReproduceTheDisabilityTargets(t *testing.T) {
	t.Chdir("..")
	sc, err := scenarios.Load("scenarios/examples/ms-natural-history.toml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := builtin.Registry().Lookup("mscohort")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"uk_nice", "us_icer"} {
		inputs := json.RawMessage(`{"reference_case": "` + c + `"}`)
		desc, err := m.(models.Configurable).DescribeInputs(inputs)
		if err != nil {
			t.Fatal(err)
		}
		p, err := desc.Resolve(map[string]any{"mode": "cohort", "horizon_years": int64(1)})
		if err != nil {
			t.Fatal(err)
		}
		res, err := m.Run(context.Background(), models.RunSpec{Params: p, Inputs: inputs, Seed: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		within, n := 0, 0
		for _, tg := range sc.Calibrate.Targets {
			if !strings.HasPrefix(tg.Output, "nh_") {
				continue
			}
			n++
			z := (res.Scalars[tg.Output] - tg.Observed) / tg.SE
			_, conflict := msConflict[tg.Output]
			if math.Abs(z) <= 1.96 {
				within++
			}
			if conflict == (math.Abs(z) <= 1.96) {
				t.Errorf("%s: %s = %.4g, z = %+.2f; want %s", c, tg.Output, res.Scalars[tg.Output], z,
					map[bool]string{true: "beyond 1.96 SE (the documented conflict)", false: "within 1.96 SE"}[conflict])
			}
		}
		t.Logf("%s: %d of %d disability targets within 1.96 SE", c, within, n)
	}
}
