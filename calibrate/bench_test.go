package calibrate

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/workers"
	"github.com/mdtwin/mdtwin/workers/inproc"
)

// null is a model that does nothing: y = x. A calibration of it measures
// the calibration's own cost per simulation (proposals, weights, the
// engine's studies, reading the runs back).
type null struct{}

func (null) Describe() models.Descriptor {
	return models.Descriptor{Name: "null", Version: "1",
		Params:  []models.Param{{Name: "x", Kind: models.Float, Default: 0.0}},
		Outputs: []models.Output{{Name: "y"}}}
}

func (null) Run(_ context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	return models.Result{Scalars: map[string]float64{"y": spec.Params.Float("x")}}, nil
}

// BenchmarkOverhead calibrates the null model with 10⁵ simulations on 2
// in-process workers (1,000 particles, threshold acceptance with a tiny
// final tolerance, so the budget ends it) and reports the wall time per
// simulation: the calibration's overhead beyond the model (target ≤ 30 µs).
//
//	go test -run '^$' -bench Overhead -benchtime 3x ./calibrate
func BenchmarkOverhead(b *testing.B) {
	const sims = 100000
	src := `[study]
name = "overhead"
model = "null"
seed = 1
[calibrate]
particles = 1000
max_simulations = 100000
max_populations = 1000
min_tolerance = 1e-9
min_acceptance = 0.0001
predictive = 0
[calibrate.params]
x = { dist = "uniform", min = 0, max = 1 }
[[calibrate.targets]]
output = "y"
observed = 0.5
se = 0.1
`
	m := null{}
	total := 0
	cpu0 := processCPU()
	for i := 0; b.Loop(); i++ {
		dir := filepath.Join(b.TempDir(), fmt.Sprint(i))
		sc, err := scenarios.Parse(filepath.Join(dir, "s.toml"), []byte(src))
		if err != nil {
			b.Fatal(err)
		}
		res, err := Run(context.Background(), sc, Options{OutDir: dir, Model: m.Describe(), Workers: 2, BackendKind: "inproc",
			NewBackend: func(string) (workers.Backend, error) { return inproc.New(m, 2), nil }})
		if err != nil {
			b.Fatal(err)
		}
		total += res.Simulations
		if res.Simulations < sims*9/10 {
			b.Fatalf("only %d simulations (%s)", res.Simulations, res.Stop)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(total), "ns/sim")
	b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(total), "cpu-ns/sim")
}

// BenchmarkPKIndividual calibrates the shipped PK example in full (1,000
// particles to temperature 1, 200 posterior-predictive runs) on 2
// in-process workers: the target is ≤ 10 s on 2 cores.
//
//	go test -run '^$' -bench PKIndividual -benchtime 1x ./calibrate
func BenchmarkPKIndividual(b *testing.B) {
	sc := example(b, "pk-individual.toml")
	for i := 0; b.Loop(); i++ {
		res, err := calibrateBuiltin(b, sc, 2, filepath.Join(b.TempDir(), fmt.Sprint(i)))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Simulations), "sims")
	}
}
