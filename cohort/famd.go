package cohort

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Projection is a factor analysis of mixed data (FAMD) fitted to a table:
// principal component analysis when every column is numeric and, up to a
// constant factor per variable, multiple correspondence analysis when every
// column is categorical. It follows saiph's reduction/famd.py (octopize,
// Apache-2.0), the projection of the avatar method (Guillaudeux et al., npj
// Digit Med 2023;6:37):
//
//	numeric     z = (x − mean)/std            std with ddof 0; std 0 → 1
//	categorical one dummy d per modality,  z = (d − p)/√p,  p = proportion
//	row weights 1/n; Z = U·S·Vᵀ; coordinates = Z·V
//
// Missing values: a numeric column with missing values gets z = 0 (mean
// imputation) plus a two-modality "missing" indicator treated as a
// categorical variable; a categorical column gets a "missing" modality. The
// inverse transform restores a missing value where that modality wins.
//
// The right singular vectors are found from the p×p matrix ZᵀZ/n (p = number
// of dummies and numeric columns), whose SVD gives V and the eigenvalues
// s²/n, so fitting costs O(n·p²) and memory O(n·p).
type Projection struct {
	vars  []projVar
	width int
	v     *mat.Dense // width × width, columns are the components
	eigen []float64  // variance carried by each component, descending
}

// projVar is one variable of the model: a numeric column (with an optional
// missing indicator) or a categorical one.
type projVar struct {
	name      string
	kind      Kind
	offset    int // first column in Z
	mean, std float64
	lo, hi    float64 // observed range of a numeric column
	integer   bool
	// Categorical: the modalities present, as indices into levels, with
	// their proportions; missing is the proportion of missing values (a
	// modality of its own when > 0).
	levels  []string
	modes   []int
	props   []float64
	missing float64
	// Numeric with missing values: proportion missing (indicator follows
	// the value column: dummies "present", "missing").
	indicator bool
}

// width returns the number of Z columns of the variable.
func (v *projVar) width() int {
	if v.kind == Categorical {
		w := len(v.modes)
		if v.missing > 0 {
			w++
		}
		return w
	}
	if v.indicator {
		return 3
	}
	return 1
}

// FitFAMD fits the projection to the non-identifier columns of t.
func FitFAMD(t *Table) (*Projection, error) {
	n := t.Rows()
	if n < 2 {
		return nil, fmt.Errorf("cohort: %d rows, need at least 2 to project", n)
	}
	p := &Projection{}
	for ci := range t.Columns {
		c := &t.Columns[ci]
		if c.Kind == Identifier {
			continue
		}
		v := projVar{name: c.Name, kind: c.Kind, offset: p.width, integer: c.Integer, levels: c.Levels}
		if c.Kind.numeric() {
			var sum, cnt float64
			v.lo, v.hi = math.Inf(1), math.Inf(-1)
			for _, x := range c.Num {
				if !math.IsNaN(x) {
					sum += x
					cnt++
					v.lo, v.hi = math.Min(v.lo, x), math.Max(v.hi, x)
				}
			}
			if cnt == 0 {
				return nil, fmt.Errorf("cohort: column %q has no values", c.Name)
			}
			v.mean = sum / cnt
			var ss float64
			for _, x := range c.Num {
				if !math.IsNaN(x) {
					ss += (x - v.mean) * (x - v.mean)
				}
			}
			v.std = math.Sqrt(ss / cnt)
			if v.std == 0 {
				v.std = 1
			}
			if cnt < float64(n) {
				v.indicator = true
				v.missing = 1 - cnt/float64(n)
			}
		} else {
			counts := make([]int, len(c.Levels))
			miss := 0
			for _, l := range c.Cat {
				if l < 0 {
					miss++
				} else {
					counts[l]++
				}
			}
			for l, k := range counts {
				if k > 0 {
					v.modes = append(v.modes, l)
					v.props = append(v.props, float64(k)/float64(n))
				}
			}
			v.missing = float64(miss) / float64(n)
		}
		p.width += v.width()
		p.vars = append(p.vars, v)
	}
	if len(p.vars) == 0 {
		return nil, fmt.Errorf("cohort: no column to project (all are identifiers)")
	}
	z := p.Encode(t)
	var gram mat.SymDense
	gram.SymOuterK(1/float64(n), z.T())
	var svd mat.SVD
	if !svd.Factorize(&gram, mat.SVDFull) {
		return nil, fmt.Errorf("cohort: SVD of the %d×%d FAMD matrix did not converge", p.width, p.width)
	}
	p.eigen = svd.Values(nil)
	p.v = &mat.Dense{}
	svd.VTo(p.v)
	return p, nil
}

// Components returns the number of components (the width of Z).
func (p *Projection) Components() int { return p.width }

// Variables returns the names of the projected columns, in table order.
func (p *Projection) Variables() []string {
	out := make([]string, len(p.vars))
	for i, v := range p.vars {
		out[i] = v.name
	}
	return out
}

// ExplainedVariance returns the share of the total inertia carried by each
// component, in decreasing order.
func (p *Projection) ExplainedVariance() []float64 {
	var tot float64
	for _, e := range p.eigen {
		tot += e
	}
	out := make([]float64, len(p.eigen))
	for i, e := range p.eigen {
		if tot > 0 {
			out[i] = e / tot
		}
	}
	return out
}

