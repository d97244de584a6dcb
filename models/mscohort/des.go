package mscohort

import (
	"math"

	"github.com/mdtwin/mdtwin/des"
	"github.com/mdtwin/mdtwin/hta"
)

// The kinds of event of a patient.
const (
	evEnd     = iota // the horizon
	evDeath          // death from any cause
	evEDSS           // EDSS change (continuous timing)
	evConvert        // RRMS → SPMS (continuous timing)
	evRelapse        // a relapse
	evDiscont        // all-cause discontinuation of the current therapy
	evSwitch         // a scheduled switch to the next line
	evAssess         // the yearly EDSS assessment (annual timing)
	evWane           // the therapy's effect wanes a level ([inputs.waning])
	nEvents
)

// EventNames names the event kinds in the trajectory export; "start" is the
// first row of each patient.
var EventNames = [nEvents]string{"end", "death", "edss", "spms", "relapse", "discontinuation", "switch", "assessment", "waning"}

// The random streams of a patient (des.Streams kinds): one per kind of
// event, so that a strategy changing one process leaves the others' draws
// as they were (common random numbers).
const (
	skBaseline = iota
	skEDSS
	skConvert
	skRelapse
	skDiscont
	skDeath
	nStreams
)

// accum accumulates a strategy's outcomes over patients, per state (course,
// EDSS, therapy slot): time spent there undiscounted and discounted at the
// costs' and effects' rates, and relapses there (counted and discounted).
type accum struct {
	occU, occC, occE []float64
	relU, relC, relE []float64
	to6, to7         float64
	cdw              [maxCDW]float64 // patients with a confirmed worsening, per period of cdw_months
	patients         int
}

func newAccum(nStates int) *accum {
	buf := make([]float64, 6*nStates)
	return &accum{occU: buf[:nStates], occC: buf[nStates : 2*nStates], occE: buf[2*nStates : 3*nStates],
		relU: buf[3*nStates : 4*nStates], relC: buf[4*nStates : 5*nStates], relE: buf[5*nStates:]}
}

func (a *accum) addAll(b *accum) {
	for _, p := range [][2][]float64{{a.occU, b.occU}, {a.occC, b.occC}, {a.occE, b.occE}, {a.relU, b.relU}, {a.relC, b.relC}, {a.relE, b.relE}} {
		for i, x := range p[1] {
			p[0][i] += x
		}
	}
	for j := range a.cdw {
		a.cdw[j] += b.cdw[j]
	}
	a.to6 += b.to6
	a.to7 += b.to7
	a.patients += b.patients
}

// clock is a competing event whose rate changes with the patient's state:
// it fires when its exponential budget is used up (Gibson & Bruck 2000,
// J Phys Chem A 104:1876, "next reaction method"). A rate change rescales
// the remaining budget instead of drawing again, which is exact for
// Markov processes and keeps the patient's draws common across strategies.
type clock struct {
	h      des.Handle
	rate   float64
	budget float64
	last   float64
	on     bool
}

// patient simulates one patient at a time; its buffers are reused.
type patient struct {
	w   *world
	sim des.Simulator
	st  *des.Streams
	rec *recorder

	p         *plan
	si, id    int // strategy index, patient id
	nSlots    int
	acc       *accum
	dc, de    discounter // costs, effects
	sameRate  bool
	age0      float64
	female    bool
	horizon   float64
	course    Course
	edss      int
	slot      int
	lineStart float64
	t0        float64 // start of the current state
	to6, to7  float64 // −1: not reached yet
	relapses  int

	edssC, convC, stopC clock   // EDSS progression, conversion to SPMS, therapy discontinuation
	relRate, relBudget  float64 // relapses: rate in the current state, budget left
	switchH             des.Handle
	switchOn            bool
	level               int // waning level of the current line (waning.go)
	// Confirmed worsening (trial.go): the EDSS at time 0, the onset of the
	// current worsening (−1: none), the periods confirmed.
	cdwBase  int
	cdwOnset float64
	cdwDone  [maxCDW]bool
	waneH    des.Handle
	waneOn   bool
	death    struct {
		h             des.Handle
		on            bool
		remaining     float64
		lastAge, mult float64
		haz           *hazard
	}
}

