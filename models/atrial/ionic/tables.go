package ionic

import (
	"sync"
	"sync/atomic"
)

// maxTables bounds each model's cache of lookup tables. A table is about
// 1.2 MB (5001 rows of 28–30 terms); a process uses one time step, or a
// handful in a sweep over dt, so eight keys cover it while the memory
// stays bounded however many time steps a long-lived process sees.
const maxTables = 8

// tableCache holds read-only lookup tables of rows R by key K (the time
// step, and for ten Tusscher the cell type), at most maxTables of them:
// beyond that the oldest is dropped (kernels that hold it keep it). The
// list is replaced, never changed, so any number of goroutines share the
// tables, and a lookup that finds its table does not allocate. Its zero
// value is ready.
type tableCache[K comparable, R any] struct {
	list atomic.Pointer[[]tableEntry[K, R]]
	mu   sync.Mutex // held while building and adding a table
}

type tableEntry[K comparable, R any] struct {
	key  K
	rows []R
}

// get returns the table of key, built by build on the first call (and
// again after it was dropped). build must be deterministic, so that a
// rebuilt table equals the dropped one.
func (c *tableCache[K, R]) get(key K, build func() []R) []R {
	if rows, ok := c.find(key); ok {
		return rows
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if rows, ok := c.find(key); ok {
		return rows
	}
	var old []tableEntry[K, R]
	if l := c.list.Load(); l != nil {
		old = *l
	}
	if len(old) >= maxTables {
		old = old[len(old)-maxTables+1:]
	}
	rows := build()
	l := append(append([]tableEntry[K, R](nil), old...), tableEntry[K, R]{key, rows})
	c.list.Store(&l)
	return rows
}

func (c *tableCache[K, R]) find(key K) ([]R, bool) {
	if l := c.list.Load(); l != nil {
		for _, t := range *l {
			if t.key == key {
				return t.rows, true
			}
		}
	}
	return nil, false
}
