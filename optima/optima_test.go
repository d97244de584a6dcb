package optima

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/models/builtin"
	"github.com/mdtwin/mdtwin/scenarios"
	inprocess "github.com/mdtwin/mdtwin/workers/inproc"
)

// sheetScenario is a 30 × 30 mm fibrotic sheet (patchy, 30 %) on which
// burst pacing (6 beats at 28 ms) from some of 6 sites induces drivers.
const sheetScenario = `
[study]
name = "optima-sheet"
model = "atrial"
seed = 2019

[params]
mesh = "sheet"
length_mm = 30.0
width_mm = 30.0
dx_mm = 0.5
ionic = "aliev_panfilov"
sigma_l = 0.2
sigma_t = 0.2
scheme = "explicit"
dt_ms = 0.05
duration_ms = 400.0
lat_threshold_mv = -60.0
n_beats = 6
bcl_ms = 28.0
fibrosis_pattern = "patchy"
fibrosis_density = 0.3
fibrosis_patch_mm = 2.0
fibrosis_seed = 2019
phase = "state"
phase_start_ms = 60.0
driver_min_lifespan_ms = 100.0
driver_min_rotations = 2.0
save_lat = false

[inputs.optima]
sites = 6
rounds = 3
`

func inproc(ctx context.Context, sc *scenarios.Scenario, out string, resume bool) (engine.Report, error) {
	return execute(ctx, sc, out, resume, nil)
}

// execute runs the study sc of the built-in atrial model into out on two
// in-process workers, reporting to progress (nil: none), as
// prediction.InProcess and prediction.Execute do (package prediction
// imports optima, so optima's tests cannot import it).
func execute(ctx context.Context, sc *scenarios.Scenario, out string, resume bool, progress engine.Progress) (engine.Report, error) {
	m, err := builtin.Registry().Lookup(sc.Study.Model)
	if err != nil {
		return engine.Report{}, err
	}
	desc := m.Describe()
	if c, ok := m.(models.Configurable); ok {
		if desc, err = c.DescribeInputs(sc.Inputs); err != nil {
			return engine.Report{}, err
		}
	}
	runs, err := sc.Design(desc)
	if err != nil {
		return engine.Report{}, err
	}
	summarizer, _ := m.(models.Summarizer)
	study, err := engine.Prepare(engine.Plan{Scenario: sc, Model: desc, Runs: runs, OutDir: out, Resume: resume,
		Backend: "inproc", Workers: 2, Summarizer: summarizer}, nil)
	if err != nil {
		return engine.Report{}, err
	}
	return study.Execute(ctx, inprocess.New(m, 2), progress)
}

func parseSheet(t *testing.T, src string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("sheet.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// The sheet loop run once without interruption, shared by the tests that
// need it: its output folder and plan.
var sheetRun struct {
	once sync.Once
	dir  string
	plan *Plan
	err  error
}

func uninterrupted(t *testing.T) (string, *Plan) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs about 20 simulations")
	}
	sheetRun.once.Do(func() {
		sheetRun.dir, sheetRun.err = os.MkdirTemp("", "optima-sheet-")
		if sheetRun.err != nil {
			return
		}
		sc, err := scenarios.Parse("sheet.toml", []byte(sheetScenario))
		if err != nil {
			sheetRun.err = err
			return
		}
		sheetRun.plan, sheetRun.err = Run(context.Background(), sc, Options{OutDir: sheetRun.dir, Execute: inproc})
	})
	if sheetRun.err != nil {
		t.Fatal(sheetRun.err)
	}
	return sheetRun.dir, sheetRun.plan
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sheetRun.dir != "" {
		os.RemoveAll(sheetRun.dir)
	}
	os.Exit(code)
}

