package calibrate

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/builtin"
	"github.com/mdtwin/mdtwin/scenarios"
)

// latMap runs the atrial model with params (and inputs) into dir and
// returns its first activation time per node (lat.vtu's LAT field).
func latMap(t testing.TB, params map[string]any, inputs []byte, dir string) []float64 {
	t.Helper()
	m, err := builtin.Registry().Lookup("atrial")
	if err != nil {
		t.Fatal(err)
	}
	desc, err := m.(models.Configurable).DescribeInputs(inputs)
	if err != nil {
		t.Fatal(err)
	}
	p, err := desc.Resolve(params)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(context.Background(), models.RunSpec{Params: p, Inputs: inputs, Seed: 1, Dir: dir}, nil); err != nil {
		t.Fatal(err)
	}
	mm, err := mesh.ReadFile(filepath.Join(dir, "lat.vtu"))
	if err != nil {
		t.Fatal(err)
	}
	f := mm.PointField("LAT")
	if f == nil {
		t.Fatal("lat.vtu has no LAT field")
	}
	return f.Values
}

// sheetParams is a 10 × 10 mm atrial sheet of 21 × 21 nodes (modified
// Mitchell–Schaeffer, fibres along x) paced at its corner for 60 ms.
func sheetParams(sigmaL, sigmaT float64) map[string]any {
	return map[string]any{"mesh": "sheet", "length_mm": 10.0, "width_mm": 10.0, "dx_mm": 0.5, "sigma_l": sigmaL, "sigma_t": sigmaT,
		"duration_ms": 60.0, "dt_ms": 0.02, "scheme": "cn", "stim_radius_mm": 1.0}
}

