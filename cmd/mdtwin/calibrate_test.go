package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pkCalibration copies the PK calibration example and its data into a new
// folder, shrunk: particles, predictive runs and populations as given.
func pkCalibration(t *testing.T, particles, predictive, populations int) (dir, file string) {
	t.Helper()
	dir = t.TempDir()
	root := filepath.Join(repoRoot(t), "scenarios", "examples")
	src := string(readFile(t, filepath.Join(root, "pk-individual.toml")))
	for _, r := range [][2]string{
		{"particles = 1000", "particles = " + strconv.Itoa(particles) + "\nmax_populations = " + strconv.Itoa(populations)},
		{"predictive = 200", "predictive = " + strconv.Itoa(predictive)},
		{`kind = "inproc"`, `kind = "inproc"` + "\nruns_per_task = 400\ncpus_per_task = 1"},
	} {
		if !strings.Contains(src, r[0]) {
			t.Fatalf("pk-individual.toml has no %q", r[0])
		}
		src = strings.Replace(src, r[0], r[1], 1)
	}
	write(t, filepath.Join(dir, "pk.toml"), src)
	write(t, filepath.Join(dir, "pk-individual-data.csv"), string(readFile(t, filepath.Join(root, "pk-individual-data.csv"))))
	return dir, "pk.toml"
}

// The same calibration gives a byte-identical posterior.csv (and
// populations.csv) on inproc ×1 and ×2 and on two plugin workers, and on
// the local Slurm cluster when one answers.
func TestCalibrateIdenticalAcrossBackends(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	dir, file := pkCalibration(t, 100, 10, 4)
	var ref, refPops []byte
	cases := []struct {
		backend string
		workers int
	}{{"inproc", 1}, {"inproc", 2}, {"plugin", 2}, {"slurm", 0}}
	for _, c := range cases {
		if c.backend == "slurm" {
			if testing.Short() {
				continue
			}
			if _, err := exec.LookPath("sbatch"); err != nil {
				t.Log("sbatch not found: no Slurm cluster, the slurm backend is not compared (run .ci/slurm-up)")
				continue
			}
			if out, err := exec.Command("sinfo", "-h", "-o", "%T").Output(); err != nil || len(bytes.TrimSpace(out)) == 0 {
				t.Fatalf("sbatch is installed but the cluster does not answer (sinfo: %v %s); run .ci/slurm-up", err, out)
			}
		}
		out := filepath.Join(dir, fmt.Sprintf("%s-%d", c.backend, c.workers))
		args := []string{"calibrate", file, "--backend", c.backend, "--out", out}
		if c.workers > 0 {
			args = append(args, "--workers", strconv.Itoa(c.workers))
		}
		start := time.Now()
		b, err := mdtwin(t, dir, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s×%d: %v\n%s", c.backend, c.workers, err, b)
		}
		t.Logf("%s×%d: %s", c.backend, c.workers, time.Since(start).Round(time.Millisecond))
		post := readFile(t, filepath.Join(out, "posterior.csv"))
		pops := readFile(t, filepath.Join(out, "populations.csv"))
		if n := bytes.Count(post, []byte("\n")); n != 101 {
			t.Fatalf("%s×%d: %d lines in posterior.csv, want 101", c.backend, c.workers, n)
		}
		if ref == nil {
			ref, refPops = post, pops
			continue
		}
		if !bytes.Equal(post, ref) {
			t.Errorf("%s×%d: posterior.csv differs from inproc×1's", c.backend, c.workers)
		}
		if !bytes.Equal(pops, refPops) {
			t.Errorf("%s×%d: populations.csv differs from inproc×1's", c.backend, c.workers)
		}
	}
}

