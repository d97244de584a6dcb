package calibrate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pk"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/workers"
	"github.com/mdtwin/mdtwin/workers/inproc"
)

// sparsePK is the tutorial PK model (models/pk: one compartment, first-order
// absorption, RK4) reporting the concentrations at the six sampling times
// of pk-individual as scalar outputs, so that simulation-based calibration
// needs no table files.
type sparsePK struct{}

var sbcTimes = []float64{0.5, 1, 2, 4, 8, 12}

func (sparsePK) Describe() models.Descriptor {
	d := models.Descriptor{Name: "sparsepk", Version: "1", Params: []models.Param{
		{Name: "cl_l_per_h", Kind: models.Float, Default: 5.0, Min: models.Bound(1e-4)},
		{Name: "v_l", Kind: models.Float, Default: 50.0, Min: models.Bound(1e-3)},
		{Name: "ka_per_h", Kind: models.Float, Default: 1.0, Min: models.Bound(1e-4)},
	}}
	for k := range sbcTimes {
		d.Outputs = append(d.Outputs, models.Output{Name: "c" + strconv.Itoa(k)})
	}
	return d
}

func (sparsePK) Run(ctx context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	p := spec.Params
	prof, err := pk.Simulate(ctx, pk.Individual{CL: p.Float("cl_l_per_h"), V: p.Float("v_l"), Ka: p.Float("ka_per_h")},
		pk.Regimen{Dose: 100, F: 1, NDoses: 1, Tau: 12}, 12, 0.5)
	if err != nil {
		return models.Result{}, err
	}
	out := map[string]float64{}
	for k, t := range sbcTimes {
		out["c"+strconv.Itoa(k)] = prof.Conc[int(math.Round(t/0.5))]
	}
	return models.Result{Scalars: out}, nil
}

// sbcPriors are pk-individual's priors (log-normal: median, σ of the log).
var sbcPriors = []struct {
	name      string
	mu, sigma float64
}{{"cl_l_per_h", math.Log(5), 0.5}, {"v_l", math.Log(50), 0.5}, {"ka_per_h", 0, 0.7}}

// sbcRanks runs replications reps of simulation-based calibration (Talts,
// Betancourt, Simpson, Vehtari & Gelman 2018, arXiv:1804.06788) on the
// sparse PK problem with particles per population: each draws θ̃ from the
// prior, simulates six concentrations with 15 % log-normal noise, runs
// ABC-SMC with stochastic acceptance to temperature 1 and returns, per
// parameter, the posterior's weighted fraction of particles below θ̃ — the
// rank of θ̃ among the posterior draws, scaled to [0, 1]: uniform when the
// inference is right.
//
// The replications run four at a time (each one's studies spend most of
// their wall time writing their ledgers); each is seeded by its index, so
// the ranks do not depend on the order they finish in.
func sbcRanks(t testing.TB, reps, particles int) [][]float64 {
	ranks := make([][]float64, len(sbcPriors))
	for a := range ranks {
		ranks[a] = make([]float64, reps)
	}
	dir := t.TempDir()
	errs := make([]error, reps)
	slots := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for r := range reps {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			below, err := sbcReplication(dir, r, particles)
			for a := range below {
				ranks[a][r] = below[a]
			}
			errs[r] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return ranks
}

// sbcReplication runs SBC replication r in a folder below dir and returns,
// per parameter, the posterior's weighted fraction of particles below the
// drawn truth.
func sbcReplication(dir string, r, particles int) ([]float64, error) {
	m := sparsePK{}
	rng := rand.New(rand.NewPCG(20181804, uint64(r)))
	truth := make([]float64, len(sbcPriors))
	var src strings.Builder
	fmt.Fprintf(&src, "[study]\nname = \"sbc\"\nmodel = \"sparsepk\"\nseed = %d\n[calibrate]\nacceptance = \"stochastic\"\nparticles = %d\nkernel_scale = 1\npredictive = 0\n[calibrate.params]\n", 1000+r, particles)
	for a, p := range sbcPriors {
		truth[a] = math.Exp(p.mu + p.sigma*rng.NormFloat64())
		fmt.Fprintf(&src, "%s = { dist = \"lognormal\", mu = %v, sigma = %v }\n", p.name, p.mu, p.sigma)
	}
	ind := pk.Individual{CL: truth[0], V: truth[1], Ka: truth[2]}
	prof, err := pk.Simulate(context.Background(), ind, pk.Regimen{Dose: 100, F: 1, NDoses: 1, Tau: 12}, 12, 0.5)
	if err != nil {
		return nil, err
	}
	for k, tt := range sbcTimes {
		c := prof.Conc[int(math.Round(tt/0.5))] * math.Exp(0.15*rng.NormFloat64())
		fmt.Fprintf(&src, "[[calibrate.targets]]\noutput = \"c%d\"\nobserved = %v\nscale = \"log\"\nse = 0.15\n", k, c)
	}
	sc, err := scenarios.Parse(filepath.Join(dir, "sbc.toml"), []byte(src.String()))
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, strconv.Itoa(r))
	if _, err := Run(context.Background(), sc, Options{OutDir: out, Model: m.Describe(), Workers: 2, BackendKind: "inproc",
		NewBackend: func(string) (workers.Backend, error) { return inproc.New(m, 2), nil }}); err != nil {
		return nil, err
	}
	post, err := os.ReadFile(filepath.Join(out, PosteriorFile))
	if err != nil {
		return nil, err
	}
	below := make([]float64, len(sbcPriors))
	for _, line := range strings.Split(strings.TrimSpace(string(post)), "\n")[1:] {
		f := strings.Split(line, ",")
		w, _ := strconv.ParseFloat(f[1], 64)
		for a := range sbcPriors {
			if v, _ := strconv.ParseFloat(f[4+a], 64); v < truth[a] {
				below[a] += w
			}
		}
	}
	os.RemoveAll(out)
	return below, nil
}

