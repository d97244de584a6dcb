package report

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/mdtwin/mdtwin/patient"
)

// Study writes the HTML report of a study's outputs.
func Study(w io.Writer, st *StudyOutputs) error {
	p := &page{Title: "Study report: " + st.Manifest.Study, Subtitle: "Model " + st.Manifest.Model + " " + st.Manifest.ModelVersion,
		Facts: studyFacts(st)}
	secs, err := studySections(st)
	if err != nil {
		return err
	}
	p.Sections = secs
	return p.write(w)
}

// Patient writes the HTML prediction report of one patient: the record's
// essentials, the predictions stored for them, and the sections of the
// study st (one of those predictions, or nil for the record only).
func Patient(w io.Writer, rec *patient.Record, st *StudyOutputs) error {
	p := &page{Title: "Prediction report: patient " + rec.Patient.ID}
	p.Facts = [][2]string{{"patient (pseudonym)", rec.Patient.ID}, {"sex", orDash(rec.Patient.Sex)}, {"birth date", orDash(rec.Patient.BirthDate)}}
	if rec.Patient.Deceased != "" {
		p.Facts = append(p.Facts, [2]string{"deceased", rec.Patient.Deceased})
	}
	p.Sections = append(p.Sections, recordSections(rec)...)
	if st != nil {
		p.Subtitle = "Study " + st.Manifest.Study + ", model " + st.Manifest.Model + " " + st.Manifest.ModelVersion
		p.Sections = append(p.Sections, section{ID: "study", Title: "Study", Tables: []table{{Caption: "Study", Head: []string{"", ""}, Rows: factRows(studyFacts(st))}}})
		secs, err := studySections(st)
		if err != nil {
			return err
		}
		p.Sections = append(p.Sections, secs...)
	}
	return p.write(w)
}

func studyFacts(st *StudyOutputs) [][2]string {
	m := st.Manifest
	return [][2]string{
		{"study", m.Study}, {"model", m.Model + " " + m.ModelVersion}, {"scenario", m.Scenario}, {"scenario SHA-256", m.ScenarioHash},
		{"seed", strconv.FormatUint(m.Seed, 10)}, {"runs", fmt.Sprintf("%d: %d done, %d failed (%s)", m.Runs, m.Done, m.Failed, m.Status)},
		{"outputs", st.Dir}, {"mdtwin", m.MdtwinVersion}, {"last updated", m.Updated},
	}
}

func factRows(f [][2]string) [][]string {
	out := make([][]string, len(f))
	for i, kv := range f {
		out[i] = []string{kv[0], kv[1]}
	}
	return out
}

// studySections are the model-specific sections, then the output summary.
func studySections(st *StudyOutputs) ([]section, error) {
	var secs []section
	h, err := st.hta()
	if err != nil {
		return nil, err
	}
	switch st.Manifest.Model {
	case "mscohort":
		var names []string
		if h != nil {
			for _, r := range h.Frontier {
				names = append(names, r.Name)
			}
		}
		s, err := msSection(st, names)
		if err != nil {
			return nil, err
		}
		secs = append(secs, s)
	case "atrial":
		s, err := atrialSections(st)
		if err != nil {
			return nil, err
		}
		secs = append(secs, s...)
		if v, err := atrialViewerSection(st); err != nil {
			return nil, err
		} else if v != nil {
			secs = append(secs, *v)
		}
	case "brain":
		s, err := brainSections(st)
		if err != nil {
			return nil, err
		}
		secs = append(secs, s...)
	}
	if h != nil {
		s, err := htaSection(h)
		if err != nil {
			return nil, err
		}
		secs = append(secs, s)
	}
	return append(secs, outputsSection(st)), nil
}

