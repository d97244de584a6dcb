package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The golden test guards behaviour across refactoring: every shipped
// example (scenarios/examples/*.toml) is run through the CLI as a user runs
// it, from the repository root, and the SHA-256 of each deterministic
// output file is compared with testdata/golden.sha256. The digests were
// made from commit 4236e71 (`mdtwin run scenarios/examples/X.toml --out
// …`, and `mdtwin optima` for af-ablation) on linux/amd64.
//
// Compared: results.csv, summary.json and every artifact under runs/ (VTK,
// CSV, NPY, per-run reports) of each study (each round-NN/ of the optima
// loop), and the loop's plan.json and plan.vtu. Not compared:
// manifest.json (start and update times, worker count), the ledger
// (SQLite, with times) and optima-state.json (the plan again, as the loop
// went).
//
// The examples that take more than about 20 s run only with -golden.all
// or MDTWIN_GOLDEN_ALL=1:
//
//	go test -run TestGoldenExamples ./cmd/mdtwin                            # the fast ones (as in CI)
//	go test -run TestGoldenExamples -timeout 30m ./cmd/mdtwin -golden.all   # and af-ablation (≈ 1.5 min on 2 cores), af-strategy-trial (≈ 4 min)
//
// After an intended change of outputs, -golden.rewrite replaces the digests
// of the examples run (the others' lines are kept); review the diff.
//
// The bytes depend on the floating-point code the Go toolchain emits:
// arm64 fuses multiply–adds, so the digests hold for amd64 only and the
// test is skipped elsewhere.
var (
	goldenAll     = flag.Bool("golden.all", false, "TestGoldenExamples: also run the slow examples (or MDTWIN_GOLDEN_ALL=1)")
	goldenRewrite = flag.Bool("golden.rewrite", false, "TestGoldenExamples: write the digests of the examples run to testdata/golden.sha256")
)

// goldenSlow are the examples that take more than about 20 s (times on 2
// idle cores, 2026-12-06: af-ablation 92 s; af-strategy-trial 252 s,
// 459 CPU-s; every other example under 7 s).
var goldenSlow = map[string]bool{"af-ablation": true, "af-strategy-trial": true}

// goldenCommand is the CLI command of an example.
func goldenCommand(example string) string {
	if example == "af-ablation" || example == "af-strategy-trial" {
		return "optima"
	}
	return "run"
}

func TestGoldenExamples(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the golden digests were made on amd64; %s rounds some floating-point expressions differently", runtime.GOARCH)
	}
	root := repoRoot(t)
	want, err := readGolden(filepath.Join("testdata", "golden.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	all := *goldenAll || os.Getenv("MDTWIN_GOLDEN_ALL") == "1"
	tomls, err := filepath.Glob(filepath.Join(root, "scenarios", "examples", "*.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var examples []string
	for _, f := range tomls {
		examples = append(examples, strings.TrimSuffix(filepath.Base(f), ".toml"))
	}
	for ex := range want {
		if !slices.Contains(examples, ex) {
			t.Errorf("testdata/golden.sha256 lists %s, which is not in scenarios/examples", ex)
		}
	}
	var mu sync.Mutex
	got := map[string]map[string]string{}
	t.Run("examples", func(t *testing.T) {
		for _, ex := range examples {
			t.Run(ex, func(t *testing.T) {
				if goldenSlow[ex] && !all {
					t.Skip("slow: run with -golden.all or MDTWIN_GOLDEN_ALL=1")
				}
				if want[ex] == nil && !*goldenRewrite {
					t.Fatalf("no digests for %s in testdata/golden.sha256 (make them with -golden.rewrite)", ex)
				}
				t.Parallel()
				out := filepath.Join(t.TempDir(), ex)
				cmd := mdtwin(t, root, goldenCommand(ex), filepath.Join("scenarios", "examples", ex+".toml"), "--out", out)
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("mdtwin %s %s: %v\n%s", goldenCommand(ex), ex, err, b)
				}
				sums, err := goldenDigests(out)
				if err != nil {
					t.Fatal(err)
				}
				if *goldenRewrite {
					mu.Lock()
					got[ex] = sums // written after the parallel subtests end
					mu.Unlock()
					return
				}
				for _, d := range goldenDiff(want[ex], sums) {
					t.Errorf("%s: %s", ex, d)
				}
			})
		}
	})
	if *goldenRewrite && !t.Failed() {
		for ex, sums := range got {
			want[ex] = sums
		}
		if err := writeGolden(filepath.Join("testdata", "golden.sha256"), want); err != nil {
			t.Fatal(err)
		}
	}
}

// goldenCompared reports whether the output file at rel (slash-separated,
// relative to the study folder) is compared.
func goldenCompared(rel string) bool {
	switch filepath.Base(rel) {
	case "results.csv", "summary.json", "plan.json", "plan.vtu", "trial.csv", "trial.json":
		return true
	}
	return strings.HasPrefix(rel, "runs/") || strings.Contains(rel, "/runs/")
}

// goldenDigests returns the SHA-256 of every compared file under dir, by
// slash-separated relative path.
func goldenDigests(dir string) (map[string]string, error) {
	sums := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !goldenCompared(rel) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		h := sha256.Sum256(b)
		sums[rel] = hex.EncodeToString(h[:])
		return nil
	})
	return sums, err
}

// goldenDiff lists the files missing, added or changed in got against want.
func goldenDiff(want, got map[string]string) []string {
	var out []string
	for f, w := range want {
		g, ok := got[f]
		switch {
		case !ok:
			out = append(out, f+" was not written")
		case g != w:
			out = append(out, fmt.Sprintf("%s differs: SHA-256 %.12s…, golden %.12s…", f, g, w))
		}
	}
	for f := range got {
		if _, ok := want[f]; !ok {
			out = append(out, f+" is new (not in testdata/golden.sha256)")
		}
	}
	slices.Sort(out)
	return out
}

// readGolden reads digests in sha256sum's format ("<hex>  <example>/<path>")
// into example → path → hex.
func readGolden(path string) (map[string]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		sum, file, ok := strings.Cut(sc.Text(), "  ")
		ex, rel, ok2 := strings.Cut(file, "/")
		if !ok || !ok2 || len(sum) != 64 {
			return nil, fmt.Errorf("%s:%d: expected \"<sha256>  <example>/<path>\"", path, n)
		}
		if out[ex] == nil {
			out[ex] = map[string]string{}
		}
		out[ex][rel] = sum
	}
	return out, sc.Err()
}

// writeGolden writes digests in readGolden's format, sorted by path.
func writeGolden(path string, sums map[string]map[string]string) error {
	var lines []string
	for ex, files := range sums {
		for rel, sum := range files {
			lines = append(lines, sum+"  "+ex+"/"+rel)
		}
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[66:], b[66:]) })
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}
