package statetransition

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/mdtwin/mdtwin/hta"
)

// InputError is a mistake in the model's definition (the scenario's
// [inputs] table) or in a value computed from it. Where names the table, and
// the message the row, column, state or cycle: for example
//
//	inputs.matrices.mono: row "A", column "B": probability 1.2 is outside [0, 1]
type InputError struct {
	Where string // key path in [inputs], e.g. "inputs.costs[2]"
	Msg   string
}

func (e *InputError) Error() string {
	if e.Where == "" {
		return e.Msg
	}
	return e.Where + ": " + e.Msg
}

func errorf(where, format string, args ...any) *InputError {
	return &InputError{Where: where, Msg: fmt.Sprintf(format, args...)}
}

// The limits of a definition.
const (
	maxStates     = 1000
	maxCycles     = 100_000
	maxStrategies = 1000
	maxWTP        = 100_000
	rowTolerance  = 1e-9 // how far a row of probabilities may sum from 1
)

// The within-cycle counting conventions.
const (
	countEnd       = "end"
	countBeginning = "beginning"
	countLifeTable = "life-table"
)

// The kinds of transition matrix.
const (
	kindProbs   = "probs"
	kindCounts  = "counts"
	kindRates   = "rates"
	kindDerived = "base"
)

// The cells a derived matrix scales.
const (
	applyAll   = "all"
	applyUpper = "upper"
	applyLower = "lower"
)