// kill -9 of `mdtwin calibrate` in the middle of a population, then
// --resume, gives the posterior.csv of an uninterrupted calibration.
func TestCalibrateKillThenResume(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	dir, file := pkCalibration(t, 400, 10, 4)
	ref := filepath.Join(dir, "ref")
	if b, err := mdtwin(t, dir, "calibrate", file, "--out", ref, "--workers", "2").CombinedOutput(); err != nil {
		t.Fatalf("reference: %v\n%s", err, b)
	}
	out := filepath.Join(dir, "out")
	var logs bytes.Buffer
	cmd := mdtwin(t, dir, "calibrate", file, "--out", out, "--workers", "2")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	batch := filepath.Join(out, "pop-002", "batch-000")
	waitFor(t, "runs of population 2", func() bool { return doneEnds(t, batch) >= 20 })
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(out, "posterior.csv")); err == nil {
		t.Fatal("the calibration finished before the kill; make it longer")
	}
	b, err := mdtwin(t, dir, "calibrate", file, "--out", out, "--resume", "--workers", "2").CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	if !strings.Contains(string(b), "(before this session)") {
		t.Errorf("the resumed calibration reports no population from before:\n%s", b)
	}
	for _, f := range []string{"posterior.csv", "populations.csv"} {
		if !bytes.Equal(readFile(t, filepath.Join(out, f)), readFile(t, filepath.Join(ref, f))) {
			t.Errorf("%s after kill -9 and --resume differs from an uninterrupted calibration's", f)
		}
	}
}

// Bad input to mdtwin calibrate gets one line and exit code 2, and leaves
// no output behind.
func TestCalibrateBadInput(t *testing.T) {
	const head = `[study]
name = "s"
model = "pk"
seed = 1
output = "out"
[params]
save_curve = true
t_end_h = 12
dt_h = 0.5
`
	const data = "t_h,c_mg_per_l\n1,1.5\n4,1.9\n"
	cases := []struct {
		name, scenario, want string
	}{
		{"prior outside bounds", head + "[calibrate]\n[calibrate.params]\nv_l = { dist = \"uniform\", min = 2e5, max = 3e5 }\n[[calibrate.targets]]\noutput = \"cmax_mg_per_l\"\nobserved = 2\nse = 0.1\n",
			`mdtwin: s.toml:12:9: [calibrate.params] v_l: the prior uniform(min=200000, max=300000) has no probability within [0.001, 100000]`},
		{"bounds outside the prior", head + "[calibrate]\n[calibrate.params]\nv_l = { dist = \"uniform\", min = 10, max = 90, lower = 95 }\n[[calibrate.targets]]\noutput = \"cmax_mg_per_l\"\nobserved = 2\nse = 0.1\n",
			`mdtwin: s.toml:12:47: [calibrate.params] v_l: lower = 95 leaves the prior uniform(min=10, max=90) no probability (its support ends at 90)`},
		{"unknown output", head + "[calibrate]\n[calibrate.params]\nv_l = { dist = \"uniform\", min = 10, max = 90 }\n[[calibrate.targets]]\noutput = \"cmax\"\nobserved = 2\nse = 0.1\n",
			`mdtwin: s.toml:14:1: [[calibrate.targets]] 1: model "pk" has no output "cmax"; its outputs are cmax_mg_per_l, `},
		{"data file shape", head + "[calibrate]\nparticles = 20\n[calibrate.params]\nv_l = { dist = \"uniform\", min = 10, max = 90 }\n[[calibrate.targets]]\ntable = \"concentration\"\ndata = \"d.csv\"\ncolumns = [\"c_ng_per_ml\"]\nse = 0.1\n",
			`mdtwin: s.toml:17:1: [[calibrate.targets]] 1: data file d.csv has no compared column "c_ng_per_ml" (its columns: t_h, c_mg_per_l)`},
		{"data outside the table", head + "[calibrate]\nparticles = 20\n[calibrate.params]\nv_l = { dist = \"uniform\", min = 10, max = 90 }\n[[calibrate.targets]]\ntable = \"concentration\"\ndata = \"late.csv\"\nse = 0.1\n",
			`mdtwin: late.csv:3: t_h = 48 lies outside the keys of table "concentration" (0 to 12), so the data file does not match the table's shape`},
		{"impossible tolerance", head + "[calibrate]\nmin_tolerance = 0\n[calibrate.params]\nv_l = { dist = \"uniform\", min = 10, max = 90 }\n[[calibrate.targets]]\noutput = \"cmax_mg_per_l\"\nobserved = 2\nse = 0.1\n",
			`mdtwin: s.toml:11:1: [calibrate] min_tolerance must be a finite number > 0 (a distance of exactly 0 is an impossible tolerance`},
		{"stochastic without se", head + "[calibrate]\nacceptance = \"stochastic\"\n[calibrate.params]\nv_l = { dist = \"uniform\", min = 10, max = 90 }\n[[calibrate.targets]]\noutput = \"cmax_mg_per_l\"\nobserved = 2\n",
			`mdtwin: s.toml:14:1: [[calibrate.targets]] 1: stochastic acceptance (a Gaussian likelihood) needs the target's uncertainty: give se or cv`},
		{"no calibrate table", head, `mdtwin: s.toml:1:1: no [calibrate] table`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "s.toml"), tc.scenario)
			write(t, filepath.Join(dir, "d.csv"), data)
			write(t, filepath.Join(dir, "late.csv"), "t_h,c_mg_per_l\n1,1.5\n48,0.1\n")
			code, _, stderr := cli(dir, "calibrate", "s.toml", "--workers", "2")
			if code != 2 {
				t.Errorf("exit code %d, want 2; stderr:\n%s", code, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, tc.want) {
				t.Errorf("stderr:\n%s\nwant one line starting with:\n%s", stderr, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
				t.Errorf("the output folder was left behind")
			}
		})
	}
}