func newPatient(w *world, seed uint64) *patient {
	return &patient{w: w, st: des.NewStreams(seed, nStreams), dc: newDiscounter(w.v.discC, w.annualDiscount), de: newDiscounter(w.v.discE, w.annualDiscount),
		sameRate: w.v.discC == w.v.discE}
}

// baseline draws a patient's sex, age, EDSS and course from the baseline
// stream (the course last, so that the first three draws are those of the
// model before it had an SPMS start).
func (pt *patient) baseline() (female bool, age float64, edss int, course Course) {
	r := pt.st.Rand(skBaseline)
	u1, u2, u3, u4 := r.Float64(), r.Float64(), r.Float64(), r.Float64()
	w := pt.w
	female = u1 < w.v.female
	age = float64(w.ageVals[searchCum(w.ageCum, u2)])
	edss = searchCum(w.edssCum0[:], u3)
	if u4 < w.v.spmsShare {
		course = SPMS
	}
	if ps := w.d.patients; len(ps) > 0 { // the draws above are made all the same
		p := ps[pt.id%len(ps)]
		return p.female, p.age, p.edss, p.course
	}
	return
}

// searchCum returns the first index whose cumulative value exceeds u·total.
func searchCum(cum []float64, u float64) int {
	x := u * cum[len(cum)-1]
	for i, c := range cum {
		if c > x {
			return i
		}
	}
	return len(cum) - 1
}

// run simulates patient id under strategy plan p and adds to acc.
func (pt *patient) run(p *plan, id int, acc *accum) {
	w := pt.w
	pt.p, pt.acc, pt.nSlots, pt.id = p, acc, len(p.class), id
	sim := &pt.sim
	sim.Reset()
	pt.st.Reset(uint64(id))
	pt.female, pt.age0, pt.edss, pt.course = pt.baseline()
	pt.relapses = 0
	pt.horizon = min(w.horizon, w.maxAge-pt.age0)
	acc.patients++
	if pt.horizon <= 0 {
		return
	}
	pt.t0 = 0
	pt.dc.reset()
	pt.de.reset()
	pt.to6, pt.to7 = -1, -1
	pt.markMilestones(0)
	pt.cdwStart()
	pt.edssC, pt.convC, pt.stopC = clock{}, clock{}, clock{}
	pt.switchOn, pt.waneOn = false, false
	pt.slot, pt.lineStart = w.initial(p, pt.course, pt.edss)
	pt.level = w.d.waning.levelAt(-pt.lineStart)
	if pt.rec != nil {
		pt.rec.add(pt, -1, 0)
	}

	sim.Schedule(pt.horizon, des.Event{Kind: evEnd})
	d := &pt.death
	d.haz = &w.mort[1]
	if pt.female {
		d.haz = &w.mort[0]
	}
	d.remaining, d.lastAge, d.mult, d.on = pt.st.Rand(skDeath).ExpFloat64(), pt.age0, w.smr[pt.edss], false
	pt.scheduleDeath()
	if w.annual {
		sim.Schedule(1, des.Event{Kind: evAssess})
	} else {
		pt.fresh(&pt.edssC, evEDSS, skEDSS, pt.edssRate())
		pt.fresh(&pt.convC, evConvert, skConvert, pt.convRate())
	}
	pt.relBudget = pt.st.Rand(skRelapse).ExpFloat64()
	pt.relRate = pt.relapseRate()
	pt.startLine()

	for {
		e, ok := sim.Next(math.Inf(1))
		if !ok {
			break
		}
		now := sim.Now()
		pt.accrue(now)
		switch e.Kind {
		case evEnd, evDeath:
			pt.finish(now)
			if pt.rec != nil {
				pt.rec.add(pt, e.Kind, now)
			}
			return
		case evEDSS:
			pt.edssC.on = false
			r := pt.st.Rand(skEDSS)
			i := w.idx(pt.course, pt.class(), pt.edss)
			to := searchCum(w.edssCum[i*NEDSS:(i+1)*NEDSS], r.Float64())
			pt.edssC.budget = r.ExpFloat64() // the next change's budget
			pt.moveTo(pt.course, to)
		case evConvert:
			pt.convC.on = false
			pt.convC.budget = pt.st.Rand(skConvert).ExpFloat64()
			pt.moveTo(SPMS, min(pt.edss+1, NEDSS-1))
		case evAssess:
			if pt.switchOn {
				if at, ok := sim.Scheduled(pt.switchH); ok && at <= now {
					// A switch due at this anniversary happens before the
					// assessment, whenever it was scheduled.
					sim.Cancel(pt.switchH)
					pt.switchOn = false
					pt.changeSlot(p.nextSlot(pt.slot, now))
				}
			}
			// Both draws every year, so that the streams stay aligned
			// across strategies.
			u1, u2 := pt.st.Rand(skConvert).Float64(), pt.st.Rand(skEDSS).Float64()
			if pt.course == RRMS && u1 < w.convProb[pt.edss] {
				pt.moveTo(SPMS, min(pt.edss+1, NEDSS-1))
			} else {
				i := w.idx(pt.course, pt.class(), pt.edss)
				pt.moveTo(pt.course, searchCum(w.probCum[i*NEDSS:(i+1)*NEDSS], u2))
			}
			sim.Schedule(now+1, des.Event{Kind: evAssess})
		case evDiscont:
			pt.stopC.on = false
			next := p.off
			if p.s.discNext {
				next = p.nextSlot(pt.slot, now)
			}
			pt.changeSlot(next)
		case evSwitch:
			pt.switchOn = false
			pt.changeSlot(p.nextSlot(pt.slot, now))
		case evWane:
			pt.waneOn = false
			pt.level++
			pt.scheduleWane()
			pt.updateRates()
		}
		if pt.rec != nil {
			pt.rec.add(pt, e.Kind, now)
		}
	}
}

