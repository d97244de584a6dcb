package brain

import (
	"math"
	"path/filepath"
	"testing"
)

// TestDipoleClosedForm: the potential of a unit current dipole p in an
// infinite homogeneous conductor (σ = 1) at displacement d from it is
// V = p·d / (4π|d|³) (e.g. Nunez & Srinivasan, Electric Fields of the
// Brain, 2006, ch. 6; TVB's iEEG projection, reference brain.md §5): on
// its axis at distance D, 1/(4πD²); on its equator, 0; at angle θ from the
// axis, cos θ/(4πD²) — for a dipole at (10, −20, 30) mm oriented along
// (0, 0.6, 0.8).
func TestDipoleClosedForm(t *testing.T) {
	r := [3]float64{10, -20, 30}
	q := [3]float64{0, 0.6, 0.8}
	perp := [3]float64{1, 0, 0} // ⟂ q
	const D = 7.0
	cases := []struct {
		theta float64
	}{{0}, {math.Pi / 2}, {math.Pi / 3}, {2.5}}
	for _, c := range cases {
		// s = r + D·(cos θ·q + sin θ·perp)
		var s [3]float64
		for k := range s {
			s[k] = r[k] + D*(math.Cos(c.theta)*q[k]+math.Sin(c.theta)*perp[k])
		}
		g, err := SEEGGain(GainDipole, [][3]float64{s}, [][3]float64{r}, [][3]float64{q})
		if err != nil {
			t.Fatal(err)
		}
		want := math.Cos(c.theta) / (4 * math.Pi * D * D)
		if math.Abs(g[0]-want) > 1e-15 {
			t.Errorf("θ %.3f: gain %v, closed form %v", c.theta, g[0], want)
		}
	}
}

// TestEnvelopeOnset: a sensor whose signal is a small 40-Hz sine (amplitude
// 0.1) for 300 ms and then 1.0 has its onset within one window (20 samples)
// of 300 ms; a sensor that stays at 0.1 has none. Baseline 200 samples,
// k = 5, 1-ms samples.
func TestEnvelopeOnset(t *testing.T) {
	o := NewEnvelopeOnset(2, 5, 200, 20)
	for s := 0; s < 1000; s++ {
		t0 := float64(s)
		a := 0.1
		if s >= 300 {
			a = 1
		}
		v := math.Sin(2 * math.Pi * 40 * t0 / 1000)
		o.Add(t0, []float64{a * v, 0.1 * v})
	}
	if on := o.Onset[0]; !(on >= 300 && on <= 320) {
		t.Errorf("onset %v, want within 300…320 ms", on)
	}
	if !math.IsNaN(o.Onset[1]) {
		t.Errorf("steady sensor: onset %v, want none", o.Onset[1])
	}
}

// TestParseNPY: ReadNPY reads back what WriteNPY writes (float32), and a
// float64 Fortran-order file written by hand.
func TestParseNPY(t *testing.T) {
	p := filepath.Join(t.TempDir(), "g.npy")
	vals := []float64{1, 2.5, -3, 4, 5, 6}
	if err := WriteNPY(p, vals, 2, 3); err != nil {
		t.Fatal(err)
	}
	got, r, c, err := ReadNPY(p)
	if err != nil || r != 2 || c != 3 {
		t.Fatalf("%v %d×%d", err, r, c)
	}
	for k := range vals {
		if got[k] != vals[k] {
			t.Fatalf("value %d: %v, want %v", k, got[k], vals[k])
		}
	}
	b := npyFortran64(t, []float64{1, 4, 2, 5, 3, 6}, 2, 3) // column-major of [[1 2 3] [4 5 6]]
	got, r, c, err = parseNPY("f.npy", b)
	if err != nil || r != 2 || c != 3 || got[1] != 2 || got[3] != 4 {
		t.Fatalf("fortran: %v %v %d×%d", got, err, r, c)
	}
}

func npyFortran64(t *testing.T, colMajor []float64, rows, cols int) []byte {
	t.Helper()
	header := "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }"
	for (10+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	b := []byte("\x93NUMPY\x01\x00")
	b = append(b, byte(len(header)), byte(len(header)>>8))
	b = append(b, header...)
	for _, v := range colMajor {
		u := math.Float64bits(v)
		for k := 0; k < 8; k++ {
			b = append(b, byte(u>>(8*k)))
		}
	}
	return b
}
