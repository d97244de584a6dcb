package cohort

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func readWBCD(t testing.TB) *Table {
	t.Helper()
	f, err := os.Open("testdata/breast_cancer_wisconsin.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, err := ReadCSV(f, "wbcd", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// A mixed table with every kind and missing values.
const mixedCSV = `id,age,score,sex,site,visit,weight
p1,34,3,F,a,2020-01-05,61.5
p2,51,5,M,b,2021-03-01,
p3,47,,F,c,2019-11-30,77.25
p4,29,1,M,a,,58
p5,62,4,,b,2022-07-14,90.1
p6,55,2,F,c,2020-02-29,70
p7,41,5,M,a,2018-05-05,82.4
p8,38,3,F,NA,2021-12-31,66.6
`

func readMixed(t *testing.T) *Table {
	tb, err := ReadCSV(strings.NewReader(mixedCSV), "mixed.csv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestReadCSVInfersKinds(t *testing.T) {
	tb := readMixed(t)
	want := map[string]Kind{"id": Identifier, "age": Ordinal, "score": Ordinal, "sex": Categorical, "site": Categorical, "visit": Date, "weight": Continuous}
	// age: 8 distinct integers ≤ 10 (MaxOrdinalLevels) → ordinal.
	for _, c := range tb.Columns {
		if c.Kind != want[c.Name] {
			t.Errorf("%s: kind %v, want %v", c.Name, c.Kind, want[c.Name])
		}
	}
	if !tb.Column("weight").Missing(1) || !tb.Column("sex").Missing(4) || !tb.Column("site").Missing(7) || !tb.Column("visit").Missing(3) {
		t.Error("missing values not read as missing")
	}
	w := readWBCD(t)
	if w.Rows() != 683 || w.Column("Sample_code_number").Kind != Identifier || w.Column("Class").Kind != Categorical || w.Column("Mitoses").Kind != Ordinal {
		t.Errorf("WBCD schema: %d rows, %v", w.Rows(), w.Names())
	}
	over, err := ReadCSV(strings.NewReader(mixedCSV), "m", ReadOptions{Kinds: map[string]Kind{"age": Continuous}, Drop: []string{"id"}})
	if err != nil || over.Column("age").Kind != Continuous || over.Column("id") != nil {
		t.Errorf("overrides not applied: %v", err)
	}
	for _, bad := range []struct{ csv, want string }{
		{"a,b\n1,2\n3\n", "bad.csv:3:"},
		{"a,a\n1,2\n", "repeated name"},
		{"a,b\n", "no data rows"},
	} {
		_, err := ReadCSV(strings.NewReader(bad.csv), "bad.csv", ReadOptions{})
		if _, ok := err.(*InputError); !ok || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ReadCSV(%q) = %v, want an InputError with %q", bad.csv, err, bad.want)
		}
	}
}

func equalTables(t *testing.T, got, want *Table) {
	t.Helper()
	for _, wc := range want.Columns {
		if wc.Kind == Identifier {
			continue
		}
		gc := got.Column(wc.Name)
		if gc == nil {
			t.Fatalf("column %s missing", wc.Name)
		}
		for i := range want.Rows() {
			if wc.Kind == Continuous && !wc.Integer && !wc.Missing(i) && !gc.Missing(i) {
				// Decoding rounds to 12 decimals (as saiph does).
				if d := math.Abs(gc.Num[i] - wc.Num[i]); d > 1e-11 {
					t.Errorf("%s row %d: %v, want %v", wc.Name, i, gc.Num[i], wc.Num[i])
				}
				continue
			}
			if gs, ws := gc.String(i), wc.String(i); gs != ws {
				t.Errorf("%s row %d: %q, want %q", wc.Name, i, gs, ws)
			}
		}
	}
}

// Projection then inverse with all components returns the input (issue 7),
// missing values, dates and categorical modalities included.
func TestFAMDInverseRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		tb   *Table
	}{{"mixed with missing values", readMixed(t)}, {"WBCD", readWBCD(t)}, {"20 mixed columns", mixedTable(500, 3)}} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := FitFAMD(tc.tb)
			if err != nil {
				t.Fatal(err)
			}
			equalTables(t, p.Inverse(p.Transform(tc.tb, 0)), tc.tb)
		})
	}
}