// discounter discounts at an annual rate r incrementally, in one of two
// conventions ([inputs] discounting):
//
// continuous (the default): an outcome at time t has the factor e^(−ρ·t),
// ρ = ln(1+r), so a constant flow over [t0, t1] is worth
//
//	∫_{t0}^{t1} e^(−ρt) dt = (e^(−ρ·t0) − e^(−ρ·t1))/ρ;
//
// the discounter keeps the factor of the last time t0, so that this costs
// one exponential per event. This is hta.DiscountedTime (and the factor
// hta.DiscountFactor) evaluated by differences; the tests check the two
// agree.
//
// annual: an outcome in year k of follow-up (k ≤ t < k+1, k = 0, 1, …) has
// the factor 1/(1+r)^k — the first year undiscounted, as an annual-cycle
// Markov model that discounts each cycle's outcomes as at the cycle's
// start — so a flow over [t0, t1] is worth G(t1) − G(t0) with
//
//	G(t) = Σ_{k<n} w^k + (t − n)·w^n = (1 − w^n)/(1 − w) + (t − n)·w^n,   w = 1/(1+r), n = ⌊t⌋.
//
// With r = 0 both return t1 − t0 exactly.
type discounter struct {
	rho, f0 float64
	annual  bool
	g0      float64 // annual: G of the last time
	// annual: the factor of year n, kept because most calls fall in the
	// year of the previous one (the same number as computing it again).
	n, fn float64
}

func newDiscounter(r float64, annual bool) discounter {
	hta.DiscountFactor(r, 0) // panics on a rate <= −1, as hta does
	return discounter{rho: math.Log1p(r), f0: 1, annual: annual, n: -1}
}

// reset makes time 0 the last time.
func (d *discounter) reset() { d.f0, d.g0 = 1, 0 }

// factor returns the discount factor of an outcome at time t:
// e^(−ρ·t) (hta.DiscountFactor), or e^(−ρ·⌊t⌋) in annual discounting.
func (d *discounter) factor(t float64) float64 {
	if d.rho == 0 {
		return 1
	}
	if d.annual {
		if n := math.Floor(t); n != d.n {
			d.n, d.fn = n, math.Exp(-d.rho*n)
		}
		return d.fn
	}
	return math.Exp(-d.rho * t)
}

