package ionic

import (
	"fmt"
	"math"
)

// Cycle is one sampled cycle of a paced single cell.
type Cycle struct {
	Length float64   // cycle length CL, ms
	Dt     float64   // sampling step, ms
	V      []float64 // potential at k·Dt after the stimulus onset, mV
	S      []float64 // states at the same times, NumStates per sample
	ns     int
	restV  float64
	restS  []float64
}

// PacedCycle paces one cell of ion every length ms with a stimulus of rate
// mV/ms for duration ms, beats times (the last one is sampled; earlier ones
// bring the cell towards its periodic steady state), stepping with dt.
// It fails if a later stimulus does not excite the cell anew (the
// potential must have fallen below the midpoint of rest and the first
// beat's peak, and stay above it at least half as long as after the first
// stimulus), i.e. when length is below the refractory period.
func PacedCycle(ion Model, length, dt, rate, duration float64, beats int) (*Cycle, error) {
	if !(length > 0) || !(dt > 0) || !(dt < length) || !(duration > 0) || beats < 1 {
		return nil, fmt.Errorf("atrial: paced cycle: need length > dt > 0, duration > 0 and beats ≥ 1 (got %g, %g, %g, %d)", length, dt, duration, beats)
	}
	ns := ion.NumStates()
	c := &Cycle{Length: length, Dt: dt, ns: ns, restS: make([]float64, ns)}
	c.restV = ion.Rest(c.restS)
	n := int(math.Round(length / dt))
	nStim := max(1, int(math.Round(duration/dt)))
	// beat runs one cycle from (v, s), recording it if asked, and returns
	// the potential at its end and its trace's peak
	beat := func(v float64, s []float64, record bool, trace []float64) (float64, error) {
		for k := 0; k < n; k++ {
			if record {
				c.V = append(c.V, v)
				c.S = append(c.S, s...)
			}
			if trace != nil {
				trace[k] = v
			}
			v = ion.Step(s, v, dt)
			if k < nStim {
				v += dt * rate
			}
			if math.IsNaN(v) {
				return v, fmt.Errorf("atrial: paced cycle: %s diverged at dt %g ms", ion.Name(), dt)
			}
		}
		return v, nil
	}
	// The first beat, from rest, is the reference response; a later beat
	// is a response when it starts below the midpoint of rest and that
	// peak (the cell has repolarised) and stays above it at least half as
	// long as the first (a passive response to the stimulus decays within
	// a few ms).
	first := make([]float64, n)
	s := append([]float64(nil), c.restS...)
	v, err := beat(c.restV, s, beats == 1, first)
	if err != nil {
		return nil, err
	}
	peak := math.Inf(-1)
	for _, x := range first {
		peak = max(peak, x)
	}
	mid := (c.restV + peak) / 2
	above := func(tr []float64) (k int) {
		for _, x := range tr {
			if x > mid {
				k++
			}
		}
		return k
	}
	ref := above(first)
	tr := make([]float64, n)
	for b := 1; b < beats; b++ {
		start := v
		if v, err = beat(v, s, b == beats-1, tr); err != nil {
			return nil, err
		}
		if !(start < mid) || !(2*above(tr) >= ref) {
			return nil, fmt.Errorf("atrial: paced cycle: the %s cell does not respond to every stimulus at a cycle length of %g ms (shorter than its refractory period?)", ion.Name(), length)
		}
	}
	return c, nil
}

// At writes into s the state tau ms after the stimulus onset (nearest
// sample; tau is clamped to the cycle) and returns the potential.
func (c *Cycle) At(tau float64, s []float64) float64 {
	k := int(math.Round(tau / c.Dt))
	k = min(max(k, 0), len(c.V)-1)
	copy(s, c.S[k*c.ns:(k+1)*c.ns])
	return c.V[k]
}

// Rest writes the resting state of the cycle's cell into s and returns
// the resting potential (mV).
func (c *Cycle) Rest(s []float64) float64 {
	copy(s, c.restS)
	return c.restV
}
