package slurm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pk"
	"github.com/mdtwin/mdtwin/workers"
)

// With MDTWIN_SLURM_TEST_WORKER=1 the test binary is `mdtwin worker`: the
// fake sbatch runs it as the array tasks.
func TestMain(m *testing.M) {
	if os.Getenv("MDTWIN_SLURM_TEST_WORKER") == "1" {
		args := os.Args[1:]
		var dir string
		var task int
		for i := 0; i+1 < len(args); i++ {
			switch args[i] {
			case "--dir":
				dir = args[i+1]
			case "--task":
				task, _ = strconv.Atoi(args[i+1])
			}
		}
		lookup := func(name string) (models.Model, error) {
			switch name {
			case pk.Name:
				return pk.Model{}, nil
			case "stuck":
				return stuck{}, nil
			}
			return nil, fmt.Errorf("unknown model %q", name)
		}
		if err := RunTask(context.Background(), dir, task, lookup, TaskOptions{Workers: 1, FlushEvery: 50 * time.Millisecond, FlushRuns: 5}); err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fakeSlurm puts the fake Slurm commands first on PATH and returns their
// state folder.
func fakeSlurm(t *testing.T) string {
	t.Helper()
	fake, _ := filepath.Abs("testdata/fakeslurm")
	state := t.TempDir()
	t.Setenv("PATH", fake+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_SLURM_STATE", state)
	t.Setenv("MDTWIN_SLURM_TEST_WORKER", "1")
	return state
}

func specs(t *testing.T, n int, tEnd float64) []workers.Task {
	t.Helper()
	d := pk.Model{}.Describe()
	var tasks []workers.Task
	for i := 0; i < n; i++ {
		p, err := d.Resolve(map[string]any{"ka_per_h": 0.5 + float64(i)/float64(n), "t_end_h": tEnd, "n_doses": int64(min(tEnd/12, 1000))})
		if err != nil {
			t.Fatal(err)
		}
		tasks = append(tasks, workers.Task{Attempt: 1, Spec: models.RunSpec{Model: "pk", Index: i, RunID: fmt.Sprintf("r%06d", i), Seed: uint64(i), Params: p}})
	}
	return tasks
}

func newBackend(t *testing.T, runsPerTask int) *Backend {
	exe, _ := os.Executable()
	b := New(Options{Command: []string{exe}, Model: "pk", Study: "test", Dir: t.TempDir(), RunsPerTask: runsPerTask,
		Poll: 30 * time.Millisecond, Gather: 10 * time.Millisecond})
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

// collect plays the engine: it reads outcomes, resubmits lost ones, and
// returns each run's result.
func collect(t *testing.T, b *Backend, tasks []workers.Task, onOutcome func(workers.Outcome)) (map[int]models.Result, int) {
	t.Helper()
	got := map[int]models.Result{}
	lost := 0
	deadline := time.After(60 * time.Second)
	for len(got) < len(tasks) {
		select {
		case o := <-b.Outcomes():
			if onOutcome != nil {
				onOutcome(o)
			}
			if o.Lost {
				lost++
				t.Logf("lost: %v", o.Err)
				b.Submit(workers.Task{Spec: tasks[o.Index].Spec, Attempt: o.Attempt + 1})
				continue
			}
			if o.Err != nil {
				t.Fatalf("run %d: %v", o.Index, o.Err)
			}
			if _, dup := got[o.Index]; dup {
				t.Fatalf("run %d delivered twice", o.Index)
			}
			got[o.Index] = o.Result
		case <-deadline:
			t.Fatalf("timed out with %d of %d results", len(got), len(tasks))
		}
	}
	return got, lost
}

func checkAgainstInproc(t *testing.T, tasks []workers.Task, got map[int]models.Result) {
	t.Helper()
	for _, task := range tasks {
		want, err := pk.Model{}.Run(context.Background(), task.Spec, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range want.Scalars {
			if got[task.Spec.Index].Scalars[k] != v {
				t.Fatalf("run %d %s = %v, in-process %v", task.Spec.Index, k, got[task.Spec.Index].Scalars[k], v)
			}
		}
	}
}

func TestRunsInChunks(t *testing.T) {
	state := fakeSlurm(t)
	b := newBackend(t, 7)
	defer b.Close()
	tasks := specs(t, 50, 48)
	b.Submit(tasks...)
	got, lost := collect(t, b, tasks, nil)
	if lost != 0 {
		t.Errorf("%d runs lost", lost)
	}
	checkAgainstInproc(t, tasks, got)
	log, _ := os.ReadFile(filepath.Join(state, "sbatch.log"))
	// 50 runs in chunks of 7: one job of 8 array tasks.
	if n := strings.Count(string(log), "\n"); n != 1 || !strings.Contains(string(log), "--array=0-7") {
		t.Errorf("sbatch calls:\n%s", log)
	}
}

func TestArraySizeSplitsJobs(t *testing.T) {
	state := fakeSlurm(t)
	exe, _ := os.Executable()
	b := New(Options{Command: []string{exe}, Model: "pk", Dir: t.TempDir(), RunsPerTask: 2, MaxArraySize: 3,
		Poll: 30 * time.Millisecond, Gather: 10 * time.Millisecond})
	b.Start(context.Background())
	defer b.Close()
	tasks := specs(t, 10, 24)
	b.Submit(tasks...)
	got, _ := collect(t, b, tasks, nil)
	checkAgainstInproc(t, tasks, got)
	log, _ := os.ReadFile(filepath.Join(state, "sbatch.log"))
	// 10 runs, 2 per task, at most 3 tasks per job: jobs of 3, 2 tasks.
	if !strings.Contains(string(log), "--array=0-2") || !strings.Contains(string(log), "--array=0-1") || strings.Count(string(log), "\n") != 2 {
		t.Errorf("sbatch calls:\n%s", log)
	}
}

// A killed array task loses only its unfinished runs, which are resubmitted.
func TestKilledTaskResubmitsUnfinishedRuns(t *testing.T) {
	state := fakeSlurm(t)
	b := newBackend(t, 40)
	defer b.Close()
	tasks := specs(t, 120, 24000) // slow runs: a task takes seconds
	b.Submit(tasks...)
	// Kill array task 1 once it has delivered a result, so that it dies
	// with some runs done and some not.
	var once sync.Once
	got, lost := collect(t, b, tasks, func(o workers.Outcome) {
		if !strings.Contains(o.Worker, "/101_1/") {
			return
		}
		once.Do(func() {
			pid, _ := os.ReadFile(filepath.Join(state, "101.1.pid"))
			p, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
			syscall.Kill(p, syscall.SIGKILL)
		})
	})
	if lost == 0 || lost >= 40 {
		t.Errorf("%d runs lost, want some but fewer than the killed task's 40", lost)
	}
	checkAgainstInproc(t, tasks, got)
	log, _ := os.ReadFile(filepath.Join(state, "sbatch.log"))
	if strings.Count(string(log), "\n") != 2 || !strings.Contains(string(log), "--array=0-0") {
		t.Errorf("want one resubmission of one task:\n%s", log)
	}
}

type memJournal struct {
	mu sync.Mutex
	m  map[string]string
}

func (j *memJournal) Get(k string) (string, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.m[k], nil
}
func (j *memJournal) Set(k, v string) error { j.mu.Lock(); defer j.mu.Unlock(); j.m[k] = v; return nil }

// A new scheduler re-attaches to the job of one that died, submitting
// nothing again.
func TestResumeReattaches(t *testing.T) {
	state := fakeSlurm(t)
	j := &memJournal{m: map[string]string{}}
	dir := t.TempDir()
	exe, _ := os.Executable()
	opts := Options{Command: []string{exe}, Model: "pk", Dir: dir, RunsPerTask: 15, Poll: 30 * time.Millisecond, Gather: 10 * time.Millisecond}
	first := New(opts)
	first.Start(context.Background())
	first.UseJournal(j)
	tasks := specs(t, 30, 87600) // ≈ 30 ms a run: each task runs for about half a second
	first.Submit(tasks...)
	// Take a few results, then "die" (no Close: the job goes on).
	for i := 0; i < 3; i++ {
		<-first.Outcomes()
	}
	close(first.stop) // stop polling, as a killed process would
	<-first.done
	if v, _ := j.Get(journalKey); !strings.Contains(v, `"job_id":"101"`) {
		t.Fatalf("journal = %q", v)
	}

	second := New(opts)
	second.Start(context.Background())
	defer second.Close()
	if err := second.UseJournal(j); err != nil {
		t.Fatal(err)
	}
	second.Submit(tasks...) // the engine resubmits every unrecorded run
	got, lost := collect(t, second, tasks, nil)
	if lost != 0 {
		t.Errorf("%d lost", lost)
	}
	checkAgainstInproc(t, tasks, got)
	log, _ := os.ReadFile(filepath.Join(state, "sbatch.log"))
	if n := strings.Count(string(log), "\n"); n != 1 {
		t.Errorf("the resumed scheduler submitted again:\n%s", log)
	}
}

func TestCloseCancelsJobs(t *testing.T) {
	state := fakeSlurm(t)
	// The job's tasks wait while the hold file exists, so the job is still
	// active when Close runs however loaded the machine is (without it, the
	// tasks could finish first and there would be nothing to cancel).
	hold := filepath.Join(state, "hold")
	if err := os.WriteFile(hold, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(hold) })
	b := newBackend(t, 5)
	tasks := specs(t, 10, 87600)
	b.Submit(tasks...)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(state, "101.1.pid")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no job")
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.Close()
	log, _ := os.ReadFile(filepath.Join(state, "scancel.log"))
	if strings.TrimSpace(string(log)) != "101" {
		t.Errorf("scancel calls: %q", log)
	}
}

func TestSbatchFailureIsLost(t *testing.T) {
	fakeSlurm(t)
	t.Setenv("FAKE_SBATCH_FAIL", "invalid partition specified: gpu")
	b := newBackend(t, 5)
	defer b.Close()
	b.Submit(specs(t, 3, 24)...)
	for i := 0; i < 3; i++ {
		o := <-b.Outcomes()
		if !o.Lost || !strings.Contains(o.Err.Error(), "sbatch: sbatch: error: invalid partition specified: gpu") {
			t.Errorf("outcome %+v", o)
		}
	}
}

// A resumed scheduler whose re-attached job has already written more
// results than the outcome channel holds must not block in Submit: the
// engine calls Submit from the goroutine that reads Outcomes (issue 12,
// defect 1: the Slurm resume deadlock).
func TestResumeSubmitDoesNotBlock(t *testing.T) {
	fakeSlurm(t)
	j := &memJournal{m: map[string]string{}}
	dir := t.TempDir()
	exe, _ := os.Executable()
	opts := Options{Command: []string{exe}, Model: "pk", Dir: dir, RunsPerTask: 300, Poll: 20 * time.Millisecond, Gather: 10 * time.Millisecond}
	first := New(opts)
	first.Start(context.Background())
	first.UseJournal(j)
	const n = 1500             // more than the 1,024 outcomes the channel holds
	tasks := specs(t, n, 8760) // ≈ 3 ms a run: the job outlives the first scheduler
	first.Submit(tasks...)
	// "Die" once the job is journaled (no Close: the job goes on), then
	// let the job finish while no scheduler runs: its results stay on disk.
	for {
		if v, _ := j.Get(journalKey); strings.Contains(v, `"job_id":"101"`) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(first.stop)
	<-first.done
	for {
		q, err := queuedTasks("101")
		if err != nil {
			t.Fatal(err)
		}
		if len(q) == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}

	second := New(opts)
	second.Start(context.Background())
	defer second.Close()
	if err := second.UseJournal(j); err != nil {
		t.Fatal(err)
	}
	// Let the poller read every result before the engine asks for any.
	for {
		second.mu.Lock()
		early := len(second.early)
		second.mu.Unlock()
		if early == n {
			break
		}
		if testing.Verbose() {
			t.Logf("early %d", early)
		}
		time.Sleep(500 * time.Millisecond)
	}
	submitted := make(chan struct{})
	go func() {
		second.Submit(tasks...) // the engine resubmits every unrecorded run
		close(submitted)
	}()
	select {
	case <-submitted:
	case <-time.After(30 * time.Second): // a deadlock detector, not a speed limit
		t.Fatal("Submit blocked: it waits for the reader of Outcomes, which is its own caller")
	}
	got, lost := collect(t, second, tasks, nil)
	if lost != 0 {
		t.Errorf("%d lost", lost)
	}
	checkAgainstInproc(t, tasks, got)
}

// stuck is the pk model, but run 3 never returns (and ignores its context)
// and run 5 rejects its input.
type stuck struct{ pk.Model }

func (stuck) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	switch spec.Index {
	case 3:
		select {}
	case 5:
		return models.Result{}, &models.ParamError{Model: "stuck", Param: "x", Msg: "expected another value"}
	}
	return pk.Model{}.Run(ctx, spec, obs)
}

// In an array task, a run past its timeout ends TimedOut and the task goes
// on with the others; a bad-input failure stays one across the files.
func TestTimeoutAndBadInputInArrayTasks(t *testing.T) {
	fakeSlurm(t)
	exe, _ := os.Executable()
	b := New(Options{Command: []string{exe}, Model: "stuck", Dir: t.TempDir(), RunsPerTask: 4,
		Poll: 30 * time.Millisecond, Gather: 10 * time.Millisecond})
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tasks := specs(t, 8, 24)
	for i := range tasks {
		tasks[i].Spec.Model = "stuck"
		tasks[i].Timeout = 200 * time.Millisecond
	}
	b.Submit(tasks...)
	got := map[int]workers.Outcome{}
	deadline := time.After(60 * time.Second)
	for len(got) < len(tasks) {
		select {
		case o := <-b.Outcomes():
			got[o.Index] = o
		case <-deadline:
			t.Fatalf("%d of %d outcomes", len(got), len(tasks))
		}
	}
	for i, o := range got {
		switch i {
		case 3:
			if !o.TimedOut || o.Err == nil || !strings.Contains(o.Err.Error(), "timed out after 200ms") {
				t.Errorf("run 3: %+v, want timed out", o)
			}
		case 5:
			if !models.IsBadInput(o.Err) || o.Err.Error() != `parameter "x" of model "stuck": expected another value` {
				t.Errorf("run 5: %v, want the bad-input error", o.Err)
			}
		default:
			if o.Err != nil || o.TimedOut || o.Lost {
				t.Errorf("run %d: %+v", i, o)
			}
		}
	}
}
