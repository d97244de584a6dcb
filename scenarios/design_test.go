package scenarios

import (
	"math"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
)

// stat is a fake model with unbounded float parameters, one per
// distribution of the statistical tests.
var stat = models.Descriptor{
	Name: "stat",
	Params: []models.Param{
		{Name: "uniform", Kind: models.Float, Default: 0.0},
		{Name: "normal", Kind: models.Float, Default: 0.0},
		{Name: "lognormal", Kind: models.Float, Default: 0.0},
		{Name: "beta", Kind: models.Float, Default: 0.0},
		{Name: "gamma", Kind: models.Float, Default: 0.0},
		{Name: "triangular", Kind: models.Float, Default: 0.0},
		{Name: "discrete", Kind: models.Float, Default: 0.0},
	},
}

// statParams are the distributions of the statistical tests, one per
// parameter of stat, in the order of cdfs (the first of each kind).
const statParams = `uniform = { dist = "uniform", min = 2, max = 8 }
normal = { dist = "normal", mean = -1, sd = 2 }
lognormal = { dist = "lognormal", mu = 0.5, sigma = 0.4 }
beta = { dist = "beta", alpha = 2, beta = 5, min = 10, max = 20 }
gamma = { dist = "gamma", shape = 3, rate = 2 }
triangular = { dist = "triangular", min = 0, mode = 1, max = 4 }
discrete = { dist = "discrete", values = [1, 2, 5], weights = [1, 2, 1] }
`

func expandStat(t *testing.T, design string, samples int, seed uint64) []Run {
	t.Helper()
	src := "[study]\nname = \"stat\"\nmodel = \"stat\"\nseed = " + itoa(int(seed)) +
		"\n[sweep]\ndesign = \"" + design + "\"\nsamples = " + itoa(samples) + "\n[sweep.params]\n" + statParams
	s, err := Parse("stat.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.Expand(stat)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != samples {
		t.Fatalf("%d runs, want %d", len(runs), samples)
	}
	return runs
}

func itoa(i int) string { return models.FormatValue(i) }

// TestLHSStrata checks the defining property of a Latin hypercube: for each
// parameter, the N samples fall one in each of the N strata of probability
// [k/N, (k+1)/N), found through the distribution's CDF.
func TestLHSStrata(t *testing.T) {
	const n = 500
	runs := expandStat(t, LHS, n, 20261127)
	names := []string{"uniform", "normal", "lognormal", "beta", "gamma", "triangular"}
	cdf := []func(float64) float64{cdfs[0].cdf, cdfs[1].cdf, cdfs[2].cdf, cdfs[3].cdf, cdfs[5].cdf, cdfs[7].cdf}
	for j, name := range names {
		seen := make([]int, n)
		for _, r := range runs {
			k := int(math.Floor(cdf[j](r.Params.Float(name)) * n))
			if k < 0 || k >= n {
				t.Fatalf("%s: value %v has CDF outside [0, 1)", name, r.Params.Float(name))
			}
			seen[k]++
		}
		for k, c := range seen {
			if c != 1 {
				t.Errorf("%s: stratum %d holds %d samples, want 1", name, k, c)
			}
		}
	}
	// Discrete: with weights 1:2:1 the values own the strata [0, N/4),
	// [N/4, 3N/4) and [3N/4, N), so 500 samples give exactly 125, 250, 125.
	counts := map[float64]int{}
	for _, r := range runs {
		counts[r.Params.Float("discrete")]++
	}
	if want := map[float64]int{1: 125, 2: 250, 5: 125}; !reflect.DeepEqual(counts, want) {
		t.Errorf("discrete counts %v, want %v", counts, want)
	}
}

// TestLatinHypercubeUniforms checks the stratification of the uniforms
// themselves, including n = 1 and u strictly inside (0, 1).
func TestLatinHypercubeUniforms(t *testing.T) {
	for _, n := range []int{1, 2, 7, 1000} {
		u := latinHypercube(newDesignRand(uint64(n)), n, 3)
		for j := range 3 {
			strata := make([]int, n)
			for i := range n {
				if !(u[i*3+j] > 0 && u[i*3+j] < 1) {
					t.Fatalf("n=%d: u = %v outside (0, 1)", n, u[i*3+j])
				}
				strata[int(u[i*3+j]*float64(n))]++
			}
			for k, c := range strata {
				if c != 1 {
					t.Errorf("n=%d, dimension %d: stratum %d holds %d", n, j, k, c)
				}
			}
		}
	}
}

