package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pk"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/store"
	"github.com/mdtwin/mdtwin/workers/inproc"
)

const pkScenario = `
[study]
name = "pk-test"
model = "pk"
seed = 7
replicates = 2

[params]
n_doses = 3
t_end_h = 36

[sweep]
design = "lhs"
samples = 40

[sweep.params]
ka_per_h = { dist = "lognormal", mu = 0.0, sigma = 0.4 }
cl_l_per_h = { dist = "uniform", min = 2.0, max = 8.0 }
omega_v = { dist = "uniform", min = 0.0, max = 0.3 }
`

func plan(t testing.TB, src string, desc models.Descriptor, out string) Plan {
	t.Helper()
	sc, err := scenarios.Parse("test.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	runs, err := sc.Design(desc)
	if err != nil {
		t.Fatal(err)
	}
	return Plan{Scenario: sc, Model: desc, Runs: runs, OutDir: out, Backend: "inproc"}
}

func execute(t testing.TB, p Plan, m models.Model, workers int) Report {
	t.Helper()
	st, err := Prepare(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := st.Execute(context.Background(), inproc.New(m, workers), nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func read(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// results.csv must not depend on the worker count or completion order.
func TestResultsIndependentOfWorkers(t *testing.T) {
	desc := pk.Model{}.Describe()
	var first []byte
	for _, n := range []int{1, 4, 7} {
		out := filepath.Join(t.TempDir(), "out")
		rep := execute(t, plan(t, pkScenario, desc, out), pk.Model{}, n)
		if rep.Done != 80 || len(rep.Failed) != 0 {
			t.Fatalf("workers=%d: %+v", n, rep)
		}
		got := read(t, filepath.Join(out, "results.csv"))
		if first == nil {
			first = got
			continue
		}
		if !bytes.Equal(got, first) {
			t.Fatalf("results.csv with %d workers differs from 1 worker", n)
		}
	}
	lines := strings.Split(strings.TrimSpace(string(first)), "\n")
	if len(lines) != 81 || !strings.HasPrefix(lines[0], "run_id,replicate,seed,status,dose_mg,") ||
		!strings.HasPrefix(lines[1], "r000000,0,") || !strings.HasPrefix(lines[2], "r000001,1,") {
		t.Errorf("unexpected results.csv head:\n%s", strings.Join(lines[:3], "\n"))
	}
}

// flaky fails the first attempt of every 5th run, and every attempt of run 3.
type flaky struct {
	pk.Model
	mu    sync.Mutex
	tries map[int]int
}

func (f *flaky) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	f.mu.Lock()
	f.tries[spec.Index]++
	n := f.tries[spec.Index]
	f.mu.Unlock()
	if spec.Index == 3 {
		return models.Result{}, fmt.Errorf("diverged at attempt %d", n)
	}
	if spec.Index%5 == 0 && n == 1 {
		panic("transient")
	}
	return f.Model.Run(ctx, spec, obs)
}

func TestRetriesAndGiveUp(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	m := &flaky{tries: map[int]int{}}
	p := plan(t, pkScenario, pk.Model{}.Describe(), out)
	p.MaxAttempts = 3
	rep := execute(t, p, m, 3)
	if rep.Done != 79 || len(rep.Failed) != 1 || rep.Failed[0].ID != "r000003" || rep.Failed[0].Attempts != 3 ||
		rep.Failed[0].Error != "diverged at attempt 3" {
		t.Fatalf("report = %+v", rep)
	}
	for i, n := range m.tries {
		want := 1
		switch {
		case i == 3:
			want = 3
		case i%5 == 0:
			want = 2
		}
		if n != want {
			t.Errorf("run %d tried %d times, want %d", i, n, want)
		}
	}
	csv := string(read(t, filepath.Join(out, "results.csv")))
	if !strings.Contains(csv, "\nr000003,1,") || !strings.Contains(strings.Split(csv, "\n")[4], ",failed,") {
		t.Errorf("failed run not marked in results.csv: %s", strings.Split(csv, "\n")[4])
	}
	sum := string(read(t, filepath.Join(out, "summary.json")))
	if !strings.Contains(sum, `"run_id": "r000003"`) {
		t.Errorf("summary.json does not list the failed run:\n%s", sum)
	}
}

// stopper cancels the study after n runs have ended, like a crash.
type stopper struct {
	pk.Model
	n, count atomic.Int64
	cancel   context.CancelFunc
}

func (s *stopper) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	res, err := s.Model.Run(ctx, spec, obs)
	if s.count.Add(1) == s.n.Load() {
		s.cancel()
	}
	return res, err
}

func TestResumeRunsOnlyUnfinished(t *testing.T) {
	desc := pk.Model{}.Describe()
	ref := filepath.Join(t.TempDir(), "ref")
	execute(t, plan(t, pkScenario, desc, ref), pk.Model{}, 2)

	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	m := &stopper{cancel: cancel}
	m.n.Store(30)
	st, err := Prepare(plan(t, pkScenario, desc, out), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Execute(ctx, inproc.New(m, 2), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	l, err := store.OpenLedger(filepath.Join(out, store.LedgerFile))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := l.Runs()
	l.Close()
	recorded := 0
	for _, r := range rows {
		if r.State == store.Done {
			recorded++
		}
	}
	// The other worker may finish a run or two after the cancel.
	if recorded < 20 || recorded > 40 {
		t.Fatalf("%d runs recorded before the stop, want ≈ 30", recorded)
	}

	// Without --resume the folder is refused.
	if _, err := Prepare(plan(t, pkScenario, desc, out), nil); !isInput(err) || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("want an input error suggesting --resume, got %v", err)
	}
	// A changed scenario cannot resume this folder.
	changed := strings.Replace(pkScenario, "seed = 7", "seed = 8", 1)
	p := plan(t, changed, desc, out)
	p.Resume = true
	if _, err := Prepare(p, nil); !isInput(err) || !strings.Contains(err.Error(), "since the study started, [study] changed") {
		t.Fatalf("want an input error about the scenario, got %v", err)
	}

	m2 := &stopper{cancel: func() {}}
	p = plan(t, pkScenario, desc, out)
	p.Resume = true
	st, err = Prepare(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := st.Execute(context.Background(), inproc.New(m2, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := int(m2.count.Load()); got != 80-recorded {
		t.Errorf("resume ran %d runs, want %d (the unfinished ones)", got, 80-recorded)
	}
	if rep.Resumed != recorded || rep.Done != 80 {
		t.Errorf("report = %+v", rep)
	}
	if !bytes.Equal(read(t, filepath.Join(out, "results.csv")), read(t, filepath.Join(ref, "results.csv"))) {
		t.Error("results.csv after resume differs from an uninterrupted study")
	}
}

func isInput(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

func TestUnwritableOutput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	_, err := Prepare(plan(t, pkScenario, pk.Model{}.Describe(), filepath.Join(file, "out")), nil)
	if !isInput(err) || !strings.HasPrefix(err.Error(), "output folder "+filepath.Join(file, "out")+": cannot create it: not a directory") {
		t.Fatalf("got %v", err)
	}
}

// badOutputs returns an undeclared output: a contract breach, a failed run.
type badOutputs struct{ pk.Model }

func (badOutputs) Run(context.Context, models.RunSpec, models.Observer) (models.Result, error) {
	return models.Result{Scalars: map[string]float64{"nonsense": 1}}, nil
}

func TestOutputsHeldToDescriptor(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	p := plan(t, pkScenario, pk.Model{}.Describe(), out)
	p.MaxAttempts = 1
	rep := execute(t, p, badOutputs{}, 2)
	if len(rep.Failed) != 80 || !strings.Contains(rep.Failed[0].Error, `returned no output "cmax_mg_per_l"`) {
		t.Fatalf("report = %+v", rep.Failed[0])
	}
}

func TestSummaryQuantiles(t *testing.T) {
	// Hyndman & Fan type 7 on 1..5: p05 = 1 + 0.05·4 = 1.2, median 3, p95 = 4.8.
	s := summarise([]float64{5, 3, 1, 4, 2, math.NaN()})
	if s.N != 5 || s.NonFinite != 1 || *s.Mean != 3 || *s.Median != 3 || math.Abs(*s.P05-1.2) > 1e-12 ||
		math.Abs(*s.P95-4.8) > 1e-12 || math.Abs(*s.SD-math.Sqrt(2.5)) > 1e-12 {
		t.Errorf("summary = %+v", s)
	}
}

// meanCmax summarises a study as its mean Cmax, to test the hook.
type meanCmax struct{}

func (meanCmax) Summarize(_ json.RawMessage, runs []models.RunSummary) (any, error) {
	var sum float64
	for _, r := range runs {
		sum += r.Scalars["cmax_mg_per_l"]
	}
	return map[string]any{"runs": len(runs), "mean_cmax": sum / float64(len(runs))}, nil
}

func TestModelSummaryInSummaryJSON(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	p := plan(t, pkScenario, pk.Model{}.Describe(), out)
	p.Summarizer = meanCmax{}
	execute(t, p, pk.Model{}, 2)
	var sum struct {
		Outputs map[string]struct {
			Mean float64 `json:"mean"`
		} `json:"outputs"`
		Model struct {
			Runs     int     `json:"runs"`
			MeanCmax float64 `json:"mean_cmax"`
		} `json:"model_summary"`
	}
	if err := json.Unmarshal(read(t, filepath.Join(out, "summary.json")), &sum); err != nil {
		t.Fatal(err)
	}
	// The engine's own mean of the output, summed in sorted order: equal to
	// rounding.
	if e := sum.Outputs["cmax_mg_per_l"].Mean; sum.Model.Runs != 80 || math.Abs(sum.Model.MeanCmax-e) > 1e-12*e {
		t.Errorf("model_summary = %+v, engine mean %v", sum.Model, sum.Outputs["cmax_mg_per_l"].Mean)
	}
}
