package statetransition

import (
	"context"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
)

// BenchmarkChancellorCohort is one run of the HIV/Chancellor model:
// "run" as the engine makes it (compile the definition from its JSON,
// evaluate it with the parameters, run both cohorts); "evaluate" without
// the compilation.
func BenchmarkChancellorCohort(b *testing.B) {
	sc, err := scenarios.Load(chancellorFile)
	if err != nil {
		b.Fatal(err)
	}
	desc, err := Model{}.DescribeInputs(sc.Inputs)
	if err != nil {
		b.Fatal(err)
	}
	ps, _ := desc.Resolve(nil)
	spec := models.RunSpec{Model: Name, Params: ps, Inputs: sc.Inputs}
	b.Run("run", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (Model{}).Run(context.Background(), spec, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	d, err := compile(sc.Inputs)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("evaluate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			in, err := d.instantiate(d.defaults(), false, 0)
			if err != nil {
				b.Fatal(err)
			}
			in.cohort(false)
		}
	})
}

// BenchmarkChancellorMicro simulates 10,000 patients through both
// strategies of the HIV/Chancellor model (20 cycles) and reports
// patient-cycles per second (patients × cycles × strategies).
func BenchmarkChancellorMicro(b *testing.B) {
	sc, err := scenarios.Load(chancellorFile)
	if err != nil {
		b.Fatal(err)
	}
	d, err := compile(sc.Inputs)
	if err != nil {
		b.Fatal(err)
	}
	in, err := d.instantiate(d.defaults(), false, 0)
	if err != nil {
		b.Fatal(err)
	}
	const n = 10_000
	for b.Loop() {
		if _, err := in.micro(context.Background(), n, 1, false); err != nil {
			b.Fatal(err)
		}
	}
	cycles := float64(n * d.cycles * len(d.strategies))
	b.ReportMetric(cycles*float64(b.N)/b.Elapsed().Seconds(), "patient-cycles/s")
}