// mdtwin report on a calibration's folder writes its calibration page. A
// PSA on calibrated parameters: the posterior design draws its runs from
// a calibration's posterior.csv, and the study's folder keeps the
// posterior that fed it (posterior.csv and posterior.json with its hash),
// as a prediction stored for a patient names that folder.
func TestPosteriorPSA(t *testing.T) {
	dir, file := pkCalibration(t, 60, 0, 2)
	if b, err := mdtwin(t, dir, "calibrate", file, "--out", "cal", "--workers", "2").CombinedOutput(); err != nil {
		t.Fatalf("calibrate: %v\n%s", err, b)
	}
	if code, stdout, stderr := cli(dir, "report", "cal"); code != 0 || !strings.Contains(stdout, "report written to cal/report.html") {
		t.Fatalf("report of the calibration: exit %d\n%s%s", code, stdout, stderr)
	}
	if html := string(readFile(t, filepath.Join(dir, "cal", "report.html"))); !strings.Contains(html, "Calibration report: pk-individual") {
		t.Error("mdtwin report on a calibration's folder did not write the calibration page")
	}
	write(t, filepath.Join(dir, "psa.toml"), `[study]
name = "psa"
model = "pk"
seed = 5
output = "psa"
[params]
dose_mg = 200
n_doses = 4
[sweep]
design = "posterior"
posterior = "cal/posterior.csv"
samples = 50
`)
	if code, stdout, stderr := cli(dir, "run", "psa.toml", "--workers", "2"); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	post := readFile(t, filepath.Join(dir, "cal", "posterior.csv"))
	if !bytes.Equal(readFile(t, filepath.Join(dir, "psa", "posterior.csv")), post) {
		t.Error("the study's posterior.csv is not the calibration's")
	}
	var info struct {
		SHA256  string   `json:"sha256"`
		Params  []string `json:"params"`
		Samples int      `json:"samples"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "psa", "posterior.json")), &info); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(post)
	if info.SHA256 != hex.EncodeToString(sum[:]) || info.Samples != 50 || strings.Join(info.Params, ",") != "cl_l_per_h,v_l,ka_per_h" {
		t.Errorf("posterior.json: %+v", info)
	}
	// Every run's clearance is one of the posterior's particles.
	particles := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(post)), "\n")[1:] {
		particles[strings.Split(l, ",")[4]] = true
	}
	results := strings.Split(strings.TrimSpace(string(readFile(t, filepath.Join(dir, "psa", "results.csv")))), "\n")
	head := strings.Split(results[0], ",")
	col := slices.Index(head, "cl_l_per_h")
	if len(results) != 51 || col < 0 {
		t.Fatalf("results.csv: %d lines, cl_l_per_h column %d", len(results), col)
	}
	for _, r := range results[1:] {
		if v := strings.Split(r, ",")[col]; !particles[v] {
			t.Errorf("run with cl_l_per_h = %s, not a particle of the posterior", v)
		}
	}
}
