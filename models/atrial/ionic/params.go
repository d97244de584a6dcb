package ionic

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Mod is one parameter modification of an im_param string: the
// parameter Name, the operator Op ('=', '*', '+', '-' or '/') and the
// operand Value.
type Mod struct {
	Name  string
	Op    byte
	Value float64
}

// ParseMods parses a modification string in openCARP's im_param
// syntax: comma-separated items name op value, op one of = * + - /, e.g.
//
//	GNa*2.0,Gto=0.0826,factorGKur*0.5
//
// Whitespace around items, names, operators and values is ignored; an
// empty or blank string is no modification. A name starts with a letter
// or '_' and continues with letters, digits and '_'; the value is a
// finite number (strconv.ParseFloat). Errors are one line naming the bad
// item. Names are checked against a model by Modify.
func ParseMods(spec string) ([]Mod, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	var mods []Mod
	for i, item := range strings.Split(spec, ",") {
		tok := strings.TrimSpace(item)
		bad := func(msg string) error {
			return fmt.Errorf("im_param item %d %q: %s", i+1, tok, msg)
		}
		if tok == "" {
			return nil, bad("empty item; expected name op value, op one of = * + - /")
		}
		n := 0
		for n < len(tok) {
			c := tok[n]
			letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			if !letter && (n == 0 || c < '0' || c > '9') {
				break
			}
			n++
		}
		if n == 0 {
			return nil, bad("expected a parameter name first")
		}
		rest := strings.TrimSpace(tok[n:])
		if rest == "" || !strings.ContainsRune("=*+-/", rune(rest[0])) {
			return nil, bad("expected an operator = * + - / after the name")
		}
		num := strings.TrimSpace(rest[1:])
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, bad(fmt.Sprintf("value %q is not a finite number", num))
		}
		mods = append(mods, Mod{Name: tok[:n], Op: rest[0], Value: v})
	}
	return mods, nil
}

// apply returns x op m.Value.
func (m Mod) apply(x float64) float64 {
	switch m.Op {
	case '=':
		return m.Value
	case '*':
		return x * m.Value
	case '+':
		return x + m.Value
	case '-':
		return x - m.Value
	case '/':
		return x / m.Value
	}
	panic("atrial: unknown im_param operator " + string(m.Op))
}

func (m Mod) String() string {
	return m.Name + string(m.Op) + strconv.FormatFloat(m.Value, 'g', -1, 64)
}

// paramRange is the range a modified ionic parameter must stay in.
type paramRange uint8

const (
	finite      paramRange = iota // any finite number
	nonNegative                   // ≥ 0: conductances, maximal currents (0 blocks)
	positive                      // > 0: time constants, scales
	unit                          // in (0, 1): normalised thresholds
)

func (r paramRange) ok(x float64) bool {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return false
	}
	switch r {
	case nonNegative:
		return x >= 0
	case positive:
		return x > 0
	case unit:
		return x > 0 && x < 1
	}
	return true
}

func (r paramRange) String() string {
	switch r {
	case nonNegative:
		return "finite and ≥ 0"
	case positive:
		return "finite and > 0"
	case unit:
		return "in (0, 1)"
	}
	return "finite"
}

// param is one modifiable parameter of a cell model of Go type T.
type param[T any] struct {
	name  string
	field func(*T) *float64
	rng   paramRange
}

