package brain

import (
	"math"
	"sort"
)

// Detector finds seizures in a region's ictal variable (x1 for the
// Epileptor) by threshold crossing with hysteresis: the signal, smoothed by
// a moving average over Window samples, crosses On upwards at a seizure's
// onset and later falls below Off (< On) at its offset. The gap between On
// and Off keeps the fast ictal oscillations from splitting a seizure.
//
// For the Epileptor, x1 rests on the left branch (≈ −1.6 in a healthy
// region, ≥ −2 at the end of a seizure) and jumps to the right branch
// (10 ms means of 0 to 0.5) during a seizure; On = −0.5 and Off = −1 sit
// between the two.
type Detector struct {
	On, Off float64
	Window  int // samples of the moving average, ≥ 1
}

// Seizure is one seizure of one region, times in ms. Offset is NaN when the
// seizure lasts to the end of the recording.
type Seizure struct {
	Onset, Offset float64
}

// Detect returns the seizures of each of n regions in sample-major values
// sampled at times.
func (d Detector) Detect(times, values []float64, n int) [][]Seizure {
	o := d.Online(n)
	for s, t := range times {
		o.Add(t, values[s*n:(s+1)*n])
	}
	return o.Seizures()
}

// OnlineDetector is Detector applied sample by sample as a simulation runs:
// it keeps the last Window samples of each region, not the recording, and
// finds the same seizures as Detect on the whole recording (the same sums in
// the same order).
type OnlineDetector struct {
	d    Detector
	n, w int
	last []float64 // ring of the last w samples, sample-major
	sum  []float64
	in   []bool
	ns   int
	out  [][]Seizure
}

// Online returns a streaming detector for n regions.
func (d Detector) Online(n int) *OnlineDetector {
	w := max(d.Window, 1)
	return &OnlineDetector{d: d, n: n, w: w, last: make([]float64, w*n), sum: make([]float64, n), in: make([]bool, n), out: make([][]Seizure, n)}
}

// Add takes the sample of the n regions at time t (ms).
func (o *OnlineDetector) Add(t float64, values []float64) {
	n, w := o.n, o.w
	slot := o.last[(o.ns%w)*n : (o.ns%w+1)*n]
	div := float64(min(o.ns+1, w))
	for i, v := range values[:n] {
		sum := o.sum[i] + v
		if o.ns >= w {
			sum -= slot[i]
		}
		o.sum[i] = sum
		slot[i] = v
		smooth := sum / div
		switch {
		case !o.in[i] && smooth > o.d.On:
			o.in[i] = true
			o.out[i] = append(o.out[i], Seizure{Onset: t, Offset: math.NaN()})
		case o.in[i] && smooth < o.d.Off:
			o.in[i] = false
			o.out[i][len(o.out[i])-1].Offset = t
		}
	}
	o.ns++
}

// Seizures returns the seizures found so far, per region.
func (o *OnlineDetector) Seizures() [][]Seizure { return o.out }

// Propagation summarises seizures over a network: the regions that seized,
// in recruitment order (by first onset, ties by index).
type Propagation struct {
	Order      []int     // seizing regions, earliest first onset first
	FirstOnset []float64 // per region: onset of its first seizure (ms), NaN if none
	Duration   []float64 // per region: duration of its first seizure (ms), to the end of the recording if it has not ended; NaN if none
	Count      []int     // per region: number of seizures
}

// Propagate orders the regions' seizures; tEnd closes seizures still running.
func Propagate(sz [][]Seizure, tEnd float64) Propagation {
	n := len(sz)
	p := Propagation{FirstOnset: make([]float64, n), Duration: make([]float64, n), Count: make([]int, n)}
	for i, s := range sz {
		p.Count[i] = len(s)
		if len(s) == 0 {
			p.FirstOnset[i], p.Duration[i] = math.NaN(), math.NaN()
			continue
		}
		p.FirstOnset[i] = s[0].Onset
		end := s[0].Offset
		if math.IsNaN(end) {
			end = tEnd
		}
		p.Duration[i] = end - s[0].Onset
		p.Order = append(p.Order, i)
	}
	sort.SliceStable(p.Order, func(a, b int) bool { return p.FirstOnset[p.Order[a]] < p.FirstOnset[p.Order[b]] })
	return p
}

// Periods returns the intervals between successive onsets of one region's
// seizures (ms): the recurrence period of a periodically seizing region.
func Periods(sz []Seizure) []float64 {
	var p []float64
	for k := 1; k < len(sz); k++ {
		p = append(p, sz[k].Onset-sz[k-1].Onset)
	}
	return p
}
