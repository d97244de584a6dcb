package mscohort

import (
	"fmt"
	"math"

	"github.com/mdtwin/mdtwin/models"
)

// Course is the course of the disease.
type Course int

// The courses.
const (
	RRMS Course = iota // relapsing-remitting
	SPMS               // secondary progressive
)

func (c Course) String() string {
	if c == SPMS {
		return "SPMS"
	}
	return "RRMS"
}

// values holds every number of a run: the inputs, then the named
// parameters, then (with psa) the probabilistic draw.
type values struct {
	rrms, spms                  [NEDSS][NEDSS]float64
	toSPMS, relRR, relSP, smr   [NEDSS]float64
	costEDSS, utilEDSS          [NEDSS]float64
	carer                       [NEDSS]float64 // carer utility loss per year by EDSS
	costRelapse                 float64
	spmsDec, relDisutil, relDur float64
	discC, discE, wtp           float64
	female, spmsShare           float64 // baseline shares of women and of SPMS
	baseEDSS                    [NEDSS]float64
	edssCostScale, nhWorsening  float64
	// The natural-history parameters a calibration fits
	// (calibration.go): hazard ratios on untreated RRMS worsening by
	// MSBase band, on RRMS improvement, and a factor on relapse rates.
	nhBand, nhWithin        [nBands]float64
	nhImprovement, relScale float64
	therapies               []therapyValues // by definition.therapyNames
}

// therapyValues are one therapy's numbers.
type therapyValues struct {
	hr, rr, cost, admin, disc float64
	aeCost, aeDis             float64 // adverse events: cost and QALY loss per year on it
}

// line is one therapy line of a strategy.
type line struct {
	therapy  int     // index in definition.therapyNames; -1: no therapy
	switchAt float64 // years since the start; +Inf: none
	maxYears float64 // years on the line; +Inf: none
}

// strategy is a compiled strategy.
type strategy struct {
	name       string
	lines      []line
	stopAtSPMS bool
	stopEDSS   int   // therapy stops on reaching this EDSS (10: never)
	discNext   bool  // on discontinuation start the next line (else stop)
	therapies  []int // the therapies its lines use, in first-use order
}

// slots returns the number of therapy slots: one per line, then "off".
func (s *strategy) slots() int { return len(s.lines) + 1 }

// definition is a validated inputs table, compiled.
type definition struct {
	raw          *rawInputs
	therapyNames []string
	strategies   []strategy
	femaleMx     []float64
	maleMx       []float64
	ageMean      float64
	ageSD        float64
	ageMin       int
	ageMax       int
	maxAge       float64
	wtpGrid      []float64
	base         values // the inputs' numbers
	// The baseline therapy: an index in therapyNames, noTherapy or
	// otherTherapy; and the years already on it at time 0.
	therapy0 int
	yearsOn0 float64
	// patients are the [inputs] patients; nil: drawn from the baseline.
	patients []startState
	// waning is the treatment-effect waning (one level: none).
	waning waning
	// cdw are the confirmation periods (years) of the CDW outputs.
	cdw []float64
}

// The baseline therapies that are not in therapyNames.
const (
	noTherapy    = -1 // NoTherapy (also a line's therapy when it has none)
	otherTherapy = -2 // OtherTherapy: matches no line
)