func TestLoopOnSheet(t *testing.T) {
	dir, plan := uninterrupted(t)
	if len(plan.Rounds) == 0 || len(plan.Rounds[0].InducibleRuns) == 0 || len(plan.Rounds[0].Drivers) == 0 {
		t.Fatalf("round 1 is not inducible: %+v", plan.Rounds)
	}
	last := plan.Rounds[len(plan.Rounds)-1]
	switch plan.Outcome {
	case NonInducible:
		if len(last.InducibleRuns) != 0 || plan.Inducible || len(plan.Lesions) == 0 {
			t.Errorf("non-inducible plan with an inducible last round or no lesions: %+v", plan)
		}
	case RoundLimit:
		if len(plan.Rounds) != 3 || !plan.Inducible {
			t.Errorf("round limit with %d rounds, inducible %v", len(plan.Rounds), plan.Inducible)
		}
	default:
		t.Errorf("outcome %q", plan.Outcome)
	}
	t.Logf("outcome %s after %d rounds, %d lesions, %.1f mm²", plan.Outcome, len(plan.Rounds), len(plan.Lesions), plan.TotalLesionAreaMM2)
	for _, rd := range plan.Rounds {
		if _, err := os.Stat(filepath.Join(dir, rd.Dir, "results.csv")); err != nil {
			t.Errorf("round %d: %v", rd.Round, err)
		}
		if len(rd.Sites) != 6 || rd.Runs != 6 {
			t.Errorf("round %d: %d sites, %d runs; want 6", rd.Round, len(rd.Sites), rd.Runs)
		}
	}

	// plan.json and plan.vtu read back.
	b, err := os.ReadFile(filepath.Join(dir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Plan
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Outcome != plan.Outcome || len(back.Rounds) != len(plan.Rounds) || len(back.Lesions) != len(plan.Lesions) ||
		back.TotalLesionAreaMM2 != plan.TotalLesionAreaMM2 {
		t.Errorf("plan.json differs from the plan: %+v", back)
	}
	m, err := mesh.ReadFile(filepath.Join(dir, "plan.vtu"))
	if err != nil {
		t.Fatal(err)
	}
	f := m.CellField("LesionRound")
	if f == nil || m.CellField("NonConducting") == nil {
		t.Fatal("plan.vtu lacks LesionRound or NonConducting")
	}
	area, maxRound := 0.0, 0.0
	for e, v := range f.Values {
		if v > 0 {
			area += m.Measure(e)
			maxRound = max(maxRound, v)
		}
	}
	if d := area - plan.TotalLesionAreaMM2; d > 1e-6 || d < -1e-6 || area == 0 {
		t.Errorf("LesionRound area %g mm², plan %g mm²", area, plan.TotalLesionAreaMM2)
	}
	if want := float64(plan.Lesions[len(plan.Lesions)-1].Round); maxRound != want {
		t.Errorf("latest LesionRound %g, want %g", maxRound, want)
	}
}

func TestRefusesScenariosTheLoopCannotRun(t *testing.T) {
	for name, extra := range map[string]string{
		"sweep":      "\n[sweep]\ndesign = \"grid\"\n[sweep.params]\nchi = [100.0, 140.0]\n",
		"site param": "", // stim_x_mm added to [params] below
	} {
		src := sheetScenario + extra
		if name == "site param" {
			src = sheetScenario[:len(sheetScenario)-len("\n[inputs.optima]\nsites = 6\nrounds = 3\n")] + "stim_x_mm = 1.0\n"
		}
		sc, err := scenarios.Parse("bad.toml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = Run(context.Background(), sc, Options{OutDir: t.TempDir(), Execute: inproc})
		var se *scenarios.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: got %v, want a *scenarios.Error", name, err)
		}
	}
}

// TestExampleScenario checks scenarios/examples/af-ablation.toml without
// running it (about 2 min 20 s on 2 cores): the loop accepts it, its
// substrate builds on atrium.vtp and the 8 sites lie on conducting tissue.
func TestExampleScenario(t *testing.T) {
	t.Chdir("..")
	sc, err := scenarios.Load("scenarios/examples/af-ablation.toml")
	if err != nil {
		t.Fatal(err)
	}
	p, given, err := check(sc)
	if err != nil {
		t.Fatal(err)
	}
	set := given.WithDefaults(sc.Study.Seed)
	if set.Sites != 12 || set.Rounds != 3 {
		t.Errorf("settings %+v", set)
	}
	m, mask, err := atrial.Substrate(p, sc.Inputs, 1)
	if err != nil {
		t.Fatal(err)
	}
	nc := 0
	for _, b := range mask {
		if b {
			nc++
		}
	}
	if len(m.Points) != 10516 || nc == 0 {
		t.Errorf("%d nodes, %d non-conducting elements", len(m.Points), nc)
	}
	if s := PacingSites(m, mask, set.Sites, set.Seed); len(s) != 12 {
		t.Errorf("%d sites", len(s))
	}
}

// cancelAfter is an engine.Progress that cancels once n runs are done.
type cancelAfter struct {
	n      int
	cancel context.CancelFunc
}

func (c cancelAfter) Start(total, done, failed int) {}
func (c cancelAfter) Update(done, failed int) {
	if done >= c.n {
		c.cancel()
	}
}
func (c cancelAfter) Stop() {}

// A loop interrupted in the middle of round 2 (2 of its 6 runs done) and
// resumed: round 1 is not run again, round 2 runs only its unfinished
// runs, and plan.json comes out byte for byte as without the interruption.
func TestResumeAfterInterrupt(t *testing.T) {
	want, plan := uninterrupted(t)
	if len(plan.Rounds) < 3 {
		t.Fatalf("the uninterrupted loop ended after %d rounds; the test wants an interruption in round 2 and a round after it", len(plan.Rounds))
	}
	sc := parseSheet(t, sheetScenario)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	interrupting := func(ctx context.Context, rsc *scenarios.Scenario, out string, resume bool) (engine.Report, error) {
		var progress engine.Progress
		if filepath.Base(out) == "round-02" {
			progress = cancelAfter{2, cancel}
		}
		return execute(ctx, rsc, out, false, progress)
	}
	if _, err := Run(ctx, sc, Options{OutDir: dir, Execute: interrupting}); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted loop: %v, want context.Canceled", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Plan.Rounds) != 1 || st.Plan.Outcome != "" {
		t.Fatalf("state after the interruption: %d rounds, outcome %q; want 1 round, none", len(st.Plan.Rounds), st.Plan.Outcome)
	}
	if _, err := os.Stat(filepath.Join(dir, "plan.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("plan.json after the interruption: %v", err)
	}

	// Without --resume the folder is refused.
	var ie *engine.InputError
	if _, err := Run(context.Background(), sc, Options{OutDir: dir, Execute: inproc}); !errors.As(err, &ie) || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("rerun without resume: %v, want an InputError naming --resume", err)
	}

	resumed := map[string]engine.Report{}
	recording := func(ctx context.Context, rsc *scenarios.Scenario, out string, resume bool) (engine.Report, error) {
		if !resume {
			t.Errorf("%s executed without resume", out)
		}
		rep, err := inproc(ctx, rsc, out, resume)
		resumed[filepath.Base(out)] = rep
		return rep, err
	}
	got, err := Run(context.Background(), sc, Options{OutDir: dir, Execute: recording, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := resumed["round-01"]; ok {
		t.Error("round 1 ran again")
	}
	if r2, ok := resumed["round-02"]; !ok || r2.Resumed < 2 || r2.Resumed >= r2.Runs {
		t.Errorf("round 2: %+v; want 2 to 5 of its runs finished before the resume", r2)
	}
	if len(got.Rounds) != len(plan.Rounds) {
		t.Errorf("%d rounds resumed, %d uninterrupted", len(got.Rounds), len(plan.Rounds))
	}
	for _, f := range []string{"plan.json", "plan.vtu"} {
		a, err := os.ReadFile(filepath.Join(want, f))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from the uninterrupted loop's", f)
		}
	}

	// Resuming a finished loop runs nothing and writes the same plan.
	never := func(ctx context.Context, rsc *scenarios.Scenario, out string, resume bool) (engine.Report, error) {
		t.Errorf("%s executed in a finished loop", out)
		return engine.Report{}, errors.New("not expected")
	}
	if _, err := Run(context.Background(), sc, Options{OutDir: dir, Execute: never, Resume: true}); err != nil {
		t.Fatal(err)
	}
	if a, _ := os.ReadFile(filepath.Join(want, "plan.json")); !bytes.Equal(a, mustRead(t, filepath.Join(dir, "plan.json"))) {
		t.Error("plan.json of the finished loop changed")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestResumeWithMoreRounds: a loop stopped by its round limit (1) while
// still inducible, resumed with --rounds 3, proposes the last round's
// lesions and goes on: round 1 is not run again, and plan.json and
// plan.vtu are byte-identical to the uninterrupted loop's with 3 rounds. A
// limit below the rounds already run is refused.
func TestResumeWithMoreRounds(t *testing.T) {
	want, plan := uninterrupted(t)
	if len(plan.Rounds) < 2 {
		t.Fatalf("the uninterrupted loop ended after %d rounds; the test wants at least 2", len(plan.Rounds))
	}
	sc := parseSheet(t, sheetScenario)
	dir := t.TempDir()
	first, err := Run(context.Background(), sc, Options{OutDir: dir, Rounds: 1, Execute: inproc})
	if err != nil {
		t.Fatal(err)
	}
	if first.Outcome != RoundLimit || len(first.Rounds) != 1 || len(first.Lesions) != 0 {
		t.Fatalf("one round: outcome %q, %d rounds, %d lesions; want the round limit, 1, 0", first.Outcome, len(first.Rounds), len(first.Lesions))
	}
	ran := map[string]bool{}
	recording := func(ctx context.Context, rsc *scenarios.Scenario, out string, resume bool) (engine.Report, error) {
		ran[filepath.Base(out)] = true
		return inproc(ctx, rsc, out, resume)
	}
	got, err := Run(context.Background(), sc, Options{OutDir: dir, Rounds: 3, Execute: recording, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if ran["round-01"] || !ran["round-02"] || got.Outcome != plan.Outcome || len(got.Rounds) != len(plan.Rounds) {
		t.Errorf("resumed with 3 rounds: ran %v, outcome %q after %d rounds; uninterrupted %q after %d", ran, got.Outcome, len(got.Rounds), plan.Outcome, len(plan.Rounds))
	}
	for _, f := range []string{"plan.json", "plan.vtu"} {
		if !bytes.Equal(mustRead(t, filepath.Join(want, f)), mustRead(t, filepath.Join(dir, f))) {
			t.Errorf("%s differs from the uninterrupted loop's", f)
		}
	}
	var ie *engine.InputError
	_, err = Run(context.Background(), sc, Options{OutDir: dir, Rounds: 1, Execute: recording, Resume: true})
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "rounds already") {
		t.Errorf("--rounds 1 after %d rounds: %v, want an InputError", len(got.Rounds), err)
	}
}

// --resume refuses a folder whose loop was started from another scenario,
// and a folder that holds no loop.
func TestResumeRefusesAnotherScenario(t *testing.T) {
	sc := parseSheet(t, sheetScenario)
	dir := t.TempDir()
	stop := errors.New("stop")
	halt := func(ctx context.Context, rsc *scenarios.Scenario, out string, resume bool) (engine.Report, error) {
		return engine.Report{}, stop
	}
	if _, err := Run(context.Background(), sc, Options{OutDir: dir, Execute: halt}); !errors.Is(err, stop) {
		t.Fatalf("got %v, want the executor's error", err)
	}
	other := parseSheet(t, strings.Replace(sheetScenario, "duration_ms = 400.0", "duration_ms = 300.0", 1))
	for name, c := range map[string]struct {
		sc     *scenarios.Scenario
		rounds int
		want   string
	}{
		"scenario": {other, 0, "another scenario"},
	} {
		_, err := Run(context.Background(), c.sc, Options{OutDir: dir, Rounds: c.rounds, Execute: halt, Resume: true})
		var ie *engine.InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want a one-line InputError saying %q", name, err, c.want)
		}
	}
	if _, err := Run(context.Background(), sc, Options{OutDir: dir, Execute: halt, Resume: true}); !errors.Is(err, stop) {
		t.Errorf("same scenario: got %v, want it resumed (the executor's error)", err)
	}

	notLoop := t.TempDir()
	if err := os.WriteFile(filepath.Join(notLoop, "x.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	var ie *engine.InputError
	if _, err := Run(context.Background(), sc, Options{OutDir: notLoop, Execute: halt, Resume: true}); !errors.As(err, &ie) {
		t.Errorf("a folder without a loop: %v, want an InputError", err)
	}
}

// TestPrepacedRound runs one round on the sheet with pre-pacing (2 beats
// every 200 ms from the first site): the pre-pacing study writes one
// checkpoint at 400 ms, and both site runs start from it (their
// duration_ms is 400 + 400 ms and phase_start_ms 400 + 60 ms) and finish.
func TestPrepacedRound(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three simulations")
	}
	src := strings.Replace(sheetScenario, "sites = 6\nrounds = 3", "sites = 2\nrounds = 1\nprepace_beats = 2\nprepace_bcl_ms = 200.0", 1)
	sc := parseSheet(t, src)
	dir := t.TempDir()
	plan, err := Run(context.Background(), sc, Options{OutDir: dir, Execute: inproc})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Rounds) != 1 || plan.Rounds[0].Runs != 2 || plan.Rounds[0].Failed != 0 {
		t.Fatalf("rounds %+v", plan.Rounds)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "round-01-prepace", "runs", "*", atrial.CheckpointFile))
	if len(matches) != 1 {
		t.Fatalf("pre-pacing checkpoints %v, want one", matches)
	}
	rows, err := readCSV(filepath.Join(dir, "round-01", "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	for _, row := range rows[1:] {
		if row[col["duration_ms"]] != "800" || row[col["phase_start_ms"]] != "460" || row[col["status"]] != "done" {
			t.Errorf("site run %s: duration_ms %s, phase_start_ms %s, status %s; want 800, 460, done",
				row[col["run_id"]], row[col["duration_ms"]], row[col["phase_start_ms"]], row[col["status"]])
		}
	}
}
