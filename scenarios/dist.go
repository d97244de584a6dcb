package scenarios

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/mdtwin/mdtwin/models"
)

// The distribution kinds of lhs and random designs.
const (
	Uniform    = "uniform"    // Min, Max
	Normal     = "normal"     // Mean, SD
	LogNormal  = "lognormal"  // Mu, Sigma: the mean and standard deviation of the logarithm
	Beta       = "beta"       // Alpha, Beta, rescaled from [0, 1] to [Min, Max]
	Gamma      = "gamma"      // Shape, Rate
	Triangular = "triangular" // Min, Mode, Max
	Discrete   = "discrete"   // Values, Weights
)

// distKinds lists the distributions in the order messages name them, with
// the keys each one takes after dist and whether each key is required.
var distKinds = []struct {
	kind     string
	keys     []string
	optional map[string]bool
}{
	{Uniform, []string{"min", "max"}, nil},
	{Normal, []string{"mean", "sd"}, nil},
	{LogNormal, []string{"mu", "sigma"}, nil},
	{Beta, []string{"alpha", "beta", "min", "max"}, map[string]bool{"min": true, "max": true}},
	{Gamma, []string{"shape", "rate"}, nil},
	{Triangular, []string{"min", "mode", "max"}, nil},
	{Discrete, []string{"values", "weights"}, map[string]bool{"weights": true}},
}

func distNames() string {
	names := make([]string, len(distKinds))
	for i, d := range distKinds {
		names[i] = d.kind
	}
	return strings.Join(names, ", ")
}

// Dist is the distribution of a parameter in an lhs or random design. Only
// the fields of its Kind are used.
type Dist struct {
	Kind string

	Min, Max    float64   // uniform, triangular; beta's range (0 and 1 unless given)
	Mode        float64   // triangular
	Mean, SD    float64   // normal
	Mu, Sigma   float64   // lognormal: of the logarithm
	Alpha, Beta float64   // beta
	Shape, Rate float64   // gamma: density ∝ x^(shape-1) e^(-rate x)
	Values      []any     // discrete: int64, float64, bool or string
	Weights     []float64 // discrete: as given, or all 1 (nil: equal weights)
	cumulative  []float64 // discrete: normalised cumulative weights
}

// Continuous reports whether the distribution is continuous (any kind but
// discrete).
func (d *Dist) Continuous() bool { return d.Kind != Discrete }

// Quantile returns the value whose cumulative probability is u, the inverse
// of the distribution function: a float64 for a continuous distribution, one
// of Values for a discrete one. For a discrete distribution with cumulative
// weights c₀ ≤ c₁ ≤ … (normalised so the last is 1) it returns the first
// value k with u < cₖ, so a value of weight zero is never returned. Quantile
// panics if u is outside [0, 1].
func (d *Dist) Quantile(u float64) any {
	if !(u >= 0 && u <= 1) {
		panic(fmt.Sprintf("scenarios: quantile of probability %v", u))
	}
	if d.Kind == Discrete {
		return d.Values[d.discreteIndex(u)]
	}
	return d.quantile(u)
}

func (d *Dist) discreteIndex(u float64) int {
	cum := d.cumulative
	if cum == nil { // a Dist built by hand rather than parsed
		cum = cumulativeWeights(d.Weights, len(d.Values))
	}
	k := sort.Search(len(cum), func(k int) bool { return u < cum[k] })
	if k == len(cum) { // u == 1: the last value of positive weight
		for k = len(cum) - 1; k > 0 && cum[k-1] == 1; k-- {
		}
	}
	return k
}

// cumulativeWeights returns the cumulative sums of weights (equal weights
// for n values when nil), normalised to end at 1. From the last value of
// positive weight on the sums are exactly 1, so that rounding never hands a
// draw to a trailing value of weight zero.
func cumulativeWeights(weights []float64, n int) []float64 {
	if weights == nil {
		weights = make([]float64, n)
		for i := range weights {
			weights[i] = 1
		}
	}
	var sum float64
	for _, w := range weights {
		sum += w
	}
	cum := make([]float64, len(weights))
	var c float64
	for i, w := range weights {
		c += w
		cum[i] = c / sum
	}
	for k := len(weights) - 1; k >= 0; k-- {
		cum[k] = 1
		if weights[k] > 0 {
			break
		}
	}
	return cum
}

