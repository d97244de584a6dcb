package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mdtwin/mdtwin/store"
)

// Summary is what ingesting one file did.
type Summary struct {
	File      string
	Entries   int
	Added     int
	Updated   int
	Unchanged int
	Skipped   map[string]int // resource types mdtwin does not store, with their counts
	Failed    int
	Problems  []*Problem // one per failed entry, in entry order
	// RolledBack is set when the file was a transaction bundle with a
	// failing entry: nothing of it was stored.
	RolledBack bool
}

// SkippedCount is the number of skipped entries.
func (s *Summary) SkippedCount() int {
	n := 0
	for _, c := range s.Skipped {
		n += c
	}
	return n
}

// String is the one-line summary of the file.
func (s *Summary) String() string {
	line := fmt.Sprintf("%s: %d entries: %d added, %d updated, %d unchanged, %d skipped, %d failed",
		s.File, s.Entries, s.Added, s.Updated, s.Unchanged, s.SkippedCount(), s.Failed)
	if len(s.Skipped) > 0 {
		var parts []string
		for _, t := range slices.Sorted(maps.Keys(s.Skipped)) {
			parts = append(parts, fmt.Sprintf("%s %d", t, s.Skipped[t]))
		}
		line += " (not stored: " + strings.Join(parts, ", ") + ")"
	}
	if s.RolledBack {
		line += " (transaction rolled back: nothing stored)"
	}
	return line
}

func (s *Summary) count(ch store.Change) {
	switch ch {
	case store.Added:
		s.Added++
	case store.Updated:
		s.Updated++
	default:
		s.Unchanged++
	}
}

// Problem is an entry that could not be stored; nothing of it was written.
type Problem struct {
	File    string
	Index   int    // Bundle.entry index (from 0); -1 for a line or row
	Line    int    // NDJSON or CSV line (from 1); 0 for a bundle entry
	FullURL string // the entry's fullUrl, if any
	Ref     string // "<Type>/<id>" when known
	Err     error
}

func (p *Problem) Error() string {
	var where string
	if p.Line > 0 {
		where = fmt.Sprintf("%s:%d", p.File, p.Line)
	} else {
		where = fmt.Sprintf("%s: entry[%d]", p.File, p.Index)
	}
	switch {
	case p.FullURL != "":
		where += " (" + p.FullURL + ")"
	case p.Ref != "":
		where += " (" + p.Ref + ")"
	}
	return oneLine(where + ": " + p.Err.Error())
}

// oneLine escapes the control characters a message may quote from its
// input (a newline in an id or a reference), so that every answer is one
// line.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 }

func (p *Problem) Unwrap() error { return p.Err }

// FileError is a file that could not be read as a whole (unreadable, not
// JSON, not a Bundle, a bad mapping); nothing of it was stored.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return oneLine(e.File + ": " + e.Err.Error()) }
func (e *FileError) Unwrap() error { return e.Err }

// Size caps of the readers: a file, resource or field beyond them is
// refused with a clear error instead of being read into memory and shown.
const (
	MaxFileBytes     = 512 << 20 // a bundle file (read whole)
	MaxResourceBytes = 4 << 20   // one resource: a bundle entry, an NDJSON line, a CSV row
	MaxFieldBytes    = 64 << 10  // one string value (attachment data and narrative excepted) or CSV cell
)

// Options tunes ingest. The zero value ingests files that name their
// source.
type Options struct {
	// Source names the system the records come from when a file does not
	// name one itself (Bundle.meta.source or a resource's meta.source); it
	// also takes precedence over the identifier system a file's patients
	// share, and over a registry mapping's identifier_system. Records are
	// keyed on (source, type, id), and pseudonyms derive from (source,
	// identifier): two sources' Patient/1 are two patients.
	Source string
}

// File ingests one file into the store with the zero Options.
func File(ctx context.Context, ps *store.Patients, path string) ([]*Summary, error) {
	return Options{}.File(ctx, ps, path)
}

// Bundle ingests a FHIR R4 Bundle with the zero Options.
func Bundle(ctx context.Context, ps *store.Patients, name string, data []byte) (*Summary, error) {
	return Options{}.Bundle(ctx, ps, name, data)
}

// NDJSON ingests a FHIR bulk-data export with the zero Options.
func NDJSON(ctx context.Context, ps *store.Patients, name string, r io.Reader) (*Summary, error) {
	return Options{}.NDJSON(ctx, ps, name, r)
}

