package workers

import (
	"context"
	"time"

	"github.com/mdtwin/mdtwin/models"
)

// Task is one attempt at one run.
type Task struct {
	Spec    models.RunSpec
	Attempt int // 1 for the first attempt
}

// Outcome is the end of one Task.
type Outcome struct {
	Index   int // Task.Spec.Index
	Attempt int // Task.Attempt
	Result  models.Result
	// Err is the run's failure: the model's error or the loss of its worker.
	Err error
	// Lost is set when the worker executing the task died or could not be
	// reached; the task itself may be fine and should be retried.
	Lost    bool
	Elapsed time.Duration // wall time spent in the model (or until the loss)
	Worker  string        // which worker ran it, for logs
}

// Backend executes tasks.
//
// The engine calls Start once, then Submit any number of times from one
// goroutine (never with more than Capacity tasks in flight), reads every
// Outcome from Outcomes, and finally calls Close. Close cancels work still
// running and releases workers; Outcomes may then be closed without
// delivering the cancelled tasks.
type Backend interface {
	// Name is "inproc", "plugin", … for logs and the manifest.
	Name() string
	// Start prepares the workers; ctx bounds the start-up only.
	Start(ctx context.Context) error
	// Capacity is how many tasks the engine may keep in flight.
	Capacity() int
	// Submit hands tasks over. It must not block for long.
	Submit(tasks ...Task)
	// Outcomes delivers one Outcome per submitted task.
	Outcomes() <-chan Outcome
	// Close stops the workers. It is safe to call more than once.
	Close() error
}

// Journal is a small key/value store that lives with the study (in its
// ledger), for backends that must find their work again after the
// scheduler restarts — the Slurm backend keeps its job ids there.
type Journal interface {
	Get(key string) (string, error) // "" when the key is absent
	Set(key, value string) error
}

// Journaled is a Backend that keeps state in the study's journal. The
// engine calls UseJournal after Start and before the first Submit.
type Journaled interface {
	Backend
	UseJournal(j Journal) error
}
