package prediction

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/mdtwin/mdtwin/cohort"
	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/embodiment"
	"github.com/mdtwin/mdtwin/scenarios/examples"
)

// ReferenceCohort is a table of reference MS patients that Similar matches
// a patient against (MS Vista: Ed-driouch et al., Ann
// Clin Transl Neurol 2022;9:1863 — similar patients' outcomes against the
// whole reference). Its columns are those of the registry example
// (scenarios/examples/data/README.md): the matching features sex, age,
// course, edss, disease_duration and relapses_prior_2y, and the outcomes
// relapse_2y (yes/no), edss_2y and worsening_years/worsening (time to EDSS
// worsening and its event indicator).
type ReferenceCohort struct {
	Name  string // the value of ?cohort=
	Label string // what the panel's menu shows
	Path  string // a CSV file; "" for the embedded example tables
	embed string // file in examples.Cohorts
}

// DefaultReferenceCohorts are the cohorts the dashboard's similar-patients
// panel offers when it is given none: the invented MS registry of the examples and its avatar copy.
var DefaultReferenceCohorts = []ReferenceCohort{
	{Name: "ms-registry", Label: "MS registry (invented, 600 patients)", embed: "data/ms_registry.csv"},
	{Name: "ms-registry-avatars", Label: "MS registry — avatar copy (k = 20)", embed: "data/ms_registry_avatars.csv"},
}

// The similar-patient matching's settings: the matching features, the
// outcomes and the times the worsening-free curves are read at.
var (
	similarFeatures = []string{"sex", "age", "course", "edss", "disease_duration", "relapses_prior_2y"}
	similarHorizons = []float64{2, 5}
)

// SimilarK is the number of similar patients Similar matches (ties at
// the cut-off are kept).
const SimilarK = 20

// loadedCohort is a reference table, read once.
type loadedCohort struct {
	once  sync.Once
	table *cohort.Table
	err   error
}

var cohortTables sync.Map // path or embed name → *loadedCohort

func (c ReferenceCohort) load() (*cohort.Table, error) {
	key := c.Path
	if key == "" {
		key = "embed:" + c.embed
	}
	v, _ := cohortTables.LoadOrStore(key, &loadedCohort{})
	lc := v.(*loadedCohort)
	lc.once.Do(func() {
		var data []byte
		if c.Path != "" {
			data, lc.err = os.ReadFile(c.Path)
		} else {
			data, lc.err = examples.Cohorts.ReadFile(c.embed)
		}
		if lc.err == nil {
			lc.table, lc.err = cohort.ReadCSV(bytes.NewReader(data), c.Name, cohort.ReadOptions{})
		}
	})
	return lc.table, lc.err
}

// SimilarPatients is a patient's prognosis from the outcomes of similar
// reference patients: the patient's values matched on and the match, or
// why there is none.
type SimilarPatients struct {
	Features [][2]string // the patient's values matched on ({feature, value}), and notes on the match
	Problem  string      // why there is no match (not an MS patient, …); "" when Result is set
	Result   *cohort.MatchResult
}

// SurvivalPoint is a point of the Kaplan–Meier curves of a
// SimilarPatients' Result, for those who draw them.
type SurvivalPoint = cohort.SurvivalPoint

// Similar matches the MS patient of rec against the reference cohort c:
// the SimilarK nearest reference patients (cohort.MatchPatient) on sex,
// age, course, EDSS state, disease duration and recent relapses, their
// outcomes (relapse within 2 years, EDSS at 2 years) and their
// worsening-free survival read at 2 and 5 years, each beside the whole
// reference's. A record that is not an MS patient's gives a Problem; a
// cohort that cannot be read gives an error (with Features set).
func Similar(rec *patient.Record, c ReferenceCohort) (SimilarPatients, error) {
	query, features, problem := msQuery(rec)
	if problem != "" {
		return SimilarPatients{Features: features, Problem: problem}, nil
	}
	ref, err := c.load()
	if err != nil {
		return SimilarPatients{Features: features}, err
	}
	return match(ref, query, features), nil
}

// SimilarIn matches the patient's values query (feature name → value, the
// names of Similar's features) against the reference table ref, as
// Similar does once it has read the cohort.
func SimilarIn(ref *cohort.Table, query map[string]string) SimilarPatients {
	return match(ref, query, nil)
}

// match matches query against ref; features are the patient's values
// shown, to which it adds its notes.
func match(ref *cohort.Table, query map[string]string, features [][2]string) SimilarPatients {
	p := SimilarPatients{Features: features}
	for name := range query {
		if ref.Column(name) == nil {
			delete(query, name) // a cohort without the column: match on the others
		}
	}
	if c := ref.Column("course"); c != nil && query["course"] != "" && c.Level(query["course"]) < 0 {
		p.Features = append(p.Features, [2]string{"note", "course " + query["course"] + " is not in this cohort: not matched on"})
		delete(query, "course")
	}
	res, err := cohort.MatchPatient(ref, query, cohort.MatchOptions{K: SimilarK, Outcomes: []string{"relapse_2y", "edss_2y"},
		Time: "worsening_years", Event: "worsening", Horizons: similarHorizons})
	if err != nil {
		p.Problem = "no match: " + err.Error()
		return p
	}
	p.Result = res
	return p
}

// msQuery reads the matching features from an MS record: sex, age at the
// latest EDSS visit, course, EDSS state, years since the first coded MS
// course (diagnosis) and relapses in the 2 years before that visit.
func msQuery(rec *patient.Record) (map[string]string, [][2]string, string) {
	pr, err := embodiment.MS(rec, time.Time{})
	if err != nil {
		return nil, nil, "not an MS registry patient: " + err.Error()
	}
	q := map[string]string{
		"sex":  map[string]string{"female": "F", "male": "M"}[pr.Sex],
		"age":  strconv.Itoa(pr.Age),
		"edss": strconv.Itoa(pr.EDSSState),
	}
	if pr.Course != "" {
		q["course"] = pr.Course
	}
	q["relapses_prior_2y"] = strconv.Itoa(pr.RecentRelapses)
	if !pr.Diagnosis.IsZero() {
		q["disease_duration"] = strconv.Itoa(int(pr.IndexDate.Sub(pr.Diagnosis).Hours() / 24 / 365.25))
	}
	var shown [][2]string
	for _, f := range similarFeatures {
		if v, ok := q[f]; ok {
			shown = append(shown, [2]string{f, v})
		}
	}
	shown = append(shown, [2]string{"as of", pr.IndexDate.Format(time.DateOnly) + " (latest EDSS)"})
	return q, shown, ""
}
