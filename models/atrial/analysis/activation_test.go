package analysis

import (
	"math"
	"slices"
	"testing"
)

// apTrain returns a potential (mV) at node i and time t (ms) shaped like a
// train of action potentials sweeping the nodes: a 1-ms upstroke from
// −80 to +20 mV, then an exponential decay back with time constant 60 ms,
// period 190 ms, shifted by 0.01 ms per node, with a per-node rest offset.
func apTrain(i int, t float64) float64 {
	rest := -80 + 0.5*float64(i%7)
	s := math.Mod(t+0.01*float64(i), 190)
	if s < 1 {
		return rest + 100*s
	}
	return rest + 100*math.Exp(-(s-1)/60)
}

// refRecord is the activation recorder's per-node rule as first written
// (before the pass was reordered for speed): the reference the faster pass
// must match bit for bit.
type refRecord struct {
	thr, frac float64
	rest      []float64
	prev      []float32
	peak      []float32
	up        []bool
	times     [][]float64
	apd       [][]float64
	t         float64
}

func (a *refRecord) record(t float64, v []float64) {
	t0, thr, frac := a.t, a.thr, a.frac
	for i := range v {
		x := v[i]
		x0 := float64(a.prev[i])
		if x0 < thr && x >= thr {
			tc := t0 + (thr-x0)/(x-x0)*(t-t0)
			a.times[i] = append(a.times[i], tc)
			a.up[i], a.peak[i] = true, float32(x)
		} else if a.up[i] {
			if float32(x) > a.peak[i] {
				a.peak[i] = float32(x)
			}
			rest := a.rest[i]
			level := rest + frac*(float64(a.peak[i])-rest)
			if x0 >= level && x < level {
				tc := t0 + (level-x0)/(x-x0)*(t-t0)
				lat := a.times[i]
				if len(lat) > 0 {
					a.apd[i] = append(a.apd[i], tc-lat[len(lat)-1])
				}
				a.up[i] = false
			}
		}
		a.prev[i] = float32(x)
	}
	a.t = t
}

// TestActivationsMatchReference: the recorder's LATs, APDs and state after
// 600 ms of a synthetic AP train on 1,000 nodes (rest per node, every
// phase of the AP at every step, and a NaN now and then) are bit-identical
// to the reference rule's, serially and split into ranges.
func TestActivationsMatchReference(t *testing.T) {
	const n, dt = 1000, 0.025
	v := make([]float64, n)
	fill := func(tm float64) {
		for i := range v {
			v[i] = apTrain(i, tm)
		}
	}
	rest := make([]float64, n)
	for i := range rest {
		rest[i] = -80 + 0.5*float64(i%7)
	}
	fill(0)
	ref := &refRecord{thr: -10, frac: 0.1, rest: rest, prev: make([]float32, n), peak: make([]float32, n),
		up: make([]bool, n), times: make([][]float64, n), apd: make([][]float64, n)}
	for i, x := range v {
		ref.prev[i], ref.peak[i], ref.up[i] = float32(x), float32(x), x >= -10
	}
	serial := NewActivations(n, -80, -10, 0.9)
	split := NewActivations(n, -80, -10, 0.9)
	serial.RestAt, split.RestAt = rest, rest
	serial.Record(0, v)
	split.Record(0, v)
	par := func(fn func(lo, hi int)) { fn(0, 345); fn(345, 999); fn(999, n) }
	for k := 1; k <= int(600/dt); k++ {
		tm := float64(k) * dt
		fill(tm)
		if k%997 < 2 { // a NaN now and then, for two steps, at a few nodes
			v[k%n], v[(7*k)%n] = math.NaN(), math.NaN()
		}
		ref.record(tm, v)
		serial.Record(tm, v)
		split.RecordWith(tm, v, par)
	}
	acts := 0
	for i := range n {
		acts += len(ref.times[i])
		for _, a := range []*Activations{serial, split} {
			if !slices.Equal(a.Times[i], ref.times[i]) || !slices.Equal(a.APD[i], ref.apd[i]) ||
				a.prev[i] != ref.prev[i] || a.peak[i] != ref.peak[i] || a.up[i] != ref.up[i] {
				t.Fatalf("node %d: LAT %v APD %v (peak %v up %v), reference %v %v (%v %v)", i,
					a.Times[i], a.APD[i], a.peak[i], a.up[i], ref.times[i], ref.apd[i], ref.peak[i], ref.up[i])
			}
		}
	}
	if acts < 5*n/2 { // 600 ms at a 190-ms period: 3.2 beats per node on average
		t.Fatalf("%d activations on %d nodes; the train should give ≥ 2.5 per node", acts, n)
	}
}

