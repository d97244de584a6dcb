package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pk"
	"github.com/mdtwin/mdtwin/store"
	"github.com/mdtwin/mdtwin/workers"
	"github.com/mdtwin/mdtwin/workers/inproc"
)

// A second study on a locked output folder is refused with one line
// naming the holder's PID, and leaves the folder untouched (issue 12,
// defect 2: two runs on one folder broke its ledger, two --resume ran runs
// twice).
func TestOutputFolderLock(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	desc := pk.Model{}.Describe()
	first, err := Prepare(plan(t, pkScenario, desc, out), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, resume := range []bool{false, true} {
		p := plan(t, pkScenario, desc, out)
		p.Resume = resume
		_, err := Prepare(p, nil)
		want := fmt.Sprintf("output folder %s is in use by another mdtwin process (PID %d, since ", out, os.Getpid())
		if !isInput(err) || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("resume=%v: got %v, want an input error starting %q", resume, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, store.LedgerFile)); err == nil {
		t.Error("the refused study wrote a ledger")
	}
	// The lock lives as long as the study: after Execute it is free.
	if _, err := first.Execute(context.Background(), inproc.New(pk.Model{}, 2), nil); err != nil {
		t.Fatal(err)
	}
	p := plan(t, pkScenario, desc, out)
	p.Resume = true
	again, err := Prepare(p, nil)
	if err != nil {
		t.Fatalf("after the first study ended: %v", err)
	}
	again.Close()
}

// The resume check looks at what the scenario means and at the data it
// names: a comment does not stop a resume, an edited data file does, and
// the message names it (issue 12, defect 6).
func TestResumeChecksMeaningAndData(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "doses.csv")
	os.WriteFile(data, []byte("t,dose\n0,100\n"), 0o644)
	desc := nothing{}.Describe()
	src := fmt.Sprintf(`[study]
name = "data"
model = "nothing"
seed = 3
[inputs]
table = %q
[sweep]
design = "random"
samples = 4
[sweep.params]
x = { dist = "uniform", min = 0.0, max = 1.0 }
`, data)
	out := filepath.Join(dir, "out")
	execute(t, plan(t, src, desc, out), nothing{}, 1)

	resume := func(src string) error {
		p := plan(t, src, desc, out)
		p.Resume = true
		s, err := Prepare(p, nil)
		if err == nil {
			s.Close()
		}
		return err
	}
	// Comments, layout and [backend] are not the study's meaning.
	commented := "# a comment\n" + strings.Replace(src, "seed = 3", "seed    =    3   # the seed", 1) + "\n[backend]\nworkers = 3\n"
	if err := resume(commented); err != nil {
		t.Errorf("comment-only edit refused: %v", err)
	}
	// Another sweep is.
	err := resume(strings.Replace(src, "max = 1.0", "max = 2.0", 1))
	if !isInput(err) || !strings.Contains(err.Error(), "since the study started, [sweep] changed") {
		t.Errorf("changed sweep: %v", err)
	}
	// An edited data file is named.
	os.WriteFile(data, []byte("t,dose\n0,200\n"), 0o644)
	err = resume(src)
	if !isInput(err) || !strings.Contains(err.Error(), "file "+data+" (its content) changed") {
		t.Errorf("changed data file: %v", err)
	}
}

// badInput rejects run 2's input; the other runs succeed.
type badInput struct {
	nothing
	tries atomic.Int64
}

func (b *badInput) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	if spec.Index == 2 {
		b.tries.Add(1)
		return models.Result{}, &models.ParamError{Model: "nothing", Param: "x", Value: 1.0, Msg: "expected a value the model can run"}
	}
	return b.nothing.Run(ctx, spec, obs)
}

// A model's bad-input error fails the run at once: no retry can mend it
// (issue 12, defect 4).
func TestBadInputFailsAtOnce(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	m := &badInput{}
	p := plan(t, studyOf("nothing", 5), nothing{}.Describe(), out)
	p.MaxAttempts = 3
	rep := execute(t, p, m, 2)
	if m.tries.Load() != 1 || len(rep.Failed) != 1 || rep.Failed[0].Attempts != 1 ||
		!strings.Contains(rep.Failed[0].Error, "expected a value the model can run") {
		t.Errorf("tried %d times; report %+v", m.tries.Load(), rep)
	}
}

// hangs never returns from run 1 (it ignores its context) and returns
// from run 3 only when its context ends; the others return at once.
type hangs struct {
	nothing
	mu    sync.Mutex
	tries map[int]int
}