// File ingests one file into the store, choosing the reader by its name:
// *.ndjson (a bulk export), *.toml (a registry mapping naming CSV files,
// one Summary each), anything else a FHIR Bundle in JSON. Entries are
// stored independently, except in a transaction bundle (all or nothing):
// a failing entry is reported in its Summary and leaves nothing behind;
// the others are stored. The error is a *FileError when the file as a
// whole could not be used.
func (o Options) File(ctx context.Context, ps *store.Patients, path string) ([]*Summary, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml":
		return o.Registry(ctx, ps, path)
	case ".ndjson":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		s, err := o.NDJSON(ctx, ps, path, f)
		return []*Summary{s}, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > MaxFileBytes {
		return []*Summary{{File: path, Skipped: map[string]int{}}}, &FileError{path,
			fmt.Errorf("the file is %d bytes, more than the cap of %d per bundle (split it, or export NDJSON)", fi.Size(), MaxFileBytes)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := o.Bundle(ctx, ps, path, data)
	return []*Summary{s}, err
}

// Order returns paths in the order to ingest them: bundles first, then
// NDJSON files by the type of their first resource (Patient, Encounter,
// others, DiagnosticReport: what is referred to comes first), then registry
// mappings (which may refer to patients of the others). Otherwise the
// given order is kept.
func Order(paths []string) []string {
	key := func(p string) int {
		switch strings.ToLower(filepath.Ext(p)) {
		case ".toml":
			return 10
		case ".ndjson":
			f, err := os.Open(p)
			if err != nil {
				return 1
			}
			defer f.Close()
			line, _, _ := readLine(bufio.NewReader(f), MaxResourceBytes)
			var h head
			json.Unmarshal(line, &h)
			return 1 + rank(h.ResourceType)
		}
		return 0
	}
	out := slices.Clone(paths)
	keys := map[string]int{}
	for _, p := range out {
		keys[p] = key(p)
	}
	sort.SliceStable(out, func(i, j int) bool { return keys[out[i]] < keys[out[j]] })
	return out
}

// entry is one resource to ingest.
type entry struct {
	index   int // Bundle.entry index, or -1
	line    int // NDJSON line, or 0
	fullURL string
	method  string
	raw     json.RawMessage
	head    head
	src     string // "<Type>/<id>": the source record's id
	source  string // the system the record comes from
	err     error  // found while reading
}

// ref is the entry's key in the store.
func (e *entry) ref() store.Ref { return store.Ref{Source: e.source, ID: e.src} }

func (e *entry) problem(file string, err error) *Problem {
	return &Problem{File: file, Index: e.index, Line: e.line, FullURL: e.fullURL, Ref: e.src, Err: err}
}

type bundleJSON struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Meta         struct {
		Source string `json:"source"`
	} `json:"meta"`
	Entry []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
		Request  *struct {
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"request"`
	} `json:"entry"`
}

// metaSource is a meta.source value without its fragment (R4 allows a
// request id after "#"): the system itself.
func metaSource(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "#")
	return s
}

// Bundle ingests a FHIR R4 Bundle of type transaction, batch or collection
// (JSON). name labels the summary and problems. A transaction is all or
// nothing: when an entry fails, none is stored. Bundles of FHIR STU3 and
// DSTU2 are refused, naming the version and the element that shows it.
func (o Options) Bundle(ctx context.Context, ps *store.Patients, name string, data []byte) (*Summary, error) {
	sum := &Summary{File: name, Skipped: map[string]int{}}
	if len(data) > MaxFileBytes {
		return sum, &FileError{name, fmt.Errorf("the file is %d bytes, more than the cap of %d per bundle", len(data), MaxFileBytes)}
	}
	if err := checkUTF8(data); err != nil {
		return sum, &FileError{name, err}
	}
	var b bundleJSON
	if err := json.Unmarshal(data, &b); err != nil {
		return sum, &FileError{name, jsonError(data, err)}
	}
	raws := make([]json.RawMessage, len(b.Entry))
	for i, be := range b.Entry {
		raws[i] = be.Resource
	}
	if v, why := olderVersion(raws, "entry"); v != "" {
		return sum, &FileError{name, fmt.Errorf("a FHIR %s bundle (%s); mdtwin reads FHIR R4 (4.0.1) only: export R4", v, why)}
	}
	if b.ResourceType != "Bundle" {
		return sum, &FileError{name, fmt.Errorf("resourceType %q, expected a FHIR Bundle", b.ResourceType)}
	}
	switch b.Type {
	case "transaction", "batch", "collection":
	default:
		return sum, &FileError{name, fmt.Errorf("Bundle.type %q, expected transaction, batch or collection", b.Type)}
	}
	source := metaSource(b.Meta.Source)
	if o.Source != "" && source != "" && o.Source != source {
		return sum, &FileError{name, fmt.Errorf("Bundle.meta.source is %q but --source is %q: give no --source for this file, or the same", source, o.Source)}
	}
	var entries []*entry
	for i, be := range b.Entry {
		e := &entry{index: i, line: 0, fullURL: be.FullURL, raw: be.Resource}
		if be.Request != nil {
			e.method = be.Request.Method
		}
		e.read()
		entries = append(entries, e)
	}
	duplicates(entries)
	if err := o.assignSources(entries, source, "no Bundle.meta.source"); err != nil {
		return sum, &FileError{name, err}
	}
	return sum, run(ctx, ps, sum, entries, b.Type == "transaction")
}

// NDJSON ingests a FHIR bulk-data export: one resource per line. References
// are relative ("Patient/123") and resolve against the same file or the
// store (ingest Patient files first; see Order).
func (o Options) NDJSON(ctx context.Context, ps *store.Patients, name string, r io.Reader) (*Summary, error) {
	sum := &Summary{File: name, Skipped: map[string]int{}}
	br := bufio.NewReaderSize(r, 1<<16)
	var entries []*entry
	for n := 1; ; n++ {
		line, long, err := readLine(br, MaxResourceBytes)
		if err != nil && !errors.Is(err, io.EOF) {
			return sum, &FileError{name, err}
		}
		if long {
			entries = append(entries, &entry{index: -1, line: n,
				err: fmt.Errorf("the line is more than the cap of %d bytes per resource", MaxResourceBytes)})
		} else if line = bytes.TrimSpace(line); len(line) > 0 {
			e := &entry{index: -1, line: n, raw: slices.Clone(line)}
			switch {
			case !utf8.Valid(line):
				e.err = fmt.Errorf("invalid UTF-8 at column %d", utf8Col(line))
			case !json.Valid(line):
				var v any
				e.err = fmt.Errorf("invalid JSON: %v", json.Unmarshal(line, &v))
			default:
				e.read()
			}
			entries = append(entries, e)
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	raws := make([]json.RawMessage, len(entries))
	for i, e := range entries {
		if e.err == nil {
			raws[i] = e.raw
		}
	}
	if v, why := olderVersion(raws, "line"); v != "" {
		return sum, &FileError{name, fmt.Errorf("a FHIR %s export (%s); mdtwin reads FHIR R4 (4.0.1) only: export R4", v, why)}
	}
	duplicates(entries)
	if err := o.assignSources(entries, "", "no meta.source"); err != nil {
		return sum, &FileError{name, err}
	}
	return sum, run(ctx, ps, sum, entries, false)
}

// readLine reads one line of at most max bytes (without its newline); a
// longer one is skipped and reported as long, without being kept.
func readLine(r *bufio.Reader, max int) (line []byte, long bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		if !long {
			if len(line)+len(chunk) > max+1 {
				long, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimSuffix(line, []byte("\n")), long, err
	}
}

// checkUTF8 reports the line and column of the first byte that is not
// UTF-8.
func checkUTF8(data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	line, start := 1, 0
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return fmt.Errorf("%d:%d: invalid UTF-8 (byte 0x%02x): FHIR JSON is UTF-8", line, utf8.RuneCount(data[start:i])+1, data[i])
		}
		if data[i] == '\n' {
			line, start = line+1, i+1
		}
		i += n
	}
	return nil
}

// utf8Col is the column (in characters, from 1) of the first invalid byte.
func utf8Col(b []byte) int {
	col := 1
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return col
		}
		i += n
		col++
	}
	return col
}

// duplicates marks entries that share a fullUrl or a "<Type>/<id>": both
// fail, since which one is meant cannot be told.
func duplicates(entries []*entry) {
	byURL, bySrc := map[string]*entry{}, map[string]*entry{}
	for _, e := range entries {
		if e.err != nil {
			continue
		}
		if e.fullURL != "" {
			if f := byURL[e.fullURL]; f != nil {
				dup(f, e, "fullUrl "+e.fullURL)
			} else {
				byURL[e.fullURL] = e
			}
		}
		if e.head.ID != "" {
			if f := bySrc[e.src]; f != nil {
				dup(f, e, "resource "+e.src)
			} else {
				bySrc[e.src] = e
			}
		}
	}
}

func dup(first, e *entry, what string) {
	if e.err == nil {
		e.err = fmt.Errorf("duplicate %s (also %s): neither is stored", what, first.where())
	}
	if first.err == nil {
		first.err = fmt.Errorf("duplicate %s (also %s): neither is stored", what, e.where())
	}
}

// assignSources gives each entry its source: its resource's meta.source,
// else the file's (Bundle.meta.source), else Options.Source, else the
// identifier system every Patient of the file shares. Without any, the
// file names no source and cannot be stored: records of unknown origin
// could merge with another hospital's.
func (o Options) assignSources(entries []*entry, fileSource, none string) error {
	def := cmpOr(fileSource, o.Source)
	if def == "" {
		def = sharedIdentifierSystem(entries)
	}
	for _, e := range entries {
		if e.err != nil {
			continue
		}
		e.source = cmpOr(metaSource(e.head.Meta.Source), def)
		if e.source == "" && stored[e.head.ResourceType] {
			return fmt.Errorf("the source of its records is unknown (%s, and its patients share no identifier system): "+
				"name it with --source NAME, e.g. the sending system's URL", none)
		}
	}
	return nil
}

// sharedIdentifierSystem is the system of the identifier every Patient of
// the file is known by (see patientIdentifier), when they share one.
func sharedIdentifierSystem(entries []*entry) string {
	system := ""
	for _, e := range entries {
		if e.err != nil || e.head.ResourceType != "Patient" {
			continue
		}
		var r struct {
			Identifier []identifier `json:"identifier"`
		}
		json.Unmarshal(e.raw, &r)
		id := patientIdentifier(e, r.Identifier)
		s, _, ok := strings.Cut(id, "|")
		if !ok || s == "" || (system != "" && s != system) {
			return ""
		}
		system = s
	}
	return system
}

// read decodes the entry's head and sets its source record id.
func (e *entry) read() {
	if len(e.raw) == 0 || string(e.raw) == "null" {
		e.err = errors.New("entry has no resource")
		return
	}
	if len(e.raw) > MaxResourceBytes {
		e.err = fmt.Errorf("the resource is %d bytes, more than the cap of %d per resource", len(e.raw), MaxResourceBytes)
		return
	}
	if err := json.Unmarshal(e.raw, &e.head); err != nil {
		e.err = fmt.Errorf("resource is not a JSON object: %v", err)
		return
	}
	t := e.head.ResourceType
	id := e.head.ID
	if id == "" {
		id = e.fullURL
	}
	if id == "" {
		h := sha256.Sum256(e.raw)
		id = "sha256:" + hex.EncodeToString(h[:])
	}
	e.src = t + "/" + id
	switch {
	case t == "":
		e.err = errors.New("resource has no resourceType")
	case !r4Types[t]:
		e.err = fmt.Errorf("unknown resource type %q (not a FHIR R4 resource)", t)
	case e.method == "DELETE" || e.method == "PATCH":
		e.err = fmt.Errorf("request method %s is not supported", e.method)
	}
}

// jsonError gives a syntax error its line and column.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	line, col := 1, 1
	for _, c := range data[:min(int(off), len(data))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%d:%d: invalid JSON: %v", line, col, err)
}

// run stores the entries, each under its own savepoint, in dependency
// order. With atomic (a transaction bundle), one failing entry undoes them
// all.
func run(ctx context.Context, ps *store.Patients, sum *Summary, entries []*entry, atomic bool) error {
	sum.Entries = len(entries)
	in := &ingester{ctx: ctx, file: sum.File, byURL: map[string]*entry{}, bySrc: map[string]*entry{}}
	for _, e := range entries {
		if e.err != nil {
			continue
		}
		if e.fullURL != "" {
			in.byURL[e.fullURL] = e
		}
		if e.src != "" {
			in.bySrc[e.src] = e
		}
	}
	order := slices.Clone(entries)
	slices.SortStableFunc(order, func(a, b *entry) int { return rank(a.head.ResourceType) - rank(b.head.ResourceType) })
	w, err := ps.Begin(ctx)
	if err != nil {
		return &FileError{sum.File, err}
	}
	defer w.Rollback()
	in.w = w
	for _, e := range order {
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.err == nil && !stored[e.head.ResourceType] {
			sum.Skipped[e.head.ResourceType]++
			continue
		}
		var ch store.Change
		err := e.err
		if err == nil {
			err = w.Entry(ctx, func() error {
				var err error
				ch, err = in.store(e)
				return err
			})
		}
		if err != nil {
			sum.Failed++
			sum.Problems = append(sum.Problems, e.problem(sum.File, err))
			continue
		}
		sum.count(ch)
	}
	slices.SortFunc(sum.Problems, func(a, b *Problem) int { return (a.Index + a.Line) - (b.Index + b.Line) })
	if atomic && sum.Failed > 0 {
		w.Rollback()
		sum.Added, sum.Updated, sum.Unchanged, sum.RolledBack = 0, 0, 0, true
		return &FileError{sum.File, fmt.Errorf("a transaction bundle is all or nothing: %d of its entries failed (listed above), so none was stored", sum.Failed)}
	}
	if err := w.Commit(); err != nil {
		return &FileError{sum.File, err}
	}
	return nil
}
