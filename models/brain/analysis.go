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
	ns := len(times)
	w := max(d.Window, 1)
	out := make([][]Seizure, n)
	smooth := make([]float64, ns)
	for i := 0; i < n; i++ {
		var sum float64
		for s := 0; s < ns; s++ {
			sum += values[s*n+i]
			if s >= w {
				sum -= values[(s-w)*n+i]
			}
			smooth[s] = sum / float64(min(s+1, w))
		}
		in := false
		for s := 0; s < ns; s++ {
			switch {
			case !in && smooth[s] > d.On:
				in = true
				out[i] = append(out[i], Seizure{Onset: times[s], Offset: math.NaN()})
			case in && smooth[s] < d.Off:
				in = false
				out[i][len(out[i])-1].Offset = times[s]
			}
		}
	}
	return out
}

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
