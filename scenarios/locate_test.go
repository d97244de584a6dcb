package scenarios

import (
	"strings"
	"testing"
)

// TestLocate checks key positions in a source that uses every construct the
// locator must step over. Positions were counted by hand.
func TestLocate(t *testing.T) {
	src := strings.Join([]string{
		/* 1 */ "\uFEFF# [not] a table, key = 1",
		/* 2 */ `title = "a [b] # c \" d" # e`,
		/* 3 */ `[ study ] # [x]`,
		/* 4 */ `  name = 'it''s' `, // literal string: no escapes
		/* 5 */ `"quoted key" = """`,
		/* 6 */ `[fake] table = 1`,
		/* 7 */ `"""`,
		/* 8 */ `'lit.key'.sub = '''x'''''`,
		/* 9 */ `[sweep."params"]`,
		/* 10 */ `ka = { dist = "normal", "mean" = 1, sd = { x = [1, {y = 2}] } }`,
		/* 11 */ `dose = [`,
		/* 12 */ `  50, # fifty, [sic]`,
		/* 13 */ `  "]", [1,`,
		/* 14 */ `  2],`,
		/* 15 */ `]`,
		/* 16 */ `multi = {`,
		/* 17 */ `  a.b = 1979-05-27 07:32:00Z, c = 3 }`,
		/* 18 */ "[[runs]]\r",
		/* 19 */ "\tx = 1\r",
		/* 20 */ "[[runs]]",
		/* 21 */ "x = 2",
	}, "\n")
	l := locate(src)
	for _, tc := range []struct {
		path []string
		line int
		col  int
	}{
		{[]string{"title"}, 2, 1},
		{[]string{"study"}, 3, 1},
		{[]string{"study", "name"}, 4, 3},
		{[]string{"study", "quoted key"}, 5, 1},
		{[]string{"study", "lit.key"}, 8, 1},
		{[]string{"study", "lit.key", "sub"}, 8, 11},
		{[]string{"sweep"}, 9, 1}, // implied by the header
		{[]string{"sweep", "params"}, 9, 1},
		{[]string{"sweep", "params", "ka"}, 10, 1},
		{[]string{"sweep", "params", "ka", "dist"}, 10, 8},
		{[]string{"sweep", "params", "ka", "mean"}, 10, 25},
		{[]string{"sweep", "params", "ka", "sd"}, 10, 37},
		{[]string{"sweep", "params", "ka", "sd", "x", elem(1), "y"}, 10, 53},
		{[]string{"sweep", "params", "dose", elem(0)}, 12, 3},
		{[]string{"sweep", "params", "dose", elem(1)}, 13, 3},
		{[]string{"sweep", "params", "dose", elem(2)}, 13, 8},
		{[]string{"sweep", "params", "dose", elem(2), elem(1)}, 14, 3},
		{[]string{"sweep", "params", "multi", "a", "b"}, 17, 5},
		{[]string{"sweep", "params", "multi", "c"}, 17, 31},
		{[]string{"runs"}, 18, 1},
		{[]string{"runs", "x"}, 19, 2}, // the first of the array's tables
	} {
		p, ok := l.find(tc.path)
		if !ok || p.line != tc.line || p.col != tc.col {
			t.Errorf("%q: got %d:%d (found %v), want %d:%d", tc.path, p.line, p.col, ok, tc.line, tc.col)
		}
	}
	for _, path := range [][]string{{"fake"}, {"table"}, {"not"}, {"study", "fake"}, {"sweep", "params", "dose", elem(3)}} {
		if p, ok := l.find(path); ok {
			t.Errorf("%q: found at %d:%d inside a string or comment", path, p.line, p.col)
		}
	}
	if p := l.near([]string{"sweep", "params", "ka", "sigma"}); p != (position{10, 1}) {
		t.Errorf("near ka.sigma: got %v, want the key ka at 10:1", p)
	}
	if p := l.near([]string{"backend", "kind"}); p != (position{}) {
		t.Errorf("near backend.kind: got %v, want no position", p)
	}
}

// TestLocateNeverFails feeds the locator broken text: it must stop, not
// hang or panic.
func TestLocateNeverFails(t *testing.T) {
	for _, src := range []string{
		"", "[", "[[", "a", "a =", "a = [", "a = {", "a = \"", "a = '''", `a = """\`, "= 1", "a.=1",
		"a = [1,,]", "a = {,}", "a = {b}", "[a\nb = 1", "a = [\"x]\n",
	} {
		locate(src)
	}
}
