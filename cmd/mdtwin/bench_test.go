package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkStudy runs benchmarks/pk-10k.toml (10,000 runs of the tutorial
// model) through the whole CLI on 2 workers of each backend. ns/run is the
// study's wall time (plugin start-up included) over its runs; the plugin
// backend's cost per run is the difference between the two.
func BenchmarkStudy(b *testing.B) {
	scenario, _ := filepath.Abs(filepath.Join("..", "..", "benchmarks", "pk-10k.toml"))
	// Plugin workers are this test binary re-executed as `mdtwin plugin serve`.
	os.Setenv("MDTWIN_AS_MAIN", "1")
	defer os.Unsetenv("MDTWIN_AS_MAIN")
	for _, backend := range []string{"inproc", "plugin"} {
		b.Run(backend, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				out := filepath.Join(b.TempDir(), fmt.Sprint(i))
				code, stdout, stderr := cli("", "run", scenario, "--backend", backend, "--workers", "2", "--out", out)
				if code != 0 {
					b.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*10000), "ns/run")
		})
	}
}
