package brain

import (
	"bytes"
	"testing"
)

// FuzzAppendFields: appendFields splits a line as bytes.Fields does, the
// reference being the standard library itself, for ASCII and Unicode white
// space (U+0085, U+00A0, U+2003, U+3000), invalid UTF-8 and empty lines;
// and it appends to what dst already holds.
func FuzzAppendFields(f *testing.F) {
	for _, s := range []string{"", " ", "1 2\t3", "  0.5e-3\v\f-2  ", "a\u00a0b\u0085c\u2003d\u3000e", "\xff 1 \xc2", "x\u200by", "1,2 3"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		want := bytes.Fields(s)
		pre := [][]byte{[]byte("kept")}
		got := appendFields(pre, s)
		if len(got) != len(want)+1 || string(got[0]) != "kept" {
			t.Fatalf("%q: %d fields after the kept one, bytes.Fields %d", s, len(got)-1, len(want))
		}
		for k, w := range want {
			if !bytes.Equal(got[k+1], w) {
				t.Fatalf("%q: field %d = %q, bytes.Fields %q", s, k, got[k+1], w)
			}
		}
	})
}
