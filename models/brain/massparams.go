package brain

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/mdtwin/mdtwin/models"
)

// Mass parameters by name. Every neural mass names its parameters as TVB
// does (case-sensitive), except the Epileptors', which are lower case as
// the scenario's parameters (iext, iext2, kvf, kf, ks). A parameter that
// is also a scenario parameter (the Epileptors' r, tt, iext, iext2, ks, kf,
// kvf) takes the scenario's value; every other one starts at the mass's
// default (TVB's class default unless its doc says otherwise) and can be
// set for every region by [inputs.mass_params] and region by region by
// the [inputs] regions table (regions.go).

// massParam is one named parameter of a mass and the address of its value.
type massParam struct {
	name string
	p    *float64
}

// parameterised is a mass whose parameters can be read and set by name;
// params returns its parameters (not x0, which the hypothesis classes set).
type parameterised interface {
	NeuralMass
	params() []massParam
}

// massKinds are the choices of the parameter mass, each with a
// constructor for regions of excitability x0 (len(x0) regions).
var massKinds = map[string]func(x0 []float64) parameterised{
	MassEpileptor:   func(x0 []float64) parameterised { e := NewEpileptor(len(x0)); e.X0 = x0; return e },
	MassEpileptor2D: func(x0 []float64) parameterised { e := NewEpileptor2D(len(x0)); e.X0 = x0; return e },
	MassOscillator:  func([]float64) parameterised { return NewOscillator2D() },
	MassMPR:         func([]float64) parameterised { return NewMontbrioPazoRoxin() },
	MassJansenRit:   func([]float64) parameterised { return NewJansenRit() },
	MassEpileptorRS: func(x0 []float64) parameterised { return NewEpileptorRestingState(x0) },
	MassCodim3:      func([]float64) parameterised { return NewEpileptorCodim3() },
	MassCodim3Slow:  func([]float64) parameterised { return NewEpileptorCodim3SlowMod() },
}

// epileptorScenarioParams are the Epileptor parameters that are also
// scenario parameters.
var epileptorScenarioParams = []string{"r", "tt", "iext", "iext2", "ks", "kf", "kvf"}

func (e *Epileptor) params() []massParam {
	return []massParam{{"a", &e.A}, {"b", &e.B}, {"c", &e.C}, {"d", &e.D}, {"r", &e.R}, {"iext", &e.Iext}, {"slope", &e.Slope},
		{"iext2", &e.Iext2}, {"tau", &e.Tau}, {"aa", &e.Aa}, {"bb", &e.Bb}, {"kvf", &e.Kvf}, {"kf", &e.Kf}, {"ks", &e.Ks}, {"tt", &e.Tt}}
}

func (e *Epileptor2D) params() []massParam {
	return []massParam{{"a", &e.A}, {"b", &e.B}, {"c", &e.C}, {"d", &e.D}, {"r", &e.R}, {"iext", &e.Iext}, {"slope", &e.Slope},
		{"kvf", &e.Kvf}, {"ks", &e.Ks}, {"tt", &e.Tt}}
}

func (o *Oscillator2D) params() []massParam {
	return []massParam{{"tau", &o.Tau}, {"I", &o.I}, {"a", &o.A}, {"b", &o.B}, {"c", &o.C3}, {"d", &o.D}, {"e", &o.E}, {"f", &o.F},
		{"g", &o.G}, {"alpha", &o.Alpha}, {"beta", &o.Beta}, {"gamma", &o.Gamma}}
}

func (m *MontbrioPazoRoxin) params() []massParam {
	return []massParam{{"tau", &m.Tau}, {"I", &m.I}, {"Delta", &m.Delta}, {"J", &m.J}, {"eta", &m.Eta}}
}