// compile parses and compiles the inputs (the scenario's [inputs] table as
// JSON, merged over the defaults).
func compile(inputs []byte) (*definition, error) {
	in, err := parseInputs(inputs)
	if err != nil {
		return nil, err
	}
	d := &definition{raw: in, therapyNames: sortedKeys(in.Therapies), femaleMx: in.Mortality.FemaleMx, maleMx: in.Mortality.MaleMx,
		ageMean: in.Baseline.AgeMean, ageSD: in.Baseline.AgeSD, ageMin: int(in.Baseline.AgeMin), ageMax: int(in.Baseline.AgeMax), maxAge: in.MaxAge}
	if d.wtpGrid, err = in.wtpGrid(); err != nil || len(in.WTPGrid) == 0 {
		d.wtpGrid = linspace(0, 3*max(in.WTP, 1), 61)
	}
	index := map[string]int{}
	for i, n := range d.therapyNames {
		index[n] = i
	}
	if d.patients, err = parsePatients(in.Patients, in.MaxAge); err != nil {
		return nil, err
	}
	if d.waning, err = compileWaning(in.Waning); err != nil {
		return nil, err
	}
	if d.cdw, err = compileCDW(in.CDWMonths); err != nil {
		return nil, err
	}
	d.therapy0, d.yearsOn0 = noTherapy, in.Baseline.YearsOnTherapy
	switch th := in.Baseline.Therapy; th {
	case NoTherapy:
	case OtherTherapy:
		d.therapy0 = otherTherapy
	default:
		d.therapy0 = index[th] // validated
	}
	for _, rs := range in.Strategies {
		s := strategy{name: rs.Name, stopAtSPMS: true, stopEDSS: 7, discNext: rs.OnDiscontinuation != "stop"}
		if rs.StopAtSPMS != nil {
			s.stopAtSPMS = *rs.StopAtSPMS
		}
		if rs.StopEDSS != nil {
			s.stopEDSS = int(*rs.StopEDSS)
		}
		for _, rl := range rs.Lines {
			l := line{therapy: -1, switchAt: math.Inf(1), maxYears: math.Inf(1)}
			if rl.Therapy != NoTherapy {
				l.therapy = index[rl.Therapy]
				if !contains(s.therapies, l.therapy) {
					s.therapies = append(s.therapies, l.therapy)
				}
			}
			if rl.SwitchAt != nil {
				l.switchAt = *rl.SwitchAt
			}
			if rl.MaxYears != nil {
				l.maxYears = *rl.MaxYears
			}
			s.lines = append(s.lines, l)
		}
		d.strategies = append(d.strategies, s)
	}
	v := &d.base
	nh := &in.NaturalHistory
	for i := range NEDSS {
		copy(v.rrms[i][:], nh.RRMS[i])
		copy(v.spms[i][:], nh.SPMS[i])
	}
	copy(v.toSPMS[:], nh.ToSPMS)
	copy(v.relRR[:], nh.RelapseRRMS)
	copy(v.relSP[:], nh.RelapseSPMS)
	copy(v.smr[:], in.Mortality.SMR)
	copy(v.costEDSS[:], in.Costs.EDSS)
	copy(v.utilEDSS[:], in.Utilities.EDSS)
	copy(v.carer[:], in.Utilities.CarerEDSS)
	copy(v.baseEDSS[:], in.Baseline.EDSS)
	v.costRelapse = in.Costs.Relapse
	v.spmsDec, v.relDisutil, v.relDur = in.Utilities.SPMSDecrement, in.Utilities.RelapseDisutility, in.Utilities.RelapseDuration
	v.discC, v.discE, v.wtp = in.DiscountCosts, in.DiscountEffects, in.WTP
	v.female, v.spmsShare = in.Baseline.Female, in.Baseline.SPMS
	v.edssCostScale, v.nhWorsening = 1, 1
	v.nhBand, v.nhWithin, v.nhImprovement, v.relScale = [nBands]float64{1, 1, 1, 1}, [nBands]float64{1, 1, 1, 1}, 1, 1
	for _, n := range d.therapyNames {
		t := in.Therapies[n]
		v.therapies = append(v.therapies, therapyValues{hr: t.HR, rr: t.RR, cost: t.Cost, admin: t.AdminCost, disc: t.Discontinuation,
			aeCost: t.AECost, aeDis: t.AEDisutility})
	}
	return d, nil
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func linspace(from, to float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = from + (to-from)*float64(i)/float64(n-1)
	}
	return out
}

// binding ties a named parameter to a number of values.
type binding struct {
	name, unit, doc string
	min, max        float64
	ptr             func(v *values) *float64
}

