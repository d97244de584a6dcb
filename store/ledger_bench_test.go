package store

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkCreateLedger creates the ledger of a 10,000-run study (the
// size of engine.BenchmarkSchedulingOverhead's), as a study does before it
// dispatches its first run.
func BenchmarkCreateLedger(b *testing.B) {
	const n = 10000
	params := func(i int) string { return `{"x":` + strconv.FormatFloat(0.5+float64(i)/n, 'g', -1, 64) + `}` }
	cpu0 := processCPU()
	for i := 0; b.Loop(); i++ {
		path := filepath.Join(b.TempDir(), LedgerFile)
		l, err := CreateLedger(path, map[string]string{"study": "bench"}, n, func(i int) (LedgerRun, error) {
			return LedgerRun{Index: i, ID: fmt.Sprintf("r%05d", i), Seed: uint64(i) * 0x9e3779b97f4a7c15, Params: params(i)}, nil
		})
		if err != nil {
			b.Fatal(err)
		}
		l.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/run")
	b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N*n), "cpu-ns/run")
}
