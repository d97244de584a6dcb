package engine

import (
	"container/heap"
	"fmt"
	"time"
)

// State is a run's state in the scheduler's core.
type State uint8

// Run states. Pending runs wait in the queue (or for their backoff to pass);
// Running runs are in flight.
const (
	Pending State = iota
	Running
	Done
	Failed
)

func (s State) String() string {
	return [...]string{"pending", "running", "done", "failed"}[s]
}

// End is how an attempt ended, as the driver reports it.
type End uint8

// The ends of an attempt. Errors and timeouts are charged to the run: after
// MaxAttempts of them it fails. A loss is not the run's fault (its worker
// died, its node was lost): it is retried after a backoff, and only a run
// lost MaxLost times — the last times running alone — fails. A rejected run
// (bad input) fails at once: no retry can mend it.
const (
	Succeeded End = iota + 1 // the model returned its outputs
	Errored                  // the model returned an error
	Rejected                 // the model rejected the run's input (models.IsBadInput)
	TimedOut                 // the run exceeded its timeout; its worker was stopped
	Lost                     // the worker died or could not be reached
)

func (e End) String() string {
	return [...]string{"", "ok", "error", "bad_input", "timeout", "lost"}[e]
}

// Charged reports whether the end counts against the run's MaxAttempts.
func (e End) Charged() bool { return e == Errored || e == TimedOut }

// Dispatch asks the driver to start attempt Attempt of run Index.
type Dispatch struct {
	Index   int
	Attempt int
	// Isolate: the run was lost or timed out before; run it alone.
	Isolate bool
}

// Verdict is the core's decision about a reported attempt.
type Verdict uint8

// The verdicts.
const (
	Record Verdict = iota + 1 // the run is done: record its outputs
	Retry                     // the attempt failed or was lost: the run goes back in the queue
	GiveUp                    // the run failed: record it as failed
	Ignore                    // a stale report (not the attempt in flight)
)

func (v Verdict) String() string {
	return [...]string{"", "record", "retry", "give-up", "ignore"}[v]
}

// Limits bound the attempts of a run.
type Limits struct {
	// MaxAttempts is how many charged attempts (model errors and timeouts)
	// a run gets before it fails; ≥ 1.
	MaxAttempts int
	// MaxLost is how many times a run may be lost before it fails (a run
	// whose worker dies every time it runs it, alone); ≤ 0: DefaultMaxLost.
	MaxLost int
}

// DefaultMaxLost is Limits.MaxLost when not set.
const DefaultMaxLost = 5

// LostBackoff is how long a run lost n times (n ≥ 1) waits before it is
// dispatched again: 100 ms, doubling with each loss, at most 5 s. The wait
// gives a crashed worker time to be replaced and a lost node time to leave
// the queue, without holding the study up.
func LostBackoff(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return min(5*time.Second, 100*time.Millisecond<<min(n-1, 10))
}

// Core is the scheduler's decision logic: a pure, deterministic state
// machine with no I/O, goroutines or clocks. The driver asks it what to
// dispatch next (Next) and tells it how attempts ended (Report); Core says
// what to record, what to retry and when to give up. Time enters only as
// the driver's now, an offset from the study's start, so that given the
// same calls it makes the same decisions: it is tested by scripts
// (testdata/core).
//
// Runs are dispatched in index order; a retried run goes to the back of
// the queue, behind the runs never tried, so that one bad run does not
// hold up the study; a lost run waits out its backoff (LostBackoff) first.
//
// Per run it keeps a few bytes (state, counters, a queue slot), so a
// study of millions of runs fits in memory.
type Core struct {
	limits   Limits
	state    []State
	attempts []int32  // attempts ended (of every kind) per run
	charged  []uint16 // charged ends since the run's budget was last reset
	lost     []uint16 // losses since the budget was last reset
	isolate  []bool   // lost or timed out before: dispatch alone
	queue    []int32  // pending runs in dispatch order (a FIFO over a slice)
	head     int
	waiting  wakeHeap // lost runs waiting for their backoff
	inFlight int
	done     int
	failed   int
}

// Prior is a run's state carried over from a ledger on resume.
type Prior struct {
	State    State // Pending, Done or Failed (Running is taken as Pending)
	Attempts int   // attempts that already ended
	Charged  int   // of which errors and timeouts (since the last reset)
	Lost     int   // of which losses (since the last reset)
}

