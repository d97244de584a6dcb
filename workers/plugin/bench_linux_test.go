package plugin_test

import (
	"context"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/workers"
	"github.com/mdtwin/mdtwin/workers/plugin"
)

// BenchmarkBackendSmallRuns measures the cost per run of small emax runs
// (a few µs of model time each) through 2 plugin worker processes with
// automatic batching: one op is one run, submitted and its outcome read.
// The target is ≤ 1 ms of scheduling overhead per run.
func BenchmarkBackendSmallRuns(b *testing.B) {
	be := plugin.New(plugin.Options{Path: emaxPath, Workers: 2, Logger: quiet})
	if err := be.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	specs := make([]models.RunSpec, 1024)
	for i := range specs {
		specs[i] = emaxSpec(b, i, nil)
	}
	capacity := be.Capacity()
	b.ReportAllocs()
	b.ResetTimer()
	submitted, done, inFlight := 0, 0, 0
	for done < b.N {
		for inFlight < capacity && submitted < b.N {
			s := specs[submitted%len(specs)]
			s.Index = submitted
			be.Submit(workers.Task{Spec: s, Attempt: 1})
			submitted++
			inFlight++
		}
		o := <-be.Outcomes()
		if o.Err != nil {
			b.Fatal(o.Err)
		}
		done++
		inFlight--
	}
}