// quantile is Quantile for continuous distributions.
func (d *Dist) quantile(u float64) float64 {
	switch d.Kind {
	case Uniform:
		return distuv.Uniform{Min: d.Min, Max: d.Max}.Quantile(u)
	case Normal:
		return distuv.Normal{Mu: d.Mean, Sigma: d.SD}.Quantile(u)
	case LogNormal:
		return distuv.LogNormal{Mu: d.Mu, Sigma: d.Sigma}.Quantile(u)
	case Beta:
		return d.Min + (d.Max-d.Min)*distuv.Beta{Alpha: d.Alpha, Beta: d.Beta}.Quantile(u)
	case Gamma:
		return distuv.Gamma{Alpha: d.Shape, Beta: d.Rate}.Quantile(u)
	case Triangular:
		return distuv.NewTriangle(d.Min, d.Max, d.Mode, nil).Quantile(u)
	}
	panic(fmt.Sprintf("scenarios: unknown distribution %q", d.Kind))
}

// String writes the distribution as in a scenario file, for messages.
func (d *Dist) String() string {
	f := models.FormatFloat
	switch d.Kind {
	case Uniform:
		return fmt.Sprintf("uniform(min=%s, max=%s)", f(d.Min), f(d.Max))
	case Normal:
		return fmt.Sprintf("normal(mean=%s, sd=%s)", f(d.Mean), f(d.SD))
	case LogNormal:
		return fmt.Sprintf("lognormal(mu=%s, sigma=%s)", f(d.Mu), f(d.Sigma))
	case Beta:
		return fmt.Sprintf("beta(alpha=%s, beta=%s, min=%s, max=%s)", f(d.Alpha), f(d.Beta), f(d.Min), f(d.Max))
	case Gamma:
		return fmt.Sprintf("gamma(shape=%s, rate=%s)", f(d.Shape), f(d.Rate))
	case Triangular:
		return fmt.Sprintf("triangular(min=%s, mode=%s, max=%s)", f(d.Min), f(d.Mode), f(d.Max))
	case Discrete:
		vs := make([]string, len(d.Values))
		ws := make([]string, len(d.Weights))
		for i, v := range d.Values {
			vs[i] = models.FormatValue(v)
			ws[i] = f(d.Weights[i])
		}
		return fmt.Sprintf("discrete(values=[%s], weights=[%s])", strings.Join(vs, ", "), strings.Join(ws, ", "))
	}
	return d.Kind
}

