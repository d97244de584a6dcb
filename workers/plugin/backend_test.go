//go:build linux

package plugin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/examples/plugin-emax/emax"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pluginsdk"
	"github.com/mdtwin/mdtwin/models/pluginsdk/pluginsdktest"
	"github.com/mdtwin/mdtwin/workers"
	"github.com/mdtwin/mdtwin/workers/plugin"
)

// emaxPath is the example plugin, built once by TestMain.
var emaxPath string

var quiet = slog.New(slog.DiscardHandler)

// TestMain builds examples/plugin-emax. Given a sub-command as first
// argument, the test binary plays a plugin instead of running the tests.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "serve-crash":
			pluginsdk.Serve(crash{})
		case "serve-hang":
			pluginsdk.Serve(hang{})
		case "print-hello":
			fmt.Println("hello, I am not a plugin")
			os.Exit(0)
		}
	}
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "mdtwin-plugin-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	emaxPath = filepath.Join(dir, "mdtwin-model-emax")
	gobin, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "no go command to build the example plugin:", err)
		return 1
	}
	build := exec.Command(gobin, "build", "-o", emaxPath, "github.com/mdtwin/mdtwin/examples/plugin-emax")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the emax plugin:", err)
		return 1
	}
	return m.Run()
}

// crash is a model whose every run kills its process.
type crash struct{}

func (crash) Describe() models.Descriptor {
	return models.Descriptor{Name: "crash", Version: "0.0.1", Outputs: []models.Output{{Name: "never"}}}
}

func (crash) Run(context.Context, models.RunSpec, models.Observer) (models.Result, error) {
	os.Exit(2)
	return models.Result{}, nil
}

// hang is a model whose runs with index%10 == 3 never return (and ignore
// their context); the others return at once. A run whose index%10 == 7
// rejects its input.
type hang struct{}

func (hang) Describe() models.Descriptor {
	return models.Descriptor{Name: "hang", Version: "0.0.1", Outputs: []models.Output{{Name: "i"}}}
}

func (hang) Run(_ context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	switch spec.Index % 10 {
	case 3:
		select {}
	case 7:
		return models.Result{}, &models.ParamError{Model: "hang", Param: "x", Msg: "expected something else"}
	}
	return models.Result{Scalars: map[string]float64{"i": float64(spec.Index)}}, nil
}

// emaxSpec returns the spec of run i: parameters vary with i so that every
// run has a different result.
func emaxSpec(t testing.TB, i int, inputs json.RawMessage) models.RunSpec {
	ps, err := emax.Model{}.Describe().Resolve(map[string]any{
		"e0":            float64(i%7) - 3,
		"emax":          100 - float64(i%13),
		"ec50_mg_per_l": 0.5 + float64(i%11)*0.37,
		"hill":          0.5 + float64(i%5)*0.61,
		"c_mg_per_l":    float64(i) * 0.013,
	})
	if err != nil {
		t.Fatal(err)
	}
	return models.RunSpec{Study: "test", Model: "emax", RunID: fmt.Sprintf("r%06d", i), Index: i, Seed: uint64(i), Params: ps, Inputs: inputs}
}

