package terminology

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Size caps of the table reader: a larger file, line or cell is refused.
const (
	MaxTableBytes = 4 << 20
	MaxCellBytes  = 1 << 10
)

// TableError is a problem of a terminology table at a line (and column,
// from 1, of the cell; 0 when the line as a whole is wrong).
type TableError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *TableError) Error() string {
	if e.Col > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// row is one data line of a table with its line number.
type row struct {
	line  int
	cells []string
}

// ParseTable reads a tab-separated table of n columns: blank lines and
// lines starting with '#' are skipped, as is a header line whose first cell
// is header. Every other line must have n non-empty cells of valid UTF-8
// without control characters.
func ParseTable(name string, data []byte, n int, header string) ([]row, error) {
	if len(data) > MaxTableBytes {
		return nil, &TableError{File: name, Msg: fmt.Sprintf("%d bytes, more than the cap of %d", len(data), MaxTableBytes)}
	}
	var rows []row
	first := true
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxTableBytes)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !utf8.ValidString(line) {
			return nil, &TableError{File: name, Line: ln, Msg: "invalid UTF-8"}
		}
		cells := strings.Split(line, "\t")
		if first && cells[0] == header {
			first = false
			continue
		}
		first = false
		if len(cells) != n {
			return nil, &TableError{File: name, Line: ln, Msg: fmt.Sprintf("%d tab-separated cells, expected %d", len(cells), n)}
		}
		col := 1
		for i, c := range cells {
			switch {
			case len(c) > MaxCellBytes:
				return nil, &TableError{File: name, Line: ln, Col: col, Msg: fmt.Sprintf("cell %d is %d bytes, more than the cap of %d", i+1, len(c), MaxCellBytes)}
			case strings.TrimSpace(c) == "":
				return nil, &TableError{File: name, Line: ln, Col: col, Msg: fmt.Sprintf("cell %d is empty", i+1)}
			case strings.ContainsFunc(c, func(r rune) bool { return r < 0x20 || r == 0x7f }):
				return nil, &TableError{File: name, Line: ln, Col: col, Msg: fmt.Sprintf("cell %d has a control character", i+1)}
			}
			col += utf8.RuneCountInString(c) + 1
		}
		rows = append(rows, row{line: ln, cells: cells})
	}
	if err := sc.Err(); err != nil {
		return nil, &TableError{File: name, Msg: err.Error()}
	}
	return rows, nil
}
