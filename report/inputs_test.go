package report

import (
	"testing"

	"github.com/mdtwin/mdtwin/hta"
)

// TestHTAInputsTable: a summary that names its reference case gets an
// inputs table, one row per input with its value, status and source.
func TestHTAInputsTable(t *testing.T) {
	h := &htaSummary{Currency: "GBP", Effect: "QALY", Draws: 1, ReferenceCase: "uk_nice",
		Frontier: []hta.FrontierJSON{{Name: "a", Status: "reference"}},
		Inputs: []hta.InputSource{
			{Key: "discount_costs", Value: "0.035", Status: "sourced", Source: "NICE methods guide", Where: "§5.6.2"},
			{Key: "max_age", Value: "100", Status: "assumed", Note: "lifetime horizon"},
		}}
	s, err := htaSection(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range s.Tables {
		if tb.ID != "inputs" {
			continue
		}
		if len(tb.Rows) != 2 || tb.Rows[0][2] != "sourced" || tb.Rows[0][3] != "NICE methods guide" || tb.Rows[1][5] != "lifetime horizon" {
			t.Errorf("inputs table %v", tb.Rows)
		}
		return
	}
	t.Error("no inputs table")
}
