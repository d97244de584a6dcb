package scenarios

import (
	"strconv"
	"strings"
)

// The toml package keeps key positions private, so scenarios finds them
// itself: locator scans the source text once, after the toml package has
// accepted it, and records where every key path starts. It follows table
// headers ([a.b] and [[a.b]]), dotted and quoted keys, inline tables (also
// split over lines, as TOML 1.1 allows), arrays (recording each element) and
// all four kinds of strings, so that brackets, quotes and '#' inside strings
// are not mistaken for structure. It never fails: on text it does not
// understand it skips to the end of the line.

// position is a line and byte column, both counting from 1.
type position struct{ line, col int }

type located struct {
	at       position
	explicit bool // written as a key or a full header, not implied by a prefix
}

type locator struct {
	src       string
	i         int // byte offset of the next character
	line, col int // position of src[i]
	pos       map[string]located
	dups      []position // keys written a second time (invalid TOML)
}

// locate scans src and returns the positions of its keys.
func locate(src string) *locator {
	l := &locator{src: src, line: 1, col: 1, pos: map[string]located{}}
	if strings.HasPrefix(src, "\uFEFF") {
		l.i = len("\uFEFF") // a byte-order mark takes no column
	}
	l.document()
	return l
}

// elem is the path segment of an array element. A NUL byte cannot start a
// bare key and is vanishingly unlikely in a quoted one.
func elem(i int) string { return "\x00" + strconv.Itoa(i) }

func pathKey(path []string) string { return strings.Join(path, "\x1f") }

// find returns the position of path exactly.
func (l *locator) find(path []string) (position, bool) {
	p, ok := l.pos[pathKey(path)]
	return p.at, ok
}

// near returns the position of path, else of its nearest enclosing key or
// table, else the zero position.
func (l *locator) near(path []string) position {
	for n := len(path); n > 0; n-- {
		if p, ok := l.find(path[:n]); ok {
			return p
		}
	}
	return position{}
}

// duplicateOn returns the position of a key on line that repeats an earlier
// key.
func (l *locator) duplicateOn(line int) (position, bool) {
	for _, p := range l.dups {
		if p.line == line {
			return p, true
		}
	}
	return position{}, false
}

func (l *locator) record(path []string, at position, explicit bool) {
	k := pathKey(path)
	if old, ok := l.pos[k]; ok && (old.explicit || !explicit) {
		if old.explicit && explicit {
			l.dups = append(l.dups, at)
		}
		return
	}
	l.pos[k] = located{at: at, explicit: explicit}
}

func (l *locator) eof() bool { return l.i >= len(l.src) }

func (l *locator) peek() byte {
	if l.eof() {
		return 0
	}
	return l.src[l.i]
}

func (l *locator) here() position { return position{l.line, l.col} }

func (l *locator) advance() {
	if l.eof() {
		return
	}
	if l.src[l.i] == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	l.i++
}

func (l *locator) advanceN(n int) {
	for range n {
		l.advance()
	}
}

func (l *locator) skipSpace() {
	for c := l.peek(); c == ' ' || c == '\t'; c = l.peek() {
		l.advance()
	}
}

// skipBlank skips white space, newlines and comments.
func (l *locator) skipBlank() {
	for !l.eof() {
		switch l.peek() {
		case ' ', '\t', '\r', '\n':
			l.advance()
		case '#':
			l.skipLine()
		default:
			return
		}
	}
}

// skipLine skips to the start of the next line.
func (l *locator) skipLine() {
	for !l.eof() && l.peek() != '\n' {
		l.advance()
	}
	l.advance()
}

func (l *locator) document() {
	var table []string
	// An element of an array of tables ([[a.b]]) is recorded as a.b.<n>
	// (elem(n)), its keys under it; its keys are also recorded under a.b,
	// where the first element's win, as before elements were told apart.
	var shared []string
	arrays := map[string]int{}
	for {
		l.skipBlank()
		if l.eof() {
			return
		}
		start := l.here()
		if l.peek() == '[' {
			l.advance()
			array := l.peek() == '['
			if array {
				l.advance()
			}
			segs, _ := l.key()
			for k := range segs {
				l.record(segs[:k+1], start, k == len(segs)-1)
			}
			table, shared = segs, nil
			if array && len(segs) > 0 {
				n := arrays[pathKey(segs)]
				arrays[pathKey(segs)]++
				shared = segs
				table = append(segs[:len(segs):len(segs)], elem(n))
				l.record(table, start, true)
			}
			l.skipLine()
			continue
		}
		segs, at := l.key()
		if len(segs) == 0 {
			l.skipLine()
			continue
		}
		if shared != nil {
			l.recordKey(shared, segs, at)
		}
		full := l.recordKey(table, segs, at)
		l.skipSpace()
		if l.peek() != '=' {
			l.skipLine()
			continue
		}
		l.advance()
		l.skipSpace()
		l.value(full)
	}
}

