package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pk"
)

// nothing is a model that does no work, so a study of it measures only the
// engine: expansion aside, dispatch, collection, the ledger and the outputs.
type nothing struct{}

func (nothing) Describe() models.Descriptor {
	return models.Descriptor{Name: "nothing", Version: "1",
		Params:  []models.Param{{Name: "x", Kind: models.Float, Default: 0.0}},
		Outputs: []models.Output{{Name: "y"}}}
}

func (nothing) Run(_ context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	return models.Result{Scalars: map[string]float64{"y": spec.Params.Float("x")}}, nil
}

func studyOf(model string, runs int) string {
	return fmt.Sprintf(`
[study]
name = "bench"
model = %q
seed = 1
[sweep]
design = "random"
samples = %d
[sweep.params]
%s = { dist = "uniform", min = 0.5, max = 2.0 }
`, model, runs, map[string]string{"nothing": "x", "pk": "ka_per_h"}[model])
}

// BenchmarkSchedulingOverhead reports the engine's cost per run on the
// inproc backend with a model that does nothing (target ≤ 20 µs/run):
// ns/run is the whole study's wall time divided by its 10,000 runs.
func BenchmarkSchedulingOverhead(b *testing.B) {
	benchStudy(b, nothing{}, 10000, 2)
}

// BenchmarkPKSweep10k is a 10,000-run sweep of the tutorial model on 2
// inproc workers (target: seconds).
func BenchmarkPKSweep10k(b *testing.B) {
	benchStudy(b, pk.Model{}, 10000, 2)
}

func benchStudy(b *testing.B, m models.Model, runs, workers int) {
	d := m.Describe()
	p := plan(b, studyOf(d.Name, runs), d, "")
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; b.Loop(); i++ {
		p.OutDir = filepath.Join(b.TempDir(), fmt.Sprint(i))
		execute(b, p, m, workers)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*runs), "ns/run")
	// The CPU time of every goroutine (and of the test process's other
	// threads) per run: the steadier figure on a shared machine.
	b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N*runs), "cpu-ns/run")
}
