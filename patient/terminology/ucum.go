package terminology

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
)

// dim is a unit's dimension: exponents of UCUM's base units m, s, g, rad,
// K, C, cd.
type dim [7]int

var baseIndex = map[string]int{"m": 0, "s": 1, "g": 2, "rad": 3, "K": 4, "C": 5, "cd": 6}

// prefixes are UCUM's decimal prefixes (ucum-essence.xml 2.2, <prefix>).
var prefixes = map[string]float64{"Y": 1e24, "Z": 1e21, "E": 1e18, "P": 1e15, "T": 1e12, "G": 1e9, "M": 1e6,
	"k": 1e3, "h": 1e2, "da": 1e1, "d": 1e-1, "c": 1e-2, "m": 1e-3, "u": 1e-6, "n": 1e-9, "p": 1e-12,
	"f": 1e-15, "a": 1e-18, "z": 1e-21, "y": 1e-24}

// atom is one row of ucum_units.tsv.
type atom struct {
	kind   string // base, unit, special, arbitrary
	metric bool   // may take a prefix
	value  float64
	unit   string // definition (a unit expression), or the property of a base unit
}

// Unit is a UCUM unit resolved to UCUM's base units: a value in the unit
// is Factor times the same value in the base units of Dim.
type Unit struct {
	Factor float64
	Dim    dim
	// Special names a unit that converts by a function (Cel, [degF]) rather
	// than a factor; Arbitrary an arbitrary unit ([iU]), which converts to
	// nothing but itself.
	Special, Arbitrary string
}

// MaxUnitLen caps the length of a unit expression.
const MaxUnitLen = 256

// UnitError is a unit expression that is not UCUM (of the atoms mdtwin
// knows) or two units that do not convert.
type UnitError struct {
	Unit string
	Msg  string
}

func (e *UnitError) Error() string { return fmt.Sprintf("unit %q: %s", e.Unit, e.Msg) }

var (
	unitsOnce sync.Once
	atoms     map[string]atom
	unitsErr  error
	unitCache sync.Map // string → Unit
)

func loadAtoms() {
	rows, err := ParseTable("data/ucum_units.tsv", mustRead("data/ucum_units.tsv"), 6, "code")
	if err != nil {
		unitsErr = err
		return
	}
	atoms = map[string]atom{}
	for _, r := range rows {
		v, err := strconv.ParseFloat(r.cells[3], 64)
		if err != nil {
			unitsErr = &TableError{File: "data/ucum_units.tsv", Line: r.line, Msg: "value: " + err.Error()}
			return
		}
		atoms[r.cells[0]] = atom{kind: r.cells[1], metric: r.cells[2] == "yes", value: v, unit: r.cells[4]}
	}
}

// ParseUnit resolves a UCUM unit expression ("mg/dL", "10*3/uL",
// "kg/m2", "/(24.h)", "{score}", "mm[Hg]") to its factor and dimension.
// Annotations ({...}) are unity; "1" and "" are unity.
func ParseUnit(expr string) (Unit, error) {
	unitsOnce.Do(loadAtoms)
	if unitsErr != nil {
		return Unit{}, unitsErr
	}
	if len(expr) > MaxUnitLen {
		return Unit{}, &UnitError{expr[:32] + "…", fmt.Sprintf("%d characters, more than the cap of %d", len(expr), MaxUnitLen)}
	}
	if u, ok := unitCache.Load(expr); ok {
		return u.(Unit), nil
	}
	if a, ok := atoms[expr]; ok && (a.kind == "special" || a.kind == "arbitrary") {
		u := Unit{Factor: 1}
		if a.kind == "special" {
			u.Special = expr
			u.Dim[baseIndex["K"]] = 1
		} else {
			u.Arbitrary = expr
		}
		return u, nil
	}
	p := &unitParser{s: expr}
	u, err := p.term(0)
	if err == nil && p.i < len(p.s) {
		err = p.errorf("unexpected %q", p.s[p.i:])
	}
	if err != nil {
		return Unit{}, err
	}
	if math.IsInf(u.Factor, 0) || math.IsNaN(u.Factor) || u.Factor == 0 {
		return Unit{}, &UnitError{expr, "factor out of range"}
	}
	unitCache.Store(expr, u)
	return u, nil
}

type unitParser struct {
	s     string
	i     int
	depth int
}

func (p *unitParser) errorf(format string, args ...any) error {
	return &UnitError{p.s, fmt.Sprintf("at %d: ", p.i+1) + fmt.Sprintf(format, args...)}
}

func mul(a, b Unit, sign int) Unit {
	out := Unit{Factor: a.Factor}
	if sign > 0 {
		out.Factor *= b.Factor
	} else {
		out.Factor /= b.Factor
	}
	for i := range out.Dim {
		out.Dim[i] = a.Dim[i] + sign*b.Dim[i]
	}
	return out
}

// term := "/" component | component (("." | "/") component)*
func (p *unitParser) term(level int) (Unit, error) {
	if level > 8 {
		return Unit{}, p.errorf("nested too deeply")
	}
	acc := Unit{Factor: 1}
	sign := 1
	if p.i < len(p.s) && p.s[p.i] == '/' {
		sign = -1
		p.i++
	}
	for {
		c, err := p.component(level)
		if err != nil {
			return Unit{}, err
		}
		acc = mul(acc, c, sign)
		if p.i >= len(p.s) || (p.s[p.i] != '.' && p.s[p.i] != '/') {
			return acc, nil
		}
		sign = 1
		if p.s[p.i] == '/' {
			sign = -1
		}
		p.i++
	}
}