// params of Jansen–Rit: TVB's names (nu_max is our e0, the half maximal
// firing rate: S = 2·nu_max/(1 + exp(r(v0 − v)))).
func (m *JansenRit) params() []massParam {
	return []massParam{{"A", &m.A}, {"B", &m.B}, {"a", &m.Ra}, {"b", &m.Rb}, {"nu_max", &m.E0}, {"v0", &m.V0}, {"r", &m.R}, {"J", &m.J},
		{"a_1", &m.A1}, {"a_2", &m.A2}, {"a_3", &m.A3}, {"a_4", &m.A4}, {"mu", &m.Mu}}
}

// hasX0 tells whether the mass has the Epileptor's excitability x0.
func hasX0(kind string) bool {
	return kind == MassEpileptor || kind == MassEpileptor2D || kind == MassEpileptorRS
}

// massParamNames lists the names a regions table may set for a mass kind.
func massParamNames(kind string) []string {
	var out []string
	if hasX0(kind) {
		out = append(out, "x0")
	}
	for _, q := range massKinds[kind]([]float64{0}).params() {
		out = append(out, q.name)
	}
	return out
}

// allMassParamNames is every name some mass takes, sorted.
func allMassParamNames() []string {
	seen := map[string]bool{}
	var out []string
	for kind := range massKinds {
		for _, nm := range massParamNames(kind) {
			if !seen[nm] {
				seen[nm] = true
				out = append(out, nm)
			}
		}
	}
	sort.Strings(out)
	return out
}

func lookupParam(ps []massParam, name string) *float64 {
	for _, q := range ps {
		if q.name == name {
			return q.p
		}
	}
	return nil
}

// buildMass makes the run's neural mass of kind for the excitabilities x0
// (one per region): the scenario's parameters p, then [inputs.mass_params]
// for every region, then the regions table region by region.
func buildMass(kind string, p models.Params, x0 []float64, global map[string]float64, table regionTable) (NeuralMass, error) {
	mk := massKinds[kind]
	if mk == nil {
		return nil, fmt.Errorf("mass: %q is not a mass", kind)
	}
	n := len(x0)
	m := mk(x0)
	ps := m.params()
	if hasX0(kind) {
		for _, nm := range epileptorScenarioParams {
			if q := lookupParam(ps, nm); q != nil {
				*q = p.Float(nm)
			}
		}
	}
	for _, nm := range sortedNames(global) {
		q := lookupParam(ps, nm)
		switch {
		case hasX0(kind) && (nm == "x0" || slices.Contains(epileptorScenarioParams, nm)):
			return nil, fmt.Errorf("mass_params: %s is a scenario parameter: set it in [params] (x0 through the hypothesis classes or the regions table)", nm)
		case q == nil:
			return nil, fmt.Errorf("mass_params: %q is not a parameter of %s, expected one of %s", nm, kind, strings.Join(massParamNames(kind), ", "))
		}
		*q = global[nm]
	}
	if len(global) > 0 {
		if err := checkMass(m); err != nil {
			return nil, fmt.Errorf("mass_params: %v", err)
		}
	}
	var cols []string
	for _, nm := range sortedNames(table) {
		if nm == "x0" && hasX0(kind) {
			continue // already in x0
		}
		if !slices.Contains(massParamNames(kind), nm) {
			return nil, fmt.Errorf("regions: %q is not a parameter of %s, expected one of %s", nm, kind, strings.Join(massParamNames(kind), ", "))
		}
		cols = append(cols, nm)
	}
	if len(cols) == 0 {
		return m, nil
	}
	// The Epileptors' own per-region drift covers their scenario
	// parameters (a vector kernel for the 6-D one): use it when it can.
	if (kind == MassEpileptor || kind == MassEpileptor2D) && subset(cols, epileptorScenarioParams) {
		reg := map[string][]float64{}
		for _, nm := range cols {
			reg[nm] = table.fill(nm, *lookupParam(ps, nm))
		}
		switch e := m.(type) {
		case *Epileptor:
			e.Regional = reg
		case *Epileptor2D:
			e.Regional = reg
		}
		return m, nil
	}
	one := make([]NeuralMass, n)
	for i := range one {
		mi := mk(x0[i : i+1 : i+1])
		qi := mi.params()
		for k, q := range ps {
			*qi[k].p = *q.p
		}
		for _, nm := range cols {
			if v := table[nm][i]; !math.IsNaN(v) {
				*lookupParam(qi, nm) = v
			}
		}
		if err := checkMass(mi); err != nil {
			return nil, fmt.Errorf("regions: region %d: %v", i, err)
		}
		one[i] = mi
	}
	pr := &perRegionMass{NeuralMass: m, one: one, nv: len(m.VarNames()), nc: len(m.CouplingVars())}
	pr.xb, pr.db, pr.cb = make([]float64, pr.nv), make([]float64, pr.nv), make([]float64, pr.nc)
	if _, ok := m.(CouplingSource); ok {
		return &perRegionSource{pr}, nil
	}
	return pr, nil
}

