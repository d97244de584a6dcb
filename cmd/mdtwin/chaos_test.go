package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/store"
)

// hangModel is the model of the test plugin mdtwin-model-hang (the test
// binary with MDTWIN_TEST_PLUGIN=hang): a few milliseconds of arithmetic
// per run, except that runs with index%50 == 7 never return and ignore
// their context — a model stuck in a loop.
type hangModel struct{}

func (hangModel) Describe() models.Descriptor {
	return models.Descriptor{Name: "hang", Version: "1.0.0", Doc: "test model: some runs hang",
		Params:  []models.Param{{Name: "x", Kind: models.Float, Default: 1.0, Doc: "input"}},
		Outputs: []models.Output{{Name: "y", Doc: "Σ sin(x·k) over 2·10⁵ terms"}}}
}

func (hangModel) Run(_ context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	if spec.Index%50 == 7 {
		select {}
	}
	x, y := spec.Params.Float("x"), 0.0
	for k := range 200_000 {
		y += math.Sin(x * float64(k))
	}
	return models.Result{Scalars: map[string]float64{"y": y}}, nil
}

// killer kills the plugin workers of the mdtwin process it is pointed at,
// one every period, until stopped or max kills.
type killer struct {
	mu     sync.Mutex
	target int // pid of the mdtwin process whose workers die
	kills  int
	max    int
	stop   chan struct{}
	done   chan struct{}
	period time.Duration
}

func startKiller(period time.Duration, max int) *killer {
	k := &killer{stop: make(chan struct{}), done: make(chan struct{}), period: period, max: max}
	go func() {
		defer close(k.done)
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-k.stop:
				return
			case <-tick.C:
			}
			k.mu.Lock()
			if k.target != 0 && k.kills < k.max {
				if ws := children(k.target, "plugin serve"); len(ws) > 0 {
					if syscall.Kill(ws[k.kills%len(ws)], syscall.SIGKILL) == nil {
						k.kills++
					}
				}
			}
			k.mu.Unlock()
		}
	}()
	return k
}

func (k *killer) aim(pid int) {
	k.mu.Lock()
	k.target = pid
	k.mu.Unlock()
}

func (k *killer) halt() int {
	close(k.stop)
	<-k.done
	return k.kills
}

// orphans lists the live processes of this test binary serving plugins.
func orphans(t *testing.T) []int {
	exe, _ := os.Executable()
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if len(args) > 2 && args[0] == exe && args[1] == "plugin" && args[2] == "serve" {
			var pid int
			fmt.Sscan(e.Name(), &pid)
			if alive(pid) {
				out = append(out, pid)
			}
		}
	}
	return out
}

// The chaos test of issue 12: a plugin sweep whose workers are killed
// again and again, whose scheduler is killed once and resumed (with more
// worker kills), gives results.csv byte-identical to an undisturbed
// in-process study, records exactly one done end per run and leaves no
// process behind.
func TestChaosPluginSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	dir, ref := longStudy(t)
	out := filepath.Join(dir, "out")
	k := startKiller(150*time.Millisecond, 16)
	var logs bytes.Buffer
	cmd := mdtwin(t, dir, "run", "long.toml", "--backend", "plugin", "--workers", "2", "--out", out)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	k.aim(cmd.Process.Pid)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("first session's log:\n%s", logs.String())
		}
	})
	waitFor(t, "400 runs done", func() bool { return doneEnds(t, out) >= 400 })
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if doneEnds(t, out) >= 1500 {
		t.Fatal("the study finished before the scheduler was killed; make it longer")
	}
	resume := mdtwin(t, dir, "run", "long.toml", "--backend", "plugin", "--workers", "2", "--out", out, "--resume")
	var logs2 bytes.Buffer
	resume.Stdout, resume.Stderr = &logs2, &logs2
	if err := resume.Start(); err != nil {
		t.Fatal(err)
	}
	k.aim(resume.Process.Pid)
	err := resume.Wait()
	kills := k.halt()
	if err != nil {
		t.Fatalf("resume after %d worker kills: %v\n%s", kills, err, logs2.String())
	}
	if kills < 4 {
		t.Errorf("only %d workers were killed; the test did not shake the study", kills)
	}
	sameResults(t, out, ref, fmt.Sprintf("after %d worker kills, a scheduler kill and --resume", kills))
	waitFor(t, "no plugin process left", func() bool { return len(orphans(t)) == 0 })
}

const hangSweep = `[study]
name = "hang"
model = "hang"
seed = 5
[sweep]
design = "random"
samples = 200
[sweep.params]
x = { dist = "uniform", min = 0.1, max = 3.0 }
[backend]
plugin_dir = "plugins"
max_attempts = 2
`

// hangStudy writes hangSweep and the hang plugin into a new folder.
func hangStudy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "hang.toml"), hangSweep)
	exe, _ := os.Executable()
	write(t, filepath.Join(dir, "plugins", "mdtwin-model-hang"),
		fmt.Sprintf("#!/bin/sh\nMDTWIN_AS_MAIN= MDTWIN_TEST_PLUGIN=hang exec %q\n", exe))
	os.Chmod(filepath.Join(dir, "plugins", "mdtwin-model-hang"), 0o755)
	return dir
}

