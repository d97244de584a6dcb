package atrial

import (
	"context"
	"testing"

	"github.com/mdtwin/mdtwin/models"
)

// BenchmarkExampleSweep runs the four runs of
// scenarios/examples/atrial-cv-sweep.toml one after the other (as one
// inproc worker would).
func BenchmarkExampleSweep(b *testing.B) {
	d := Model{}.Describe()
	for b.Loop() {
		for _, sigma := range []float64{0.1, 0.2, 0.4, 0.8} {
			p, err := d.Resolve(map[string]any{"mesh": "strip", "length_mm": 20.0, "width_mm": 0.5, "dx_mm": 0.1,
				"ionic": "mms", "sigma_l": sigma, "sigma_t": 0.06, "dt_ms": 0.02, "duration_ms": 70.0, "scheme": "cn"})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := (Model{}).Run(context.Background(), models.RunSpec{Params: p}, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}