// Encode returns the standardised n × Components() matrix Z of t. t must
// hold every projected column (by name) with the same kind; categorical
// modalities are matched by their text, and a modality the model has not
// seen is encoded as if it were missing.
func (p *Projection) Encode(t *Table) *mat.Dense {
	n := t.Rows()
	z := mat.NewDense(n, p.width, nil)
	raw := z.RawMatrix()
	for vi := range p.vars {
		v := &p.vars[vi]
		c := t.Column(v.name)
		if c == nil {
			panic(fmt.Sprintf("cohort: table has no column %q", v.name))
		}
		if v.kind.numeric() {
			if !c.Kind.numeric() {
				panic(fmt.Sprintf("cohort: column %q is %v, the model's is %v", v.name, c.Kind, v.kind))
			}
			var dp, dm float64 // indicator dummies for "present", "missing"
			if v.indicator {
				pp, pm := 1-v.missing, v.missing
				dp = (1 - pp) / math.Sqrt(pp)
				dm = (0 - pm) / math.Sqrt(pm)
			}
			for i, x := range c.Num {
				row := raw.Data[i*raw.Stride+v.offset:]
				if math.IsNaN(x) {
					row[0] = 0
					if v.indicator {
						pp, pm := 1-v.missing, v.missing
						row[1], row[2] = -pp/math.Sqrt(pp), (1-pm)/math.Sqrt(pm)
					}
					continue
				}
				row[0] = (x - v.mean) / v.std
				if v.indicator {
					row[1], row[2] = dp, dm
				}
			}
			continue
		}
		if c.Kind != Categorical {
			panic(fmt.Sprintf("cohort: column %q is %v, the model's is categorical", v.name, c.Kind))
		}
		// dummy[l] is the model dummy of the table's level l, or -1.
		dummy := make([]int, len(c.Levels))
		for l, name := range c.Levels {
			dummy[l] = -1
			for m, mode := range v.modes {
				if v.levels[mode] == name {
					dummy[l] = m
				}
			}
		}
		w := v.width()
		base := make([]float64, w)
		sq := make([]float64, w)
		for m, pr := range v.props {
			base[m], sq[m] = -math.Sqrt(pr), math.Sqrt(pr)
		}
		if v.missing > 0 {
			base[w-1], sq[w-1] = -math.Sqrt(v.missing), math.Sqrt(v.missing)
		}
		for i, l := range c.Cat {
			row := raw.Data[i*raw.Stride+v.offset : i*raw.Stride+v.offset+w]
			copy(row, base)
			d := -1
			if l >= 0 {
				d = dummy[l]
			}
			if d < 0 && v.missing > 0 {
				d = w - 1
			}
			if d >= 0 {
				row[d] += 1 / sq[d]
			}
		}
	}
	return z
}

// Transform returns the coordinates of t's rows on the first nc
// components (all when nc ≤ 0 or larger than Components()).
func (p *Projection) Transform(t *Table, nc int) *mat.Dense {
	return p.coordinates(p.Encode(t), nc)
}

func (p *Projection) coordinates(z *mat.Dense, nc int) *mat.Dense {
	if nc <= 0 || nc > p.width {
		nc = p.width
	}
	var c mat.Dense
	c.Mul(z, p.v.Slice(0, p.width, 0, nc))
	return &c
}

// Inverse maps coordinates on the first c.RawMatrix().Cols components back
// to a table (saiph inverse_transform): Z = coords·Vᵀ, then numeric values
// z·std + mean (rounded to an integer for ordinal, integral and date
// columns, clipped to the observed range for ordinal ones) and, for each
// categorical variable, the modality with the largest value z·√p + p. With
// all components Inverse(Transform(t)) returns t up to rounding. The
// decoded categorical columns share the levels of the table the projection
// was fitted to.
func (p *Projection) Inverse(coords *mat.Dense) *Table {
	_, nc := coords.Dims()
	var z mat.Dense
	z.Mul(coords, p.v.Slice(0, p.width, 0, nc).T())
	return p.Decode(&z)
}

// Decode maps standardised rows (as Encode makes them, or weighted
// combinations of them) back to a table; see Inverse.
func (p *Projection) Decode(z *mat.Dense) *Table {
	n, _ := z.Dims()
	raw := z.RawMatrix()
	t := &Table{rows: n}
	for vi := range p.vars {
		v := &p.vars[vi]
		c := Column{Name: v.name, Kind: v.kind, Integer: v.integer, Levels: v.levels}
		if v.kind.numeric() {
			c.Num = make([]float64, n)
			for i := range n {
				row := raw.Data[i*raw.Stride+v.offset:]
				if v.indicator {
					pp, pm := 1-v.missing, v.missing
					if row[2]*math.Sqrt(pm)+pm > row[1]*math.Sqrt(pp)+pp {
						c.Num[i] = math.NaN()
						continue
					}
				}
				x := row[0]*v.std + v.mean
				switch {
				case v.kind == Ordinal:
					x = math.Min(math.Max(math.Round(x), v.lo), v.hi)
				case v.integer:
					x = math.Round(x)
				default:
					x = round12(x)
				}
				c.Num[i] = x
			}
		} else {
			c.Cat = make([]int, n)
			w := v.width()
			for i := range n {
				row := raw.Data[i*raw.Stride+v.offset : i*raw.Stride+v.offset+w]
				best, arg := math.Inf(-1), -1
				for m, pr := range v.props {
					if val := row[m]*math.Sqrt(pr) + pr; val > best {
						best, arg = val, v.modes[m]
					}
				}
				if v.missing > 0 {
					if val := row[w-1]*math.Sqrt(v.missing) + v.missing; val > best {
						arg = -1
					}
				}
				c.Cat[i] = arg
			}
		}
		t.Columns = append(t.Columns, c)
	}
	return t
}

// round12 rounds x to 12 decimals (as saiph does) where that is exact
// enough to matter, removing the noise of the matrix products.
func round12(x float64) float64 {
	if math.Abs(x) >= 1e3 {
		return x
	}
	return math.Round(x*1e12) / 1e12
}
