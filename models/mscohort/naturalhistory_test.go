package mscohort

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mdtwin/mdtwin/models"
)

// untreatedImmortal is the default natural history with no treatment and no
// death, so that the EDSS distribution follows the matrices alone.
func untreatedImmortal(t testing.TB) []byte {
	return mustJSON(t, map[string]any{
		"mortality":  map[string]any{"female_mx": []float64{0, 0}, "male_mx": []float64{0, 0}},
		"strategies": strategies("untreated", []any{}),
	})
}

// finalStates simulates n patients of the untreated strategy to the horizon
// and returns the share ending in each (course, EDSS) state, RRMS 0..9 then
// SPMS 0..9.
func finalStates(t *testing.T, timing string, horizon float64, n int) []float64 {
	t.Helper()
	inputs := untreatedImmortal(t)
	desc, err := Model{}.DescribeInputs(inputs)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := desc.Resolve(map[string]any{ParamTiming: timing, ParamHorizon: horizon})
	if err != nil {
		t.Fatal(err)
	}
	_, w, err := prepare(models.RunSpec{Seed: 7, Params: ps, Inputs: inputs})
	if err != nil {
		t.Fatal(err)
	}
	pt := newPatient(w, 7)
	acc := newAccum(2 * NEDSS * len(w.plans[0].class))
	share := make([]float64, 2*NEDSS)
	for id := range n {
		pt.run(&w.plans[0], id, acc)
		share[int(pt.course)*NEDSS+pt.edss] += 1 / float64(n)
	}
	return share
}

// expectedStates returns x0·M^k for the 20-state chain (RRMS 0..9, SPMS
// 0..9) built from the default inputs: annual (the matrices as given, with
// conversion first) or continuous (expm(k·Q) of the rates −ln(1−p)).
func expectedStates(t *testing.T, timing string, years float64) []float64 {
	t.Helper()
	d, err := compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	nh := d.raw.NaturalHistory
	const n = 2 * NEDSS
	x := mat.NewVecDense(n, nil)
	for e, s := range d.raw.Baseline.EDSS {
		x.SetVec(e, s)
	}
	var step mat.Dense
	if timing == TimingAnnual {
		m := mat.NewDense(n, n, nil)
		for e := range NEDSS {
			pc := nh.ToSPMS[e]
			m.Set(e, NEDSS+min(e+1, NEDSS-1), pc)
			for j := range NEDSS {
				m.Set(e, j, m.At(e, j)+(1-pc)*nh.RRMS[e][j])
				m.Set(NEDSS+e, NEDSS+j, nh.SPMS[e][j])
			}
		}
		step.Pow(m, int(years))
	} else {
		q := mat.NewDense(n, n, nil)
		for c, p := range [][][]float64{nh.RRMS, nh.SPMS} {
			for e := range NEDSS {
				for j := range NEDSS {
					if j != e && p[e][j] > 0 {
						r := -math.Log1p(-p[e][j])
						q.Set(c*NEDSS+e, c*NEDSS+j, r)
						q.Set(c*NEDSS+e, c*NEDSS+e, q.At(c*NEDSS+e, c*NEDSS+e)-r)
					}
				}
			}
		}
		for e := range NEDSS {
			r := -math.Log1p(-nh.ToSPMS[e])
			q.Set(e, NEDSS+min(e+1, NEDSS-1), q.At(e, NEDSS+min(e+1, NEDSS-1))+r)
			q.Set(e, e, q.At(e, e)-r)
		}
		q.Scale(years, q)
		step.Exp(q)
	}
	var y mat.VecDense
	y.MulVec(step.T(), x)
	return y.RawVector().Data
}

// TestNaturalHistoryFollowsTheMatrix: without treatment (and without death)
// the simulated distribution over (course, EDSS) after 1 and 5 years is the
// one the natural-history matrices imply. With annual timing that is x0·Mᵏ,
// M the annual matrices (conversion to SPMS, then the EDSS row); with
// continuous timing x0·expm(k·Q), Q the rates −ln(1−p). Tolerance: 4
// binomial standard errors of each share (n = 20,000) plus 1e-9.
func TestNaturalHistoryFollowsTheMatrix(t *testing.T) {
	const n = 20000
	for _, tc := range []struct {
		timing  string
		years   float64
		horizon float64 // the annual assessment at the horizon itself does not happen
	}{
		{TimingAnnual, 1, 1.5}, {TimingAnnual, 5, 5.5},
		{TimingContinuous, 1, 1}, {TimingContinuous, 5, 5},
	} {
		got := finalStates(t, tc.timing, tc.horizon, n)
		want := expectedStates(t, tc.timing, tc.years)
		var meanGot, meanWant, mean0 float64
		for i := range got {
			se := math.Sqrt(want[i] * (1 - want[i]) / n)
			if math.Abs(got[i]-want[i]) > 4*se+1e-9 {
				t.Errorf("%s, %g years: share in state %d = %.4f, matrix implies %.4f (4 SE = %.4f)", tc.timing, tc.years, i, got[i], want[i], 4*se)
			}
			meanGot += float64(i%NEDSS) * got[i]
			meanWant += float64(i%NEDSS) * want[i]
		}
		d, _ := compile(nil)
		for e, s := range d.raw.Baseline.EDSS {
			mean0 += float64(e) * s
		}
		if !(meanGot > mean0) {
			t.Errorf("%s, %g years: mean EDSS %.3f did not rise from %.3f", tc.timing, tc.years, meanGot, mean0)
		}
		t.Logf("%s, %g years: mean EDSS %.3f (matrix %.3f, baseline %.3f)", tc.timing, tc.years, meanGot, meanWant, mean0)
	}
	// The continuous timing's one-year matrix is not the annual matrix:
	// report by how much (documented in the package doc).
	a, c := expectedStates(t, TimingAnnual, 1), expectedStates(t, TimingContinuous, 1)
	var worst float64
	for i := range a {
		worst = max(worst, math.Abs(a[i]-c[i]))
	}
	t.Logf("largest difference between x0·M and x0·expm(Q): %.4f", worst)
}
