package omop

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/terminology"
	"github.com/mdtwin/mdtwin/store"
)

// Concept ids the ETL-Synthea SQL (OHDSI/ETL-Synthea, inst/sql/sql_server/
// cdm_version/v540, commit a0d36ce) writes as constants.
const (
	conceptMale          = 8507     // insert_person.sql: gender 'M'
	conceptFemale        = 8532     // insert_person.sql: gender 'F'
	periodTypeEHR        = 32882    // insert_observation_period.sql
	typeEHR              = 32827    // visits, conditions, immunizations, measurements, allergies
	typeEHRPrescription  = 32838    // insert_drug_exposure.sql: medications
	typeObservationTable = 38000280 // insert_observation.sql: conditions and observations of the Observation domain
	visitInpatient       = 9201     // insert_visit_occurrence.sql: inpatient
	visitOutpatient      = 9202     // ambulatory, wellness, outpatient
	visitER              = 9203     // emergency, urgentcare
)

// Build reads every patient of the store (each read audited under the
// store view's actor) and maps their records to the CDM. A patient's
// linked records (store.Patients.Link) stay with the patient that holds
// them: each store patient is one person.
func Build(ctx context.Context, ps *store.Patients) (*CDM, error) {
	list, err := ps.PatientList(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b patient.Patient) int { return strings.Compare(a.ID, b.ID) })
	b := &builder{cdm: &CDM{}}
	for i, pt := range list {
		rec, err := ps.Record(ctx, pt.ID)
		if err != nil {
			return nil, err
		}
		b.person(int64(i+1), rec)
	}
	return b.cdm, nil
}

type builder struct {
	cdm *CDM
}

func ptr[T any](v T) *T { return &v }

// date is the calendar date of a FHIR date or dateTime as written (in its
// own offset); datetime is "YYYY-MM-DD hh:mm:ss" (midnight for a date).
func date(s string) string {
	if len(s) >= 10 {
		return s[:10]
	}
	switch len(s) {
	case 7:
		return s + "-01"
	case 4:
		return s + "-01-01"
	}
	return s
}

