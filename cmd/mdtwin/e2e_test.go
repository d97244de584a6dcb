package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/store"
)

// The done-when check of the engine: scenarios/examples/pk-sweep.toml gives
// a byte-identical results.csv for inproc×1, inproc×4, plugin×1, plugin×3.
func TestPKSweepIdenticalAcrossBackends(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	scenario := filepath.Join(repoRoot(t), "scenarios", "examples", "pk-sweep.toml")
	dir := t.TempDir()
	var ref []byte
	for _, c := range []struct {
		backend string
		workers int
	}{{"inproc", 1}, {"inproc", 4}, {"plugin", 1}, {"plugin", 3}} {
		out := filepath.Join(dir, fmt.Sprintf("%s-%d", c.backend, c.workers))
		cmd := mdtwin(t, dir, "run", scenario, "--backend", c.backend, "--workers", strconv.Itoa(c.workers), "--out", out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s×%d: %v\n%s", c.backend, c.workers, err, b)
		}
		got := readFile(t, filepath.Join(out, "results.csv"))
		if n := bytes.Count(got, []byte("\n")); n != 201 {
			t.Fatalf("%s×%d: %d lines in results.csv, want 201", c.backend, c.workers, n)
		}
		if ref == nil {
			ref = got
		} else if !bytes.Equal(got, ref) {
			t.Errorf("%s×%d: results.csv differs from inproc×1", c.backend, c.workers)
		}
	}
}

// A long sweep for the crash tests: ~2 s of work on 2 cores.
const longSweep = `[study]
name = "long"
model = "pk"
seed = 99
[params]
n_doses = 40
tau_h = 12
t_end_h = 480
[sweep]
design = "random"
samples = 1500
[sweep.params]
ka_per_h = { dist = "lognormal", mu = 0.0, sigma = 0.5 }
cl_l_per_h = { dist = "uniform", min = 2.0, max = 8.0 }
`

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// children returns the pids of pid's child processes whose command line
// contains substr.
func children(pid int, substr string) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		cpid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the parenthesised command: state ppid …
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(pid) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if strings.Contains(strings.ReplaceAll(string(cmdline), "\x00", " "), substr) {
			out = append(out, cpid)
		}
	}
	return out
}

func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// doneEnds counts the runs recorded done in a study's ledger.
func doneEnds(t *testing.T, out string) int {
	l, err := store.OpenLedger(filepath.Join(out, store.LedgerFile))
	if err != nil {
		return 0
	}
	defer l.Close()
	n, _ := l.CountEnds(store.Done)
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// longStudy writes longSweep as long.toml in a new folder and runs it on
// inproc into ref, the reference every backend must reproduce.
func longStudy(t *testing.T) (dir, ref string) {
	t.Helper()
	return studyWithReference(t, longSweep)
}

// studyWithReference writes sweep as long.toml in a new folder and runs it
// on inproc into ref.
func studyWithReference(t *testing.T, sweep string) (dir, ref string) {
	t.Helper()
	dir = t.TempDir()
	write(t, filepath.Join(dir, "long.toml"), sweep)
	ref = filepath.Join(dir, "ref")
	if b, err := mdtwin(t, dir, "run", "long.toml", "--out", ref, "--workers", "2").CombinedOutput(); err != nil {
		t.Fatalf("inproc reference: %v\n%s", err, b)
	}
	return dir, ref
}

// pluginStudy runs longSweep on inproc for reference, then starts it on
// two plugin workers in a child process and waits until both workers are
// up and at least minDone runs are recorded. It returns the folder, the
// reference output, the study's output, the running command and its
// worker pids.
func pluginStudy(t *testing.T, minDone int, logs *bytes.Buffer) (dir, ref, out string, cmd *exec.Cmd, workers []int) {
	t.Helper()
	dir, ref = longStudy(t)
	out = filepath.Join(dir, "out")
	cmd = mdtwin(t, dir, "run", "long.toml", "--backend", "plugin", "--workers", "2", "--out", out)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two plugin workers", func() bool {
		workers = children(cmd.Process.Pid, "plugin serve")
		return len(workers) == 2
	})
	waitFor(t, "runs done", func() bool { return doneEnds(t, out) >= minDone })
	return dir, ref, out, cmd, workers
}

