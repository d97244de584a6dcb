package scenarios

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/mdtwin/mdtwin/models"
)

// Run is one expanded run of a study.
type Run struct {
	Index     int           // 0-based position in run order: Point*replicates + Replicate
	ID        string        // stable id, see RunID
	Point     int           // design point index
	Replicate int           // 0-based
	Seed      uint64        // RunSeed(study seed, Index)
	Params    models.Params // base parameters overridden by the point's values, defaults filled in
}

// RunSet is a study's runs in run order, made one at a time on demand, so
// that a study of millions of runs is never held in memory at once.
// Run(i) returns the same Run every time it is called with i.
type RunSet interface {
	Len() int
	Run(i int) (Run, error)
}

// RunList is a RunSet held in a slice.
type RunList []Run

// Len returns the number of runs.
func (l RunList) Len() int { return len(l) }

// Run returns run i.
func (l RunList) Run(i int) (Run, error) { return l[i], nil }

// Design is a checked scenario's runs, expanded lazily: it keeps the base
// parameters and the design's points in compact form (the listed values,
// or the uniform draws of an lhs or random design) and builds run i's
// parameters when asked. It implements RunSet.
type Design struct {
	desc       models.Descriptor
	resolved   models.Params  // design point 0's parameters, resolved by the descriptor
	swept      []models.Param // the sweep's parameters, in Sweep.Params order
	points     points
	replicates int
	n          int
	seed       uint64
}

