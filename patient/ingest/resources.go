package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/store"
)

// ingester stores the entries of one file.
type ingester struct {
	ctx   context.Context
	w     *store.Writer
	file  string
	cur   *entry            // the entry being stored
	byURL map[string]*entry // by fullUrl
	bySrc map[string]*entry // by "<Type>/<id>"
}

// decode decodes the entry's resource into v (a typed FHIR struct).
func decode(e *entry, v any) error {
	if err := json.Unmarshal(e.raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			for _, embedded := range []string{"value.", "medication."} { // Go names of embedded structs
				field = strings.Replace(field, embedded, "", 1)
			}
			return fmt.Errorf("%s.%s: JSON %s where %s was expected", e.head.ResourceType, field, te.Value, jsonKind(te.Type))
		}
		return fmt.Errorf("%s: %v", e.head.ResourceType, err)
	}
	return nil
}

// jsonKind names the JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
}

// store writes one entry; its caller holds a savepoint.
func (in *ingester) store(e *entry) (store.Change, error) {
	in.cur = e
	if err := in.checkReferences(e); err != nil {
		return 0, err
	}
	if err := checkCodes(e); err != nil {
		return 0, err
	}
	ctx, w, t := in.ctx, in.w, e.head.ResourceType
	var ch store.Change
	var err error
	switch t {
	case "Patient":
		var r fhirPatient
		if err := decode(e, &r); err != nil {
			return 0, err
		}
		if err := checkDate("birthDate", r.BirthDate); err != nil {
			return 0, err
		}
		if err := checkDate("deceasedDateTime", r.DeceasedDateTime); err != nil {
			return 0, err
		}
		_, ch, err = w.PutPatient(ctx, e.ref(), patientIdentifier(e, r.Identifier),
			patient.Patient{BirthDate: r.BirthDate, Sex: r.Gender, Deceased: r.DeceasedDateTime})
	case "Encounter":
		var r fhirEncounter
		if err := decode(e, &r); err != nil {
			return 0, err
		}
		if err := checkPeriod("period", r.Period.Start, r.Period.End); err != nil {
			return 0, err
		}
		pid, err := in.subject(r.Subject)
		if err != nil {
			return 0, err
		}
		var typ patient.Coded
		for _, c := range r.Type {
			typ = append(typ, coded(c)...)
		}
		_, ch, err = w.PutEncounter(ctx, e.ref(), patient.Encounter{PatientID: pid, Class: r.Class.Code, Type: typ,
			Start: r.Period.Start, End: r.Period.End, Status: r.Status})
		if err != nil {
			return 0, err
		}
	case "Observation":
		ch, err = in.observation(e)
	case "Condition":
		var r fhirCondition
		if err := decode(e, &r); err != nil {
			return 0, err
		}
		onset, abatement := r.OnsetDateTime, r.AbatementDateTime
		if r.OnsetPeriod != nil {
			onset = r.OnsetPeriod.Start
		}
		if r.AbatementPeriod != nil {
			abatement = r.AbatementPeriod.Start
		}
		if err := checkPeriod("onset to abatement", onset, abatement); err != nil {
			return 0, err
		}
		if err := checkDate("recordedDate", r.RecordedDate); err != nil {
			return 0, err
		}
		pid, enc, err := in.subjectEncounter(r.Subject, r.Encounter)
		if err != nil {
			return 0, err
		}
		_, ch, err = w.PutCondition(ctx, e.ref(), patient.Condition{PatientID: pid, EncounterID: enc, Code: coded(r.Code),
			Onset: onset, Abatement: abatement, Recorded: r.RecordedDate,
			ClinicalStatus: first(r.ClinicalStatus), VerificationStatus: first(r.VerificationStatus)})
		if err != nil {
			return 0, err
		}
	case "MedicationRequest":
		var r fhirMedicationRequest
		if err := decode(e, &r); err != nil {
			return 0, err
		}
		start, stop := r.AuthoredOn, ""
		if r.DispenseRequest != nil && r.DispenseRequest.ValidityPeriod != nil {
			start, stop = r.DispenseRequest.ValidityPeriod.Start, r.DispenseRequest.ValidityPeriod.End
			if start == "" {
				start = r.AuthoredOn
			}
		}
		ch, err = in.therapy(e, r.medication, r.Subject, r.Encounter, start, stop, r.Status)
	case "MedicationStatement":
		var r fhirMedicationStatement
		if err := decode(e, &r); err != nil {
			return 0, err
		}
		start, stop := r.EffectiveDateTime, ""
		if r.EffectivePeriod != nil {
			start, stop = r.EffectivePeriod.Start, r.EffectivePeriod.End
		}
		if start == "" {
			start = r.DateAsserted
		}
		ch, err = in.therapy(e, r.medication, r.Subject, r.Context, start, stop, r.Status)
	case "Procedure":
		var r fhirProcedure
		if err := decode(e, &r); err != nil {
			return 0, err
		}
		start, end := r.PerformedDateTime, ""
		if r.PerformedPeriod != nil {
			start, end = r.PerformedPeriod.Start, r.PerformedPeriod.End
		}
		if err := checkPeriod("performed", start, end); err != nil {
			return 0, err
		}
		pid, enc, err := in.subjectEncounter(r.Subject, r.Encounter)
		if err != nil {
			return 0, err
		}
		_, ch, err = w.PutProcedure(ctx, e.ref(), patient.Procedure{PatientID: pid, EncounterID: enc, Code: coded(r.Code),
			Start: start, End: end, Status: r.Status})
		if err != nil {
			return 0, err
		}
	case "DiagnosticReport":
		ch, err = in.report(e)
	case "ImagingStudy":
		ch, err = in.imaging(e)
	default:
		ch, err = in.storeMore(e)
	}
	return ch, err
}