// BenchmarkActivationsRecord: one Record of 94,338 nodes (the AF
// benchmark's atrium) in a fibrillation-like state — every phase of the
// action potential present at once — by the recorder and by the reference
// rule as first written (for an A/B in one binary); ns/node is per node
// and step.
func BenchmarkActivationsRecord(b *testing.B) {
	const n, dt = 94338, 0.025
	frames := make([][]float64, 64)
	for k := range frames {
		frames[k] = make([]float64, n)
		for i := range n {
			frames[k][i] = apTrain(i*37, float64(k)*dt)
		}
	}
	rest := make([]float64, n)
	for i := range rest {
		rest[i] = -80
	}
	b.Run("recorder", func(b *testing.B) {
		a := NewActivations(n, -80, -10, 0.9)
		a.RestAt = rest
		a.Record(0, frames[0])
		benchRecord(b, n, func(k int) {
			a.Record(float64(k)*dt, frames[k%len(frames)])
		}, a.Times, a.APD)
	})
	b.Run("reference", func(b *testing.B) {
		a := &refRecord{thr: -10, frac: 0.1, rest: rest, prev: make([]float32, n), peak: make([]float32, n),
			up: make([]bool, n), times: make([][]float64, n), apd: make([][]float64, n)}
		for i, x := range frames[0] {
			a.prev[i], a.peak[i], a.up[i] = float32(x), float32(x), x >= -10
		}
		benchRecord(b, n, func(k int) {
			a.record(float64(k)*dt, frames[k%len(frames)])
		}, a.times, a.apd)
	})
}

func benchRecord(b *testing.B, n int, record func(k int), times, apd [][]float64) {
	k := 0
	b.ReportAllocs()
	for b.Loop() {
		k++
		record(k)
		if k%64 == 63 { // the frames wrap: drop the history
			for i := range times {
				times[i], apd[i] = times[i][:0], apd[i][:0]
			}
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(n), "ns/node")
}

// TestActivationsNaNInUpstroke: a NaN in the upstroke, then a potential
// above the peak — the peak still follows it (the plain rule), so the
// repolarisation level and the APD are those of the reference.
func TestActivationsNaNInUpstroke(t *testing.T) {
	seq := []float64{-80, 0, 10, math.NaN(), 15, 15, 5, -20, -50, -65, -75, -80}
	a := NewActivations(1, -80, -10, 0.9)
	ref := &refRecord{thr: -10, frac: 0.1, rest: []float64{-80}, prev: []float32{-80}, peak: []float32{-80},
		up: []bool{false}, times: make([][]float64, 1), apd: make([][]float64, 1)}
	a.Record(0, seq[:1])
	for k, x := range seq[1:] {
		a.Record(float64(k+1), []float64{x})
		ref.record(float64(k+1), []float64{x})
	}
	if !slices.Equal(a.Times[0], ref.times[0]) || !slices.Equal(a.APD[0], ref.apd[0]) || a.peak[0] != 15 || len(a.APD[0]) != 1 {
		t.Fatalf("LAT %v APD %v peak %v; reference %v %v peak 15", a.Times[0], a.APD[0], a.peak[0], ref.times[0], ref.apd[0])
	}
}
