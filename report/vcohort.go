package report

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
)

// CohortArm is one arm of a virtual-cohort comparison: a study run on one
// cohort table — the real registry, or its privacy-preserving avatar copy.
type CohortArm struct {
	Label  string           // e.g. "registry", "avatar copy"
	Table  string           // the cohort table's path
	SHA256 string           // of its bytes
	Rows   []map[string]any // the cohort rows the model received ([inputs] patients)
	Study  *StudyOutputs    // the study's output folder, read
}

// CohortComparison compares what a model predicts for a real cohort and
// for a virtual one made from it: the cohorts' characteristics side by side
// and every scalar output's study mean on each, with the difference and its
// Monte Carlo interval.
type CohortComparison struct {
	Real, Virtual   CohortArm
	Characteristics []CharacteristicRow
	Outputs         []OutputDifference
}

// CharacteristicRow is one baseline characteristic of both cohorts: a
// numeric field's mean (SD), or a categorical field's share of one value.
type CharacteristicRow struct {
	Field   string  `json:"field"`
	Value   string  `json:"value,omitempty"` // the category, for a share
	Real    float64 `json:"real"`
	RealSD  float64 `json:"real_sd,omitempty"`
	Virtual float64 `json:"virtual"`
	VirtSD  float64 `json:"virtual_sd,omitempty"`
	Share   bool    `json:"share"` // Real and Virtual are shares in [0, 1]
}

// OutputDifference is one output's study mean over the runs of each arm,
// each with its Monte Carlo 95 % interval mean ± 1.96·SD/√runs, and the
// difference virtual − real with the interval ±1.96·√(se_r² + se_v²)
// (independent runs). With one run per arm the intervals are unknown
// (NaN). A difference whose interval excludes 0 is more than Monte Carlo
// noise: the virtual cohort changes the prediction.
type OutputDifference struct {
	Output     string  `json:"output"`
	Real       float64 `json:"real"`
	RealHalf   float64 `json:"real_ci_half_width"`
	Virtual    float64 `json:"virtual"`
	VirtHalf   float64 `json:"virtual_ci_half_width"`
	Difference float64 `json:"difference"`
	DiffHalf   float64 `json:"difference_ci_half_width"`
	Relative   float64 `json:"relative_difference"` // difference / |real|; NaN when real is 0
	Beyond     bool    `json:"beyond_monte_carlo"`  // the difference's interval excludes 0
}

// CompareCohorts builds the comparison of a study run on a real cohort and
// on a virtual copy of it. The characteristics are those of the fields
// both arms' rows share (identifiers, which every row has distinct, are
// left out); the outputs those both studies summarise.
func CompareCohorts(real, virtual CohortArm) *CohortComparison {
	c := &CohortComparison{Real: real, Virtual: virtual}
	for _, f := range sharedFields(real.Rows, virtual.Rows) {
		c.Characteristics = append(c.Characteristics, characteristic(f, real.Rows, virtual.Rows)...)
	}
	var names []string
	for name := range real.Study.Outputs {
		if _, ok := virtual.Study.Outputs[name]; ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		r, v := real.Study.Outputs[name], virtual.Study.Outputs[name]
		if r.Mean == nil || v.Mean == nil {
			continue
		}
		se := func(sd *float64, n int) float64 {
			if sd == nil || n < 2 {
				return math.NaN()
			}
			return *sd / math.Sqrt(float64(n))
		}
		sr, sv := se(r.SD, r.N), se(v.SD, v.N)
		d := OutputDifference{Output: name, Real: *r.Mean, RealHalf: 1.96 * sr, Virtual: *v.Mean, VirtHalf: 1.96 * sv,
			Difference: *v.Mean - *r.Mean, DiffHalf: 1.96 * math.Hypot(sr, sv)}
		d.Relative = math.NaN()
		if *r.Mean != 0 {
			d.Relative = d.Difference / math.Abs(*r.Mean)
		}
		d.Beyond = math.Abs(d.Difference) > d.DiffHalf
		c.Outputs = append(c.Outputs, d)
	}
	return c
}

