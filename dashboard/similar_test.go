package dashboard

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The patient page of an MS registry patient shows the similar-patients
// panel: MS-0001 (woman born 1985-03-14, RRMS diagnosed 2012-06-01, latest
// EDSS 2.5 on 2018-07-03, one relapse in 2014, none in the 2 years before)
// is matched on sex F, age 33, course RRMS, EDSS state 2, 6 years of
// disease and 0 relapses, against the cohort chosen with ?cohort=; the
// Synthea patient, with no EDSS, gets a reason instead (issue 16).
func TestSimilarPatientsPanel(t *testing.T) {
	f := newFixture(t, "")
	code, body := get(t, f.http.URL+"/patients/"+f.ms)
	if code != 200 {
		t.Fatalf("MS patient page: %d\n%s", code, body)
	}
	for _, want := range []string{`id="similar"`, `id="similar-cohort"`, `<option value="ms-registry" selected>`,
		"Matched on sex F · age 33 · course RRMS · edss 2 · disease_duration 6 · relapses_prior_2y 0", `id="similar-outcomes"`,
		"relapse_2y = yes", "free of EDSS worsening at 2 years", "free of EDSS worsening at 5 years", `id="similar-curve"`, `class="km-matched"`, `class="km-all"`} {
		if !strings.Contains(body, want) {
			t.Errorf("MS patient page lacks %q", want)
		}
	}
	// At least K = 20 similar patients (ties kept) of the 600.
	m := regexp.MustCompile(`The (\d+) patients of <b>MS registry \(invented, 600 patients\)</b> nearest to this one \(of 600\)`).FindStringSubmatch(body)
	if m == nil || len(m[1]) < 2 {
		t.Errorf("no match summary: %v", m)
	}
	// The cohort is chosen in the UI: the avatar copy.
	_, body = get(t, f.http.URL+"/patients/"+f.ms+"?cohort=ms-registry-avatars")
	if !strings.Contains(body, `<option value="ms-registry-avatars" selected>`) || !strings.Contains(body, "MS registry — avatar copy (k = 20)</b> nearest") {
		t.Error("?cohort=ms-registry-avatars not used")
	}
	// Not an MS patient: a reason, no table.
	_, body = get(t, f.http.URL+"/patients/"+f.synthea)
	if !strings.Contains(body, `id="similar-problem"`) || !strings.Contains(body, "not an MS registry patient: no EDSS observation") || strings.Contains(body, `id="similar-outcomes"`) {
		t.Error("Synthea patient: no reason given, or a match shown")
	}
}

// A cohort given in Options replaces the defaults; one that cannot be read
// is reported without detail.
func TestSimilarPatientsOwnCohort(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("a,b\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFixtureOpts(t, Options{ReferenceCohorts: []ReferenceCohort{{Name: "mine", Label: "My cohort", Path: bad}}})
	_, body := get(t, f.http.URL+"/patients/"+f.ms)
	if !strings.Contains(body, `<option value="mine" selected>My cohort</option>`) || !strings.Contains(body, "the reference cohort could not be read") {
		t.Errorf("own cohort not offered or error not reported")
	}
}
