package brain

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Connectivity is a structural connectome: N regions, the coupling weights
// between them and the lengths of the fibre tracts that carry the coupling.
//
// Weights and Lengths are N×N, row-major. The convention is TVB's:
//
//	Weights[i*N+j] is the connection from region j to region i
//
// (row = target, column = source; the transpose of the Brain Connectivity
// Toolbox convention). Lengths are in mm, weights in arbitrary units.
type Connectivity struct {
	Labels       []string     // region names, e.g. "rHC"
	Weights      []float64    // N×N, from column j to row i, ≥ 0
	Lengths      []float64    // N×N tract lengths (mm), ≥ 0
	Centres      [][3]float64 // region centres (mm); nil when the source has none
	Orientations [][3]float64 // average dipole orientations (unit vectors); may be nil
	Areas        []float64    // region areas (mm²); may be nil
	Cortical     []bool       // may be nil
	Source       string       // the file read, for messages
}

// N returns the number of regions.
func (c *Connectivity) N() int { return len(c.Labels) }

// Index returns the index of the region labelled label, or -1.
func (c *Connectivity) Index(label string) int {
	for i, l := range c.Labels {
		if l == label {
			return i
		}
	}
	return -1
}

// Clone returns a deep copy of c.
func (c *Connectivity) Clone() *Connectivity {
	d := *c
	d.Labels = append([]string(nil), c.Labels...)
	d.Weights = append([]float64(nil), c.Weights...)
	d.Lengths = append([]float64(nil), c.Lengths...)
	d.Centres = append([][3]float64(nil), c.Centres...)
	d.Orientations = append([][3]float64(nil), c.Orientations...)
	d.Areas = append([]float64(nil), c.Areas...)
	d.Cortical = append([]bool(nil), c.Cortical...)
	return &d
}

// FileError is a problem in a data file: which file, which entry, what.
type FileError struct {
	File  string // the file given by the user (a zip, a folder or a text file)
	Entry string // the member and position, e.g. "weights.txt row 3, column 5"; may be empty
	Msg   string
}

func (e *FileError) Error() string {
	if e.Entry == "" {
		return e.File + ": " + e.Msg
	}
	return e.File + ": " + e.Entry + ": " + e.Msg
}

// The member names of a TVB connectivity archive or folder.
const (
	weightsFile      = "weights.txt"
	lengthsFile      = "tract_lengths.txt"
	centresFile      = "centres.txt"
	areasFile        = "areas.txt"
	orientationsFile = "average_orientations.txt"
	corticalFile     = "cortical.txt"
)

// LoadConnectivity reads a connectome in TVB's layout from path: a .zip
// archive or a folder holding weights.txt and tract_lengths.txt (required;
// whitespace-separated N×N matrices) and optionally centres.txt ("label x y z"
// per region), areas.txt, average_orientations.txt and cortical.txt. Members
// may sit in a sub-folder of the archive; other members are ignored. Without
// centres.txt the regions are labelled "0", "1", …. The result is validated
// (Validate); every problem is a *FileError naming the file and the entry.
func LoadConnectivity(path string) (*Connectivity, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, &FileError{File: path, Msg: "cannot read the connectivity: " + errText(err)}
	}
	var files map[string][]byte
	if st.IsDir() {
		files, err = readFolder(path)
	} else {
		var f *os.File
		if f, err = os.Open(path); err != nil {
			return nil, &FileError{File: path, Msg: "cannot read the connectivity: " + errText(err)}
		}
		defer f.Close()
		files, err = readZip(path, f, st.Size())
	}
	if err != nil {
		return nil, err
	}
	return parseConnectivity(path, files)
}

// members are the files of TVB's connectivity layout this package reads.
var members = []string{weightsFile, lengthsFile, centresFile, areasFile, orientationsFile, corticalFile}

// maxMember is the largest member read (256 MiB: a weights.txt of 4,000
// regions at 16 characters per number).
const maxMember = 256 << 20

// readFolder reads the members present in the folder path.
func readFolder(path string) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, name := range members {
		p := filepath.Join(path, name)
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		if st.Size() > maxMember {
			return nil, &FileError{File: path, Entry: name, Msg: fmt.Sprintf("is %d bytes; a connectivity file may have at most %d", st.Size(), maxMember)}
		}
		if files[name], err = os.ReadFile(p); err != nil {
			return nil, &FileError{File: path, Entry: name, Msg: errText(err)}
		}
	}
	return files, nil
}

