package embodiment

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/mdtwin/mdtwin/models/mscohort"
	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/terminology"
	"github.com/mdtwin/mdtwin/scenarios"
)

func init() {
	Register("mscohort", func(p *Personalisation, sc *scenarios.Scenario, rec *patient.Record, opt Options) error {
		return p.ms(sc, rec, opt)
	})
}

// MS courses, as SNOMED CT codes and as mdtwin's local codes in
// patient.SystemMS.
const (
	CourseRRMS = "RRMS"
	CourseSPMS = "SPMS"
	CoursePPMS = "PPMS"
)

var courseCodes = map[string]string{
	patient.SystemSNOMED + "|426373005": CourseRRMS, // relapsing-remitting multiple sclerosis
	patient.SystemSNOMED + "|425500002": CourseSPMS, // secondary progressive multiple sclerosis
	patient.SystemSNOMED + "|428700003": CoursePPMS, // primary progressive multiple sclerosis
	patient.SystemMS + "|rrms":          CourseRRMS,
	patient.SystemMS + "|spms":          CourseSPMS,
	patient.SystemMS + "|ppms":          CoursePPMS,
}

// mscohortEDSSStates is mscohort's number of EDSS states (0, 1, …, 9).
const mscohortEDSSStates = 10

// MSProfile is a patient's multiple-sclerosis state at an index date.
type MSProfile struct {
	IndexDate  time.Time // the date of the EDSS that starts the forecast
	Age        int       // completed years at IndexDate
	Sex        string    // female or male
	EDSS       float64   // the latest EDSS at or before IndexDate (0–10)
	EDSSState  int       // mscohort's state: floor(EDSS), at most 9
	EDSSVisits int       // EDSS visits at or before IndexDate
	Course     string    // CourseRRMS, CourseSPMS, CoursePPMS; "" when no course is coded
	Relapses   int       // relapses with onset at or before IndexDate
	// RecentRelapses are those of Relapses with onset in the 2 years
	// (730.5 days) before IndexDate.
	RecentRelapses int
	// Diagnosis is the date of the earliest SNOMED CT code of an MS
	// course at or before IndexDate (the diagnosis, from which disease
	// duration counts); zero when none. The record's own course codes
	// (patient.SystemMS) set Course but are no diagnosis.
	Diagnosis time.Time
	Therapies []TherapyLine
	Current   string // the therapy ongoing at IndexDate; "" when none
	// CurrentName is Current's therapy name as patient/terminology matches
	// it: by code (RxNorm, ATC, SNOMED CT), else by its display text;
	// CurrentBy says which.
	CurrentName string
	CurrentBy   terminology.How
	// CurrentStart is the start (FHIR date) of Current; "" when none.
	CurrentStart string
	// YearsOnCurrent is the time on Current at IndexDate, in years of
	// 365.25 days; 0 when none.
	YearsOnCurrent float64
}

// TherapyLine is one disease-modifying therapy of the history.
type TherapyLine struct {
	Drug        string
	Start, Stop string // FHIR dates; Stop "" when ongoing or unknown
}

// MS reads the patient's MS profile at asOf (zero: the date of the latest
// EDSS visit). It needs a birth date, a sex of female or male and an EDSS
// visit at or before asOf.
func MS(rec *patient.Record, asOf time.Time) (*MSProfile, error) {
	pr := &MSProfile{}
	type visit struct {
		at   time.Time
		edss float64
	}
	var last *visit
	for _, o := range rec.Series(patient.SystemMS, patient.CodeEDSS) {
		if o.Value == nil {
			continue
		}
		at, err := parseDate(o.Time)
		if err != nil {
			return nil, fmt.Errorf("EDSS observation %d: %v", o.ID, err)
		}
		if !asOf.IsZero() && at.After(asOf) {
			continue
		}
		if v := *o.Value; v < 0 || v > 10 || math.IsNaN(v) {
			return nil, fmt.Errorf("EDSS observation %d of %s: %v is outside [0, 10]", o.ID, o.Time, v)
		}
		pr.EDSSVisits++
		if last == nil || !at.Before(last.at) { // Series is in time order; the later of equal dates wins
			last = &visit{at, *o.Value}
		}
	}
	if last == nil {
		if asOf.IsZero() {
			return nil, errors.New("no EDSS observation (urn:mdtwin:ms|edss) in the record")
		}
		return nil, fmt.Errorf("no EDSS observation on or before %s", asOf.Format(time.DateOnly))
	}
	pr.IndexDate, pr.EDSS = last.at, last.edss
	if !asOf.IsZero() {
		pr.IndexDate = asOf
	}
	pr.EDSSState = min(int(math.Floor(pr.EDSS)), mscohortEDSSStates-1)
	if rec.Patient.BirthDate == "" {
		return nil, errors.New("no birth date in the record")
	}
	born, err := parseDate(rec.Patient.BirthDate)
	if err != nil {
		return nil, fmt.Errorf("birth date: %v", err)
	}
	if pr.Age = completedYears(born, pr.IndexDate); pr.Age < 0 {
		return nil, fmt.Errorf("birth date %s is after the index date %s", rec.Patient.BirthDate, pr.IndexDate.Format(time.DateOnly))
	}
	switch rec.Patient.Sex {
	case "female", "male":
		pr.Sex = rec.Patient.Sex
	default:
		return nil, fmt.Errorf("sex %q: mscohort's life tables need female or male", rec.Patient.Sex)
	}
	var courseAt time.Time
	for _, c := range rec.Conditions {
		at, err := parseDate(firstNonEmpty(c.Onset, c.Recorded))
		if err != nil || at.After(pr.IndexDate) {
			continue
		}
		for _, code := range c.Code {
			course, ok := courseCodes[code.System+"|"+code.Code]
			if ok && !at.Before(courseAt) {
				pr.Course, courseAt = course, at
			}
			if ok && code.System == patient.SystemSNOMED && (pr.Diagnosis.IsZero() || at.Before(pr.Diagnosis)) {
				pr.Diagnosis = at
			}
			if code.System == patient.SystemMS && code.Code == patient.CodeRelapse {
				pr.Relapses++
				if pr.IndexDate.Sub(at) <= 2*365.25*24*time.Hour {
					pr.RecentRelapses++
				}
			}
		}
	}
	for _, t := range rec.Therapies {
		start, err := parseDate(t.Start)
		if err != nil || start.After(pr.IndexDate) {
			continue
		}
		drug := t.Drug.Primary()
		name := firstNonEmpty(drug.Display, drug.Code)
		pr.Therapies = append(pr.Therapies, TherapyLine{Drug: name, Start: t.Start, Stop: t.Stop})
		if stop, err := parseDate(t.Stop); t.Stop == "" || (err == nil && stop.After(pr.IndexDate)) {
			pr.Current, pr.CurrentStart = name, t.Start
			pr.CurrentName, pr.CurrentBy = terminology.Therapy(t.Drug)
			pr.YearsOnCurrent = pr.IndexDate.Sub(start).Hours() / 24 / 365.25
		}
	}
	return pr, nil
}

