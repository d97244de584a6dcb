package ingest

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mdtwin/mdtwin/patient"
)

// The FHIR R4 elements mdtwin reads: a small typed decoding with
// encoding/json. Elements not listed are ignored.

type reference struct {
	Reference string `json:"reference"`
	Display   string `json:"display"`
}

type coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

type concept struct {
	Coding []coding `json:"coding"`
	Text   string   `json:"text"`
}

type period struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type quantity struct {
	Value  *float64 `json:"value"`
	Unit   string   `json:"unit"`
	System string   `json:"system"`
	Code   string   `json:"code"`
}

type identifier struct {
	Type   *concept `json:"type"`
	System string   `json:"system"`
	Value  string   `json:"value"`
}

// head is what every resource is first decoded into.
type head struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		Source string `json:"source"`
	} `json:"meta"`
}

type fhirPatient struct {
	Identifier       []identifier `json:"identifier"`
	Gender           string       `json:"gender"`
	BirthDate        string       `json:"birthDate"`
	DeceasedDateTime string       `json:"deceasedDateTime"`
}

type fhirEncounter struct {
	Status  string    `json:"status"`
	Class   coding    `json:"class"`
	Type    []concept `json:"type"`
	Subject reference `json:"subject"`
	Period  period    `json:"period"`
}

// value is Observation.value[x] (and component.value[x]).
type value struct {
	ValueQuantity        *quantity `json:"valueQuantity"`
	ValueCodeableConcept *concept  `json:"valueCodeableConcept"`
	ValueString          *string   `json:"valueString"`
	ValueBoolean         *bool     `json:"valueBoolean"`
	ValueInteger         *int64    `json:"valueInteger"`
}

type fhirObservation struct {
	Status            string    `json:"status"`
	Category          []concept `json:"category"`
	Code              concept   `json:"code"`
	Subject           reference `json:"subject"`
	Encounter         reference `json:"encounter"`
	EffectiveDateTime string    `json:"effectiveDateTime"`
	EffectiveInstant  string    `json:"effectiveInstant"`
	EffectivePeriod   *period   `json:"effectivePeriod"`
	Issued            string    `json:"issued"`
	value
	Component []struct {
		Code concept `json:"code"`
		value
	} `json:"component"`
}

type fhirCondition struct {
	ClinicalStatus     concept   `json:"clinicalStatus"`
	VerificationStatus concept   `json:"verificationStatus"`
	Code               concept   `json:"code"`
	Subject            reference `json:"subject"`
	Encounter          reference `json:"encounter"`
	OnsetDateTime      string    `json:"onsetDateTime"`
	OnsetPeriod        *period   `json:"onsetPeriod"`
	AbatementDateTime  string    `json:"abatementDateTime"`
	AbatementPeriod    *period   `json:"abatementPeriod"`
	RecordedDate       string    `json:"recordedDate"`
}

type medication struct {
	MedicationCodeableConcept *concept   `json:"medicationCodeableConcept"`
	MedicationReference       *reference `json:"medicationReference"`
}

type fhirMedicationRequest struct {
	Status string `json:"status"`
	medication
	Subject         reference `json:"subject"`
	Encounter       reference `json:"encounter"`
	AuthoredOn      string    `json:"authoredOn"`
	DispenseRequest *struct {
		ValidityPeriod *period `json:"validityPeriod"`
	} `json:"dispenseRequest"`
}

type fhirMedicationStatement struct {
	Status string `json:"status"`
	medication
	Subject           reference `json:"subject"`
	Context           reference `json:"context"`
	EffectiveDateTime string    `json:"effectiveDateTime"`
	EffectivePeriod   *period   `json:"effectivePeriod"`
	DateAsserted      string    `json:"dateAsserted"`
}

type fhirProcedure struct {
	Status            string    `json:"status"`
	Code              concept   `json:"code"`
	Subject           reference `json:"subject"`
	Encounter         reference `json:"encounter"`
	PerformedDateTime string    `json:"performedDateTime"`
	PerformedPeriod   *period   `json:"performedPeriod"`
}

type fhirDiagnosticReport struct {
	Status            string      `json:"status"`
	Code              concept     `json:"code"`
	Subject           reference   `json:"subject"`
	Encounter         reference   `json:"encounter"`
	EffectiveDateTime string      `json:"effectiveDateTime"`
	EffectivePeriod   *period     `json:"effectivePeriod"`
	Issued            string      `json:"issued"`
	Result            []reference `json:"result"`
	Conclusion        string      `json:"conclusion"`
}

type fhirImagingStudy struct {
	Identifier  []identifier `json:"identifier"`
	Status      string       `json:"status"`
	Subject     reference    `json:"subject"`
	Encounter   reference    `json:"encounter"`
	Started     string       `json:"started"`
	Description string       `json:"description"`
	Modality    []coding     `json:"modality"`
	Series      []struct {
		UID         string `json:"uid"`
		Modality    coding `json:"modality"`
		BodySite    coding `json:"bodySite"`
		Description string `json:"description"`
	} `json:"series"`
}

type fhirMedication struct {
	Code concept `json:"code"`
}

// rank orders resource types so that what is referred to is stored first.
func rank(typ string) int {
	switch typ {
	case "Patient":
		return 0
	case "Encounter":
		return 1
	case "DiagnosticReport":
		return 3
	}
	return 2
}

// stored lists the resource types mdtwin stores; other R4 types are skipped.
var stored = map[string]bool{
	"Patient": true, "Encounter": true, "Observation": true, "Condition": true, "MedicationRequest": true,
	"MedicationStatement": true, "Procedure": true, "ImagingStudy": true, "DiagnosticReport": true,
}

