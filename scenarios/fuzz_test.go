package scenarios

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the scenario parser (Parse; Load is
// os.ReadFile then Parse). What it must guarantee on any input: no panic;
// an error is an *Error naming the file, positioned at a line of it, on
// one line; a scenario it accepts has a name, a model and between 1 and
// MaxRuns runs. Seeds are the shipped examples and the test scenarios.
// .ci/fuzz runs it for a few seconds; benchmarks/README.md records a
// longer run.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"examples/*.toml", "testdata/*.toml"} {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("[study]\nname = \"x\"\nmodel = \"pk\"\nseed = 1\nreplicates = 2\n[sweep]\ndesign = \"lhs\"\nsamples = 4\n[sweep.params.k]\ndist = \"uniform\"\nmin = 0\nmax = 1\n"))
	f.Add([]byte("[study]\nname = \"c\"\nmodel = \"brain\"\n[calibrate]\nacceptance = \"stochastic\"\n[calibrate.params]\nx0_rhc = { dist = \"normal\", mean = -2.5, sd = 0.5 }\n[[calibrate.targets]]\noutput = \"onset_rtci_ms\"\nobserved = 500\nse = 20\ncensored = \"right\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.toml", data)
		if err != nil {
			var e *Error
			msg := err.Error()
			if !errors.As(err, &e) || e.File != "f.toml" || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error is not a one-line *Error naming the file: %T %q", err, msg)
			}
			if e.Line < 1 && !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("error has no position: %q", msg)
			}
			return
		}
		if s.Study.Name == "" || s.Study.Model == "" || s.NumRuns() < 1 || s.NumRuns() > MaxRuns {
			t.Fatalf("accepted a scenario with name %q, model %q, %d runs", s.Study.Name, s.Study.Model, s.NumRuns())
		}
	})
}