// Baseline returns mscohort's [inputs.baseline] table for this one
// patient: sex, age, EDSS state and course fixed (spms 1 for SPMS, else
// 0). It leaves the therapy to the personalisation, which needs the
// scenario's therapy table (MSTherapy).
func (pr *MSProfile) Baseline() map[string]any {
	edss := make([]any, mscohortEDSSStates)
	for i := range edss {
		edss[i] = 0.0
	}
	edss[pr.EDSSState] = 1.0
	return map[string]any{
		"female":   pr.female(),
		"age_mean": float64(pr.Age),
		"age_sd":   0.0,
		"age_min":  float64(pr.Age),
		"age_max":  float64(pr.Age),
		"edss":     edss,
		"spms":     pr.spms(),
	}
}

func (pr *MSProfile) spms() float64 {
	if pr.Course == CourseSPMS {
		return 1
	}
	return 0
}

// MSTherapy returns mscohort's name for the drug of a therapy record given
// the therapies of the scenario (sorted): the drug's name in lower case
// with each run of other characters than letters and digits as one "_"
// ("Dimethyl fumarate" → dimethyl_fumarate), if the scenario has it;
// mscohort.OtherTherapy if not; mscohort.NoTherapy for no drug.
func MSTherapy(drug string, therapies []string) string {
	if drug == "" {
		return mscohort.NoTherapy
	}
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(drug) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			sep = false
		} else {
			sep = true
		}
	}
	if name := b.String(); slices.Contains(therapies, name) {
		return name
	}
	return mscohort.OtherTherapy
}

func (pr *MSProfile) female() float64 {
	if pr.Sex == "female" {
		return 1
	}
	return 0
}

// ms personalises an mscohort scenario.
func (p *Personalisation) ms(sc *scenarios.Scenario, rec *patient.Record, opt Options) error {
	pr, err := MS(rec, opt.AsOf)
	if err != nil {
		return err
	}
	if pr.Course == CoursePPMS {
		return fmt.Errorf("course PPMS: mscohort models relapsing-onset MS (RRMS, and SPMS after it) and has no primary-progressive natural history")
	}
	therapies, err := mscohort.TherapyNames(sc.Inputs)
	if err != nil {
		return fmt.Errorf("scenario %s: %w", sc.File, err)
	}
	base := pr.Baseline()
	base["therapy"] = MSTherapy(pr.CurrentName, therapies)
	base["years_on_therapy"] = pr.YearsOnCurrent
	p.MS = pr
	p.Inputs["baseline"] = base
	p.Params["female_share"] = pr.female()
	p.Params["spms_share"] = pr.spms()
	p.note("Index date %s: age %d, %s, EDSS %s (mscohort state %d) from the latest of %d EDSS visits.",
		pr.IndexDate.Format(time.DateOnly), pr.Age, pr.Sex, formatEDSS(pr.EDSS), pr.EDSSState, pr.EDSSVisits)
	switch pr.Course {
	case "":
		p.note("No MS course is coded in the record: RRMS assumed.")
	case CourseSPMS:
		p.note("Course SPMS: SPMS progression and relapse rates from the index date, no conversion; strategies with stop_at_spms (the default) stop therapy at once.")
	default:
		p.note("Course %s.", pr.Course)
	}
	p.note("%d relapses before the index date; mscohort's relapse rate depends on course, EDSS and therapy only, so they change nothing.", pr.Relapses)
	if len(pr.Therapies) > 0 {
		var names []string
		for _, t := range pr.Therapies {
			names = append(names, t.Drug)
		}
		p.note("Therapy history: %s.", strings.Join(names, ", "))
	}
	switch th := base["therapy"]; {
	case pr.Current == "":
		p.note("No therapy at the index date: every strategy starts its first line then.")
	case th == mscohort.OtherTherapy:
		p.note("Current therapy %s (since %s) is not in the scenario's therapies (%s): therapy = %q, so every strategy starts its first line at the index date.",
			pr.Current, pr.CurrentStart, strings.Join(therapies, ", "), mscohort.OtherTherapy)
	default:
		p.note("Current therapy %s since %s (%.2f years): strategies whose first line is %s continue it with that time counted; the others start their first line at the index date.",
			th, pr.CurrentStart, pr.YearsOnCurrent, th)
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
