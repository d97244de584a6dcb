package report

import (
	"math"
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

// TestHTAObservedTable: published figures beside their predictions, one
// row each, "yes"/"no" for a figure with an interval and "–" without.
func TestHTAObservedTable(t *testing.T) {
	nan := hta.Number(math.NaN())
	h := &htaSummary{Currency: "GBP", Effect: "QALY", Draws: 2,
		Frontier: []hta.FrontierJSON{{Name: "a", Status: "reference"}},
		Observed: []hta.ObservedJSON{
			{Output: "a_arr", What: "trial ARR", Observed: 0.22, Lower: 0.18, Upper: 0.26, Source: "paper", Predicted: hta.IntervalJSON{Mean: 0.23, Lo: 0.2, Hi: 0.26}, Within: true},
			{Output: "a_cdw_3m", What: "trial CDW", Observed: 0.15, Lower: nan, Upper: nan, Source: "paper", Predicted: hta.IntervalJSON{Mean: 0.2, Lo: 0.18, Hi: 0.22}},
		}}
	s, err := htaSection(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range s.Tables {
		if tb.ID != "observed" {
			continue
		}
		if len(tb.Rows) != 2 || tb.Rows[0][0] != "trial ARR" || tb.Rows[0][5] != "yes" || tb.Rows[1][5] != "–" || tb.Rows[1][6] != "paper" {
			t.Errorf("observed table %v", tb.Rows)
		}
		return
	}
	t.Error("no observed table")
}