// Expand checks the scenario against the model's descriptor and returns its
// runs in order: design point after design point, each repeated
// Study.Replicates times, so that a run's Index is point*replicates +
// replicate. It is Design with every run made at once.
func (s *Scenario) Expand(desc models.Descriptor) ([]Run, error) {
	d, err := s.Design(desc)
	if err != nil {
		return nil, err
	}
	runs := make([]Run, d.Len())
	for i := range runs {
		if runs[i], err = d.Run(i); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

// Design checks the scenario against the model's descriptor and returns
// its runs as a Design, in the order Expand gives.
//
// Every parameter value in [params] and [sweep.params] (each listed value,
// each discrete value and each value drawn for an lhs or random design) is
// checked with the descriptor; a value that fails gives an *Error positioned
// at its key (or list element) whose message is the models.ParamError, which
// names the parameter, the value and the bound. Checking that desc is the
// model the scenario names is the caller's job, but Design fails if
// desc.Name is not Study.Model.
//
// Design is deterministic: the design's random draws come from a stream of
// their own seeded only by the study seed (see the package documentation),
// and nothing depends on map iteration order.
func (s *Scenario) Design(desc models.Descriptor) (*Design, error) {
	if desc.Name != s.Study.Model {
		return nil, s.Errorf([]string{"study", "model"}, "[study] model is %q, but it is being expanded for model %q", s.Study.Model, desc.Name)
	}
	for _, name := range s.paramOrder {
		if _, err := s.coerce(desc, name, s.Params[name]); err != nil {
			return nil, s.paramErr([]string{"params", name}, err, "")
		}
	}
	pts, err := s.designPoints(desc)
	if err != nil {
		return nil, err
	}
	d := &Design{desc: desc, points: pts, replicates: s.Study.Replicates,
		n: pts.len() * s.Study.Replicates, seed: s.Study.Seed}
	// Every value was checked above; resolving the first point checks
	// that the base parameters and the sweep combine (a missing required
	// parameter, say). Keep a position anyway.
	raw := make(map[string]any, len(s.Params))
	maps.Copy(raw, s.Params)
	if s.Sweep != nil {
		for j, p := range s.Sweep.Params {
			param, _ := desc.Param(p.Name)
			d.swept = append(d.swept, param)
			raw[p.Name] = pts.value(0, j)
		}
	}
	resolved, err := desc.Resolve(raw)
	if err != nil {
		return nil, s.paramErr(s.paramKey(err), err, "")
	}
	d.resolved = resolved
	return d, nil
}

// Len returns the number of runs.
func (d *Design) Len() int { return d.n }

// Run returns run i (0 ≤ i < Len()).
func (d *Design) Run(i int) (Run, error) {
	if i < 0 || i >= d.n {
		panic("scenarios: run index out of range")
	}
	p := i / d.replicates
	params, err := d.params(p)
	if err != nil {
		return Run{}, err
	}
	return Run{Index: i, ID: RunID(i, d.n), Point: p, Replicate: i % d.replicates, Seed: RunSeed(d.seed, i), Params: params}, nil
}

// params returns the parameters of design point p: point 0's, resolved
// by the descriptor, with the sweep's values of point p coerced in their
// place — what Descriptor.Resolve gives for point p, which has no rule
// across parameters, at a fraction of its cost.
func (d *Design) params(p int) (models.Params, error) {
	out := maps.Clone(d.resolved)
	for j, param := range d.swept {
		c, err := param.Coerce(d.points.value(p, j))
		if err != nil {
			err.Model = d.desc.Name
			return nil, err
		}
		out[param.Name] = c
	}
	return out, nil
}

// coerce checks one value of parameter name against desc, giving the same
// *models.ParamError as desc.Resolve would.
func (s *Scenario) coerce(desc models.Descriptor, name string, v any) (any, error) {
	p, ok := desc.Param(name)
	if !ok {
		return desc.Resolve(map[string]any{name: v}) // the unknown-parameter error
	}
	c, err := p.Coerce(v)
	if err != nil {
		err.Model = desc.Name
		return nil, err
	}
	return c, nil
}

// paramErr positions a parameter error at key, with an optional note.
func (s *Scenario) paramErr(key []string, err error, note string) *Error {
	msg := err.Error()
	var pe *models.ParamError
	if errors.As(err, &pe) {
		msg = pe.Error()
	}
	e := s.Errorf(key, "%s%s", msg, note)
	e.err = err
	return e
}

// paramKey returns the key in the file of the parameter a ParamError names.
func (s *Scenario) paramKey(err error) []string {
	var pe *models.ParamError
	if !errors.As(err, &pe) {
		return nil
	}
	if s.Sweep != nil {
		for _, p := range s.Sweep.Params {
			if p.Name == pe.Param {
				return []string{"sweep", "params", p.Name}
			}
		}
	}
	if _, ok := s.Params[pe.Param]; ok {
		return []string{"params", pe.Param}
	}
	return []string{"params"}
}

// designStream selects the PCG stream of design draws (the ASCII bytes of
// "mdtwinDS").
const designStream = 0x6d647477696e4453

// newDesignRand returns the generator of a study's design draws: PCG with
// the study seed and the design stream, independent of the run seeds.
func newDesignRand(studySeed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(studySeed, designStream))
}

// points are a design's points in compact form.
type points interface {
	len() int
	value(p, j int) any // sweep parameter j at point p
}

// single is the one point of a study without a sweep.
type single struct{}

func (single) len() int           { return 1 }
func (single) value(int, int) any { panic("scenarios: no sweep parameter") }

// gridPoints are every combination of the listed values, in nested-loop
// order with the last parameter varying fastest.
type gridPoints struct {
	values [][]any
	stride []int // points per step of parameter j
	n      int
}

func (g *gridPoints) len() int { return g.n }
func (g *gridPoints) value(p, j int) any {
	return g.values[j][(p/g.stride[j])%len(g.values[j])]
}

// zipPoints are the i-th values of every list.
type zipPoints struct{ values [][]any }

func (z *zipPoints) len() int           { return len(z.values[0]) }
func (z *zipPoints) value(p, j int) any { return z.values[j][p] }

// drawnPoints keep the uniform draws of an lhs or random design, one row
// of len(dists) a point, and turn them into values by each distribution's
// quantile function when asked.
type drawnPoints struct {
	dists []*Dist
	u     []float64
}

func (d *drawnPoints) len() int           { return len(d.u) / len(d.dists) }
func (d *drawnPoints) value(p, j int) any { return d.dists[j].Quantile(d.u[p*len(d.dists)+j]) }

// designPoints checks the sweep's values against desc and returns the
// design's points.
func (s *Scenario) designPoints(desc models.Descriptor) (points, error) {
	sw := s.Sweep
	if sw == nil {
		return single{}, nil
	}
	if sw.Design == Posterior {
		return s.posteriorPoints(desc) // posterior.go
	}
	for _, p := range sw.Params {
		key := []string{"sweep", "params", p.Name}
		param, ok := desc.Param(p.Name)
		if !ok {
			_, err := s.coerce(desc, p.Name, nil)
			return nil, s.paramErr(key, err, "")
		}
		values, valuesKey := p.Values, key
		if p.Dist != nil {
			values, valuesKey = p.Dist.Values, append(key, "values")
			if p.Dist.Continuous() && param.Kind != models.Float {
				return nil, s.Errorf(append(key, "dist"), "[sweep.params] %s: a %s distribution draws real numbers, but parameter %q of model %q is %s %s; use dist = \"discrete\"",
					p.Name, p.Dist.Kind, p.Name, desc.Name, article(param.Kind), param.Kind)
			}
		}
		for i, v := range values {
			if _, err := s.coerce(desc, p.Name, v); err != nil {
				return nil, s.paramErr(append(valuesKey[:len(valuesKey):len(valuesKey)], elem(i)), err, "")
			}
		}
	}
	n := sw.Points()
	switch sw.Design {
	case Grid:
		g := &gridPoints{n: n, stride: make([]int, len(sw.Params))}
		stride := 1
		for j := len(sw.Params) - 1; j >= 0; j-- {
			g.stride[j] = stride
			stride *= len(sw.Params[j].Values)
		}
		for _, p := range sw.Params {
			g.values = append(g.values, p.Values)
		}
		return g, nil
	case Zip:
		z := &zipPoints{}
		for _, p := range sw.Params {
			z.values = append(z.values, p.Values)
		}
		return z, nil
	}
	// LHS, Random
	rng := newDesignRand(s.Study.Seed)
	d := &drawnPoints{}
	for _, p := range sw.Params {
		d.dists = append(d.dists, p.Dist)
	}
	if sw.Design == LHS {
		d.u = latinHypercube(rng, n, len(sw.Params))
	} else {
		d.u = uniforms(rng, n, len(sw.Params))
	}
	for i := 0; i < n; i++ {
		for j, p := range sw.Params {
			if !p.Dist.Continuous() {
				continue
			}
			if _, err := s.coerce(desc, p.Name, d.value(i, j)); err != nil {
				return nil, s.paramErr([]string{"sweep", "params", p.Name}, err,
					fmt.Sprintf(" (drawn from %s for design point %d of the %s design)", p.Dist, i, sw.Design))
			}
		}
	}
	return d, nil
}

func article(k models.Kind) string {
	if k == models.Int {
		return "an"
	}
	return "a"
}

// openUniform returns a uniform draw from the open interval (0, 1): the
// midpoint of one of 2⁵² equal cells, so that no quantile is infinite.
func openUniform(rng *rand.Rand) float64 {
	return (float64(rng.Uint64()>>12) + 0.5) / (1 << 52)
}

// uniforms returns n points of dims independent uniforms on (0, 1), drawn
// point by point, so that the first points do not depend on n; point i is
// u[i*dims : (i+1)*dims].
func uniforms(rng *rand.Rand, n, dims int) []float64 {
	u := make([]float64, n*dims)
	for i := range u {
		u[i] = openUniform(rng)
	}
	return u
}

// latinHypercube returns a Latin hypercube sample of n points in (0, 1)^dims
// (McKay, Beckman & Conover 1979, Technometrics 21(2):239–245): for each
// dimension the n points fall one in each of the n strata [k/n, (k+1)/n),
// uniformly within it, the strata being assigned to points by a random
// permutation drawn for that dimension. Dimensions are drawn in order: first
// the permutation, then the n draws within strata. Point i is
// u[i*dims : (i+1)*dims].
func latinHypercube(rng *rand.Rand, n, dims int) []float64 {
	u := make([]float64, n*dims)
	for j := range dims {
		perm := rng.Perm(n)
		for i := range n {
			x := (float64(perm[i]) + openUniform(rng)) / float64(n)
			u[i*dims+j] = min(x, math.Nextafter(1, 0)) // rounding can reach 1
		}
	}
	return u
}

// RunID returns the stable id of run index of a study of total runs: "r"
// and the index padded with zeros to max(6, digits of total-1), e.g.
// "r000017". Ids sort in run order.
func RunID(index, total int) string {
	width := max(6, len(strconv.Itoa(total-1)))
	return fmt.Sprintf("r%0*d", width, index)
}

// RunSeed returns the seed of run index of a study with seed studySeed. It is
// the one derivation of random seeds in mdtwin: a run's seed depends only on
// the study seed and the run's index, not on the backend, the worker or the
// order in which runs finish.
//
// It is output number index (counting from 0) of SplitMix64 (Steele, Lea &
// Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA;
// the generator as in Vigna's splitmix64.c) started from state studySeed:
//
//	z := studySeed + (index+1)·0x9e3779b97f4a7c15   (mod 2⁶⁴)
//	z = (z ^ z>>30) · 0xbf58476d1ce4e5b9
//	z = (z ^ z>>27) · 0x94d049bb133111eb
//	seed = z ^ z>>31
//
// The finaliser is a bijection and the increment is odd, so the seeds of the
// runs of one study are all different. RunSeed panics if index < 0.
func RunSeed(studySeed uint64, index int) uint64 {
	if index < 0 {
		panic("scenarios: negative run index")
	}
	z := studySeed + (uint64(index)+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