// advance returns the discounted length of [t0, t1] and makes t1 the last
// time; f1 is factor(t1).
func (d *discounter) advance(t0, t1, f1 float64) float64 {
	if d.rho == 0 {
		return t1 - t0
	}
	if d.annual {
		n := math.Floor(t1)
		g1 := -math.Expm1(-d.rho*n)/-math.Expm1(-d.rho) + (t1-n)*f1
		v := g1 - d.g0
		d.g0 = g1
		return v
	}
	v := (d.f0 - f1) / d.rho
	d.f0 = f1
	return v
}

// accrue adds the time since the last event, in the current state.
func (pt *patient) accrue(now float64) {
	t0 := pt.t0
	if now <= t0 {
		return
	}
	st := stateIndex(pt.course, pt.edss, pt.slot, pt.nSlots)
	a := pt.acc
	if r := pt.relRate; r > 0 {
		// Relapses do not change the state, so they need no calendar: the
		// relapse clock's budget is spent here, interval by interval, and
		// each time it runs out a relapse happens (the same next-reaction
		// clock as the others, evaluated inline).
		t := t0
		for t+pt.relBudget/r < now {
			t += pt.relBudget / r
			a.relU[st]++
			a.relC[st] += pt.dc.factor(t)
			a.relE[st] += pt.de.factor(t)
			pt.relapses++
			if pt.rec != nil {
				pt.rec.add(pt, evRelapse, t)
			}
			pt.relBudget = pt.st.Rand(skRelapse).ExpFloat64()
		}
		pt.relBudget -= r * (now - t)
	}
	a.occU[st] += now - t0
	fc := pt.dc.factor(now)
	dc := pt.dc.advance(t0, now, fc)
	a.occC[st] += dc
	if pt.sameRate {
		a.occE[st] += dc
	} else {
		a.occE[st] += pt.de.advance(t0, now, pt.de.factor(now))
	}
	pt.t0 = now
}

func (pt *patient) finish(now float64) {
	pt.cdwCheck(now)
	if pt.to6 < 0 {
		pt.to6 = now
	}
	if pt.to7 < 0 {
		pt.to7 = now
	}
	pt.acc.to6 += pt.to6
	pt.acc.to7 += pt.to7
	pt.sim.Reset()
}

func (pt *patient) markMilestones(now float64) {
	if pt.to6 < 0 && pt.edss >= 6 {
		pt.to6 = now
	}
	if pt.to7 < 0 && pt.edss >= 7 {
		pt.to7 = now
	}
}

// class returns the therapy class of the current slot at the current
// waning level (world.go: class k + nTherapies·level).
func (pt *patient) class() int {
	k := pt.p.class[pt.slot]
	if k < pt.w.noneClass {
		k += len(pt.w.d.therapyNames) * pt.level
	}
	return k
}

func (pt *patient) edssRate() float64 {
	return pt.w.edssTot[pt.w.idx(pt.course, pt.class(), pt.edss)]
}

func (pt *patient) convRate() float64 {
	if pt.course == SPMS {
		return 0
	}
	return pt.w.convRate[pt.edss]
}

func (pt *patient) relapseRate() float64 {
	return pt.w.relapse[pt.course][pt.edss] * waned(pt.p.rr[pt.slot], pt.w.d.waning.loss[pt.level])
}

// scheduleWane schedules the current line's next waning level, if any
// comes before the horizon.
func (pt *patient) scheduleWane() {
	wn := &pt.w.d.waning
	if pt.level+1 >= wn.levels() || pt.slot == pt.p.off {
		return
	}
	if at := pt.lineStart + wn.times[pt.level+1]; at < pt.horizon {
		pt.waneH = pt.sim.Schedule(max(at, pt.sim.Now()), des.Event{Kind: evWane})
		pt.waneOn = true
	}
}

// fresh starts a clock with a new budget from stream sk.
func (pt *patient) fresh(c *clock, kind, sk int, rate float64) {
	if c.on {
		pt.sim.Cancel(c.h)
		c.on = false
	}
	c.budget = pt.st.Rand(sk).ExpFloat64()
	c.rate, c.last = 0, pt.sim.Now()
	pt.rescale(c, kind, rate)
}

