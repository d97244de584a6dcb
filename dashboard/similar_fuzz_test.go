package dashboard

import (
	"bytes"
	"html/template"
	"io"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/cohort"
	"github.com/mdtwin/mdtwin/prediction"
	"github.com/mdtwin/mdtwin/scenarios/examples"
)

// FuzzSimilarPanel builds the similar-patients panel against a reference
// cohort read from arbitrary CSV bytes — what Options.ReferenceCohorts hands
// the page — matched by prediction.SimilarIn for MS-0001's values (woman, 33, RRMS, EDSS 2, 6 years, no
// recent relapse). Whatever the file, the panel is a match or a one-line
// problem, its curve has no NaN or infinite coordinate, and the panel
// template renders.
func FuzzSimilarPanel(f *testing.F) {
	registry, err := examples.Cohorts.ReadFile("data/ms_registry.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(registry[:4096])
	f.Add([]byte("sex,age,course,edss,relapse_2y,edss_2y,worsening_years,worsening\nF,33,RRMS,2,no,2,5,0\nF,35,RRMS,3,yes,4,1e308,1\nM,50,SPMS,6,no,6,-2,1\n"))
	f.Add([]byte("sex,age\nF,33\nM,40\n"))
	tmpl := template.Must(template.New("similar").ParseFS(templateFS, "templates/similar.html"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<14 {
			return
		}
		ref, err := cohort.ReadCSV(bytes.NewReader(data), "cohort.csv", cohort.ReadOptions{})
		if err != nil {
			return
		}
		p := &similarPanel{PatientID: "MS-0001", Chosen: ReferenceCohort{Name: "fuzz", Label: "fuzzed cohort"}, K: prediction.SimilarK}
		p.show(prediction.SimilarIn(ref, map[string]string{"sex": "F", "age": "33", "course": "RRMS", "edss": "2", "disease_duration": "6", "relapses_prior_2y": "0"}))
		if p.Problem == "" && p.Result == nil || strings.ContainsAny(p.Problem, "\n\r") {
			t.Fatalf("panel: problem %q, result %v", p.Problem, p.Result)
		}
		if c := string(p.Curve); strings.Contains(c, "NaN") || strings.Contains(c, "Inf") {
			t.Fatalf("curve with a non-finite coordinate: %.300s", c)
		}
		if err := tmpl.ExecuteTemplate(io.Discard, "similar", p); err != nil {
			t.Fatalf("template: %v", err)
		}
	})
}
