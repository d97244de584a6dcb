package mscohort

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

//go:embed data/defaults.toml data/lifetable_us_2015.csv data/lifetable_ew_2019.csv data/cpi_uk_ons_d7bt.csv data/cpi_us_bls_cpiu.csv data/cases/*.toml
var dataFS embed.FS

// NEDSS is the number of EDSS states: 0, 1, …, 9 (state k stands for EDSS k
// to k+0.5).
const NEDSS = 10

// rowTolerance is how far a row of probabilities, or a distribution of
// shares, may sum from 1.
const rowTolerance = 1e-9

// NoTherapy is the therapy name of a line without treatment ("none"): no
// effect, no cost, no discontinuation.
const NoTherapy = "none"

// OtherTherapy is the baseline therapy ("other") of a patient on a therapy
// that is not in the therapies table. No strategy line can continue it, so
// every strategy starts its first line at time 0 (see the package doc,
// "The patient"); it is never simulated and needs no numbers.
const OtherTherapy = "other"

// InputError is a mistake in the model's inputs (the defaults merged with
// the scenario's [inputs] table). Where names the table, and the message the
// row and column:
//
//	inputs.natural_history.rrms: row "EDSS 3", column "EDSS 5": probability 1.2 is outside [0, 1]
type InputError struct {
	Where string
	Msg   string
}

func (e *InputError) Error() string {
	if e.Where == "" {
		return e.Msg
	}
	return e.Where + ": " + e.Msg
}

func inputErr(where, format string, args ...any) *InputError {
	return &InputError{Where: where, Msg: fmt.Sprintf(format, args...)}
}

// rawInputs is the inputs table as decoded; see data/defaults.toml.
type rawInputs struct {
	// ReferenceCase is the name of the reference case the inputs start
	// from (cases.go); "" for the defaults alone.
	ReferenceCase   string          `json:"reference_case"`
	Currency        string          `json:"currency"`
	WTP             float64         `json:"wtp"`
	WTPGrid         json.RawMessage `json:"wtp_grid"`
	DiscountCosts   float64         `json:"discount_costs"`
	DiscountEffects float64         `json:"discount_effects"`
	// Discounting is the convention: DiscountContinuous or DiscountAnnual.
	Discounting    string  `json:"discounting"`
	MaxAge         float64 `json:"max_age"`
	NaturalHistory struct {
		RRMS        [][]float64 `json:"rrms"`
		SPMS        [][]float64 `json:"spms"`
		ToSPMS      []float64   `json:"to_spms"`
		RelapseRRMS []float64   `json:"relapse_rrms"`
		RelapseSPMS []float64   `json:"relapse_spms"`
	} `json:"natural_history"`
	Mortality struct {
		SMR      []float64 `json:"smr"`
		FemaleMx []float64 `json:"female_mx"`
		MaleMx   []float64 `json:"male_mx"`
	} `json:"mortality"`
	Costs struct {
		EDSS    []float64 `json:"edss"`
		Relapse float64   `json:"relapse"`
	} `json:"costs"`
	Utilities struct {
		EDSS              []float64 `json:"edss"`
		SPMSDecrement     float64   `json:"spms_decrement"`
		RelapseDisutility float64   `json:"relapse_disutility"`
		RelapseDuration   float64   `json:"relapse_duration"`
		// CarerEDSS is the carer's utility loss per year by EDSS, counted
		// against the patient's QALYs (0: no carer effect).
		CarerEDSS []float64 `json:"carer_edss"`
	} `json:"utilities"`
	Baseline struct {
		Female  float64   `json:"female"`
		AgeMean float64   `json:"age_mean"`
		AgeSD   float64   `json:"age_sd"`
		AgeMin  float64   `json:"age_min"`
		AgeMax  float64   `json:"age_max"`
		EDSS    []float64 `json:"edss"`
		SPMS    float64   `json:"spms"`
		// Therapy is the therapy the starting population is on at time 0:
		// NoTherapy, OtherTherapy or a name of Therapies.
		Therapy        string  `json:"therapy"`
		YearsOnTherapy float64 `json:"years_on_therapy"`
	} `json:"baseline"`
	PSA struct {
		ESSRRMS           float64 `json:"ess_rrms"`
		ESSSPMS           float64 `json:"ess_spms"`
		ESSToSPMS         float64 `json:"ess_to_spms"`
		RelapseCV         float64 `json:"relapse_cv"`
		CostCV            float64 `json:"cost_cv"`
		UtilitySE         float64 `json:"utility_se"`
		SMRSELog          float64 `json:"smr_se_log"`
		DiscontinuationCV float64 `json:"discontinuation_cv"`
	} `json:"psa"`
	Therapies  map[string]rawTherapy `json:"therapies"`
	Strategies []rawStrategy         `json:"strategies"`
	// Waning is the treatment-effect waning (waning.go).
	Waning rawWaning `json:"waning"`
	// CDWMonths and Observed ask for confirmed-disability-worsening
	// outputs and set published figures beside outputs (trial.go).
	CDWMonths []float64     `json:"cdw_months"`
	Observed  []rawObserved `json:"observed"`
	// Patients lists the patients of the cohort one by one (see
	// parsePatients); absent, they are drawn from Baseline.
	Patients json.RawMessage `json:"patients"`
}

