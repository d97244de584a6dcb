package statetransition_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pluginsdk/pluginsdktest"
	"github.com/mdtwin/mdtwin/models/statetransition"
	"github.com/mdtwin/mdtwin/scenarios"
)

// chancellor is the model with the HIV/Chancellor definition bound in, as
// the engine runs it: Describe is DescribeInputs of the definition and every
// run carries it in RunSpec.Inputs.
//
// The conformance suite calls Describe and runs the default parameters with
// no inputs; the bare model has no states to run (its Describe lists only
// the built-in parameters and no outputs), so the suite runs this bound
// model instead.
type chancellor struct {
	statetransition.Model
	inputs json.RawMessage
	desc   models.Descriptor
}

func (c chancellor) Describe() models.Descriptor { return c.desc }

func (c chancellor) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	spec.Inputs = c.inputs
	return c.Model.Run(ctx, spec, obs)
}

func loadChancellor(t testing.TB) chancellor {
	sc, err := scenarios.Load("../../scenarios/examples/hiv-chancellor.toml")
	if err != nil {
		t.Fatal(err)
	}
	desc, err := statetransition.Model{}.DescribeInputs(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	return chancellor{inputs: sc.Inputs, desc: desc}
}

func TestConformance(t *testing.T) {
	pluginsdktest.Conformance(t, loadChancellor(t))
}

// TestDescribeWithoutInputs: the bare descriptor is valid (the registry
// checks it) and holds the built-in parameters.
func TestDescribeWithoutInputs(t *testing.T) {
	d := statetransition.Model{}.Describe()
	if err := d.Check(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"mode", "n_patients", "psa", "save_trace"} {
		if _, ok := d.Param(name); !ok {
			t.Errorf("no parameter %q", name)
		}
	}
}