// patientIdentifier is the identifier a patient's pseudonym derives from:
// the medical record number (identifier of type MR), else the first
// identifier, else the source record key.
func patientIdentifier(e *entry, ids []identifier) string {
	for _, id := range ids {
		if id.Type != nil && first(*id.Type) == "MR" && id.Value != "" {
			return id.System + "|" + id.Value
		}
	}
	for _, id := range ids {
		if id.Value != "" {
			return id.System + "|" + id.Value
		}
	}
	return e.src
}

func (in *ingester) observation(e *entry) (store.Change, error) {
	var r fhirObservation
	if err := decode(e, &r); err != nil {
		return 0, err
	}
	t, err := effectiveTime(first2(r.EffectiveDateTime, r.EffectiveInstant), r.EffectivePeriod, r.Issued)
	if err != nil {
		return 0, err
	}
	pid, enc, err := in.subjectEncounter(r.Subject, r.Encounter)
	if err != nil {
		return 0, err
	}
	var cat string
	if len(r.Category) > 0 {
		cat = first(r.Category[0])
	}
	o := patient.Observation{PatientID: pid, EncounterID: enc, Category: cat, Code: coded(r.Code), Time: t, Status: r.Status}
	r.value.set(&o)
	for _, c := range r.Component {
		co := patient.Observation{Code: coded(c.Code)}
		c.value.set(&co)
		o.Components = append(o.Components, co)
	}
	_, ch, err := in.w.PutObservation(in.ctx, e.ref(), o)
	return ch, err
}

// set copies value[x] into o.
func (v value) set(o *patient.Observation) {
	switch {
	case v.ValueQuantity != nil:
		q := v.ValueQuantity
		o.Value = q.Value
		o.Unit = q.Unit
		if q.System == "http://unitsofmeasure.org" && q.Code != "" {
			o.Unit = q.Code
		}
	case v.ValueCodeableConcept != nil:
		c := coded(*v.ValueCodeableConcept).Primary()
		o.ValueCode = patient.Code{System: c.System, Code: c.Code}
		o.ValueText = c.Display
	case v.ValueString != nil:
		o.ValueText = *v.ValueString
	case v.ValueBoolean != nil:
		x := 0.0
		if *v.ValueBoolean {
			x = 1
		}
		o.Value = &x
	case v.ValueInteger != nil:
		x := float64(*v.ValueInteger)
		o.Value = &x
	}
}