type rawTherapy struct {
	HR              float64 `json:"hr"`
	RR              float64 `json:"rr"`
	HRSELog         float64 `json:"hr_se_log"`
	RRSELog         float64 `json:"rr_se_log"`
	Cost            float64 `json:"cost"`
	AdminCost       float64 `json:"admin_cost"`
	Discontinuation float64 `json:"discontinuation"`
	// AECost and AEDisutility are the adverse events' cost and QALY loss
	// per year on the therapy.
	AECost       float64 `json:"ae_cost"`
	AEDisutility float64 `json:"ae_disutility"`
}

type rawStrategy struct {
	Name              string    `json:"name"`
	Lines             []rawLine `json:"lines"`
	StopAtSPMS        *bool     `json:"stop_at_spms"`
	StopEDSS          *float64  `json:"stop_edss"`
	OnDiscontinuation string    `json:"on_discontinuation"`
}

type rawLine struct {
	Therapy  string   `json:"therapy"`
	SwitchAt *float64 `json:"switch_at"`
	MaxYears *float64 `json:"max_years"`
}

// The keys each table accepts, for "unknown key" errors: a misspelt key
// would otherwise silently keep its default.
var schema = map[string][]string{
	"inputs": {"reference_case", "currency", "wtp", "wtp_grid", "discount_costs", "discount_effects", "discounting", "max_age",
		"natural_history", "mortality", "costs", "utilities", "baseline", "psa", "therapies", "strategies", "patients", "waning", "cdw_months", "observed"},
	"inputs.observed[]":           {"output", "what", "observed", "lower", "upper", "source"},
	"inputs.waning":               {"type", "steps", "start", "end", "loss", "step"},
	"inputs.natural_history":      {"rrms", "spms", "to_spms", "relapse_rrms", "relapse_spms"},
	"inputs.mortality":            {"smr", "female_mx", "male_mx"},
	"inputs.costs":                {"edss", "relapse"},
	"inputs.utilities":            {"edss", "spms_decrement", "relapse_disutility", "relapse_duration", "carer_edss"},
	"inputs.baseline":             {"female", "age_mean", "age_sd", "age_min", "age_max", "edss", "spms", "therapy", "years_on_therapy"},
	"inputs.psa":                  {"ess_rrms", "ess_spms", "ess_to_spms", "relapse_cv", "cost_cv", "utility_se", "smr_se_log", "discontinuation_cv"},
	"inputs.therapies.*":          {"hr", "rr", "hr_se_log", "rr_se_log", "cost", "admin_cost", "discontinuation", "ae_cost", "ae_disutility"},
	"inputs.strategies[]":         {"name", "lines", "stop_at_spms", "stop_edss", "on_discontinuation"},
	"inputs.strategies[].lines[]": {"therapy", "switch_at", "max_years"},
	"inputs.wtp_grid":             {"from", "to", "points"},
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// defaults holds the embedded default inputs as a generic table and the
// life table, parsed once.
var defaults = sync.OnceValues(func() (map[string]any, error) {
	b, err := dataFS.ReadFile("data/defaults.toml")
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if _, err := toml.Decode(string(b), &m); err != nil {
		return nil, fmt.Errorf("mscohort: data/defaults.toml: %w", err)
	}
	f, err := dataFS.Open("data/lifetable_us_2015.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	female, male, err := readLifeTable(f)
	if err != nil {
		return nil, fmt.Errorf("mscohort: data/lifetable_us_2015.csv: %w", err)
	}
	mort := m["mortality"].(map[string]any)
	mort["female_mx"], mort["male_mx"] = toAny(female), toAny(male)
	return m, nil
})

func toAny(xs []float64) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// readLifeTable reads "age,female,male" rows (lines starting with # are
// comments); ages must run 0, 1, 2, … without gaps.
func readLifeTable(r io.Reader) (female, male []float64, err error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	if len(recs) < 2 || strings.Join(recs[0], ",") != "age,female,male" {
		return nil, nil, errors.New(`expected a header "age,female,male" and rows`)
	}
	for i, rec := range recs[1:] {
		var v [3]float64
		for k, s := range rec {
			if v[k], err = strconv.ParseFloat(s, 64); err != nil {
				return nil, nil, fmt.Errorf("row %d: %v", i+2, err)
			}
		}
		if int(v[0]) != i {
			return nil, nil, fmt.Errorf("row %d: age %v, expected %d", i+2, v[0], i)
		}
		female, male = append(female, v[1]), append(male, v[2])
	}
	return female, male, nil
}

// merge overlays src on dst: tables merge key by key, anything else
// (numbers, arrays, the strategies list) replaces.
func merge(dst, src map[string]any) {
	for k, v := range src {
		if sv, ok := v.(map[string]any); ok {
			if dv, ok := dst[k].(map[string]any); ok {
				merge(dv, sv)
				continue
			}
		}
		dst[k] = v
	}
}

// deepCopy copies a decoded TOML/JSON value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	case []map[string]any: // TOML arrays of tables
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// checkKeys reports the first key that the schema does not know, walking
// the tables in sorted order.
func checkKeys(m map[string]any, path, pattern string) error {
	allowed, ok := schema[pattern]
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return inputErr(path, "unknown key %q, expected one of: %s", k, strings.Join(allowed, ", "))
		}
	}
	for _, k := range keys {
		sub := path + "." + k
		switch v := m[k].(type) {
		case map[string]any:
			if k == "therapies" && pattern == "inputs" {
				for _, name := range sortedKeys(v) {
					t, ok := v[name].(map[string]any)
					if !ok {
						return inputErr(sub, "%s must be a table {hr, rr, cost, …}", name)
					}
					if err := checkKeys(t, sub+"."+name, "inputs.therapies.*"); err != nil {
						return err
					}
				}
				continue
			}
			if err := checkKeys(v, sub, pattern+"."+k); err != nil {
				return err
			}
		case []any:
			if k != "strategies" && k != "lines" {
				continue
			}
			for i, e := range v {
				t, ok := e.(map[string]any)
				if !ok {
					return inputErr(fmt.Sprintf("%s[%d]", sub, i), "must be a table")
				}
				if err := checkKeys(t, fmt.Sprintf("%s[%d]", sub, i), pattern+"."+k+"[]"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseInputs merges the scenario's inputs (JSON; may be empty) over the
// defaults, decodes and validates them.
func parseInputs(inputs json.RawMessage) (*rawInputs, error) {
	def, err := defaults()
	if err != nil {
		return nil, err
	}
	merged := deepCopy(def).(map[string]any)
	if s := bytes.TrimSpace(inputs); len(s) > 0 && string(s) != "null" {
		var user map[string]any
		if err := json.Unmarshal(s, &user); err != nil {
			return nil, inputErr("inputs", "not a table: %v", err)
		}
		if rc, ok := user["reference_case"]; ok {
			name, ok := rc.(string)
			if !ok {
				return nil, inputErr("inputs", "reference_case must be a string, expected one of: %s", strings.Join(ReferenceCases(), ", "))
			}
			c, err := LoadReferenceCase(name)
			if err != nil {
				return nil, err
			}
			ov, err := c.overlay(def)
			if err != nil {
				return nil, err
			}
			for _, k := range []string{"therapies", "strategies"} {
				if v, ok := ov[k]; ok { // a case's therapies and strategies replace the defaults'
					merged[k] = v
					delete(ov, k)
				}
			}
			merge(merged, ov)
		}
		merge(merged, user)
	}
	if err := checkKeys(merged, "inputs", "inputs"); err != nil {
		return nil, err
	}
	b, err := json.Marshal(merged)
	if err != nil {
		return nil, inputErr("inputs", "%v", err)
	}
	var in rawInputs
	if err := json.Unmarshal(b, &in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, inputErr("inputs."+te.Field, "expected %s, got a JSON %s", jsonKind(te.Type.Kind().String()), te.Value)
		}
		return nil, inputErr("inputs", "%v", err)
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	return &in, nil
}

func jsonKind(k string) string {
	switch k {
	case "float64":
		return "a number"
	case "slice":
		return "an array"
	case "string":
		return "a string"
	case "struct", "map":
		return "a table"
	case "bool", "ptr":
		return "a boolean or number"
	}
	return k
}

func edssName(i int) string { return fmt.Sprintf("EDSS %d", i) }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// checkMatrix checks a 10×10 matrix of annual transition probabilities.
func checkMatrix(where string, m [][]float64) error {
	if len(m) != NEDSS {
		return inputErr(where, "has %d rows, expected %d (EDSS 0 to 9)", len(m), NEDSS)
	}
	for i, row := range m {
		if len(row) != NEDSS {
			return inputErr(where, "row %q has %d columns, expected %d (EDSS 0 to 9)", edssName(i), len(row), NEDSS)
		}
		var sum float64
		for j, p := range row {
			if !(p >= 0 && p <= 1) {
				return inputErr(where, "row %q, column %q: probability %s is outside [0, 1]", edssName(i), edssName(j), fmtNum(p))
			}
			sum += p
		}
		if math.Abs(sum-1) > rowTolerance {
			return inputErr(where, "row %q: the probabilities sum to %.12g, expected 1 (within 1e-9)", edssName(i), sum)
		}
	}
	return nil
}

// checkVector checks one value per EDSS state against [lo, hi].
func checkVector(where, what string, v []float64, lo, hi float64) error {
	if len(v) != NEDSS {
		return inputErr(where, "has %d values, expected %d (EDSS 0 to 9)", len(v), NEDSS)
	}
	for j, x := range v {
		if err := checkRange(where, fmt.Sprintf("column %q: %s", edssName(j), what), x, lo, hi); err != nil {
			return err
		}
	}
	return nil
}

// checkRange checks lo ≤ x ≤ hi (x finite); the message says negative for
// a lower bound of 0.
func checkRange(where, what string, x, lo, hi float64) error {
	switch {
	case !finite(x):
		return inputErr(where, "%s %s is not a finite number", what, fmtNum(x))
	case x < lo && lo == 0:
		return inputErr(where, "%s %s is negative, expected >= 0", what, fmtNum(x))
	case x < lo || x > hi:
		return inputErr(where, "%s %s is outside [%s, %s]", what, fmtNum(x), fmtNum(lo), fmtNum(hi))
	}
	return nil
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func (in *rawInputs) validate() error {
	inf := math.Inf(1)
	nh := &in.NaturalHistory
	checks := []error{
		checkRange("inputs", "wtp", in.WTP, 0, inf),
		checkRange("inputs", "discount_costs", in.DiscountCosts, 0, 1),
		checkRange("inputs", "discount_effects", in.DiscountEffects, 0, 1),
		checkRange("inputs", "max_age", in.MaxAge, 1, 150),
		checkMatrix("inputs.natural_history.rrms", nh.RRMS),
		checkMatrix("inputs.natural_history.spms", nh.SPMS),
		checkVector("inputs.natural_history.to_spms", "probability", nh.ToSPMS, 0, 1),
		checkVector("inputs.natural_history.relapse_rrms", "rate", nh.RelapseRRMS, 0, inf),
		checkVector("inputs.natural_history.relapse_spms", "rate", nh.RelapseSPMS, 0, inf),
		checkVector("inputs.mortality.smr", "mortality multiplier", in.Mortality.SMR, 0, inf),
		checkVector("inputs.costs.edss", "cost", in.Costs.EDSS, 0, inf),
		checkRange("inputs.costs", "relapse: cost", in.Costs.Relapse, 0, inf),
		checkVector("inputs.utilities.edss", "utility", in.Utilities.EDSS, -1, 1),
		checkRange("inputs.utilities", "spms_decrement", in.Utilities.SPMSDecrement, -1, 1),
		checkRange("inputs.utilities", "relapse_disutility", in.Utilities.RelapseDisutility, 0, 2),
		checkRange("inputs.utilities", "relapse_duration", in.Utilities.RelapseDuration, 0, 1),
		checkVector("inputs.utilities.carer_edss", "carer utility loss", in.Utilities.CarerEDSS, 0, 2),
		checkVector("inputs.baseline.edss", "share", in.Baseline.EDSS, 0, 1),
		checkRange("inputs.baseline", "female", in.Baseline.Female, 0, 1),
		checkRange("inputs.baseline", "spms: share", in.Baseline.SPMS, 0, 1),
		checkRange("inputs.baseline", "years_on_therapy", in.Baseline.YearsOnTherapy, 0, 150),
		checkRange("inputs.baseline", "age_sd", in.Baseline.AgeSD, 0, 100),
		checkRange("inputs.baseline", "age_min", in.Baseline.AgeMin, 0, 120),
		checkRange("inputs.baseline", "age_max", in.Baseline.AgeMax, in.Baseline.AgeMin, in.MaxAge),
		checkRange("inputs.baseline", "age_mean", in.Baseline.AgeMean, in.Baseline.AgeMin, in.Baseline.AgeMax),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	if in.Discounting != DiscountContinuous && in.Discounting != DiscountAnnual {
		return inputErr("inputs", "discounting = %q, expected %q (an outcome at time t weighs e^(−ρt), ρ = ln(1+r)) or %q (an outcome in year k of follow-up weighs 1/(1+r)^k, k = 0, 1, …)",
			in.Discounting, DiscountContinuous, DiscountAnnual)
	}
	if in.Baseline.AgeMin != math.Trunc(in.Baseline.AgeMin) || in.Baseline.AgeMax != math.Trunc(in.Baseline.AgeMax) {
		return inputErr("inputs.baseline", "age_min and age_max must be whole years")
	}
	var sum float64
	for _, s := range in.Baseline.EDSS {
		sum += s
	}
	if math.Abs(sum-1) > rowTolerance {
		return inputErr("inputs.baseline.edss", "the shares sum to %.12g, expected 1 (within 1e-9)", sum)
	}
	for _, lt := range []struct {
		key string
		mx  []float64
	}{{"female_mx", in.Mortality.FemaleMx}, {"male_mx", in.Mortality.MaleMx}} {
		if len(lt.mx) < 2 {
			return inputErr("inputs.mortality."+lt.key, "needs a death rate per year of age from age 0, got %d values", len(lt.mx))
		}
		for a, x := range lt.mx {
			if err := checkRange("inputs.mortality."+lt.key, fmt.Sprintf("age %d: death rate", a), x, 0, inf); err != nil {
				return err
			}
		}
	}
	p := &in.PSA
	for _, c := range []struct {
		key string
		v   float64
	}{{"ess_rrms", p.ESSRRMS}, {"ess_spms", p.ESSSPMS}, {"ess_to_spms", p.ESSToSPMS}} {
		if !(c.v > 0) || !finite(c.v) {
			return inputErr("inputs.psa", "%s %s must be a positive number", c.key, fmtNum(c.v))
		}
	}
	for _, c := range []struct {
		key string
		v   float64
	}{{"relapse_cv", p.RelapseCV}, {"cost_cv", p.CostCV}, {"utility_se", p.UtilitySE}, {"smr_se_log", p.SMRSELog}, {"discontinuation_cv", p.DiscontinuationCV}} {
		if err := checkRange("inputs.psa", c.key, c.v, 0, 10); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(in.Therapies) {
		where := "inputs.therapies." + name
		if !nameRE.MatchString(name) || name == NoTherapy || name == OtherTherapy {
			return inputErr("inputs.therapies", "therapy name %q must match %s and not be %q or %q: it names parameters (%s_hr, …) and outputs", name, nameRE, NoTherapy, OtherTherapy, name)
		}
		t := in.Therapies[name]
		for _, c := range []struct {
			key string
			v   float64
		}{{"hr", t.HR}, {"rr", t.RR}, {"hr_se_log", t.HRSELog}, {"rr_se_log", t.RRSELog},
			{"cost", t.Cost}, {"admin_cost", t.AdminCost}, {"discontinuation", t.Discontinuation},
			{"ae_cost", t.AECost}, {"ae_disutility", t.AEDisutility}} {
			what := c.key
			if c.key == "discontinuation" {
				what = "discontinuation: rate"
			}
			if err := checkRange(where, what, c.v, 0, inf); err != nil {
				return err
			}
		}
	}
	if th := in.Baseline.Therapy; th != NoTherapy && th != OtherTherapy {
		if _, ok := in.Therapies[th]; !ok {
			return inputErr("inputs.baseline", "therapy %q is not in [inputs.therapies]: expected %q (untreated), %q (a therapy outside the table, which every strategy replaces by its first line at time 0) or one of: %s",
				th, NoTherapy, OtherTherapy, strings.Join(sortedKeys(in.Therapies), ", "))
		}
	}
	if len(in.Strategies) == 0 {
		return inputErr("inputs", "strategies: give at least one [[inputs.strategies]] with a name and its therapy lines")
	}
	seen := map[string]bool{}
	for i, s := range in.Strategies {
		where := fmt.Sprintf("inputs.strategies[%d]", i)
		if !nameRE.MatchString(s.Name) {
			return inputErr(where, "name %q must match %s: it names the outputs (%s_cost_disc, …)", s.Name, nameRE, s.Name)
		}
		if seen[s.Name] {
			return inputErr(where, "strategy %q is defined twice", s.Name)
		}
		seen[s.Name] = true
		where += " (" + s.Name + ")"
		if s.OnDiscontinuation != "" && s.OnDiscontinuation != "next" && s.OnDiscontinuation != "stop" {
			return inputErr(where, "on_discontinuation = %q, expected \"next\" (start the next line) or \"stop\"", s.OnDiscontinuation)
		}
		if s.StopEDSS != nil && (*s.StopEDSS != math.Trunc(*s.StopEDSS) || *s.StopEDSS < 1 || *s.StopEDSS > NEDSS) {
			return inputErr(where, "stop_edss = %s, expected a whole EDSS from 1 to 10 (10: never stop)", fmtNum(*s.StopEDSS))
		}
		last := 0.0
		for k, l := range s.Lines {
			lw := fmt.Sprintf("%s.lines[%d]", where, k)
			if _, ok := in.Therapies[l.Therapy]; !ok && l.Therapy != NoTherapy {
				return inputErr(lw, "unknown therapy %q, expected %q or one of: %s", l.Therapy, NoTherapy, strings.Join(sortedKeys(in.Therapies), ", "))
			}
			if l.SwitchAt != nil {
				if !(*l.SwitchAt > last) || !finite(*l.SwitchAt) {
					return inputErr(lw, "switch_at = %s years, expected a time after the previous line's switch (%s) and finite", fmtNum(*l.SwitchAt), fmtNum(last))
				}
				last = *l.SwitchAt
			}
			if l.MaxYears != nil && (!(*l.MaxYears > 0) || !finite(*l.MaxYears)) {
				return inputErr(lw, "max_years = %s, expected a positive number of years", fmtNum(*l.MaxYears))
			}
		}
	}
	if len(in.WTPGrid) > 0 {
		if _, err := in.wtpGrid(); err != nil {
			return err
		}
	}
	return nil
}

// wtpGrid returns the willingness-to-pay grid of the summary.
func (in *rawInputs) wtpGrid() ([]float64, error) {
	const where = "inputs.wtp_grid"
	var list []float64
	if err := json.Unmarshal(in.WTPGrid, &list); err == nil {
		if len(list) == 0 {
			return nil, inputErr(where, "give at least one value")
		}
		for i, x := range list {
			if !(x >= 0) || !finite(x) || i > 0 && x <= list[i-1] {
				return nil, inputErr(where, "value [%d] = %s: expected increasing values >= 0", i, fmtNum(x))
			}
		}
		return list, nil
	}
	var g struct {
		From, To float64
		Points   int
	}
	if err := json.Unmarshal(in.WTPGrid, &g); err != nil || !(g.From >= 0) || !(g.To > g.From) || g.Points < 2 || g.Points > 100000 {
		return nil, inputErr(where, "expected a list of values or {from, to, points} with 0 <= from < to and 2 <= points <= 100000")
	}
	out := make([]float64, g.Points)
	for i := range out {
		out[i] = g.From + (g.To-g.From)*float64(i)/float64(g.Points-1)
	}
	return out, nil
}
