package pluginsdktest

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
)

// fault is a model with one deliberate defect, to check that the suite
// finds it.
type fault struct {
	defect string
	calls  *int
}

func (f fault) Describe() models.Descriptor {
	return models.Descriptor{
		Name:    "fault",
		Version: "0.1.0",
		Params: []models.Param{
			{Name: "x", Kind: models.Float, Default: 1.0, Min: models.Bound(0), Max: models.Bound(10)},
		},
		Outputs: []models.Output{{Name: "y"}},
	}
}

func (f fault) Run(ctx context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	*f.calls++
	y := spec.Params.Float("x")
	res := models.Result{Scalars: map[string]float64{"y": y}}
	switch f.defect {
	case "stateful":
		res.Scalars["y"] += float64(*f.calls)
	case "seeds from index":
		res.Scalars["y"] += float64(spec.Index)
	case "undeclared output":
		res.Scalars["z"] = 1
	case "missing output":
		delete(res.Scalars, "y")
	case "infinite output":
		res.Scalars["y"] = math.Inf(1)
	case "ragged table":
		res.Tables = []models.Table{{Name: "t", Columns: []string{"a", "b"}, Rows: [][]float64{{1}}}}
	case "partial result on cancel":
		if ctx.Err() != nil {
			res.Scalars["y"] = 0
		}
	case "ignores cancel, wrong error":
		if ctx.Err() != nil {
			return models.Result{}, context.DeadlineExceeded
		}
	case "artifact outside":
		if spec.Dir != "" {
			res.Artifacts = []string{"../escape.txt"}
		}
	case "artifact without folder":
		res.Artifacts = []string{"a.txt"}
	}
	return res, nil
}

func TestChecksFindDefects(t *testing.T) {
	for _, tc := range []struct {
		defect string
		check  func(testing.TB, models.Model, models.Descriptor) error
		want   string // part of the error
	}{
		{"stateful", checkDeterminism, "different results"},
		{"seeds from index", checkSeed, "Seed 42"},
		{"undeclared output", checkRuns, `"z" is not declared`},
		{"missing output", checkRuns, `"y" is missing`},
		{"infinite output", checkRuns, "not finite"},
		{"ragged table", checkRuns, "row 0 has 1 values for 2 columns"},
		{"partial result on cancel", checkCancelled, "partial result"},
		{"ignores cancel, wrong error", checkCancelled, "does not wrap context.Canceled"},
		{"artifact outside", checkArtifacts, "not a relative path"},
		{"artifact without folder", checkRuns, "lists artifacts"},
	} {
		m := fault{defect: tc.defect, calls: new(int)}
		err := tc.check(t, m, m.Describe())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.defect, err, tc.want)
		}
	}
	m := fault{defect: "none", calls: new(int)}
	for _, c := range checks {
		if err := c.fn(t, m, m.Describe()); err != nil {
			t.Errorf("sound model fails %s: %v", c.name, err)
		}
	}
}

func TestBoundsOfIntegerParameters(t *testing.T) {
	// Fractional bounds on an Int parameter: the values at the bounds are
	// 3 (ceil 2.5) and 3 (floor 3.5); beyond them, 2 and 4.
	d := models.Descriptor{Name: "b", Version: "1", Params: []models.Param{
		{Name: "k", Kind: models.Int, Default: int64(3), Min: models.Bound(2.5), Max: models.Bound(3.5)},
	}}
	if err := checkBounds(t, nil, d); err != nil {
		t.Errorf("fractional bounds of an Int parameter: %v", err)
	}
	// A Max below Min (Check does not look) makes Resolve reject a bound.
	d.Params[0] = models.Param{Name: "x", Kind: models.Float, Default: 1.0, Min: models.Bound(2), Max: models.Bound(0)}
	if err := checkBounds(t, nil, d); err == nil || !strings.Contains(err.Error(), "its own bound") {
		t.Errorf("Min above Max: got %v", err)
	}
}
