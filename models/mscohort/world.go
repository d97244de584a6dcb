package mscohort

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/mdtwin/mdtwin/models"
)

// world is everything a run's patients share: the run's numbers turned into
// the rates and tables the simulation reads, for every strategy.
type world struct {
	d      *definition
	v      values
	annual bool // EDSS and SPMS conversion at yearly assessments
	// annualDiscount: outcomes of year k discounted by 1/(1+r)^k ([inputs]
	// discounting = "annual"); else continuously (des.go, discounter).
	annualDiscount bool
	horizon        float64 // years; +Inf: lifetime
	maxAge         float64

	// nClass counts the therapy classes: one per therapy and waning level
	// (class k + nTherapies·level), then "no therapy" (noneClass).
	nClass, noneClass int
	// Continuous timing: the total rate of leaving EDSS e, and the
	// cumulative rates over the destinations, for course c and class k at
	// index (c·nClass + k)·NEDSS + e (cumulative: ·NEDSS + j).
	edssTot []float64
	edssCum []float64
	// Annual timing: cumulative annual probabilities over the destinations
	// (stay included), same indexing as edssCum.
	probCum  []float64
	convRate [NEDSS]float64 // RRMS → SPMS rate by EDSS
	convProb [NEDSS]float64 // RRMS → SPMS annual probability by EDSS
	relapse  [2][NEDSS]float64
	smr      [NEDSS]float64

	mort [2]hazard // female, male

	ageVals  []int     // baseline ages
	ageProb  []float64 // their probabilities
	ageCum   []float64
	edssCum0 [NEDSS]float64

	plans []plan // per strategy
}

// plan is a strategy with the run's numbers: per therapy slot (one per
// line, then "off").
type plan struct {
	s        *strategy
	class    []int     // therapy class per slot
	rr       []float64 // relapse rate ratio per slot
	disc     []float64 // discontinuation rate per slot
	drugCost []float64 // drug + administration cost per year per slot
	aeCost   []float64 // adverse events' cost per year per slot
	aeDis    []float64 // adverse events' QALY loss per year per slot
	off      int       // the "off" slot
}

// hazard is a piecewise-constant hazard by year of age: mx[a] between ages
// a and a+1, mx[last] beyond; cum[a] = Σ_{i<a} mx[i].
type hazard struct {
	mx, cum []float64
}

func newHazard(mx []float64) hazard {
	h := hazard{mx: mx, cum: make([]float64, len(mx))}
	for a := 1; a < len(mx); a++ {
		h.cum[a] = h.cum[a-1] + mx[a-1]
	}
	return h
}

// at returns the cumulative hazard from age 0 to age.
func (h *hazard) at(age float64) float64 {
	last := len(h.mx) - 1
	k := int(age)
	if age < 0 {
		return 0
	}
	if k >= last {
		return h.cum[last] + (age-float64(last))*h.mx[last]
	}
	return h.cum[k] + (age-float64(k))*h.mx[k]
}

// inverse returns the age at which the cumulative hazard reaches target
// (+Inf if never).
func (h *hazard) inverse(target float64) float64 {
	last := len(h.mx) - 1
	if target >= h.cum[last] {
		if h.mx[last] <= 0 {
			return math.Inf(1)
		}
		return float64(last) + (target-h.cum[last])/h.mx[last]
	}
	// The last k with cum[k] <= target; cum[k+1] > target so mx[k] > 0.
	k := sort.Search(last+1, func(i int) bool { return h.cum[i] > target }) - 1
	if k < 0 {
		k = 0
	}
	return float64(k) + (target-h.cum[k])/h.mx[k]
}

// rate returns the hazard at age.
func (h *hazard) rate(age float64) float64 {
	k := int(age)
	if k >= len(h.mx)-1 {
		k = len(h.mx) - 1
	}
	return h.mx[k]
}

func (w *world) idx(c Course, k, e int) int { return (int(c)*w.nClass+k)*NEDSS + e }

