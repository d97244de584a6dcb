package statetransition

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
)

// inputsOf returns the JSON the engine hands the model for an [inputs]
// table written in TOML, going through the scenario loader as a real
// scenario does.
func inputsOf(t testing.TB, inputs string) json.RawMessage {
	t.Helper()
	sc, err := scenarios.Parse("test.toml", []byte("[study]\nname = \"t\"\nmodel = \"statetransition\"\nseed = 1\n\n"+inputs))
	if err != nil {
		t.Fatal(err)
	}
	return sc.Inputs
}

// runWith describes inputs, resolves raw parameters and runs the model.
func runWith(t testing.TB, inputs json.RawMessage, raw map[string]any, seed uint64) (models.Result, error) {
	t.Helper()
	desc, err := Model{}.DescribeInputs(inputs)
	if err != nil {
		t.Fatalf("DescribeInputs: %v", err)
	}
	ps, err := desc.Resolve(raw)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return Model{}.Run(context.Background(), models.RunSpec{Model: Name, Seed: seed, Params: ps, Inputs: inputs}, nil)
}

func mustRun(t testing.TB, inputs json.RawMessage, raw map[string]any) map[string]float64 {
	t.Helper()
	res, err := runWith(t, inputs, raw, 1)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res.Scalars
}

func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

func fmtSprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// replaceOnce replaces old, which must occur exactly once in s.
func replaceOnce(t testing.TB, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q occurs %d times", old, strings.Count(s, old))
	}
	return strings.Replace(s, old, new, 1)
}