// parseDist reads the distribution table of sweep parameter name. path is
// the key path of the table, for positions.
func (s *Scenario) parseDist(name string, path []string, v any) (*Dist, error) {
	t, ok := v.(map[string]any)
	if !ok {
		return nil, s.Errorf(path, "[sweep.params] %s must be a distribution table such as { dist = \"uniform\", min = 0, max = 1 }, got %s", name, describe(v))
	}
	raw, ok := t["dist"]
	if !ok {
		return nil, s.Errorf(path, "missing dist in [sweep.params] %s, expected one of: %s", name, distNames())
	}
	at := func(key string) []string { return append(path[:len(path):len(path)], key) }
	kind, ok := raw.(string)
	if !ok {
		return nil, s.Errorf(at("dist"), "[sweep.params] %s.dist must be a string, one of: %s; got %s", name, distNames(), describe(raw))
	}
	spec := -1
	for i, dk := range distKinds {
		if dk.kind == kind {
			spec = i
		}
	}
	if spec < 0 {
		return nil, s.Errorf(at("dist"), "[sweep.params] %s: unknown dist %q, expected one of: %s", name, kind, distNames())
	}
	keys, optional := distKinds[spec].keys, distKinds[spec].optional
	// Unknown keys first, in file order.
	if k, bad := s.firstUnknown(path, t, append([]string{"dist"}, keys...)); bad {
		return nil, s.Errorf(at(k), "unknown key %q in [sweep.params] %s (%s distribution), expected one of: dist, %s", k, name, kind, strings.Join(keys, ", "))
	}
	for _, k := range keys {
		if _, ok := t[k]; !ok && !optional[k] {
			return nil, s.Errorf(path, "missing %s in [sweep.params] %s (%s distribution)", k, name, kind)
		}
	}
	d := &Dist{Kind: kind}
	if kind == Discrete {
		return d, s.parseDiscrete(d, name, path, t)
	}
	num := func(key string, dst *float64) error {
		v, ok := t[key]
		if !ok {
			return nil
		}
		switch x := v.(type) {
		case int64:
			*dst = float64(x)
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return s.Errorf(at(key), "[sweep.params] %s.%s must be a finite number, got %s", name, key, describe(v))
			}
			*dst = x
		default:
			return s.Errorf(at(key), "[sweep.params] %s.%s must be a number, got %s", name, key, describe(v))
		}
		return nil
	}
	positive := func(key string, x float64) error {
		if x > 0 {
			return nil
		}
		return s.Errorf(at(key), "[sweep.params] %s.%s must be > 0, got %s", name, key, models.FormatFloat(x))
	}
	ordered := func() error {
		if d.Min < d.Max {
			return nil
		}
		key := "max"
		if _, ok := t[key]; !ok {
			key = "min"
		}
		return s.Errorf(at(key), "[sweep.params] %s: min must be less than max, got min = %s, max = %s", name, models.FormatFloat(d.Min), models.FormatFloat(d.Max))
	}
	if kind == Beta {
		d.Max = 1
	}
	fields := map[string]*float64{
		"min": &d.Min, "max": &d.Max, "mode": &d.Mode, "mean": &d.Mean, "sd": &d.SD, "mu": &d.Mu,
		"sigma": &d.Sigma, "alpha": &d.Alpha, "beta": &d.Beta, "shape": &d.Shape, "rate": &d.Rate,
	}
	for _, k := range keys {
		if err := num(k, fields[k]); err != nil {
			return nil, err
		}
	}
	var err error
	switch kind {
	case Uniform:
		err = ordered()
	case Normal:
		err = positive("sd", d.SD)
	case LogNormal:
		err = positive("sigma", d.Sigma)
	case Beta:
		if err = positive("alpha", d.Alpha); err == nil {
			if err = positive("beta", d.Beta); err == nil {
				err = ordered()
			}
		}
	case Gamma:
		if err = positive("shape", d.Shape); err == nil {
			err = positive("rate", d.Rate)
		}
	case Triangular:
		if err = ordered(); err == nil && (d.Mode < d.Min || d.Mode > d.Max) {
			err = s.Errorf(at("mode"), "[sweep.params] %s.mode must be within [min, max] = [%s, %s], got %s", name, models.FormatFloat(d.Min), models.FormatFloat(d.Max), models.FormatFloat(d.Mode))
		}
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Scenario) parseDiscrete(d *Dist, name string, path []string, t map[string]any) error {
	at := func(key string) []string { return append(path[:len(path):len(path)], key) }
	values, err := s.valueList(at("values"), fmt.Sprintf("[sweep.params] %s.values", name), t["values"])
	if err != nil {
		return err
	}
	d.Values = values
	raw, ok := t["weights"]
	if !ok {
		d.Weights = make([]float64, len(values))
		for i := range d.Weights {
			d.Weights[i] = 1
		}
	} else {
		ws, ok := raw.([]any)
		if !ok {
			return s.Errorf(at("weights"), "[sweep.params] %s.weights must be a list of numbers, got %s", name, describe(raw))
		}
		if len(ws) != len(values) {
			return s.Errorf(at("weights"), "[sweep.params] %s.weights must have one weight per value: got %d for %d values", name, len(ws), len(values))
		}
		d.Weights = make([]float64, len(ws))
		for i, w := range ws {
			var x float64
			switch w := w.(type) {
			case int64:
				x = float64(w)
			case float64:
				x = w
			default:
				return s.Errorf(append(at("weights"), elem(i)), "[sweep.params] %s.weights[%d] must be a number, got %s", name, i, describe(w))
			}
			if !(x >= 0) || math.IsInf(x, 0) {
				return s.Errorf(append(at("weights"), elem(i)), "[sweep.params] %s.weights[%d] must be a finite number >= 0, got %s", name, i, describe(w))
			}
			d.Weights[i] = x
		}
	}
	var sum float64
	for _, w := range d.Weights {
		sum += w
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		return s.Errorf(at("weights"), "[sweep.params] %s.weights must have a finite, positive sum", name)
	}
	d.cumulative = cumulativeWeights(d.Weights, len(d.Values))
	return nil
}
