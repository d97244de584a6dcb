package models

import "encoding/json"

// Configurable is a model whose parameters and outputs depend on its
// structured inputs — for example a state-transition model whose states and
// strategies are defined in the scenario's [inputs] table, with one output
// per strategy. The engine describes such a model with DescribeInputs and
// the scenario's inputs instead of Describe. An error is bad input: the CLI
// reports it against the scenario's [inputs] and exits with code 2.
type Configurable interface {
	Model
	DescribeInputs(inputs json.RawMessage) (Descriptor, error)
}

// ParamsDescriber is a Configurable model whose parameter list also
// depends on the value of a parameter when a scenario fixes it: the brain
// model's neural mass decides which of the masses' parameters a run reads.
// prediction.Builtin describes such a model with DescribeFor, fixed
// holding the scenario's [params] that no [sweep] or [calibrate] varies, so
// that a study's results.csv lists only the parameters its runs read. With
// nothing fixed that it depends on, DescribeFor returns DescribeInputs'.
type ParamsDescriber interface {
	Configurable
	DescribeFor(inputs json.RawMessage, fixed map[string]any) (Descriptor, error)
}

// RunSummary is one run as a Summarizer sees it.
type RunSummary struct {
	RunID     string
	Replicate int
	Params    Params
	Done      bool               // false for a failed run
	Scalars   map[string]float64 // nil unless Done
}

// Summarizer is a model that aggregates a whole study: per-strategy means
// and intervals, incremental results, ICERs, CEACs, EVPI… The engine calls
// Summarize once at the end of a study with every run in run order, and
// writes what it returns (JSON-encodable) under "model" in summary.json.
// It must be deterministic: it depends only on runs and inputs.
type Summarizer interface {
	Summarize(inputs json.RawMessage, runs []RunSummary) (any, error)
}