// readZip reads the members of the zip archive r (size bytes, named path
// in errors), in whatever folder of the archive they are. A member that
// appears twice is an error rather than a silent choice of one.
func readZip(path string, r io.ReaderAt, size int64) (map[string][]byte, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, &FileError{File: path, Msg: "not a TVB connectivity zip archive: " + errText(err)}
	}
	files := map[string][]byte{}
	where := map[string]string{}
	for _, f := range zr.File {
		name := filepath.Base(f.Name)
		if f.FileInfo().IsDir() || !slices.Contains(members, name) {
			continue
		}
		if prev, dup := where[name]; dup {
			return nil, &FileError{File: path, Entry: f.Name, Msg: fmt.Sprintf("a second %s (the first is %s); expected one of each member", name, prev)}
		}
		where[name] = f.Name
		if f.UncompressedSize64 > maxMember {
			return nil, &FileError{File: path, Entry: f.Name, Msg: fmt.Sprintf("announces %d bytes; a connectivity file may have at most %d", f.UncompressedSize64, maxMember)}
		}
		rc, err := f.Open()
		if err != nil {
			return nil, &FileError{File: path, Entry: f.Name, Msg: errText(err)}
		}
		// archive/zip stops at the announced size, and deflate inflates
		// at most 1032-fold, so this reads at most min(announced, 1032 ×
		// compressed) bytes.
		// Read into a buffer of the announced size (bounded as above), so
		// that a member is not copied as io.ReadAll grows its buffer.
		var buf bytes.Buffer
		buf.Grow(int(min(f.UncompressedSize64, 1032*f.CompressedSize64)) + bytes.MinRead)
		_, err = buf.ReadFrom(rc)
		b := buf.Bytes()
		rc.Close()
		if err != nil {
			return nil, &FileError{File: path, Entry: f.Name, Msg: errText(err)}
		}
		files[name] = b
	}
	return files, nil
}

func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