var (
	inputKeys = []string{"states", "dead", "initial", "strategies", "cycles", "cycle_years", "counting", "correction",
		"weights", "discount_costs", "discount_effects", "currency", "params", "matrices", "transitions", "costs", "utilities", "wtp", "mvn", "tables", "age", "tunnels"}
	paramKeys  = []string{"default", "unit", "min", "max", "doc"}
	derivedKey = []string{"base", "rr", "hr", "apply_to", "set"}
	periodKeys = []string{"from", "to", "matrix"}
	costKeys   = []string{"name", "strategies", "from", "to", "per_cycle", "on_entry", "at_start"}
	utilKeys   = []string{"name", "strategies", "from", "to", "weights", "on_entry"}
	wtpKeys    = []string{"from", "to", "points"}
	nameRE     = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// definition is a compiled [inputs] table: everything about the model that
// does not depend on the run's parameter values.
type definition struct {
	states     []string
	stateIndex map[string]int
	dead       []bool
	strategies []string
	cycles     int
	cycleYears float64
	correction hta.Correction // the trace-point weights (counting and correction together)
	weights    []float64      // user-given trace-point weights (the weights key); nil: correction's
	discCosts  *expr
	discEffect *expr
	currency   string
	initial    []*expr // one per state
	params     []paramDef
	scope      *scope
	matrices   []*matrixDef // by name
	plan       [][]int      // plan[s][k-1]: the matrix strategy s uses in cycle k
	costs      []*valueItem
	utilities  []*valueItem // nil without [inputs.utilities]
	qaly       bool         // effects are QALYs (utilities given), else life-years
	wtp        []float64
	mvn        []mvnGroup // parameters drawn jointly in a probabilistic run
}

// paramDef is a parameter declared in [inputs.params].
type paramDef struct {
	name, unit, doc string
	def             float64
	min, max        *float64
}

// cell is one cell of a probability or rate matrix.
type cell struct {
	complement bool
	e          *expr
}

// matrixDef is one entry of [inputs.matrices].
type matrixDef struct {
	name   string
	where  string // "inputs.matrices.<name>"
	kind   string
	cells  [][]cell    // probs, rates
	counts [][]float64 // counts
	base   int         // derived: index of the base matrix
	hr     bool        // derived: factor is a hazard ratio (else a relative risk)
	factor *expr       // derived
	apply  string      // derived: applyAll, applyUpper, applyLower
	set    []setCell   // derived: cells given their own value after scaling
	cycle  bool        // its values depend on the cycle number
}

// setCell is a cell of a derived matrix overridden by set: row i, column
// j (never the diagonal, which is the complement).
type setCell struct {
	i, j int
	e    *expr
}

// valueItem is one entry of [[inputs.costs]] or [[inputs.utilities]].
type valueItem struct {
	where      string
	strategies []bool // per strategy
	from, to   int    // cycles, inclusive
	perCycle   []*expr
	onEntry    []*expr
	atStart    []*expr // costs: a one-off cost at time 0 in the initial state
}

// table is a JSON object at a key path, for reading with messages.
type table struct {
	where string
	m     map[string]any
}

func (t table) at(key string) string { return t.where + "." + key }

// only checks that t holds no key but allowed.
func (t table) only(allowed []string) error {
	for _, k := range sortedKeys(t.m) {
		if !slices.Contains(allowed, k) {
			return errorf(t.where, "unknown key %q, expected one of: %s", k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// describe names the JSON type of v for messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case float64:
		return "number " + fmtNum(x)
	case string:
		return fmt.Sprintf("string %q", x)
	case bool:
		return fmt.Sprintf("boolean %t", x)
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

func (t table) str(key string, def string) (string, error) {
	v, ok := t.m[key]
	if !ok {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", errorf(t.where, "%s must be a string, got %s", key, describe(v))
	}
	return s, nil
}

// integer reads an integer in [lo, hi]; def when absent (required if def < lo).
func (t table) integer(key string, def, lo, hi int) (int, error) {
	v, ok := t.m[key]
	if !ok {
		if def < lo {
			return 0, errorf(t.where, "missing %s, an integer from %d to %d", key, lo, hi)
		}
		return def, nil
	}
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, errorf(t.where, "%s must be an integer from %d to %d, got %s", key, lo, hi, describe(v))
	}
	return int(f), nil
}

func (t table) names(key string, required bool) ([]string, error) {
	v, ok := t.m[key]
	if !ok {
		if required {
			return nil, errorf(t.where, "missing %s, a list of names", key)
		}
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errorf(t.where, "%s must be a list of names, got %s", key, describe(v))
	}
	out := make([]string, len(list))
	for i, x := range list {
		s, ok := x.(string)
		if !ok || strings.TrimSpace(s) == "" {
			return nil, errorf(t.where, "%s[%d] must be a non-empty name, got %s", key, i, describe(x))
		}
		if slices.Contains(out[:i], s) {
			return nil, errorf(t.where, "%s lists %q twice", key, s)
		}
		out[i] = s
	}
	return out, nil
}

func (t table) sub(key string) (table, bool, error) {
	v, ok := t.m[key]
	if !ok {
		return table{}, false, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return table{}, false, errorf(t.where, "%s must be a table, got %s", key, describe(v))
	}
	return table{where: t.at(key), m: m}, true, nil
}

// compile reads and checks a model definition given as the JSON of a
// scenario's [inputs] table.
func compile(inputs json.RawMessage) (*definition, error) {
	if len(strings.TrimSpace(string(inputs))) == 0 || string(inputs) == "null" {
		return nil, errorf("inputs", "missing: the model is defined in the scenario's [inputs] table (states, strategies, matrices, costs…; see the documentation of models/statetransition)")
	}
	var m map[string]any
	if err := json.Unmarshal(inputs, &m); err != nil {
		return nil, errorf("inputs", "not a table: %v", err)
	}
	t := table{where: "inputs", m: m}
	if err := t.only(inputKeys); err != nil {
		return nil, err
	}
	if err := expandTunnels(m); err != nil {
		return nil, err
	}
	d := &definition{stateIndex: map[string]int{}}
	steps := []func(table) error{d.readStates, d.readStrategies, d.readParams, d.readTables, d.readTime, d.readInitial,
		d.readMatrices, d.readTransitions, d.readValues, d.readWTP, d.readMVN}
	for _, step := range steps {
		if err := step(t); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *definition) readStates(t table) error {
	states, err := t.names("states", true)
	if err != nil {
		return err
	}
	if len(states) == 0 || len(states) > maxStates {
		return errorf(t.where, "states must list from 1 to %d states, got %d", maxStates, len(states))
	}
	d.states = states
	for i, s := range states {
		d.stateIndex[s] = i
	}
	dead, err := t.names("dead", false)
	if err != nil {
		return err
	}
	d.dead = make([]bool, len(states))
	for _, s := range dead {
		i, ok := d.stateIndex[s]
		if !ok {
			return errorf(t.where, "dead lists %q, which is not a state; %s", s, d.stateList())
		}
		d.dead[i] = true
	}
	return nil
}

func (d *definition) stateList() string {
	return "expected one of the states: " + strings.Join(d.states, ", ")
}

func (d *definition) readStrategies(t table) error {
	strategies, err := t.names("strategies", true)
	if err != nil {
		return err
	}
	if len(strategies) == 0 || len(strategies) > maxStrategies {
		return errorf(t.where, "strategies must list from 1 to %d strategies, got %d", maxStrategies, len(strategies))
	}
	for _, s := range strategies {
		if !nameRE.MatchString(s) {
			return errorf(t.where, "strategy name %q must match %s: it names the outputs (%s_cost, …)", s, nameRE, s)
		}
	}
	d.strategies = strategies
	return nil
}

// reserved names may not be declared as parameters.
func reserved(name string) bool {
	_, fn := functions[name]
	return fn || name == cycleName || name == lookupName || name == tunnelName || slices.Contains(builtinNames, name)
}

func (d *definition) readParams(t table) error {
	d.scope = &scope{index: map[string]int{}}
	pt, ok, err := t.sub("params")
	if err != nil || !ok {
		return err
	}
	for _, name := range sortedKeys(pt.m) {
		where := pt.at(name)
		if !nameRE.MatchString(name) {
			return errorf(pt.where, "parameter name %q must match %s", name, nameRE)
		}
		if reserved(name) {
			return errorf(pt.where, "parameter name %q is reserved (built-in parameters: %s; variable: cycle; functions: %s)", name, strings.Join(builtinNames, ", "), strings.Join(append(sortedKeys(functions), lookupName), ", "))
		}
		p := paramDef{name: name}
		switch v := pt.m[name].(type) {
		case float64:
			p.def = v
		case map[string]any:
			pd := table{where: where, m: v}
			if err := pd.only(paramKeys); err != nil {
				return err
			}
			def, ok := v["default"].(float64)
			if !ok {
				return errorf(where, "default must be a number, got %s", describe(v["default"]))
			}
			p.def = def
			if p.unit, err = pd.str("unit", ""); err != nil {
				return err
			}
			if p.doc, err = pd.str("doc", ""); err != nil {
				return err
			}
			for _, b := range []struct {
				key string
				dst **float64
			}{{"min", &p.min}, {"max", &p.max}} {
				if x, ok := v[b.key]; ok {
					f, ok := x.(float64)
					if !ok {
						return errorf(where, "%s must be a number, got %s", b.key, describe(x))
					}
					*b.dst = &f
				}
			}
			if p.min != nil && p.max != nil && *p.min > *p.max {
				return errorf(where, "min %s is above max %s", fmtNum(*p.min), fmtNum(*p.max))
			}
			if p.min != nil && p.def < *p.min || p.max != nil && p.def > *p.max {
				return errorf(where, "default %s is outside [min, max]", fmtNum(p.def))
			}
		default:
			return errorf(pt.where, "%s must be a number (its default) or a table {default, unit, min, max, doc}, got %s", name, describe(v))
		}
		d.scope.index[name] = len(d.params)
		d.scope.names = append(d.scope.names, name)
		d.params = append(d.params, p)
	}
	return nil
}

// cellExpr compiles a cell: a number or an expression string.
func (d *definition) cellExpr(where, what string, v any) (*expr, error) {
	switch x := v.(type) {
	case float64:
		return constExpr(x), nil
	case string:
		e, err := parseExpr(x, d.scope)
		if err != nil {
			return nil, errorf(where, "%s: %v", what, err)
		}
		return e, nil
	}
	return nil, errorf(where, "%s must be a number or an expression string, got %s", what, describe(v))
}

func (d *definition) readTime(t table) error {
	var err error
	if d.cycles, err = t.integer("cycles", 0, 1, maxCycles); err != nil {
		return err
	}
	d.cycleYears = 1
	if v, ok := t.m["cycle_years"]; ok {
		f, ok := v.(float64)
		if !ok || !(f > 0) || math.IsInf(f, 0) {
			return errorf(t.where, "cycle_years must be a positive number (the cycle length in years), got %s", describe(v))
		}
		d.cycleYears = f
	}
	counting, err := t.str("counting", countEnd)
	if err != nil {
		return err
	}
	corr, err := t.str("correction", string(hta.None))
	if err != nil {
		return err
	}
	c, err := hta.ParseCorrection(corr)
	if err != nil || c == hta.Beginning {
		return errorf(t.where, "correction must be one of: none, half-cycle, trapezoid, simpson; got %q (for beginning counting write counting = \"beginning\")", corr)
	}
	if v, ok := t.m["weights"]; ok {
		if t.m["counting"] != nil || t.m["correction"] != nil {
			return errorf(t.where, "weights and counting or correction: give one; weights are the trace points' weights, which counting and correction otherwise set")
		}
		xs, ok := v.([]any)
		if !ok || len(xs) != d.cycles+1 {
			return errorf(t.where, "weights must be a list of %d numbers, the weights of trace points 0..%d (cycles + 1), got %s", d.cycles+1, d.cycles, describe(v))
		}
		d.weights = make([]float64, len(xs))
		for i, x := range xs {
			f, ok := x.(float64)
			if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
				return errorf(t.where, "weights[%d] must be a finite number, got %s", i, describe(x))
			}
			d.weights[i] = f
		}
		return d.readDiscount(t)
	}
	switch {
	case counting != countEnd && counting != countBeginning && counting != countLifeTable:
		return errorf(t.where, "counting must be one of: end, beginning, life-table; got %q", counting)
	case c != hta.None && t.m["counting"] != nil:
		return errorf(t.where, "counting = %q and correction = %q: give one; a within-cycle correction sets the weights of both ends of each cycle", counting, corr)
	case c != hta.None:
		d.correction = c
	case counting == countBeginning:
		d.correction = hta.Beginning
	case counting == countLifeTable:
		d.correction = hta.Trapezoid // heemod's "life-table": the mean of beginning and end counts
	default:
		d.correction = hta.None
	}
	return d.readDiscount(t)
}

// cycleWeights returns the weights of trace points 0..cycles: the
// user-given weights, or those of the counting convention or correction.
func (d *definition) cycleWeights() []float64 {
	if d.weights != nil {
		return d.weights
	}
	return hta.CycleWeights(d.correction, d.cycles)
}

// readDiscount reads the discount rates.
func (d *definition) readDiscount(t table) error {
	for _, r := range []struct {
		key string
		dst **expr
	}{{"discount_costs", &d.discCosts}, {"discount_effects", &d.discEffect}} {
		v, ok := t.m[r.key]
		if !ok {
			*r.dst = constExpr(0)
			continue
		}
		e, err := d.cellExpr(t.where, r.key, v)
		if err != nil {
			return err
		}
		if e.cycle {
			return errorf(t.where, "%s %q may not depend on the cycle", r.key, e.src)
		}
		*r.dst = e
	}
	var err error
	d.currency, err = t.str("currency", "")
	return err
}

func (d *definition) readInitial(t table) error {
	v, ok := t.m["initial"]
	if !ok {
		return errorf(t.where, "missing initial: the name of the starting state, or a list of %d shares (one per state)", len(d.states))
	}
	d.initial = make([]*expr, len(d.states))
	switch x := v.(type) {
	case string:
		i, ok := d.stateIndex[x]
		if !ok {
			return errorf(t.where, "initial state %q is not a state; %s", x, d.stateList())
		}
		for j := range d.initial {
			d.initial[j] = constExpr(0)
		}
		d.initial[i] = constExpr(1)
		return nil
	case []any:
		if len(x) != len(d.states) {
			return errorf(t.where, "initial has %d shares, expected %d (one per state: %s)", len(x), len(d.states), strings.Join(d.states, ", "))
		}
		for i, c := range x {
			e, err := d.cellExpr(t.at("initial"), fmt.Sprintf("state %q", d.states[i]), c)
			if err != nil {
				return err
			}
			if e.cycle {
				return errorf(t.at("initial"), "state %q: %q may not depend on the cycle", d.states[i], e.src)
			}
			d.initial[i] = e
		}
		return nil
	}
	return errorf(t.where, "initial must be a state name or a list of shares, got %s", describe(v))
}

func (d *definition) readMatrices(t table) error {
	mt, ok, err := t.sub("matrices")
	if err != nil {
		return err
	}
	if !ok || len(mt.m) == 0 {
		return errorf(t.where, "missing matrices: at least one transition matrix, e.g. [inputs.matrices.natural] probs = [[…], …]")
	}
	names := sortedKeys(mt.m)
	index := map[string]int{}
	for i, n := range names {
		index[n] = i
	}
	bases := make([]string, len(names))
	for i, name := range names {
		where := mt.at(name)
		raw, ok := mt.m[name].(map[string]any)
		if !ok {
			return errorf(mt.where, "%s must be a table with one of probs, counts, rates or base, got %s", name, describe(mt.m[name]))
		}
		md := &matrixDef{name: name, where: where}
		mtab := table{where: where, m: raw}
		var kinds []string
		for _, k := range []string{kindProbs, kindCounts, kindRates, kindDerived} {
			if _, ok := raw[k]; ok {
				kinds = append(kinds, k)
			}
		}
		if len(kinds) != 1 {
			return errorf(where, "give exactly one of probs, counts, rates or base, got %d", len(kinds))
		}
		md.kind = kinds[0]
		switch md.kind {
		case kindDerived:
			if err := mtab.only(derivedKey); err != nil {
				return err
			}
			b, ok := raw["base"].(string)
			if !ok {
				return errorf(where, "base must be the name of another matrix, got %s", describe(raw["base"]))
			}
			if _, ok := index[b]; !ok || b == name {
				return errorf(where, "base %q is not another matrix; expected one of: %s", b, strings.Join(without(names, name), ", "))
			}
			bases[i] = b
			_, hasRR := raw["rr"]
			_, hasHR := raw["hr"]
			_, hasSet := raw["set"]
			if hasRR && hasHR || !hasRR && !hasHR && !hasSet {
				return errorf(where, "give one of rr (relative risk on each probability) or hr (hazard ratio on each rate), and or set (cells given their own value)")
			}
			key := "rr"
			if hasHR {
				key, md.hr = "hr", true
			}
			if !hasRR && !hasHR {
				md.factor = constExpr(1)
			} else if md.factor, err = d.cellExpr(where, key, raw[key]); err != nil {
				return err
			}
			if hasSet {
				if md.set, err = d.readSet(where, raw["set"]); err != nil {
					return err
				}
			}
			if md.apply, err = mtab.str("apply_to", applyAll); err != nil {
				return err
			}
			if md.apply != applyAll && md.apply != applyUpper && md.apply != applyLower {
				return errorf(where, "apply_to must be one of: all, upper, lower; got %q", md.apply)
			}
		default:
			if err := mtab.only([]string{md.kind}); err != nil {
				return err
			}
			if err := d.readCells(md, raw[md.kind]); err != nil {
				return err
			}
		}
		d.matrices = append(d.matrices, md)
	}
	// Resolve bases; refuse cycles (a → b → a).
	for i, b := range bases {
		if b != "" {
			d.matrices[i].base = index[b]
		}
	}
	for i := range d.matrices {
		seen := map[int]bool{}
		var chain []string
		for j := i; ; j = d.matrices[j].base {
			chain = append(chain, d.matrices[j].name)
			if seen[j] {
				return errorf(d.matrices[i].where, "the bases form a loop: %s", strings.Join(chain, " → "))
			}
			seen[j] = true
			if d.matrices[j].kind != kindDerived {
				break
			}
		}
	}
	for _, md := range d.matrices {
		md.cycle = d.matrixUsesCycle(md)
	}
	return nil
}

// readSet reads a derived matrix's set: { row = { column = value } },
// rows and columns named by state, values numbers or expressions.
func (d *definition) readSet(where string, v any) ([]setCell, error) {
	rows, ok := v.(map[string]any)
	if !ok {
		return nil, errorf(where, "set must be a table { row = { column = value } } of states, got %s", describe(v))
	}
	var out []setCell
	for _, rn := range sortedKeys(rows) {
		i, ok := d.stateIndex[rn]
		if !ok {
			return nil, errorf(where, "set: unknown state %q, expected one of: %s", rn, strings.Join(d.states, ", "))
		}
		cols, ok := rows[rn].(map[string]any)
		if !ok {
			return nil, errorf(where, "set.%s must be a table { column = value }, got %s", rn, describe(rows[rn]))
		}
		for _, cn := range sortedKeys(cols) {
			j, ok := d.stateIndex[cn]
			if !ok {
				return nil, errorf(where, "set.%s: unknown state %q, expected one of: %s", rn, cn, strings.Join(d.states, ", "))
			}
			if i == j {
				return nil, errorf(where, "set.%s.%s: the diagonal is the complement of the row and cannot be set", rn, cn)
			}
			e, err := d.cellExpr(where, "set."+rn+"."+cn, cols[cn])
			if err != nil {
				return nil, err
			}
			out = append(out, setCell{i, j, e})
		}
	}
	return out, nil
}

func without(names []string, name string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n != name {
			out = append(out, n)
		}
	}
	return out
}

func (d *definition) matrixUsesCycle(md *matrixDef) bool {
	switch md.kind {
	case kindDerived:
		for _, c := range md.set {
			if c.e.cycle {
				return true
			}
		}
		return md.factor.cycle || d.matrixUsesCycle(d.matrices[md.base])
	case kindCounts:
		return false
	}
	for _, row := range md.cells {
		for _, c := range row {
			if c.e != nil && c.e.cycle {
				return true
			}
		}
	}
	return false
}

// rowCol names a cell for messages.
func (d *definition) rowCol(i, j int) string {
	return fmt.Sprintf("row %q, column %q", d.states[i], d.states[j])
}

func (d *definition) readCells(md *matrixDef, v any) error {
	n := len(d.states)
	rows, ok := v.([]any)
	if !ok {
		return errorf(md.where, "%s must be an array of %d rows (one per state), got %s", md.kind, n, describe(v))
	}
	if len(rows) != n {
		return errorf(md.where, "%s has %d rows, expected %d (one per state: %s)", md.kind, len(rows), n, strings.Join(d.states, ", "))
	}
	if md.kind == kindCounts {
		md.counts = make([][]float64, n)
	} else {
		md.cells = make([][]cell, n)
	}
	for i, r := range rows {
		row, ok := r.([]any)
		if !ok {
			return errorf(md.where, "row %q must be an array of %d cells, got %s", d.states[i], n, describe(r))
		}
		if len(row) != n {
			return errorf(md.where, "row %q has %d columns, expected %d (one per state: %s)", d.states[i], len(row), n, strings.Join(d.states, ", "))
		}
		if md.kind == kindCounts {
			md.counts[i] = make([]float64, n)
			var sum float64
			for j, c := range row {
				f, ok := c.(float64)
				if !ok || !(f >= 0) || math.IsInf(f, 0) {
					return errorf(md.where, "%s: count must be a non-negative number, got %s", d.rowCol(i, j), describe(c))
				}
				md.counts[i][j] = f
				sum += f
			}
			if sum == 0 {
				return errorf(md.where, "row %q: the counts sum to 0; an absorbing state counts 1 on its diagonal", d.states[i])
			}
			continue
		}
		md.cells[i] = make([]cell, n)
		complements := 0
		for j, c := range row {
			if s, ok := c.(string); ok && (strings.TrimSpace(s) == "C" || strings.TrimSpace(s) == "#") {
				if md.kind == kindRates && i != j {
					return errorf(md.where, "%s: the complement %q belongs on the diagonal of a rates matrix", d.rowCol(i, j), s)
				}
				complements++
				if complements > 1 {
					return errorf(md.where, "row %q has more than one complement (\"C\" or \"#\"), expected at most one", d.states[i])
				}
				md.cells[i][j] = cell{complement: true}
				continue
			}
			if md.kind == kindRates && i == j {
				return errorf(md.where, "%s: the diagonal of a rates matrix must be \"C\" (the complement), got %s", d.rowCol(i, j), describe(c))
			}
			e, err := d.cellExpr(md.where, d.rowCol(i, j), c)
			if err != nil {
				return err
			}
			md.cells[i][j] = cell{e: e}
		}
	}
	return nil
}

func (d *definition) readTransitions(t table) error {
	tt, ok, err := t.sub("transitions")
	if err != nil {
		return err
	}
	if !ok {
		return errorf(t.where, "missing transitions: the matrix each strategy uses, e.g. [inputs.transitions] %s = \"%s\"", d.strategies[0], d.matrices[0].name)
	}
	for _, k := range sortedKeys(tt.m) {
		if !slices.Contains(d.strategies, k) {
			return errorf(tt.where, "unknown strategy %q, expected one of: %s", k, strings.Join(d.strategies, ", "))
		}
	}
	index := map[string]int{}
	for i, m := range d.matrices {
		index[m.name] = i
	}
	matrix := func(where string, v any) (int, error) {
		name, ok := v.(string)
		if !ok {
			return 0, errorf(where, "matrix must be the name of a matrix, got %s", describe(v))
		}
		i, ok := index[name]
		if !ok {
			names := make([]string, len(d.matrices))
			for k, m := range d.matrices {
				names[k] = m.name
			}
			return 0, errorf(where, "unknown matrix %q, expected one of: %s", name, strings.Join(names, ", "))
		}
		return i, nil
	}
	d.plan = make([][]int, len(d.strategies))
	for s, name := range d.strategies {
		where := tt.at(name)
		plan := make([]int, d.cycles)
		for k := range plan {
			plan[k] = -1
		}
		d.plan[s] = plan
		v, ok := tt.m[name]
		if !ok {
			return errorf(tt.where, "missing strategy %q: give the name of its matrix, or a list of {from, to, matrix}", name)
		}
		if _, isName := v.(string); isName {
			m, err := matrix(where, v)
			if err != nil {
				return err
			}
			for k := range plan {
				plan[k] = m
			}
			continue
		}
		periods, ok := v.([]any)
		if !ok {
			return errorf(where, "must be the name of a matrix or a list of {from, to, matrix}, got %s", describe(v))
		}
		for p, x := range periods {
			pw := fmt.Sprintf("%s[%d]", where, p)
			raw, ok := x.(map[string]any)
			if !ok {
				return errorf(pw, "must be a table {from, to, matrix}, got %s", describe(x))
			}
			pt := table{where: pw, m: raw}
			if err := pt.only(periodKeys); err != nil {
				return err
			}
			from, to, err := d.cycleRange(pt)
			if err != nil {
				return err
			}
			m, err := matrix(pw, raw["matrix"])
			if err != nil {
				return err
			}
			for k := from; k <= to; k++ {
				if plan[k-1] >= 0 {
					return errorf(pw, "cycle %d already has a matrix (%s); the periods of a strategy may not overlap", k, d.matrices[plan[k-1]].name)
				}
				plan[k-1] = m
			}
		}
		for k := range plan {
			if plan[k] < 0 {
				end := k
				for end+1 < len(plan) && plan[end+1] < 0 {
					end++
				}
				return errorf(where, "cycles %d to %d have no matrix; the periods must cover cycles 1 to %d", k+1, end+1, d.cycles)
			}
		}
	}
	return nil
}

// cycleRange reads from and to (inclusive cycle numbers, 1 to cycles by
// default).
func (d *definition) cycleRange(t table) (from, to int, err error) {
	if from, err = t.integer("from", 1, 1, d.cycles); err != nil {
		return 0, 0, err
	}
	if to, err = t.integer("to", d.cycles, 1, d.cycles); err != nil {
		return 0, 0, err
	}
	if from > to {
		return 0, 0, errorf(t.where, "from = %d is after to = %d", from, to)
	}
	return from, to, nil
}

func (d *definition) readValues(t table) error {
	var err error
	if d.costs, err = d.readItems(t, "costs", "per_cycle", costKeys); err != nil {
		return err
	}
	_, d.qaly = t.m["utilities"]
	if d.utilities, err = d.readItems(t, "utilities", "weights", utilKeys); err != nil {
		return err
	}
	return nil
}

// readItems reads an array of value items: [[inputs.costs]] (perKey
// per_cycle) or [[inputs.utilities]] (perKey weights).
func (d *definition) readItems(t table, key, perKey string, keys []string) ([]*valueItem, error) {
	v, ok := t.m[key]
	if !ok {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errorf(t.where, "%s must be an array of tables ([[inputs.%s]]), got %s", key, key, describe(v))
	}
	items := make([]*valueItem, len(list))
	for i, x := range list {
		where := fmt.Sprintf("%s[%d]", t.at(key), i)
		raw, ok := x.(map[string]any)
		if !ok {
			return nil, errorf(where, "must be a table, got %s", describe(x))
		}
		it := table{where: where, m: raw}
		if err := it.only(keys); err != nil {
			return nil, err
		}
		name, err := it.str("name", "")
		if err != nil {
			return nil, err
		}
		if name != "" {
			where = fmt.Sprintf("%s (%s)", where, name)
			it.where = where
		}
		item := &valueItem{where: where, strategies: make([]bool, len(d.strategies))}
		strategies, err := it.names("strategies", false)
		if err != nil {
			return nil, err
		}
		if strategies == nil {
			for s := range item.strategies {
				item.strategies[s] = true
			}
		}
		for _, s := range strategies {
			k := slices.Index(d.strategies, s)
			if k < 0 {
				return nil, errorf(where, "strategies lists %q, which is not a strategy; expected one of: %s", s, strings.Join(d.strategies, ", "))
			}
			item.strategies[k] = true
		}
		if item.from, item.to, err = d.cycleRange(it); err != nil {
			return nil, err
		}
		for _, f := range []struct {
			key string
			dst *[]*expr
		}{{perKey, &item.perCycle}, {"on_entry", &item.onEntry}, {"at_start", &item.atStart}} {
			st, ok, err := it.sub(f.key)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			*f.dst = make([]*expr, len(d.states))
			for _, s := range sortedKeys(st.m) {
				k, ok := d.stateIndex[s]
				if !ok {
					return nil, errorf(st.where, "unknown state %q; %s", s, d.stateList())
				}
				if (*f.dst)[k], err = d.cellExpr(st.where, fmt.Sprintf("state %q", s), st.m[s]); err != nil {
					return nil, err
				}
			}
		}
		if item.perCycle == nil && item.onEntry == nil && item.atStart == nil {
			return nil, errorf(where, "give %s (a value per state and cycle), on_entry (a one-off value on entering a state) or at_start (costs: a one-off cost at time 0), or several", perKey)
		}
		if item.atStart != nil {
			for _, k := range []string{"from", "to"} {
				if _, ok := it.m[k]; ok && item.perCycle == nil && item.onEntry == nil {
					return nil, errorf(where, "%s applies to cycles, and at_start is at time 0, before the first cycle; leave %s out", k, k)
				}
			}
		}
		items[i] = item
	}
	return items, nil
}

// defaultWTP is the willingness-to-pay grid of the summary when [inputs]
// gives none: 0 to 100,000 currency units per unit of effect in 51 points.
func defaultWTP() []float64 { return linspace(0, 100_000, 51) }

func linspace(from, to float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		if n == 1 {
			out[i] = from
			continue
		}
		out[i] = from + (to-from)*float64(i)/float64(n-1)
	}
	return out
}

func (d *definition) readWTP(t table) error {
	v, ok := t.m["wtp"]
	if !ok {
		d.wtp = defaultWTP()
		return nil
	}
	where := t.at("wtp")
	switch x := v.(type) {
	case []any:
		if len(x) == 0 || len(x) > maxWTP {
			return errorf(where, "give from 1 to %d willingness-to-pay values, got %d", maxWTP, len(x))
		}
		for i, e := range x {
			f, ok := e.(float64)
			if !ok || !(f >= 0) || math.IsInf(f, 0) {
				return errorf(where, "[%d] must be a non-negative number, got %s", i, describe(e))
			}
			if i > 0 && f <= d.wtp[i-1] {
				return errorf(where, "values must increase, but [%d] = %s follows %s", i, fmtNum(f), fmtNum(d.wtp[i-1]))
			}
			d.wtp = append(d.wtp, f)
		}
		return nil
	case map[string]any:
		wt := table{where: where, m: x}
		if err := wt.only(wtpKeys); err != nil {
			return err
		}
		from, ok1 := x["from"].(float64)
		to, ok2 := x["to"].(float64)
		if !ok1 || !ok2 || !(from >= 0) || !(to > from) || math.IsInf(to, 0) {
			return errorf(where, "from and to must be numbers with 0 <= from < to, got from = %s, to = %s", describe(x["from"]), describe(x["to"]))
		}
		n, err := wt.integer("points", 51, 2, maxWTP)
		if err != nil {
			return err
		}
		d.wtp = linspace(from, to, n)
		return nil
	}
	return errorf(t.where, "wtp must be a list of values or a table {from, to, points}, got %s", describe(v))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
