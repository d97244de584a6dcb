package terminology

import (
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/mdtwin/mdtwin/patient"
)

// Code systems (FHIR canonical URLs) the mappings use.
const (
	SystemLOINC  = "http://loinc.org"
	SystemSNOMED = "http://snomed.info/sct"
	SystemRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
	SystemATC    = "http://www.whocc.no/atc"
	SystemCVX    = "http://hl7.org/fhir/sid/cvx"
	SystemUCUM   = "http://unitsofmeasure.org"
)

// vocabularies names the OMOP vocabulary of each code system.
var vocabularies = map[string]string{SystemLOINC: "LOINC", SystemSNOMED: "SNOMED", SystemRxNorm: "RxNorm",
	SystemATC: "ATC", SystemCVX: "CVX", SystemUCUM: "UCUM"}

// Vocabulary returns the OMOP vocabulary_id of a FHIR code system ("" when
// mdtwin knows none).
func Vocabulary(system string) string { return vocabularies[system] }

// Concept is an OMOP concept of the shipped vocabulary subset.
type Concept struct {
	ID         int64
	Name       string
	Domain     string // Condition, Drug, Measurement, Observation, Procedure, Visit, Unit, ...
	Vocabulary string
	Class      string
	Standard   bool
	Code       string
}

// tables holds the parsed data files.
type tables struct {
	concepts     map[[2]string]Concept // (vocabulary, code)
	therapies    map[[2]string]string  // (system, code) → therapy
	observations map[[2]string]ObservationInfo
	questions    map[string]patient.Code // linkId → score code
	units        map[string]string       // linkId → unit
	err          error
}

var (
	tablesOnce sync.Once
	tab        tables
)

func load() *tables {
	tablesOnce.Do(func() { tab = parseTables() })
	return &tab
}

func parseTables() tables {
	t := tables{concepts: map[[2]string]Concept{}, therapies: map[[2]string]string{},
		observations: map[[2]string]ObservationInfo{}, questions: map[string]patient.Code{}, units: map[string]string{}}
	rows, err := ParseTable("data/omop_concepts.tsv", mustRead("data/omop_concepts.tsv"), 7, "concept_id")
	if err != nil {
		t.err = err
		return t
	}
	for _, r := range rows {
		id, err := strconv.ParseInt(r.cells[0], 10, 64)
		if err != nil {
			t.err = &TableError{File: "data/omop_concepts.tsv", Line: r.line, Col: 1, Msg: "concept_id: " + err.Error()}
			return t
		}
		c := Concept{ID: id, Name: r.cells[1], Domain: r.cells[2], Vocabulary: r.cells[3], Class: r.cells[4],
			Standard: r.cells[5] == "S", Code: r.cells[6]}
		t.concepts[[2]string{c.Vocabulary, c.Code}] = c
	}
	if rows, err = ParseTable("data/therapies.tsv", mustRead("data/therapies.tsv"), 4, "therapy"); err != nil {
		t.err = err
		return t
	}
	for _, r := range rows {
		t.therapies[[2]string{r.cells[1], r.cells[2]}] = r.cells[0]
	}
	if rows, err = ParseTable("data/observations.tsv", mustRead("data/observations.tsv"), 5, "system"); err != nil {
		t.err = err
		return t
	}
	for _, r := range rows {
		g := Group(r.cells[3])
		if g != Clinical && g != Device && g != PROM {
			t.err = &TableError{File: "data/observations.tsv", Line: r.line, Msg: "group " + r.cells[3] + ", expected clinical, device or prom"}
			return t
		}
		if _, err := ParseUnit(r.cells[2]); err != nil {
			t.err = &TableError{File: "data/observations.tsv", Line: r.line, Msg: err.Error()}
			return t
		}
		t.observations[[2]string{r.cells[0], r.cells[1]}] = ObservationInfo{Unit: r.cells[2], Group: g, Label: r.cells[4]}
	}
	if rows, err = ParseTable("data/questionnaires.tsv", mustRead("data/questionnaires.tsv"), 5, "linkId"); err != nil {
		t.err = err
		return t
	}
	for _, r := range rows {
		t.questions[r.cells[0]] = patient.Code{System: r.cells[1], Code: r.cells[2], Display: r.cells[3]}
		t.units[r.cells[0]] = r.cells[4]
	}
	return t
}