// The FAMD inertia: each standardised numeric variable carries 1 and a
// categorical variable with m observed modalities carries m − 1 (Σ_l (1 − p_l);
// Pagès, Multiple Factor Analysis by Example Using R, 2014, §3.2), so the
// eigenvalues sum to #numeric + Σ(m − 1). A numeric variable with missing
// values carries only the share of rows present (missing rows are imputed
// at z = 0). Mixed table: age 1 + score, weight, visit 7/8 each (one missing
// in 8) + their 3 missing indicators (2 modalities: 1 each) + sex (F, M,
// missing: 2) + site (a, b, c, missing: 3) = 1 + 2.625 + 3 + 2 + 3 = 11.625.
func TestFAMDInertia(t *testing.T) {
	p, err := FitFAMD(readMixed(t))
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, e := range p.eigen {
		sum += e
	}
	if math.Abs(sum-11.625) > 1e-12 {
		t.Errorf("total inertia %.15g, want 11.625", sum)
	}
	// PCA case: WBCD's 9 ordinal columns and Class (2 modalities: 1) → 10.
	p, _ = FitFAMD(readWBCD(t))
	sum = 0
	for _, e := range p.eigen {
		sum += e
	}
	if math.Abs(sum-10) > 1e-12 {
		t.Errorf("WBCD total inertia %.15g, want 10", sum)
	}
	ev := p.ExplainedVariance()
	if !slices.IsSortedFunc(ev, func(a, b float64) int { return -cmpF(a, b) }) {
		t.Errorf("explained variance not decreasing: %v", ev)
	}
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// The k-d tree gives exactly the brute-force neighbours, ties by index,
// on points with many duplicates.
func TestKDTreeMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const n, dim, k = 2000, 3, 7
	pts := make([]float64, n*dim)
	for i := range pts {
		pts[i] = float64(rng.IntN(4)) // a 4×4×4 grid: heavy duplication
	}
	tree := newKDTree(pts, dim)
	var q knnQuery
	for i := 0; i < n; i += 37 {
		var all []neighbour
		for j := range n {
			if j != i {
				all = append(all, neighbour{int32(j), sqDist(pts[i*dim:(i+1)*dim], pts[j*dim:(j+1)*dim])})
			}
		}
		slices.SortFunc(all, func(a, b neighbour) int {
			if less(a, b) {
				return -1
			}
			return 1
		})
		got := tree.nearest(pts[i*dim:(i+1)*dim], k, i, &q)
		if !slices.Equal(got, all[:k]) {
			t.Fatalf("point %d: got %v, want %v", i, got, all[:k])
		}
		r2 := all[k].d2
		want := 0
		for _, c := range all {
			if c.d2 < r2 {
				want++
			}
		}
		if c := tree.countCloser(pts[i*dim:(i+1)*dim], r2, false, i, n); c != want {
			t.Errorf("point %d: countCloser %d, want %d", i, c, want)
		}
	}
}

