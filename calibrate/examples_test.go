package calibrate

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/builtin"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/workers"
	"github.com/mdtwin/mdtwin/workers/inproc"
)

// example loads scenarios/examples/name with the replacements old → new
// applied to its text (each must occur), as a scenario file in place.
func example(t testing.TB, name string, replace ...string) *scenarios.Scenario {
	t.Helper()
	path := filepath.Join("..", "scenarios", "examples", name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	for i := 0; i < len(replace); i += 2 {
		if !strings.Contains(src, replace[i]) {
			t.Fatalf("%s has no %q to replace", name, replace[i])
		}
		src = strings.Replace(src, replace[i], replace[i+1], 1)
	}
	sc, err := scenarios.Parse(path, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// calibrateBuiltin calibrates sc's built-in model on w in-process workers.
func calibrateBuiltin(t testing.TB, sc *scenarios.Scenario, w int, dir string) (*Result, error) {
	t.Helper()
	m, err := builtin.Registry().Lookup(sc.Study.Model)
	if err != nil {
		t.Fatal(err)
	}
	desc := m.Describe()
	if c, ok := m.(models.Configurable); ok {
		if desc, err = c.DescribeInputs(sc.Inputs); err != nil {
			t.Fatal(err)
		}
	}
	return Run(context.Background(), sc, Options{OutDir: dir, Model: desc, BackendKind: "inproc", Workers: w,
		NewBackend: func(string) (workers.Backend, error) { return inproc.New(m, w), nil }})
}

// The truth behind pk-individual-data.csv: one subject given 100 mg orally
// once, CL 4 L/h, V 40 L, ka 1.2 /h, F 1.
const (
	pkTrueCL = 4.0
	pkTrueV  = 40.0
	pkTrueKa = 1.2
)

// TestPKIndividualData regenerates the example's data: the Bateman
// function (Gibaldi & Perrier 1982, eq. 1.23)
//
//	C(t) = D·ka / (V (ka − ke)) · (e^(−ke t) − e^(−ka t)),  ke = CL/V,
//
// at 0.5, 1, 2, 4, 8 and 12 h, times exp(0.15 ε) with ε standard normal
// from PCG(20261203, 0) in time order (log-normal proportional error of
// 15 %), rounded to 4 significant digits. The shipped CSV must be exactly
// that.
func TestPKIndividualData(t *testing.T) {
	ke := pkTrueCL / pkTrueV
	rng := rand.New(rand.NewPCG(20261203, 0))
	var want strings.Builder
	want.WriteString("t_h,c_mg_per_l\n")
	for _, tt := range []float64{0.5, 1, 2, 4, 8, 12} {
		c := 100 * pkTrueKa / (pkTrueV * (pkTrueKa - ke)) * (math.Exp(-ke*tt) - math.Exp(-pkTrueKa*tt))
		obs := c * math.Exp(0.15*rng.NormFloat64())
		want.WriteString(strconv.FormatFloat(tt, 'g', -1, 64) + "," + strconv.FormatFloat(obs, 'g', 4, 64) + "\n")
	}
	b, err := os.ReadFile(filepath.Join("..", "scenarios", "examples", "pk-individual-data.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasPrefix(l, "#") {
			got.WriteString(l)
		}
	}
	if got.String() != want.String() {
		t.Errorf("pk-individual-data.csv is\n%s\nthe generating code gives\n%s", got.String(), want.String())
	}
}

// The PK example at a reduced size (300 particles, 20 predictive runs):
// the 90 % credible interval of every parameter covers the value that
// generated the data.
func TestPKIndividualExample(t *testing.T) {
	sc := example(t, "pk-individual.toml", "particles = 1000", "particles = 300", "predictive = 200", "predictive = 20")
	dir := filepath.Join(t.TempDir(), "out")
	res, err := calibrateBuiltin(t, sc, 2, dir)
	if err != nil {
		t.Fatal(err)
	}
	s := readSummary(t, dir)
	t.Logf("%d populations, %d simulations: %s", res.Steps, res.Simulations, res.Stop)
	truth := map[string]float64{"cl_l_per_h": pkTrueCL, "v_l": pkTrueV, "ka_per_h": pkTrueKa}
	for _, p := range s.Params {
		t.Logf("%s: mean %.4g, 90 %% interval [%.4g, %.4g], truth %g", p.Name, *p.Mean, *p.Q05, *p.Q95, truth[p.Name])
		if v := truth[p.Name]; v < *p.Q05 || v > *p.Q95 {
			t.Errorf("%s: the 90 %% interval [%.4g, %.4g] misses the truth %g", p.Name, *p.Q05, *p.Q95, v)
		}
	}
	if res.Stop != StopTemperature {
		t.Errorf("stopped because %q, want %q", res.Stop, StopTemperature)
	}
	if len(s.Targets) != 1 || len(s.Targets[0].Cells) != 6 {
		t.Fatalf("fit: %+v, want one target with 6 cells", s.Targets)
	}
}
