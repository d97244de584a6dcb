package brain_test

import (
	"context"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/brain"
	"github.com/mdtwin/mdtwin/scenarios"
)

// BenchmarkVEP10s is benchmarks/vep-10s.toml through Model.Run: the 10-s
// run of issue 18 with its 1-ms monitors, onset analysis and the files it
// writes (timeseries.npy, previews, onsets.csv), without the CLI's start-up.
//
//	go test ./models/brain -run '^$' -bench VEP10s -benchtime 3x
func BenchmarkVEP10s(b *testing.B) {
	b.Chdir("../..")
	sc, err := scenarios.Load("benchmarks/vep-10s.toml")
	if err != nil {
		b.Fatal(err)
	}
	d, err := brain.Model{}.DescribeInputs(sc.Inputs)
	if err != nil {
		b.Fatal(err)
	}
	runs, err := sc.Expand(d)
	if err != nil {
		b.Fatal(err)
	}
	r := runs[0]
	dir := b.TempDir()
	for b.Loop() {
		if _, err := (brain.Model{}).Run(context.Background(), models.RunSpec{Model: brain.Name, RunID: r.ID, Seed: r.Seed,
			Params: r.Params, Inputs: sc.Inputs, Dir: dir}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
