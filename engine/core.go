package engine

import "fmt"

// State is a run's state in the scheduler's core.
type State uint8

// Run states. Pending runs wait in the queue; Running runs are in flight.
const (
	Pending State = iota
	Running
	Done
	Failed
)

func (s State) String() string {
	return [...]string{"pending", "running", "done", "failed"}[s]
}

// Dispatch asks the driver to start attempt Attempt of run Index.
type Dispatch struct {
	Index   int
	Attempt int
}

// Verdict is the core's decision about a reported attempt.
type Verdict uint8

// The verdicts.
const (
	Record Verdict = iota + 1 // the run is done: record its outputs
	Retry                     // the attempt failed: the run goes back in the queue
	GiveUp                    // the run failed MaxAttempts times: record it as failed
	Ignore                    // a stale report (not the attempt in flight)
)

func (v Verdict) String() string {
	return [...]string{"", "record", "retry", "give-up", "ignore"}[v]
}

// Core is the scheduler's decision logic: a pure, deterministic state
// machine with no I/O, goroutines or clocks. The driver asks it what to
// dispatch next (Next) and tells it how attempts ended (Report); Core says
// what to record, what to retry and when to give up. Given the same calls
// it makes the same decisions, so it is tested by scripts (testdata/core).
//
// Runs are dispatched in index order; a retried run goes to the back of
// the queue, behind the runs never tried, so that one bad run does not
// hold up the study.
type Core struct {
	maxAttempts int
	state       []State
	attempts    []int // attempts ended (failed or done) per run
	queue       []int // pending runs in dispatch order (a FIFO over a slice)
	head        int
	inFlight    int
	done        int
	failed      int
}

// Prior is a run's state carried over from a ledger on resume.
type Prior struct {
	State    State // Pending, Done or Failed (Running is taken as Pending)
	Attempts int   // attempts that already ended
}

// NewCore returns the core for n runs that gives up on a run after
// maxAttempts failed attempts. prior, if not nil, holds each run's state
// from an earlier session (len(prior) == n).
func NewCore(n, maxAttempts int, prior []Prior) *Core {
	if maxAttempts < 1 {
		panic("engine: maxAttempts < 1")
	}
	if prior != nil && len(prior) != n {
		panic("engine: len(prior) != n")
	}
	c := &Core{maxAttempts: maxAttempts, state: make([]State, n), attempts: make([]int, n)}
	for i := 0; i < n; i++ {
		if prior != nil {
			c.attempts[i] = prior[i].Attempts
			switch prior[i].State {
			case Done:
				c.state[i] = Done
				c.done++
				continue
			case Failed:
				c.state[i] = Failed
				c.failed++
				continue
			}
		}
		c.queue = append(c.queue, i)
	}
	return c
}

// Next returns up to free dispatches, in queue order, and marks them Running.
func (c *Core) Next(free int) []Dispatch {
	var out []Dispatch
	for free > 0 && c.head < len(c.queue) {
		i := c.queue[c.head]
		c.head++
		c.state[i] = Running
		c.inFlight++
		out = append(out, Dispatch{Index: i, Attempt: c.attempts[i] + 1})
		free--
	}
	// Reclaim the consumed prefix now and then so the queue does not grow.
	if c.head > 1024 && c.head*2 > len(c.queue) {
		c.queue = append(c.queue[:0], c.queue[c.head:]...)
		c.head = 0
	}
	return out
}

// Report tells the core how attempt of run index ended: ok or not.
func (c *Core) Report(index, attempt int, ok bool) Verdict {
	if index < 0 || index >= len(c.state) || c.state[index] != Running || attempt != c.attempts[index]+1 {
		return Ignore
	}
	c.inFlight--
	c.attempts[index] = attempt
	if ok {
		c.state[index] = Done
		c.done++
		return Record
	}
	if attempt >= c.maxAttempts {
		c.state[index] = Failed
		c.failed++
		return GiveUp
	}
	c.state[index] = Pending
	c.queue = append(c.queue, index)
	return Retry
}

// Finished reports whether every run is done or failed.
func (c *Core) Finished() bool { return c.done+c.failed == len(c.state) }

// InFlight is the number of attempts dispatched and not yet reported.
func (c *Core) InFlight() int { return c.inFlight }

// Attempts returns how many attempts of run index have ended.
func (c *Core) Attempts(index int) int { return c.attempts[index] }

// State returns run index's state.
func (c *Core) State(index int) State { return c.state[index] }

// Counts returns the number of runs in each state.
func (c *Core) Counts() (pending, running, done, failed int) {
	running = c.inFlight
	return len(c.state) - running - c.done - c.failed, running, c.done, c.failed
}

func (c *Core) String() string {
	p, r, d, f := c.Counts()
	return fmt.Sprintf("pending=%d running=%d done=%d failed=%d", p, r, d, f)
}
