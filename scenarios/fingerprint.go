package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Fingerprint identifies what a study computes, so that a study is resumed
// only with the scenario and data it started with. It holds a hash of each
// part of the scenario as parsed — comments, layout and key order do not
// count, nor do [backend] and the [study] keys output and doc, which say
// where and how a study runs and what it is about, not what it computes —
// and a hash of the content of every file or folder the scenario names.
type Fingerprint struct {
	// Parts maps "[study]", "[params]", "[inputs]", "[sweep]" and
	// "[patient]" to the hex SHA-256 of their canonical form.
	Parts map[string]string `json:"parts"`
	// Files maps each path the scenario names (as written) to the hex
	// SHA-256 of its content; a folder's hash covers the names and
	// contents of the regular files below it.
	Files map[string]string `json:"files"`
}

// MaxFolderFiles bounds the files hashed below one folder a scenario names.
const MaxFolderFiles = 10_000

// Fingerprint computes the scenario's fingerprint. A string value in
// [params] or [inputs] (at any depth) names a file when it is the path of
// an existing file or folder, relative to the current folder or else to
// the scenario file's folder — the two places models look. It fails only
// when such a file exists but cannot be read.
func (s *Scenario) Fingerprint() (Fingerprint, error) {
	f := Fingerprint{Parts: map[string]string{}, Files: map[string]string{}}
	study := map[string]any{"name": s.Study.Name, "model": s.Study.Model, "seed": s.Study.Seed,
		"replicates": s.Study.Replicates}
	f.Parts["[study]"] = canonicalHash(study)
	f.Parts["[params]"] = canonicalHash(s.Params)
	var inputs any
	if len(s.Inputs) > 0 {
		if err := json.Unmarshal(s.Inputs, &inputs); err != nil {
			return f, fmt.Errorf("%s: [inputs]: %w", s.File, err)
		}
	}
	f.Parts["[inputs]"] = canonicalHash(inputs)
	if s.Sweep != nil {
		f.Parts["[sweep]"] = canonicalHash(sweepCanonical(s.Sweep))
	}
	if s.Patient != nil {
		f.Parts["[patient]"] = canonicalHash(map[string]any{"id": s.Patient.ID, "store": s.Patient.Store})
	}
	// The tables the scenario reads itself: their bytes are hashed when
	// read, so a change names the file.
	if s.Sweep != nil && s.Sweep.Posterior != nil {
		f.Files[s.Sweep.Posterior.File] = s.Sweep.Posterior.SHA256
	}
	if s.Cohort != nil {
		f.Files[s.Cohort.Table] = s.Cohort.SHA256
	}
	var paths []string
	collectStrings(s.Params, &paths)
	collectStrings(inputs, &paths)
	for _, p := range paths {
		if _, seen := f.Files[p]; seen {
			continue
		}
		path, ok := s.namedFile(p)
		if !ok {
			continue
		}
		h, err := hashPath(path)
		if err != nil {
			return f, fmt.Errorf("%s: file %q named by the scenario: %w", s.File, p, err)
		}
		f.Files[p] = h
	}
	return f, nil
}

// sweepCanonical is a sweep as plain values, for hashing.
func sweepCanonical(sweep *Sweep) map[string]any {
	sw := map[string]any{"design": sweep.Design, "samples": sweep.Samples}
	ps := []any{}
	for _, p := range sweep.Params {
		e := map[string]any{"name": p.Name, "values": p.Values}
		if d := p.Dist; d != nil {
			e["dist"] = map[string]any{"kind": d.Kind, "min": d.Min, "max": d.Max, "mode": d.Mode,
				"mean": d.Mean, "sd": d.SD, "mu": d.Mu, "sigma": d.Sigma, "alpha": d.Alpha, "beta": d.Beta,
				"shape": d.Shape, "rate": d.Rate, "values": d.Values, "weights": d.Weights}
		}
		ps = append(ps, e)
	}
	sw["params"] = ps
	return sw
}

// Changes lists what differs from the fingerprint old, in a stable order:
// the parts ("[sweep]") and the files ("file mesh/atrium.vtp") whose
// hashes differ, appear or disappear.
func (f Fingerprint) Changes(old Fingerprint) []string {
	var out []string
	for _, k := range unionKeys(f.Parts, old.Parts) {
		if f.Parts[k] != old.Parts[k] {
			out = append(out, k)
		}
	}
	for _, k := range unionKeys(f.Files, old.Files) {
		now, had := f.Files[k], old.Files[k]
		switch {
		case now == had:
		case had == "":
			out = append(out, fmt.Sprintf("file %s (newly named)", k))
		case now == "":
			out = append(out, fmt.Sprintf("file %s (no longer named, or gone)", k))
		default:
			out = append(out, fmt.Sprintf("file %s (its content)", k))
		}
	}
	return out
}

func unionKeys(a, b map[string]string) []string {
	var keys []string
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

// namedFile resolves a string value to the file or folder it names, if any.
func (s *Scenario) namedFile(v string) (string, bool) {
	if v == "" || strings.ContainsRune(v, '\n') || len(v) > 4096 {
		return "", false
	}
	for _, p := range []string{v, filepath.Join(filepath.Dir(s.File), v)} {
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		if fi.IsDir() && isWorkingFolderOrAbove(p) {
			return "", false // ".", "..": not data
		}
		if fi.Mode().IsRegular() || fi.IsDir() {
			return p, true
		}
	}
	return "", false
}

func isWorkingFolderOrAbove(p string) bool {
	abs, err := filepath.Abs(p)
	if err != nil {
		return true
	}
	wd, err := os.Getwd()
	if err != nil {
		return true
	}
	rel, err := filepath.Rel(abs, wd)
	return err == nil && !strings.HasPrefix(rel, "..")
}

// hashPath returns the hex SHA-256 of a file's content, or of a folder's
// regular files (their slash-separated names relative to the folder and
// their contents' hashes, in name order).
func hashPath(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return hashFile(path)
	}
	h := sha256.New()
	n := 0
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if n++; n > MaxFolderFiles {
			return fmt.Errorf("more than %d files below the folder", MaxFolderFiles)
		}
		fh, err := hashFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(path, p)
		fmt.Fprintf(h, "%s\x00%s\n", filepath.ToSlash(rel), fh)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// collectStrings appends every string in v (maps, slices, at any depth).
func collectStrings(v any, out *[]string) {
	switch x := v.(type) {
	case string:
		*out = append(*out, x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			collectStrings(x[k], out)
		}
	case []any:
		for _, e := range x {
			collectStrings(e, out)
		}
	}
}

// canonicalHash returns the hex SHA-256 of v's canonical JSON: map keys
// sorted (encoding/json's order), non-finite numbers as strings.
func canonicalHash(v any) string {
	b, err := json.Marshal(finite(v))
	if err != nil {
		b = []byte(fmt.Sprintf("%#v", v))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// finite replaces NaN and infinities (which JSON lacks) by strings.
func finite(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = finite(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = finite(e)
		}
		return out
	case []float64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = finite(e)
		}
		return out
	}
	return v
}
