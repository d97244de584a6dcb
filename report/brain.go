package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// brainSections are the effect of resection and the onsets of a brain
// study, from results.csv and runs/<id>/onsets.csv.
func brainSections(st *StudyOutputs) ([]section, error) {
	eff := section{ID: "resection", Title: "Effect of resection",
		Notes: []string{"n_seizing: regions that seized; n_recruited: seizing regions outside the epileptogenic zone (propagation); first onset −1: no seizure."}}
	t := table{ID: "resection-table", Caption: "Per run"}
	var cols []int
	for i, h := range st.Header {
		switch {
		case h == "run_id", h == "hypothesis", h == "resection", h == "x0_ez", h == "n_seizing", h == "n_recruited",
			h == "first_onset_ms", h == "recruitment_span_ms", strings.HasPrefix(h, "seized_"):
			cols = append(cols, i)
			t.Head = append(t.Head, h)
		}
	}
	for _, r := range st.Rows {
		row := make([]string, len(cols))
		for k, c := range cols {
			row[k] = r[c]
		}
		t.Rows = append(t.Rows, row)
	}
	eff.Tables = append(eff.Tables, t)

	on := section{ID: "onsets", Title: "Seizure onsets"}
	idc, resc := st.column("run_id"), st.column("resection")
	var series []onsetSeries
	var regions []string
	seen := map[string]bool{}
	for _, r := range st.Rows {
		id := r[idc]
		path := filepath.Join(st.runDir(id), "onsets.csv")
		rows, err := readCSV(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, err
		}
		name := id
		if resc >= 0 {
			name = id + " (resection " + r[resc] + ")"
		}
		ser := onsetSeries{Name: name, Onsets: map[string]float64{}}
		ot := table{ID: "onsets-" + id, Caption: "Recruitment order, " + name,
			Head: []string{"rank", "region", "role", "x0", "first onset (ms)", "delay (ms)", "duration (ms)", "seizures"}}
		for _, rec := range rows {
			if rec["rank"] == "" {
				continue // did not seize
			}
			t, err := strconv.ParseFloat(rec["first_onset_ms"], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: first_onset_ms %q: %v", path, rec["first_onset_ms"], err)
			}
			ser.Onsets[rec["label"]] = t
			if !seen[rec["label"]] {
				seen[rec["label"]] = true
				regions = append(regions, rec["label"])
			}
			ot.Rows = append(ot.Rows, []string{rec["rank"], rec["label"], rec["role"], rec["x0"], rec["first_onset_ms"], rec["delay_ms"], rec["duration_ms"], rec["n_seizures"]})
		}
		if len(ot.Rows) == 0 {
			on.Notes = append(on.Notes, name+": no region seized.")
		} else {
			on.Tables = append(on.Tables, ot)
		}
		series = append(series, ser)
	}
	if len(regions) > 0 {
		svg, err := onsetPlot(regions, series)
		if err != nil {
			return nil, err
		}
		on.Figures = append(on.Figures, figure{ID: "onset-map", Caption: "First seizure onset of each region that seized, per run (regions in order of first recruitment).", SVG: svg})
	}
	if len(series) == 0 {
		return []section{eff}, nil
	}
	return []section{eff, on}, nil
}

// readCSV reads a CSV file with a header into one map per row.
func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	out := make([]map[string]string, 0, len(recs)-1)
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			if i < len(r) {
				m[h] = r[i]
			}
		}
		out = append(out, m)
	}
	return out, nil
}
