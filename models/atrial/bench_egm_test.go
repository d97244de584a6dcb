package atrial

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/models"
)

// BenchmarkEGMOverhead measures what recording electrograms adds to a run:
// the same 100 ms explicit run on a 100,489-node sheet (modified MS,
// dt 0.01 ms, 2 threads, one pacing pulse) without electrodes and with an
// 8×8 grid of 64 electrodes 1 mm above it sampled every 1 ms (lead-field
// set-up included), the two alternating within each op (so a shared
// machine's load falls on both alike); it reports the added wall time
// and the added CPU time (user + system, steadier under load). The issue
// asks ≤ 10 % more:
//
//	go test -run '^$' -bench EGMOverhead -benchtime 2x ./models/atrial
func BenchmarkEGMOverhead(b *testing.B) {
	p, err := Model{}.Describe().Resolve(map[string]any{"mesh": "sheet", "length_mm": 31.6, "width_mm": 31.6, "dx_mm": 0.1,
		"ionic": "mms", "scheme": "explicit", "dt_ms": 0.01, "duration_ms": 100.0, "threads": int64(2),
		"stim_x_mm": 0.0, "stim_y_mm": 15.8, "stim_radius_mm": 2.0, "save_lat": false})
	if err != nil {
		b.Fatal(err)
	}
	cpu := func() float64 {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	run := func(inputs string) (wall, cpuS float64) {
		t0, c0 := time.Now(), cpu()
		if _, err := (Model{}).Run(context.Background(), models.RunSpec{Model: Name, Params: p, Inputs: []byte(inputs)}, nil); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0).Seconds(), cpu() - c0
	}
	var none, egm, noneCPU, egmCPU float64
	for b.Loop() {
		w, c := run(``)
		none, noneCPU = none+w, noneCPU+c
		w, c = run(`{"electrodes": {"grid": {"origin": [4, 4, 1], "u": [3.4, 0, 0], "v": [0, 3.4, 0], "nu": 8, "nv": 8}}}`)
		egm, egmCPU = egm+w, egmCPU+c
	}
	b.ReportMetric(none/float64(b.N), "s-none")
	b.ReportMetric(egm/float64(b.N), "s-64-electrodes")
	b.ReportMetric(100*(egm/none-1), "%-added-wall")
	b.ReportMetric(100*(egmCPU/noneCPU-1), "%-added-cpu")
}
