package tissue

import "sync"

// pool is a set of persistent goroutines that each run worker k's share of
// a task. It holds no reference to the Monodomain, whose cleanup stops it.
type pool struct {
	tasks []chan func(int) // worker k+1's task channel
	wg    sync.WaitGroup
}

func newPool(workers int) *pool {
	p := &pool{tasks: make([]chan func(int), workers-1)}
	for k := range p.tasks {
		ch := make(chan func(int))
		p.tasks[k] = ch
		go func() {
			for fn := range ch {
				fn(k + 1)
				p.wg.Done()
			}
		}()
	}
	return p
}

// run calls fn(0) on the caller's goroutine and fn(k) on worker k, and
// returns when all are done.
func (p *pool) run(fn func(int)) {
	p.wg.Add(len(p.tasks))
	for _, ch := range p.tasks {
		ch <- fn
	}
	fn(0)
	p.wg.Wait()
}

func (p *pool) stop() {
	for _, ch := range p.tasks {
		close(ch)
	}
}
