package ingest

import (
	"fmt"
	"strings"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/terminology"
	"github.com/mdtwin/mdtwin/store"
)

// Immunizations, allergies and patient-reported questionnaires: the
// resources OMOP's drug_exposure and observation tables and the
// dashboard's patient-reported series need.

type fhirImmunization struct {
	Status             string    `json:"status"`
	VaccineCode        concept   `json:"vaccineCode"`
	Patient            reference `json:"patient"`
	Encounter          reference `json:"encounter"`
	OccurrenceDateTime string    `json:"occurrenceDateTime"`
	Recorded           string    `json:"recorded"`
}

type fhirAllergy struct {
	ClinicalStatus concept   `json:"clinicalStatus"`
	Code           concept   `json:"code"`
	Patient        reference `json:"patient"`
	Encounter      reference `json:"encounter"`
	OnsetDateTime  string    `json:"onsetDateTime"`
	RecordedDate   string    `json:"recordedDate"`
}

type qrItem struct {
	LinkID string `json:"linkId"`
	Text   string `json:"text"`
	Answer []struct {
		ValueInteger  *int64    `json:"valueInteger"`
		ValueDecimal  *float64  `json:"valueDecimal"`
		ValueQuantity *quantity `json:"valueQuantity"`
		Item          []qrItem  `json:"item"`
	} `json:"answer"`
	Item []qrItem `json:"item"`
}

type fhirQuestionnaireResponse struct {
	Status        string    `json:"status"`
	Questionnaire string    `json:"questionnaire"`
	Subject       reference `json:"subject"`
	Encounter     reference `json:"encounter"`
	Authored      string    `json:"authored"`
	Item          []qrItem  `json:"item"`
}

// The value sets of these types' status (FHIR R4 4.0.1).
var (
	immunizationStatus         = valueSet{"immunization-status", []string{"completed", "entered-in-error", "not-done"}}
	questionnaireAnswersStatus = valueSet{"questionnaire-answers-status", []string{"in-progress", "completed", "amended",
		"entered-in-error", "stopped"}}
)

// SystemQuestionnaire is the code system of the observations that stand for
// a QuestionnaireResponse: their code is the questionnaire's canonical URL.
const SystemQuestionnaire = "urn:mdtwin:questionnaire"

func init() {
	for _, t := range []string{"Immunization", "AllergyIntolerance", "QuestionnaireResponse"} {
		stored[t] = true
	}
	statusSets["Immunization"] = immunizationStatus
	statusSets["QuestionnaireResponse"] = questionnaireAnswersStatus
}

// storeMore stores the types of this file.
func (in *ingester) storeMore(e *entry) (store.Change, error) {
	switch e.head.ResourceType {
	case "Immunization":
		// An immunization is a therapy of one day (OMOP drug_exposure, as
		// OHDSI ETL-Synthea maps Synthea's immunizations).
		var r fhirImmunization
		if err := decode(e, &r); err != nil {
			return 0, err
		}
		at := cmpOr(r.OccurrenceDateTime, r.Recorded)
		if err := checkDate("occurrence", at); err != nil {
			return 0, err
		}
		pid, enc, err := in.subjectEncounter(r.Patient, r.Encounter)
		if err != nil {
			return 0, fmt.Errorf("patient: %w", err)
		}
		_, ch, err := in.w.PutTherapy(in.ctx, e.ref(), patient.Therapy{PatientID: pid, EncounterID: enc, Drug: coded(r.VaccineCode),
			Start: at, Status: r.Status, Origin: "Immunization"})
		return ch, err
	case "AllergyIntolerance":
		// An allergy is an observation of category "allergy" without a
		// value (OMOP observation, as ETL-Synthea maps allergies).
		var r fhirAllergy
		if err := decode(e, &r); err != nil {
			return 0, err
		}
		at := cmpOr(r.OnsetDateTime, r.RecordedDate)
		if err := checkDate("onset", at); err != nil {
			return 0, err
		}
		pid, enc, err := in.subjectEncounter(r.Patient, r.Encounter)
		if err != nil {
			return 0, fmt.Errorf("patient: %w", err)
		}
		_, ch, err := in.w.PutObservation(in.ctx, e.ref(), patient.Observation{PatientID: pid, EncounterID: enc,
			Category: "allergy", Code: coded(r.Code), Time: at, Status: first(r.ClinicalStatus)})
		return ch, err
	case "QuestionnaireResponse":
		return in.questionnaire(e)
	}
	panic("ingest: no reader for stored type " + e.head.ResourceType)
}

// questionnaire stores a QuestionnaireResponse as an observation of
// category "survey" coded by its questionnaire, with one component per
// scored item (terminology.Score: an item whose linkId is a score's code,
// e.g. LOINC 44261-6 for the PHQ-9 total) that has a numeric answer.
func (in *ingester) questionnaire(e *entry) (store.Change, error) {
	var r fhirQuestionnaireResponse
	if err := decode(e, &r); err != nil {
		return 0, err
	}
	if err := checkDate("authored", r.Authored); err != nil {
		return 0, err
	}
	pid, enc, err := in.subjectEncounter(r.Subject, r.Encounter)
	if err != nil {
		return 0, err
	}
	q := strings.TrimSpace(r.Questionnaire)
	o := patient.Observation{PatientID: pid, EncounterID: enc, Category: "survey",
		Code: patient.Coded{{System: SystemQuestionnaire, Code: q, Display: cmpOr(q, "questionnaire")}}, Time: r.Authored, Status: r.Status}
	var walk func(items []qrItem, depth int)
	walk = func(items []qrItem, depth int) {
		if depth > 16 {
			return
		}
		for _, it := range items {
			if code, unit, ok := terminology.Score(it.LinkID); ok && len(it.Answer) > 0 {
				a := it.Answer[0]
				var v *float64
				switch {
				case a.ValueInteger != nil:
					x := float64(*a.ValueInteger)
					v = &x
				case a.ValueDecimal != nil:
					v = a.ValueDecimal
				case a.ValueQuantity != nil && a.ValueQuantity.Value != nil:
					v = a.ValueQuantity.Value
				}
				if v != nil {
					o.Components = append(o.Components, patient.Observation{Category: "survey", Code: patient.Coded{code}, Value: v, Unit: unit})
				}
			}
			walk(it.Item, depth+1)
			for _, a := range it.Answer {
				walk(a.Item, depth+1)
			}
		}
	}
	walk(r.Item, 0)
	_, ch, err := in.w.PutObservation(in.ctx, e.ref(), o)
	return ch, err
}
