package statetransition

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// expr is a compiled cell of the model: a number, or an arithmetic
// expression over the declared parameters and the cycle number.
//
// The language is deliberately small (no eval, no loops, no code):
//
//	expr    = sum [ cmp sum ]
//	cmp     = "<" | "<=" | ">" | ">=" | "==" | "!="     (1 if true, else 0)
//	sum     = term { ("+" | "-") term }
//	term    = unary { ("*" | "/") unary }
//	unary   = ("-" | "+") unary | power
//	power   = primary [ "^" unary ]                    (right-associative: 2^3^2 = 2^9)
//	primary = number | name | func "(" expr { "," expr } ")" | "(" expr ")"
//	func    = exp | log | abs | floor | min | max | mod | if
//
// where a name is a declared parameter or "cycle" (the 1-based number of the
// cycle the value is used in). "−", "×", "÷", "≤", "≥" and "≠" may be written
// for "-", "*", "/", "<=", ">=" and "!=". if(c, a, b) is a when c is not 0,
// else b, and evaluates only the branch it returns; mod(a, b) is
// a − b·floor(a/b) (the sign of b, as spreadsheets' MOD); -a^2 is −(a²).
type expr struct {
	src   string // as written; "" for a plain number
	root  node
	cycle bool // uses the cycle number
	konst bool // no names at all: the value never changes
}

// env is what an expression reads: the parameter values in declaration
// order, then the cycle number.
type env []float64

func (e *expr) eval(v env) float64 { return e.root.eval(v) }

// describe returns the expression as written with its value, for messages:
// `1.2` or `"p * rr" = 1.2`.
func (e *expr) describe(value float64) string {
	if e.src == "" {
		return fmtNum(value)
	}
	return fmt.Sprintf("%s = %s", quoteClip(e.src), fmtNum(value))
}

// quoteClip quotes s for a message, keeping the first clipRunes
// characters of a longer text followed by "…": a message stays one
// readable line whatever a scenario holds.
func quoteClip(s string) string {
	if utf8.RuneCountInString(s) <= clipRunes {
		return strconv.Quote(s)
	}
	i := 0
	for n := 0; n < clipRunes; n++ {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return strconv.Quote(s[:i]) + "…"
}

// clipRunes is the longest text quoted whole in messages.
const clipRunes = 120

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

type node interface{ eval(env) float64 }

type (
	number float64
	ref    int // index into env
	neg    struct{ x node }
	binary struct {
		op   byte
		l, r node
	}
	call struct {
		fn   string
		args []node
	}
)

func (n number) eval(env) float64 { return float64(n) }
func (r ref) eval(v env) float64  { return v[r] }
func (n neg) eval(v env) float64  { return -n.x.eval(v) }

func (b binary) eval(v env) float64 {
	l, r := b.l.eval(v), b.r.eval(v)
	switch b.op {
	case '+':
		return l + r
	case '-':
		return l - r
	case '*':
		return l * r
	case '/':
		return l / r
	case '^':
		return math.Pow(l, r)
	}
	var ok bool
	switch b.op {
	case '<':
		ok = l < r
	case 'l':
		ok = l <= r
	case '>':
		ok = l > r
	case 'g':
		ok = l >= r
	case '=':
		ok = l == r
	case 'n':
		ok = l != r
	}
	if ok {
		return 1
	}
	return 0
}

func (c call) eval(v env) float64 {
	x := c.args[0].eval(v)
	switch c.fn {
	case "if":
		if x != 0 {
			return c.args[1].eval(v)
		}
		return c.args[2].eval(v)
	case "abs":
		return math.Abs(x)
	case "floor":
		return math.Floor(x)
	case "mod":
		y := c.args[1].eval(v)
		return x - y*math.Floor(x/y)
	case "exp":
		return math.Exp(x)
	case "log":
		return math.Log(x)
	case "min":
		for _, a := range c.args[1:] {
			x = math.Min(x, a.eval(v))
		}
	case "max":
		for _, a := range c.args[1:] {
			x = math.Max(x, a.eval(v))
		}
	}
	return x
}

// functions maps each function to its number of arguments (-2: two or more).
var functions = map[string]int{"exp": 1, "log": 1, "abs": 1, "floor": 1, "min": -2, "max": -2, "mod": 2, "if": 3}

// cycleName is the variable that holds the cycle number.
const cycleName = "cycle"

// constExpr returns the expression of a plain number.
func constExpr(f float64) *expr { return &expr{root: number(f), konst: true} }

// scope resolves names in expressions: the declared parameters, whose
// values are env[0:len], and "cycle" at env[len].
type scope struct {
	index map[string]int
	names []string // declared, in env order
	// tables are the look-up tables of [inputs.tables], by name; age the
	// cohort's age ([inputs] age), nil when not given.
	tables map[string]*lookupTable
	age    *ageVar
}

func (s *scope) cycleIndex() int { return len(s.names) }

// parseExpr compiles src. Errors say what is wrong in src and where.
func parseExpr(src string, sc *scope) (*expr, error) {
	p := &parser{src: src, sc: sc}
	p.next()
	if p.tok.kind == tEOF {
		return nil, fmt.Errorf("empty expression %q: expected a number, a parameter or an arithmetic expression", src)
	}
	root, err := p.compare()
	if err != nil {
		return nil, err
	}
	switch p.tok.kind {
	case tBad:
		return nil, p.badToken()
	case tEOF:
	default:
		return nil, p.errorf("unexpected %s", p.tok)
	}
	e := &expr{src: src, root: root, cycle: p.cycle, konst: !p.names}
	return e, nil
}

type tokKind int

const (
	tEOF tokKind = iota
	tNum
	tName
	tOp // + - * / ^ ( ) , and the comparisons (op: < l > g = n)
	tBad
)

type token struct {
	kind tokKind
	text string
	op   byte
	num  float64
	pos  int // byte offset in src
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tOp:
		return fmt.Sprintf("%q", t.text)
	}
	return quoteClip(t.text)
}