func (p *unitParser) component(level int) (Unit, error) {
	if p.i >= len(p.s) {
		if p.s == "" || p.s == "1" {
			return Unit{Factor: 1}, nil
		}
		return Unit{}, p.errorf("a unit is missing")
	}
	switch c := p.s[p.i]; {
	case c == '(':
		p.i++
		u, err := p.term(level + 1)
		if err != nil {
			return Unit{}, err
		}
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return Unit{}, p.errorf("missing )")
		}
		p.i++
		return u, p.annotation()
	case c == '{':
		return Unit{Factor: 1}, p.annotation()
	case c >= '0' && c <= '9' && !strings.HasPrefix(p.s[p.i:], "10*") && !strings.HasPrefix(p.s[p.i:], "10^"):
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		n, err := strconv.ParseFloat(p.s[p.i:j], 64)
		if err != nil {
			return Unit{}, p.errorf("factor %q", p.s[p.i:j])
		}
		p.i = j
		return Unit{Factor: n}, p.annotation()
	}
	// A symbol: up to the next operator, parenthesis or annotation outside
	// square brackets, then an optional exponent.
	start, brackets := p.i, 0
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '[' {
			brackets++
		} else if c == ']' {
			brackets--
		} else if brackets == 0 && strings.IndexByte("./(){}", c) >= 0 {
			break
		}
		p.i++
	}
	sym := p.s[start:p.i]
	exp := 1
	if k := exponentStart(sym); k < len(sym) {
		e, err := strconv.Atoi(sym[k:])
		if err != nil || e < -30 || e > 30 {
			return Unit{}, p.errorf("exponent %q", sym[k:])
		}
		sym, exp = sym[:k], e
	}
	u, err := resolve(sym, 0)
	if err != nil {
		return Unit{}, &UnitError{p.s, err.Error()}
	}
	out := Unit{Factor: math.Pow(u.Factor, float64(exp))}
	for i := range out.Dim {
		out.Dim[i] = u.Dim[i] * exp
	}
	return out, p.annotation()
}

// exponentStart returns where a trailing exponent ([+-]digits) of sym
// starts, or len(sym).
func exponentStart(sym string) int {
	k := len(sym)
	for k > 0 && sym[k-1] >= '0' && sym[k-1] <= '9' {
		k--
	}
	if k == len(sym) || k == 0 {
		return len(sym)
	}
	if sym[k-1] == '-' || sym[k-1] == '+' {
		if k-1 == 0 {
			return len(sym)
		}
		k--
	}
	if sym[:k] == "10*" || sym[:k] == "10^" || strings.HasSuffix(sym[:k], "]") || isLetter(sym[k-1]) || sym[k-1] == '*' {
		return k
	}
	return len(sym)
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '%' }

func (p *unitParser) annotation() error {
	if p.i < len(p.s) && p.s[p.i] == '{' {
		j := strings.IndexByte(p.s[p.i:], '}')
		if j < 0 {
			return p.errorf("missing }")
		}
		p.i += j + 1
	}
	return nil
}

// resolve returns an atom, or a prefix and a metric atom, in base units.
func resolve(sym string, depth int) (Unit, error) {
	if depth > 16 {
		return Unit{}, fmt.Errorf("definition of %q is circular", sym)
	}
	if a, ok := atoms[sym]; ok {
		return atomUnit(sym, a, depth)
	}
	for _, n := range []int{2, 1} {
		if len(sym) > n {
			if f, ok := prefixes[sym[:n]]; ok {
				if a, ok := atoms[sym[n:]]; ok && a.metric {
					u, err := atomUnit(sym[n:], a, depth)
					u.Factor *= f
					return u, err
				}
			}
		}
	}
	return Unit{}, fmt.Errorf("%q is not a UCUM unit mdtwin knows", sym)
}

func atomUnit(sym string, a atom, depth int) (Unit, error) {
	switch a.kind {
	case "base":
		u := Unit{Factor: 1}
		u.Dim[baseIndex[sym]] = 1
		return u, nil
	case "special", "arbitrary":
		return Unit{}, fmt.Errorf("%s converts only on its own, not in an expression", sym)
	}
	if a.unit == "1" {
		return Unit{Factor: a.value}, nil
	}
	p := &unitParser{s: a.unit}
	u, err := p.term(depth + 1)
	if err != nil {
		return Unit{}, err
	}
	u.Factor *= a.value
	return u, nil
}

// Convert converts v from unit from to unit to (UCUM codes). Units of
// different dimensions do not convert. Degrees Celsius and Fahrenheit
// convert by UCUM's special functions (UCUM specification §22, special
// units on non-ratio scales):
//
//	K = Cel + 273.15        K = ([degF] + 459.67) × 5/9
func Convert(v float64, from, to string) (float64, error) {
	if from == to {
		return v, nil
	}
	f, err := ParseUnit(from)
	if err != nil {
		return 0, err
	}
	t, err := ParseUnit(to)
	if err != nil {
		return 0, err
	}
	if f.Arbitrary != "" || t.Arbitrary != "" {
		return 0, &UnitError{from, fmt.Sprintf("an arbitrary unit converts to nothing but itself, not to %q", to)}
	}
	if f.Dim != t.Dim {
		return 0, &UnitError{from, fmt.Sprintf("does not convert to %q (another dimension)", to)}
	}
	k := v * f.Factor // in base units (kelvin for temperatures)
	switch f.Special {
	case "Cel":
		k = v + 273.15
	case "[degF]":
		k = (v + 459.67) * 5 / 9
	}
	switch t.Special {
	case "Cel":
		return k - 273.15, nil
	case "[degF]":
		return k*9/5 - 459.67, nil
	}
	return k / t.Factor, nil
}
