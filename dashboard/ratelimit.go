package dashboard

import (
	"sync"
	"time"
)

// failures counts the failed token attempts of each client address: an
// address with max failures within window is refused until window after
// its last failure, so that guessing a token costs days, not seconds. A
// success clears the address's count.
type failures struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	by     map[string]*attempts
}

type attempts struct {
	times []time.Time // the failures within the window, oldest first
}

// maxTracked bounds the addresses remembered; beyond it, those without a
// failure within the window are forgotten.
const maxTracked = 10000

func newFailures(max int, window time.Duration) *failures {
	return &failures{max: max, window: window, now: time.Now, by: map[string]*attempts{}}
}

// prune drops a's failures older than the window.
func (f *failures) prune(a *attempts, t time.Time) {
	i := 0
	for i < len(a.times) && t.Sub(a.times[i]) >= f.window {
		i++
	}
	a.times = a.times[i:]
}

// blocked returns how long addr must still wait (0: not blocked).
func (f *failures) blocked(addr string) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.by[addr]
	if a == nil {
		return 0
	}
	t := f.now()
	f.prune(a, t)
	if len(a.times) < f.max {
		return 0
	}
	return f.window - t.Sub(a.times[len(a.times)-1])
}

// fail records a failed attempt of addr.
func (f *failures) fail(addr string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.now()
	if len(f.by) >= maxTracked {
		for k, a := range f.by {
			if f.prune(a, t); len(a.times) == 0 {
				delete(f.by, k)
			}
		}
	}
	a := f.by[addr]
	if a == nil {
		a = &attempts{}
		f.by[addr] = a
	}
	f.prune(a, t)
	a.times = append(a.times, t)
	if len(a.times) > f.max {
		a.times = a.times[len(a.times)-f.max:]
	}
}

// succeed clears addr's failures.
func (f *failures) succeed(addr string) {
	f.mu.Lock()
	delete(f.by, addr)
	f.mu.Unlock()
}