// TestRandomMoments checks that the sample mean and variance of a random
// design match each distribution's analytic moments. The tolerances are 5
// standard errors: σ/√N for the mean and √((μ₄ - σ⁴)/N) for the variance,
// with the fourth central moment μ₄ estimated from the sample (a false
// failure would be a 1 in 10⁶ event, and the seed is fixed anyway).
func TestRandomMoments(t *testing.T) {
	const n = 20000
	runs := expandStat(t, Random, n, 7)
	sq := func(x float64) float64 { return x * x }
	for _, tc := range []struct {
		name       string
		mean, vari float64 // analytic
	}{
		{"uniform", 5, sq(8-2) / 12}, // (a+b)/2, (b-a)²/12
		{"normal", -1, 4},            // μ, σ²
		{"lognormal", math.Exp(0.5 + 0.08), math.Expm1(0.16) * math.Exp(1.16)}, // e^(μ+σ²/2), (e^σ² - 1) e^(2μ+σ²)
		{"beta", 10 + 10*2.0/7, 100 * 2 * 5 / (sq(7) * 8)},                     // min + (max-min) α/(α+β), (max-min)² αβ/((α+β)²(α+β+1))
		{"gamma", 1.5, 0.75}, // k/θ, k/θ² with rate θ
		{"triangular", 5.0 / 3, (0 + 16 + 1 - 0 - 0 - 4) / 18.0}, // (a+b+c)/3, (a²+b²+c²-ab-ac-bc)/18
		{"discrete", 2.5, 8.5 - 6.25},                            // Σwx = (1+4+5)/4; Σwx² - mean² = (1+8+25)/4 - 2.5²
	} {
		var sum float64
		for _, r := range runs {
			sum += r.Params.Float(tc.name)
		}
		mean := sum / n
		var m2, m4 float64
		for _, r := range runs {
			d := r.Params.Float(tc.name) - mean
			m2 += d * d
			m4 += d * d * d * d
		}
		vari, m4 := m2/(n-1), m4/n
		if tol := 5 * math.Sqrt(tc.vari/n); math.Abs(mean-tc.mean) > tol {
			t.Errorf("%s: mean %v, want %v ± %v", tc.name, mean, tc.mean, tol)
		}
		if tol := 5 * math.Sqrt((m4-sq(vari))/n); math.Abs(vari-tc.vari) > tol {
			t.Errorf("%s: variance %v, want %v ± %v", tc.name, vari, tc.vari, tol)
		}
	}
}

// TestExpandDeterministic expands the same scenario many times (map
// iteration order changes from one to the next) and from two parses.
func TestExpandDeterministic(t *testing.T) {
	src := "[study]\nname = \"d\"\nmodel = \"stat\"\nseed = 99\nreplicates = 2\n[sweep]\ndesign = \"lhs\"\nsamples = 50\n[sweep.params]\n" + statParams
	first, err := Parse("d.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want, err := first.Expand(stat)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		s, err := Parse("d.toml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Expand(stat)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatal("two expansions of the same scenario differ")
		}
	}
	// Replicates share the point's values but not its map.
	want[0].Params["uniform"] = -1.0
	if want[1].Params.Float("uniform") == -1 {
		t.Error("replicates share a parameter map")
	}
	// Another study seed gives other draws.
	other := expandStat(t, LHS, 50, 100)
	if other[0].Params.Float("normal") == want[0].Params.Float("normal") {
		t.Error("study seeds 99 and 100 draw the same first value")
	}
}

// TestRunSeed pins RunSeed to SplitMix64. The values for study seed 0 are
// the first outputs of Vigna's reference splitmix64.c seeded with 0; the
// others were computed with an independent implementation (Python,
// arbitrary-precision integers reduced mod 2⁶⁴).
func TestRunSeed(t *testing.T) {
	for _, tc := range []struct {
		seed  uint64
		index int
		want  uint64
	}{
		{0, 0, 0xe220a8397b1dcdaf},
		{0, 1, 0x6e789e6aa1b965f4},
		{0, 2, 0x06c45d188009454f},
		{1, 0, 0x910a2dec89025cc1},
		{20261127, 17, 0xf4fece8755bb3813},
		{1<<63 - 1, 1_000_000, 0xb66cf5f43c639a1c},
	} {
		if got := RunSeed(tc.seed, tc.index); got != tc.want {
			t.Errorf("RunSeed(%d, %d) = %#x, want %#x", tc.seed, tc.index, got, tc.want)
		}
	}
	seen := map[uint64]int{}
	for i := range 100_000 {
		s := RunSeed(42, i)
		if j, dup := seen[s]; dup {
			t.Fatalf("RunSeed(42, %d) = RunSeed(42, %d)", i, j)
		}
		seen[s] = i
	}
	defer func() {
		if recover() == nil {
			t.Error("RunSeed(1, -1) did not panic")
		}
	}()
	RunSeed(1, -1)
}