func parseConnectivity(path string, files map[string][]byte) (*Connectivity, error) {
	for _, req := range []string{weightsFile, lengthsFile} {
		if _, ok := files[req]; !ok {
			return nil, &FileError{File: path, Msg: "no " + req + " (expected TVB's layout: weights.txt, tract_lengths.txt, centres.txt, …)"}
		}
	}
	w, n, err := parseSquare(path, weightsFile, files[weightsFile])
	if err != nil {
		return nil, err
	}
	l, nl, err := parseSquare(path, lengthsFile, files[lengthsFile])
	if err != nil {
		return nil, err
	}
	if nl != n {
		return nil, &FileError{File: path, Entry: lengthsFile, Msg: fmt.Sprintf("is %d×%d but %s is %d×%d", nl, nl, weightsFile, n, n)}
	}
	c := &Connectivity{Weights: w, Lengths: l, Source: path}
	if b, ok := files[centresFile]; ok {
		rows, err := parseRows(path, centresFile, b, true)
		if err != nil {
			return nil, err
		}
		if len(rows) != n {
			return nil, &FileError{File: path, Entry: centresFile, Msg: fmt.Sprintf("has %d regions but %s has %d", len(rows), weightsFile, n)}
		}
		for _, r := range rows {
			if len(r.nums) != 3 {
				return nil, &FileError{File: path, Entry: fmt.Sprintf("%s line %d", centresFile, r.line), Msg: fmt.Sprintf("expected \"label x y z\", got %d numbers", len(r.nums))}
			}
			c.Labels = append(c.Labels, r.label)
			c.Centres = append(c.Centres, [3]float64{r.nums[0], r.nums[1], r.nums[2]})
		}
	} else {
		for i := 0; i < n; i++ {
			c.Labels = append(c.Labels, strconv.Itoa(i))
		}
	}
	if b, ok := files[orientationsFile]; ok {
		rows, err := parseRows(path, orientationsFile, b, false)
		if err != nil {
			return nil, err
		}
		if len(rows) != n {
			return nil, &FileError{File: path, Entry: orientationsFile, Msg: fmt.Sprintf("has %d rows but %s has %d regions", len(rows), weightsFile, n)}
		}
		for _, r := range rows {
			if len(r.nums) != 3 {
				return nil, &FileError{File: path, Entry: fmt.Sprintf("%s line %d", orientationsFile, r.line), Msg: "expected 3 numbers"}
			}
			c.Orientations = append(c.Orientations, [3]float64{r.nums[0], r.nums[1], r.nums[2]})
		}
	}
	if b, ok := files[areasFile]; ok {
		v, err := parseVector(path, areasFile, b, n)
		if err != nil {
			return nil, err
		}
		c.Areas = v
	}
	if b, ok := files[corticalFile]; ok {
		v, err := parseVector(path, corticalFile, b, n)
		if err != nil {
			return nil, err
		}
		for _, x := range v {
			c.Cortical = append(c.Cortical, x != 0)
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

type row struct {
	line  int
	label string
	nums  []float64
}

// parseRows reads whitespace-separated numbers per non-empty line, the first
// field a label when labelled.
func parseRows(path, member string, b []byte, labelled bool) ([]row, error) {
	var rows []row
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, min(len(b)+1, 64<<10)), 64<<20) // grows to the longest line
	var fields [][]byte
	for line := 1; sc.Scan(); line++ {
		// The line's bytes, not a copy as a string, split into a reused
		// slice: a matrix of N rows is parsed without a string per line
		// or a slice of fields per line.
		fields = appendFields(fields[:0], sc.Bytes())
		if len(fields) == 0 || fields[0][0] == '#' {
			continue
		}
		r := row{line: line}
		if labelled {
			r.label, fields = string(fields[0]), fields[1:]
		}
		r.nums = make([]float64, 0, len(fields))
		for k, f := range fields {
			x, err := strconv.ParseFloat(string(f), 64)
			if err != nil {
				return nil, &FileError{File: path, Entry: fmt.Sprintf("%s line %d, field %d", member, line, k+1), Msg: fmt.Sprintf("%q is not a number", f)}
			}
			r.nums = append(r.nums, x)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, &FileError{File: path, Entry: member, Msg: err.Error()}
	}
	return rows, nil
}

// appendFields appends the fields of s to dst as bytes.Fields splits them
// (around runs of Unicode white space, invalid UTF-8 not being space) and
// returns the extended slice.
func appendFields(dst [][]byte, s []byte) [][]byte {
	start := -1
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(s[i:])
		}
		if unicode.IsSpace(r) {
			if start >= 0 {
				dst = append(dst, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
		i += size
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}

// parseSquare reads an N×N matrix, one row per line.
func parseSquare(path, member string, b []byte) ([]float64, int, error) {
	rows, err := parseRows(path, member, b, false)
	if err != nil {
		return nil, 0, err
	}
	n := len(rows)
	if n == 0 {
		return nil, 0, &FileError{File: path, Entry: member, Msg: "is empty"}
	}
	for i, r := range rows { // before allocating n² numbers: 10⁵ lines "0" would ask for 80 GB
		if len(r.nums) != n {
			return nil, 0, &FileError{File: path, Entry: fmt.Sprintf("%s row %d (line %d)", member, i+1, r.line),
				Msg: fmt.Sprintf("has %d entries, expected %d: the matrix must be square (%d rows)", len(r.nums), n, n)}
		}
	}
	m := make([]float64, 0, n*n)
	for _, r := range rows {
		m = append(m, r.nums...)
	}
	return m, n, nil
}

// parseVector reads n numbers, one per line (or all on a line).
func parseVector(path, member string, b []byte, n int) ([]float64, error) {
	rows, err := parseRows(path, member, b, false)
	if err != nil {
		return nil, err
	}
	var v []float64
	for _, r := range rows {
		v = append(v, r.nums...)
	}
	if len(v) != n {
		return nil, &FileError{File: path, Entry: member, Msg: fmt.Sprintf("has %d values, expected %d (one per region)", len(v), n)}
	}
	for k, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, &FileError{File: path, Entry: fmt.Sprintf("%s value %d", member, k+1), Msg: "not a finite number"}
		}
	}
	return v, nil
}

// Validate checks that the matrices are square and of one size, and that
// weights and lengths are finite and non-negative; errors name the entry
// (1-based row and column, as in the file).
func (c *Connectivity) Validate() error {
	n := len(c.Labels)
	if n == 0 {
		return &FileError{File: c.Source, Msg: "no regions"}
	}
	for _, m := range []struct {
		name string
		v    []float64
		what string
	}{{weightsFile, c.Weights, "weight"}, {lengthsFile, c.Lengths, "tract length"}} {
		if len(m.v) != n*n {
			return &FileError{File: c.Source, Entry: m.name, Msg: fmt.Sprintf("has %d entries, expected %d×%d", len(m.v), n, n)}
		}
		for k, x := range m.v {
			if x >= 0 && x <= math.MaxFloat64 {
				continue
			}
			entry := fmt.Sprintf("%s row %d, column %d (to %s from %s)", m.name, k/n+1, k%n+1, c.Labels[k/n], c.Labels[k%n])
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return &FileError{File: c.Source, Entry: entry, Msg: fmt.Sprintf("%s is %v, expected a finite number", m.what, x)}
			}
			return &FileError{File: c.Source, Entry: entry, Msg: fmt.Sprintf("negative %s %v, expected ≥ 0", m.what, x)}
		}
	}
	seen := map[string]int{}
	for i, l := range c.Labels {
		if j, dup := seen[l]; dup {
			return &FileError{File: c.Source, Entry: centresFile, Msg: fmt.Sprintf("label %q names regions %d and %d", l, j+1, i+1)}
		}
		seen[l] = i
	}
	for _, p := range c.Centres {
		for _, x := range p {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return &FileError{File: c.Source, Entry: centresFile, Msg: "a centre is not finite"}
			}
		}
	}
	return nil
}