// sharedFields returns the fields present in both arms' rows, in sorted
// order, leaving out identifiers (a string field with a distinct value in
// every row).
func sharedFields(a, b []map[string]any) []string {
	in := func(rows []map[string]any) map[string]bool {
		out := map[string]bool{}
		for _, r := range rows {
			for k := range r {
				out[k] = true
			}
		}
		return out
	}
	fa, fb := in(a), in(b)
	var out []string
	for f := range fa {
		if fb[f] && !identifier(f, a) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

func identifier(f string, rows []map[string]any) bool {
	seen := map[string]bool{}
	for _, r := range rows {
		s, ok := r[f].(string)
		if !ok || seen[s] {
			return false
		}
		seen[s] = true
	}
	return len(rows) > 1
}

// characteristic summarises field f in both arms: mean (SD) when every
// value is a number, else the share of each value.
func characteristic(f string, a, b []map[string]any) []CharacteristicRow {
	numeric := true
	for _, rows := range [][]map[string]any{a, b} {
		for _, r := range rows {
			if v, ok := r[f]; ok {
				if _, isNum := v.(float64); !isNum {
					numeric = false
				}
			}
		}
	}
	if numeric {
		ma, sa := meanSD(f, a)
		mb, sb := meanSD(f, b)
		return []CharacteristicRow{{Field: f, Real: ma, RealSD: sa, Virtual: mb, VirtSD: sb}}
	}
	values := map[string]bool{}
	for _, rows := range [][]map[string]any{a, b} {
		for _, r := range rows {
			if v, ok := r[f]; ok {
				values[fmt.Sprint(v)] = true
			}
		}
	}
	var out []CharacteristicRow
	for _, v := range slices.Sorted(maps.Keys(values)) {
		out = append(out, CharacteristicRow{Field: f, Value: v, Real: share(f, v, a), Virtual: share(f, v, b), Share: true})
	}
	return out
}

func meanSD(f string, rows []map[string]any) (mean, sd float64) {
	var xs []float64
	for _, r := range rows {
		if x, ok := r[f].(float64); ok {
			xs = append(xs, x)
		}
	}
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	if len(xs) > 1 {
		sd = math.Sqrt(sd / float64(len(xs)-1))
	}
	return mean, sd
}

// share is the share of rows whose f is v among the rows that have f.
func share(f, v string, rows []map[string]any) float64 {
	n, k := 0, 0
	for _, r := range rows {
		if x, ok := r[f]; ok {
			n++
			if fmt.Sprint(x) == v {
				k++
			}
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return float64(k) / float64(n)
}

// WriteHTML writes the comparison as one self-contained page.
func (c *CohortComparison) WriteHTML(w io.Writer) error {
	st := c.Real.Study
	p := &page{Title: "Virtual cohort: " + st.Manifest.Study,
		Subtitle: fmt.Sprintf("%s %s run on a real cohort and on its virtual (avatar) copy", st.Manifest.Model, st.Manifest.ModelVersion),
		Facts: [][2]string{
			{"scenario", st.Manifest.Scenario},
			{c.Real.Label + " table", fmt.Sprintf("%s (%d rows, sha256 %s)", c.Real.Table, len(c.Real.Rows), c.Real.SHA256[:min(12, len(c.Real.SHA256))])},
			{c.Virtual.Label + " table", fmt.Sprintf("%s (%d rows, sha256 %s)", c.Virtual.Table, len(c.Virtual.Rows), c.Virtual.SHA256[:min(12, len(c.Virtual.SHA256))])},
			{"runs per arm", fmt.Sprintf("%d and %d (seed %d)", st.Manifest.Done, c.Virtual.Study.Manifest.Done, st.Manifest.Seed)},
			{"outputs", st.Dir + " and " + c.Virtual.Study.Dir},
		}}
	chars := table{ID: "characteristics", Caption: "The cohorts at the start of the simulation",
		Head: []string{"field", c.Real.Label, c.Virtual.Label}}
	for _, r := range c.Characteristics {
		if r.Share {
			chars.Rows = append(chars.Rows, []string{r.Field + " = " + r.Value, pct(r.Real), pct(r.Virtual)})
			continue
		}
		chars.Rows = append(chars.Rows, []string{r.Field + ", mean (SD)",
			fmt.Sprintf("%s (%s)", fmtNum(r.Real), fmtNum(r.RealSD)), fmt.Sprintf("%s (%s)", fmtNum(r.Virtual), fmtNum(r.VirtSD))})
	}
	outs := table{ID: "outputs", Caption: "Predicted outcomes: study means with Monte Carlo 95 % intervals",
		Head: []string{"output", c.Real.Label, c.Virtual.Label, "virtual − real", "relative", "beyond Monte Carlo noise"}}
	beyond := 0
	for _, o := range c.Outputs {
		mark := ""
		if o.Beyond {
			mark = "yes"
			beyond++
		}
		outs.Rows = append(outs.Rows, []string{o.Output, withHalf(o.Real, o.RealHalf), withHalf(o.Virtual, o.VirtHalf),
			withHalf(o.Difference, o.DiffHalf), pct(o.Relative), mark})
	}
	p.Sections = []section{
		{ID: "cohorts", Title: "Cohorts", Tables: []table{chars},
			Notes: []string{"Each row of a cohort table is one patient the model starts from ([cohort] table of the scenario). " +
				"The virtual cohort is the avatar copy of the real one (mdtwin synth): no row of it is a real patient, and its " +
				"privacy report says how far that holds."}},
		{ID: "outcomes", Title: "Outcomes", Tables: []table{outs},
			Notes: []string{fmt.Sprintf("%d of %d outputs differ by more than the Monte Carlo error of the two studies "+
				"(difference interval ±1.96·√(se_real² + se_virtual²) excluding 0). The intervals cover simulation noise "+
				"only, not the sampling of the patients themselves; a difference beyond them comes from the cohorts.", beyond, len(c.Outputs))}},
	}
	return p.write(w)
}

func withHalf(x, half float64) string {
	if math.IsNaN(half) {
		return fmtNum(x)
	}
	return fmt.Sprintf("%s ± %s", fmtNum(x), fmtNum(half))
}

func pct(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*x)
}

// MarshalJSON writes the characteristics and the outputs, NaN (an unknown
// interval or a relative difference to 0) as null.
func (c *CohortComparison) MarshalJSON() ([]byte, error) {
	num := func(x float64) any {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	}
	var chars, outs []map[string]any
	for _, r := range c.Characteristics {
		m := map[string]any{"field": r.Field, "real": num(r.Real), "virtual": num(r.Virtual), "share": r.Share}
		if r.Share {
			m["value"] = r.Value
		} else {
			m["real_sd"], m["virtual_sd"] = num(r.RealSD), num(r.VirtSD)
		}
		chars = append(chars, m)
	}
	for _, o := range c.Outputs {
		outs = append(outs, map[string]any{"output": o.Output, "real": num(o.Real), "real_ci_half_width": num(o.RealHalf),
			"virtual": num(o.Virtual), "virtual_ci_half_width": num(o.VirtHalf), "difference": num(o.Difference),
			"difference_ci_half_width": num(o.DiffHalf), "relative_difference": num(o.Relative), "beyond_monte_carlo": o.Beyond})
	}
	return json.Marshal(map[string]any{
		"real":            map[string]any{"label": c.Real.Label, "table": c.Real.Table, "sha256": c.Real.SHA256, "rows": len(c.Real.Rows), "study": c.Real.Study.Dir},
		"virtual":         map[string]any{"label": c.Virtual.Label, "table": c.Virtual.Table, "sha256": c.Virtual.SHA256, "rows": len(c.Virtual.Rows), "study": c.Virtual.Study.Dir},
		"characteristics": chars, "outputs": outs,
	})
}
