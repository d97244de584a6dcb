package embodiment

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/scenarios"
)

// Options tunes Personalise. The zero value is ready to use.
type Options struct {
	// AsOf is the index date of an MS forecast: the patient's state is read
	// at or before it. Zero: the date of the latest EDSS visit.
	AsOf time.Time
}

// Personalisation is a scenario made for one patient.
type Personalisation struct {
	// Scenario is a copy of the scenario with the personalised Params,
	// Inputs and Hash; the original is not modified.
	Scenario *scenarios.Scenario
	// PatientID is the patient's pseudonym.
	PatientID string
	// Params holds the [params] values the record set.
	Params map[string]any
	// Inputs holds the [inputs] tables the record set (each replaces the
	// scenario's table of that name).
	Inputs map[string]any
	// Notes says, in sentences, what was derived and what was assumed.
	Notes []string
	// MS is the MS profile (mscohort scenarios), else nil.
	MS *MSProfile
	// Epilepsy is the brain assets (brain scenarios), else nil.
	Epilepsy *EpilepsyAssets
	// Atrial is the atrial assets (atrial scenarios), else nil.
	Atrial *AtrialAssets
}

// Embodier makes a model's inputs from a patient's record: it sets
// p.Params and p.Inputs (and p.Notes and the model's profile in p) from
// rec for scenario sc. Errors are about the record or the scenario, one
// line each.
type Embodier func(p *Personalisation, sc *scenarios.Scenario, rec *patient.Record, opt Options) error

var registry = map[string]Embodier{}

// Register makes embody the embodiment of the model named model. Each
// model's embodiment registers itself (in this package's init functions);
// registering a name twice panics.
func Register(model string, embody Embodier) {
	if _, dup := registry[model]; dup {
		panic("embodiment: model " + model + " registered twice")
	}
	registry[model] = embody
}

// Models returns the names of the models that have an embodiment, sorted.
func Models() []string { return slices.Sorted(maps.Keys(registry)) }

// Personalise returns sc personalised for the patient of rec: see the
// package documentation for what each model takes from the record. Errors
// are about the record or the scenario (no EDSS, a PPMS course, a missing
// or changed asset, a model without embodiment) and read as one line.
func Personalise(sc *scenarios.Scenario, rec *patient.Record, opt Options) (*Personalisation, error) {
	p := &Personalisation{PatientID: rec.Patient.ID, Params: map[string]any{}, Inputs: map[string]any{}}
	embody, ok := registry[sc.Study.Model]
	if !ok {
		return nil, fmt.Errorf("model %q has no patient embodiment (models with one: %s)", sc.Study.Model, strings.Join(Models(), ", "))
	}
	err := embody(p, sc, rec, opt)
	if err != nil {
		return nil, fmt.Errorf("patient %s: %w", rec.Patient.ID, err)
	}
	if sc.Sweep != nil {
		for _, sp := range sc.Sweep.Params {
			if _, ok := p.Params[sp.Name]; ok {
				return nil, fmt.Errorf("patient %s: the scenario's [sweep.params] varies %s, which the patient's record fixes", rec.Patient.ID, sp.Name)
			}
		}
	}
	out, err := sc.Derive(scenarios.Derivation{Why: "patient " + p.PatientID, Params: p.Params, Inputs: p.Inputs})
	if err != nil {
		return nil, err
	}
	p.Scenario = out
	return p, nil
}

func (p *Personalisation) note(format string, args ...any) {
	p.Notes = append(p.Notes, fmt.Sprintf(format, args...))
}

// parseDate reads the date part of a FHIR date or dateTime: YYYY,
// YYYY-MM, YYYY-MM-DD or a dateTime (its local date, as written). A
// partial date stands for its first day.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == 'T' {
		s = s[:10]
	}
	for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: expected YYYY, YYYY-MM, YYYY-MM-DD or a FHIR dateTime", s)
}

// completedYears is the age in whole years on date at of someone born on
// born.
func completedYears(born, at time.Time) int {
	y := at.Year() - born.Year()
	if at.Month() < born.Month() || (at.Month() == born.Month() && at.Day() < born.Day()) {
		y--
	}
	return y
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func formatEDSS(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