func (in *ingester) therapy(e *entry, m medication, subject, encounter reference, start, stop, status string) (store.Change, error) {
	if err := checkPeriod("therapy", start, stop); err != nil {
		return 0, err
	}
	pid, enc, err := in.subjectEncounter(subject, encounter)
	if err != nil {
		return 0, err
	}
	var drug patient.Coded
	switch {
	case m.MedicationCodeableConcept != nil:
		drug = coded(*m.MedicationCodeableConcept)
	case m.MedicationReference != nil:
		if drug, err = in.medication(e, m.MedicationReference.Reference); err != nil {
			return 0, err
		}
		if len(drug) == 0 && m.MedicationReference.Display != "" {
			drug = patient.Coded{{Display: m.MedicationReference.Display}}
		}
	default:
		return 0, errors.New("no medication[x]")
	}
	_, ch, err := in.w.PutTherapy(in.ctx, e.ref(), patient.Therapy{PatientID: pid, EncounterID: enc, Drug: drug,
		Start: start, Stop: stop, Status: status, Origin: e.head.ResourceType})
	return ch, err
}

// medication finds the code of a referred Medication: contained, in the
// same file, or (when it cannot be found) none.
func (in *ingester) medication(e *entry, ref string) (patient.Coded, error) {
	var raw json.RawMessage
	if id, ok := strings.CutPrefix(ref, "#"); ok {
		var r struct {
			Contained []json.RawMessage `json:"contained"`
		}
		json.Unmarshal(e.raw, &r)
		for _, c := range r.Contained {
			var h head
			if json.Unmarshal(c, &h) == nil && h.ID == id {
				raw = c
			}
		}
	} else if t := in.target(ref); t != nil {
		raw = t.raw
	}
	if raw == nil {
		return nil, nil
	}
	var m fhirMedication
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("medication %s: %v", ref, err)
	}
	return coded(m.Code), nil
}

func (in *ingester) report(e *entry) (store.Change, error) {
	var r fhirDiagnosticReport
	if err := decode(e, &r); err != nil {
		return 0, err
	}
	t, err := effectiveTime(r.EffectiveDateTime, r.EffectivePeriod, r.Issued)
	if err != nil {
		return 0, err
	}
	pid, enc, err := in.subjectEncounter(r.Subject, r.Encounter)
	if err != nil {
		return 0, err
	}
	rep := patient.Report{PatientID: pid, EncounterID: enc, Code: coded(r.Code), Time: t, Status: r.Status, Conclusion: r.Conclusion}
	for _, ref := range r.Result {
		s, err := in.resolve(ref.Reference, "observations")
		if err != nil {
			return 0, fmt.Errorf("result: %w", err)
		}
		rep.Results = append(rep.Results, s.RowID)
	}
	_, ch, err := in.w.PutReport(in.ctx, e.ref(), rep)
	return ch, err
}

