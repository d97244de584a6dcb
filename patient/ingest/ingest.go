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
	"strings"

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
	return where + ": " + p.Err.Error()
}

func (p *Problem) Unwrap() error { return p.Err }

// FileError is a file that could not be read as a whole (unreadable, not
// JSON, not a Bundle, a bad mapping); nothing of it was stored.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// File ingests one file into the store, choosing the reader by its name:
// *.ndjson (a bulk export), *.toml (a registry mapping naming CSV files,
// one Summary each), anything else a FHIR Bundle in JSON. Entries are
// stored independently: a failing entry is reported in its Summary and
// leaves nothing behind; the others are stored. The error is a *FileError
// when the file as a whole could not be used.
func File(ctx context.Context, ps *store.Patients, path string) ([]*Summary, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml":
		return Registry(ctx, ps, path)
	case ".ndjson":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		s, err := NDJSON(ctx, ps, path, f)
		return []*Summary{s}, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Bundle(ctx, ps, path, data)
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
			line, _ := bufio.NewReader(f).ReadBytes('\n')
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
	src     string // "<Type>/<id>": the source record's key
	err     error  // found while reading
}

func (e *entry) problem(file string, err error) *Problem {
	return &Problem{File: file, Index: e.index, Line: e.line, FullURL: e.fullURL, Ref: e.src, Err: err}
}

type bundleJSON struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Entry        []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
		Request  *struct {
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"request"`
	} `json:"entry"`
}

// Bundle ingests a FHIR R4 Bundle of type transaction, batch or collection
// (JSON). name labels the summary and problems.
func Bundle(ctx context.Context, ps *store.Patients, name string, data []byte) (*Summary, error) {
	sum := &Summary{File: name, Skipped: map[string]int{}}
	var b bundleJSON
	if err := json.Unmarshal(data, &b); err != nil {
		return sum, &FileError{name, jsonError(data, err)}
	}
	if b.ResourceType != "Bundle" {
		return sum, &FileError{name, fmt.Errorf("resourceType %q, expected a FHIR Bundle", b.ResourceType)}
	}
	switch b.Type {
	case "transaction", "batch", "collection":
	default:
		return sum, &FileError{name, fmt.Errorf("Bundle.type %q, expected transaction, batch or collection", b.Type)}
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
	return sum, run(ctx, ps, sum, entries)
}

// NDJSON ingests a FHIR bulk-data export: one resource per line. References
// are relative ("Patient/123") and resolve against the same file or the
// store (ingest Patient files first; see Order).
func NDJSON(ctx context.Context, ps *store.Patients, name string, r io.Reader) (*Summary, error) {
	sum := &Summary{File: name, Skipped: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var entries []*entry
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		e := &entry{index: -1, line: n, raw: slices.Clone(line)}
		if !json.Valid(line) {
			var v any
			e.err = fmt.Errorf("invalid JSON: %v", json.Unmarshal(line, &v))
		} else {
			e.read()
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return sum, &FileError{name, err}
	}
	return sum, run(ctx, ps, sum, entries)
}

// read decodes the entry's head and sets its source key.
func (e *entry) read() {
	if len(e.raw) == 0 || string(e.raw) == "null" {
		e.err = errors.New("entry has no resource")
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

// run stores the entries, each under its own savepoint, in dependency order.
func run(ctx context.Context, ps *store.Patients, sum *Summary, entries []*entry) error {
	sum.Entries = len(entries)
	in := &ingester{ctx: ctx, file: sum.File, byURL: map[string]*entry{}, bySrc: map[string]*entry{}}
	for _, e := range entries {
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
	if err := w.Commit(); err != nil {
		return &FileError{sum.File, err}
	}
	return nil
}