// The same with a plugin whose runs sometimes hang, under a run timeout:
// each hanging run times out (its worker killed) until it fails; the
// healthy runs batched beside it finish. Worker kills and a scheduler kill
// with --resume change nothing in results.csv.
func TestChaosHangingPluginWithRunTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	dir := hangStudy(t)
	ref := filepath.Join(dir, "ref")
	b, err := mdtwin(t, dir, "run", "hang.toml", "--workers", "2", "--run-timeout", "400ms", "--out", ref).CombinedOutput()
	if code := procExit(err); code != 1 || !strings.Contains(string(b), "4 of 200 runs failed") {
		t.Fatalf("undisturbed run: exit %d\n%s", code, b)
	}
	for _, id := range []string{"r000007", "r000057", "r000107", "r000157"} {
		if !strings.Contains(string(b), id+" after 2 attempts: run "+id+" timed out after 400ms") {
			t.Errorf("%s is not reported timed out twice:\n%s", id, b)
		}
	}

	out := filepath.Join(dir, "out")
	k := startKiller(200*time.Millisecond, 8)
	cmd := mdtwin(t, dir, "run", "hang.toml", "--workers", "2", "--run-timeout", "400ms", "--out", out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	k.aim(cmd.Process.Pid)
	waitFor(t, "60 runs done", func() bool { return doneEnds(t, out) >= 60 })
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	resume := mdtwin(t, dir, "run", "hang.toml", "--workers", "2", "--run-timeout", "400ms", "--out", out, "--resume")
	var logs bytes.Buffer
	resume.Stdout, resume.Stderr = &logs, &logs
	resume.Start()
	k.aim(resume.Process.Pid)
	err = resume.Wait()
	kills := k.halt()
	if code := procExit(err); code != 1 {
		t.Fatalf("resume: exit %d after %d kills\n%s", code, kills, logs.String())
	}
	if !bytes.Equal(readFile(t, filepath.Join(out, "results.csv")), readFile(t, filepath.Join(ref, "results.csv"))) {
		t.Errorf("results.csv after %d worker kills, a scheduler kill and --resume differs from the undisturbed run", kills)
	}
	if n := doneEnds(t, out); n != 196 {
		t.Errorf("%d done ends, want exactly 196", n)
	}
	waitFor(t, "no plugin process left", func() bool { return len(orphans(t)) == 0 && len(hangOrphans()) == 0 })
}

// hangOrphans lists live processes serving the hang plugin.
func hangOrphans() []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(env, []byte("MDTWIN_TEST_PLUGIN=hang")) {
			continue
		}
		var pid int
		fmt.Sscan(e.Name(), &pid)
		if pid != os.Getpid() && alive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

func procExit(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// A second mdtwin on a folder in use is refused with one line naming the
// first's PID, with or without --resume, and changes nothing there.
func TestSecondRunOnAFolderInUse(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	dir := t.TempDir()
	// Long enough (several seconds on one worker) to outlast the checks.
	write(t, filepath.Join(dir, "long.toml"), strings.Replace(longSweep, "samples = 1500", "samples = 6000", 1))
	out := filepath.Join(dir, "out")
	first := mdtwin(t, dir, "run", "long.toml", "--workers", "1", "--out", out)
	var logs bytes.Buffer
	first.Stdout, first.Stderr = &logs, &logs
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "runs done", func() bool { return doneEnds(t, out) >= 1 })
	for _, extra := range [][]string{nil, {"--resume"}} {
		args := append([]string{"run", "long.toml", "--workers", "1", "--out", out}, extra...)
		b, err := mdtwin(t, dir, args...).CombinedOutput()
		want := fmt.Sprintf("mdtwin: output folder %s is in use by another mdtwin process (PID %d, since ", out, first.Process.Pid)
		if procExit(err) != 2 || !strings.HasPrefix(string(b), want) || strings.Count(string(b), "\n") != 1 {
			t.Errorf("%v: exit %d, output %q; want exit 2 and one line starting %q", extra, procExit(err), b, want)
		}
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("the first run: %v\n%s", err, logs.String())
	}
	if n := doneEnds(t, out); n != 6000 {
		t.Errorf("%d done ends, want 6000: a refused run ran runs", n)
	}
	l, _ := store.OpenLedger(filepath.Join(out, store.LedgerFile))
	defer l.Close()
	if n, _ := l.CountEnds(store.Pending); n != 0 {
		t.Errorf("%d retried ends in an undisturbed study", n)
	}
}

// A plugin folder holding a binary that prints before its handshake does
// not concern a study of a built-in model, on any backend (issue 12,
// defect 5); `mdtwin models` lists the models and names the bad file.
func TestBrokenPluginDoesNotConcernOtherStudies(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "s.toml"), goodStudy)
	write(t, filepath.Join(dir, "plugins", "mdtwin-model-chatty"), "#!/bin/sh\necho hello before the handshake\nsleep 1\n")
	os.Chmod(filepath.Join(dir, "plugins", "mdtwin-model-chatty"), 0o755)
	for _, backend := range []string{"inproc", "plugin"} {
		b, err := mdtwin(t, dir, "run", "s.toml", "--backend", backend, "--out", "out-"+backend).CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", backend, err, b)
		}
	}
	b, err := mdtwin(t, dir, "models").Output()
	if err != nil || !strings.Contains(string(b), "pk 1.0.0 (built-in)") {
		t.Errorf("models: %v\n%s", err, b)
	}
}
