package embodiment_test

import (
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/embodiment"
	"github.com/mdtwin/mdtwin/patient/terminology"
)

// TestTherapyByCode: a therapy line coded with an ATC code is matched by
// the code, whatever its display text says (a brand name here); without a
// known code, the display text is used as before.
func TestTherapyByCode(t *testing.T) {
	ps := registryStore(t)
	rec := load(t, ps, "MS-0002") // fingolimod since 2011-05-01 in the registry
	for i := range rec.Therapies {
		if rec.Therapies[i].Stop == "" {
			// The fingolimod line as an EHR would code it: ATC L04AE01
			// (WHOCC 2024), a brand name as the display.
			rec.Therapies[i].Drug = patient.Coded{{System: terminology.SystemATC, Code: "L04AE01", Display: "Gilenya 0.5 mg hard capsules"}}
		}
	}
	pr, err := embodiment.MS(rec, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if pr.CurrentName != "fingolimod" || pr.CurrentBy != terminology.ByCode || pr.Current != "Gilenya 0.5 mg hard capsules" {
		t.Errorf("current therapy %q (%q by %v)", pr.Current, pr.CurrentName, pr.CurrentBy)
	}
	rec = load(t, ps, "MS-0001") // ocrelizumab, text only
	pr, err = embodiment.MS(rec, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if pr.CurrentName != "ocrelizumab" || pr.CurrentBy != terminology.ByText {
		t.Errorf("registry therapy %q by %v", pr.CurrentName, pr.CurrentBy)
	}
}
