package models

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"time"
)

// Kind is the type of a parameter value.
type Kind uint8

// The parameter kinds. A Float parameter accepts integers too; an Int
// parameter accepts a float only if it is integral.
const (
	Float Kind = iota + 1
	Int
	Bool
	String
)

func (k Kind) String() string {
	switch k {
	case Float:
		return "float"
	case Int:
		return "integer"
	case Bool:
		return "boolean"
	case String:
		return "string"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// holds reports whether v has the Go type of k.
func (k Kind) holds(v any) bool {
	switch v.(type) {
	case float64:
		return k == Float
	case int64:
		return k == Int
	case bool:
		return k == Bool
	case string:
		return k == String
	}
	return false
}

// Descriptor is a model's self-description.
type Descriptor struct {
	Name    string // short lower-case identifier, e.g. "pk"
	Version string // semantic version of the model's science and outputs
	Doc     string // one paragraph: what the model is and its source
	Params  []Param
	Outputs []Output
	// RunTimeout, when positive, is the wall time after which one run of
	// the model is taken to hang: its worker is stopped and the run counts
	// a timed-out attempt. A scenario's [backend] run_timeout or the
	// --run-timeout flag overrides it. Zero: no limit unless one is given.
	RunTimeout time.Duration
	// Unread names parameters of the model that this descriptor leaves out
	// because no run of the scenario reads them (a ParamsDescriber's
	// choice), each with the reason, which Resolve gives when a scenario
	// sets one. Built-in models only: it does not travel to plugins.
	Unread map[string]string
}

// Param describes one parameter of a model.
//
// Default must have the Go type of its Kind: float64, int64, bool or string.
// Min and Max bound Float and Int parameters (inclusive) when set; Choices
// restricts a String parameter when not empty.
type Param struct {
	Name    string
	Kind    Kind
	Unit    string // "mg", "1/h", "L", "" for dimensionless
	Default any
	Min     *float64
	Max     *float64
	Choices []string
	Doc     string
}

// Output describes one named scalar output.
type Output struct {
	Name string
	Unit string
	Doc  string
}

// Bound returns a pointer to v, for Param.Min and Param.Max.
func Bound(v float64) *float64 { return &v }

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Check reports a programming error in a descriptor: a bad name, a duplicate,
// a default of the wrong type or out of its own bounds.
func (d Descriptor) Check() error {
	if !nameRE.MatchString(d.Name) {
		return fmt.Errorf("models: model name %q must match %s", d.Name, nameRE)
	}
	seen := map[string]bool{}
	for _, p := range d.Params {
		if !nameRE.MatchString(p.Name) {
			return fmt.Errorf("models: %s: parameter name %q must match %s", d.Name, p.Name, nameRE)
		}
		if seen[p.Name] {
			return fmt.Errorf("models: %s: duplicate parameter %q", d.Name, p.Name)
		}
		seen[p.Name] = true
		if _, err := p.Coerce(p.Default); err != nil {
			return fmt.Errorf("models: %s: default of %v", d.Name, err)
		}
		if !p.Kind.holds(p.Default) {
			return fmt.Errorf("models: %s: default of parameter %q is %T, want the Go type of %v", d.Name, p.Name, p.Default, p.Kind)
		}
	}
	outs := map[string]bool{}
	for _, o := range d.Outputs {
		if !nameRE.MatchString(o.Name) {
			return fmt.Errorf("models: %s: output name %q must match %s", d.Name, o.Name, nameRE)
		}
		if outs[o.Name] {
			return fmt.Errorf("models: %s: duplicate output %q", d.Name, o.Name)
		}
		outs[o.Name] = true
	}
	return nil
}

// Param returns the parameter named name.
func (d Descriptor) Param(name string) (Param, bool) {
	for _, p := range d.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ParamError is a parameter that failed validation.
type ParamError struct {
	Model string
	Param string
	Value any    // the offending value (nil when missing)
	Msg   string // what was wrong and what was expected
}

// InputError is a run's failure caused by what the run was given (inputs
// the model cannot use, a combination of parameters it cannot run with)
// rather than by the machine it ran on. Retrying cannot help: the engine
// fails such a run at once. A *ParamError is one too (see IsBadInput).
type InputError struct {
	Model string
	Msg   string // the whole message: what was wrong and what was expected
}

func (e *InputError) Error() string { return e.Msg }

// IsBadInput reports whether err, or an error it wraps, is a *ParamError or
// an *InputError: a failure of the run's input that no retry can mend.
func IsBadInput(err error) bool {
	var pe *ParamError
	var ie *InputError
	return errors.As(err, &pe) || errors.As(err, &ie)
}

func (e *ParamError) Error() string {
	if e.Value == nil {
		return fmt.Sprintf("parameter %q of model %q: %s", e.Param, e.Model, e.Msg)
	}
	return fmt.Sprintf("parameter %q of model %q = %s: %s", e.Param, e.Model, FormatValue(e.Value), e.Msg)
}

// Resolve validates raw parameter values against the descriptor and returns
// the full parameter set with defaults filled in. Values may be float64,
// int64, int, bool or string (as decoded from TOML or JSON). The first
// problem found, in the descriptor's parameter order, is returned as a
// *ParamError; unknown names are reported in sorted order.
func (d Descriptor) Resolve(raw map[string]any) (Params, error) {
	for _, name := range sortedKeys(raw) {
		if _, ok := d.Param(name); !ok {
			if why, unread := d.Unread[name]; unread {
				return nil, &ParamError{Model: d.Name, Param: name, Value: raw[name], Msg: "not read by this scenario's runs: " + why}
			}
			return nil, &ParamError{Model: d.Name, Param: name, Value: raw[name],
				Msg: fmt.Sprintf("unknown parameter; model %q has %s", d.Name, d.paramList())}
		}
	}
	out := make(Params, len(d.Params))
	for _, p := range d.Params {
		v, ok := raw[p.Name]
		if !ok {
			v = p.Default
		}
		c, err := p.Coerce(v)
		if err != nil {
			err.Model = d.Name
			return nil, err
		}
		out[p.Name] = c
	}
	return out, nil
}

func (d Descriptor) paramList() string {
	s := ""
	for i, p := range d.Params {
		if i > 0 {
			s += ", "
		}
		s += p.Name
	}
	if s == "" {
		return "no parameters"
	}
	return "parameters " + s
}

// Coerce converts v to the parameter's Go type and checks its bounds.
func (p Param) Coerce(v any) (any, *ParamError) {
	bad := func(msg string) *ParamError { return &ParamError{Param: p.Name, Value: v, Msg: msg} }
	switch p.Kind {
	case Float:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case int64:
			f = float64(x)
		case int:
			f = float64(x)
		default:
			return nil, bad(fmt.Sprintf("wrong type %s, expected a number%s", typeName(v), p.unitSuffix()))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, bad("expected a finite number")
		}
		if err := p.checkBounds(f, v); err != nil {
			return nil, err
		}
		return f, nil
	case Int:
		var i int64
		switch x := v.(type) {
		case int64:
			i = x
		case int:
			i = int64(x)
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, bad("expected an integer")
			}
			i = int64(x)
		default:
			return nil, bad(fmt.Sprintf("wrong type %s, expected an integer", typeName(v)))
		}
		if err := p.checkBounds(float64(i), v); err != nil {
			return nil, err
		}
		return i, nil
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, bad(fmt.Sprintf("wrong type %s, expected true or false", typeName(v)))
		}
		return b, nil
	case String:
		s, ok := v.(string)
		if !ok {
			return nil, bad(fmt.Sprintf("wrong type %s, expected a string", typeName(v)))
		}
		if len(p.Choices) > 0 {
			for _, c := range p.Choices {
				if c == s {
					return s, nil
				}
			}
			return nil, bad(fmt.Sprintf("expected one of %q", p.Choices))
		}
		return s, nil
	}
	return nil, bad(fmt.Sprintf("parameter has unknown kind %v", p.Kind))
}

func (p Param) checkBounds(f float64, v any) *ParamError {
	if p.Min != nil && f < *p.Min {
		return &ParamError{Param: p.Name, Value: v, Msg: fmt.Sprintf("below the minimum %s%s", FormatFloat(*p.Min), p.unitSuffix())}
	}
	if p.Max != nil && f > *p.Max {
		return &ParamError{Param: p.Name, Value: v, Msg: fmt.Sprintf("above the maximum %s%s", FormatFloat(*p.Max), p.unitSuffix())}
	}
	return nil
}

func (p Param) unitSuffix() string {
	if p.Unit == "" {
		return ""
	}
	return " " + p.Unit
}

func typeName(v any) string {
	switch v.(type) {
	case float64:
		return "float"
	case int64, int:
		return "integer"
	case bool:
		return "boolean"
	case string:
		return "string"
	case nil:
		return "nothing"
	case []any:
		return "array"
	case map[string]any:
		return "table"
	}
	return fmt.Sprintf("%T", v)
}