// newWorld builds the run's tables from v. timing is TimingContinuous or
// TimingAnnual; horizon 0 means lifetime.
func newWorld(d *definition, v values, timing string, horizon, maxAge float64) (*world, error) {
	w := &world{d: d, v: v, annual: timing == TimingAnnual, horizon: horizon, maxAge: maxAge, annualDiscount: d.raw.Discounting == DiscountAnnual}
	if horizon <= 0 {
		w.horizon = math.Inf(1)
	}
	nt := len(d.therapyNames)
	nl := d.waning.levels()
	w.noneClass = nt * nl
	w.nClass = w.noneClass + 1
	n := 2 * w.nClass * NEDSS
	w.edssTot = make([]float64, n)
	w.edssCum = make([]float64, n*NEDSS)
	w.probCum = make([]float64, n*NEDSS)
	for c := RRMS; c <= SPMS; c++ {
		m := &v.rrms
		if c == SPMS {
			m = &v.spms
		}
		for k := range w.nClass {
			hr := v.nhWorsening
			if c == RRMS && k < w.noneClass {
				// No treatment effect on progression in SPMS; the effect of
				// therapy k%nt at waning level k/nt (waning.go).
				hr *= waned(v.therapies[k%nt].hr, d.waning.loss[k/nt])
			}
			for e := range NEDSS {
				i := w.idx(c, k, e)
				cum := w.edssCum[i*NEDSS : (i+1)*NEDSS]
				pc := w.probCum[i*NEDSS : (i+1)*NEDSS]
				var tot, leave float64
				var p [NEDSS]float64
				worse, within, better := hr, hr, 1.0
				if c == RRMS { // the calibrated natural history (calibration.go)
					b := band(e)
					worse, within, better = hr*v.nhBand[b], hr*v.nhBand[b], v.nhImprovement
					if b == 1 || b == 2 {
						within = hr * v.nhWithin[b]
					}
				}
				rhr := func(j int) float64 {
					switch {
					case j > e && band(j) == band(e):
						return within
					case j > e:
						return worse
					}
					return better
				}
				for j := range NEDSS {
					if j == e {
						continue
					}
					pj := m[e][j]
					if h := rhr(j); h != 1 {
						pj = -math.Expm1(h * math.Log1p(-pj)) // rate·hr, back to a probability
					}
					p[j] = pj
					leave += pj
					tot += -math.Log1p(-m[e][j]) * rhr(j)
				}
				// Only annual timing reads the probabilities: in continuous
				// timing the rates are a valid generator for every ratio.
				if w.annual && leave > 1+rowTolerance {
					return nil, &models.InputError{Model: Name, Msg: fmt.Sprintf(
						"edss_timing = \"annual\": %s, row %q: hazard ratios %s on worsening and %s on improvement (the product of nh_worsening_hr, the band's nh_worsening_hr_*/nh_within_hr_*, nh_improvement_hr and the therapy's hr) make the annual probabilities of leaving sum to %s > 1; expected smaller ratios, or edss_timing = \"continuous\", whose rates are valid for every ratio",
						c, edssName(e), fmtNum(worse), fmtNum(better), fmtNum(leave))}
				}
				if math.IsInf(tot, 1) {
					return nil, fmt.Errorf("%s, row %q: a transition probability of 1 has an infinite rate in continuous timing; use edss_timing = \"annual\"", c, edssName(e))
				}
				p[e] = max(0, 1-leave)
				var acc, accP float64
				for j := range NEDSS {
					if j != e {
						acc += -math.Log1p(-m[e][j]) * rhr(j)
					}
					cum[j] = acc
					accP += p[j]
					pc[j] = accP
				}
				w.edssTot[i] = tot
			}
		}
	}
	for e := range NEDSS {
		w.convProb[e] = v.toSPMS[e]
		w.convRate[e] = -math.Log1p(-v.toSPMS[e])
		w.relapse[RRMS][e], w.relapse[SPMS][e] = v.relRR[e]*v.relScale, v.relSP[e]*v.relScale
		w.smr[e] = v.smr[e]
	}
	w.mort[0], w.mort[1] = newHazard(d.femaleMx), newHazard(d.maleMx)
	w.ageVals, w.ageProb = ageDistribution(d.ageMean, d.ageSD, d.ageMin, d.ageMax)
	var acc float64
	for _, p := range w.ageProb {
		acc += p
		w.ageCum = append(w.ageCum, acc)
	}
	acc = 0
	for e := range NEDSS {
		acc += v.baseEDSS[e]
		w.edssCum0[e] = acc
	}
	for si := range d.strategies {
		s := &d.strategies[si]
		p := plan{s: s, off: len(s.lines)}
		for _, l := range s.lines {
			if l.therapy < 0 {
				p.class, p.rr, p.disc, p.drugCost = append(p.class, w.noneClass), append(p.rr, 1), append(p.disc, 0), append(p.drugCost, 0)
				p.aeCost, p.aeDis = append(p.aeCost, 0), append(p.aeDis, 0)
				continue
			}
			t := v.therapies[l.therapy]
			p.class, p.rr, p.disc, p.drugCost = append(p.class, l.therapy), append(p.rr, t.rr), append(p.disc, t.disc), append(p.drugCost, t.cost+t.admin)
			p.aeCost, p.aeDis = append(p.aeCost, t.aeCost), append(p.aeDis, t.aeDis)
		}
		p.class, p.rr, p.disc, p.drugCost = append(p.class, w.noneClass), append(p.rr, 1), append(p.disc, 0), append(p.drugCost, 0)
		p.aeCost, p.aeDis = append(p.aeCost, 0), append(p.aeDis, 0)
		w.plans = append(w.plans, p)
	}
	return w, nil
}

