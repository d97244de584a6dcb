package main

import (
	"bytes"
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

// requireSlurm skips only when sbatch is absent (CI starts a one-node
// cluster with .ci/slurm-up, so there it runs).
func requireSlurm(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end to end")
	}
	if _, err := exec.LookPath("sbatch"); err != nil {
		t.Skip("sbatch not found: no Slurm cluster (run .ci/slurm-up)")
	}
	if out, err := exec.Command("sinfo", "-h", "-o", "%T").Output(); err != nil || len(bytes.TrimSpace(out)) == 0 {
		t.Fatalf("sbatch is installed but the cluster does not answer (sinfo: %v %s); run .ci/slurm-up", err, out)
	}
}

// The tutorial model's example sweep with [backend] kind = "slurm" on the
// local Slurm cluster gives the results.csv of the in-process backend, byte
// for byte.
func TestSlurmSweepMatchesInproc(t *testing.T) {
	requireSlurm(t)
	src := string(readFile(t, filepath.Join(repoRoot(t), "scenarios", "examples", "pk-sweep.toml")))
	dir := t.TempDir()
	write(t, filepath.Join(dir, "inproc.toml"), src)
	slurmed := strings.Replace(src, `kind = "inproc"`, "kind = \"slurm\"\nruns_per_task = 50\ncpus_per_task = 1", 1)
	if slurmed == src {
		t.Fatal("pk-sweep.toml has no kind = \"inproc\" line to change")
	}
	write(t, filepath.Join(dir, "slurm.toml"), slurmed)
	ref, out := filepath.Join(dir, "ref"), filepath.Join(dir, "slurm")
	if b, err := mdtwin(t, dir, "run", "inproc.toml", "--out", ref, "--workers", "2").CombinedOutput(); err != nil {
		t.Fatalf("inproc: %v\n%s", err, b)
	}
	start := time.Now()
	b, err := mdtwin(t, dir, "run", "slurm.toml", "--out", out).CombinedOutput()
	if err != nil {
		t.Fatalf("slurm: %v\n%s", err, b)
	}
	t.Logf("200 runs in 4 array tasks on Slurm: %s", time.Since(start).Round(time.Millisecond))
	if !bytes.Equal(readFile(t, filepath.Join(out, "results.csv")), readFile(t, filepath.Join(ref, "results.csv"))) {
		t.Error("results.csv on Slurm differs from inproc's")
	}
}

// Killing an array task mid-run loses nothing: its unfinished runs go into
// a new job.
func TestSlurmKilledTaskLosesNoRun(t *testing.T) {
	requireSlurm(t)
	// Runs of 9,600 simulated hours (20 times longSweep's), so that
	// an array task of 500 runs takes seconds and is still running when its
	// worker is killed: with longSweep's runs a task could finish all its
	// runs between writing its first results and the kill (nothing lost).
	dir, ref := studyWithReference(t, strings.Replace(longSweep, "t_end_h = 480", "t_end_h = 9600", 1))
	out := filepath.Join(dir, "slurm")
	cmd := mdtwin(t, dir, "run", "long.toml", "--backend", "slurm", "--runs-per-task", "500", "--cpus-per-task", "1", "--out", out)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Find an array task's worker process once it has written results.
	var victim int
	waitFor(t, "a running array task with results", func() bool {
		parts, _ := filepath.Glob(filepath.Join(out, "slurm", "sub-0001", "chunk-*.part-*"))
		if len(parts) == 0 {
			return false
		}
		victim = workerPID(filepath.Join(out, "slurm", "sub-0001"))
		return victim > 0
	})
	syscall.Kill(victim, syscall.SIGKILL)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("slurm run after a killed task: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "before the run finished") {
		t.Errorf("no run was reported lost after the kill:\n%s", logs.String())
	}
	sameResults(t, out, ref, "on Slurm after a killed array task")
}

// workerPID finds the pid of a process running `worker --dir dir`.
func workerPID(dir string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if strings.Contains(string(cmdline), "worker\x00--dir\x00"+dir+"\x00") {
			return pid
		}
	}
	return 0
}

// kill -9 of the scheduler, then --resume: the new scheduler re-attaches to
// the job recorded in the ledger and collects its results, submitting
// nothing again.
func TestSlurmResumeReattaches(t *testing.T) {
	requireSlurm(t)
	dir, ref := longStudy(t)
	out := filepath.Join(dir, "slurm")
	cmd := mdtwin(t, dir, "run", "long.toml", "--backend", "slurm", "--runs-per-task", "500", "--cpus-per-task", "1", "--out", out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill the scheduler once its job is in the ledger's journal, before it
	// can collect the whole study (on a loaded machine one poll may bring
	// every result at once).
	waitFor(t, "the job recorded in the ledger", func() bool { return journaledJob(out) })
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	b, err := mdtwin(t, dir, "run", "long.toml", "--backend", "slurm", "--out", out, "--resume").CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	if !strings.Contains(string(b), "re-attached to a job") {
		t.Errorf("the resumed study did not re-attach:\n%s", b)
	}
	if subs, _ := filepath.Glob(filepath.Join(out, "slurm", "sub-*")); len(subs) != 1 {
		t.Errorf("%d jobs submitted, want the one job re-attached", len(subs))
	}
	sameResults(t, out, ref, "on Slurm after kill -9 and --resume")
}

// A real model on Slurm: the HIV/Chancellor PSA (statetransition, 1,000
// draws) gives the in-process results.csv and summary.
func TestSlurmChancellorPSAMatchesInproc(t *testing.T) {
	requireSlurm(t)
	scenario := filepath.Join(repoRoot(t), "scenarios", "examples", "hiv-chancellor-psa.toml")
	dir := t.TempDir()
	ref, out := filepath.Join(dir, "ref"), filepath.Join(dir, "slurm")
	if b, err := mdtwin(t, dir, "run", scenario, "--out", ref, "--workers", "2").CombinedOutput(); err != nil {
		t.Fatalf("inproc: %v\n%s", err, b)
	}
	if b, err := mdtwin(t, dir, "run", scenario, "--backend", "slurm", "--runs-per-task", "250", "--cpus-per-task", "1", "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("slurm: %v\n%s", err, b)
	}
	for _, f := range []string{"results.csv", "summary.json"} {
		if !bytes.Equal(readFile(t, filepath.Join(out, f)), readFile(t, filepath.Join(ref, f))) {
			t.Errorf("%s on Slurm differs from inproc's", f)
		}
	}
}

// journaledJob reports whether the study in out has an active Slurm job in
// its ledger's journal.
func journaledJob(out string) bool {
	l, err := store.OpenLedger(filepath.Join(out, store.LedgerFile))
	if err != nil {
		return false
	}
	defer l.Close()
	v, _ := l.GetMeta("journal.slurm.jobs")
	return strings.Contains(v, `"job_id"`)
}