func (h *hangs) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	h.mu.Lock()
	h.tries[spec.Index]++
	h.mu.Unlock()
	switch spec.Index {
	case 1:
		select {} // a model stuck in a loop that never checks ctx
	case 3:
		<-ctx.Done()
		return models.Result{}, ctx.Err()
	}
	return h.nothing.Run(ctx, spec, obs)
}

// Runs that exceed the run timeout are charged an attempt each time and
// fail after MaxAttempts; the study finishes instead of stalling (issue
// 12, defect 3). Inproc abandons a goroutine that ignores its context.
func TestRunTimeout(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	m := &hangs{tries: map[int]int{}}
	p := plan(t, studyOf("nothing", 6), nothing{}.Describe(), out)
	p.MaxAttempts = 2
	p.RunTimeout = 50 * time.Millisecond
	rep := execute(t, p, m, 2)
	if rep.Done != 4 || len(rep.Failed) != 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, f := range rep.Failed {
		if f.Attempts != 2 || !strings.Contains(f.Error, "timed out after 50ms") {
			t.Errorf("failed run %+v", f)
		}
	}
	// Run 1's abandoned goroutines wrote tries with no happens-before to
	// the study's end: read it under the model's lock.
	m.mu.Lock()
	tries := maps.Clone(m.tries)
	m.mu.Unlock()
	if tries[1] != 2 || tries[3] != 2 {
		t.Errorf("tries %v, want 2 of runs 1 and 3", tries)
	}
	// The ledger says how each attempt ended.
	l, _ := store.OpenLedger(filepath.Join(out, store.LedgerFile))
	defer l.Close()
	kinds := map[string]int{}
	l.EachEnd(context.Background(), func(_ int, _, kind string) { kinds[kind]++ })
	if kinds[store.EndTimeout] != 4 || kinds[store.EndOK] != 4 {
		t.Errorf("ledger ends %v, want 4 timeouts and 4 ok", kinds)
	}
}

// failsOnce fails every run of index%3 == 0 until told to succeed.
type failsOnce struct {
	nothing
	ok atomic.Bool
}

func (f *failsOnce) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	if spec.Index%3 == 0 && !f.ok.Load() {
		return models.Result{}, fmt.Errorf("transient failure of run %d", spec.Index)
	}
	return f.nothing.Run(ctx, spec, obs)
}

// --retry-failed reruns the failed runs on resume, with a fresh budget;
// a plain --resume leaves them failed (issue 12, defect 4).
func TestRetryFailed(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	desc := nothing{}.Describe()
	src := studyOf("nothing", 9)
	m := &failsOnce{}
	p := plan(t, src, desc, out)
	p.MaxAttempts = 2
	rep := execute(t, p, m, 2)
	if len(rep.Failed) != 3 {
		t.Fatalf("first session: %+v", rep)
	}
	m.ok.Store(true)
	p = plan(t, src, desc, out)
	p.Resume = true
	if rep = execute(t, p, m, 2); len(rep.Failed) != 3 {
		t.Fatalf("plain resume retried failed runs: %+v", rep)
	}
	p.RetryFailed = true
	rep = execute(t, p, m, 2)
	if len(rep.Failed) != 0 || rep.Done != 9 {
		t.Fatalf("--retry-failed: %+v", rep)
	}
	ref := filepath.Join(dir, "ref")
	execute(t, plan(t, src, desc, ref), nothing{}, 1)
	if !bytes.Equal(read(t, filepath.Join(out, "results.csv")), read(t, filepath.Join(ref, "results.csv"))) {
		t.Error("results.csv after --retry-failed differs from a study that never failed")
	}
}

// stuck is a backend whose Submit blocks until Close, as the Slurm
// backend's did on resume.
type stuck struct {
	out    chan workers.Outcome
	closed chan struct{}
	once   sync.Once
}

func (s *stuck) Name() string                     { return "stuck" }
func (s *stuck) Start(context.Context) error      { return nil }
func (s *stuck) Capacity() int                    { return 4 }
func (s *stuck) Submit(...workers.Task)           { <-s.closed }
func (s *stuck) Outcomes() <-chan workers.Outcome { return s.out }
func (s *stuck) Err() error                       { return nil }
func (s *stuck) Close() error                     { s.once.Do(func() { close(s.closed) }); return nil }

// Ctrl-C stops a study even when its backend blocks: the engine closes
// the backend when its context ends (issue 12, defect 1: the stuck
// scheduler then ignored Ctrl-C).
func TestCancelStopsAStuckBackend(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	st, err := Prepare(plan(t, studyOf("nothing", 10), nothing{}.Describe(), out), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	b := &stuck{out: make(chan workers.Outcome), closed: make(chan struct{})}
	if _, err := st.Execute(ctx, b, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Execute: %v, want context.Canceled", err)
	}
}