func datetime(s string) *string {
	if s == "" {
		return nil
	}
	if len(s) >= 19 && s[10] == 'T' {
		return ptr(s[:10] + " " + s[11:19])
	}
	return ptr(date(s) + " 00:00:00")
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// sourceValue is a concept's source value: the code of its primary coding,
// else its display text.
func sourceValue(c patient.Coded) string {
	p := c.Primary()
	return cmp.Or(p.Code, p.Display)
}

// concepts returns the standard concept id (0 when the subset does not
// cover any coding), its domain, and the source concept id (the concept of
// the primary coding, standard or not; 0 when not covered).
func concepts(c patient.Coded) (int64, string, int64) {
	var std int64
	domain := ""
	if _, oc, ok := terminology.Standard(c); ok {
		std, domain = oc.ID, oc.Domain
	}
	var src int64
	if p := c.Primary(); p.Code != "" {
		if oc, ok := terminology.OMOP(p.System, p.Code); ok {
			src = oc.ID
			if domain == "" {
				domain = oc.Domain
			}
		}
	}
	return std, domain, src
}

func (b *builder) person(pid int64, rec *patient.Record) {
	pt := rec.Patient
	p := Person{PersonID: pid, PersonSourceValue: pt.ID, GenderSourceValue: pt.Sex}
	switch pt.Sex {
	case "male":
		p.GenderConceptID = conceptMale
	case "female":
		p.GenderConceptID = conceptFemale
	}
	if t, err := time.Parse(time.DateOnly, date(pt.BirthDate)); err == nil && pt.BirthDate != "" {
		p.YearOfBirth = int64(t.Year())
		if len(pt.BirthDate) >= 7 {
			p.MonthOfBirth = ptr(int64(t.Month()))
		}
		if len(pt.BirthDate) >= 10 {
			p.DayOfBirth = ptr(int64(t.Day()))
			p.BirthDatetime = ptr(date(pt.BirthDate) + " 00:00:00")
		}
	}
	b.cdm.Person = append(b.cdm.Person, p)
	own := func(id string) bool { return id == pt.ID } // linked patients' rows stay theirs
	var encounters []patient.Encounter
	for _, e := range rec.Encounters {
		if own(e.PatientID) {
			encounters = append(encounters, e)
		}
	}
	visitOf := b.visits(pid, encounters)
	b.period(pid, encounters)
	for _, c := range rec.Conditions {
		if own(c.PatientID) {
			b.condition(pid, c, visitOf)
		}
	}
	for _, t := range rec.Therapies {
		if own(t.PatientID) {
			b.drug(pid, t, visitOf)
		}
	}
	withComponents := map[int64]bool{}
	for _, o := range rec.Observations {
		if o.ParentID != 0 {
			withComponents[o.ParentID] = true
		}
	}
	for _, o := range rec.Observations {
		// A panel without a value of its own (blood pressure, a
		// questionnaire) is exported as its components.
		if own(o.PatientID) && !(withComponents[o.ID] && o.Value == nil && o.ValueText == "" && o.ValueCode.Code == "") {
			b.observation(pid, o, visitOf)
		}
	}
}

// period is the observation period: the first encounter's start to the
// last encounter's end (insert_observation_period.sql).
func (b *builder) period(pid int64, encounters []patient.Encounter) {
	var first, last string
	for _, e := range encounters {
		s, end := date(e.Start), date(cmp.Or(e.End, e.Start))
		if s != "" && (first == "" || s < first) {
			first = s
		}
		if end != "" && end > last {
			last = end
		}
	}
	if first == "" {
		return
	}
	b.cdm.ObservationPeriod = append(b.cdm.ObservationPeriod, ObservationPeriod{ObservationPeriodID: int64(len(b.cdm.ObservationPeriod) + 1),
		PersonID: pid, ObservationPeriodStartDate: first, ObservationPeriodEndDate: last, PeriodTypeConceptID: periodTypeEHR})
}

func (b *builder) condition(pid int64, c patient.Condition, visitOf map[int64]int64) {
	std, domain, src := concepts(c.Code)
	start := cmp.Or(c.Onset, c.Recorded)
	if start == "" {
		return // OMOP requires a start date
	}
	if domain == "Observation" { // insert_observation.sql: conditions of the Observation domain
		b.cdm.Observation = append(b.cdm.Observation, Observation{ObservationID: int64(len(b.cdm.Observation) + 1), PersonID: pid,
			ObservationConceptID: std, ObservationDate: date(start), ObservationDatetime: datetime(start),
			ObservationTypeConceptID: typeObservationTable, VisitOccurrenceID: visit(visitOf, c.EncounterID),
			VisitDetailID: detail(visitOf, c.EncounterID), ObservationSourceValue: sourceValue(c.Code), ObservationSourceConceptID: src})
		return
	}
	row := ConditionOccurrence{ConditionOccurrenceID: int64(len(b.cdm.ConditionOccurrence) + 1), PersonID: pid, ConditionConceptID: std,
		ConditionStartDate: date(start), ConditionStartDatetime: datetime(start), ConditionTypeConceptID: typeEHR,
		VisitOccurrenceID: visit(visitOf, c.EncounterID), VisitDetailID: detail(visitOf, c.EncounterID),
		ConditionSourceValue: sourceValue(c.Code), ConditionSourceConceptID: src}
	if c.Abatement != "" {
		row.ConditionEndDate, row.ConditionEndDatetime = ptr(date(c.Abatement)), datetime(c.Abatement)
	}
	b.cdm.ConditionOccurrence = append(b.cdm.ConditionOccurrence, row)
}

// drug maps a therapy (insert_drug_exposure.sql): a prescription from its
// start to its stop (or its start), days_supply the days between; an
// immunization on its day.
func (b *builder) drug(pid int64, t patient.Therapy, visitOf map[int64]int64) {
	if t.Start == "" {
		return
	}
	std, _, src := concepts(t.Drug)
	end := cmp.Or(t.Stop, t.Start)
	row := DrugExposure{DrugExposureID: int64(len(b.cdm.DrugExposure) + 1), PersonID: pid, DrugConceptID: std,
		DrugExposureStartDate: date(t.Start), DrugExposureStartDatetime: datetime(t.Start),
		DrugExposureEndDate: date(end), DrugExposureEndDatetime: datetime(end), DrugTypeConceptID: typeEHRPrescription,
		Refills: ptr(int64(0)), Quantity: ptr(0.0), VisitOccurrenceID: visit(visitOf, t.EncounterID),
		VisitDetailID: detail(visitOf, t.EncounterID), DrugSourceValue: sourceValue(t.Drug), DrugSourceConceptID: src}
	if t.Origin == "Immunization" {
		row.DrugTypeConceptID, row.VerbatimEndDate, row.DaysSupply = typeEHR, ptr(date(t.Start)), ptr(int64(0))
	} else {
		row.VerbatimEndDate = optString(date(t.Stop))
		row.DaysSupply = ptr(int64(0))
		if s, err1 := time.Parse(time.DateOnly, date(t.Start)); err1 == nil {
			if e, err2 := time.Parse(time.DateOnly, date(t.Stop)); err2 == nil && t.Stop != "" {
				row.DaysSupply = ptr(int64(e.Sub(s).Hours() / 24))
			}
		}
	}
	b.cdm.DrugExposure = append(b.cdm.DrugExposure, row)
}

// observation routes an observation by its concept's domain: Measurement
// to measurement (insert_measurement.sql), Observation to observation
// (type 38000280). Without a concept: an allergy goes to observation (type
// 32827, as ETL-Synthea's allergies), a numeric value to measurement,
// anything else to observation.
func (b *builder) observation(pid int64, o patient.Observation, visitOf map[int64]int64) {
	if o.Time == "" {
		return
	}
	std, domain, src := concepts(o.Code)
	valueText := cmp.Or(o.ValueText, o.ValueCode.Code)
	if o.Value != nil {
		valueText = strconv.FormatFloat(*o.Value, 'f', -1, 64)
	}
	if len(valueText) > 50 {
		valueText = valueText[:50] // left(o.value, 50)
	}
	var unitID int64
	if u, ok := terminology.OMOPVocabulary("UCUM", o.Unit); ok && o.Unit != "" {
		unitID = u.ID
	}
	measurement := domain == "Measurement" || (domain == "" && o.Category != "allergy" && o.Value != nil)
	if measurement {
		b.cdm.Measurement = append(b.cdm.Measurement, Measurement{MeasurementID: int64(len(b.cdm.Measurement) + 1), PersonID: pid,
			MeasurementConceptID: std, MeasurementDate: date(o.Time), MeasurementDatetime: datetime(o.Time),
			MeasurementTime: ptr(date(o.Time)), MeasurementTypeConceptID: typeEHR, ValueAsNumber: o.Value, UnitConceptID: unitID,
			VisitOccurrenceID: visit(visitOf, o.EncounterID), VisitDetailID: detail(visitOf, o.EncounterID),
			MeasurementSourceValue: sourceValue(o.Code), MeasurementSourceConceptID: src, UnitSourceValue: optString(o.Unit),
			ValueSourceValue: optString(valueText)})
		return
	}
	typ := int64(typeObservationTable)
	if o.Category == "allergy" && domain == "" {
		typ = typeEHR
	}
	b.cdm.Observation = append(b.cdm.Observation, Observation{ObservationID: int64(len(b.cdm.Observation) + 1), PersonID: pid,
		ObservationConceptID: std, ObservationDate: date(o.Time), ObservationDatetime: datetime(o.Time), ObservationTypeConceptID: typ,
		ValueAsNumber: o.Value, UnitConceptID: unitID, VisitOccurrenceID: visit(visitOf, o.EncounterID), VisitDetailID: detail(visitOf, o.EncounterID),
		ObservationSourceValue: sourceValue(o.Code), ObservationSourceConceptID: src, UnitSourceValue: optString(o.Unit),
		ValueSourceValue: optString(valueText)})
}

func visit(visitOf map[int64]int64, enc int64) *int64 {
	if v, ok := visitOf[enc]; ok && enc != 0 {
		return ptr(v)
	}
	return nil
}

// detail is the visit_detail_id ETL-Synthea writes: the visit's id plus
// 1,000,000 (it fills no visit_detail table; this export neither).
func detail(visitOf map[int64]int64, enc int64) *int64 {
	if v := visit(visitOf, enc); v != nil {
		return ptr(*v + 1000000)
	}
	return nil
}
