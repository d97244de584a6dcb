package pluginsdk_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pluginsdk"
)

// The test binary doubles as a plugin and as a host: given one of the
// sub-commands below as its first argument it plays that part instead of
// running the tests.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "serve":
			pluginsdk.Serve(echo{}, square{})
		case "print-hello":
			fmt.Println("hello, I am not a plugin")
			os.Exit(0)
		case "launch-and-wait": // a host that starts a plugin, prints its PID and waits to be killed
			p, err := pluginsdk.Launch(context.Background(), os.Args[0], []string{"serve"}, nil)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			fmt.Println(p.PID())
			time.Sleep(time.Minute)
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

// echo returns its parameter x; its other parameters make it misbehave.
type echo struct{}

func (echo) Describe() models.Descriptor {
	return models.Descriptor{
		Name: "echo", Version: "1.0.0", Doc: "Returns x.",
		Params: []models.Param{
			{Name: "x", Kind: models.Float, Default: 1.5, Min: models.Bound(-1e9), Max: models.Bound(1e9), Doc: "the value"},
			{Name: "n", Kind: models.Int, Default: int64(0), Min: models.Bound(0), Max: models.Bound(1 << 24), Doc: "rows of the table \"ramp\""},
			{Name: "log", Kind: models.Bool, Default: false, Doc: "log a line through pluginsdk.Logger"},
			{Name: "print", Kind: models.Bool, Default: false, Doc: "print a line to stdout"},
			{Name: "fail", Kind: models.String, Default: "no", Choices: []string{"no", "error", "panic", "exit", "sleep"}, Doc: "how to misbehave"},
		},
		Outputs: []models.Output{{Name: "x", Doc: "x"}},
	}
}

func (echo) Run(ctx context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	p := spec.Params
	switch p.String("fail") {
	case "error":
		return models.Result{}, fmt.Errorf("echo failed as asked")
	case "panic":
		panic("echo panics as asked")
	case "exit":
		os.Exit(3)
	case "sleep":
		select {
		case <-ctx.Done():
			return models.Result{}, ctx.Err()
		case <-time.After(time.Minute):
		}
	}
	if p.Bool("log") {
		pluginsdk.Logger().Warn("echo ran", "x", p.Float("x"), "run_id", spec.RunID)
	}
	if p.Bool("print") {
		fmt.Println("echo printed this")
	}
	res := models.Result{Scalars: map[string]float64{"x": p.Float("x")}}
	if n := p.Int("n"); n > 0 {
		t := models.Table{Name: "ramp", Columns: []string{"i", "x_times_i"}, Rows: make([][]float64, n)}
		for i := range t.Rows {
			t.Rows[i] = []float64{float64(i), float64(i) * p.Float("x")}
		}
		res.Tables = []models.Table{t}
	}
	if len(spec.Inputs) > 0 {
		res.Scalars["x"] += float64(len(spec.Inputs))
	}
	return res, nil
}

// square is a second model of the same binary.
type square struct{}

func (square) Describe() models.Descriptor {
	return models.Descriptor{
		Name: "square", Version: "1.0.0", Doc: "Returns x².",
		Params:  []models.Param{{Name: "x", Kind: models.Float, Default: 3.0}},
		Outputs: []models.Output{{Name: "x2"}},
	}
}

func (square) Run(_ context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	x := spec.Params.Float("x")
	return models.Result{Scalars: map[string]float64{"x2": x * x}}, nil
}
