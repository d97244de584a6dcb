package pluginsdktest

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/mdtwin/mdtwin/models"
)

const maxDiffs = 5

// DiffResults compares two results bit for bit and describes the first
// differences, or returns "" when they are identical. Floats are equal when
// their IEEE 754 bit patterns are (so NaN equals the same NaN and 0 differs
// from -0); a nil map or slice equals an empty one.
func DiffResults(a, b models.Result) string {
	var d differ
	for _, k := range unionKeys(a.Scalars, b.Scalars) {
		x, okx := a.Scalars[k]
		y, oky := b.Scalars[k]
		switch {
		case !okx:
			d.add("scalar %q missing from the first result", k)
		case !oky:
			d.add("scalar %q missing from the second result", k)
		case !sameBits(x, y):
			d.add("scalar %q: %s vs %s", k, bits(x), bits(y))
		}
	}
	if len(a.Tables) != len(b.Tables) {
		d.add("%d tables vs %d", len(a.Tables), len(b.Tables))
	} else {
		for i := range a.Tables {
			d.table(a.Tables[i], b.Tables[i])
		}
	}
	if len(a.Artifacts) != len(b.Artifacts) || (len(a.Artifacts) > 0 && !reflect.DeepEqual(a.Artifacts, b.Artifacts)) {
		d.add("artifacts %q vs %q", a.Artifacts, b.Artifacts)
	}
	return d.String()
}

type differ struct {
	n    int
	msgs []string
}

func (d *differ) add(format string, args ...any) {
	d.n++
	if d.n <= maxDiffs {
		d.msgs = append(d.msgs, fmt.Sprintf(format, args...))
	}
}

func (d *differ) String() string {
	if d.n == 0 {
		return ""
	}
	s := strings.Join(d.msgs, "; ")
	if d.n > maxDiffs {
		s += fmt.Sprintf("; and %d more differences", d.n-maxDiffs)
	}
	return s
}

func (d *differ) table(a, b models.Table) {
	if a.Name != b.Name {
		d.add("table %q vs table %q", a.Name, b.Name)
		return
	}
	if len(a.Columns) != len(b.Columns) || (len(a.Columns) > 0 && !reflect.DeepEqual(a.Columns, b.Columns)) {
		d.add("table %q: columns %q vs %q", a.Name, a.Columns, b.Columns)
	}
	if len(a.Rows) != len(b.Rows) {
		d.add("table %q: %d rows vs %d", a.Name, len(a.Rows), len(b.Rows))
		return
	}
	for i := range a.Rows {
		ra, rb := a.Rows[i], b.Rows[i]
		if len(ra) != len(rb) {
			d.add("table %q row %d: %d values vs %d", a.Name, i, len(ra), len(rb))
			continue
		}
		for j := range ra {
			if !sameBits(ra[j], rb[j]) {
				d.add("table %q row %d column %d: %s vs %s", a.Name, i, j, bits(ra[j]), bits(rb[j]))
			}
		}
	}
}

func sameBits(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }

func bits(x float64) string {
	return fmt.Sprintf("%s (%#016x)", models.FormatFloat(x), math.Float64bits(x))
}

func unionKeys(a, b map[string]float64) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// diffDescriptors compares a model's own descriptor with the one a host
// receives, after putting defaults in their canonical Go type and treating
// nil and empty slices alike.
func diffDescriptors(a, b models.Descriptor) string {
	a, b = canonical(a), canonical(b)
	if reflect.DeepEqual(a, b) {
		return ""
	}
	return fmt.Sprintf("%+v vs %+v", a, b)
}

func canonical(d models.Descriptor) models.Descriptor {
	out := models.Descriptor{Name: d.Name, Version: d.Version, Doc: d.Doc}
	for _, p := range d.Params {
		if c, err := p.Coerce(p.Default); err == nil {
			p.Default = c
		}
		if len(p.Choices) == 0 {
			p.Choices = nil
		}
		out.Params = append(out.Params, p)
	}
	out.Outputs = append(out.Outputs, d.Outputs...)
	return out
}
