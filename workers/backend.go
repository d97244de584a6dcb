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
	// Timeout, when positive, bounds the run's wall time. A run that
	// exceeds it ends with TimedOut: its worker is stopped (the process
	// killed, or the goroutine abandoned) and replaced.
	Timeout time.Duration
	// Isolate asks for the run to be executed alone (not batched with
	// others in one call or process) because it was lost or timed out
	// before: should its worker die again, the loss is its own.
	Isolate bool
}

// Outcome is the end of one Task.
type Outcome struct {
	Index   int // Task.Spec.Index
	Attempt int // Task.Attempt
	Result  models.Result
	// Err is the run's failure: the model's error, its timeout or the
	// loss of its worker. models.IsBadInput(Err) marks a failure of the
	// run's input, which no retry can mend.
	Err error
	// Lost is set when the worker executing the task died or could not be
	// reached; the task itself may be fine and should be retried.
	Lost bool
	// TimedOut is set when the run exceeded Task.Timeout; its worker was
	// stopped and replaced.
	TimedOut bool
	Elapsed  time.Duration // wall time spent in the model (or until the loss)
	Worker   string        // which worker ran it, for logs
}

// Backend executes tasks.
//
// The engine calls Start once, then Submit any number of times from one
// goroutine (never with more than Capacity tasks in flight), reads every
// Outcome from Outcomes, and finally calls Close. Submit never waits for
// Outcomes to be read: the engine reads them on the goroutine that
// submits. Close cancels work still running and releases workers; it may
// be called from another goroutine (the engine does so when its context
// ends) and Outcomes may then be closed without delivering the cancelled
// tasks.
//
// A backend that can no longer run anything (a plugin binary that no
// longer starts) closes Outcomes before Close; Err then says why. Runs
// lost in the meantime are reported Lost, never as failures of the runs.
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
	// Err is why the backend closed Outcomes before Close was called;
	// nil otherwise.
	Err() error
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