type parser struct {
	src   string
	sc    *scope
	pos   int
	tok   token
	cycle bool
	names bool
	depth int // nesting of parentheses, calls and signs being parsed
}

// maxNesting bounds the nesting of parentheses, function calls and signs:
// the parser recurses once per level, and ten million "(" exhausted the
// goroutine stack (a crash, not an error). Real cells nest a few levels.
const maxNesting = 100

// enter records one more level of nesting, refusing more than maxNesting;
// the caller undoes it with p.depth--.
func (p *parser) enter() error {
	if p.depth++; p.depth > maxNesting {
		return p.errorf("nested more than %d levels deep", maxNesting)
	}
	return nil
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("in %s at character %d: %s", quoteClip(p.src), utf8.RuneCountInString(p.src[:p.tok.pos])+1, fmt.Sprintf(format, args...))
}

// next reads the next token into p.tok.
func (p *parser) next() {
	for p.pos < len(p.src) {
		r, w := utf8.DecodeRuneInString(p.src[p.pos:])
		if !unicode.IsSpace(r) {
			break
		}
		p.pos += w
	}
	start := p.pos
	if p.pos >= len(p.src) {
		p.tok = token{kind: tEOF, pos: start}
		return
	}
	r, w := utf8.DecodeRuneInString(p.src[p.pos:])
	switch {
	case r >= '0' && r <= '9' || r == '.':
		end := p.pos
		for end < len(p.src) && (isDigit(p.src[end]) || p.src[end] == '.') {
			end++
		}
		if end < len(p.src) && (p.src[end] == 'e' || p.src[end] == 'E') {
			k := end + 1
			if k < len(p.src) && (p.src[k] == '+' || p.src[k] == '-') {
				k++
			}
			if k < len(p.src) && isDigit(p.src[k]) {
				for k < len(p.src) && isDigit(p.src[k]) {
					k++
				}
				end = k
			}
		}
		text := p.src[start:end]
		p.pos = end
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(f, 0) {
			p.tok = token{kind: tBad, text: text, pos: start}
			return
		}
		p.tok = token{kind: tNum, text: text, num: f, pos: start}
	case r == '_' || r < utf8.RuneSelf && unicode.IsLetter(r):
		end := p.pos
		for end < len(p.src) && (p.src[end] == '_' || isDigit(p.src[end]) || p.src[end] < utf8.RuneSelf && unicode.IsLetter(rune(p.src[end]))) {
			end++
		}
		p.tok = token{kind: tName, text: p.src[start:end], pos: start}
		p.pos = end
	default:
		op := map[rune]byte{'+': '+', '-': '-', '−': '-', '*': '*', '×': '*', '/': '/', '÷': '/', '^': '^', '(': '(', ')': ')', ',': ',',
			'<': '<', '>': '>', '≤': 'l', '≥': 'g', '≠': 'n'}[r]
		p.pos += w
		if p.pos < len(p.src) && p.src[p.pos] == '=' { // <= >= == !=
			if two := map[rune]byte{'<': 'l', '>': 'g', '=': '=', '!': 'n'}[r]; two != 0 {
				op = two
				p.pos++
			}
		}
		if op == 0 {
			p.tok = token{kind: tBad, text: p.src[start:p.pos], pos: start}
			return
		}
		p.tok = token{kind: tOp, op: op, text: p.src[start:p.pos], pos: start}
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *parser) isOp(op byte) bool { return p.tok.kind == tOp && p.tok.op == op }

// isCompare reports whether op is a comparison.
func isCompare(op byte) bool { return strings.IndexByte("<l>g=n", op) >= 0 }

func (p *parser) compare() (node, error) {
	l, err := p.sum()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tOp || !isCompare(p.tok.op) {
		return l, nil
	}
	op := p.tok.op
	p.next()
	r, err := p.sum()
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tOp && isCompare(p.tok.op) {
		return nil, p.errorf("comparisons do not chain (a < b < c); write them apart, e.g. (a < b) * (b < c)")
	}
	return binary{op: op, l: l, r: r}, nil
}

func (p *parser) sum() (node, error) {
	l, err := p.term()
	if err != nil {
		return nil, err
	}
	for p.isOp('+') || p.isOp('-') {
		op := p.tok.op
		p.next()
		r, err := p.term()
		if err != nil {
			return nil, err
		}
		l = binary{op: op, l: l, r: r}
	}
	return l, nil
}

func (p *parser) term() (node, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.isOp('*') || p.isOp('/') {
		op := p.tok.op
		p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = binary{op: op, l: l, r: r}
	}
	return l, nil
}

func (p *parser) unary() (node, error) {
	if !p.isOp('-') && !p.isOp('+') {
		return p.power()
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	minus := p.isOp('-')
	p.next()
	x, err := p.unary()
	if err != nil || !minus {
		return x, err
	}
	return neg{x}, nil
}

// power parses primary [ "^" unary ]: right-associative, and binding
// tighter than a leading sign (-a^2 = −(a²)).
func (p *parser) power() (node, error) {
	x, err := p.primary()
	if err != nil || !p.isOp('^') {
		return x, err
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.next()
	y, err := p.unary()
	if err != nil {
		return nil, err
	}
	return binary{op: '^', l: x, r: y}, nil
}

func (p *parser) primary() (node, error) {
	t := p.tok
	switch t.kind {
	case tNum:
		p.next()
		return number(t.num), nil
	case tBad:
		return nil, p.badToken()
	case tName:
		p.next()
		if nargs, ok := functions[t.text]; ok {
			return p.call(t, nargs)
		}
		if t.text == cycleName {
			p.cycle, p.names = true, true
			return ref(p.sc.cycleIndex()), nil
		}
		if t.text == ageName && p.sc.age != nil {
			p.cycle, p.names = true, true
			return ageNode{a: p.sc.age, cycle: ref(p.sc.cycleIndex())}, nil
		}
		if t.text == lookupName {
			return p.lookup(t)
		}
		i, ok := p.sc.index[t.text]
		if !ok {
			p.tok = t // position the message at the name
			return nil, p.errorf("unknown name %s; %s", quoteClip(t.text), p.sc.known())
		}
		p.names = true
		return ref(i), nil
	case tOp:
		if t.op == '(' {
			if err := p.enter(); err != nil {
				return nil, err
			}
			defer func() { p.depth-- }()
			p.next()
			x, err := p.compare()
			if err != nil {
				return nil, err
			}
			if !p.isOp(')') {
				return nil, p.errorf("expected \")\", got %s", p.tok)
			}
			p.next()
			return x, nil
		}
	}
	return nil, p.errorf("expected a number, a parameter or \"(\", got %s", t)
}

// badToken reports the tBad token p.tok: a malformed number or a character
// outside the language.
func (p *parser) badToken() error {
	if t := p.tok.text; isDigit(t[0]) || t[0] == '.' {
		return p.errorf("bad number %s", quoteClip(t))
	}
	return p.errorf("unexpected character %q; expected numbers, parameter names, + - * / ^ ( ), comparisons (< <= > >= == !=) and exp, log, abs, floor, min, max, mod, if", p.tok.text)
}

func (p *parser) call(fn token, nargs int) (node, error) {
	if !p.isOp('(') {
		return nil, p.errorf("function %s needs its arguments in parentheses, got %s", fn.text, p.tok)
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.next()
	var args []node
	for {
		a, err := p.compare()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		if p.isOp(',') {
			p.next()
			continue
		}
		if !p.isOp(')') {
			return nil, p.errorf("expected \",\" or \")\" in the arguments of %s, got %s", fn.text, p.tok)
		}
		p.next()
		break
	}
	switch {
	case nargs > 0 && len(args) != nargs:
		return nil, fmt.Errorf("in %s: %s takes %d argument, got %d", quoteClip(p.src), fn.text, nargs, len(args))
	case nargs == -2 && len(args) < 2:
		return nil, fmt.Errorf("in %s: %s takes two or more arguments, got %d", quoteClip(p.src), fn.text, len(args))
	}
	return call{fn: fn.text, args: args}, nil
}

// known lists the names an expression may use, for messages.
func (s *scope) known() string {
	if len(s.names) == 0 {
		return `no parameters are declared in [inputs.params]; the only variable is "cycle"`
	}
	return fmt.Sprintf("expected a parameter declared in [inputs.params] (%s) or \"cycle\"", strings.Join(s.names, ", "))
}
