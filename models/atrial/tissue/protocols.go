package tissue

import (
	"fmt"
	"math"
)

// Decremental returns the decremental burst of a pacing site s: pulses at
// cycle lengths startCL, startCL − step, … down to floorCL (each
// beatsPerCL times; the last cycle length is floorCL even when the steps
// do not land on it), the first pulse at s.Start — the
// programmed-stimulation style protocol that OPTIMA-type induction uses
// (Boyle et al. 2019: burst pacing with decreasing cycle length). One Site
// per cycle length, each a uniform train; the pulse after the last is not
// delivered. Lengths in ms.
func Decremental(s Site, startCL, floorCL, step float64, beatsPerCL int) (Protocol, error) {
	if !(startCL > 0) || !(floorCL > 0) || floorCL > startCL || !(step > 0) || beatsPerCL < 1 ||
		math.IsInf(startCL, 0) || (startCL-floorCL)/step > 1e4 {
		return nil, fmt.Errorf("atrial: decremental burst from %g ms down to %g ms in steps of %g ms, %d beats each: need 0 < floor ≤ start, step > 0 (at most 10⁴ steps) and ≥ 1 beat per cycle length",
			startCL, floorCL, step, beatsPerCL)
	}
	var p Protocol
	t := s.Start
	for k := 0; ; k++ {
		cl := max(floorCL, startCL-float64(k)*step)
		site := s
		site.Start, site.Period, site.Count = t, cl, beatsPerCL
		p = append(p, site)
		t += float64(beatsPerCL) * cl
		if cl == floorCL {
			break
		}
	}
	return p, nil
}

// Restitution returns the S1–S2 restitution protocol at site s: for each
// coupling interval cis[k], a block of s1Beats S1 pulses every bcl
// followed by one S2 pulse cis[k] after the last S1, the next block
// starting recovery ms after the S2 (long enough for the S2 beat to
// repolarise); the first block starts at s.Start. Each block is S1S2's
// protocol with s as both sites. It also returns the S2 times. Lengths in
// ms.
func Restitution(s Site, s1Beats int, bcl float64, cis []float64, recovery float64) (Protocol, []float64, error) {
	if s1Beats < 1 || !(bcl > 0) || !(recovery > 0) || len(cis) == 0 || len(cis) > 1000 || math.IsInf(bcl+recovery, 0) {
		return nil, nil, fmt.Errorf("atrial: restitution protocol with %d S1 beats every %g ms, %d coupling intervals, %g ms recovery: need ≥ 1 beat, bcl > 0, 1 to 1000 intervals, recovery > 0",
			s1Beats, bcl, len(cis), recovery)
	}
	var p Protocol
	var s2 []float64
	t := s.Start
	for _, ci := range cis {
		if !(ci > 0) || math.IsInf(ci, 0) {
			return nil, nil, fmt.Errorf("atrial: restitution coupling interval %g ms must be positive", ci)
		}
		s1 := s
		s1.Start = t
		block := S1S2(s1, s, s1Beats, bcl, ci)
		p = append(p, block...)
		s2 = append(s2, block[1].Start)
		t = block[1].Start + recovery
	}
	return p, s2, nil
}
