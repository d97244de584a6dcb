package cohort

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"
)

// HistogramBins is the number of equal-width bins of a continuous variable
// for the Hellinger distance and the report's plots. Integral variables
// spanning at most 30 values get one bin per value; categorical variables
// one bin per modality; missing values a bin of their own.
const HistogramBins = 20

// Histogram is the distribution of one variable in two tables over the
// same bins (proportions).
type Histogram struct {
	Variable string    `json:"variable"`
	Labels   []string  `json:"labels"`
	Original []float64 `json:"original"`
	Avatar   []float64 `json:"avatar"`
}

// histogram bins column name of a and b over bins fixed by a.
func histogram(a, b *Table, name string) Histogram {
	ca, cb := a.Column(name), b.Column(name)
	h := Histogram{Variable: name}
	var idx func(c *Column, i int) int
	if ca.Kind.numeric() {
		lo, hi := quantile(ca.Num, 0), quantile(ca.Num, 1)
		if ca.Integer && hi-lo <= 30 {
			for v := lo; v <= hi; v++ {
				h.Labels = append(h.Labels, ca.format(v))
			}
			idx = func(c *Column, i int) int { return int(min(max(math.Round(c.Num[i]), lo), hi) - lo) }
		} else {
			w := (hi - lo) / HistogramBins
			for k := range HistogramBins {
				h.Labels = append(h.Labels, ca.format(lo+float64(k)*w))
			}
			idx = func(c *Column, i int) int {
				if w == 0 {
					return 0
				}
				return min(max(int((c.Num[i]-lo)/w), 0), HistogramBins-1)
			}
		}
	} else {
		h.Labels = slices.Clone(ca.Levels)
		pos := map[string]int{}
		for i, l := range ca.Levels {
			pos[l] = i
		}
		idx = func(c *Column, i int) int {
			if k, ok := pos[c.Levels[c.Cat[i]]]; ok {
				return k
			}
			return -1 // a modality a lacks: counted with missing
		}
	}
	nb := len(h.Labels)
	h.Labels = append(h.Labels, "missing")
	count := func(c *Column, n int) []float64 {
		p := make([]float64, nb+1)
		for i := range n {
			k := nb
			if !c.Missing(i) {
				if k = idx(c, i); k < 0 {
					k = nb
				}
			}
			p[k]++
		}
		for k := range p {
			p[k] /= float64(n)
		}
		return p
	}
	h.Original, h.Avatar = count(ca, a.Rows()), count(cb, b.Rows())
	if h.Original[nb] == 0 && h.Avatar[nb] == 0 {
		h.Labels, h.Original, h.Avatar = h.Labels[:nb], h.Original[:nb], h.Avatar[:nb]
	}
	return h
}