// chiSquareUniform returns Pearson's χ² of the ranks binned into bins equal
// bins of [0, 1] against the uniform, and the 99 % quantile of χ² with
// bins − 1 degrees of freedom.
func chiSquareUniform(ranks []float64, bins int) (chi2, crit float64, counts []int) {
	counts = make([]int, bins)
	for _, u := range ranks {
		counts[min(int(u*float64(bins)), bins-1)]++
	}
	e := float64(len(ranks)) / float64(bins)
	for _, o := range counts {
		chi2 += (float64(o) - e) * (float64(o) - e) / e
	}
	return chi2, distuv.ChiSquared{K: float64(bins - 1)}.Quantile(0.99), counts
}

// TestSimulationBasedCalibration: the rank histograms of 200 SBC
// replications of the PK problem pass a χ² test of uniformity at the 1 %
// level for every parameter (10 bins, 20 expected per bin). The test runs a
// reduced configuration, 60 particles per population; BenchmarkSBC runs
// the same with 300.
func TestSimulationBasedCalibration(t *testing.T) {
	if testing.Short() {
		t.Skip("200 calibrations")
	}
	ranks := sbcRanks(t, 200, 60)
	for a, p := range sbcPriors {
		chi2, crit, counts := chiSquareUniform(ranks[a], 10)
		t.Logf("%s: rank histogram %v, χ² = %.2f (99 %% quantile %.2f)", p.name, counts, chi2, crit)
		if chi2 > crit {
			t.Errorf("%s: the ranks are not uniform: χ² = %.2f > %.2f", p.name, chi2, crit)
		}
	}
}

// BenchmarkSBC is the full simulation-based calibration: 200 replications
// with 300 particles per population (go test -run '^$' -bench SBC
// -benchtime 1x ./calibrate); it reports the χ² of each parameter.
func BenchmarkSBC(b *testing.B) {
	for b.Loop() {
		ranks := sbcRanks(b, 200, 300)
		for a, p := range sbcPriors {
			chi2, crit, counts := chiSquareUniform(ranks[a], 10)
			b.Logf("%s: rank histogram %v, χ² = %.2f (99 %% quantile %.2f)", p.name, counts, chi2, crit)
			b.ReportMetric(chi2, "chi2_"+p.name)
		}
	}
}