// Check reports a problem of the embedded data files (nil when they are
// well formed); the lookups treat a broken file as empty.
func Check() error {
	if _, err := ParseUnit("kg"); err != nil {
		return err
	}
	return load().err
}

// OMOP returns the OMOP concept of a code of a FHIR code system, when the
// shipped subset has it.
func OMOP(system, code string) (Concept, bool) {
	c, ok := load().concepts[[2]string{Vocabulary(system), code}]
	return c, ok
}

// OMOPVocabulary returns the concept of an OMOP vocabulary's code (e.g.
// ("Visit", "OP"), ("UCUM", "kg")).
func OMOPVocabulary(vocabulary, code string) (Concept, bool) {
	c, ok := load().concepts[[2]string{vocabulary, code}]
	return c, ok
}

// Standard returns the first coding of c that maps to a standard OMOP
// concept of the subset, with that concept.
func Standard(c patient.Coded) (patient.Code, Concept, bool) {
	for _, cd := range c {
		if oc, ok := OMOP(cd.System, cd.Code); ok && oc.Standard {
			return cd, oc, true
		}
	}
	return patient.Code{}, Concept{}, false
}

// How says how a therapy was matched.
type How int

// Ways of matching a therapy.
const (
	NoMatch How = iota
	ByCode      // a coding's code is in the therapy table (RxNorm, ATC, SNOMED CT)
	ByText      // no code matched: the display text, normalised
)

func (h How) String() string { return [...]string{"none", "code", "display text"}[h] }

// Therapy returns the therapy name of a drug concept: the name the therapy
// table gives any of its codings (RxNorm, ATC, SNOMED CT), else the display
// text of its primary coding in lower case with each run of other
// characters than letters and digits as one "_" ("Dimethyl fumarate" →
// dimethyl_fumarate), the form mscohort's therapy names have.
func Therapy(drug patient.Coded) (string, How) {
	t := load()
	for _, c := range drug {
		if name, ok := t.therapies[[2]string{c.System, strings.TrimSpace(c.Code)}]; ok {
			return name, ByCode
		}
	}
	p := drug.Primary()
	text := p.Display
	if text == "" {
		text = p.Code
	}
	if name := Normalise(text); name != "" {
		return name, ByText
	}
	return "", NoMatch
}

// Normalise lower-cases s and joins its runs of letters and digits with
// "_".
func Normalise(s string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(s) {
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
	return b.String()
}

// Group is where an observation is shown on the dashboard.
type Group string

// Groups of observations.
const (
	Clinical Group = "clinical" // measured in care
	Device   Group = "device"   // sent by a device (a wearable's step counts)
	PROM     Group = "prom"     // reported by the patient (questionnaire scores)
)

// ObservationInfo is what the observation table says of a code.
type ObservationInfo struct {
	Unit  string // UCUM unit the values are plotted and exported in
	Group Group
	Label string
}

// Observation returns what the table says of the first coding of c it
// knows (LOINC, SNOMED CT).
func Observation(c patient.Coded) (patient.Code, ObservationInfo, bool) {
	t := load()
	for _, cd := range c {
		if info, ok := t.observations[[2]string{cd.System, cd.Code}]; ok {
			return cd, info, true
		}
	}
	return patient.Code{}, ObservationInfo{}, false
}

// InUnit returns value (in unit) in the unit the table gives code c, and
// that unit; ok is false when the code is not in the table or the units do
// not convert (the value is then returned unchanged).
func InUnit(c patient.Coded, value float64, unit string) (float64, string, bool) {
	_, info, ok := Observation(c)
	if !ok {
		return value, unit, false
	}
	v, err := Convert(value, unit, info.Unit)
	if err != nil {
		return value, unit, false
	}
	return v, info.Unit, true
}

// Score returns the code and unit of a questionnaire item stored as a
// score, by its linkId.
func Score(linkID string) (patient.Code, string, bool) {
	t := load()
	c, ok := t.questions[linkID]
	return c, t.units[linkID], ok
}