func sameResults(t *testing.T, out, ref, what string) {
	t.Helper()
	if !bytes.Equal(readFile(t, filepath.Join(out, "results.csv")), readFile(t, filepath.Join(ref, "results.csv"))) {
		t.Errorf("results.csv %s differs from an uninterrupted inproc study", what)
	}
	// Exactly one done end per run: no finished run was run again.
	if n := doneEnds(t, out); n != 1500 {
		t.Errorf("%d done ends in the ledger, want exactly 1500", n)
	}
}

// Killing a worker process during a plugin sweep loses no run.
func TestKilledWorkerLosesNoRun(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	var logs bytes.Buffer
	_, ref, out, cmd, workers := pluginStudy(t, 1, &logs)
	if err := syscall.Kill(workers[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("plugin run after a worker was killed: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("no run was retried after the kill (was the worker idle?):\n%s", logs.String())
	}
	sameResults(t, out, ref, "after a killed worker")
}

// kill -9 of `mdtwin run`, then --resume, finishes the study and runs only
// the unfinished runs; the plugin workers die with their host.
func TestKillRunThenResume(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	var logs bytes.Buffer
	dir, ref, out, cmd, workers := pluginStudy(t, 100, &logs)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	before := doneEnds(t, out)
	if before >= 1500 {
		t.Fatalf("the study finished before the kill; make it longer")
	}
	// Pdeathsig: the workers die with their host.
	waitFor(t, "orphaned workers to die", func() bool { return !alive(workers[0]) && !alive(workers[1]) })

	b, err := mdtwin(t, dir, "run", "long.toml", "--out", out, "--resume", "--workers", "2").CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	if want := fmt.Sprintf("(%d finished before this session)", before); !strings.Contains(string(b), want) {
		t.Errorf("resume output lacks %q:\n%s", want, b)
	}
	sameResults(t, out, ref, "after kill -9 and --resume")
}

// The model examples give the same results.csv and summary.json on inproc
// and on plugin workers (shrunk where they are long: fewer PSA draws,
// shorter brain time).
func TestModelExamplesIdenticalAcrossBackends(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	shrink := map[string][2]string{
		"hiv-chancellor-psa.toml": {"samples = 1000", "samples = 50"},
		"ms-ofatumumab-psa.toml":  {"replicates = 1000", "replicates = 20"},
		"vep-resection.toml":      {"duration = 6000.0", "duration = 600.0"},
		"avatar-k-sweep.toml":     {"", ""},
	}
	root := repoRoot(t)
	for name, sub := range shrink {
		t.Run(name, func(t *testing.T) {
			src := string(readFile(t, filepath.Join(root, "scenarios", "examples", name)))
			if sub[0] != "" {
				if !strings.Contains(src, sub[0]) {
					t.Fatalf("%s has no %q to shrink", name, sub[0])
				}
				src = strings.Replace(src, sub[0], sub[1], 1)
			}
			dir := t.TempDir()
			write(t, filepath.Join(dir, name), src)
			var outs []string
			for _, backend := range []string{"inproc", "plugin"} {
				out := filepath.Join(dir, backend)
				// Run from the repository root: example data paths are relative to it.
				cmd := mdtwin(t, root, "run", filepath.Join(dir, name), "--backend", backend, "--workers", "2", "--out", out)
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s: %v\n%s", backend, err, b)
				}
				outs = append(outs, out)
			}
			for _, f := range []string{"results.csv", "summary.json"} {
				if !bytes.Equal(readFile(t, filepath.Join(outs[0], f)), readFile(t, filepath.Join(outs[1], f))) {
					t.Errorf("%s differs between inproc and plugin", f)
				}
			}
		})
	}
}