func TestRunID(t *testing.T) {
	for _, tc := range []struct {
		index, total int
		want         string
	}{
		{0, 1, "r000000"},
		{17, 200, "r000017"},
		{999999, 1000000, "r999999"},
		{5, 1000001, "r0000005"},
		{1000000, 1000001, "r1000000"},
	} {
		if got := RunID(tc.index, tc.total); got != tc.want {
			t.Errorf("RunID(%d, %d) = %q, want %q", tc.index, tc.total, got, tc.want)
		}
	}
	// Ids sort in run order.
	runs := expandStat(t, Random, 1234, 1)
	ids := make([]string, len(runs))
	for i, r := range runs {
		if r.Index != i || r.Point != i || r.Replicate != 0 || r.Seed != RunSeed(1, i) {
			t.Fatalf("run %d: %+v", i, r)
		}
		ids[i] = r.ID
	}
	if !sort.StringsAreSorted(ids) {
		t.Error("run ids do not sort in run order")
	}
}

func TestExpandWrongModel(t *testing.T) {
	s, err := Parse("s.toml", []byte(head))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Expand(stat)
	if want := `s.toml:3:1: [study] model is "pk", but it is being expanded for model "stat"`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestDocExample parses the complete scenario of the package documentation.
func TestDocExample(t *testing.T) {
	s, err := Parse("doc.go", []byte(docExample(t)))
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.Expand(pk)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 6 || s.Backend.Workers != 4 || string(s.Inputs) != `{"regimen":[{"at_h":0,"dose_mg":100},{"at_h":12,"dose_mg":50}]}` {
		t.Errorf("got %d runs, backend %+v, inputs %s", len(runs), s.Backend, s.Inputs)
	}
}

// docExample returns the indented TOML after "A complete scenario" in doc.go.
func docExample(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "// A complete scenario, with every table and key:\n//\n")
	if !ok {
		t.Fatal("doc.go has no complete scenario")
	}
	var b strings.Builder
	for _, line := range strings.Split(rest, "\n") {
		if line == "//" {
			b.WriteString("\n")
			continue
		}
		text, ok := strings.CutPrefix(line, "//\t")
		if !ok {
			break
		}
		b.WriteString(text + "\n")
	}
	return b.String()
}

// TestExpandHandBuilt expands a Scenario built in code rather than parsed:
// errors then carry no position.
func TestExpandHandBuilt(t *testing.T) {
	s := &Scenario{
		Study:  Study{Name: "h", Model: "pk", Seed: 3, Replicates: 2},
		Params: map[string]any{"fed": true},
		Sweep:  &Sweep{Design: Zip, Params: []SweepParam{{Name: "dose_mg", Values: []any{1.0, int64(2)}}}},
	}
	runs, err := s.Expand(pk)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 4 || runs[3].Params.Float("dose_mg") != 2 || !runs[3].Params.Bool("fed") || runs[3].ID != "r000003" {
		t.Errorf("got %+v", runs)
	}
	s.Params["dose_mg"] = 5000.0 // both base and swept: the swept value wins
	s.Params["n_doses"] = int64(0)
	_, err = s.Expand(pk)
	if want := `parameter "n_doses" of model "pk" = 0: below the minimum 1`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// Design builds each run's parameters from point 0's resolution with the
// point's sweep values coerced in; that must be what Descriptor.Resolve
// gives for the point's raw values, for every design (with base values,
// an int parameter swept with floats, and defaults filled in).
func TestDesignParamsAreResolve(t *testing.T) {
	desc := models.Descriptor{Name: "m", Params: []models.Param{
		{Name: "a", Kind: models.Float, Default: 1.0},
		{Name: "n", Kind: models.Int, Default: int64(2)},
		{Name: "s", Kind: models.String, Default: "x", Choices: []string{"x", "y"}},
		{Name: "f", Kind: models.Float, Default: 0.5},
	}}
	for _, sweep := range []string{
		"design = \"grid\"\n[sweep.params]\nn = [1, 2, 3]\ns = [\"x\", \"y\"]\n",
		"design = \"zip\"\n[sweep.params]\nn = [1, 5]\nf = [0.25, 7]\n",
		"design = \"lhs\"\nsamples = 7\n[sweep.params]\nf = { dist = \"normal\", mean = 1, sd = 2 }\nn = { dist = \"discrete\", values = [1, 4] }\n",
		"design = \"random\"\nsamples = 5\n[sweep.params]\nf = { dist = \"uniform\", min = 0, max = 1 }\n",
	} {
		src := "[study]\nname = \"p\"\nmodel = \"m\"\nseed = 4\nreplicates = 2\n[params]\na = 3\n[sweep]\n" + sweep
		s, err := Parse("p.toml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.Design(desc)
		if err != nil {
			t.Fatal(err)
		}
		for i := range d.Len() {
			r, err := d.Run(i)
			if err != nil {
				t.Fatal(err)
			}
			raw := map[string]any{"a": int64(3)}
			for j, p := range s.Sweep.Params {
				raw[p.Name] = d.points.value(r.Point, j)
			}
			want, err := desc.Resolve(raw)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Params, want) {
				t.Errorf("%s run %d: params %v, Resolve gives %v", s.Sweep.Design, i, r.Params, want)
			}
		}
	}
}