// NewCore returns the core for n runs with the given limits. prior, if not
// nil, holds each run's state from an earlier session (len(prior) == n).
func NewCore(n int, limits Limits, prior []Prior) *Core {
	if limits.MaxAttempts < 1 {
		panic("engine: MaxAttempts < 1")
	}
	if limits.MaxLost <= 0 {
		limits.MaxLost = DefaultMaxLost
	}
	if prior != nil && len(prior) != n {
		panic("engine: len(prior) != n")
	}
	c := &Core{limits: limits, state: make([]State, n), attempts: make([]int32, n),
		charged: make([]uint16, n), lost: make([]uint16, n), isolate: make([]bool, n)}
	for i := 0; i < n; i++ {
		if prior != nil {
			p := prior[i]
			c.attempts[i] = int32(p.Attempts)
			c.charged[i] = uint16(min(p.Charged, 1<<16-1))
			c.lost[i] = uint16(min(p.Lost, 1<<16-1))
			c.isolate[i] = p.Lost > 0
			switch p.State {
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
		c.queue = append(c.queue, int32(i))
	}
	return c
}

// Next returns up to free dispatches, in queue order, and marks them
// Running. Lost runs whose backoff has passed by now join the queue first.
func (c *Core) Next(free int, now time.Duration) []Dispatch {
	c.wake(now)
	var out []Dispatch
	for free > 0 && c.head < len(c.queue) {
		i := int(c.queue[c.head])
		c.head++
		c.state[i] = Running
		c.inFlight++
		out = append(out, Dispatch{Index: i, Attempt: int(c.attempts[i]) + 1, Isolate: c.isolate[i]})
		free--
	}
	// Reclaim the consumed prefix now and then so the queue does not grow.
	if c.head > 1024 && c.head*2 > len(c.queue) {
		c.queue = append(c.queue[:0], c.queue[c.head:]...)
		c.head = 0
	}
	return out
}

// wake moves the lost runs whose backoff ended by now to the queue, in
// order of their wake time, then index.
func (c *Core) wake(now time.Duration) {
	for len(c.waiting) > 0 && c.waiting[0].at <= now {
		w := heap.Pop(&c.waiting).(wakeAt)
		c.queue = append(c.queue, w.index)
	}
}

// NextWake returns when the earliest lost run's backoff ends, if any run
// waits.
func (c *Core) NextWake() (time.Duration, bool) {
	if len(c.waiting) == 0 {
		return 0, false
	}
	return c.waiting[0].at, true
}

// Report tells the core how attempt of run index ended, at now.
func (c *Core) Report(index, attempt int, end End, now time.Duration) Verdict {
	if index < 0 || index >= len(c.state) || c.state[index] != Running || attempt != int(c.attempts[index])+1 {
		return Ignore
	}
	c.inFlight--
	c.attempts[index] = int32(attempt)
	switch end {
	case Succeeded:
		c.state[index] = Done
		c.done++
		return Record
	case Rejected:
		return c.fail(index)
	case Lost:
		c.lost[index]++
		c.isolate[index] = true
		if int(c.lost[index]) >= c.limits.MaxLost {
			return c.fail(index)
		}
		c.state[index] = Pending
		heap.Push(&c.waiting, wakeAt{at: now + LostBackoff(int(c.lost[index])), index: int32(index)})
		return Retry
	case TimedOut:
		c.isolate[index] = true
	case Errored:
	default:
		panic(fmt.Sprintf("engine: unknown end %d", end))
	}
	c.charged[index]++
	if int(c.charged[index]) >= c.limits.MaxAttempts {
		return c.fail(index)
	}
	c.state[index] = Pending
	c.queue = append(c.queue, int32(index))
	return Retry
}

func (c *Core) fail(index int) Verdict {
	c.state[index] = Failed
	c.failed++
	return GiveUp
}

// Finished reports whether every run is done or failed.
func (c *Core) Finished() bool { return c.done+c.failed == len(c.state) }

// InFlight is the number of attempts dispatched and not yet reported.
func (c *Core) InFlight() int { return c.inFlight }

// Attempts returns how many attempts of run index have ended.
func (c *Core) Attempts(index int) int { return int(c.attempts[index]) }

// Lost returns how many times run index was lost since its budget was
// last reset.
func (c *Core) Lost(index int) int { return int(c.lost[index]) }

// State returns run index's state.
func (c *Core) State(index int) State { return c.state[index] }

// Len is the number of runs.
func (c *Core) Len() int { return len(c.state) }

// Counts returns the number of runs in each state.
func (c *Core) Counts() (pending, running, done, failed int) {
	running = c.inFlight
	return len(c.state) - running - c.done - c.failed, running, c.done, c.failed
}

func (c *Core) String() string {
	p, r, d, f := c.Counts()
	return fmt.Sprintf("pending=%d running=%d done=%d failed=%d", p, r, d, f)
}

// wakeAt is a lost run waiting until at.
type wakeAt struct {
	at    time.Duration
	index int32
}

// wakeHeap orders waiting runs by wake time, then index: deterministic.
type wakeHeap []wakeAt

func (h wakeHeap) Len() int { return len(h) }
func (h wakeHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].index < h[j].index
}
func (h wakeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *wakeHeap) Push(x any)   { *h = append(*h, x.(wakeAt)) }
func (h *wakeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
