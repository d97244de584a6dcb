package mscohort

import (
	"math"
	"testing"

	"github.com/mdtwin/mdtwin/models"
)

// TestPSADraw: a draw keeps every matrix row a distribution, is a function
// of the seed, and varies around the inputs (the mean over 400 draws of a
// Dirichlet cell is within 4 SE of its input value, SE ≈ √(p(1−p)/(ess+1)/400)).
func TestPSADraw(t *testing.T) {
	d, err := compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	draw := func(seed uint64) values {
		v, _ := d.runValues(nil)
		drawPSA(&v, d, seed)
		return v
	}
	a, b := draw(1), draw(1)
	if a.rrms != b.rrms || a.therapies[0] != b.therapies[0] || a.costEDSS != b.costEDSS {
		t.Fatal("a draw is not a function of its seed")
	}
	const n = 400
	var mean float64
	for s := range uint64(n) {
		v := draw(s + 10)
		for _, m := range [][NEDSS][NEDSS]float64{v.rrms, v.spms} {
			for i, row := range m {
				var sum float64
				for j, p := range row {
					if p < 0 || (d.base.rrms[i][j] == 0 && m == v.rrms && p != 0) {
						t.Fatalf("seed %d: row %d, column %d: %g", s, i, j, p)
					}
					sum += p
				}
				if math.Abs(sum-1) > 1e-12 {
					t.Fatalf("seed %d: row %d sums to %.15g", s, i, sum)
				}
			}
		}
		mean += v.rrms[3][4] / n
		for i := range v.therapies {
			if !(v.therapies[i].hr > 0 && v.therapies[i].rr > 0) {
				t.Fatalf("seed %d: therapy %d %+v", s, i, v.therapies[i])
			}
		}
	}
	p := d.base.rrms[3][4]
	if se := math.Sqrt(p * (1 - p) / (d.raw.PSA.ESSRRMS + 1) / n); math.Abs(mean-p) > 4*se {
		t.Errorf("mean of RRMS[3][4] over draws %.5f, input %.4f (4 SE %.5f)", mean, p, 4*se)
	}
}

// TestPatientAllocatesNothing: once its buffers are grown, simulating a
// patient allocates nothing (the hot loop of the DES).
func TestPatientAllocatesNothing(t *testing.T) {
	desc, _ := Model{}.DescribeInputs(nil)
	ps, _ := desc.Resolve(nil)
	_, w, err := prepare(models.RunSpec{Seed: 3, Params: ps})
	if err != nil {
		t.Fatal(err)
	}
	pt := newPatient(w, 3)
	acc := newAccum(2 * NEDSS * len(w.plans[0].class))
	for id := range 100 {
		pt.run(&w.plans[0], id, acc)
	}
	id := 100
	if allocs := testing.AllocsPerRun(200, func() { pt.run(&w.plans[0], id, acc); id++ }); allocs != 0 {
		t.Errorf("%v allocations per patient", allocs)
	}
}
