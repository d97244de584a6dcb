package ingest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// valueSet is a FHIR R4 (4.0.1) value set of a required binding: every
// code of a coded field mdtwin stores must be in it.
type valueSet struct {
	name  string
	codes []string
}

// The value sets of the required bindings of the elements mdtwin stores,
// as published in FHIR R4 4.0.1 (hl7.org/fhir/R4/valueset-<name>.html).
var (
	administrativeGender = valueSet{"administrative-gender", []string{"male", "female", "other", "unknown"}}
	observationStatus    = valueSet{"observation-status", []string{"registered", "preliminary", "final", "amended",
		"corrected", "cancelled", "entered-in-error", "unknown"}}
	encounterStatus = valueSet{"encounter-status", []string{"planned", "arrived", "triaged", "in-progress", "onleave",
		"finished", "cancelled", "entered-in-error", "unknown"}}
	conditionClinical = valueSet{"condition-clinical", []string{"active", "recurrence", "relapse", "inactive",
		"remission", "resolved"}}
	conditionVerStatus = valueSet{"condition-ver-status", []string{"unconfirmed", "provisional", "differential",
		"confirmed", "refuted", "entered-in-error"}}
	medicationRequestStatus = valueSet{"medicationrequest-status", []string{"active", "on-hold", "cancelled",
		"completed", "entered-in-error", "stopped", "draft", "unknown"}}
	medicationStatementStatus = valueSet{"medication-statement-status", []string{"active", "completed",
		"entered-in-error", "intended", "stopped", "on-hold", "unknown", "not-taken"}}
	eventStatus = valueSet{"event-status", []string{"preparation", "in-progress", "not-done", "on-hold", "stopped",
		"completed", "entered-in-error", "unknown"}}
	diagnosticReportStatus = valueSet{"diagnostic-report-status", []string{"registered", "partial", "preliminary",
		"final", "amended", "corrected", "appended", "cancelled", "entered-in-error", "unknown"}}
	imagingStudyStatus = valueSet{"imagingstudy-status", []string{"registered", "available", "cancelled",
		"entered-in-error", "unknown"}}
)

// statusSets gives the value set of each stored type's status.
var statusSets = map[string]valueSet{
	"Observation": observationStatus, "Encounter": encounterStatus, "MedicationRequest": medicationRequestStatus,
	"MedicationStatement": medicationStatementStatus, "Procedure": eventStatus,
	"DiagnosticReport": diagnosticReportStatus, "ImagingStudy": imagingStudyStatus,
}

// check reports a code that is not in the value set ("" is no code).
func (vs valueSet) check(field, code string) error {
	if code == "" || slices.Contains(vs.codes, code) {
		return nil
	}
	return fmt.Errorf("%s %q is not in the value set %s (%s)", field, code, vs.name, strings.Join(vs.codes, ", "))
}

// The code systems of Condition's clinical and verification status.
const (
	systemConditionClinical  = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	systemConditionVerStatus = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
)

