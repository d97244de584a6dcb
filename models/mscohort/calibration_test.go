package mscohort

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mdtwin/mdtwin/models"
)

// nhRun runs the default inputs in cohort mode for 2 years with params.
func nhRun(t *testing.T, params map[string]any) map[string]float64 {
	t.Helper()
	d := Model{}.Describe()
	raw := map[string]any{ParamMode: ModeCohort, ParamHorizon: 2.0}
	for k, v := range params {
		raw[k] = v
	}
	p, err := d.Resolve(raw)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Model{}.Run(context.Background(), models.RunSpec{Params: p}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Scalars
}

// In annual timing the band probabilities of the default RRMS matrix are
// Campbell et al.'s MSBase numbers exactly: data/defaults.toml built the
// matrix so that its rows, averaged over the states of each band, give
// them (stay 54.24/82.02/69.86/77.83 %, none→mild 42.31 %, mild→moderate
// 11.38 %, moderate→severe 9.41 %).
func TestNaturalHistoryBandsAnnual(t *testing.T) {
	out := nhRun(t, map[string]any{ParamTiming: TimingAnnual})
	for name, want := range map[string]float64{
		"nh_p_none_stay": 0.5424, "nh_p_none_to_mild": 0.4231, "nh_p_mild_stay": 0.8202, "nh_p_mild_to_moderate": 0.1138,
		"nh_p_moderate_stay": 0.6986, "nh_p_moderate_to_severe": 0.0941, "nh_p_severe_stay": 0.7783,
	} {
		if math.Abs(out[name]-want) > 1e-12 {
			t.Errorf("%s = %.15g, want %g", name, out[name], want)
		}
	}
}

// The band hazard ratios act on the worsening cells of their band's rows
// only: doubling the mild band's worsening rates leaves the none and
// severe rows alone, and in annual timing turns a cell p into 1 − (1 − p)²
// (row EDSS 1 to EDSS 4: 0.02 → 0.0396).
func TestNaturalHistoryBandHR(t *testing.T) {
	base := nhRun(t, map[string]any{ParamTiming: TimingAnnual})
	out := nhRun(t, map[string]any{ParamTiming: TimingAnnual, "nh_worsening_hr_mild": 2.0})
	for _, name := range []string{"nh_p_none_stay", "nh_p_none_to_mild", "nh_p_severe_stay"} {
		if out[name] != base[name] {
			t.Errorf("%s changed from %g to %g with the mild band's HR", name, base[name], out[name])
		}
	}
	// mild→moderate: rows 1, 2, 3 to states 4–6, each cell 1 − (1 − p)².
	sq := func(p float64) float64 { return 1 - (1-p)*(1-p) }
	want := (sq(0.02) + sq(0.07) + sq(0.015) + sq(0.18) + sq(0.0564)) / 3
	if math.Abs(out["nh_p_mild_to_moderate"]-want) > 1e-12 {
		t.Errorf("nh_p_mild_to_moderate = %.12g, want %.12g", out["nh_p_mild_to_moderate"], want)
	}
}

// The median times to EDSS 4 and 6 against an independent computation:
// the continuous-time chain (rates −ln(1 − p) of the default RRMS and SPMS
// matrices, RRMS→SPMS at −ln(1 − to_spms[e]) into EDSS e+1) simulated by
// the Gillespie algorithm, 20,000 histories from RRMS at EDSS 0, with the
// rates out of the mild band doubled and those within it halved to
// exercise the parameters.
// The medians agree within 0.3 years (the sample median's standard error
// is about 1.25·sd/√n ≈ 0.07 years here).
func TestNaturalHistoryMedians(t *testing.T) {
	d, err := compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	nh := d.raw.NaturalHistory
	const hrMild, withinMild = 2.0, 0.5
	rate := func(c Course, e, j int) float64 {
		m := nh.RRMS
		if c == SPMS {
			m = nh.SPMS
		}
		r := -math.Log1p(-m[e][j])
		if c == RRMS && j > e && band(e) == 1 && band(j) > 1 {
			r *= hrMild // out of the mild band
		}
		if c == RRMS && j > e && band(e) == 1 && band(j) == 1 {
			r *= withinMild
		}
		return r
	}
	rng := rand.New(rand.NewPCG(11, 12))
	first := func(k int) float64 {
		c, e, t := RRMS, 0, 0.0
		for e < k {
			var rs []float64
			var to [][2]int
			for j := range NEDSS {
				if j != e {
					rs, to = append(rs, rate(c, e, j)), append(to, [2]int{int(c), j})
				}
			}
			if c == RRMS {
				rs, to = append(rs, -math.Log1p(-nh.ToSPMS[e])), append(to, [2]int{int(SPMS), min(e+1, NEDSS-1)})
			}
			var tot float64
			for _, r := range rs {
				tot += r
			}
			t += rng.ExpFloat64() / tot
			u := rng.Float64() * tot
			for i, r := range rs {
				if u < r || i == len(rs)-1 {
					c, e = Course(to[i][0]), to[i][1]
					break
				}
				u -= r
			}
		}
		return t
	}
	out := nhRun(t, map[string]any{"nh_worsening_hr_mild": hrMild, "nh_within_hr_mild": withinMild})
	for _, k := range []int{4, 6} {
		ts := make([]float64, 20000)
		for i := range ts {
			ts[i] = first(k)
		}
		sort.Float64s(ts)
		mc := (ts[len(ts)/2-1] + ts[len(ts)/2]) / 2
		got := out[map[int]string{4: "nh_median_years_to_edss4", 6: "nh_median_years_to_edss6"}[k]]
		t.Logf("median years to EDSS %d: %.3f (Gillespie %.3f)", k, got, mc)
		if math.Abs(got-mc) > 0.3 {
			t.Errorf("median years to EDSS %d = %.3f, the Gillespie simulation gives %.3f", k, got, mc)
		}
	}
}

// The annualised relapse rate is relapses per life-year, and
// relapse_rate_scale scales it (a 2-year horizon: deaths hardly change
// the life-years).
func TestARRAndRelapseScale(t *testing.T) {
	base := nhRun(t, nil)
	half := nhRun(t, map[string]any{"relapse_rate_scale": 0.5})
	for _, s := range []string{"ofatumumab_first", "dmf_then_ofatumumab_3y"} {
		if got, want := base[s+"_arr"], base[s+"_relapses"]/base[s+"_ly"]; got != want {
			t.Errorf("%s_arr = %g, want relapses/ly = %g", s, got, want)
		}
		if r := half[s+"_arr"] / base[s+"_arr"]; math.Abs(r-0.5) > 1e-9 {
			t.Errorf("%s_arr: relapse_rate_scale 0.5 gives a ratio of %.12g, want 0.5", s, r)
		}
	}
}

// nhPosteriorMedians reads the weighted posterior medians (q50) of the
// natural-history parameters from data/calibration/calibration.json, the
// output of `mdtwin calibrate scenarios/examples/ms-natural-history.toml`.
func nhPosteriorMedians(t *testing.T) map[string]float64 {
	t.Helper()
	b, err := os.ReadFile("data/calibration/calibration.json")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Params []struct {
			Name string  `json:"name"`
			Q50  float64 `json:"q50"`
		} `json:"params"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, p := range s.Params {
		out[p.Name] = p.Q50
	}
	return out
}

// calibratedMatrices recomputes, independently of world.go, the untreated
// RRMS matrix of the reference cases — the shape of data/defaults.toml with
// the posterior medians' hazard ratios on its cells (a cell p becomes
// 1 − (1 − p)^hr: the rate −ln(1 − p) times hr, so continuous timing runs
// exactly the calibrated rates), the diagonal the complement — and the SPMS
// matrix derived from it by defaults.toml's rule (each row's total
// worsening probability W becomes 1 − (1 − W)^2.509, Campbell 2025's SPMS
// hazard ratio, shared in the RRMS proportions; improvements unchanged;
// the diagonal the complement). Off-diagonal cells are rounded to 6
// decimals, as the case files write them.
func calibratedMatrices(shape [][]float64, q50 map[string]float64) (rrms, spms [][]float64) {
	r6 := func(x float64) float64 { return math.Round(x*1e6) / 1e6 }
	hr := func(e, j int) float64 {
		b := band(e)
		switch {
		case j < e:
			return q50["nh_improvement_hr"]
		case band(j) == b && b == 1:
			return q50["nh_within_hr_mild"]
		case band(j) == b && b == 2:
			return q50["nh_within_hr_moderate"]
		}
		return q50["nh_worsening_hr_"+bandNames[b]]
	}
	complement := func(row []float64, e int) {
		s := 0.0
		for j, p := range row {
			if j != e {
				s += p
			}
		}
		row[e] = r6(1 - s)
	}
	for e := range NEDSS {
		row, srow := make([]float64, NEDSS), make([]float64, NEDSS)
		var w float64
		for j := range NEDSS {
			if j != e && shape[e][j] > 0 {
				row[j] = r6(-math.Expm1(hr(e, j) * math.Log1p(-shape[e][j])))
				if j > e {
					w += row[j]
				}
			}
		}
		complement(row, e)
		ws := -math.Expm1(2.509 * math.Log1p(-w))
		for j := range NEDSS {
			switch {
			case j > e && w > 0:
				srow[j] = r6(row[j] * ws / w)
			case j < e:
				srow[j] = row[j]
			}
		}
		complement(srow, e)
		rrms, spms = append(rrms, row), append(spms, srow)
	}
	return rrms, spms
}

// The reference cases' natural history is the calibrated one: their
// natural_history.rrms and .spms entries equal calibratedMatrices of the
// default shape at the shipped posterior's medians, and are marked
// calibrated and derived with the calibration named as their source.
func TestReferenceCasesRunTheCalibratedNaturalHistory(t *testing.T) {
	def, err := parseInputs(nil)
	if err != nil {
		t.Fatal(err)
	}
	rrms, spms := calibratedMatrices(def.NaturalHistory.RRMS, nhPosteriorMedians(t))
	if testing.Verbose() {
		for _, m := range [][][]float64{rrms, spms} {
			for _, r := range m {
				t.Logf("%v", r)
			}
		}
	}
	for _, name := range ReferenceCases() {
		in, err := parseInputs(mustJSON(t, map[string]any{"reference_case": name}))
		if err != nil {
			t.Fatal(err)
		}
		for e := range NEDSS {
			for j := range NEDSS {
				if d := math.Abs(in.NaturalHistory.RRMS[e][j] - rrms[e][j]); d > 1e-12 {
					t.Errorf("%s: rrms[%d][%d] = %v, the calibration gives %v", name, e, j, in.NaturalHistory.RRMS[e][j], rrms[e][j])
				}
				if d := math.Abs(in.NaturalHistory.SPMS[e][j] - spms[e][j]); d > 1e-12 {
					t.Errorf("%s: spms[%d][%d] = %v, derived %v", name, e, j, in.NaturalHistory.SPMS[e][j], spms[e][j])
				}
			}
		}
		rc, err := LoadReferenceCase(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range rc.Inputs {
			want := map[string]string{"natural_history.rrms": "calibrated", "natural_history.spms": "derived"}[e.Key]
			if want != "" && (e.Status != want || !strings.Contains(e.Note, "data/calibration")) {
				t.Errorf("%s: %s is %q (%s), want %q naming data/calibration", name, e.Key, e.Status, e.Note, want)
			}
		}
	}
}

// spConversionHazard is the number of conversions to SPMS per RRMS
// patient-year of an untreated onset cohort (RRMS at EDSS 0 at age a0)
// followed to age 100, with the case d's untreated RRMS rates, its
// to_spms below EDSS 3 and, from EDSS 3, the EDSS-2 rate times slope per
// EDSS step (the form of data/defaults.toml's extrapolation, slope 1.30
// there), deaths by the case's life table × SMR (women's share
// female_share). Occupancy is stepped by expm(Q·0.1 year) and summed by
// the left rectangle rule: both sums use the same nodes, so the ratio's
// error is far below the differences read from it.
func spConversionHazard(d *definition, a0, slope float64) float64 {
	w, err := newWorld(d, d.base, TimingContinuous, 0, d.maxAge)
	if err != nil {
		panic(err)
	}
	rates, _ := w.untreated(RRMS)
	var conv [NEDSS]float64
	for e := range NEDSS {
		conv[e] = -math.Log1p(-d.base.toSPMS[e])
		if e >= 3 {
			conv[e] = conv[2] * math.Pow(slope, float64(e-2))
		}
	}
	q := mat.NewDense(NEDSS, NEDSS, nil)
	for e := range NEDSS {
		var s float64
		for j := range NEDSS {
			if j != e {
				q.Set(e, j, rates[e][j])
				s += rates[e][j]
			}
		}
		q.Set(e, e, -s-conv[e])
	}
	const dt = 0.1
	var qs, p mat.Dense
	qs.Scale(dt, q)
	p.Exp(&qs)
	x, y := make([]float64, NEDSS), make([]float64, NEDSS)
	x[0] = 1
	var py, events float64
	for k := 0; a0+float64(k)*dt < 100; k++ {
		age := a0 + float64(k)*dt
		h := d.base.female*w.mort[0].rate(age) + (1-d.base.female)*w.mort[1].rate(age)
		clear(y)
		for s := range NEDSS {
			py += x[s] * dt
			events += x[s] * conv[s] * dt
			for j := range NEDSS {
				y[j] += x[s] * p.At(s, j)
			}
		}
		for j := range NEDSS {
			x[j] = y[j] * math.Exp(-h*w.smr[j]*dt)
		}
	}
	return events / py
}

// natural_history.to_spms stays assumed in both cases, although ms-inputs.md
// has one sourced target for it: the Gothenburg untreated incidence
// cohort's mean hazard of conversion to SPMS, 0.046 per patient-year
// (§1.4). With each case's calibrated RRMS matrix and ICER-2017's sourced
// probabilities at EDSS 0–2 (0, 0.003, 0.032), an untreated onset cohort
// converts at about 0.028 per RRMS patient-year with the assumed slope of
// 1.30 per EDSS step; 0.046 needs a slope above 3 (EDSS 6's conversion
// probability then near 1 a year), and with it the case's median time from
// onset to EDSS 6 falls below the 95 % interval of Harding et al. 2023
// (20.5–24.5 years; 21.6 with the assumed slope), one of the targets the
// matrix reproduces — conversion at EDSS e enters SPMS at e + 1 and SPMS
// worsens 2.5 times faster. The Gothenburg cohort (five decades of
// follow-up) began decades before the contemporary cohorts the matrix is
// fitted to, and §1.4 notes that old cohorts overstate today's
// progression: the two targets describe different eras, so to_spms is not
// fitted to Gothenburg's. Onset ages 25, 32.7 (ASCLEPIOS's mean age 38.4
// less its 5.68 years since diagnosis, §7) and 40 bracket the Gothenburg
// cohort's, which is not in the reference files. The test fails if the
// finding changes (a new matrix or new EDSS 0–2 probabilities), so that
// to_spms is then calibrated to the target instead.
func TestSPConversionGothenburgConflictsWithHarding(t *testing.T) {
	const gothenburg = 0.046
	for _, name := range ReferenceCases() {
		inputs := mustJSON(t, map[string]any{"reference_case": name})
		d, err := compile(inputs)
		if err != nil {
			t.Fatal(err)
		}
		for _, a0 := range []float64{25, 32.7, 40} {
			if h := spConversionHazard(d, a0, 1.30); !(h < gothenburg-0.01) {
				t.Errorf("%s, onset at %.1f: %.4f conversions per RRMS patient-year with the assumed slope, near Gothenburg's %.3f", name, a0, h, gothenburg)
			}
			if h := spConversionHazard(d, a0, 3); !(h < gothenburg) {
				t.Errorf("%s, onset at %.1f: slope 3 gives %.4f, Gothenburg's %.3f is within reach of a plausible slope", name, a0, h, gothenburg)
			}
		}
		// The slope that meets Gothenburg's hazard (onset at 32.7), by
		// bisection, and the case's median to EDSS 6 with it (annual
		// probabilities capped at 0.9999 to keep the rates finite).
		lo, hi := 1.30, 10.0
		for hi-lo > 1e-3 {
			if m := (lo + hi) / 2; spConversionHazard(d, 32.7, m) < gothenburg {
				lo = m
			} else {
				hi = m
			}
		}
		ts := make([]float64, NEDSS)
		for e := range NEDSS {
			ts[e] = d.base.toSPMS[e]
			if e >= 3 {
				ts[e] = min(0.9999, -math.Expm1(math.Log1p(-ts[2])*math.Pow(lo, float64(e-2))))
			}
		}
		out := run(t, mustJSON(t, map[string]any{"reference_case": name, "natural_history": map[string]any{"to_spms": ts}}),
			map[string]any{ParamMode: ModeCohort, ParamHorizon: 1.0}, 1)
		m6 := out["nh_median_years_to_edss6"]
		t.Logf("%s: slope %.3f meets 0.046 per patient-year; median to EDSS 6 then %.2f years (Harding 22.1, 20.5–24.5)", name, lo, m6)
		if !(m6 < 20.5) {
			t.Errorf("%s: with to_spms fitted to Gothenburg (slope %.3f) the median to EDSS 6 is %.2f, inside Harding's interval: calibrate to_spms to it", name, lo, m6)
		}
	}
}
