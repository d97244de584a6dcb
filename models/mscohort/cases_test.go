package mscohort

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// caseKeys lists the inputs a reference case must give: every key of the
// inputs table except the life table's two columns (given as
// mortality.life_table), the listed patients and the case's own name;
// every therapy's keys; strategies and wtp_grid as wholes.
func caseKeys(t *testing.T, in *rawInputs) []string {
	t.Helper()
	var keys []string
	for _, k := range schema["inputs"] {
		switch k {
		case "reference_case", "patients", "cdw_months", "observed": // the study's outputs, not the model's inputs
		case "natural_history", "costs", "utilities", "baseline", "psa":
			for _, sub := range schema["inputs."+k] {
				keys = append(keys, k+"."+sub)
			}
		case "mortality":
			keys = append(keys, "mortality.smr", lifeTableKey)
		case "therapies":
			for _, name := range sortedKeys(in.Therapies) {
				for _, sub := range schema["inputs.therapies.*"] {
					keys = append(keys, "therapies."+name+"."+sub)
				}
			}
		default:
			keys = append(keys, k)
		}
	}
	return keys
}

// TestReferenceCasesAreSourced checks that each shipped case parses (the
// parser refuses an input without a status, a sourced input without a
// source from [sources], and an assumed one without its reason), that it
// gives every input of the model (so no number falls back to an unlisted
// default), and that the model compiles with it.
func TestReferenceCasesAreSourced(t *testing.T) {
	names := ReferenceCases()
	if !slices.Equal(names, []string{"uk_nice", "us_icer"}) {
		t.Fatalf("cases %v", names)
	}
	for _, name := range names {
		rc, err := LoadReferenceCase(name)
		if err != nil {
			t.Fatal(err)
		}
		inputs := mustJSON(t, map[string]any{"reference_case": name})
		in, err := parseInputs(inputs)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if in.ReferenceCase != name {
			t.Errorf("%s: reference_case %q", name, in.ReferenceCase)
		}
		given := map[string]bool{}
		for _, e := range rc.Inputs {
			given[e.Key] = true
		}
		for _, k := range caseKeys(t, in) {
			if !given[k] {
				t.Errorf("%s: input %s has no entry (value and source)", name, k)
			}
		}
		if _, err := (Model{}).DescribeInputs(inputs); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The UK case's numbers are the ones read (ms-inputs.md §2.1, §4.3, §5.1).
	in, err := parseInputs(mustJSON(t, map[string]any{"reference_case": "uk_nice"}))
	if err != nil {
		t.Fatal(err)
	}
	if in.Currency != "GBP" || in.DiscountCosts != 0.035 || in.NaturalHistory.RelapseRRMS[0] != 0.890 || in.Mortality.SMR[9] != 6.45 ||
		in.Therapies["ofatumumab"].Cost != 19469 || len(in.Therapies) != 1 || len(in.Strategies) != 2 {
		t.Errorf("uk_nice inputs: %+v", in)
	}
	// 365.25/28 pens a year at £1,492.50 (NICE TA699 §2.3) is £19,469.
	if got := math.Round(365.25 / 28 * 1492.50); got != 19469 {
		t.Errorf("ofatumumab annual cost %v", got)
	}
	// The relapse-rate CV 0.30 is SE/rate of the NICE set at every EDSS.
	rc, _ := LoadReferenceCase("uk_nice")
	for _, e := range rc.Inputs {
		if e.Key == "natural_history.relapse_rrms" {
			for i, se := range e.SE.([]any) {
				if cv := se.(float64) / e.Value.([]any)[i].(float64); math.Abs(cv-0.30) > 0.0051 {
					t.Errorf("EDSS %d: SE/rate %v, expected 0.30 (two published digits)", i, cv)
				}
			}
		}
	}
	// A scenario's [inputs] still overrides the case.
	in, err = parseInputs(mustJSON(t, map[string]any{"reference_case": "uk_nice", "wtp": 20000}))
	if err != nil || in.WTP != 20000 {
		t.Errorf("override: %v, wtp %v", err, in.WTP)
	}
}

func TestReferenceCaseErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"no status", "name='x'\ntitle='x'\n[[input]]\nkey='wtp'\nvalue=1\n", `status ""`},
		{"no source", "name='x'\ntitle='x'\n[[input]]\nkey='wtp'\nvalue=1\nstatus='sourced'\n", "needs a source"},
		{"unknown source", "name='x'\ntitle='x'\n[sources]\na='A'\n[[input]]\nkey='wtp'\nvalue=1\nstatus='derived'\nsource='b'\nnote='n'\n", "needs a source"},
		{"assumed without reason", "name='x'\ntitle='x'\n[[input]]\nkey='wtp'\nvalue=1\nstatus='assumed'\n", "needs a note"},
		{"twice", "name='x'\ntitle='x'\n[[input]]\nkey='wtp'\nstatus='choice'\nnote='n'\n[[input]]\nkey='wtp'\nstatus='choice'\nnote='n'\n", "twice"},
		{"unknown key", "name='x'\ntitle='x'\nauthor='me'\n", "unknown key"},
	} {
		if _, err := parseReferenceCase("x.toml", []byte(tc.text)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	_, err := parseInputs(json.RawMessage(`{"reference_case": "fr_has"}`))
	if err == nil || !strings.Contains(err.Error(), `reference_case = "fr_has" is not a shipped case, expected one of: uk_nice, us_icer`) {
		t.Errorf("unknown case: %v", err)
	}
}

// readMx reads a life-table CSV of data/ (age,female,male) with its own
// parser: column col (1 female, 2 male).
func readMx(t *testing.T, file string, col int) []float64 {
	t.Helper()
	b, err := os.ReadFile("data/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var mx []float64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ",")
		if len(f) != 3 || strings.HasPrefix(line, "#") || f[0] == "age" {
			continue
		}
		x, err := strconv.ParseFloat(f[col], 64)
		if err != nil {
			t.Fatal(err)
		}
		mx = append(mx, x)
	}
	return mx
}

// TestReferenceCaseLifeExpectancy runs each case with the EDSS frozen
// (identity matrix, no conversion to SPMS) and checks the cohort's
// life-years, relapses, costs and QALYs against a hand computation from
// the case's life table and mortality multiplier. With the death hazard
// λ_k = SMR·m(a0+k) constant over year k of follow-up, survival S_{k+1} =
// S_k·e^{−λ_k} and, continuously discounted at ρ = ln(1+r),
//
//	LY  = Σ_k S_k·(1 − e^{−λ_k})/λ_k
//	LYd = Σ_k S_k·e^{−ρk}·(1 − e^{−(λ_k+ρ)})/(λ_k+ρ)
//
// to the horizon age 100 (annual discounting, the UK case's: LYd = Σ_k
// S_k·(1+r)^(−k)·(1 − e^{−λ_k})/λ_k); relapses = ARR·LY, cost_disc = (c_EDSS +
// ARR·c_relapse)·LYd, qaly_disc = (u_EDSS − ARR·disutility·duration)·LYd.
// The cohort integrates within 1e-7 (cohort.go), so the tolerance is 1e-6
// relative.
func TestReferenceCaseLifeExpectancy(t *testing.T) {
	identity := make([][]float64, NEDSS)
	for i := range identity {
		identity[i] = make([]float64, NEDSS)
		identity[i][i] = 1
	}
	for _, tc := range []struct {
		name, strategy, table string
		female                bool
		age                   float64
		edss                  int
		// The case's numbers at that EDSS, as written in its data file
		// (uk_nice: ms-inputs.md §2.1, §5.1, Kobelt 2006 and the Irish
		// relapse cost inflated to 2021 with the ONS CPI, 111.6/78.1 from
		// 2005 and 111.6/98.5 from 2013, ICER-2017 utility; us_icer:
		// data/defaults.toml, its 2017 costs inflated to 2020 with the
		// BLS CPI-U, 258.811/245.120).
		smr, arr, cost, relCost, util, loss, r float64
		annual                                 bool
	}{
		{"uk_nice", "no_dmt", "lifetable_ew_2019.csv", true, 40, 3, 1.64, 0.596, 12000 * 111.6 / 78.1, 1395 * 111.6 / 98.5, 0.6946, 0.076 * 0.5, 0.035, true},
		{"us_icer", "ofatumumab_first", "lifetable_us_2015.csv", false, 50, 8, 3.4, 0.51, 12547 * 258.811 / 245.120, 1771 * 258.811 / 245.120, 0.0023, 0.091 * 0.125, 0.03, false},
	} {
		edss := make([]float64, NEDSS)
		edss[tc.edss] = 1
		female := 0.0
		col := 2
		if tc.female {
			female, col = 1, 1
		}
		inputs := mustJSON(t, map[string]any{
			"reference_case":  tc.name,
			"natural_history": map[string]any{"rrms": identity, "to_spms": make([]float64, NEDSS)},
			"baseline":        map[string]any{"age_mean": tc.age, "age_sd": 0, "female": female, "spms": 0, "edss": edss},
		})
		out := run(t, inputs, map[string]any{ParamMode: ModeCohort}, 1)
		mx := readMx(t, tc.table, col)
		rho := math.Log1p(tc.r)
		var ly, lyd float64
		s := 1.0
		for k := 0; tc.age+float64(k) < 100; k++ {
			lam := tc.smr * mx[int(tc.age)+k]
			ly += s * -math.Expm1(-lam) / lam
			if tc.annual {
				lyd += s * math.Exp(-rho*float64(k)) * -math.Expm1(-lam) / lam
			} else {
				lyd += s * math.Exp(-rho*float64(k)) * -math.Expm1(-(lam + rho)) / (lam + rho)
			}
			s *= math.Exp(-lam)
		}
		p := tc.strategy + "_"
		for _, c := range []struct {
			out  string
			want float64
		}{
			{"ly", ly}, {"ly_disc", lyd}, {"relapses", tc.arr * ly},
			{"cost_disc", (tc.cost + tc.arr*tc.relCost) * lyd},
			{"qaly_disc", (tc.util - tc.arr*tc.loss) * lyd},
		} {
			if got := out[p+c.out]; math.Abs(got-c.want) > 1e-6*math.Abs(c.want) {
				t.Errorf("%s %s%s = %.9g, hand computation %.9g", tc.name, p, c.out, got, c.want)
			}
		}
	}
}

// TestReferenceCaseSummaryListsInputs checks that the study summary (and so
// the report's inputs table) lists every input of the case with its
// provenance: the full reference for each sourced one, the reason for each
// assumed one.
func TestReferenceCaseSummaryListsInputs(t *testing.T) {
	for _, name := range ReferenceCases() {
		inputs := mustJSON(t, map[string]any{"reference_case": name})
		s, err := Model{}.Summarize(inputs, nil)
		if err != nil {
			t.Fatal(err)
		}
		sm := s.(*Summary)
		rc, _ := LoadReferenceCase(name)
		if sm.ReferenceCase != name || len(sm.Inputs) != len(rc.Inputs) {
			t.Fatalf("%s: case %q, %d inputs, want %d", name, sm.ReferenceCase, len(sm.Inputs), len(rc.Inputs))
		}
		for _, in := range sm.Inputs {
			if in.Value == "" || in.Value == "null" {
				t.Errorf("%s: %s has no value", name, in.Key)
			}
			if in.Status != "assumed" && in.Status != "choice" && in.Source == "" || in.Status == "assumed" && in.Note == "" {
				t.Errorf("%s: %s (%s) has neither source nor reason", name, in.Key, in.Status)
			}
		}
	}
}

// TestReferenceCasesDESAgreesWithCohort: for both reference cases (their
// whole starting population, each case's discounting convention) the DES
// agrees with the cohort within 4 standard errors, as desAgreesWithCohort
// checks for the defaults; one timing (continuous, the cases' default).
func TestReferenceCasesDESAgreesWithCohort(t *testing.T) {
	if testing.Short() {
		t.Skip("DES of 10 × 2,000 patients per case")
	}
	const runs, n = 10, 2000
	for _, name := range ReferenceCases() {
		inputs := mustJSON(t, map[string]any{"reference_case": name})
		cohort := run(t, inputs, map[string]any{ParamMode: ModeCohort}, 1)
		sum, sum2 := map[string]float64{}, map[string]float64{}
		for r := range runs {
			for k, v := range run(t, inputs, map[string]any{ParamPatients: int64(n)}, uint64(300+r)) {
				sum[k] += v
				sum2[k] += v * v
			}
		}
		checked := 0
		for k, want := range cohort {
			if k == "patient_years" || strings.HasSuffix(k, "_icer") || strings.HasPrefix(k, "nh_") {
				continue
			}
			mean := sum[k] / runs
			se := math.Sqrt(max(0, sum2[k]/runs-mean*mean) / (runs - 1))
			if d := math.Abs(mean - want); d > 4*se+1e-6*math.Abs(want) {
				t.Errorf("%s: %s: DES %.6g ± %.3g (SE), cohort %.6g: %.1f SE apart", name, k, mean, se, want, d/se)
			}
			checked++
		}
		if checked < 20 {
			t.Fatalf("%s: compared only %d outputs", name, checked)
		}
	}
}

// FuzzInputs feeds arbitrary JSON to the inputs reader (defaults, a
// reference case, the scenario's [inputs]): it must not panic, and an
// error must be one line.
func FuzzInputs(f *testing.F) {
	for _, s := range []string{`{}`, `{"reference_case": "uk_nice"}`, `{"reference_case": "us_icer", "wtp": 5}`,
		`{"reference_case": 3}`, `{"discounting": "annual"}`, `{"reference_case": "uk_nice", "therapies": {"ofatumumab": {"hr": 60}}}`,
		`{"waning": {"type": "stepwise", "steps": [[2, 0.25], [5, 0.5]]}}`, `{"waning": {"type": "linear", "start": 1, "end": 3, "loss": 0.5, "step": 0.5}}`,
		`{"waning": {"type": "linear", "end": 1e300, "loss": 1, "step": 1e-300}}`, `{"cdw_months": [3, 6]}`, `{"cdw_months": [2.5]}`,
		`{"observed": [{"output": "x_arr", "what": "w", "observed": 1, "source": "s"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		// compile parses (parseInputs) and compiles (waning, CDW periods,
		// strategies), so every reader of [inputs] is reached.
		if _, err := compile(data); err != nil && strings.ContainsAny(err.Error(), "\n\r") {
			t.Fatalf("error is not one line: %q", err)
		}
	})
}

// TestReferenceCasePriceYear checks that a case with a price index states
// the price year of every cost it gives (none is left at its source's
// prices unnoticed) and that the model runs on each cost times
// index(case year)/index(price year), the index values read here from the
// CSV shipped beside the case (ONS D7BT for the UK case, BLS CPI-U for the
// US one).
func TestReferenceCasePriceYear(t *testing.T) {
	def, err := defaults()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		year  int
		costs int
		check map[int]float64 // published index values the file must hold
	}{
		{"uk_nice", 2021, 3, map[int]float64{2005: 78.1, 2015: 100, 2021: 111.6}},
		{"us_icer", 2020, 8, map[int]float64{2017: 245.120, 2020: 258.811}},
	} {
		rc, err := LoadReferenceCase(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if rc.PriceIndex == nil || rc.PriceIndex.Year != tc.year {
			t.Fatalf("%s: price index %+v, want one with year %d", tc.name, rc.PriceIndex, tc.year)
		}
		b, err := os.ReadFile("data/" + rc.PriceIndex.File)
		if err != nil {
			t.Fatal(err)
		}
		index := map[int]float64{}
		for _, line := range strings.Split(string(b), "\n") {
			y, v, ok := strings.Cut(line, ",")
			if yi, err := strconv.Atoi(y); ok && err == nil {
				index[yi], _ = strconv.ParseFloat(v, 64)
			}
		}
		for y, v := range tc.check {
			if index[y] != v {
				t.Fatalf("%s: index %d = %v, published %v", tc.name, y, index[y], v)
			}
		}
		in, err := parseInputs(mustJSON(t, map[string]any{"reference_case": tc.name}))
		if err != nil {
			t.Fatal(err)
		}
		got := func(key string) []float64 {
			switch key {
			case "costs.edss":
				return in.Costs.EDSS
			case "costs.relapse":
				return []float64{in.Costs.Relapse}
			}
			parts := strings.Split(key, ".")
			th := in.Therapies[parts[1]]
			return map[string][]float64{"cost": {th.Cost}, "admin_cost": {th.AdminCost}, "ae_cost": {th.AECost}}[parts[2]]
		}
		costs := 0
		for _, e := range rc.Inputs {
			v := e.Value
			if v == nil {
				v, _ = lookup(def, e.Key)
			}
			if !isCostKey(e.Key) || !nonzero(v) {
				continue
			}
			costs++
			if e.PriceYear == 0 {
				t.Errorf("%s: %s: a cost without its price year", tc.name, e.Key)
				continue
			}
			f := index[tc.year] / index[e.PriceYear]
			var given []float64
			if xs, ok := v.([]any); ok {
				for _, x := range xs {
					given = append(given, toFloat(x))
				}
			} else {
				given = []float64{toFloat(v)}
			}
			for i, g := range given {
				if w := g * f; math.Abs(got(e.Key)[i]-w) > 1e-9*w {
					t.Errorf("%s: %s[%d] = %v, want %v × %v = %v", tc.name, e.Key, i, got(e.Key)[i], g, f, w)
				}
			}
		}
		if costs != tc.costs {
			t.Errorf("%s: %d nonzero costs, want %d", tc.name, costs, tc.costs)
		}
	}
	// The errors: a price year on a non-cost, a year the index lacks.
	base := "name='x'\ntitle='x'\n[price_index]\nyear=2021\nfile='cpi_uk_ons_d7bt.csv'\nsource='a'\n[sources]\na='A'\n"
	for _, tc := range []struct{ text, want string }{
		{base + "[[input]]\nkey='wtp'\nvalue=1\nstatus='choice'\nnote='n'\nprice_year=2005\n", "price_year is for a cost"},
		{base + "[[input]]\nkey='costs.relapse'\nvalue=1\nstatus='assumed'\nnote='n'\nprice_year=1900\n", "price_year 1900 is not in"},
		{"name='x'\ntitle='x'\n[price_index]\nyear=2021\nfile='cpi_uk_ons_d7bt.csv'\nsource='a'\n", "needs year, file and a source"},
		{"name='x'\ntitle='x'\n[sources]\na='A'\n[price_index]\nyear=1800\nfile='cpi_uk_ons_d7bt.csv'\nsource='a'\n", "no value for the price year 1800"},
	} {
		if _, err := parseReferenceCase("x.toml", []byte(tc.text)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

// nonzero reports whether a decoded number or list has a nonzero entry.
func nonzero(v any) bool {
	if x, ok := v.([]any); ok {
		return slices.ContainsFunc(x, nonzero)
	}
	f := toFloat(v)
	return f != 0 && !math.IsNaN(f)
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

// TestPriceIndexRows checks the price-index reader on small CSVs written
// here: a good file gives its values, and a repeated year (which used to
// let the later row win silently), a row without exactly two fields, a bad
// or infinite number and a missing header are each refused in one line
// naming the row. Rows count the file's records, the header being row 1
// and comment lines not counted.
func TestPriceIndexRows(t *testing.T) {
	got, err := parsePriceIndex("good.csv", []byte("# a comment\nyear,index\n2005,78.1\n2006,79.9\n"))
	if err != nil || len(got) != 2 || got[2005] != 78.1 || got[2006] != 79.9 {
		t.Fatalf("good file: %v, %v", got, err)
	}
	for _, tc := range []struct{ name, text, want string }{
		{"repeated year", "# c\nyear,index\n2005,78.1\n2006,79.9\n2005,80\n", "data/x.csv: row 4: year 2005 repeats row 2"},
		{"three fields", "year,index\n2005,78.1\n2006,79.9,1\n", "data/x.csv: row 3: expected 2 fields (year,index), got 3"},
		{"one field", "year,index\n2005\n", "data/x.csv: row 2: expected 2 fields (year,index), got 1"},
		{"not a number", "year,index\n2005,x\n", `data/x.csv: row 2: expected a year and a positive index, got ["2005" "x"]`},
		{"infinite", "year,index\n2005,+Inf\n", `data/x.csv: row 2: expected a year and a positive index, got ["2005" "+Inf"]`},
		{"no header", "2005,78.1\n", `data/x.csv: expected a header "year,index" and rows`},
	} {
		_, err := parsePriceIndex("x.csv", []byte(tc.text))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestIsCostKeyFollowsSchema guards isCostKey's hand-written rule against
// the inputs' schema: every key of [inputs.costs] and every therapy key
// whose name ends in "cost" (cost, admin_cost, ae_cost) is a cost a price
// index inflates, and no other key is — so a cost key added to the schema
// without isCostKey knowing it fails here.
func TestIsCostKeyFollowsSchema(t *testing.T) {
	for table, keys := range schema {
		prefix, ok := strings.CutPrefix(table, "inputs.")
		if !ok || strings.Contains(table, "[]") {
			continue // top-level keys and the arrays are no case keys
		}
		prefix = strings.ReplaceAll(prefix, "*", "ocrelizumab")
		for _, k := range keys {
			key := prefix + "." + k
			want := table == "inputs.costs" || (table == "inputs.therapies.*" && strings.HasSuffix(k, "cost"))
			if got := isCostKey(key); got != want {
				t.Errorf("isCostKey(%q) = %v, want %v", key, got, want)
			}
		}
	}
}
