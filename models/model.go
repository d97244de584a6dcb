package models

import (
	"context"
	"encoding/json"
)

// Model is a simulation model the engine can run.
//
// Run must be deterministic given spec: the same parameters, seed and inputs
// give the same Result, whatever process or machine runs it. It must use no
// global random source (derive a *rand.Rand from spec.Seed) and write files
// only below spec.Dir. Run must honour ctx cancellation in long loops.
type Model interface {
	Describe() Descriptor
	Run(ctx context.Context, spec RunSpec, obs Observer) (Result, error)
}

// Observer receives progress from a running model. Implementations must be
// cheap; a nil Observer is allowed and means nobody listens (use Report).
type Observer interface {
	// Progress reports the fraction done in [0, 1] and a short message.
	Progress(frac float64, msg string)
}

// Report sends progress to obs if obs is not nil.
func Report(obs Observer, frac float64, msg string) {
	if obs != nil {
		obs.Progress(frac, msg)
	}
}

// RunSpec is everything one run needs.
type RunSpec struct {
	Study     string          // study name, for logs
	Model     string          // model name, as in its Descriptor
	RunID     string          // stable id, e.g. "r000017"
	Index     int             // position of the run in the study (0-based)
	Replicate int             // replicate number of the design point (0-based)
	Seed      uint64          // the run's seed, derived from (study seed, Index)
	Params    Params          // validated parameters, defaults filled in
	Inputs    json.RawMessage // optional model-specific structured input (JSON)
	Dir       string          // folder for the run's artifacts; "" means write none
}

// Result is what one run produces.
type Result struct {
	// Scalars holds the scalar outputs named in the descriptor's Outputs.
	Scalars map[string]float64
	// Tables holds tabular outputs; the engine writes each as
	// runs/<id>/<Name>.csv when the run has a folder.
	Tables []Table
	// Artifacts lists files the model wrote, relative to RunSpec.Dir.
	Artifacts []string
}

// Table is a named table of numbers with a header.
type Table struct {
	Name    string
	Columns []string
	Rows    [][]float64
}
