package cohort

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Interval is an estimate with its 95 % interval.
type Interval struct {
	Value float64 `json:"value"`
	Low   float64 `json:"ci_low"`
	High  float64 `json:"ci_high"`
}

// Membership is the outcome of a distance-based membership-inference
// attack (the closest-distance attack of TAPAS, alan-turing-institute/
// privacy-sdg-toolbox; Stadler et al., USENIX Security 2022): the attacker
// holds the release and a target record and guesses that the record was
// used to make the release when the release holds a record close to it.
// The score of a target is minus its distance to the closest released
// record, in the first 10 FAMD components of the release (the attacker's
// view: a projection fitted to the release alone).
//
// Members are records the release was made from, non-members records of
// the same population held out of it. AUC is the area under the ROC curve
// of the score (0.5: the attack does no better than a coin; ties count
// one half); TPR1 and TPR10 the true-positive rates at 1 % and 10 %
// false-positive rate, read on the ROC curve with ties as its straight
// segments. Their intervals are percentile bootstrap intervals (members and
// non-members resampled separately). The verdict is decided on the AUC's
// interval against MembershipAUCThreshold.
type Membership struct {
	Members    int      `json:"members"`
	NonMembers int      `json:"non_members"`
	AUC        Interval `json:"auc"`
	TPR1       Interval `json:"tpr_at_fpr_1_percent"`
	TPR10      Interval `json:"tpr_at_fpr_10_percent"`
	Bootstrap  int      `json:"bootstrap_resamples"`
	// ExactMember and ExactNonMember are the shares of members and of
	// non-members whose exact row (every released column) is in the
	// release, with 95 % Wilson intervals: a gap between them is membership
	// leaking through copies.
	ExactMember    Rate    `json:"exact_row_in_release_member"`
	ExactNonMember Rate    `json:"exact_row_in_release_non_member"`
	Verdict        Verdict `json:"verdict"`
	Note           string  `json:"note,omitempty"`
}

// MembershipAUCThreshold is the largest AUC a release passes with: an
// attack advantage 2·(AUC − ½) of 0.1, the same bound as
// AttackRiskThreshold. No published threshold exists; it is mdtwin's choice.
const MembershipAUCThreshold = 0.55

// MembershipBootstrap is the number of bootstrap resamples of the
// membership figures.
const MembershipBootstrap = 1000

// MembershipOptions controls MembershipInference.
type MembershipOptions struct {
	// Targets is the number of members and of non-members attacked; 0
	// means all of the smaller set. Each set is sampled down to it.
	Targets int
	Seed    uint64
	Workers int
}

// MembershipInference attacks release, a synthetic table made from members
// only, with members and nonMembers (records of the same population held
// out of it). See Membership.
func MembershipInference(ctx context.Context, members, nonMembers, release *Table, opt MembershipOptions) (*Membership, error) {
	cols := projected(members)
	n := min(members.Rows(), nonMembers.Rows())
	if opt.Targets > 0 {
		n = min(n, opt.Targets)
	}
	if n < 2 {
		return nil, fmt.Errorf("cohort: membership inference needs at least 2 members and 2 non-members, got %d and %d", members.Rows(), nonMembers.Rows())
	}
	rng := rand.New(rand.NewPCG(opt.Seed, seedStream+4))
	mem := members.Subset(sortedSample(rng, members.Rows(), n))
	non := nonMembers.Subset(sortedSample(rng, nonMembers.Rows(), n))
	tree, proj, err := auxSpace(release, cols)
	if err != nil {
		return nil, err
	}
	score := func(t *Table) ([]float64, error) {
		pts, dim := proj(t)
		out := make([]float64, t.Rows())
		err := forChunks(ctx, t.Rows(), opt.Workers, func(lo, hi int) {
			var q knnQuery
			for i := lo; i < hi; i++ {
				out[i] = -math.Sqrt(tree.nearest(pts[i*dim:(i+1)*dim], 1, -1, &q)[0].d2)
			}
		})
		return out, err
	}
	sm, err := score(mem)
	if err != nil {
		return nil, err
	}
	sn, err := score(non)
	if err != nil {
		return nil, err
	}
	m := &Membership{Members: n, NonMembers: n, Bootstrap: MembershipBootstrap}
	roc := newROC(sm, sn)
	wp, wn := make([]float64, n), make([]float64, n)
	for i := range wp {
		wp[i], wn[i] = 1, 1
	}
	point := roc.figures(wp, wn)
	m.AUC.Value, m.TPR1.Value, m.TPR10.Value = point[0], point[1], point[2]
	boot := make([][3]float64, MembershipBootstrap)
	for b := range boot {
		// A resample with replacement is a multinomial weight per record.
		clear(wp)
		clear(wn)
		for range n {
			wp[rng.IntN(n)]++
		}
		for range n {
			wn[rng.IntN(n)]++
		}
		boot[b] = roc.figures(wp, wn)
	}
	for k, iv := range []*Interval{&m.AUC, &m.TPR1, &m.TPR10} {
		v := make([]float64, len(boot))
		for b := range boot {
			v[b] = boot[b][k]
		}
		iv.Low, iv.High = quantile(v, 0.025), quantile(v, 0.975)
	}
	m.Verdict = decide("<", m.AUC.Low, m.AUC.High, MembershipAUCThreshold)
	if m.AUC.Low > 0.5 {
		m.Note = "the AUC's interval lies above 0.5: members are told from non-members better than by chance"
	} else {
		m.Note = "the AUC's interval covers 0.5 (or lies below it): no evidence that members are told from non-members"
	}
	in := func(t *Table) Rate {
		c, _ := exactCopies(release.Select(cols), t.Select(cols))
		k := int(math.Round(c / 100 * float64(t.Rows())))
		return wilsonInterval(k, t.Rows())
	}
	m.ExactMember, m.ExactNonMember = in(mem), in(non)
	return m, nil
}

