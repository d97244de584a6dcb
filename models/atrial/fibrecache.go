package atrial

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"math"
	"slices"
	"sync"

	"github.com/mdtwin/mdtwin/mesh"
)

// ruleBasedCache holds the rule-based fibres of the last few meshes and
// landmarks this process computed, so that the runs of a study on one
// mesh (an OPTIMA round's pacing sites, a sweep, replicates) in one worker
// solve the three Laplace problems once.
var ruleBasedCache = &ldrbCache{limit: 4, compute: RuleBasedFibres}

// ldrbCache is a bounded, concurrency-safe cache of RuleBasedFibres keyed
// by everything the function reads: the mesh's kind, points and cells
// (not its fibres, regions or fields: the Laplace problems are isotropic)
// and the landmarks. The rule's own constants are part of the program, so
// one process never sees them change. A hit returns a copy of the
// computed value, so the numbers are those of a fresh computation and no
// two runs share a slice.
type ldrbCache struct {
	limit   int // most entries kept, the least recently used dropped first
	compute func(*mesh.Mesh, LandmarksInput) (*LDRB, error)

	mu      sync.Mutex
	entries []*ldrbEntry // least recently used first
}

// ldrbEntry is one key's computation; done is closed when f and err are
// set, so that runs asking for a key being computed wait for it.
type ldrbEntry struct {
	key  [sha256.Size]byte
	done chan struct{}
	f    *LDRB
	err  error
}

// get returns the rule-based fibres of m with landmarks lm, computing
// them unless an entry of the same key is kept (or being computed). A
// failed computation is returned to the runs that asked for it and not
// kept; one that panics panics in the run that computed it, and the runs
// waiting for it get an error.
func (c *ldrbCache) get(m *mesh.Mesh, lm LandmarksInput) (*LDRB, error) {
	key := ldrbKey(m, lm)
	c.mu.Lock()
	if i := slices.IndexFunc(c.entries, func(e *ldrbEntry) bool { return e.key == key }); i >= 0 {
		e := c.entries[i]
		c.entries = append(slices.Delete(c.entries, i, i+1), e)
		c.mu.Unlock()
		<-e.done
		if e.err != nil {
			return nil, e.err
		}
		return e.f.clone(), nil
	}
	e := &ldrbEntry{key: key, done: make(chan struct{})}
	c.entries = append(c.entries, e)
	if len(c.entries) > c.limit {
		c.entries = slices.Delete(c.entries, 0, len(c.entries)-c.limit)
	}
	c.mu.Unlock()
	finished := false
	defer func() {
		if !finished { // compute panicked: the waiting runs get an error
			e.err = errors.New("atrial: rule-based fibres: the computation panicked")
		}
		if e.err != nil {
			c.mu.Lock()
			c.entries = slices.DeleteFunc(c.entries, func(x *ldrbEntry) bool { return x == e })
			c.mu.Unlock()
		}
		close(e.done)
	}()
	e.f, e.err = c.compute(m, lm)
	finished = true
	if e.err != nil {
		return nil, e.err
	}
	return e.f.clone(), nil
}

// ldrbKey is the SHA-256 of what RuleBasedFibres reads: m's kind, points
// and cells, and lm (each optional point marked present or absent).
func ldrbKey(m *mesh.Mesh, lm LandmarksInput) [sha256.Size]byte {
	w := keyWriter{h: sha256.New(), buf: make([]byte, 0, 1<<15)}
	w.str("atrial rule-based fibres")
	w.u64(uint64(m.Kind))
	w.u64(uint64(len(m.Points)))
	for _, p := range m.Points {
		w.vec(p)
	}
	w.u64(uint64(len(m.Cells)))
	for _, c := range m.Cells {
		w.u64(uint64(c))
	}
	for _, p := range []*[3]float64{lm.LAA, lm.Mitral} {
		w.u64(boolBit(p != nil))
		if p != nil {
			w.vec(*p)
		}
	}
	w.u64(uint64(len(lm.Veins)))
	for _, p := range lm.Veins {
		w.vec(p)
	}
	var key [sha256.Size]byte
	w.flush()
	w.h.Sum(key[:0])
	return key
}

// keyWriter feeds a hash through a buffer (one Write per 32 KB rather
// than per value).
type keyWriter struct {
	h   hash.Hash
	buf []byte
}

func (w *keyWriter) u64(x uint64) {
	if len(w.buf)+8 > cap(w.buf) {
		w.flush()
	}
	w.buf = binary.LittleEndian.AppendUint64(w.buf, x)
}

func (w *keyWriter) vec(p [3]float64) {
	for _, x := range p {
		w.u64(math.Float64bits(x))
	}
}

func (w *keyWriter) str(s string) {
	w.u64(uint64(len(s)))
	w.flush()
	w.h.Write([]byte(s))
}

func (w *keyWriter) flush() {
	w.h.Write(w.buf)
	w.buf = w.buf[:0]
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// clone returns a copy of f that shares no slice with it.
func (f *LDRB) clone() *LDRB {
	g := *f
	g.Fibres = slices.Clone(f.Fibres)
	g.AB, g.V, g.R = slices.Clone(f.AB), slices.Clone(f.V), slices.Clone(f.R)
	g.Region = slices.Clone(f.Region)
	return &g
}
