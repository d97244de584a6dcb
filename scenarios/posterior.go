package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mdtwin/mdtwin/models"
)

// Posterior is the design that draws its points from a calibrated
// posterior: `mdtwin calibrate`'s posterior.csv (package calibrate), for a
// probabilistic sensitivity analysis on calibrated parameters or a
// prediction that carries the calibration's uncertainty.
//
//	[sweep]
//	design = "posterior"
//	posterior = "../out/pk-individual/posterior.csv"  # relative to the scenario file's folder
//	samples = 1000                                     # design points, drawn by weight
//
// The design's parameters are the posterior's parameter columns; each
// point is a particle drawn with probability proportional to its weight,
// independently (with replacement), from the design's own random stream
// (see Designs), so a scenario gives the same points every time. The
// scenario's Hash covers the posterior file's bytes as well as the
// scenario's: a study continued with --resume refuses a changed posterior.
const Posterior = "posterior"

// PosteriorSample is a posterior design's posterior file, read.
type PosteriorSample struct {
	File    string // as written in the scenario
	Path    string // resolved against the scenario file's folder
	SHA256  string // of the file's bytes
	Params  []string
	Weights []float64
	Values  [][]float64 // particle × parameter
}

// parsePosteriorSweep reads the [sweep] table of a posterior design.
func (s *Scenario) parsePosteriorSweep(t map[string]any, sw *Sweep) error {
	at := func(k ...string) []string { return append([]string{"sweep"}, k...) }
	if _, ok := t["params"]; ok {
		return s.Errorf(at("params"), "[sweep] a posterior design takes its parameters from the posterior file's columns: remove [sweep.params]")
	}
	v, ok := t["samples"]
	if !ok {
		return s.missing("sweep", "samples", ", the number of design points drawn from the posterior")
	}
	n, ok := v.(int64)
	if !ok || n < 1 || n > MaxRuns {
		return s.Errorf(at("samples"), "[sweep] samples must be an integer from 1 to %d, got %s", MaxRuns, describe(v))
	}
	sw.Samples = int(n)
	v, ok = t["posterior"]
	if !ok {
		return s.missing("sweep", "posterior", `, the posterior.csv of a calibration (mdtwin calibrate), relative to the scenario file`)
	}
	file, ok := v.(string)
	if !ok || file == "" || strings.ContainsAny(file, "\n\r") {
		return s.Errorf(at("posterior"), "[sweep] posterior must be a non-empty one-line path, got %s", describe(v))
	}
	path := file
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(s.File), file)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return s.Errorf(at("posterior"), "[sweep] posterior %s: %s", path, msg)
	}
	ps, err := ParsePosterior(path, b)
	if err != nil {
		return err
	}
	ps.File, ps.Path = file, path
	sum := sha256.Sum256(b)
	ps.SHA256 = hex.EncodeToString(sum[:])
	sw.Posterior = ps
	for _, p := range ps.Params {
		if _, dup := s.Params[p]; dup {
			return s.Errorf([]string{"params", p}, "parameter %q is both in [params] and in the posterior %s; give it in one place", p, file)
		}
		sw.Params = append(sw.Params, SweepParam{Name: p})
	}
	both := sha256.Sum256([]byte(s.Hash + "\x00" + ps.SHA256))
	s.Hash = hex.EncodeToString(both[:])
	s.Sweep = sw
	return nil
}

// ParsePosterior parses a posterior.csv: a header with the columns
// particle, weight, a score, run, then one column per parameter; one row
// per particle, weights ≥ 0 with a positive sum, parameter values finite.
// Errors name the file and the line.
func ParsePosterior(file string, data []byte) (*PosteriorSample, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = true
	head, err := r.Read()
	if err == io.EOF {
		return nil, &Error{File: file, Msg: "empty posterior file: expected the posterior.csv of mdtwin calibrate"}
	}
	if err != nil {
		return nil, csvError(file, err)
	}
	head = slices.Clone(head)
	wc, rc := slices.Index(head, "weight"), slices.Index(head, "run")
	if len(head) < 5 || head[0] != "particle" || wc != 1 || rc != 3 {
		return nil, &Error{File: file, Line: 1, Msg: fmt.Sprintf("expected the header of mdtwin calibrate's posterior.csv (particle, weight, score, run, parameters…), got %s", strings.Join(head, ","))}
	}
	ps := &PosteriorSample{Params: head[4:]}
	seen := map[string]bool{}
	for _, p := range ps.Params {
		if p == "" || seen[p] {
			return nil, &Error{File: file, Line: 1, Msg: fmt.Sprintf("parameter column %q is empty or repeated", p)}
		}
		seen[p] = true
	}
	var total float64
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := r.FieldPos(0)
		if len(ps.Weights) >= MaxRuns {
			return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("more than %d particles", MaxRuns)}
		}
		w, err := strconv.ParseFloat(rec[wc], 64)
		if err != nil || !(w >= 0) || math.IsInf(w, 0) {
			return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("weight %q is not a finite number >= 0", rec[wc])}
		}
		vals := make([]float64, len(ps.Params))
		for a := range vals {
			v, err := strconv.ParseFloat(rec[4+a], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("%s = %q is not a finite number", ps.Params[a], rec[4+a])}
			}
			vals[a] = v
		}
		total += w
		ps.Weights, ps.Values = append(ps.Weights, w), append(ps.Values, vals)
	}
	if len(ps.Weights) == 0 || !(total > 0) || math.IsInf(total, 0) {
		return nil, &Error{File: file, Msg: "no particle with a positive weight"}
	}
	return ps, nil
}

// posteriorPoints checks the posterior's parameters against the model and
// draws the design points: particle k with probability w_k/Σw, from the
// design's stream.
func (s *Scenario) posteriorPoints(desc models.Descriptor) (points, error) {
	sw := s.Sweep
	ps := sw.Posterior
	key := []string{"sweep", "posterior"}
	for a, name := range ps.Params {
		param, ok := desc.Param(name)
		if !ok {
			_, err := s.coerce(desc, name, 0.0)
			return nil, s.paramErr(key, err, " (a column of the posterior "+ps.File+")")
		}
		if param.Kind != models.Float {
			return nil, s.Errorf(key, "the posterior %s has a column %q, but parameter %q of model %q is %s %s", ps.File, name, name, desc.Name, article(param.Kind), param.Kind)
		}
		for k, v := range ps.Values {
			if _, err := s.coerce(desc, name, v[a]); err != nil {
				return nil, s.paramErr(key, err, fmt.Sprintf(" (particle %d of the posterior %s)", k, ps.File))
			}
		}
	}
	cum := make([]float64, len(ps.Weights))
	var c float64
	for k, w := range ps.Weights {
		c += w
		cum[k] = c
	}
	rng := newDesignRand(s.Study.Seed)
	d := &posteriorDraws{values: ps.Values, pick: make([]int, sw.Samples)}
	for i := range d.pick {
		u := openUniform(rng) * c
		k := min(sort.SearchFloat64s(cum, u), len(cum)-1)
		for ps.Weights[k] == 0 && k+1 < len(cum) { // never a particle of weight 0
			k++
		}
		d.pick[i] = k
	}
	return d, nil
}

// posteriorDraws are the particles a posterior design drew: point p is
// particle pick[p], its sweep parameter j the posterior's column j.
type posteriorDraws struct {
	values [][]float64
	pick   []int
}

func (d *posteriorDraws) len() int           { return len(d.pick) }
func (d *posteriorDraws) value(p, j int) any { return d.values[d.pick[p]][j] }