// rescale changes a clock's rate now, keeping what is left of its budget.
func (pt *patient) rescale(c *clock, kind int, rate float64) {
	now := pt.sim.Now()
	if c.on {
		if rate == c.rate {
			return
		}
		c.budget = max(0, c.budget-c.rate*(now-c.last))
		pt.sim.Cancel(c.h)
		c.on = false
	}
	c.rate, c.last = rate, now
	if rate > 0 {
		c.h = pt.sim.Schedule(now+c.budget/rate, des.Event{Kind: kind})
		c.on = true
	}
}

// scheduleDeath schedules death where the cumulative hazard mult·H(age)
// from lastAge uses up the remaining budget.
func (pt *patient) scheduleDeath() {
	d := &pt.death
	if d.on {
		pt.sim.Cancel(d.h)
		d.on = false
	}
	if d.mult <= 0 {
		return
	}
	age := d.haz.inverse(d.haz.at(d.lastAge) + d.remaining/d.mult)
	if t := age - pt.age0; t < pt.horizon {
		d.h = pt.sim.Schedule(max(t, pt.sim.Now()), des.Event{Kind: evDeath})
		d.on = true
	}
}

// moveTo changes the course and EDSS now and applies the stopping rules.
func (pt *patient) moveTo(c Course, e int) {
	now := pt.sim.Now()
	oldC, oldE := pt.course, pt.edss
	pt.cdwCheck(now)
	pt.course, pt.edss = c, e
	pt.cdwMoved(now)
	pt.markMilestones(now)
	if m := pt.w.smr[e]; m != pt.death.mult {
		d := &pt.death
		age := pt.age0 + now
		d.remaining = max(0, d.remaining-d.mult*(d.haz.at(age)-d.haz.at(d.lastAge)))
		d.lastAge, d.mult = age, m
		pt.scheduleDeath()
	}
	if slot := pt.p.allowed(c, e, pt.slot); slot != pt.slot {
		pt.changeSlot(slot) // updates every rate
		return
	}
	if c != oldC || e != oldE {
		pt.updateRates()
	}
}

// updateRates rescales the clocks after a change of state.
func (pt *patient) updateRates() {
	if !pt.w.annual {
		pt.rescale(&pt.edssC, evEDSS, pt.edssRate())
		pt.rescale(&pt.convC, evConvert, pt.convRate())
	}
	pt.relRate = pt.relapseRate()
}

// changeSlot moves the patient to another therapy slot now.
func (pt *patient) changeSlot(slot int) {
	slot = pt.p.allowed(pt.course, pt.edss, slot)
	if slot == pt.slot {
		return
	}
	pt.slot = slot
	pt.lineStart = pt.sim.Now()
	pt.startLine()
	pt.updateRates()
}

// startLine starts the clocks of the current line: discontinuation and a
// scheduled switch.
func (pt *patient) startLine() {
	if pt.switchOn {
		pt.sim.Cancel(pt.switchH)
		pt.switchOn = false
	}
	if pt.stopC.on {
		pt.sim.Cancel(pt.stopC.h)
		pt.stopC.on = false
	}
	if pt.waneOn {
		pt.sim.Cancel(pt.waneH)
		pt.waneOn = false
	}
	pt.level = 0
	if pt.slot == pt.p.off {
		return
	}
	now := pt.sim.Now()
	l := pt.p.s.lines[pt.slot]
	at := min(l.switchAt, pt.lineStart+l.maxYears)
	if at <= now {
		// The line's time is over already: move on at once.
		pt.slot = pt.p.allowed(pt.course, pt.edss, pt.p.nextSlot(pt.slot, now))
		pt.startLine()
		return
	}
	if at < pt.horizon {
		pt.switchH = pt.sim.Schedule(at, des.Event{Kind: evSwitch})
		pt.switchOn = true
	}
	pt.level = pt.w.d.waning.levelAt(now - pt.lineStart)
	pt.scheduleWane()
	pt.fresh(&pt.stopC, evDiscont, skDiscont, pt.p.disc[pt.slot])
}

// simulate runs patients [from, to) under every strategy and adds their
// outcomes to accs (one per strategy).
func (pt *patient) simulate(from, to int, accs []*accum) {
	for si := range pt.w.plans {
		p := &pt.w.plans[si]
		pt.si = si
		for id := from; id < to; id++ {
			pt.run(p, id, accs[si])
		}
	}
}
