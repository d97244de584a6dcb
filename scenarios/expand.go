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

// Expand checks the scenario against the model's descriptor and returns its
// runs in order: design point after design point, each repeated
// Study.Replicates times, so that a run's Index is point*replicates +
// replicate.
//
// Every parameter value in [params] and [sweep.params] (each listed value,
// each discrete value and each value drawn for an lhs or random design) is
// checked with the descriptor; a value that fails gives an *Error positioned
// at its key (or list element) whose message is the models.ParamError, which
// names the parameter, the value and the bound. Checking that desc is the
// model the scenario names is the caller's job, but Expand fails if
// desc.Name is not Study.Model.
//
// Expand is deterministic: the design's random draws come from a stream of
// their own seeded only by the study seed (see the package documentation),
// and nothing depends on map iteration order.
func (s *Scenario) Expand(desc models.Descriptor) ([]Run, error) {
	if desc.Name != s.Study.Model {
		return nil, s.Errorf([]string{"study", "model"}, "[study] model is %q, but it is being expanded for model %q", s.Study.Model, desc.Name)
	}
	for _, name := range s.paramOrder {
		if _, err := s.coerce(desc, name, s.Params[name]); err != nil {
			return nil, s.paramErr([]string{"params", name}, err, "")
		}
	}
	points, err := s.designPoints(desc)
	if err != nil {
		return nil, err
	}
	n := len(points) * s.Study.Replicates
	runs := make([]Run, 0, n)
	for p, values := range points {
		raw := make(map[string]any, len(s.Params)+len(values))
		maps.Copy(raw, s.Params)
		for j, v := range values {
			raw[s.Sweep.Params[j].Name] = v
		}
		params, err := desc.Resolve(raw)
		if err != nil { // each value was checked above; keep a position anyway
			return nil, s.paramErr(s.paramKey(err), err, "")
		}
		for r := range s.Study.Replicates {
			i := len(runs)
			if r > 0 {
				params = maps.Clone(params) // runs share no maps
			}
			runs = append(runs, Run{Index: i, ID: RunID(i, n), Point: p, Replicate: r, Seed: RunSeed(s.Study.Seed, i), Params: params})
		}
	}
	return runs, nil
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

// designPoints checks the sweep's values against desc and returns the value
// of every sweep parameter (in Sweep.Params order) at every design point.
func (s *Scenario) designPoints(desc models.Descriptor) ([][]any, error) {
	sw := s.Sweep
	if sw == nil {
		return [][]any{nil}, nil
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
	points := make([][]any, n)
	switch sw.Design {
	case Grid: // nested loops in file order: the last parameter varies fastest
		at := make([]int, len(sw.Params))
		for i := range points {
			points[i] = make([]any, len(sw.Params))
			for j, p := range sw.Params {
				points[i][j] = p.Values[at[j]]
			}
			for j := len(at) - 1; j >= 0; j-- {
				if at[j]++; at[j] < len(sw.Params[j].Values) {
					break
				}
				at[j] = 0
			}
		}
	case Zip:
		for i := range points {
			points[i] = make([]any, len(sw.Params))
			for j, p := range sw.Params {
				points[i][j] = p.Values[i]
			}
		}
	case LHS, Random:
		rng := newDesignRand(s.Study.Seed)
		var u [][]float64
		if sw.Design == LHS {
			u = latinHypercube(rng, n, len(sw.Params))
		} else {
			u = uniforms(rng, n, len(sw.Params))
		}
		for i := range points {
			points[i] = make([]any, len(sw.Params))
			for j, p := range sw.Params {
				v := p.Dist.Quantile(u[i][j])
				if p.Dist.Continuous() {
					if _, err := s.coerce(desc, p.Name, v); err != nil {
						return nil, s.paramErr([]string{"sweep", "params", p.Name}, err,
							fmt.Sprintf(" (drawn from %s for design point %d of the %s design)", p.Dist, i, sw.Design))
					}
				}
				points[i][j] = v
			}
		}
	}
	return points, nil
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
// point by point, so that the first points do not depend on n.
func uniforms(rng *rand.Rand, n, dims int) [][]float64 {
	u := make([][]float64, n)
	for i := range u {
		u[i] = make([]float64, dims)
		for j := range u[i] {
			u[i][j] = openUniform(rng)
		}
	}
	return u
}

// latinHypercube returns a Latin hypercube sample of n points in (0, 1)^dims
// (McKay, Beckman & Conover 1979, Technometrics 21(2):239–245): for each
// dimension the n points fall one in each of the n strata [k/n, (k+1)/n),
// uniformly within it, the strata being assigned to points by a random
// permutation drawn for that dimension. Dimensions are drawn in order: first
// the permutation, then the n draws within strata.
func latinHypercube(rng *rand.Rand, n, dims int) [][]float64 {
	u := make([][]float64, n)
	for i := range u {
		u[i] = make([]float64, dims)
	}
	for j := range dims {
		perm := rng.Perm(n)
		for i := range n {
			x := (float64(perm[i]) + openUniform(rng)) / float64(n)
			u[i][j] = min(x, math.Nextafter(1, 0)) // rounding can reach 1
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