func (in *ingester) imaging(e *entry) (store.Change, error) {
	var r fhirImagingStudy
	if err := decode(e, &r); err != nil {
		return 0, err
	}
	if err := checkDate("started", r.Started); err != nil {
		return 0, err
	}
	pid, enc, err := in.subjectEncounter(r.Subject, r.Encounter)
	if err != nil {
		return 0, err
	}
	a := patient.Asset{PatientID: pid, EncounterID: enc, Kind: "imaging-study", Description: r.Description, Time: r.Started}
	for _, id := range r.Identifier {
		if a.UID == "" {
			a.UID = strings.TrimPrefix(id.Value, "urn:oid:")
		}
	}
	var mods, sites []string
	add := func(list []string, s string) []string {
		for _, x := range list {
			if x == s {
				return list
			}
		}
		return append(list, s)
	}
	for _, m := range r.Modality {
		mods = add(mods, m.Code)
	}
	for _, s := range r.Series {
		if s.Modality.Code != "" {
			mods = add(mods, s.Modality.Code)
		}
		if s.BodySite.Display != "" || s.BodySite.Code != "" {
			sites = add(sites, cmpOr(s.BodySite.Display, s.BodySite.Code))
		}
		if a.Description == "" {
			a.Description = s.Description
		}
	}
	a.Modality, a.BodySite = strings.Join(mods, ","), strings.Join(sites, ",")
	_, ch, err := in.w.PutAsset(in.ctx, e.ref(), a)
	return ch, err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// subject resolves a resource's subject to a stored patient.
func (in *ingester) subject(ref reference) (string, error) {
	if ref.Reference == "" {
		return "", errors.New("no subject: a patient reference is required")
	}
	s, err := in.resolve(ref.Reference, "patients")
	if err != nil {
		return "", fmt.Errorf("subject: %w", err)
	}
	return s.PatientID, nil
}

// subjectEncounter resolves the subject and the (optional) encounter,
// which must be the same patient's.
func (in *ingester) subjectEncounter(subject, encounter reference) (string, int64, error) {
	pid, err := in.subject(subject)
	if err != nil || encounter.Reference == "" {
		return pid, 0, err
	}
	s, err := in.resolve(encounter.Reference, "encounters")
	if err != nil {
		return "", 0, fmt.Errorf("encounter: %w", err)
	}
	if s.PatientID != pid {
		return "", 0, fmt.Errorf("encounter %s is another patient's", encounter.Reference)
	}
	return pid, s.RowID, nil
}

// target finds the entry of this file a reference points to, or nil.
func (in *ingester) target(ref string) *entry {
	if t := in.byURL[ref]; t != nil {
		return t
	}
	if src := relative(ref); src != "" {
		return in.bySrc[src]
	}
	return nil
}

// relative returns "<Type>/<id>" for a relative or absolute RESTful
// reference ("Patient/1", "http://x/fhir/Patient/1/_history/2"), else "".
func relative(ref string) string {
	if strings.HasPrefix(ref, "urn:") || strings.HasPrefix(ref, "#") || strings.Contains(ref, "?") {
		return ""
	}
	if u, err := url.Parse(ref); err == nil && u.Scheme != "" {
		ref = u.Path
	}
	parts := strings.Split(strings.Trim(ref, "/"), "/")
	if n := len(parts); n >= 4 && parts[n-2] == "_history" {
		parts = parts[:n-2]
	}
	if n := len(parts); n >= 2 && r4Types[parts[n-2]] {
		return parts[n-2] + "/" + parts[n-1]
	}
	return ""
}

// resolve finds the stored record a reference points to; kind is the
// table it must be in.
func (in *ingester) resolve(ref, kind string) (store.Source, error) {
	var src string
	var t *entry
	switch {
	case strings.HasPrefix(ref, "urn:"):
		if t = in.byURL[ref]; t == nil {
			return store.Source{}, fmt.Errorf("broken reference %s: no entry of this bundle has that fullUrl", ref)
		}
		src = t.src
	case strings.HasPrefix(ref, "Patient?"):
		return in.conditionalPatient(ref, kind)
	default:
		if t = in.target(ref); t != nil {
			src = t.src
		} else if src = relative(ref); src == "" {
			return store.Source{}, fmt.Errorf("reference %q cannot be resolved (expected urn:uuid:…, <Type>/<id> or Patient?identifier=…)", ref)
		}
	}
	source := in.cur.source
	if t != nil {
		source = t.source
	}
	s, ok, err := in.w.Lookup(in.ctx, store.Ref{Source: source, ID: src})
	if err != nil {
		return s, err
	}
	if !ok {
		if t != nil {
			return s, fmt.Errorf("broken reference %s: %s was not stored (%s)", ref, t.where(), cmpOr(errString(t.err), "it failed or its type is not stored"))
		}
		return s, fmt.Errorf("broken reference %s: not in this file nor in the store", ref)
	}
	if s.Kind != kind {
		return s, fmt.Errorf("reference %s is a %s record, expected %s", ref, strings.TrimSuffix(s.Kind, "s"), strings.TrimSuffix(kind, "s"))
	}
	return s, nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (e *entry) where() string {
	if e.line > 0 {
		return fmt.Sprintf("line %d", e.line)
	}
	return fmt.Sprintf("entry[%d]", e.index)
}

// conditionalPatient resolves "Patient?identifier=system|value" to the
// patient the referring record's source sent with that identifier.
func (in *ingester) conditionalPatient(ref, kind string) (store.Source, error) {
	q, _ := url.ParseQuery(strings.TrimPrefix(ref, "Patient?"))
	id := q.Get("identifier")
	if kind != "patients" || id == "" || !strings.Contains(id, "|") {
		return store.Source{}, fmt.Errorf("conditional reference %s cannot be resolved", ref)
	}
	pid, ok, err := in.w.PatientByIdentifier(in.ctx, in.cur.source, id)
	if err != nil {
		return store.Source{}, err
	}
	if !ok {
		return store.Source{}, fmt.Errorf("broken reference %s: no such patient in the store", ref)
	}
	return store.Source{Kind: "patients", PatientID: pid}, nil
}

// checkReferences checks every reference of the resource that must
// resolve within the file: urn: references (to a fullUrl of the bundle)
// and "#id" references (to a contained resource); and the size of every
// string (MaxFieldBytes; attachment data and narrative excepted).
func (in *ingester) checkReferences(e *entry) error {
	var v any
	if err := json.Unmarshal(e.raw, &v); err != nil {
		return err
	}
	contained := map[string]bool{}
	if m, ok := v.(map[string]any); ok {
		if cs, ok := m["contained"].([]any); ok {
			for _, c := range cs {
				if cm, ok := c.(map[string]any); ok {
					if id, ok := cm["id"].(string); ok {
						contained[id] = true
					}
				}
			}
		}
	}
	var bad error
	var walk func(path string, v any)
	walk = func(path string, v any) {
		if bad != nil {
			return
		}
		switch x := v.(type) {
		case string:
			if last := path[strings.LastIndexByte(path, '.')+1:]; len(x) > MaxFieldBytes && last != "data" && last != "div" {
				bad = fmt.Errorf("%s is %d bytes, more than the cap of %d per field", path, len(x), MaxFieldBytes)
			}
		case map[string]any:
			if r, ok := x["reference"].(string); ok {
				if strings.HasPrefix(r, "urn:") && in.byURL[r] == nil {
					bad = fmt.Errorf("%s: broken reference %s: no entry of this bundle has that fullUrl", path, r)
				} else if id, ok := strings.CutPrefix(r, "#"); ok && id != "" && !contained[id] {
					bad = fmt.Errorf("%s: broken reference %s: no contained resource has that id", path, r)
				}
			}
			for _, k := range slices.Sorted(maps.Keys(x)) {
				if k != "contained" {
					walk(strings.TrimPrefix(path+"."+k, "."), x[k])
				}
			}
		case []any:
			for i, y := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), y)
			}
		}
	}
	walk("", v)
	return bad
}

// effectiveTime is the clinically relevant time of an Observation or a
// DiagnosticReport: effective[x] (dateTime or instant, else the start of a
// well-ordered effectivePeriod), else issued; it must be a valid date.
func effectiveTime(at string, p *period, issued string) (string, error) {
	if p != nil {
		if err := checkPeriod("effectivePeriod", p.Start, p.End); err != nil {
			return "", err
		}
		at = p.Start
	}
	if at == "" {
		at = issued
	}
	return at, checkDate("effective", at)
}

func first2(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
