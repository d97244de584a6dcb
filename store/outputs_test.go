package store

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// encodeOutputsJSON is how the ledger encoded outputs before
// EncodeOutputs wrote them by hand: the reference its bytes must equal.
func encodeOutputsJSON(m map[string]float64) string {
	obj := make(map[string]any, len(m))
	for k, v := range m {
		switch {
		case math.IsNaN(v):
			obj[k] = "NaN"
		case math.IsInf(v, 1):
			obj[k] = "Inf"
		case math.IsInf(v, -1):
			obj[k] = "-Inf"
		default:
			obj[k] = v
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// sameOutputs compares two output maps bit for bit (NaN equals NaN).
func sameOutputs(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok || math.Float64bits(x) != math.Float64bits(y) && !(math.IsNaN(x) && math.IsNaN(y)) {
			return false
		}
	}
	return true
}

func validKeys(m map[string]float64) bool {
	for k := range m {
		if !utf8.ValidString(k) {
			return false
		}
	}
	return true
}

// The hand-written encoder gives json.Marshal's bytes, and the decoder
// gives back every value to the bit: at the format's cut-offs (1e-6 and
// 1e21, where encoding/json switches to exponents), signed zeros,
// subnormals, the extremes, keys that encoding/json escapes, and random
// bit patterns.
func TestOutputsCodec(t *testing.T) {
	values := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.999999999999999e-7, 1e-7, 1e20, 1e21,
		999999999999999900000, 1.5e300, -2.5e-300, 5e-324, math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, 123456789.125, 1e-10, math.NaN(), math.Inf(1), math.Inf(-1)}
	keys := []string{"y", "a_b", "", "Z", "x<y", "a&b", "é", "tab\t", `q"uote`, `back\slash`, "\x7f", "\xff"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		values = append(values, math.Float64frombits(rng.Uint64()))
	}
	var maps []map[string]float64
	for i, v := range values {
		maps = append(maps, map[string]float64{keys[i%len(keys)]: v, "out": values[(i*7)%len(values)]})
	}
	maps = append(maps, map[string]float64{}, nil)
	for _, m := range maps {
		got, want := EncodeOutputs(m), encodeOutputsJSON(m)
		if got != want {
			t.Fatalf("EncodeOutputs(%v) = %s, want %s", m, got, want)
		}
		back, err := DecodeOutputs(got)
		if err != nil {
			t.Fatalf("DecodeOutputs(%s): %v", got, err)
		}
		ref, _ := decodeOutputsJSON(got)
		// Keys that are not UTF-8 come back with U+FFFD, as encoding/json
		// reads them; every other map comes back as it was.
		if !sameOutputs(back, ref) || (len(m) > 0 && validKeys(m) && !sameOutputs(back, m)) {
			t.Fatalf("DecodeOutputs(%s) = %v, want %v", got, back, m)
		}
	}
}

// Objects not in EncodeOutputs' form decode as encoding/json decodes them,
// and bad ones fail as they did.
func TestDecodeOutputsOtherForms(t *testing.T) {
	for _, s := range []string{`{ "x" : 1 }`, `{"x":1,"x":2}`, `{"\u0078":1}`, `{"x":1E+2}`, `{"x":-0.0e-0}`,
		`{"x":"NaN","y":"-Inf"}`, `{}`, `null`, `{"x":null}`, `{"x":"nan"}`, `{"x":01}`, `{"x":1.}`, `{"x":1e999}`,
		`{"x":1}x`, `{"x":1,}`, `{"x"1}`, `{`, `}`, ``, `[1]`, `{"x":true}`} {
		got, err := DecodeOutputs(s)
		want, werr := decodeOutputsJSON(s)
		if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() || !sameOutputs(got, want) {
			t.Errorf("DecodeOutputs(%q) = %v, %v; encoding/json gives %v, %v", s, got, err, want, werr)
		}
	}
}

// FuzzDecodeOutputs holds the direct reader of outputs to encoding/json's
// reading of the same text, and the writer to json.Marshal's bytes.
func FuzzDecodeOutputs(f *testing.F) {
	for _, s := range []string{`{"x":1}`, `{"a":"NaN","b":-1.5e-7}`, `{}`, `{ "x" : 2 }`, `{"x":1e999}`, `{"\u00e9":3}`} {
		f.Add(s, "k", 0.5)
	}
	f.Fuzz(func(t *testing.T, s, key string, v float64) {
		got, err := DecodeOutputs(s)
		want, werr := decodeOutputsJSON(s)
		if (err == nil) != (werr == nil) || !sameOutputs(got, want) {
			t.Fatalf("DecodeOutputs(%q) = %v, %v; encoding/json gives %v, %v", s, got, err, want, werr)
		}
		m := map[string]float64{key: v, "y": -v}
		if enc, ref := EncodeOutputs(m), encodeOutputsJSON(m); enc != ref {
			t.Fatalf("EncodeOutputs(%v) = %s, want %s", m, enc, ref)
		}
	})
}

// EncodeParams gives json.Marshal's bytes (and its errors) for the values
// parameters have and for others.
func TestEncodeParams(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []map[string]any{{}, nil, {"x": 1.5, "n": int64(3), "i": 7, "b": true, "s": "a<b&\"c\"", "z": nil},
		{"é": math.Copysign(0, -1), "tiny": 5e-324, "big": 1e21, "f32": float32(0.1)}, {"list": []any{1.0, "x"}},
		{"nan": math.NaN()}, {"inf": math.Inf(-1)}, {"u": uint8(3)}, {"\xff": "\xfe"}}
	for range 500 {
		cases = append(cases, map[string]any{"a": math.Float64frombits(rng.Uint64()), "k": rng.Int64(), "s": fmt.Sprint(rng.Float64())})
	}
	for _, m := range cases {
		got, err := EncodeParams(m)
		want, werr := json.Marshal(m)
		if (err == nil) != (werr == nil) || err == nil && got != string(want) {
			t.Errorf("EncodeParams(%v) = %s, %v; json.Marshal gives %s, %v", m, got, err, want, werr)
		}
	}
}
