package engine

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// A column summarises its values exactly as summarise does on them all in
// memory (the reference: a sort and sums in ascending order), whether it
// keeps them in memory or spills sorted chunks to disk and merges them.
func TestColumnSummaryMatchesInMemory(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 5, chunkValues - 1, chunkValues, 3*chunkValues + 17} {
		c := newColumn(t.TempDir())
		xs := make([]float64, 0, n)
		for i := range n {
			x := rng.NormFloat64()*1e3 + float64(i%7)
			switch i % 97 {
			case 13:
				x = math.NaN()
			case 14:
				x = math.Inf(1)
			case 15:
				x = 0.1 // ties
			}
			xs = append(xs, x)
			if err := c.add(x); err != nil {
				t.Fatal(err)
			}
		}
		got, err := c.summary()
		if err != nil {
			t.Fatal(err)
		}
		c.close()
		want := summarise(xs)
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("n=%d: column summary\n%s\nwant (in memory)\n%s", n, g, w)
		}
		if n > chunkValues && len(c.chunks) == 0 {
			t.Errorf("n=%d: nothing was spilled", n)
		}
	}
}
