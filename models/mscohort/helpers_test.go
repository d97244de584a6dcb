package mscohort

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/mdtwin/mdtwin/models"
)

// mustJSON encodes an [inputs] table given as Go values.
func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// run runs the model on inputs with the parameters raw (resolved against
// the inputs' descriptor) and seed.
func run(t testing.TB, inputs json.RawMessage, raw map[string]any, seed uint64) map[string]float64 {
	t.Helper()
	res := runResult(t, inputs, raw, seed, "")
	return res.Scalars
}

func runResult(t testing.TB, inputs json.RawMessage, raw map[string]any, seed uint64, dir string) models.Result {
	t.Helper()
	desc, err := Model{}.DescribeInputs(inputs)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := desc.Resolve(raw)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Model{}.Run(context.Background(), models.RunSpec{Study: "test", RunID: "r000000", Seed: seed, Params: ps, Inputs: inputs, Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// strategies builds an [inputs] strategies list: name → lines.
func strategies(pairs ...any) []map[string]any {
	var out []map[string]any
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, map[string]any{"name": pairs[i], "lines": pairs[i+1]})
	}
	return out
}

func lines(ls ...map[string]any) []map[string]any { return ls }

func therapy(name string, kv ...any) map[string]any {
	m := map[string]any{"therapy": name}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func runSpec(ps models.Params, inputs json.RawMessage) models.RunSpec {
	return models.RunSpec{Seed: 1, Params: ps, Inputs: inputs}
}
