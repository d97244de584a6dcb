package inproc

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/workers"
)

// square returns x² and panics when asked to.
type square struct{}

func (square) Describe() models.Descriptor {
	return models.Descriptor{Name: "square", Version: "1",
		Params:  []models.Param{{Name: "x", Kind: models.Float, Default: 0.0}},
		Outputs: []models.Output{{Name: "y"}}}
}

func (square) Run(ctx context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	x := spec.Params.Float("x")
	switch x {
	case -1:
		panic("negative one")
	case -2:
		<-ctx.Done()
		return models.Result{}, ctx.Err()
	}
	return models.Result{Scalars: map[string]float64{"y": x * x}}, nil
}

func task(i int, x float64) workers.Task {
	return workers.Task{Attempt: 1, Spec: models.RunSpec{Index: i, Model: "square", Params: models.Params{"x": x}}}
}

func TestOutcomesAndPanics(t *testing.T) {
	b := New(square{}, 3)
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.Submit(task(0, 3), task(1, -1), task(2, 4))
	got := map[int]workers.Outcome{}
	for range 3 {
		o := <-b.Outcomes()
		got[o.Index] = o
	}
	if got[0].Result.Scalars["y"] != 9 || got[2].Result.Scalars["y"] != 16 {
		t.Errorf("outcomes %+v", got)
	}
	if err := got[1].Err; err == nil || !strings.HasPrefix(err.Error(), "model square panicked: negative one") {
		t.Errorf("a panic must become the run's error, got %v", err)
	}
}

func TestCloseCancelsRunningTasks(t *testing.T) {
	b := New(square{}, 2)
	b.Start(context.Background())
	b.Submit(task(0, -2), task(1, -2), task(2, -2), task(3, -2))
	done := make(chan struct{})
	go func() { b.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return: running tasks were not cancelled")
	}
}