// Generation is deterministic for a seed, whatever the number of workers,
// and a different seed gives different avatars.
func TestGenerateDeterministic(t *testing.T) {
	tb := mixedTable(3000, 2)
	gen := func(seed uint64, workers int) string {
		av, err := Generate(context.Background(), tb, AvatarOptions{K: 10, Seed: seed, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		av.Table.WriteCSV(&b)
		return b.String()
	}
	a, b, c := gen(5, 1), gen(5, 2), gen(6, 2)
	if a != b {
		t.Error("same seed, different workers: different avatars")
	}
	if a == c {
		t.Error("different seeds gave identical avatars")
	}
}

// WBCD runs end to end despite its duplicate rows (issue 7): finite values in
// the observed ranges, one avatar per row, finite metrics, and no NaN weight
// even when every row is the same.
func TestWBCDEndToEnd(t *testing.T) {
	tb := readWBCD(t)
	av, err := Generate(context.Background(), tb, AvatarOptions{K: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if av.Table.Rows() != 683 || len(av.Table.Columns) != 10 || av.Table.Column("Sample_code_number") != nil {
		t.Fatalf("avatars: %d rows, columns %v", av.Table.Rows(), av.Table.Names())
	}
	for _, c := range av.Table.Columns {
		for i := range av.Table.Rows() {
			if c.Missing(i) {
				t.Fatalf("%s row %d missing", c.Name, i)
			}
			if c.Kind == Ordinal && (c.Num[i] < 1 || c.Num[i] > 10 || c.Num[i] != math.Trunc(c.Num[i])) {
				t.Fatalf("%s row %d = %v, want an integer in 1..10", c.Name, i, c.Num[i])
			}
		}
	}
	src := slices.Clone(av.Source)
	slices.Sort(src)
	for i, s := range src {
		if s != i {
			t.Fatal("Source is not a permutation")
		}
	}
	r, err := Evaluate(context.Background(), tb, av, EvalOptions{K: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Checks {
		if c.Value != nil && (math.IsNaN(*c.Value) || math.IsInf(*c.Value, 0)) {
			t.Errorf("%s = %v", c.Metric, *c.Value)
		}
	}
	if d := r.Utility.Downstream; d == nil || d.AUCOriginal < 0.95 || d.AUCAvatar < 0.9 {
		// Class is nearly separable from the nine features (logistic AUC ≈ 0.99 in
		// the literature on this table); avatars of k = 20 keep most of it.
		t.Errorf("downstream: %+v", d)
	}

	// All rows identical: every distance 0.
	same := readWBCD(t).Subset(make([]int, 50))
	av, err = Generate(context.Background(), same, AvatarOptions{K: 5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	equalTables(t, av.Table, same)
}

// Avatars identical to the originals give hidden rate 0, DCR 0 and local
// cloaking 0 (issue 7): each original's own avatar is at distance 0 and no
// other avatar is (the Gaussian rows are distinct).
func TestIdenticalAvatarsExposeEveryone(t *testing.T) {
	tb := mixedTable(1000, 4)
	p, err := FitFAMD(tb)
	if err != nil {
		t.Fatal(err)
	}
	src := make([]int, tb.Rows())
	for i := range src {
		src[i] = i
	}
	av := &Avatars{Table: tb, Source: src, Model: p, NCP: DefaultNCP}
	m, err := Distances(context.Background(), tb, av, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.HiddenRate != 0 || m.DCRMedian != 0 || m.DCRZeroRate != 100 || m.LocalCloakingMedian != 0 {
		t.Errorf("hidden rate %v, median DCR %v, DCR-zero %v %%, median LC %v; want 0, 0, 100, 0", m.HiddenRate, m.DCRMedian, m.DCRZeroRate, m.LocalCloakingMedian)
	}
	// A shuffled pairing of the same rows hides almost everyone: the nearest
	// avatar of original i is avatar i's twin, not its own.
	perm := rand.New(rand.NewPCG(1, 1)).Perm(tb.Rows())
	av = &Avatars{Table: tb.Subset(perm), Source: perm, Model: p, NCP: DefaultNCP}
	m, _ = Distances(context.Background(), tb, av, 0)
	if m.HiddenRate != 0 {
		t.Errorf("hidden rate of a shuffled copy with its true pairing = %v, want 0", m.HiddenRate)
	}
}

// The marginals of a large Gaussian table are kept (issue 7). Each avatar is
// a convex combination of 20 neighbours, so means are kept to sampling
// precision and spread shrinks a little. Tolerances: |Δmean| ≤ 0.05 SD (10×
// the standard error 1/√n·SD ≈ 0.007 SD for n = 20,000); SD ratio in
// [0.85, 1.0] (measured 0.958–0.961 with k = 20 on 4 components); Hellinger
// per variable ≤ 0.1 (20 bins).
func TestGaussianMarginalsKept(t *testing.T) {
	const n = 20000
	rng := rand.New(rand.NewPCG(11, 11))
	// Four correlated Gaussians: x_j = z_0 + z_j.
	cols := make([]Column, 4)
	for j := range cols {
		cols[j] = Column{Name: string(rune('a' + j)), Kind: Continuous, Num: make([]float64, n)}
	}
	for i := range n {
		z0 := rng.NormFloat64()
		for j := range cols {
			cols[j].Num[i] = 100 + 15*(z0+rng.NormFloat64())
		}
	}
	tb := NewTable(cols...)
	av, err := Generate(context.Background(), tb, AvatarOptions{K: 20, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tb.Columns {
		mo, so := meanStd(c.Num)
		ma, sa := meanStd(av.Table.Column(c.Name).Num)
		h := histogram(tb, av.Table, c.Name).Hellinger()
		t.Logf("%s: mean %.3f→%.3f, sd %.3f→%.3f (ratio %.3f), Hellinger %.4f", c.Name, mo, ma, so, sa, sa/so, h)
		if math.Abs(ma-mo) > 0.05*so || sa/so < 0.85 || sa/so > 1 || h > 0.1 {
			t.Errorf("%s: mean %.3f→%.3f, sd %.3f→%.3f, Hellinger %.4f out of tolerance", c.Name, mo, ma, so, sa, h)
		}
	}
	// The correlation 0.5 of x_j = z_0 + z_j is kept to ±0.1.
	names, r := Correlations(av.Table)
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if math.Abs(r.At(i, j)-0.5) > 0.1 {
				t.Errorf("corr(%s,%s) = %.3f, want 0.5 ± 0.1", names[i], names[j], r.At(i, j))
			}
		}
	}
}

func TestSmallKWarns(t *testing.T) {
	av, err := Generate(context.Background(), readMixed(t), AvatarOptions{K: 2, Seed: 1})
	if err != nil || len(av.Warnings) != 1 || !strings.Contains(av.Warnings[0], "k = 2") {
		t.Errorf("k = 2: %v, warnings %q", err, av.Warnings)
	}
	if _, err := Generate(context.Background(), readMixed(t), AvatarOptions{K: 8}); err == nil {
		t.Error("k = rows accepted")
	}
}

func TestStatistics(t *testing.T) {
	// Hellinger: disjoint supports → 1; identical → 0; (1/2,1/2) vs (1,0):
	// √((1 − √½)² + ½)/√2 = √(1 − √½) ≈ 0.5412.
	for _, tc := range []struct {
		p, q []float64
		want float64
	}{{[]float64{1, 0}, []float64{0, 1}, 1}, {[]float64{0.3, 0.7}, []float64{0.3, 0.7}, 0}, {[]float64{0.5, 0.5}, []float64{1, 0}, math.Sqrt(1 - math.Sqrt(0.5))}} {
		if h := (Histogram{Original: tc.p, Avatar: tc.q}).Hellinger(); math.Abs(h-tc.want) > 1e-15 {
			t.Errorf("Hellinger(%v, %v) = %v, want %v", tc.p, tc.q, h, tc.want)
		}
	}
	// AUC: scikit-learn's roc_auc_score documentation example gives 0.75.
	if a := auc([]float64{0.1, 0.4, 0.35, 0.8}, []float64{0, 0, 1, 1}); a != 0.75 {
		t.Errorf("AUC = %v, want 0.75", a)
	}
	// Wilson 95 % interval for 8/10: (0.4902, 0.9433) (Newcombe, Stat Med
	// 1998;17:857, method 3, by hand: centre (0.8 + 1.96²/20)/(1 + 1.96²/10)).
	r := wilson(8, 10)
	if math.Abs(r.Low-0.4902) > 1e-4 || math.Abs(r.High-0.9433) > 1e-4 {
		t.Errorf("Wilson(8/10) = [%.4f, %.4f], want [0.4902, 0.9433]", r.Low, r.High)
	}
	// Kaplan–Meier by hand: times 1,2,2,3,4 with events 1,1,0,1,0 →
	// S(1) = 4/5, S(2) = 4/5·3/4 = 0.6, S(3) = 0.6·1/2 = 0.3, and Greenwood
	// sums Σ d/(n(n−d)) = 1/(5·4) = 0.05, + 1/(4·3) = 0.1333…, + 1/(2·1) =
	// 0.6333…; the log–log band is S^exp(±1.96·√G/|ln S|). Worked by hand at
	// t = 1: σ = √0.05/0.22314 = 1.00208, band [0.8^7.1280, 0.8^0.14029] =
	// [0.2038, 0.9692].
	km, err := kaplanMeier(NewTable(
		Column{Name: "t", Kind: Continuous, Num: []float64{1, 2, 2, 3, 4}},
		Column{Name: "e", Kind: Continuous, Num: []float64{1, 1, 0, 1, 0}}), "t", "e")
	if err != nil || len(km) != 3 {
		t.Fatalf("Kaplan–Meier = %v, %v", km, err)
	}
	for i, w := range []struct{ t, s, g float64 }{{1, 0.8, 0.05}, {2, 0.6, 0.05 + 1.0/12}, {3, 0.3, 0.05 + 1.0/12 + 0.5}} {
		sigma := math.Sqrt(w.g) / math.Abs(math.Log(w.s))
		lo, hi := math.Pow(w.s, math.Exp(1.959963984540054*sigma)), math.Pow(w.s, math.Exp(-1.959963984540054*sigma))
		p := km[i]
		if p.Time != w.t || math.Abs(p.Survival-w.s) > 1e-15 || math.Abs(p.Low-lo) > 1e-12 || math.Abs(p.High-hi) > 1e-12 {
			t.Errorf("KM point %d = %+v, want t %v S %v band [%v, %v]", i, p, w.t, w.s, lo, hi)
		}
	}
	if math.Abs(km[0].Low-0.2038) > 1e-4 || math.Abs(km[0].High-0.9692) > 1e-4 {
		t.Errorf("KM band at t = 1: [%.4f, %.4f], want [0.2038, 0.9692] (by hand)", km[0].Low, km[0].High)
	}
	if km[0].AtRisk != 5 || km[1].AtRisk != 4 || km[2].AtRisk != 2 {
		t.Errorf("at risk: %+v", km)
	}
	// Everyone at risk has the event: S = 0, band [0, 0].
	km, _ = kaplanMeier(NewTable(Column{Name: "t", Kind: Continuous, Num: []float64{1, 2}},
		Column{Name: "e", Kind: Continuous, Num: []float64{1, 1}}), "t", "e")
	if last := km[len(km)-1]; last.Survival != 0 || last.Low != 0 || last.High != 0 {
		t.Errorf("KM to zero: %+v", last)
	}
	// Logistic regression on a 1-D separable-with-noise problem recovers a
	// positive slope and ranks perfectly (AUC 1) on its training points.
	x := mat.NewDense(6, 1, []float64{-2, -1, -0.5, 0.5, 1, 2})
	y := []float64{0, 0, 1, 0, 1, 1}
	beta := logistic(x, y, 1)
	if beta[0] <= 0 {
		t.Errorf("slope %v, want > 0", beta[0])
	}
}

// Anonymeter-style attacks tell a leaky release from a safe one: with the
// train rows themselves as "synthetic" data the inference attack succeeds on
// train and not on control (risk high); with independent rows from the same
// distribution the risk is near 0.
func TestAttacksSeparateLeakFromNoLeak(t *testing.T) {
	all := mixedTable(3000, 9)
	train, control := all.Subset(seq(0, 2000)), all.Subset(seq(2000, 2500))
	other := all.Subset(seq(2500, 3000))
	risk := func(synth *Table) map[string]float64 {
		rs, err := Attacks(context.Background(), train, control, synth, AttackOptions{NAttacks: 300, Seed: 1, Secrets: []string{"c0", "k4"}})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, r := range rs {
			out[r.Attack+r.Target] = r.Risk
		}
		return out
	}
	leak, safe := risk(train), risk(other)
	t.Logf("copy: %v; independent: %v", leak, safe)
	// Copy: every train target finds itself, so main = 1 and risk ≈ 1 (its
	// Wilson centre with 300 attacks is 0.994).
	if leak["inferencec0"] < 0.9 || leak["linkability"] < 0.9 {
		t.Errorf("copy of train: risks %v, want > 0.9", leak)
	}
	// Independent rows: main and control are exchangeable; the risk is
	// noise, below 0.15 with 300 attacks.
	for k, v := range safe {
		if v > 0.15 {
			t.Errorf("independent rows: %s risk %v, want < 0.15", k, v)
		}
	}
}

func seq(lo, hi int) []int {
	out := make([]int, hi-lo)
	for i := range out {
		out[i] = lo + i
	}
	return out
}

func TestMatchPatient(t *testing.T) {
	ref := readWBCD(t)
	// Query = row 0's features: row 0 and its exact duplicates come first at
	// distance 0.
	c := ref.Columns
	q := map[string]string{}
	for _, col := range c[1:10] {
		q[col.Name] = col.String(0)
	}
	res, err := MatchPatient(ref, q, MatchOptions{K: 5, Outcomes: []string{"Class"}})
	if err != nil {
		t.Fatal(err)
	}
	// Row 0 has 6 exact duplicates in the table: all 7 are at distance 0,
	// tied at the cut-off of the 5 nearest, and all are kept (issue 16:
	// before, 5 were kept by row order and the rest dropped silently).
	if res.Matches[0].Distance != 0 || res.Candidates != 683 || len(res.Matches) != 7 || len(res.Features) != 9 ||
		res.Ties.AtCutoff != 7 || res.Ties.Kept != 7 || res.Ties.Closer != 0 {
		t.Errorf("matches %+v, ties %+v", res, res.Ties)
	}
	if res.Outcomes[0].N != 7 {
		t.Errorf("outcome %+v", res.Outcomes[0])
	}
	found := false
	for _, m := range res.Matches {
		found = found || m.Row == 0
	}
	if !found {
		t.Error("row 0 is not among its own nearest")
	}
	// Filter-based: Class=4 keeps the 239 malignant rows (UCI: 239 of 683).
	f, _ := ParseFilter("Class=4")
	res, err = MatchPatient(ref, nil, MatchOptions{Filters: []Filter{f}, Outcomes: []string{"Mitoses"}})
	if err != nil || res.Candidates != 239 || len(res.Matches) != 239 {
		t.Errorf("filter Class=4: %v candidates, err %v", res.Candidates, err)
	}
	for _, bad := range []map[string]string{{"Nope": "1"}, {"Clump_Thickness": "x"}, {"Class": "3"}} {
		if _, err := MatchPatient(ref, bad, MatchOptions{}); err == nil {
			t.Errorf("query %v accepted", bad)
		}
	}
}

func TestReportHTMLIsSelfContained(t *testing.T) {
	tb := readWBCD(t)
	av, _ := Generate(context.Background(), tb, AvatarOptions{K: 20, Seed: 1})
	r, err := Evaluate(context.Background(), tb, av, EvalOptions{K: 20, Seed: 1, NAttacks: 100})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if strings.Count(html, "<svg") != 12 || strings.Contains(html, "http://") && !strings.Contains(html, `xmlns="http://www.w3.org/2000/svg"`) ||
		strings.Contains(html, "<script") || strings.Contains(html, "<link") {
		t.Errorf("HTML: %d SVGs (want 10 distributions + 2 privacy plots), or external resources", strings.Count(html, "<svg"))
	}
	if !strings.Contains(html, "683 rows; k = 20;") || !strings.Contains(html, "Preset <b>default</b>") || !strings.Contains(html, "membership inference AUC") {
		t.Error("HTML lacks the settings or the membership check")
	}
	if strings.Contains(html, "anonymous: yes") || !strings.Contains(html, "no overall verdict") {
		t.Error("the report must not give a global verdict")
	}
}
