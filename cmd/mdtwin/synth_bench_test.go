package main

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// writeMixedTable writes n rows × 20 mixed columns as CSV: 10 continuous,
// 5 ordinal (1..7) and 5 categorical (3 to 7 modalities), all driven by 3
// latent Gaussian factors so that neighbourhoods mean something — the
// table of package cohort's benchmarks (cohort/bench_test.go, mixedTable),
// here as the file a user would give `mdtwin synth`.
func writeMixedTable(path string, n int, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for j := range 10 {
		fmt.Fprintf(w, "c%d,", j)
	}
	for j := range 5 {
		fmt.Fprintf(w, "o%d,", j)
	}
	for j := range 5 {
		if j > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, "k%d", j)
	}
	w.WriteByte('\n')
	rng := rand.New(rand.NewPCG(seed, 1))
	for range n {
		lat := [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		for j := range 10 {
			fmt.Fprintf(w, "%.4f,", 50+10*(lat[j%3]+0.5*lat[(j+1)%3]+0.7*rng.NormFloat64()))
		}
		for j := range 5 {
			fmt.Fprintf(w, "%g,", math.Min(7, math.Max(1, math.Round(4+1.5*(lat[j%3]+0.8*rng.NormFloat64())))))
		}
		for j := range 5 {
			m := 3 + j
			u := lat[(j+2)%3] + 0.8*rng.NormFloat64()
			if j > 0 {
				w.WriteByte(',')
			}
			fmt.Fprintf(w, "L%d", min(m-1, max(0, int(math.Floor((u+2)/4*float64(m))))))
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// BenchmarkSynth100k is the issue 16 speed target: `mdtwin synth` of
// 100,000 rows × 20 mixed columns with k = 20 — reading the table,
// generation, every metric and attack (singling out, linkability,
// inference, membership inference with its bootstrap), the downstream task
// and the files — ≤ 15 s on 2 cores and ≤ 500 MB. Writing the table is not
// timed. See benchmarks/README.md for the command and the figures.
func BenchmarkSynth100k(b *testing.B) {
	dir := b.TempDir()
	table := filepath.Join(dir, "mixed100k.csv")
	if err := writeMixedTable(table, 100000, 1); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		code, stdout, stderr := cli("", "synth", table, "--k", "20", "--out", filepath.Join(dir, "out"))
		if code != 0 {
			b.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
	}
}

// TestWriteBenchTable writes the benchmark's table to $MDTWIN_BENCH_TABLE
// (skipped when unset), for timing the mdtwin binary itself:
//
//	MDTWIN_BENCH_TABLE=$PWD/out/mixed100k.csv go test -run TestWriteBenchTable ./cmd/mdtwin
//	/usr/bin/time -v bin/mdtwin synth out/mixed100k.csv --k 20 --out out/synth100k
func TestWriteBenchTable(t *testing.T) {
	path := os.Getenv("MDTWIN_BENCH_TABLE")
	if path == "" {
		t.Skip("MDTWIN_BENCH_TABLE not set")
	}
	if err := writeMixedTable(path, 100000, 1); err != nil {
		t.Fatal(err)
	}
}
