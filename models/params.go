package models

import (
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Params holds validated parameter values keyed by name. Values have the Go
// type of their Kind: float64, int64, bool or string. Use Descriptor.Resolve
// to build one; the accessors panic on a missing name or a wrong type, which
// is a programming error once parameters are resolved.
type Params map[string]any

// Float returns the Float parameter name.
func (p Params) Float(name string) float64 {
	v, ok := p[name].(float64)
	if !ok {
		panic(fmt.Sprintf("models: parameter %q is %T, not float64", name, p[name]))
	}
	return v
}

// Int returns the Int parameter name.
func (p Params) Int(name string) int64 {
	v, ok := p[name].(int64)
	if !ok {
		panic(fmt.Sprintf("models: parameter %q is %T, not int64", name, p[name]))
	}
	return v
}

// Bool returns the Bool parameter name.
func (p Params) Bool(name string) bool {
	v, ok := p[name].(bool)
	if !ok {
		panic(fmt.Sprintf("models: parameter %q is %T, not bool", name, p[name]))
	}
	return v
}

// String returns the String parameter name.
func (p Params) String(name string) string {
	v, ok := p[name].(string)
	if !ok {
		panic(fmt.Sprintf("models: parameter %q is %T, not string", name, p[name]))
	}
	return v
}

// Names returns the parameter names in sorted order.
func (p Params) Names() []string { return sortedKeys(p) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// FormatFloat formats f in the shortest form that parses back to the same
// float64 ('g' format, -1 precision). All of mdtwin's CSV output uses it, so
// that numbers are byte-identical wherever they were computed.
func FormatFloat(f float64) string {
	if math.IsInf(f, 1) {
		return "Inf"
	}
	if math.IsInf(f, -1) {
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// FormatValue formats a parameter value for CSV output and messages.
func FormatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return FormatFloat(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return strconv.Quote(x)
	}
	return fmt.Sprint(v)
}
