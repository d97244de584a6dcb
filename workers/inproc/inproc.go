// Package inproc is the in-process Backend: a pool of goroutines (a
// sourcegraph/conc pool) calling the model directly. It is the fastest
// backend and the reference the others must match byte for byte.
package inproc

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/workers"
)

// Backend runs tasks on Workers goroutines.
type Backend struct {
	model    models.Model
	workers  int
	tasks    chan workers.Task
	outcomes chan workers.Outcome
	pool     *pool.ContextPool
	cancel   context.CancelFunc
	once     sync.Once
}

var _ workers.Backend = (*Backend)(nil)

// New returns a backend running m on n goroutines (n ≤ 0: one per CPU).
func New(m models.Model, n int) *Backend {
	if n <= 0 {
		n = runtime.NumCPU()
	}
	return &Backend{model: m, workers: n}
}

// Name returns "inproc".
func (b *Backend) Name() string { return "inproc" }

// Capacity is twice the number of workers, so no worker waits for the engine.
func (b *Backend) Capacity() int { return 2 * b.workers }

// Start starts the worker goroutines.
func (b *Backend) Start(context.Context) error {
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	b.tasks = make(chan workers.Task, b.Capacity())
	b.outcomes = make(chan workers.Outcome, b.Capacity())
	b.pool = pool.New().WithContext(ctx)
	for w := 0; w < b.workers; w++ {
		name := fmt.Sprintf("inproc-%d", w)
		b.pool.Go(func(ctx context.Context) error {
			for {
				select {
				case <-ctx.Done():
					return nil
				case t := <-b.tasks:
					b.outcomes <- b.execute(ctx, t, name)
				}
			}
		})
	}
	return nil
}

// execute runs one task, turning a panic of the model into a run failure.
// A task with a timeout runs under a context with that deadline; a model
// that has not returned a grace period after it is abandoned: its
// goroutine runs on unobserved (a goroutine cannot be killed; models that
// may hang belong on the plugin backend, whose processes can be) and the
// worker takes the next task.
func (b *Backend) execute(ctx context.Context, t workers.Task, worker string) workers.Outcome {
	if t.Timeout <= 0 {
		return b.call(ctx, t, worker)
	}
	runCtx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	end := make(chan workers.Outcome, 1) // buffered: an abandoned run never blocks
	go func() { end <- b.call(runCtx, t, worker) }()
	grace := time.NewTimer(t.Timeout + TimeoutGrace)
	defer grace.Stop()
	select {
	case o := <-end:
		if o.Err != nil && errors.Is(runCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			o.TimedOut = true
			o.Err = fmt.Errorf("run %s timed out after %s: %w", t.Spec.RunID, t.Timeout, o.Err)
		}
		return o
	case <-grace.C:
		return workers.Outcome{Index: t.Spec.Index, Attempt: t.Attempt, Worker: worker, TimedOut: true,
			Elapsed: t.Timeout + TimeoutGrace,
			Err: fmt.Errorf("run %s timed out after %s and ignored its cancellation; its goroutine was abandoned (run models that may hang on the plugin backend)",
				t.Spec.RunID, t.Timeout)}
	case <-ctx.Done():
		return workers.Outcome{Index: t.Spec.Index, Attempt: t.Attempt, Worker: worker, Err: ctx.Err()}
	}
}

// TimeoutGrace is how long past its timeout a run's goroutine is waited
// for (to return its context's error) before it is abandoned.
const TimeoutGrace = time.Second

// call runs the model once, turning a panic into a run failure.
func (b *Backend) call(ctx context.Context, t workers.Task, worker string) (o workers.Outcome) {
	o = workers.Outcome{Index: t.Spec.Index, Attempt: t.Attempt, Worker: worker}
	start := time.Now()
	defer func() {
		o.Elapsed = time.Since(start)
		if r := recover(); r != nil {
			o.Err = fmt.Errorf("model %s panicked: %v\n%s", t.Spec.Model, r, debug.Stack())
		}
	}()
	o.Result, o.Err = b.model.Run(ctx, t.Spec, nil)
	return o
}

// Submit queues tasks; the engine never exceeds Capacity, so it does not block.
func (b *Backend) Submit(tasks ...workers.Task) {
	for _, t := range tasks {
		b.tasks <- t
	}
}

// Outcomes delivers the outcomes.
func (b *Backend) Outcomes() <-chan workers.Outcome { return b.outcomes }

// Err is always nil: goroutines do not fail to start.
func (b *Backend) Err() error { return nil }

// Close cancels running tasks and waits for the workers to stop.
func (b *Backend) Close() error {
	b.once.Do(func() {
		if b.cancel == nil {
			return
		}
		b.cancel()
		// Workers blocked on a full outcome channel must be able to finish.
		done := make(chan struct{})
		go func() {
			for {
				select {
				case <-b.outcomes:
				case <-done:
					return
				}
			}
		}()
		_ = b.pool.Wait()
		close(done)
	})
	return nil
}
