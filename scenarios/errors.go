package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mdtwin/mdtwin/models"
)

// Error is a user input error in a scenario file, with the position of the
// offending text. Line and Col count from 1; Col counts bytes, as Go's own
// tools do. A zero Col means the column is unknown, a zero Line that the
// position is unknown.
type Error struct {
	File      string
	Line, Col int
	Msg       string

	err error // underlying error, e.g. from reading the file
}

// Error returns the error as "file:line:col: message", leaving out the
// column (and then the line) when it is unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(e.Line))
		if e.Col > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Col))
		}
	}
	if b.Len() == 0 {
		return e.Msg
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error, if any (for instance the
// *fs.PathError of a file that could not be read).
func (e *Error) Unwrap() error { return e.err }

// describe names the TOML type of a decoded value and, for scalars, the
// value itself, for messages such as `got string "x"`.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return "string " + strconv.Quote(x)
	case int64:
		return "integer " + strconv.FormatInt(x, 10)
	case float64:
		return "float " + formatTOMLFloat(x)
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case []any:
		return "array"
	case []map[string]any:
		return "array of tables"
	case map[string]any:
		return "table"
	case time.Time:
		return "datetime " + formatTime(x)
	case nil:
		return "nothing"
	}
	return fmt.Sprintf("%T", v)
}

// formatTOMLFloat writes a float as TOML would: 1.0, nan, inf, -inf.
func formatTOMLFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	t := models.FormatFloat(f)
	if !strings.ContainsAny(t, ".e") {
		t += ".0" // 1.0, not 1: it was written as a float
	}
	return t
}

// formatTime writes a decoded TOML date or time back in its TOML form. Local
// dates and times (no offset in the file) carry the toml package's marker
// locations; they are written without an offset so that the result does not
// depend on the machine's time zone.
func formatTime(t time.Time) string {
	switch t.Location().String() {
	case "datetime-local":
		return t.Format("2006-01-02T15:04:05.999999999")
	case "date-local":
		return t.Format("2006-01-02")
	case "time-local":
		return t.Format("15:04:05.999999999")
	}
	return t.Format(time.RFC3339Nano)
}