// bindings lists the named float parameters that override inputs.
func (d *definition) bindings() []binding {
	inf := math.Inf(1)
	cur := d.raw.Currency
	bs := []binding{
		{"discount_costs", "1/year", "annual discount rate of costs", 0, 1, func(v *values) *float64 { return &v.discC }},
		{"discount_effects", "1/year", "annual discount rate of QALYs and life-years", 0, 1, func(v *values) *float64 { return &v.discE }},
		{"wtp", cur + "/QALY", "willingness to pay for the NMB outputs", 0, inf, func(v *values) *float64 { return &v.wtp }},
		{"relapse_cost", cur, "cost of one relapse", 0, inf, func(v *values) *float64 { return &v.costRelapse }},
		{"relapse_disutility", "", "utility lost during a relapse", 0, 2, func(v *values) *float64 { return &v.relDisutil }},
		{"relapse_duration", "years", "duration of a relapse", 0, 1, func(v *values) *float64 { return &v.relDur }},
		{"spms_utility_decrement", "", "utility decrement in SPMS", -1, 1, func(v *values) *float64 { return &v.spmsDec }},
		{"edss_cost_scale", "", "multiplier on the annual costs by EDSS", 0, 1000, func(v *values) *float64 { return &v.edssCostScale }},
		{"nh_worsening_hr", "", "hazard ratio on every natural-history EDSS worsening (1: the inputs)", 0, 100, func(v *values) *float64 { return &v.nhWorsening }},
		{"nh_worsening_hr_none", "", "hazard ratio on untreated RRMS worsening from EDSS 0 (MSBase band none; calibration.go)", 0, 100, func(v *values) *float64 { return &v.nhBand[0] }},
		{"nh_worsening_hr_mild", "", "hazard ratio on untreated RRMS worsening from EDSS 1–3 (MSBase band mild) to a higher band", 0, 100, func(v *values) *float64 { return &v.nhBand[1] }},
		{"nh_worsening_hr_moderate", "", "hazard ratio on untreated RRMS worsening from EDSS 4–6 (MSBase band moderate) to a higher band", 0, 100, func(v *values) *float64 { return &v.nhBand[2] }},
		{"nh_worsening_hr_severe", "", "hazard ratio on untreated RRMS worsening from EDSS 7–9 (MSBase band severe)", 0, 100, func(v *values) *float64 { return &v.nhBand[3] }},
		{"nh_within_hr_mild", "", "hazard ratio on untreated RRMS worsening within band mild (EDSS 1→2, 1→3, 2→3)", 0, 100, func(v *values) *float64 { return &v.nhWithin[1] }},
		{"nh_within_hr_moderate", "", "hazard ratio on untreated RRMS worsening within band moderate (EDSS 4→5, 4→6, 5→6)", 0, 100, func(v *values) *float64 { return &v.nhWithin[2] }},
		{"nh_improvement_hr", "", "hazard ratio on every RRMS EDSS improvement (1: the inputs)", 0, 100, func(v *values) *float64 { return &v.nhImprovement }},
		{"relapse_rate_scale", "", "factor on the natural-history relapse rates of RRMS and SPMS (1: the inputs)", 0, 100, func(v *values) *float64 { return &v.relScale }},
		{"female_share", "", "share of women in the starting population", 0, 1, func(v *values) *float64 { return &v.female }},
		{"spms_share", "", "share of the starting population in SPMS (SPMS rates from time 0, no conversion)", 0, 1, func(v *values) *float64 { return &v.spmsShare }},
	}
	for i, n := range d.therapyNames {
		i := i
		bs = append(bs,
			binding{n + "_hr", "", "hazard ratio of " + n + " on EDSS worsening in RRMS, versus no treatment", 0, 100, func(v *values) *float64 { return &v.therapies[i].hr }},
			binding{n + "_rr", "", "rate ratio of " + n + " on relapses, versus no treatment", 0, 100, func(v *values) *float64 { return &v.therapies[i].rr }},
			binding{n + "_cost", cur + "/year", "drug cost of " + n, 0, inf, func(v *values) *float64 { return &v.therapies[i].cost }},
			binding{n + "_admin_cost", cur + "/year", "administration and monitoring cost of " + n, 0, inf, func(v *values) *float64 { return &v.therapies[i].admin }},
			binding{n + "_discontinuation", "1/year", "all-cause discontinuation rate of " + n, 0, 100, func(v *values) *float64 { return &v.therapies[i].disc }},
		)
	}
	return bs
}

// The built-in parameters.
const (
	ParamMode        = "mode"
	ParamPatients    = "n_patients"
	ParamPSA         = "psa"
	ParamSave        = "save_trajectories"
	ParamTiming      = "edss_timing"
	ParamHorizon     = "horizon_years"
	ParamMaxAge      = "max_age"
	ModeDES          = "des"
	ModeCohort       = "cohort"
	TimingContinuous = "continuous"
	TimingAnnual     = "annual"
	// The discounting conventions of [inputs] discounting (des.go,
	// discounter).
	DiscountContinuous = "continuous"
	DiscountAnnual     = "annual"
)