// The modifiable parameters per model, with openCARP's im_param names
// where openCARP has the model (Courtemanche, tenTusscherPanfilov,
// MitchellSchaeffer; the modified MS adds a_crit). Aliev–Panfilov's names
// are the symbols of Aliev & Panfilov (1996) (reference §4).
var (
	crnParams = []param[Courtemanche]{
		{"GNa", func(c *Courtemanche) *float64 { return &c.GNa }, nonNegative},
		{"GK1", func(c *Courtemanche) *float64 { return &c.GK1 }, nonNegative},
		{"Gto", func(c *Courtemanche) *float64 { return &c.GTo }, nonNegative},
		{"GKr", func(c *Courtemanche) *float64 { return &c.GKr }, nonNegative},
		{"GKs", func(c *Courtemanche) *float64 { return &c.GKs }, nonNegative},
		{"GCaL", func(c *Courtemanche) *float64 { return &c.GCaL }, nonNegative},
		{"GbNa", func(c *Courtemanche) *float64 { return &c.GbNa }, nonNegative},
		{"GbCa", func(c *Courtemanche) *float64 { return &c.GbCa }, nonNegative},
		{"factorGKur", func(c *Courtemanche) *float64 { return &c.KurScale }, nonNegative},
		{"maxINaK", func(c *Courtemanche) *float64 { return &c.INaKMax }, nonNegative},
		{"maxINaCa", func(c *Courtemanche) *float64 { return &c.INaCaMax }, nonNegative},
		{"maxIpCa", func(c *Courtemanche) *float64 { return &c.ICaPMax }, nonNegative},
		{"maxIup", func(c *Courtemanche) *float64 { return &c.IUpMax }, nonNegative},
	}
	ttParams = []param[TenTusscher]{
		{"GNa", func(c *TenTusscher) *float64 { return &c.GNa }, nonNegative},
		{"GK1", func(c *TenTusscher) *float64 { return &c.GK1 }, nonNegative},
		{"Gto", func(c *TenTusscher) *float64 { return &c.GTo }, nonNegative},
		{"GKr", func(c *TenTusscher) *float64 { return &c.GKr }, nonNegative},
		{"GKs", func(c *TenTusscher) *float64 { return &c.GKs }, nonNegative},
		{"GCaL", func(c *TenTusscher) *float64 { return &c.GCaL }, nonNegative},
		{"GbNa", func(c *TenTusscher) *float64 { return &c.GbNa }, nonNegative},
		{"GbCa", func(c *TenTusscher) *float64 { return &c.GbCa }, nonNegative},
		{"GpCa", func(c *TenTusscher) *float64 { return &c.GpCa }, nonNegative},
		{"GpK", func(c *TenTusscher) *float64 { return &c.GpK }, nonNegative},
		{"knak", func(c *TenTusscher) *float64 { return &c.PNaK }, nonNegative},
		{"knaca", func(c *TenTusscher) *float64 { return &c.KNaCa }, nonNegative},
	}
	msParams = []param[MitchellSchaeffer]{
		{"tau_in", func(c *MitchellSchaeffer) *float64 { return &c.TauIn }, positive},
		{"tau_out", func(c *MitchellSchaeffer) *float64 { return &c.TauOut }, positive},
		{"tau_open", func(c *MitchellSchaeffer) *float64 { return &c.TauOpen }, positive},
		{"tau_close", func(c *MitchellSchaeffer) *float64 { return &c.TauClose }, positive},
		{"V_gate", func(c *MitchellSchaeffer) *float64 { return &c.VGate }, unit},
		{"V_min", func(c *MitchellSchaeffer) *float64 { return &c.VMin }, finite},
		{"V_max", func(c *MitchellSchaeffer) *float64 { return &c.VMax }, finite},
	}
	mmsParams = []param[ModifiedMS]{
		{"tau_in", func(c *ModifiedMS) *float64 { return &c.TauIn }, positive},
		{"tau_out", func(c *ModifiedMS) *float64 { return &c.TauOut }, positive},
		{"tau_open", func(c *ModifiedMS) *float64 { return &c.TauOpen }, positive},
		{"tau_close", func(c *ModifiedMS) *float64 { return &c.TauClose }, positive},
		{"V_gate", func(c *ModifiedMS) *float64 { return &c.VGate }, unit},
		{"a_crit", func(c *ModifiedMS) *float64 { return &c.ACrit }, unit},
		{"V_min", func(c *ModifiedMS) *float64 { return &c.VMin }, finite},
		{"V_max", func(c *ModifiedMS) *float64 { return &c.VMax }, finite},
	}
	apParams = []param[AlievPanfilov]{
		{"k", func(c *AlievPanfilov) *float64 { return &c.K }, positive},
		{"a", func(c *AlievPanfilov) *float64 { return &c.A }, unit},
		{"eps0", func(c *AlievPanfilov) *float64 { return &c.Eps0 }, positive},
		{"mu1", func(c *AlievPanfilov) *float64 { return &c.Mu1 }, nonNegative},
		{"mu2", func(c *AlievPanfilov) *float64 { return &c.Mu2 }, positive},
		{"time_scale", func(c *AlievPanfilov) *float64 { return &c.TimeScale }, positive},
		{"V_min", func(c *AlievPanfilov) *float64 { return &c.VMin }, finite},
		{"V_max", func(c *AlievPanfilov) *float64 { return &c.VMax }, finite},
	}
)