// sortedSample returns k distinct indices of [0, n), sorted.
func sortedSample(rng *rand.Rand, n, k int) []int {
	s := rng.Perm(n)[:k]
	slices.Sort(s)
	return s
}

// roc holds the scores of positives and negatives in decreasing order,
// grouped by equal score, so that the ROC figures of any weighting of the
// records (a bootstrap resample) cost one pass.
type roc struct {
	idx    []int32 // record index: positives 0..np-1, negatives np..
	groups []int   // start of each group of equal scores in idx, then len(idx)
	np     int
}

func newROC(pos, neg []float64) *roc {
	r := &roc{np: len(pos), idx: make([]int32, len(pos)+len(neg))}
	score := func(i int32) float64 {
		if int(i) < len(pos) {
			return pos[i]
		}
		return neg[int(i)-len(pos)]
	}
	for i := range r.idx {
		r.idx[i] = int32(i)
	}
	slices.SortFunc(r.idx, func(a, b int32) int { // decreasing score, then index
		sa, sb := score(a), score(b)
		switch {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return int(a - b)
	})
	for i := range r.idx {
		if i == 0 || score(r.idx[i]) != score(r.idx[i-1]) {
			r.groups = append(r.groups, i)
		}
	}
	r.groups = append(r.groups, len(r.idx))
	return r
}

// figures returns, for records weighted wp (positives) and wn
// (negatives), the AUC (Mann–Whitney, ties one half) and the true-positive
// rates at 1 % and 10 % false-positive rate: the highest TPR of the ROC
// curve at that FPR or below, the curve drawn through one vertex per
// distinct score (tied scores make a straight segment, as scikit-learn's
// roc_curve draws it).
func (r *roc) figures(wp, wn []float64) [3]float64 {
	var np, nn float64
	for _, w := range wp {
		np += w
	}
	for _, w := range wn {
		nn += w
	}
	var tp, fp, area float64
	prevF, prevT := 0.0, 0.0
	var res [3]float64 // the TPRs start at the vertex (0, 0)
	var done [2]bool
	targets := [2]float64{0.01, 0.10}
	for g := 0; g+1 < len(r.groups); g++ {
		var dtp, dfp float64
		for _, i := range r.idx[r.groups[g]:r.groups[g+1]] {
			if int(i) < r.np {
				dtp += wp[i]
			} else {
				dfp += wn[int(i)-r.np]
			}
		}
		area += dfp * (tp + dtp/2) // the trapezoid under the segment
		tp, fp = tp+dtp, fp+dfp
		f, t := fp/nn, tp/np
		// The TPR at FPR x is the highest the curve reaches with FPR ≤ x:
		// the last vertex at or before x, or the crossing of the segment
		// that passes x.
		for k, x := range targets {
			switch {
			case done[k]:
			case f <= x:
				res[k+1] = t
			default:
				if prevF < x {
					res[k+1] = prevT + (x-prevF)/(f-prevF)*(t-prevT)
				}
				done[k] = true
			}
		}
		prevF, prevT = f, t
	}
	res[0] = area / (np * nn)
	return res
}
