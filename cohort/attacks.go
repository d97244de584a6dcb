package cohort

import (
	"cmp"
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// Rate is a success rate with its 95 % Wilson score interval.
type Rate struct {
	Value float64 `json:"value"`
	Low   float64 `json:"ci_low"`
	High  float64 `json:"ci_high"`
	N     int     `json:"attacks"`
}

// wilson returns the Wilson score estimate of k successes out of n, as
// Anonymeter reports its rates (z = 1.96 for 95 %): the interval's centre
// (p + z²/2n)/(1 + z²/n) and its limits (Wilson, JASA 1927; Newcombe, Stat
// Med 1998;17:857, method 3). With n = 0 every field is 0 and N says no
// attack was made.
func wilson(k, n int) Rate {
	if n == 0 {
		return Rate{}
	}
	const z = z95
	p := float64(k) / float64(n)
	nf := float64(n)
	den := 1 + z*z/nf
	centre := (p + z*z/(2*nf)) / den
	half := z / den * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	return Rate{Value: centre, Low: math.Max(0, centre-half), High: math.Min(1, centre+half), N: n}
}

// AttackRisk is the outcome of one Anonymeter-style attack (Giomi et al.,
// PETS 2023, statice/anonymeter): the success rate against records used to
// make the synthetic data (main), against held-out records (control) and of
// a random guess (baseline), and the risk
//
//	risk = (r_main − r_control)/(1 − r_control), clipped to [0, 1],
//
// with its 95 % interval (see riskOf) and the verdict decided on that
// interval against AttackRiskThreshold.
type AttackRisk struct {
	Attack   string  `json:"attack"`
	Target   string  `json:"target,omitempty"` // secret column of an inference attack
	Main     Rate    `json:"main"`
	Control  Rate    `json:"control"`
	Baseline Rate    `json:"baseline"`
	Risk     float64 `json:"risk"`
	RiskLow  float64 `json:"risk_ci_low"`
	RiskHigh float64 `json:"risk_ci_high"`
	// Verdict is decided on [RiskLow, RiskHigh] (see Verdict).
	Verdict Verdict `json:"verdict"`
	// Requested and Generated are the singling-out predicates asked for
	// and made. Note says why fewer were made, and how wide the interval
	// came out against the planned width.
	Requested int    `json:"predicates_requested,omitempty"`
	Generated int    `json:"predicates_generated,omitempty"`
	Note      string `json:"note,omitempty"`
}

// judge sets the risk, its interval, the verdict and the width note.
func (r *AttackRisk) judge(planned float64) {
	r.Risk, r.RiskLow, r.RiskHigh = riskOf(r.Main, r.Control)
	if math.IsNaN(r.Risk) {
		r.Risk, r.RiskLow, r.RiskHigh = 0, 0, 0
		r.Verdict = NotComputed
		r.Note = strings.TrimPrefix(r.Note+"; no attack could be made", "; ")
		return
	}
	r.Verdict = decide("<", r.RiskLow, r.RiskHigh, AttackRiskThreshold)
	note := intervalNote(r.RiskLow, r.RiskHigh, planned, min(r.Main.N, r.Control.N))
	if r.Note != "" {
		note = r.Note + "; " + note
	}
	r.Note = note
}

// AttackOptions controls Attacks.
type AttackOptions struct {
	// NAttacks is the number of target records (and singling-out
	// predicates) per attack; 0 means AttacksForHalfWidth(HalfWidth).
	// It is capped at the sizes of train and control.
	NAttacks int
	// HalfWidth is the planned half-width of each risk's 95 % interval;
	// 0 means DefaultRiskHalfWidth.
	HalfWidth float64
	// Secrets are the columns the inference attack guesses; empty means
	// the last projected column (usually the outcome).
	Secrets []string
	// Seed seeds the sampling of targets and predicates.
	Seed    uint64
	Workers int
}

func (o AttackOptions) planned() (n int, w float64) {
	w = o.HalfWidth
	if w <= 0 {
		w = DefaultRiskHalfWidth
	}
	n = o.NAttacks
	if n <= 0 {
		n = AttacksForHalfWidth(w)
	}
	return n, w
}

// attackComponents is the number of FAMD components of the attacker's
// auxiliary columns used for nearest-neighbour matching.
const attackComponents = 10

// Attacks runs Anonymeter-style singling-out, linkability and inference
// attacks on synth, a synthetic table made from train only, with control
// held-out records of the same population. Each attack targets
// min(NAttacks, rows of control, rows of train) records of each set, and its
// verdict is decided on the risk's interval. Differences from Anonymeter,
// chosen for speed on large tables and documented here:
//
//   - nearest neighbours (linkability, inference) are searched in the first
//     10 FAMD components of the attacker's auxiliary columns, fitted to the
//     synthetic table, instead of Anonymeter's Gower-like distance;
//   - singling-out uses multivariate predicates made from synthetic rows
//     (see singlingOut), and the main rate is measured on a random subset
//     of train as large as the control subset instead of Anonymeter's size
//     correction;
//   - linkability splits the auxiliary columns into their first and second
//     halves and uses one neighbour (Anonymeter's default n_neighbors).
//
// An inference guess of a numeric secret is correct within 5 % of the true
// value (Anonymeter's tolerance), of a categorical one when equal.
func Attacks(ctx context.Context, train, control, synth *Table, opt AttackOptions) ([]AttackRisk, error) {
	cols := projected(train)
	if len(cols) < 2 {
		return nil, fmt.Errorf("cohort: attacks need at least 2 columns, got %d", len(cols))
	}
	nAtt, w := opt.planned()
	nAtt = min(nAtt, control.Rows(), train.Rows())
	rng := rand.New(rand.NewPCG(opt.Seed, seedStream+1))
	mainRows := rng.Perm(train.Rows())[:nAtt]
	ctrlRows := rng.Perm(control.Rows())[:nAtt]
	mainT, ctrlT := train.Subset(mainRows), control.Subset(ctrlRows)

	var out []AttackRisk
	// Singling out: a predicate succeeds when it singles out one record of
	// a set, so main and control sets have the same size.
	nSet := min(control.Rows(), train.Rows())
	so := singlingOut(ctx, train.Subset(rng.Perm(train.Rows())[:nSet]), control.Subset(rng.Perm(control.Rows())[:nSet]), synth, nAtt, rng, opt.Workers)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	so.judge(w)
	out = append(out, so)

	half := len(cols) / 2
	lk, err := linkability(ctx, mainT, ctrlT, synth, cols[:half], cols[half:], rng, opt.Workers)
	if err != nil {
		return nil, err
	}
	lk.judge(w)
	out = append(out, lk)

	secrets := opt.Secrets
	if len(secrets) == 0 {
		secrets = cols[len(cols)-1:]
	}
	for _, s := range secrets {
		if !slices.Contains(cols, s) {
			return nil, fmt.Errorf("no column %q to infer (columns: %s)", s, strings.Join(cols, ", "))
		}
		aux := slices.DeleteFunc(slices.Clone(cols), func(c string) bool { return c == s })
		inf, err := inference(ctx, mainT, ctrlT, synth, aux, s, rng, opt.Workers)
		if err != nil {
			return nil, err
		}
		inf.judge(w)
		out = append(out, inf)
	}
	return out, nil
}

// projected returns the names of t's non-identifier columns.
func projected(t *Table) []string {
	var out []string
	for _, c := range t.Columns {
		if c.Kind != Identifier {
			out = append(out, c.Name)
		}
	}
	return out
}

// auxSpace fits FAMD to synth's aux columns and returns a k-d tree of the
// synthetic rows and a function projecting other tables into that space.
func auxSpace(synth *Table, aux []string) (*kdTree, func(*Table) ([]float64, int), error) {
	model, err := FitFAMD(synth.Select(aux))
	if err != nil {
		return nil, nil, err
	}
	nc := min(attackComponents, model.Components())
	proj := func(t *Table) ([]float64, int) { return denseRows(model.Transform(t.Select(aux), nc)), nc }
	pts, dim := proj(synth)
	return newKDTree(pts, dim), proj, nil
}

// nearestSynth returns the nearest synthetic row of each row of t.
func nearestSynth(ctx context.Context, tree *kdTree, proj func(*Table) ([]float64, int), t *Table, workers int) ([]int, error) {
	pts, dim := proj(t)
	out := make([]int, t.Rows())
	err := forChunks(ctx, t.Rows(), workers, func(lo, hi int) {
		var q knnQuery
		for i := lo; i < hi; i++ {
			out[i] = int(tree.nearest(pts[i*dim:(i+1)*dim], 1, -1, &q)[0].i)
		}
	})
	return out, err
}

func linkability(ctx context.Context, mainT, ctrlT, synth *Table, a, b []string, rng *rand.Rand, workers int) (AttackRisk, error) {
	treeA, projA, err := auxSpace(synth, a)
	if err != nil {
		return AttackRisk{}, err
	}
	treeB, projB, err := auxSpace(synth, b)
	if err != nil {
		return AttackRisk{}, err
	}
	rate := func(t *Table) (Rate, error) {
		na, err := nearestSynth(ctx, treeA, projA, t, workers)
		if err != nil {
			return Rate{}, err
		}
		nb, err := nearestSynth(ctx, treeB, projB, t, workers)
		if err != nil {
			return Rate{}, err
		}
		k := 0
		for i := range na {
			if na[i] == nb[i] {
				k++
			}
		}
		return wilson(k, len(na)), nil
	}
	r := AttackRisk{Attack: "linkability"}
	if r.Main, err = rate(mainT); err != nil {
		return r, err
	}
	if r.Control, err = rate(ctrlT); err != nil {
		return r, err
	}
	k := 0
	for range mainT.Rows() {
		if rng.IntN(synth.Rows()) == rng.IntN(synth.Rows()) {
			k++
		}
	}
	r.Baseline = wilson(k, mainT.Rows())
	return r, nil
}

func inference(ctx context.Context, mainT, ctrlT, synth *Table, aux []string, secret string, rng *rand.Rand, workers int) (AttackRisk, error) {
	tree, proj, err := auxSpace(synth, aux)
	if err != nil {
		return AttackRisk{}, err
	}
	sc := synth.Column(secret)
	correct := func(t *Table, i int, guess int) bool {
		c := t.Column(secret)
		if c.Missing(i) || sc.Missing(guess) {
			return c.Missing(i) && sc.Missing(guess)
		}
		if c.Kind.numeric() {
			return math.Abs(sc.Num[guess]-c.Num[i]) <= 0.05*math.Abs(c.Num[i])
		}
		return sc.Levels[sc.Cat[guess]] == c.Levels[c.Cat[i]]
	}
	rate := func(t *Table) (Rate, error) {
		nn, err := nearestSynth(ctx, tree, proj, t, workers)
		if err != nil {
			return Rate{}, err
		}
		k := 0
		for i, g := range nn {
			if correct(t, i, g) {
				k++
			}
		}
		return wilson(k, len(nn)), nil
	}
	r := AttackRisk{Attack: "inference", Target: secret}
	if r.Main, err = rate(mainT); err != nil {
		return r, err
	}
	if r.Control, err = rate(ctrlT); err != nil {
		return r, err
	}
	k := 0
	for i := range mainT.Rows() {
		if correct(mainT, i, rng.IntN(synth.Rows())) {
			k++
		}
	}
	r.Baseline = wilson(k, mainT.Rows())
	return r, nil
}

// predicate is a conjunction of conditions on columns of a table.
type predicate []condition

type condition struct {
	col   string
	op    byte // '=', '<' (≤), '>' (≥), 'm' (missing)
	num   float64
	level string
}

// tableIndex indexes the columns of a table by name (see colIndex).
type tableIndex struct {
	t    *Table
	cols map[string]*colIndex
}

func newTableIndex(t *Table, names []string) tableIndex {
	ix := tableIndex{t: t, cols: make(map[string]*colIndex, len(names))}
	for _, name := range names {
		ix.cols[name] = newColIndex(t.Column(name))
	}
	return ix
}

// matches counts the rows of the indexed table that satisfy p, stopping at
// limit: it walks the rows of p's most selective condition and checks the
// others.
func (p predicate) matches(ix tableIndex, limit int) int {
	first := 0
	for j := 1; j < len(p); j++ {
		if len(ix.cols[p[j].col].rows(p[j])) < len(ix.cols[p[first].col].rows(p[first])) {
			first = j
		}
	}
	holds := make([]func(int) bool, 0, len(p)-1)
	for j, c := range p {
		if j != first {
			holds = append(holds, c.on(ix.t))
		}
	}
	count := 0
rows:
	for _, i := range ix.cols[p[first].col].rows(p[first]) {
		for _, h := range holds {
			if !h(int(i)) {
				continue rows
			}
		}
		count++
		if count >= limit {
			break
		}
	}
	return count
}

// singlingOut is Anonymeter's multivariate singling-out attack. For up to
// nAtt predicates it draws synthetic rows at random (each at most once,
// at most 10·nAtt draws, built in parallel on workers goroutines) and builds a predicate from the drawn row: the
// columns in a random order, each giving a condition on the row's value
// (numeric: ≥ value at or above the column's median, ≤ value below it;
// categorical: = value; missing: is missing), three conditions first, then
// one more while the predicate matches other synthetic rows too. It keeps
// the predicate when it singles out the drawn row among the synthetic rows.
// A predicate succeeds on a set of records when exactly one record
// satisfies it. When fewer predicates than asked could be made the note
// says why: synthetic rows that duplicate another one can never be singled
// out, nor rows matched by another row's conditions on every column.
func singlingOut(ctx context.Context, mainT, ctrlT, synth *Table, nAtt int, rng *rand.Rand, workers int) AttackRisk {
	cols := projected(synth)
	n := synth.Rows()
	nc := min(3, len(cols))
	medians, lows, highs := map[string]float64{}, map[string]float64{}, map[string]float64{}
	for _, name := range cols {
		if c := synth.Column(name); c.Kind.numeric() {
			medians[name], lows[name], highs[name] = quantile(c.Num, 0.5), quantile(c.Num, 0), quantile(c.Num, 1)
		}
	}
	condOf := func(name string, row int) condition {
		c := synth.Column(name)
		switch {
		case c.Missing(row):
			return condition{col: name, op: 'm'}
		case !c.Kind.numeric():
			return condition{col: name, op: '=', level: c.Levels[c.Cat[row]]}
		case c.Num[row] >= medians[name]:
			return condition{col: name, op: '>', num: c.Num[row]}
		}
		return condition{col: name, op: '<', num: c.Num[row]}
	}
	// Rows identical to another synthetic row can never be singled out.
	sel := synth.Select(cols)
	hashes := rowHashes(sel, maphashSeed)
	byHash := map[uint64][]int{}
	for i, h := range hashes {
		byHash[h] = append(byHash[h], i)
	}
	duplicated := func(i int) bool {
		for _, j := range byHash[hashes[i]] {
			if j != i && sameRow(sel, i, sel, j) {
				return true
			}
		}
		return false
	}
	index := make(map[string]*colIndex, len(cols))
	for _, name := range cols {
		index[name] = newColIndex(synth.Column(name))
	}
	// single builds the predicate of a row with the column order perm: nil
	// when the row duplicates another or no predicate singles it out
	// (dup says which).
	single := func(row int, perm []int, cand []int32) (p predicate, dup bool, buf []int32) {
		if duplicated(row) {
			return nil, true, cand
		}
		p = make(predicate, len(perm))
		for j, ci := range perm {
			p[j] = condOf(cols[ci], row)
		}
		// The rows satisfying the first nc conditions: start from the
		// smallest of their index lists, then filter by the others.
		first := 0
		for j := 1; j < nc; j++ {
			if len(index[p[j].col].rows(p[j])) < len(index[p[first].col].rows(p[first])) {
				first = j
			}
		}
		cand = append(cand[:0], index[p[first].col].rows(p[first])...)
		used := nc
		for j := range nc {
			if j != first {
				holds := p[j].on(synth)
				cand = slices.DeleteFunc(cand, func(i int32) bool { return !holds(int(i)) })
			}
		}
		for used < len(p) && len(cand) > 1 {
			holds := p[used].on(synth)
			cand = slices.DeleteFunc(cand, func(i int32) bool { return !holds(int(i)) })
			used++
		}
		if len(cand) != 1 {
			return nil, false, cand
		}
		return p[:used], false, cand
	}
	// Rows are tried in a random order, in batches built in parallel; the
	// column orders are drawn in row order before each batch, and the
	// outcomes taken in row order, so the result does not depend on the
	// number of workers.
	var preds []predicate
	var tried, dups, notUnique int
	order := rng.Perm(n)
	limit := min(n, 10*nAtt)
	for next := 0; len(preds) < nAtt && next < limit; {
		batch := min(max(nAtt-len(preds), 256), limit-next)
		rows := order[next : next+batch]
		next += batch
		perms := make([][]int, batch)
		for i := range perms {
			perms[i] = rng.Perm(len(cols))
		}
		made := make([]predicate, batch)
		isDup := make([]bool, batch)
		forChunks(ctx, batch, workers, func(lo, hi int) {
			cand := make([]int32, 0, n)
			for i := lo; i < hi; i++ {
				made[i], isDup[i], cand = single(rows[i], perms[i], cand)
			}
		})
		for i := range rows {
			if len(preds) >= nAtt {
				break
			}
			tried++
			switch {
			case isDup[i]:
				dups++
			case made[i] == nil:
				notUnique++
			default:
				preds = append(preds, made[i])
			}
		}
	}
	rate := func(t *Table, ps []predicate) Rate {
		ix := newTableIndex(t, cols)
		k := 0
		for _, p := range ps {
			if p.matches(ix, 2) == 1 {
				k++
			}
		}
		return wilson(k, len(ps))
	}
	r := AttackRisk{Attack: "singling_out", Requested: nAtt, Generated: len(preds)}
	if len(preds) < nAtt {
		r.Note = fmt.Sprintf("%d of %d predicates made: of %d synthetic rows tried (of %d), %d duplicate another synthetic row and %d are matched by another row's conditions on every column, so no predicate singles them out",
			len(preds), nAtt, tried, n, dups, notUnique)
	}
	r.Main, r.Control = rate(mainT, preds), rate(ctrlT, preds)
	// Baseline: predicates on random values within each column's range or
	// levels, not informed by the synthetic rows.
	base := make([]predicate, len(preds))
	for a := range base {
		pick := rng.Perm(len(cols))[:nc]
		p := make(predicate, nc)
		for j, ci := range pick {
			c := synth.Column(cols[ci])
			if c.Kind.numeric() {
				x := lows[c.Name] + rng.Float64()*(highs[c.Name]-lows[c.Name])
				op := byte('<')
				if x >= medians[c.Name] {
					op = '>'
				}
				p[j] = condition{col: c.Name, op: op, num: x}
			} else {
				p[j] = condition{col: c.Name, op: '=', level: c.Levels[rng.IntN(len(c.Levels))]}
			}
		}
		base[a] = p
	}
	r.Baseline = rate(mainT, base)
	return r
}

// maphashSeed seeds the row hashes of the attacks; hashes only group rows
// (every match is verified), so results do not depend on it.
var maphashSeed = maphash.MakeSeed()

// on returns whether a row of t satisfies the condition.
func (c condition) on(t *Table) func(i int) bool {
	col := t.Column(c.col)
	switch c.op {
	case 'm':
		return col.Missing
	case '=':
		l := col.Level(c.level)
		return func(i int) bool { return l >= 0 && col.Cat[i] == l }
	case '<':
		return func(i int) bool { return col.Num[i] <= c.num }
	case '>':
		return func(i int) bool { return col.Num[i] >= c.num }
	}
	panic("cohort: unknown condition")
}

// colIndex finds the rows of one column that satisfy a condition without
// scanning the column: numeric rows sorted by value, categorical rows
// grouped by modality, and the missing rows.
type colIndex struct {
	order   []int32   // numeric: rows with a value, by increasing value
	vals    []float64 // their values
	byLevel [][]int32 // categorical: rows of each modality
	level   map[string]int
	missing []int32
}

func newColIndex(c *Column) *colIndex {
	ix := &colIndex{}
	if c.Kind.numeric() {
		for i, x := range c.Num {
			if math.IsNaN(x) {
				ix.missing = append(ix.missing, int32(i))
			} else {
				ix.order = append(ix.order, int32(i))
			}
		}
		slices.SortStableFunc(ix.order, func(a, b int32) int { return cmp.Compare(c.Num[a], c.Num[b]) })
		ix.vals = make([]float64, len(ix.order))
		for k, i := range ix.order {
			ix.vals[k] = c.Num[i]
		}
		return ix
	}
	ix.byLevel = make([][]int32, len(c.Levels))
	ix.level = make(map[string]int, len(c.Levels))
	for l, name := range c.Levels {
		ix.level[name] = l
	}
	for i, l := range c.Cat {
		if l < 0 {
			ix.missing = append(ix.missing, int32(i))
		} else {
			ix.byLevel[l] = append(ix.byLevel[l], int32(i))
		}
	}
	return ix
}

// rows returns the rows satisfying c, a condition on this column made from
// one of its own values (shared: do not modify).
func (ix *colIndex) rows(c condition) []int32 {
	switch c.op {
	case 'm':
		return ix.missing
	case '=':
		l, ok := ix.level[c.level]
		if !ok {
			return nil
		}
		return ix.byLevel[l]
	case '>':
		k, _ := slices.BinarySearch(ix.vals, c.num) // first value ≥ num
		return ix.order[k:]
	case '<':
		k := sort.SearchFloat64s(ix.vals, math.Nextafter(c.num, math.Inf(1))) // first value > num
		return ix.order[:k]
	}
	panic("cohort: unknown condition")
}