// recordKey records the dotted key segs under base and returns its full path.
func (l *locator) recordKey(base, segs []string, at []position) []string {
	full := make([]string, 0, len(base)+len(segs))
	full = append(full, base...)
	full = append(full, segs...)
	for k := range segs {
		l.record(full[:len(base)+k+1], at[k], true)
	}
	return full
}

// key reads a dotted key and the position of each of its parts.
func (l *locator) key() (segs []string, at []position) {
	for {
		l.skipSpace()
		p := l.here()
		s, ok := l.simpleKey()
		if !ok {
			return segs, at
		}
		segs = append(segs, s)
		at = append(at, p)
		l.skipSpace()
		if l.peek() != '.' {
			return segs, at
		}
		l.advance()
	}
}

func isBare(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func (l *locator) simpleKey() (string, bool) {
	start := l.i
	switch c := l.peek(); {
	case c == '"':
		l.basicString()
		raw := l.src[start:l.i]
		if s, err := strconv.Unquote(raw); err == nil {
			return s, true
		}
		return strings.Trim(raw, `"`), true
	case c == '\'':
		l.literalString()
		return strings.Trim(l.src[start:l.i], "'"), true
	case isBare(c):
		for isBare(l.peek()) {
			l.advance()
		}
		return l.src[start:l.i], true
	}
	return "", false
}

// value skips one value, recording the keys and elements inside it.
func (l *locator) value(path []string) {
	rest := l.src[l.i:]
	switch {
	case strings.HasPrefix(rest, `"""`):
		l.multiString(`"""`, true)
	case strings.HasPrefix(rest, `'''`):
		l.multiString(`'''`, false)
	case strings.HasPrefix(rest, `"`):
		l.basicString()
	case strings.HasPrefix(rest, `'`):
		l.literalString()
	case strings.HasPrefix(rest, `[`):
		l.array(path)
	case strings.HasPrefix(rest, `{`):
		l.inlineTable(path)
	default: // number, boolean, date or time
		for !l.eof() && !strings.ContainsRune(",]}#\r\n", rune(l.peek())) {
			l.advance()
		}
	}
}

func (l *locator) basicString() {
	l.advance() // opening quote
	for !l.eof() {
		switch l.peek() {
		case '\\':
			l.advanceN(2)
		case '"':
			l.advance()
			return
		case '\n':
			return
		default:
			l.advance()
		}
	}
}

func (l *locator) literalString() {
	l.advance()
	for !l.eof() {
		switch l.peek() {
		case '\'':
			l.advance()
			return
		case '\n':
			return
		default:
			l.advance()
		}
	}
}

// multiString skips a multi-line string delimited by delim. Up to two
// quotes may directly precede the closing delimiter.
func (l *locator) multiString(delim string, escapes bool) {
	l.advanceN(3)
	for !l.eof() {
		if escapes && l.peek() == '\\' {
			l.advanceN(2)
			continue
		}
		if strings.HasPrefix(l.src[l.i:], delim) {
			l.advanceN(3)
			for n := 0; n < 2 && l.peek() == delim[0]; n++ {
				l.advance()
			}
			return
		}
		l.advance()
	}
}

func (l *locator) array(path []string) {
	l.advance() // [
	for n := 0; ; {
		l.skipBlank()
		switch l.peek() {
		case 0:
			return
		case ']':
			l.advance()
			return
		case ',':
			l.advance()
			continue
		}
		p := append(path[:len(path):len(path)], elem(n))
		l.record(p, l.here(), true)
		start := l.i
		l.value(p)
		if l.i == start {
			l.advance() // not a value: make progress
		}
		n++
	}
}

func (l *locator) inlineTable(path []string) {
	l.advance() // {
	for {
		l.skipBlank()
		switch l.peek() {
		case 0:
			return
		case '}':
			l.advance()
			return
		case ',':
			l.advance()
			continue
		}
		segs, at := l.key()
		if len(segs) == 0 {
			l.advance()
			continue
		}
		full := l.recordKey(path, segs, at)
		l.skipSpace()
		if l.peek() != '=' {
			continue
		}
		l.advance()
		l.skipSpace()
		l.value(full)
	}
}