// modify applies mods to c in order with the parameter table ps.
func modify[T any](c T, model string, ps []param[T], mods []Mod) (T, error) {
	for _, m := range mods {
		i := slices.IndexFunc(ps, func(p param[T]) bool { return p.name == m.Name })
		if i < 0 {
			names := make([]string, len(ps))
			for k, p := range ps {
				names[k] = p.name
			}
			return c, fmt.Errorf("im_param %q: model %s has no parameter %q; it has %s", m.String(), model, m.Name, strings.Join(names, ", "))
		}
		f := ps[i].field(&c)
		x := m.apply(*f)
		if !ps[i].rng.ok(x) {
			return c, fmt.Errorf("im_param %q: %s would be %g; it must be %v", m.String(), m.Name, x, ps[i].rng)
		}
		*f = x
	}
	return c, nil
}

// Modify returns m with the modifications of spec (openCARP im_param
// syntax, see ParseMods) applied in order. The names, per model
// (openCARP's where it has the model):
//
//	courtemanche    GNa GK1 Gto GKr GKs GCaL GbNa GbCa (nS/pF), factorGKur (factor on g_Kur(V)),
//	                maxINaK maxINaCa maxIpCa (pA/pF), maxIup (mM/ms)
//	tentusscher     GNa GK1 Gto GKr GKs GCaL GbNa GbCa GpCa GpK (nS/pF), knak knaca (pA/pF)
//	ms              tau_in tau_out tau_open tau_close (ms), V_gate (normalised), V_min V_max (mV)
//	mms             the ms names and a_crit (normalised)
//	aliev_panfilov  k a eps0 mu1 mu2 (dimensionless), time_scale (ms per model time unit), V_min V_max (mV)
//
// Errors are one line: a malformed item, an unknown name (with the
// model's names), or a result out of the parameter's range (conductances
// and maximal currents ≥ 0, time constants and scales > 0, normalised
// thresholds in (0, 1), V_max > V_min). An empty spec returns m.
func Modify(m Model, spec string) (Model, error) {
	mods, err := ParseMods(spec)
	if err != nil || len(mods) == 0 {
		return m, err
	}
	return Apply(m, mods)
}

// modifiable is a cell model whose parameters im_param can change.
type modifiable interface {
	modify(mods []Mod) (Model, error)
}

// Apply returns m with the parsed modifications mods applied in order (see
// Modify).
func Apply(m Model, mods []Mod) (Model, error) {
	if c, ok := m.(modifiable); ok {
		return c.modify(mods)
	}
	return m, fmt.Errorf("im_param: ionic model %s (%T) has no modifiable parameters", m.Name(), m)
}

// vrange checks the voltage range of a normalised model.
func vrange(vmin, vmax float64) error {
	if !(vmax > vmin) {
		return fmt.Errorf("im_param: V_max %g mV must be above V_min %g mV", vmax, vmin)
	}
	return nil
}

func (c Courtemanche) modify(mods []Mod) (Model, error) { return modify(c, NameCRN, crnParams, mods) }

func (c TenTusscher) modify(mods []Mod) (Model, error) { return modify(c, NameTP06, ttParams, mods) }

func (c MitchellSchaeffer) modify(mods []Mod) (Model, error) {
	c, err := modify(c, NameMS, msParams, mods)
	if err == nil {
		err = vrange(c.VMin, c.VMax)
	}
	return c, err
}

func (c ModifiedMS) modify(mods []Mod) (Model, error) {
	c, err := modify(c, NameMMS, mmsParams, mods)
	if err == nil {
		err = vrange(c.VMin, c.VMax)
	}
	return c, err
}

func (c AlievPanfilov) modify(mods []Mod) (Model, error) {
	c, err := modify(c, NameAP, apParams, mods)
	if err == nil {
		err = vrange(c.VMin, c.VMax)
	}
	return c, err
}
