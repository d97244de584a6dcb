package tissue

import (
	"slices"
	"testing"
)

func TestDecremental(t *testing.T) {
	p, err := Decremental(Site{Start: 10, Duration: 2}, 60, 35, 10, 2)
	if err != nil {
		t.Fatal(err)
	}
	// CLs 60, 50, 40, 35 (the floor), two beats each, from 10 ms.
	want := []float64{10, 70, 130, 180, 230, 270, 310, 345}
	if got := pulseTimes(p); !slices.Equal(got, want) {
		t.Fatalf("pulses %v, want %v", got, want)
	}
	for _, bad := range [][4]float64{{0, 10, 1, 1}, {50, 60, 10, 1}, {60, 30, 0, 1}, {60, 30, 10, 0}} {
		if _, err := Decremental(Site{}, bad[0], bad[1], bad[2], int(bad[3])); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestRestitutionProtocol(t *testing.T) {
	p, s2, err := Restitution(Site{Duration: 2}, 3, 500, []float64{400, 300}, 600)
	if err != nil {
		t.Fatal(err)
	}
	// block 1: S1 0, 500, 1000, S2 1400; block 2 from 2000: S1 2000, 2500, 3000, S2 3300
	want := []float64{0, 500, 1000, 1400, 2000, 2500, 3000, 3300}
	if got := pulseTimes(p); !slices.Equal(got, want) || !slices.Equal(s2, []float64{1400, 3300}) {
		t.Fatalf("pulses %v (S2 %v), want %v", got, s2, want)
	}
}

// pulseTimes returns the start of every pulse of p (ms), in increasing
// order.
func pulseTimes(p Protocol) []float64 {
	var out []float64
	for _, s := range p {
		for k := range max(s.Count, 1) {
			out = append(out, s.Start+float64(k)*s.Period)
		}
	}
	for i := 1; i < len(out); i++ { // insertion sort: protocols are nearly sorted
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
