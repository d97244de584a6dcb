package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// EncodeOutputs encodes scalar outputs as a JSON object with keys sorted.
// Finite numbers are JSON numbers in the shortest form that round-trips;
// NaN and ±Inf, which JSON lacks, are the strings "NaN", "Inf", "-Inf".
// The bytes are those json.Marshal gives for the same object (numbers as
// ECMAScript formats them, keys escaped as encoding/json escapes them),
// written without reflection: the ledger encodes every run's outputs.
func EncodeOutputs(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // encoding/json sorts a map's keys by their bytes too
	b := make([]byte, 0, 2+len(m)*32)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, k)
		b = append(b, ':')
		b = appendOutput(b, m[k])
	}
	b = append(b, '}')
	return string(b)
}

// EncodeParams encodes a run's parameters as the ledger keeps them: the
// bytes json.Marshal gives for the map (keys sorted), written without
// reflection for the values parameters have (float64, int, int64, bool,
// string, nil); any other value, or a float json cannot encode, goes
// through json.Marshal, with its result and its error.
func EncodeParams(m map[string]any) (string, error) {
	if m == nil {
		return "null", nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := make([]byte, 0, 2+len(m)*32)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, k)
		b = append(b, ':')
		switch v := m[k].(type) {
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return encodeParamsJSON(m)
			}
			b = appendOutput(b, v)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case bool:
			b = strconv.AppendBool(b, v)
		case string:
			b = appendKey(b, v) // a string value is escaped as a key is
		case nil:
			b = append(b, "null"...)
		default:
			return encodeParamsJSON(m)
		}
	}
	b = append(b, '}')
	return string(b), nil
}

func encodeParamsJSON(m map[string]any) (string, error) {
	b, err := json.Marshal(m)
	return string(b), err
}

// plainKey reports whether encoding/json writes k as it is between quotes:
// printable ASCII but for the quote, the backslash and the three
// characters it escapes for HTML.
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

func appendKey(b []byte, k string) []byte {
	if plainKey(k) {
		b = append(b, '"')
		b = append(b, k...)
		return append(b, '"')
	}
	q, err := json.Marshal(k)
	if err != nil {
		panic("store: " + err.Error())
	}
	return append(b, q...)
}

// appendOutput appends v as encoding/json formats a float64 (ECMAScript's
// number to string: %f between 1e-6 and 1e21, else %e with the exponent
// unpadded), or as the string "NaN", "Inf" or "-Inf".
func appendOutput(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, `"NaN"`...)
	case math.IsInf(v, 1):
		return append(b, `"Inf"`...)
	case math.IsInf(v, -1):
		return append(b, `"-Inf"`...)
	}
	format := byte('f')
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, v, format, -1, 64)
	if format == 'e' { // e-09 → e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// DecodeOutputs reverses EncodeOutputs exactly. Objects in the form
// EncodeOutputs writes are read directly; anything else (whitespace,
// escaped keys, a ledger edited by hand) goes through encoding/json, with
// the same result.
func DecodeOutputs(s string) (map[string]float64, error) {
	if m, ok := decodePlainOutputs(s); ok {
		return m, nil
	}
	return decodeOutputsJSON(s)
}

// decodePlainOutputs reads s if it is an object of plain keys (plainKey,
// but for the HTML characters, which need no escape on input) and values
// that are JSON numbers or "NaN", "Inf", "-Inf", with no whitespace. It
// reports false for anything else.
func decodePlainOutputs(s string) (map[string]float64, bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	m := make(map[string]float64, 8)
	i := 1
	if s[i] == '}' {
		return m, i == len(s)-1
	}
	for {
		// A key.
		if s[i] != '"' {
			return nil, false
		}
		j := i + 1
		for j < len(s) && s[j] != '"' {
			if c := s[j]; c < 0x20 || c > 0x7e || c == '\\' {
				return nil, false
			}
			j++
		}
		if j+1 >= len(s) || s[j+1] != ':' {
			return nil, false
		}
		key := s[i+1 : j]
		i = j + 2
		// A value.
		var v float64
		switch {
		case hasPrefixAt(s, i, `"NaN"`):
			v, i = math.NaN(), i+5
		case hasPrefixAt(s, i, `"Inf"`):
			v, i = math.Inf(1), i+5
		case hasPrefixAt(s, i, `"-Inf"`):
			v, i = math.Inf(-1), i+6
		default:
			end := scanNumber(s, i)
			if end == i {
				return nil, false
			}
			var err error
			if v, err = strconv.ParseFloat(s[i:end], 64); err != nil {
				return nil, false
			}
			i = end
		}
		m[key] = v
		switch {
		case i >= len(s):
			return nil, false
		case s[i] == ',':
			i++
		case s[i] == '}':
			return m, i == len(s)-1
		default:
			return nil, false
		}
		if i >= len(s) {
			return nil, false
		}
	}
}

func hasPrefixAt(s string, i int, p string) bool {
	return len(s)-i >= len(p) && s[i:i+len(p)] == p
}

// scanNumber returns the end of the JSON number that starts at s[i]
// (RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), or i if none
// does.
func scanNumber(s string, i int) int {
	start := i
	digits := func(j int) int {
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		return j
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(i)
	default:
		return start
	}
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return start
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := digits(j)
		if k == j {
			return start
		}
		i = k
	}
	return i
}

// decodeOutputsJSON decodes any JSON object of numbers and the strings
// "NaN", "Inf" and "-Inf".
func decodeOutputsJSON(s string) (map[string]float64, error) {
	var obj map[string]any
	if err := json.Unmarshal([]byte(s), &obj); err != nil {
		return nil, err
	}
	m := make(map[string]float64, len(obj))
	for k, v := range obj {
		switch x := v.(type) {
		case float64:
			m[k] = x
		case string:
			switch x {
			case "NaN":
				m[k] = math.NaN()
			case "Inf":
				m[k] = math.Inf(1)
			case "-Inf":
				m[k] = math.Inf(-1)
			default:
				return nil, fmt.Errorf("output %q: bad value %q", k, x)
			}
		default:
			return nil, errors.New("output " + k + " is not a number")
		}
	}
	return m, nil
}