// format writes a bin edge of a numeric column.
func (c *Column) format(v float64) string {
	if c.Kind == Date {
		return (&Column{Kind: Date, Num: []float64{math.Round(v)}}).String(0)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// Hellinger returns the Hellinger distance (1/√2)·‖√p − √q‖₂ ∈ [0, 1]
// between the two distributions of h.
func (h Histogram) Hellinger() float64 {
	var s float64
	for k := range h.Original {
		d := math.Sqrt(h.Original[k]) - math.Sqrt(h.Avatar[k])
		s += d * d
	}
	return math.Sqrt(s / 2)
}

// Correlations returns the names of the columns of t that have a Pearson
// correlation (numeric columns and categorical ones with two modalities,
// coded 0/1) and the correlation matrix, missing values replaced by the
// column mean. A constant column correlates 0 with everything.
func Correlations(t *Table) ([]string, *mat.SymDense) {
	var names []string
	var cols [][]float64
	n := t.Rows()
	for _, c := range t.Columns {
		var x []float64
		switch {
		case c.Kind.numeric():
			x = slices.Clone(c.Num)
		case c.Kind == Categorical && len(c.Levels) == 2:
			x = make([]float64, n)
			for i, l := range c.Cat {
				x[i] = float64(l)
				if l < 0 {
					x[i] = math.NaN()
				}
			}
		default:
			continue
		}
		var sum, cnt float64
		for _, v := range x {
			if !math.IsNaN(v) {
				sum, cnt = sum+v, cnt+1
			}
		}
		mean := sum / math.Max(cnt, 1)
		var ss float64
		for i, v := range x {
			if math.IsNaN(v) {
				v = mean
			}
			x[i] = v - mean
			ss += x[i] * x[i]
		}
		if ss > 0 {
			s := 1 / math.Sqrt(ss)
			for i := range x {
				x[i] *= s
			}
		}
		names = append(names, c.Name)
		cols = append(cols, x)
	}
	m := mat.NewDense(n, len(cols), nil)
	for j, x := range cols {
		m.SetCol(j, x)
	}
	var r mat.SymDense
	if len(cols) > 0 {
		r.SymOuterK(1, m.T())
	}
	return names, &r
}

// Downstream is the downstream-task utility: a logistic regression of a
// binary target trained on the original training rows and, separately, on
// the avatars made from them, both tested on held-out original rows (area
// under the ROC curve).
type Downstream struct {
	Target      string  `json:"target"`
	Positive    string  `json:"positive_class"`
	Features    int     `json:"features"`
	TrainRows   int     `json:"train_rows"`
	TestRows    int     `json:"test_rows"`
	AUCOriginal float64 `json:"auc_train_original"`
	AUCAvatar   float64 `json:"auc_train_avatar"`
}

// MaxTrainRows caps the rows a logistic regression is trained on (a seeded
// random sample), which bounds the downstream task's time on large tables.
const MaxTrainRows = 20000

// DownstreamAUC trains a ridge logistic regression (penalty ½·λ‖β‖², λ = 1,
// intercept unpenalised; Newton–Raphson) of target on the other projected
// columns — standardised as FAMD encodes them, fitted to train — on train
// and on synth, and returns the AUC of each on test.
func DownstreamAUC(train, synth, test *Table, target string, seed uint64) (*Downstream, error) {
	tc := train.Column(target)
	if tc == nil || tc.Kind != Categorical || len(tc.Levels) != 2 {
		return nil, fmt.Errorf("target %q: expected a categorical column with two modalities", target)
	}
	feats := slices.DeleteFunc(projected(train), func(s string) bool { return s == target })
	if len(feats) == 0 {
		return nil, fmt.Errorf("target %q: no feature column left", target)
	}
	model, err := FitFAMD(train.Select(feats))
	if err != nil {
		return nil, err
	}
	pos := tc.Levels[1]
	labels := func(t *Table) []float64 {
		c := t.Column(target)
		y := make([]float64, t.Rows())
		for i, l := range c.Cat {
			if l >= 0 && c.Levels[l] == pos {
				y[i] = 1
			}
		}
		return y
	}
	rng := rand.New(rand.NewPCG(seed, seedStream+2))
	fit := func(t *Table) []float64 {
		if t.Rows() > MaxTrainRows {
			rows := rng.Perm(t.Rows())[:MaxTrainRows]
			slices.Sort(rows)
			t = t.Subset(rows)
		}
		return logistic(model.Encode(t.Select(feats)), labels(t), 1)
	}
	xTest, yTest := model.Encode(test.Select(feats)), labels(test)
	d := &Downstream{Target: target, Positive: pos, Features: model.Components(), TrainRows: train.Rows(), TestRows: test.Rows()}
	d.AUCOriginal = auc(predict(xTest, fit(train)), yTest)
	d.AUCAvatar = auc(predict(xTest, fit(synth)), yTest)
	return d, nil
}

// logistic fits β (intercept last) by Newton–Raphson on the penalised
// log-likelihood; it stops after 50 steps or when no coefficient moves by
// more than 1e-10.
func logistic(x *mat.Dense, y []float64, lambda float64) []float64 {
	n, p := x.Dims()
	beta := make([]float64, p+1)
	xr := x.RawMatrix()
	grad := mat.NewVecDense(p+1, nil)
	hess := mat.NewSymDense(p+1, nil)
	row := make([]float64, p+1)
	for range 50 {
		grad.Zero()
		hess.Zero()
		hd := hess.RawSymmetric()
		for i := range n {
			copy(row, xr.Data[i*xr.Stride:i*xr.Stride+p])
			row[p] = 1
			eta := 0.0
			for j, v := range row {
				eta += v * beta[j]
			}
			mu := 1 / (1 + math.Exp(-eta))
			w := mu * (1 - mu)
			for j, v := range row {
				grad.SetVec(j, grad.AtVec(j)+(y[i]-mu)*v)
				wv := w * v
				for k := j; k <= p; k++ {
					hd.Data[j*hd.Stride+k] += wv * row[k]
				}
			}
		}
		for j := range p {
			grad.SetVec(j, grad.AtVec(j)-lambda*beta[j])
			hd.Data[j*hd.Stride+j] += lambda
		}
		var chol mat.Cholesky
		if !chol.Factorize(hess) {
			break
		}
		var step mat.VecDense
		if err := chol.SolveVecTo(&step, grad); err != nil {
			break
		}
		moved := 0.0
		for j := range beta {
			beta[j] += step.AtVec(j)
			moved = math.Max(moved, math.Abs(step.AtVec(j)))
		}
		if moved < 1e-10 {
			break
		}
	}
	return beta
}

func predict(x *mat.Dense, beta []float64) []float64 {
	n, p := x.Dims()
	out := make([]float64, n)
	for i := range n {
		eta := beta[p]
		for j := range p {
			eta += x.At(i, j) * beta[j]
		}
		out[i] = eta
	}
	return out
}

// auc returns the area under the ROC curve of scores for labels y (0/1),
// the Mann–Whitney statistic with ties counted one half; NaN with one class.
func auc(scores, y []float64) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case scores[a] < scores[b]:
			return -1
		case scores[a] > scores[b]:
			return 1
		}
		return 0
	})
	var rankSum, npos float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // average 1-based rank of the tie group
		for k := i; k < j; k++ {
			if y[idx[k]] == 1 {
				rankSum += mid
				npos++
			}
		}
		i = j
	}
	nneg := float64(len(y)) - npos
	if npos == 0 || nneg == 0 {
		return math.NaN()
	}
	return (rankSum - npos*(npos+1)/2) / (npos * nneg)
}
