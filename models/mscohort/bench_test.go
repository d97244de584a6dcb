package mscohort

import (
	"context"
	"testing"

	"github.com/mdtwin/mdtwin/models"
)

// benchSpec returns the spec of a default run (two strategies, lifetime)
// with n patients.
func benchSpec(b *testing.B, n int64, extra map[string]any) models.RunSpec {
	return benchSpecOf(b, nil, n, extra)
}

// benchSpecOf is benchSpec with inputs.
func benchSpecOf(b *testing.B, inputs []byte, n int64, extra map[string]any) models.RunSpec {
	b.Helper()
	desc, err := Model{}.DescribeInputs(inputs)
	if err != nil {
		b.Fatal(err)
	}
	raw := map[string]any{ParamPatients: n}
	for k, v := range extra {
		raw[k] = v
	}
	ps, err := desc.Resolve(raw)
	if err != nil {
		b.Fatal(err)
	}
	return models.RunSpec{Seed: 1, Params: ps, Inputs: inputs}
}

// BenchmarkPatientYears measures the DES in simulated patient-years per
// second: one run of 10,000 patients under the two default strategies over
// a lifetime, patients in parallel chunks on every core.
func BenchmarkPatientYears(b *testing.B) {
	spec := benchSpec(b, 10000, nil)
	var years float64
	b.ResetTimer()
	for b.Loop() {
		res, err := Model{}.Run(context.Background(), spec, nil)
		if err != nil {
			b.Fatal(err)
		}
		years += res.Scalars["patient_years"]
	}
	b.ReportMetric(years/b.Elapsed().Seconds(), "patient-years/s")
}

// BenchmarkPSADraw measures one PSA run as the example ms-ofatumumab-psa
// has 1,000 of: a draw of the inputs and 1,000 patients under two
// strategies over a lifetime.
func BenchmarkPSADraw(b *testing.B) {
	spec := benchSpec(b, 1000, map[string]any{ParamPSA: true})
	var years float64
	for b.Loop() {
		spec.Seed++
		res, err := Model{}.Run(context.Background(), spec, nil)
		if err != nil {
			b.Fatal(err)
		}
		years += res.Scalars["patient_years"]
	}
	b.ReportMetric(years/b.Elapsed().Seconds(), "patient-years/s")
}

// BenchmarkPSADrawUK is BenchmarkPSADraw with the UK (NICE) reference
// case (benchmarks/ms-uk-psa.toml has 1,000 of these runs).
func BenchmarkPSADrawUK(b *testing.B) {
	spec := benchSpecOf(b, []byte(`{"reference_case":"uk_nice"}`), 1000, map[string]any{ParamPSA: true})
	var years float64
	for b.Loop() {
		spec.Seed++
		res, err := Model{}.Run(context.Background(), spec, nil)
		if err != nil {
			b.Fatal(err)
		}
		years += res.Scalars["patient_years"]
	}
	b.ReportMetric(years/b.Elapsed().Seconds(), "patient-years/s")
}

// BenchmarkCohort is one run of the cohort mode (statetransition.Trace
// engine) with the default inputs: two strategies, lifetime, one cohort per
// baseline age and sex.
func BenchmarkCohort(b *testing.B) {
	spec := benchSpec(b, 1, map[string]any{ParamMode: ModeCohort})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (Model{}).Run(context.Background(), spec, nil); err != nil {
			b.Fatal(err)
		}
	}
}