// checkCodes checks the coded fields of a stored resource with a required
// binding: Patient.gender, each type's status, and Condition's clinical
// and verification status (their codings of the FHIR code system).
func checkCodes(e *entry) error {
	var r struct {
		Gender             *string `json:"gender"`
		Status             *string `json:"status"`
		ClinicalStatus     concept `json:"clinicalStatus"`
		VerificationStatus concept `json:"verificationStatus"`
	}
	if err := decode(e, &r); err != nil {
		return err
	}
	t := e.head.ResourceType
	if r.Gender != nil && t == "Patient" {
		if err := administrativeGender.check("gender", *r.Gender); err != nil {
			return err
		}
	}
	if vs, ok := statusSets[t]; ok && r.Status != nil {
		if err := vs.check("status", *r.Status); err != nil {
			return err
		}
	}
	if t == "Condition" {
		for _, c := range r.ClinicalStatus.Coding {
			if c.System == systemConditionClinical {
				if err := conditionClinical.check("clinicalStatus", c.Code); err != nil {
					return err
				}
			}
		}
		for _, c := range r.VerificationStatus.Coding {
			if c.System == systemConditionVerStatus {
				if err := conditionVerStatus.check("verificationStatus", c.Code); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Resource types of FHIR DSTU2 (1.0.2) and STU3 (3.0.x) that R4 removed or
// renamed (MedicationOrder became MedicationRequest, ProcedureRequest and
// ReferralRequest became ServiceRequest, ...).
var (
	dstu2Types = map[string]bool{"MedicationOrder": true, "DiagnosticOrder": true, "Order": true,
		"OrderResponse": true, "DeviceUseRequest": true}
	stu3Types = map[string]bool{"ProcedureRequest": true, "ReferralRequest": true, "ImagingManifest": true,
		"BodySite": true, "ExpansionProfile": true, "ServiceDefinition": true}
)

// olderVersion tells a resource list of FHIR DSTU2 or STU3 from R4 by what
// R4 changed: resource types it removed, and elements that were renamed
// or changed type (DSTU2: Encounter.class a code and Encounter.patient,
// Observation.category one object, Condition.patient,
// Immunization.wasNotGiven; STU3: Immunization.notGiven, a "context"
// where R4 has "encounter", Condition.assertedDate, and a code string
// where R4's Condition.clinicalStatus is a CodeableConcept). It returns
// the version and where it showed ("" when none did). Signs of DSTU2 are
// looked for first, since DSTU2 shares some of STU3's.
func olderVersion(raws []json.RawMessage, unit string) (version, why string) {
	type fields = map[string]json.RawMessage
	decoded := make([]fields, len(raws))
	types := make([]string, len(raws))
	for i, raw := range raws {
		var f fields
		if json.Unmarshal(raw, &f) != nil {
			continue
		}
		decoded[i] = f
		json.Unmarshal(f["resourceType"], &types[i])
	}
	where := func(i int) string {
		if unit == "line" {
			return fmt.Sprintf("line %d", i+1)
		}
		return fmt.Sprintf("%s[%d]", unit, i)
	}
	isString := func(v json.RawMessage) bool { return len(v) > 0 && v[0] == '"' }
	isObject := func(v json.RawMessage) bool { return len(v) > 0 && v[0] == '{' }
	for i, f := range decoded {
		if f == nil {
			continue
		}
		t := types[i]
		switch {
		case dstu2Types[t]:
			return "DSTU2", fmt.Sprintf("%s is a %s, a DSTU2 resource type", where(i), t)
		case t == "Encounter" && isString(f["class"]):
			return "DSTU2", fmt.Sprintf("%s Encounter.class is a code, not an R4 Coding", where(i))
		case (t == "Encounter" || t == "Condition") && f["patient"] != nil:
			return "DSTU2", fmt.Sprintf("%s %s.patient: R4 names it subject", where(i), t)
		case t == "Observation" && isObject(f["category"]):
			return "DSTU2", fmt.Sprintf("%s Observation.category is one object, not an R4 list", where(i))
		case t == "Immunization" && f["wasNotGiven"] != nil:
			return "DSTU2", fmt.Sprintf("%s Immunization.wasNotGiven, a DSTU2 element", where(i))
		}
	}
	for i, f := range decoded {
		if f == nil {
			continue
		}
		t := types[i]
		switch {
		case stu3Types[t]:
			return "STU3", fmt.Sprintf("%s is a %s, an STU3 resource type", where(i), t)
		case t == "Immunization" && f["notGiven"] != nil:
			return "STU3", fmt.Sprintf("%s Immunization.notGiven, an STU3 element", where(i))
		case f["context"] != nil && slices.Contains([]string{"Observation", "Condition", "Procedure",
			"DiagnosticReport", "MedicationRequest"}, t):
			return "STU3", fmt.Sprintf("%s %s.context: R4 names it encounter", where(i), t)
		case t == "Condition" && f["assertedDate"] != nil:
			return "STU3", fmt.Sprintf("%s Condition.assertedDate: R4 names it recordedDate", where(i))
		case t == "Condition" && isString(f["clinicalStatus"]):
			return "STU3", fmt.Sprintf("%s Condition.clinicalStatus is a code, not an R4 CodeableConcept", where(i))
		}
	}
	return "", ""
}
