package pluginsdktest_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pluginsdk/pluginsdktest"
)

// tiny is a small stochastic model exercising every kind of parameter,
// a table and an artifact: n exponential waiting times at rate rate.
type tiny struct{}

func (tiny) Describe() models.Descriptor {
	return models.Descriptor{
		Name:    "tiny",
		Version: "1.0.0",
		Doc:     "Sum of n exponential waiting times, for testing the conformance suite.",
		Params: []models.Param{
			{Name: "rate", Kind: models.Float, Unit: "1/h", Default: 2.0, Min: models.Bound(0.01), Max: models.Bound(100), Doc: "event rate"},
			{Name: "n", Kind: models.Int, Default: int64(5), Min: models.Bound(1), Max: models.Bound(1000), Doc: "number of events"},
			{Name: "cumulative", Kind: models.Bool, Default: false, Doc: "tabulate cumulative times"},
			{Name: "unit", Kind: models.String, Default: "h", Choices: []string{"h", "min"}, Doc: "time unit of the outputs"},
		},
		Outputs: []models.Output{
			{Name: "total", Unit: "h or min", Doc: "sum of the waiting times"},
			{Name: "mean", Unit: "h or min", Doc: "mean waiting time"},
		},
	}
}

func (tiny) Run(ctx context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	if err := ctx.Err(); err != nil {
		return models.Result{}, err
	}
	rng := rand.New(rand.NewPCG(spec.Seed, 0))
	rate, n := spec.Params.Float("rate"), spec.Params.Int("n")
	scale := 1.0
	if spec.Params.String("unit") == "min" {
		scale = 60
	}
	t := models.Table{Name: "waits", Columns: []string{"i", "wait"}}
	total := 0.0
	for i := range n {
		w := rng.ExpFloat64() / rate * scale
		total += w
		v := w
		if spec.Params.Bool("cumulative") {
			v = total
		}
		t.Rows = append(t.Rows, []float64{float64(i), v})
	}
	res := models.Result{
		Scalars: map[string]float64{"total": total, "mean": total / float64(n)},
		Tables:  []models.Table{t},
	}
	if spec.Dir != "" {
		if err := os.WriteFile(filepath.Join(spec.Dir, "total.txt"), []byte(fmt.Sprint(total)), 0o644); err != nil {
			return models.Result{}, err
		}
		res.Artifacts = []string{"total.txt"}
	}
	return res, nil
}

func TestConformanceTiny(t *testing.T) {
	pluginsdktest.Conformance(t, tiny{})
}

func TestDiffResults(t *testing.T) {
	a := models.Result{
		Scalars: map[string]float64{"x": 1, "nan": math.NaN()},
		Tables:  []models.Table{{Name: "t", Columns: []string{"a"}, Rows: [][]float64{{1}, {2}}}},
	}
	same := models.Result{
		Scalars: map[string]float64{"x": 1, "nan": math.NaN()},
		Tables:  []models.Table{{Name: "t", Columns: []string{"a"}, Rows: [][]float64{{1}, {2}}}},
	}
	if d := pluginsdktest.DiffResults(a, same); d != "" {
		t.Errorf("identical results differ: %s", d)
	}
	if d := pluginsdktest.DiffResults(models.Result{Scalars: map[string]float64{}}, models.Result{}); d != "" {
		t.Errorf("empty and nil scalars differ: %s", d)
	}
	zero, negZero := models.Result{Scalars: map[string]float64{"z": 0}}, models.Result{Scalars: map[string]float64{"z": math.Copysign(0, -1)}}
	if d := pluginsdktest.DiffResults(zero, negZero); d == "" {
		t.Errorf("0 and -0 compare equal")
	}
	for _, tc := range []struct {
		name string
		b    models.Result
	}{
		{"one ulp", models.Result{Scalars: map[string]float64{"x": math.Nextafter(1, 2), "nan": math.NaN()}, Tables: a.Tables}},
		{"other NaN", models.Result{Scalars: map[string]float64{"x": 1, "nan": math.Float64frombits(0x7ff8000000000002)}, Tables: a.Tables}},
		{"missing scalar", models.Result{Scalars: map[string]float64{"x": 1}, Tables: a.Tables}},
		{"table cell", models.Result{Scalars: a.Scalars, Tables: []models.Table{{Name: "t", Columns: []string{"a"}, Rows: [][]float64{{1}, {3}}}}}},
		{"artifacts", models.Result{Scalars: a.Scalars, Tables: a.Tables, Artifacts: []string{"f"}}},
	} {
		if d := pluginsdktest.DiffResults(a, tc.b); d == "" {
			t.Errorf("%s: no difference found", tc.name)
		}
	}
}