// Per-node field targets: the conductivities of an atrial sheet are
// recovered from a LAT map — the first activation time at 45 nodes (every
// 10th), generated from σ_l = 0.3 and σ_t = 0.06 mS/mm with Gaussian
// errors of 0.5 ms (PCG seed 4) — by Nelder–Mead on lat.vtu's LAT field
// (the run's mesh file read as a table keyed by node), within 5 % (the
// errors move the least-squares estimate by a few per cent at most: 45
// activation times of 0.5 ms error against times of 5–35 ms).
func TestConductivityFromLATMap(t *testing.T) {
	if testing.Short() {
		t.Skip("an optimisation of the atrial model")
	}
	const sigmaL, sigmaT = 0.3, 0.06
	dir := t.TempDir()
	lat := latMap(t, sheetParams(sigmaL, sigmaT), nil, filepath.Join(dir, "truth"))
	rng := rand.New(rand.NewPCG(4, 0))
	var data strings.Builder
	data.WriteString("node,LAT\n")
	for i := 0; i < len(lat); i += 10 { // 10 is prime to the 21 nodes a row: the sample covers the sheet
		if math.IsNaN(lat[i]) {
			t.Fatalf("node %d did not activate at the truth", i)
		}
		fmt.Fprintf(&data, "%d,%s\n", i, strconv.FormatFloat(lat[i]+0.5*rng.NormFloat64(), 'g', 6, 64))
	}
	if err := os.WriteFile(filepath.Join(dir, "lat.csv"), []byte(data.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	src.WriteString("[study]\nname = \"sheet\"\nmodel = \"atrial\"\nseed = 3\n[params]\n")
	for k, v := range sheetParams(sigmaL, sigmaT) {
		if k != "sigma_l" && k != "sigma_t" {
			fmt.Fprintf(&src, "%s = %s\n", k, models.FormatValue(v))
		}
	}
	src.WriteString(`[calibrate]
method = "nelder-mead"
starts = 1
max_evaluations = 150
f_tolerance = 1e-4
particles = 50
predictive = 1
[calibrate.params]
sigma_l = { dist = "lognormal", mu = -1.6, sigma = 0.7, start = 0.2 }
sigma_t = { dist = "lognormal", mu = -3.0, sigma = 0.7, start = 0.1 }
[[calibrate.targets]]
table = "lat.vtu"
data = "lat.csv"
key = "node"
columns = ["LAT"]
se = 0.5
source = "synthetic LAT map (σ_l 0.3, σ_t 0.06)"
`)
	sc, err := scenarios.Parse(filepath.Join(dir, "s.toml"), []byte(src.String()))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	res, err := calibrateBuiltin(t, sc, 2, out)
	if err != nil {
		t.Fatal(err)
	}
	s := readSummary(t, out)
	for _, p := range s.Params {
		truth := map[string]float64{"sigma_l": sigmaL, "sigma_t": sigmaT}[p.Name]
		t.Logf("%s: estimate %.5f (se %s), truth %g; %d rounds, %d runs, %s", p.Name, *p.Estimate, fmtPtr(p.SE), truth, res.Steps, res.Simulations, res.Stop)
		if e := math.Abs(*p.Estimate-truth) / truth; e > 0.05 {
			t.Errorf("%s = %.5f is %.1f %% from the truth %g", p.Name, *p.Estimate, 100*e, truth)
		}
	}
}

func fmtPtr(x *float64) string {
	if x == nil {
		return "–"
	}
	return strconv.FormatFloat(*x, 'g', 4, 64)
}

var rewrite = flag.Bool("rewrite", false, "rewrite the generated data files of the examples")

// TestAtrialLATData regenerates the atrial example's LAT map: the
// scenario's model at σ_l = 0.3 and σ_t = 0.1 mS/mm, the LAT of every 50th
// node plus N(0, 1 ms) errors from PCG(2020, 0), 6 significant digits. With
// -rewrite it writes the file.
func TestAtrialLATData(t *testing.T) {
	if testing.Short() {
		t.Skip("a run of the atrial model on atrium.vtp")
	}
	t.Chdir("..")
	path := "scenarios/examples/atrial-sigma-from-lat-data.csv"
	if _, err := os.Stat(path); err != nil && *rewrite {
		os.WriteFile(path, []byte("node,LAT\n0,0\n"), 0o644) // so that the scenario parses
	}
	sc, err := scenarios.Load("scenarios/examples/atrial-sigma-from-lat.toml")
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]any{"sigma_l": 0.3, "sigma_t": 0.1}
	for k, v := range sc.Params {
		params[k] = v
	}
	lat := latMap(t, params, sc.Inputs, t.TempDir())
	rng := rand.New(rand.NewPCG(2020, 0))
	var want strings.Builder
	want.WriteString("node,LAT\n")
	for i := 0; i < len(lat); i += 50 {
		if math.IsNaN(lat[i]) {
			t.Fatalf("node %d did not activate at the truth", i)
		}
		fmt.Fprintf(&want, "%d,%s\n", i, strconv.FormatFloat(lat[i]+rng.NormFloat64(), 'g', 6, 64))
	}
	header := "# A synthetic electro-anatomical LAT map of atrium.vtp (mesh/testdata): the atrial model of\n" +
		"# atrial-sigma-from-lat.toml at sigma_l 0.3, sigma_t 0.1 mS/mm, LAT (ms) of every 50th node plus\n" +
		"# N(0, 1 ms) errors (PCG seed 2020), written by TestAtrialLATData in calibrate/field_test.go.\n"
	if *rewrite {
		if err := os.WriteFile(path, []byte(header+want.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimPrefix(string(b), header); got != want.String() {
		t.Errorf("%s differs from what the generating code gives (go test -run AtrialLATData -rewrite ./calibrate rewrites it)", path)
	}
}

// The atrial example's optimisation starts where the map can be scored:
// at the start values of its [calibrate.params] every node of its LAT map
// activates within the scenario's duration_ms. (A node without a LAT
// fails the evaluation; with the earlier start σ_l 0.2, σ_t 0.05 mS/mm 38
// of the 211 nodes were not reached by 200 ms, every evaluation failed and
// Nelder–Mead could not move.)
func TestAtrialExampleStartScoresMap(t *testing.T) {
	if testing.Short() {
		t.Skip("a run of the atrial model on atrium.vtp")
	}
	t.Chdir("..")
	sc, err := scenarios.Load("scenarios/examples/atrial-sigma-from-lat.toml")
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]any{}
	for k, v := range sc.Params {
		params[k] = v
	}
	for _, p := range sc.Calibrate.Params {
		if p.Start == nil {
			t.Fatalf("%s has no start value", p.Name)
		}
		params[p.Name] = *p.Start
	}
	lat := latMap(t, params, sc.Inputs, t.TempDir())
	b, err := os.ReadFile(filepath.Join("scenarios", "examples", sc.Calibrate.Targets[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	var nodes, missing int
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, ",")
		i, err := strconv.Atoi(f[0])
		if strings.HasPrefix(line, "#") || err != nil {
			continue
		}
		nodes++
		if math.IsNaN(lat[i]) {
			missing++
		}
	}
	if nodes != 211 || missing > 0 {
		t.Errorf("at the start values %v, %d of the map's %d nodes have no LAT within %v ms", params["sigma_l"], missing, nodes, sc.Params["duration_ms"])
	}
}