// ageDistribution discretises a normal distribution of ages (mean, sd) to
// the whole years min..max: P(a) ∝ Φ((a+½−mean)/sd) − Φ((a−½−mean)/sd). With
// sd = 0 everyone has the age nearest the mean.
func ageDistribution(mean, sd float64, lo, hi int) (ages []int, prob []float64) {
	if sd == 0 {
		a := int(math.Round(mean))
		return []int{a}, []float64{1}
	}
	nd := distuv.Normal{Mu: mean, Sigma: sd}
	var sum float64
	for a := lo; a <= hi; a++ {
		p := nd.CDF(float64(a)+0.5) - nd.CDF(float64(a)-0.5)
		ages, prob = append(ages, a), append(prob, p)
		sum += p
	}
	for i := range prob {
		prob[i] /= sum
	}
	return ages, prob
}

// stateIndex is the occupancy index of (course, EDSS, slot) for a strategy
// with nSlots slots.
func stateIndex(c Course, e, slot, nSlots int) int { return (int(c)*NEDSS+e)*nSlots + slot }

// nextSlot returns the slot a patient on slot moves to when the line ends
// at time t (by discontinuation with discNext, or by a switch): the next
// line whose switch_at is after t, or off.
func (p *plan) nextSlot(slot int, t float64) int {
	for k := slot + 1; k < p.off; k++ {
		if p.s.lines[k].switchAt > t {
			return k
		}
	}
	return p.off
}

// allowed applies the stopping rules: the slot a patient in (c, e) may be
// on.
func (p *plan) allowed(c Course, e, slot int) int {
	if slot != p.off && (c == SPMS && p.s.stopAtSPMS || e >= p.s.stopEDSS) {
		return p.off
	}
	return slot
}

// continues reports whether the baseline therapy is the therapy of the
// strategy's first line, which a patient then continues (see start0).
func (w *world) continues(p *plan) bool {
	return p.off > 0 && w.d.therapy0 != otherTherapy && p.s.lines[0].therapy == w.d.therapy0
}

// start0 is the start of the first line, in years since the start: minus
// the baseline's years on therapy when the patient continues it, else 0.
func (w *world) start0(p *plan) float64 {
	if w.continues(p) {
		return -w.d.yearsOn0
	}
	return 0
}

// initial returns the slot of a patient who starts in course c at EDSS e,
// and the start of that line: the first line (continued with its time
// counted, or started now) unless a stopping rule takes the patient off at
// once (stop_at_spms for an SPMS starter, stop_edss); a first line whose
// max_years the time already on it has used up ends at once, as if it had
// ended at time 0.
func (w *world) initial(p *plan, c Course, e int) (slot int, lineStart float64) {
	slot, lineStart = p.allowed(c, e, 0), w.start0(p)
	for slot != p.off {
		l := p.s.lines[slot]
		if min(l.switchAt, lineStart+l.maxYears) > 0 {
			break
		}
		slot, lineStart = p.allowed(c, e, p.nextSlot(slot, 0)), 0
	}
	if slot != 0 {
		lineStart = 0
	}
	return slot, lineStart
}

// stateCost returns the cost per year in EDSS e on slot of plan p: by EDSS
// (× edss_cost_scale), the drug and its administration, adverse events.
func (w *world) stateCost(p *plan, e, slot int) float64 {
	return w.v.costEDSS[e]*w.v.edssCostScale + p.drugCost[slot] + p.aeCost[slot]
}

// stateUtility returns the QALYs per year in (c, e) on slot of plan p: the
// utility by EDSS, less the SPMS decrement, the therapy's adverse events
// and the carer's loss.
func (w *world) stateUtility(p *plan, c Course, e, slot int) float64 {
	u := w.v.utilEDSS[e] - p.aeDis[slot] - w.v.carer[e]
	if c == SPMS {
		u -= w.v.spmsDec
	}
	return u
}