// outputsSection summarises every scalar output, in results.csv order.
func outputsSection(st *StudyOutputs) section {
	t := table{ID: "outputs", Caption: "Scalar outputs over the done runs",
		Head: []string{"output", "unit", "n", "mean", "sd", "5th pct", "median", "95th pct"}}
	var names, extra []string
	for _, h := range st.Header {
		if _, ok := st.Outputs[h]; ok {
			names = append(names, h)
		}
	}
	for name := range st.Outputs {
		if !slices.Contains(st.Header, name) {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra) // outputs without a results.csv column (none with today's engine)
	names = append(names, extra...)
	for _, n := range names {
		o := st.Outputs[n]
		t.Rows = append(t.Rows, []string{n, o.Unit, strconv.Itoa(o.N), fmtPtr(o.Mean), fmtPtr(o.SD), fmtPtr(o.P05), fmtPtr(o.Median), fmtPtr(o.P95)})
	}
	return section{ID: "summary", Title: "Output summary", Tables: []table{t}}
}

// recordSections show the patient's EDSS history, therapies and the
// predictions stored for them.
func recordSections(rec *patient.Record) []section {
	var secs []section
	if edss := rec.Series(patient.SystemMS, patient.CodeEDSS); len(edss) > 0 {
		t := table{ID: "edss-history", Caption: "EDSS visits", Head: []string{"date", "EDSS"}}
		for _, o := range edss {
			v := o.ValueText
			if o.Value != nil {
				v = fmtNum(*o.Value)
			}
			t.Rows = append(t.Rows, []string{o.Time, v})
		}
		secs = append(secs, section{ID: "record", Title: "Record", Tables: []table{t}})
	}
	if len(rec.Therapies) > 0 {
		t := table{ID: "therapies", Caption: "Therapies", Head: []string{"drug", "start", "stop"}}
		for _, th := range rec.Therapies {
			d := th.Drug.Primary()
			t.Rows = append(t.Rows, []string{orDash(firstOf(d.Display, d.Code)), orDash(th.Start), orDash(th.Stop)})
		}
		if len(secs) == 0 {
			secs = append(secs, section{ID: "record", Title: "Record"})
		}
		secs[0].Tables = append(secs[0].Tables, t)
	}
	if len(rec.Predictions) > 0 {
		studies := map[int64]patient.Study{}
		for _, s := range rec.Studies {
			studies[s.ID] = s
		}
		t := table{ID: "predictions", Caption: "Predictions stored for the patient (one row per study)",
			Head: []string{"study", "model", "scenario SHA-256", "runs", "outputs folder", "recorded"}}
		var order []int64
		runs := map[int64]int{}
		first := map[int64]string{}
		for _, p := range rec.Predictions {
			if runs[p.StudyID] == 0 {
				order = append(order, p.StudyID)
				first[p.StudyID] = p.CreatedAt
			}
			runs[p.StudyID]++
		}
		for _, id := range order {
			s := studies[id]
			t.Rows = append(t.Rows, []string{s.Name, strings.TrimSpace(s.Model + " " + s.ModelVersion), short(s.ScenarioSHA256), strconv.Itoa(runs[id]), s.Output, first[id]})
		}
		secs = append(secs, section{ID: "predictions", Title: "Predictions", Tables: []table{t}})
	}
	return secs
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// Figure is a figure of a report: an id, a caption and its inline SVG.
type Figure struct {
	ID, Caption string
	SVG         template.HTML
}

// MainFigure returns the main picture of a study, as its report draws it:
// for atrial, the atrial map; for brain, the seizure onsets of each run;
// for mscohort, the EDSS forecast. ok is false when the study's model has
// none or its runs saved nothing to draw.
func MainFigure(st *StudyOutputs) (f Figure, ok bool, err error) {
	var secs []section
	switch st.Manifest.Model {
	case "atrial":
		secs, err = atrialSections(st)
	case "brain":
		secs, err = brainSections(st)
	case "mscohort":
		var s section
		s, err = msSection(st, nil)
		secs = []section{s}
	}
	if err != nil {
		return f, false, err
	}
	for _, s := range secs {
		for _, fg := range s.Figures {
			switch fg.ID {
			case "atrial-map-plot", "onset-map", "edss-forecast-plot":
				return Figure{ID: fg.ID, Caption: fg.Caption, SVG: fg.SVG}, true, nil
			}
		}
	}
	return f, false, nil
}