// Normalisation modes of the weights, after TVB's Connectivity.scaled_weights.
const (
	NormNone   = "none"   // weights as read
	NormTract  = "tract"  // divide by the largest |w| (TVB mode 'tract')
	NormRegion = "region" // divide by the largest row sum, i.e. the largest total input (TVB mode 'region')
)

// Normalise scales the weights in place by mode (NormNone, NormTract or
// NormRegion). All-zero weights are left alone.
func (c *Connectivity) Normalise(mode string) {
	var s float64
	n := c.N()
	switch mode {
	case NormNone, "":
		return
	case NormTract:
		for _, w := range c.Weights {
			s = math.Max(s, math.Abs(w))
		}
	case NormRegion:
		for i := 0; i < n; i++ {
			var r float64
			for _, w := range c.Weights[i*n : (i+1)*n] {
				r += math.Abs(w)
			}
			s = math.Max(s, r)
		}
	default:
		panic("brain: unknown normalisation " + mode)
	}
	if s == 0 {
		return
	}
	for k := range c.Weights {
		c.Weights[k] /= s
	}
}

// RemoveSelfConnections zeroes the diagonal of the weights (TVB's
// transform_remove_self_connections). A self-connection has tract length 0;
// with difference coupling it contributes nothing anyway.
func (c *Connectivity) RemoveSelfConnections() {
	n := c.N()
	for i := 0; i < n; i++ {
		c.Weights[i*n+i] = 0
	}
}

// Disconnect zeroes every edge into and out of region i (its row and
// column of the weights): the cut of a virtual resection.
func (c *Connectivity) Disconnect(i int) {
	n := c.N()
	for j := 0; j < n; j++ {
		c.Weights[i*n+j] = 0
		c.Weights[j*n+i] = 0
	}
}

// DelaySteps returns the conduction delays in integer time steps,
//
//	d_ij = rint(L_ij / speed / dt)
//
// (TVB history.py), speed in mm/ms and dt in ms, both > 0. With speed = +Inf
// every delay is 0.
func (c *Connectivity) DelaySteps(speed, dt float64) []int {
	if !(speed > 0) || !(dt > 0) {
		panic("brain: DelaySteps needs speed > 0 and dt > 0")
	}
	d := make([]int, len(c.Lengths))
	for k, l := range c.Lengths {
		d[k] = int(math.RoundToEven(l / speed / dt))
	}
	return d
}