func (d *definition) descriptor() models.Descriptor {
	b := models.Bound
	desc := models.Descriptor{Name: Name, Version: Version, Doc: doc}
	base := d.base
	for _, bd := range d.bindings() {
		p := models.Param{Name: bd.name, Kind: models.Float, Unit: bd.unit, Default: *bd.ptr(&base), Doc: bd.doc, Min: b(bd.min)}
		if !math.IsInf(bd.max, 1) {
			p.Max = b(bd.max)
		}
		desc.Params = append(desc.Params, p)
	}
	desc.Params = append(desc.Params,
		models.Param{Name: ParamMode, Kind: models.String, Default: ModeDES, Choices: []string{ModeDES, ModeCohort},
			Doc: "des: discrete-event simulation of n_patients; cohort: annual-cycle Markov cohort of the same model (expected values)"},
		models.Param{Name: ParamPatients, Kind: models.Int, Default: int64(1000), Min: b(1), Max: b(1e7),
			Doc: "patients simulated per strategy (des mode); the same patients in every strategy"},
		models.Param{Name: ParamPSA, Kind: models.Bool, Default: false,
			Doc: "probabilistic run: draw the inputs from their distributions with the run's seed (Dirichlet rows, gamma costs, log-normal HRs…)"},
		models.Param{Name: ParamSave, Kind: models.Bool, Default: false,
			Doc: "write the patients' trajectories (events and a patient-year panel) as Parquet and CSV in the run's folder (des mode)"},
		models.Param{Name: ParamTiming, Kind: models.String, Default: TimingContinuous, Choices: []string{TimingContinuous, TimingAnnual},
			Doc: "continuous: EDSS changes and conversion to SPMS at exponential rates −ln(1−p); annual: at yearly assessments with the annual probabilities"},
		models.Param{Name: ParamHorizon, Kind: models.Float, Unit: "years", Default: 0.0, Min: b(0), Max: b(150),
			Doc: "time horizon; 0: lifetime (until max_age)"},
		models.Param{Name: ParamMaxAge, Kind: models.Float, Unit: "years", Default: d.maxAge, Min: b(1), Max: b(150),
			Doc: "age at which the lifetime horizon ends"},
	)
	cur := d.raw.Currency
	for si, s := range d.strategies {
		n := s.name
		desc.Outputs = append(desc.Outputs,
			models.Output{Name: n + "_cost_disc", Unit: cur, Doc: "mean cost per patient, discounted"},
			models.Output{Name: n + "_cost", Unit: cur, Doc: "mean cost per patient, undiscounted"},
			models.Output{Name: n + "_drug_cost_disc", Unit: cur, Doc: "mean drug, administration and monitoring cost per patient, discounted"},
			models.Output{Name: n + "_qaly_disc", Unit: "QALY", Doc: "mean QALYs per patient, discounted"},
			models.Output{Name: n + "_qaly", Unit: "QALY", Doc: "mean QALYs per patient, undiscounted"},
			models.Output{Name: n + "_ly_disc", Unit: "year", Doc: "mean life-years per patient, discounted at the effects' rate"},
			models.Output{Name: n + "_ly", Unit: "year", Doc: "mean life-years per patient, undiscounted"},
			models.Output{Name: n + "_relapses", Unit: "relapses", Doc: "mean number of relapses per patient"},
			models.Output{Name: n + "_years_to_edss6", Unit: "year", Doc: "mean years before EDSS >= 6 is first reached (death and the horizon censor: restricted mean)"},
			models.Output{Name: n + "_years_to_edss7", Unit: "year", Doc: "mean years before EDSS >= 7 is first reached (restricted mean)"},
			models.Output{Name: n + "_nmb", Unit: cur, Doc: "net monetary benefit wtp·QALYs − cost, discounted"},
		)
		for _, t := range s.therapies {
			desc.Outputs = append(desc.Outputs, models.Output{Name: n + "_years_on_" + d.therapyNames[t], Unit: "year",
				Doc: "mean years on " + d.therapyNames[t] + " per patient"})
		}
		if si > 0 {
			ref := d.strategies[0].name
			desc.Outputs = append(desc.Outputs,
				models.Output{Name: n + "_inc_cost", Unit: cur, Doc: "discounted cost minus that of " + ref},
				models.Output{Name: n + "_inc_qaly", Unit: "QALY", Doc: "discounted QALYs minus those of " + ref},
				models.Output{Name: n + "_icer", Unit: cur + "/QALY", Doc: "incremental cost per QALY gained versus " + ref},
				models.Output{Name: n + "_inc_nmb", Unit: cur, Doc: "net monetary benefit minus that of " + ref},
			)
		}
	}
	for _, s := range d.strategies {
		desc.Outputs = append(desc.Outputs, models.Output{Name: s.name + "_arr", Unit: "relapses/year",
			Doc: "annualised relapse rate: relapses per life-year over the horizon"})
	}
	desc.Outputs = append(desc.Outputs, d.cdwOutputs()...)
	desc.Outputs = append(desc.Outputs, naturalHistoryOutputs()...)
	desc.Outputs = append(desc.Outputs, models.Output{Name: "patient_years", Unit: "year",
		Doc: "life-years simulated in the run, all strategies and patients (des mode; expected per patient in cohort mode)"})
	return desc
}

// runValues returns the inputs' numbers with the named parameters of ps
// applied (a missing name keeps its input value).
func (d *definition) runValues(ps models.Params) (values, error) {
	v := d.base
	v.therapies = append([]therapyValues(nil), d.base.therapies...)
	for _, bd := range d.bindings() {
		x, ok := ps[bd.name]
		if !ok {
			continue
		}
		f, ok := x.(float64)
		if !ok || !finite(f) || f < bd.min || f > bd.max {
			return v, &models.ParamError{Model: Name, Param: bd.name, Value: x,
				Msg: fmt.Sprintf("expected a number in [%s, %s]", fmtNum(bd.min), fmtNum(bd.max))}
		}
		*bd.ptr(&v) = f
	}
	return v, nil
}