// curve returns emax inputs listing n concentrations.
func curve(n int) json.RawMessage {
	var b strings.Builder
	b.WriteString(`{"concentrations_mg_per_l":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%.15g", float64(i)*0.0123456789012345)
	}
	b.WriteString("]}")
	return json.RawMessage(b.String())
}

// tally is what the engine stand-in saw.
type tally struct {
	final     map[int]workers.Outcome // last outcome of each run
	successes map[int]int             // successful outcomes per run
	lost      int                     // Lost outcomes
}

// drive plays the engine: it keeps at most Capacity tasks in flight,
// resubmits a Lost task with Attempt+1 (up to maxAttempts) and returns when
// every spec has a final outcome. after is called after each outcome.
func drive(t testing.TB, b *plugin.Backend, specs []models.RunSpec, maxAttempts int, after func(n int)) tally {
	t.Helper()
	tl := tally{final: map[int]workers.Outcome{}, successes: map[int]int{}}
	pending := make([]workers.Task, len(specs))
	for i, s := range specs {
		pending[i] = workers.Task{Spec: s, Attempt: 1}
	}
	seen := map[[2]int]bool{}
	inFlight, n := 0, 0
	timeout := time.NewTimer(60 * time.Second)
	defer timeout.Stop()
	for len(tl.final) < len(specs) {
		if k := min(b.Capacity()-inFlight, len(pending)); k > 0 {
			b.Submit(pending[:k]...)
			pending, inFlight = pending[k:], inFlight+k
		}
		var o workers.Outcome
		select {
		case o = <-b.Outcomes():
		case <-timeout.C:
			t.Fatalf("no outcome for a minute; %d of %d runs done", len(tl.final), len(specs))
		}
		inFlight--
		n++
		key := [2]int{o.Index, o.Attempt}
		if seen[key] {
			t.Errorf("two outcomes for run %d attempt %d", o.Index, o.Attempt)
		}
		seen[key] = true
		switch {
		case o.Lost && o.Attempt < maxAttempts:
			tl.lost++
			pending = append(pending, workers.Task{Spec: specs[o.Index], Attempt: o.Attempt + 1})
		case o.Lost:
			tl.lost++
			tl.final[o.Index] = o
		default:
			tl.final[o.Index] = o
			if o.Err == nil {
				tl.successes[o.Index]++
			}
		}
		if after != nil {
			after(n)
		}
	}
	return tl
}

func start(t testing.TB, opts plugin.Options) *plugin.Backend {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	b := plugin.New(opts)
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// checkBitExact compares each outcome with the in-process run.
func checkBitExact(t *testing.T, specs []models.RunSpec, tl tally) {
	t.Helper()
	for _, s := range specs {
		o := tl.final[s.Index]
		if o.Err != nil {
			t.Errorf("run %d: %v", s.Index, o.Err)
			continue
		}
		want, err := emax.Model{}.Run(context.Background(), s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := pluginsdktest.DiffResults(want, o.Result); d != "" {
			t.Errorf("run %d differs from the in-process run: %s", s.Index, d)
		}
	}
}

func TestRunsAreBitExact(t *testing.T) {
	b := start(t, plugin.Options{Path: emaxPath, Workers: 2})
	if got := len(b.PIDs()); got != 2 {
		t.Fatalf("%d worker processes, want 2", got)
	}
	specs := make([]models.RunSpec, 500)
	for i := range specs {
		specs[i] = emaxSpec(t, i, nil)
	}
	tl := drive(t, b, specs, 1, nil)
	checkBitExact(t, specs, tl)
	if tl.lost != 0 {
		t.Errorf("%d runs lost", tl.lost)
	}
}

func TestPayloadsOver4MiB(t *testing.T) {
	b := start(t, plugin.Options{Path: emaxPath, Workers: 1})
	// 400 000 concentrations: ≈ 7 MB of JSON in, a 400 000 × 2 table
	// (≈ 8 MB on the wire) out; gRPC's default limit is 4 MiB.
	in := curve(400_000)
	if len(in) <= 5<<20 {
		t.Fatalf("inputs are only %d bytes", len(in))
	}
	specs := []models.RunSpec{emaxSpec(t, 0, in), emaxSpec(t, 1, nil)}
	tl := drive(t, b, specs, 1, nil)
	checkBitExact(t, specs, tl)
	if rows := len(tl.final[0].Result.Tables[0].Rows); rows != 400_000 {
		t.Errorf("effect_curve has %d rows", rows)
	}
}

// Killing a worker with a batch in flight loses that batch's runs (reported
// lost, at most one batch) and nothing else. Whether the kill lands while
// the worker holds a batch depends on timing: killed in the instant between
// two batches, the process is replaced before the next batch is sent and no
// run is lost (TestIdleWorkerDeathLosesNoRun covers that path). Each trial
// checks that no run is lost for good and none runs twice; the test repeats
// until one kill has hit a batch in flight.
func TestKilledWorkerLosesNoRun(t *testing.T) {
	const trials = 5
	for trial := 1; trial <= trials; trial++ {
		if lost := killOneWorker(t); lost > 0 || t.Failed() {
			return
		}
		t.Logf("trial %d: the kill landed between two batches (no run lost); again", trial)
	}
	t.Errorf("in %d trials no kill hit a batch in flight", trials)
}

// killOneWorker runs 300 runs on two workers, kills the first worker after
// 40 outcomes and checks the outcomes; it returns the number of runs
// reported lost.
func killOneWorker(t *testing.T) int {
	t.Helper()
	b := start(t, plugin.Options{Path: emaxPath, Workers: 2, Batch: 8})
	// Each run tabulates 5 000 points (a few ms), so batches are in flight
	// when the worker is killed.
	in := curve(5_000)
	specs := make([]models.RunSpec, 300)
	for i := range specs {
		specs[i] = emaxSpec(t, i, in)
	}
	before := b.PIDs()
	killed := 0
	tl := drive(t, b, specs, 3, func(n int) {
		if n == 40 {
			killed = before[0]
			if err := syscall.Kill(killed, syscall.SIGKILL); err != nil {
				t.Error(err)
			}
		}
	})
	for _, s := range specs {
		if got := tl.successes[s.Index]; got != 1 {
			t.Errorf("run %d: %d successful outcomes, want 1", s.Index, got)
		}
	}
	checkBitExact(t, specs, tl)
	if tl.lost > 8 {
		t.Errorf("%d runs reported lost, want at most 8 (one batch)", tl.lost)
	}
	if b.Restarts() != 1 {
		t.Errorf("%d restarts, want 1", b.Restarts())
	}
	after := b.PIDs()
	if len(after) != 2 || after[0] == killed || after[1] != before[1] {
		t.Errorf("worker PIDs %v before, %v after killing %d", before, after, killed)
	}
	return tl.lost
}

// A worker process that died while idle is replaced before any run is
// sent to it: no run is lost. The backend checks a process that has waited
// for work longer than IdleCheck; the test sends its runs once the killed
// process is reaped and that long after the kill.
func TestIdleWorkerDeathLosesNoRun(t *testing.T) {
	b := start(t, plugin.Options{Path: emaxPath, Workers: 1})
	pid := b.PIDs()[0]
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	for start := time.Now(); reaped(pid) == false || time.Since(killed) <= plugin.IdleCheck; time.Sleep(time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("killed worker still runs")
		}
	}
	specs := make([]models.RunSpec, 10)
	for i := range specs {
		specs[i] = emaxSpec(t, i, nil)
	}
	tl := drive(t, b, specs, 1, nil)
	checkBitExact(t, specs, tl)
	if tl.lost != 0 || b.Restarts() != 1 {
		t.Errorf("%d runs lost, %d restarts; want 0 and 1", tl.lost, b.Restarts())
	}
}

// A binary whose every run kills its process loses the runs (the engine
// decides when to give up on them); the backend itself keeps replacing the
// processes, paced by its restart budget, and never fails.
func TestCrashingRunsAreLostNotFatal(t *testing.T) {
	b := start(t, plugin.Options{Path: os.Args[0], Args: []string{"serve-crash"}, Workers: 1, Batch: 1,
		RestartBudget: 100})
	specs := []models.RunSpec{{Model: "crash", RunID: "r0", Index: 0}, {Model: "crash", RunID: "r1", Index: 1}}
	tl := drive(t, b, specs, 3, nil)
	for _, s := range specs {
		if o := tl.final[s.Index]; !o.Lost || o.Attempt != 3 {
			t.Errorf("run %d: final outcome %+v, want lost at attempt 3", s.Index, o)
		}
	}
	// The restart after the last loss may still be under way.
	if r := b.Restarts(); tl.lost != 6 || r < 5 || r > 6 || b.Err() != nil {
		t.Errorf("%d lost, %d restarts, Err %v; want 6, 5 or 6, and nil", tl.lost, r, b.Err())
	}
}

// Restarts over the budget of the window wait for the window to move on.
func TestRestartBudgetPacesRestarts(t *testing.T) {
	b := start(t, plugin.Options{Path: os.Args[0], Args: []string{"serve-crash"}, Workers: 1, Batch: 1,
		RestartBudget: 2, RestartWindow: 700 * time.Millisecond})
	specs := []models.RunSpec{{Model: "crash", RunID: "r0", Index: 0}}
	begin := time.Now()
	tl := drive(t, b, specs, 4, nil) // 4 losses: 3 restarts before the last, 2 per window
	if r := b.Restarts(); tl.lost != 4 || r < 3 {
		t.Fatalf("%d lost, %d restarts; want 4 and at least 3", tl.lost, r)
	}
	// The third restart waited for the first to leave the window: at
	// least one window passed (a lower bound, not a speed limit).
	if d := time.Since(begin); d < 700*time.Millisecond {
		t.Errorf("4 restarts with a budget of 2 per 700 ms took only %s", d)
	}
}

// A binary that no longer starts stops the backend: Outcomes closes and
// Err says why, so that the engine stops the study (its runs stay pending)
// instead of failing them one by one.
func TestStopsWhenTheBinaryNoLongerStarts(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "mdtwin-model-once")
	// The first launch is the real plugin; every later one exits with 3.
	body := fmt.Sprintf("#!/bin/sh\nif mkdir %q 2>/dev/null; then exec %q \"$@\"; fi\necho broken >&2\nexit 3\n",
		filepath.Join(dir, "started"), emaxPath)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	b := start(t, plugin.Options{Path: script, Workers: 1, StartFailures: 3})
	pid := b.PIDs()[0]
	syscall.Kill(pid, syscall.SIGKILL)
	for start := time.Now(); alive(pid); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("killed worker still runs")
		}
	}
	b.Submit(workers.Task{Spec: emaxSpec(t, 0, nil), Attempt: 1})
	for o := range b.Outcomes() { // closed when the backend fails
		if !o.Lost {
			t.Errorf("outcome %+v after the process died, want lost or none", o)
		}
	}
	err := b.Err()
	if err == nil || !strings.Contains(err.Error(), "no longer starts: 3 launches in a row failed") ||
		!strings.Contains(err.Error(), "worker process exited with status 3 during start-up (stderr: broken)") {
		t.Errorf("Err() = %v", err)
	}
}

// A worker killed while it starts is started again: Start succeeds.
func TestStartRetriesAWorkerKilledDuringStartUp(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "mdtwin-model-flaky")
	body := fmt.Sprintf("#!/bin/sh\nif mkdir %q 2>/dev/null; then kill -9 $$; fi\nexec %q \"$@\"\n",
		filepath.Join(dir, "first"), emaxPath)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	b := start(t, plugin.Options{Path: script, Workers: 1})
	if len(b.PIDs()) != 1 {
		t.Fatalf("PIDs %v", b.PIDs())
	}
	tl := drive(t, b, []models.RunSpec{emaxSpec(t, 0, nil)}, 1, nil)
	if tl.successes[0] != 1 {
		t.Errorf("outcome %+v", tl.final[0])
	}
	// Killed at every start: the error says so, not "not a plugin".
	always := filepath.Join(dir, "mdtwin-model-killed")
	os.WriteFile(always, []byte("#!/bin/sh\nkill -9 $$\n"), 0o755)
	err := plugin.New(plugin.Options{Path: always, Workers: 1, Logger: quiet}).Start(context.Background())
	if err == nil || err.Error() != always+": worker process was killed (signal: killed) during start-up" {
		t.Errorf("Start: %v", err)
	}
}

// A run that hangs past its timeout has its process killed and ends
// TimedOut; the runs batched with it run again alone, with no outcome in
// between (no attempt charged), and a model's bad-input error crosses the
// process boundary as one.
func TestTimeoutKillsTheHangingRunOnly(t *testing.T) {
	b := start(t, plugin.Options{Path: os.Args[0], Args: []string{"serve-hang"}, Workers: 2, Batch: 4})
	var tasks []workers.Task
	for i := range 20 {
		tasks = append(tasks, workers.Task{Spec: models.RunSpec{Model: "hang", RunID: fmt.Sprintf("r%06d", i), Index: i},
			Attempt: 1, Timeout: 300 * time.Millisecond})
	}
	b.Submit(tasks...)
	got := map[int]workers.Outcome{}
	deadline := time.After(60 * time.Second)
	for len(got) < len(tasks) {
		select {
		case o := <-b.Outcomes():
			if _, dup := got[o.Index]; dup {
				t.Fatalf("two outcomes for run %d", o.Index)
			}
			got[o.Index] = o
		case <-deadline:
			t.Fatalf("%d of %d outcomes", len(got), len(tasks))
		}
	}
	for i, o := range got {
		switch i % 10 {
		case 3:
			if !o.TimedOut || o.Lost || !strings.Contains(o.Err.Error(), "timed out after 300ms") {
				t.Errorf("run %d: %+v, want timed out", i, o)
			}
		case 7:
			if !models.IsBadInput(o.Err) || o.Err.Error() != `parameter "x" of model "hang": expected something else` {
				t.Errorf("run %d: error %v, want the model's bad-input error", i, o.Err)
			}
		default:
			if o.Err != nil || o.TimedOut || o.Lost || o.Result.Scalars["i"] != float64(i) {
				t.Errorf("run %d: %+v, want done", i, o)
			}
		}
	}
	if b.Restarts() < 2 {
		t.Errorf("%d restarts, want one per hanging run", b.Restarts())
	}
}

func TestStartErrors(t *testing.T) {
	script := filepath.Join(t.TempDir(), "mdtwin-model-foo")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opts plugin.Options
		want string
	}{
		{plugin.Options{Path: script}, script + ": not an mdtwin model plugin: Unrecognized remote plugin message: hello"},
		{plugin.Options{Path: os.Args[0], Args: []string{"print-hello"}}, os.Args[0] + ": not an mdtwin model plugin: Unrecognized remote plugin message: hello, I am not a plugin"},
		{plugin.Options{Path: emaxPath, Model: "pk"}, emaxPath + ` does not serve model "pk"; it serves: emax`},
	} {
		tc.opts.Workers, tc.opts.Logger = 2, quiet
		b := plugin.New(tc.opts)
		err := b.Start(context.Background())
		if err == nil || err.Error() != tc.want && !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.opts.Path, err, tc.want)
		}
		if pids := b.PIDs(); len(pids) != 0 {
			t.Errorf("%s: processes %v left after a failed Start", tc.opts.Path, pids)
		}
		_ = b.Close()
	}
}

func TestCloseLeavesNoProcess(t *testing.T) {
	b := plugin.New(plugin.Options{Path: emaxPath, Workers: 2, Logger: quiet})
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	specs := make([]models.RunSpec, 50)
	for i := range specs {
		specs[i] = emaxSpec(t, i, nil)
	}
	drive(t, b, specs, 1, nil)
	pids := b.PIDs()
	// Leave work queued and running: Close must cancel it.
	for i := range 100 {
		b.Submit(workers.Task{Spec: emaxSpec(t, i, curve(2_000)), Attempt: 1})
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	for range b.Outcomes() { // closed by Close
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("worker process %d survives Close", pid)
		}
	}
	if kids := children(); len(kids) != 0 {
		t.Errorf("child processes left: %v", kids)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(emaxPath, filepath.Join(dir, "mdtwin-model-emax")); err != nil {
		t.Fatal(err)
	}
	bogus := filepath.Join(dir, "mdtwin-model-bogus")
	for name, content := range map[string]string{
		"mdtwin-model-bogus": "#!/bin/sh\necho I am bogus\n",
		"README":             "#!/bin/sh\nexit 1\n", // not named like a plugin
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "mdtwin-model-notes.txt"), []byte("x"), 0o644); err != nil { // not executable
		t.Fatal(err)
	}
	found, err := plugin.Discover(dir)
	if len(found) != 1 || found[0].Path != filepath.Join(dir, "mdtwin-model-emax") ||
		len(found[0].Models) != 1 || found[0].Models[0].Name != "emax" {
		t.Errorf("found %+v", found)
	}
	if err == nil || !strings.HasPrefix(err.Error(), bogus+": not an mdtwin model plugin") {
		t.Errorf("error %v, want one naming %s", err, bogus)
	}
	if _, err := plugin.Discover(filepath.Join(dir, "nowhere")); err == nil {
		t.Error("no error for a missing folder")
	}
}
