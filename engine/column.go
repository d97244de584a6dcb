package engine

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"io"
	"math"
	"os"
	"slices"
)

// chunkValues is how many values a column keeps in memory before it sorts
// them and spills them to disk: 512 KiB per output.
const chunkValues = 1 << 16

// column collects the finite values of one output over a study and gives
// them back in ascending order, so that summaries need constant memory
// however many runs a study has: beyond chunkValues values it writes
// sorted chunks to a temporary file and merges them when read (an external
// merge sort). The values come back in exactly the order sort.Float64s
// gives, so sums over them are the same to the last bit.
type column struct {
	dir       string // where the spill file goes
	buf       []float64
	file      *os.File
	chunks    []chunk // sorted runs in file
	n         int     // finite values
	nonFinite int
}

type chunk struct{ off, n int64 }

func newColumn(dir string) *column { return &column{dir: dir} }

// add takes one value; NaN and infinities are only counted.
func (c *column) add(x float64) error {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		c.nonFinite++
		return nil
	}
	c.n++
	c.buf = append(c.buf, x)
	if len(c.buf) == chunkValues {
		return c.spill()
	}
	return nil
}

// spill writes the sorted buffer to the column's file as one chunk.
func (c *column) spill() error {
	if c.file == nil {
		f, err := os.CreateTemp(c.dir, ".summary-*.tmp")
		if err != nil {
			return err
		}
		os.Remove(f.Name()) // the open file lives on, unnamed, until closed
		c.file = f
	}
	slices.Sort(c.buf)
	off, err := c.file.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(c.file, 1<<16)
	var b [8]byte
	for _, x := range c.buf {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
		w.Write(b[:])
	}
	if err := w.Flush(); err != nil {
		return err
	}
	c.chunks = append(c.chunks, chunk{off: off, n: int64(len(c.buf))})
	c.buf = c.buf[:0]
	return nil
}

// each calls fn with every finite value in ascending order.
func (c *column) each(fn func(float64)) error {
	slices.Sort(c.buf)
	if len(c.chunks) == 0 {
		for _, x := range c.buf {
			fn(x)
		}
		return nil
	}
	h := &mergeHeap{}
	for _, ch := range c.chunks {
		r := &chunkReader{r: bufio.NewReaderSize(io.NewSectionReader(c.file, ch.off, ch.n*8), 1<<15), left: ch.n}
		if ok, err := r.next(); err != nil {
			return err
		} else if ok {
			h.items = append(h.items, r)
		}
	}
	if len(c.buf) > 0 {
		r := &chunkReader{mem: c.buf, left: int64(len(c.buf))}
		r.next()
		h.items = append(h.items, r)
	}
	heap.Init(h)
	for h.Len() > 0 {
		r := h.items[0]
		fn(r.head)
		ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	return nil
}

// close releases the spill file.
func (c *column) close() {
	if c.file != nil {
		c.file.Close()
		c.file = nil
	}
}

// summary computes the output's summary exactly as summarise does on the
// same values, in two ascending passes.
func (c *column) summary() (OutputSummary, error) {
	s := OutputSummary{N: c.n, NonFinite: c.nonFinite}
	if c.n == 0 {
		return s, nil
	}
	probs := [3]float64{0.05, 0.5, 0.95}
	var at [3]int         // rank of the lower order statistic of each quantile
	var lo, hi [3]float64 // the order statistics at at[k] and at[k]+1
	for k, p := range probs {
		at[k] = int(math.Floor(p * float64(c.n-1)))
	}
	var sum, first, last float64
	i := 0
	err := c.each(func(x float64) {
		if i == 0 {
			first = x
		}
		last = x
		sum += x
		for k := range at {
			if i == at[k] {
				lo[k] = x
			}
			if i == at[k]+1 {
				hi[k] = x
			}
		}
		i++
	})
	if err != nil {
		return s, err
	}
	mean := sum / float64(c.n)
	var ss float64
	if err := c.each(func(x float64) { ss += (x - mean) * (x - mean) }); err != nil {
		return s, err
	}
	f := func(v float64) *float64 { return &v }
	s.Mean, s.Min, s.Max = f(mean), f(first), f(last)
	if c.n > 1 {
		s.SD = f(math.Sqrt(ss / float64(c.n-1)))
	}
	q := func(k int) *float64 {
		h := probs[k] * float64(c.n-1)
		if at[k]+1 >= c.n {
			return f(last)
		}
		return f(lo[k] + (h-math.Floor(h))*(hi[k]-lo[k]))
	}
	s.P05, s.Median, s.P95 = q(0), q(1), q(2)
	return s, nil
}

// chunkReader reads one sorted chunk, from the spill file or memory.
type chunkReader struct {
	r    *bufio.Reader
	mem  []float64
	left int64
	head float64
}

func (r *chunkReader) next() (bool, error) {
	if r.left == 0 {
		return false, nil
	}
	r.left--
	if r.r == nil {
		r.head, r.mem = r.mem[0], r.mem[1:]
		return true, nil
	}
	var b [8]byte
	if _, err := io.ReadFull(r.r, b[:]); err != nil {
		return false, err
	}
	r.head = math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
	return true, nil
}

type mergeHeap struct{ items []*chunkReader }

func (h *mergeHeap) Len() int           { return len(h.items) }
func (h *mergeHeap) Less(i, j int) bool { return h.items[i].head < h.items[j].head }
func (h *mergeHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *mergeHeap) Push(x any)         { h.items = append(h.items, x.(*chunkReader)) }
func (h *mergeHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