// checkMass refuses parameter values a mass cannot take (a mass without
// such a check takes any finite value).
func checkMass(m NeuralMass) error {
	if c, ok := m.(interface{ check() error }); ok {
		return c.check()
	}
	return nil
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// perRegionMass is a mass whose parameters differ between regions: one
// single-region mass per region, each evaluated with its own parameters.
// Each region's arithmetic is that of the mass itself, so giving every
// region the same values reproduces the shared-parameter mass bit for bit.
type perRegionMass struct {
	NeuralMass              // region-independent answers: VarNames, CouplingVars, NoiseVars, MaxDt
	one        []NeuralMass // one single-region mass per region
	nv, nc     int
	xb, db, cb []float64 // one region's state, drift and coupling
}

// gather copies region i's state into xb.
func (m *perRegionMass) gather(x []float64, i, n int) {
	for v := 0; v < m.nv; v++ {
		m.xb[v] = x[v*n+i]
	}
}

// Drift evaluates every region with its own parameters.
func (m *perRegionMass) Drift(dst, x, c []float64, n int) {
	for i := 0; i < n; i++ {
		m.gather(x, i, n)
		for k := 0; k < m.nc; k++ {
			m.cb[k] = c[k*n+i]
		}
		m.one[i].Drift(m.db, m.xb, m.cb, 1)
		for v := 0; v < m.nv; v++ {
			dst[v*n+i] = m.db[v]
		}
	}
}

// Rest sets each region to its own resting state.
func (m *perRegionMass) Rest(x []float64, n int) {
	for i := 0; i < n; i++ {
		m.one[i].Rest(m.db, 1)
		for v := 0; v < m.nv; v++ {
			x[v*n+i] = m.db[v]
		}
	}
}

// Signal is each region's signal with its own parameters.
func (m *perRegionMass) Signal(dst, x []float64, n int) {
	for i := 0; i < n; i++ {
		m.gather(x, i, n)
		m.one[i].Signal(dst[i:i+1], m.xb, 1)
	}
}

// Ictal is each region's ictal variable with its own parameters.
func (m *perRegionMass) Ictal(dst, x []float64, n int) {
	for i := 0; i < n; i++ {
		m.gather(x, i, n)
		m.one[i].Ictal(dst[i:i+1], m.xb, 1)
	}
}

// perRegionSource is a perRegionMass of a CouplingSource.
type perRegionSource struct{ *perRegionMass }

// CouplingValues is each region's coupled value with its own parameters.
func (m *perRegionSource) CouplingValues(dst, x []float64, n int) {
	for i := 0; i < n; i++ {
		m.gather(x, i, n)
		m.one[i].(CouplingSource).CouplingValues(dst[i:i+1], m.xb, 1)
	}
}

// StimulusVar is the mass's stimulated variable (0 when it names none).
func (m *perRegionMass) StimulusVar() int {
	if sv, ok := m.NeuralMass.(interface{ StimulusVar() int }); ok {
		return sv.StimulusVar()
	}
	return 0
}