// r4Types are the resource types of FHIR R4 (4.0.1); any other type is an error.
var r4Types = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`Account ActivityDefinition AdverseEvent AllergyIntolerance Appointment
	AppointmentResponse AuditEvent Basic Binary BiologicallyDerivedProduct BodyStructure Bundle CapabilityStatement
	CarePlan CareTeam CatalogEntry ChargeItem ChargeItemDefinition Claim ClaimResponse ClinicalImpression CodeSystem
	Communication CommunicationRequest CompartmentDefinition Composition ConceptMap Condition Consent Contract Coverage
	CoverageEligibilityRequest CoverageEligibilityResponse DetectedIssue Device DeviceDefinition DeviceMetric
	DeviceRequest DeviceUseStatement DiagnosticReport DocumentManifest DocumentReference EffectEvidenceSynthesis
	Encounter Endpoint EnrollmentRequest EnrollmentResponse EpisodeOfCare EventDefinition Evidence EvidenceVariable
	ExampleScenario ExplanationOfBenefit FamilyMemberHistory Flag Goal GraphDefinition Group GuidanceResponse
	HealthcareService ImagingStudy Immunization ImmunizationEvaluation ImmunizationRecommendation ImplementationGuide
	InsurancePlan Invoice Library Linkage List Location Measure MeasureReport Media Medication
	MedicationAdministration MedicationDispense MedicationKnowledge MedicationRequest MedicationStatement
	MedicinalProduct MedicinalProductAuthorization MedicinalProductContraindication MedicinalProductIndication
	MedicinalProductIngredient MedicinalProductInteraction MedicinalProductManufactured MedicinalProductPackaged
	MedicinalProductPharmaceutical MedicinalProductUndesirableEffect MessageDefinition MessageHeader
	MolecularSequence NamingSystem NutritionOrder Observation ObservationDefinition OperationDefinition
	OperationOutcome Organization OrganizationAffiliation Parameters Patient PaymentNotice PaymentReconciliation
	Person PlanDefinition Practitioner PractitionerRole Procedure Provenance Questionnaire QuestionnaireResponse
	RelatedPerson RequestGroup ResearchDefinition ResearchElementDefinition ResearchStudy ResearchSubject
	RiskAssessment RiskEvidenceSynthesis Schedule SearchParameter ServiceRequest Slot Specimen SpecimenDefinition
	StructureDefinition StructureMap Subscription Substance SubstanceNucleicAcid SubstancePolymer SubstanceProtein
	SubstanceReferenceInformation SubstanceSourceMaterial SubstanceSpecification SupplyDelivery SupplyRequest Task
	TerminologyCapabilities TestReport TestScript ValueSet VerificationResult VisionPrescription`) {
		r4Types[t] = true
	}
}

// coded keeps every coding of c; codings of LOINC, SNOMED CT and RxNorm
// come first (the first is the one stored as the primary code). A concept
// with text only becomes one coding with that display.
func coded(c concept) patient.Coded {
	var out patient.Coded
	for _, cd := range c.Coding {
		out = append(out, patient.Code{System: cd.System, Code: cd.Code, Display: cmp.Or(cd.Display, c.Text)})
	}
	if len(out) == 0 && c.Text != "" {
		out = patient.Coded{{Display: c.Text}}
	}
	pref := func(s string) int {
		switch s {
		case patient.SystemLOINC, patient.SystemSNOMED, patient.SystemRxNorm:
			return 0
		}
		return 1
	}
	slices.SortStableFunc(out, func(a, b patient.Code) int { return pref(a.System) - pref(b.System) })
	return out
}

// first returns the first coding's code of c ("" when none).
func first(c concept) string {
	if len(c.Coding) > 0 {
		return c.Coding[0].Code
	}
	return c.Text
}

// fhirDate matches FHIR R4 date, dateTime and instant values.
var fhirDate = regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$`)

// checkDate reports a malformed or impossible date (2019-02-30, month 13,
// hour 25, offset beyond ±14:00). The empty string is no date, and fine.
func checkDate(field, s string) error {
	if s == "" {
		return nil
	}
	m := fhirDate.FindStringSubmatch(s)
	if m == nil {
		return fmt.Errorf("%s %q is not a FHIR date or dateTime", field, s)
	}
	n := func(i, def int) int {
		if m[i] == "" {
			return def
		}
		v, _ := strconv.Atoi(m[i])
		return v
	}
	y, mo, d, h, mi, sec := n(1, 0), n(2, 1), n(3, 1), n(4, 0), n(5, 0), n(6, 0)
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if mo < 1 || mo > 12 || t.Day() != d || t.Month() != time.Month(mo) || h > 23 || mi > 59 || sec > 59 {
		return fmt.Errorf("%s %q is an impossible date", field, s)
	}
	if tz := m[7]; len(tz) == 6 && (tz[1:3] > "14" || tz[4:] > "59") {
		return fmt.Errorf("%s %q has an impossible time-zone offset", field, s)
	}
	if m[4] != "" && m[7] == "" {
		return fmt.Errorf("%s %q has a time but no time-zone offset", field, s)
	}
	return nil
}

// instant returns the earliest instant of a valid FHIR date or dateTime.
func instant(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", time.DateOnly, "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// checkPeriod checks both ends and that the period does not end before it
// starts (when both ends are at least day-precise).
func checkPeriod(field, start, end string) error {
	if err := checkDate(field+" start", start); err != nil {
		return err
	}
	if err := checkDate(field+" end", end); err != nil {
		return err
	}
	if len(start) >= 10 && len(end) >= 10 {
		s, e := instant(start), instant(end)
		if len(end) == 10 { // a date-only end lasts the whole day
			e = e.Add(24*time.Hour - time.Nanosecond)
		}
		if e.Before(s) {
			return fmt.Errorf("%s ends (%s) before it starts (%s)", field, end, start)
		}
	}
	return nil
}
