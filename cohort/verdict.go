package cohort

import (
	"fmt"
	"math"
)

// Verdict is the outcome of a check.
type Verdict string

// The verdicts. A check on an estimate (an attack's risk, the membership
// AUC) is decided on its 95 % interval, never on the point estimate alone:
// Pass when the whole interval is on the safe side of the threshold, Fail
// when the whole interval is on the other side, Inconclusive when it
// straddles the threshold (more records are needed to decide; it does not
// pass). A check on a figure of the release itself (hidden rate, local
// cloaking, …) is decided on its value. Undefined is a figure the data
// leave undefined (a ratio of two zero distances); NotComputed one that
// could not be computed (too few rows, no column of the needed kind). None
// of them passes.
const (
	Pass         Verdict = "pass"
	Fail         Verdict = "fail"
	Inconclusive Verdict = "inconclusive"
	Undefined    Verdict = "undefined"
	NotComputed  Verdict = "not computed"
)

// z95 is the 0.975 quantile of the standard normal distribution.
const z95 = 1.959963984540054

// decide returns the verdict of an interval [lo, hi] against threshold:
// op "<" means the quantity must be below the threshold, ">" above it.
func decide(op string, lo, hi, threshold float64) Verdict {
	if op == "<" {
		switch {
		case hi < threshold:
			return Pass
		case lo >= threshold:
			return Fail
		}
		return Inconclusive
	}
	switch {
	case lo > threshold:
		return Pass
	case hi <= threshold:
		return Fail
	}
	return Inconclusive
}

// DefaultRiskHalfWidth is the half-width of the 95 % interval of an
// attack's risk that the number of attacks is planned for.
const DefaultRiskHalfWidth = 0.05

// AttacksForHalfWidth returns the number of attacks (targets in the main
// and in the control set each) for which the 95 % interval of a risk
// (r_main − r_control)/(1 − r_control) is at most ±w in the worst case of
// both rates near ½: by the delta method the risk's standard error there
// is √(2·¼/n)/(1 − ½), so n = 2·z²/w² (3,074 for w = 0.05, 769 for 0.1).
// A control rate above ½ widens the interval by (½)/(1 − r_control); the
// report gives each attack's achieved width.
func AttacksForHalfWidth(w float64) int {
	if !(w > 0) {
		panic("cohort: interval half-width must be positive")
	}
	return int(math.Ceil(2 * z95 * z95 / (w * w)))
}

// riskOf returns the risk (r_main − r_control)/(1 − r_control), clipped to
// [0, 1], and its 95 % interval. The risk is 1 − θ with θ = q_main/q_control
// the ratio of the two independent failure rates q = 1 − r, whose interval
// comes from their Wilson intervals by the MOVER-R method (Donner & Zou,
// Stat Methods Med Res 2012;21:347, eq. 5), so it stays in range and is
// √2 narrower than adding the two intervals' widths.
func riskOf(main, control Rate) (risk, lo, hi float64) {
	clip := func(x float64) float64 { return math.Min(1, math.Max(0, x)) }
	if main.N == 0 || control.N == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	p1, p2 := main.Value, control.Value
	if p2 >= 1 { // the control attack always succeeds: nothing to learn
		return 0, 0, clip((p1 - control.Low) / math.Max(1-control.Low, 1e-12))
	}
	q1, q2 := 1-p1, 1-p2
	l1, u1 := 1-main.High, 1-main.Low // interval of q1
	l2, u2 := 1-control.High, 1-control.Low
	theta := q1 / q2
	// MOVER-R lower and upper limits of q1/q2.
	L, U := 0.0, math.Inf(1)
	if den := u2 * (2*q2 - u2); den > 0 {
		disc := (q1*q2)*(q1*q2) - l1*u2*(2*q1-l1)*(2*q2-u2)
		L = (q1*q2 - math.Sqrt(math.Max(disc, 0))) / den
	}
	if den := l2 * (2*q2 - l2); den > 0 {
		disc := (q1*q2)*(q1*q2) - u1*l2*(2*q1-u1)*(2*q2-l2)
		U = (q1*q2 + math.Sqrt(math.Max(disc, 0))) / den
	}
	return clip(1 - theta), clip(1 - U), clip(1 - L)
}

// intervalNote says how wide an interval came out against the planned
// half-width.
func intervalNote(lo, hi, planned float64, n int) string {
	hw := (hi - lo) / 2
	if hw <= planned*1.0001 {
		return fmt.Sprintf("%d attacks: 95 %% interval ±%.3f (planned ±%.3f)", n, hw, planned)
	}
	return fmt.Sprintf("%d attacks: 95 %% interval ±%.3f, wider than the planned ±%.3f (too few held-out records, or rates far from ½ in the control)", n, hw, planned)
}
