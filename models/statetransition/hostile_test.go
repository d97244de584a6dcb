package statetransition

import (
	"strings"
	"testing"
)

// TestExprNesting checks the nesting bound of the expression compiler:
// ten million "(" (10 MB, a cell a hostile scenario may hold) exhausted
// the goroutine stack, a crash of the whole process; now more than
// maxNesting levels of parentheses, calls or signs is an error at the
// level that goes too deep, and maxNesting levels still compile.
func TestExprNesting(t *testing.T) {
	sc := &scope{index: map[string]int{"a": 0}, names: []string{"a"}}
	nest := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "a" + strings.Repeat(close, n)
	}
	for _, src := range []string{nest("(", ")", maxNesting), nest("-", "", maxNesting), nest("exp(", ")", maxNesting)} {
		if _, err := parseExpr(src, sc); err != nil {
			t.Errorf("%d levels: %v", maxNesting, err)
		}
	}
	for _, c := range []struct{ src, want string }{
		{nest("(", ")", maxNesting+1), "at character 101: nested more than 100 levels deep"},
		{nest("-", "", maxNesting+1), "at character 101: nested more than 100 levels deep"},
		{nest("min(1,", ")", maxNesting+1), "at character 604: nested more than 100 levels deep"},
		{strings.Repeat("(", 10_000_000), "at character 101: nested more than 100 levels deep"},
	} {
		_, err := parseExpr(c.src, sc)
		if err == nil || !strings.HasSuffix(err.Error(), c.want) || len(err.Error()) > 300 {
			t.Errorf("%.20q…: error %.300v, want one of at most 300 bytes ending %q", c.src, err, c.want)
		}
	}
}
