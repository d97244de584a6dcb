package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Derivation is what Derive changes in a scenario. Zero fields change
// nothing.
type Derivation struct {
	// Why names the derivation ("patient pbq3x7kd…", "optima round 2"). It
	// is part of the new hash, so that equal changes made for different
	// reasons are told apart.
	Why string
	// Params sets [params] values: int64 (int is taken as int64), float64,
	// bool or string, as decoded from TOML.
	Params map[string]any
	// Inputs sets top-level keys of [inputs]: any value encoding/json
	// writes (a json.RawMessage is kept as it is).
	Inputs map[string]any
	// Sweep replaces [sweep] when not nil.
	Sweep *Sweep
}

// Derive returns a copy of the scenario with d's changes and its Hash
// recomputed: the SHA-256 of the parent's Hash and the changes in
// canonical JSON. It is the one way to make a modified scenario (a
// patient's personalisation, a round of the ablation planning loop, a
// demo's smaller study); the parent is not modified and shares no map
// with the copy. Values are checked when the derived scenario is expanded
// (Design), like those in the file; a value that JSON cannot hold, or an
// [inputs] that is not a table, is an error here.
func (s *Scenario) Derive(d Derivation) (*Scenario, error) {
	out := *s
	out.Params = maps.Clone(s.Params)
	if out.Params == nil {
		out.Params = map[string]any{}
	}
	out.paramOrder = slices.Clone(s.paramOrder)
	for _, k := range slices.Sorted(maps.Keys(d.Params)) {
		v := d.Params[k]
		if i, ok := v.(int); ok {
			v = int64(i)
		}
		if _, had := out.Params[k]; !had {
			out.paramOrder = append(out.paramOrder, k)
		}
		out.Params[k] = v
	}
	if len(d.Inputs) > 0 {
		inputs := map[string]json.RawMessage{}
		if len(s.Inputs) > 0 {
			if err := json.Unmarshal(s.Inputs, &inputs); err != nil {
				return nil, fmt.Errorf("%s: [inputs] is not a table: %v", s.File, err)
			}
		}
		for k, v := range d.Inputs {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("%s: deriving [inputs] %s: %v", s.File, k, err)
			}
			inputs[k] = b
		}
		b, err := json.Marshal(inputs) // keys sorted: deterministic
		if err != nil {
			return nil, err
		}
		out.Inputs = b
	}
	if d.Sweep != nil {
		sw := *d.Sweep
		sw.Params = slices.Clone(d.Sweep.Params)
		out.Sweep = &sw
	}
	change := map[string]any{"parent": s.Hash, "why": d.Why, "params": d.Params, "inputs": d.Inputs}
	if d.Sweep != nil {
		change["sweep"] = sweepCanonical(d.Sweep)
	}
	b, err := json.Marshal(finite(change))
	if err != nil {
		return nil, fmt.Errorf("%s: deriving the scenario: %v", s.File, err)
	}
	sum := sha256.Sum256(b)
	out.Hash = hex.EncodeToString(sum[:])
	return &out, nil
}
