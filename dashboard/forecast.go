package dashboard

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/embodiment"
	"github.com/mdtwin/mdtwin/report"
)

// Geometry of the EDSS forecast chart (user units = CSS pixels).
const (
	fcHeight     = 250.0
	fcTop        = 14.0
	fcPlotH      = 190.0 // EDSS 0 at fcTop+fcPlotH, 10 at fcTop
	fcLeft       = 48.0
	fcRight      = 290.0 // legend column
	fcMaxYears   = 10    // years of forecast drawn; the report has them all
	fcEDSSMaxVal = 10.0
)

// strategyColours are the colours of the strategies' bands, in order of
// first appearance (a colour-blind-safe palette: Okabe and Ito's).
var strategyColours = []string{"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"}

// forecastChart is an MS forecast drawn where the clinician reads the
// patient's EDSS: the observed visits and, from the index date on, each
// strategy's mean and 90 % band on the same time axis, as the MS
// BioScreen draws a patient's course against a reference (Gourraud et
// al., Ann Neurol 2014, doi 10.1002/ana.24282).
type forecastChart struct {
	ID              string
	Study           string
	PredictionID    int64
	PatientID       string
	Width           float64
	Height          float64
	Left, Right     float64 // x of the plot's edges
	Top, Bottom     float64 // y of EDSS 10 and 0
	Ticks           []tick  // years
	YTicks          []tick  // EDSS 0, 2, …, 10 (X holds y)
	Observed        string  // polyline points of the EDSS visits
	Dots            []dot
	IndexX          float64
	IndexLabel      string
	Bands           []forecastBand
	Years           int // years of forecast drawn
	ObservedLegendY float64
}

// forecastBand is one strategy on the chart.
type forecastBand struct {
	Name, Colour string
	Band         string // polygon points: the 95th percentile forward, the 5th back
	Mean         string // polyline points
	LegendY      float64
	Last         string // the mean at the last year drawn
}

// newForecastChart lays out the EDSS visits of obs and bands (years from
// index) on one time axis, from the first visit to fcMaxYears after the
// index date. A band's state k is drawn at EDSS k.
func newForecastChart(obs []patient.Observation, index time.Time, bands []report.EDSSBand) *forecastChart {
	type visit struct {
		t time.Time
		v float64
	}
	var visits []visit
	for _, o := range obs {
		if t, ok := parseTime(o.Time); ok && o.Value != nil {
			visits = append(visits, visit{t, *o.Value})
		}
	}
	slices.SortStableFunc(visits, func(a, b visit) int { return a.t.Compare(b.t) })
	years := 0
	for _, b := range bands {
		if n := len(b.Years); n > 0 {
			years = max(years, int(b.Years[n-1]))
		}
	}
	years = min(years, fcMaxYears)
	t0, t1 := index, index.AddDate(years, 0, 0)
	if len(visits) > 0 && visits[0].t.Before(t0) {
		t0 = visits[0].t
	}
	pad := max(t1.Sub(t0)/50, 30*24*time.Hour)
	t0, t1 = t0.Add(-pad), t1.Add(pad)
	c := &forecastChart{Width: chartWidth, Height: fcHeight, Left: fcLeft, Right: chartWidth - fcRight,
		Top: fcTop, Bottom: fcTop + fcPlotH, Years: years}
	x := func(t time.Time) float64 {
		return round1(c.Left + float64(t.Sub(t0))/float64(t1.Sub(t0))*(c.Right-c.Left))
	}
	y := func(v float64) float64 { return round1(c.Bottom - v/fcEDSSMaxVal*fcPlotH) }
	c.Ticks = yearTicks(t0, t1, x)
	for v := 0; v <= 10; v += 2 {
		c.YTicks = append(c.YTicks, tick{X: y(float64(v)), Label: fmt.Sprint(v)})
	}
	var pts []string
	for _, v := range visits {
		px, py := x(v.t), y(v.v)
		pts = append(pts, fmt.Sprintf("%g,%g", px, py))
		c.Dots = append(c.Dots, dot{X: px, Y: py, Title: fmt.Sprintf("%s: EDSS %s", v.t.Format(time.DateOnly), fmtValue(v.v))})
	}
	c.Observed = strings.Join(pts, " ")
	c.IndexX, c.IndexLabel = x(index), "index "+index.Format(time.DateOnly)
	for i, b := range bands {
		fb := forecastBand{Name: b.Strategy, Colour: strategyColours[i%len(strategyColours)], LegendY: c.Top + 14 + float64(i)*18}
		var hi, lo, mean []string
		for k, yr := range b.Years {
			if yr > float64(years) {
				break
			}
			px := x(index.AddDate(int(yr), 0, 0))
			hi = append(hi, fmt.Sprintf("%g,%g", px, y(b.P95[k])))
			lo = append(lo, fmt.Sprintf("%g,%g", px, y(b.P05[k])))
			mean = append(mean, fmt.Sprintf("%g,%g", px, y(b.Mean[k])))
			fb.Last = fmt.Sprintf("%.1f", b.Mean[k])
		}
		slices.Reverse(lo)
		fb.Band, fb.Mean = strings.Join(append(hi, lo...), " "), strings.Join(mean, " ")
		c.Bands = append(c.Bands, fb)
	}
	c.ObservedLegendY = c.Top + 14 + float64(len(bands))*18
	return c
}

// forecasts returns the EDSS forecast chart of each mscohort study stored
// for rec whose runs saved trajectories, newest first, with the
// prediction whose report it links to. The index date is the MS
// embodiment's (the latest EDSS visit). A study whose folder cannot be
// read is skipped: its row in the predictions table still links to
// whatever can be shown.
func forecasts(rec *patient.Record) []*forecastChart {
	pr, err := embodiment.MS(rec, time.Time{})
	if err != nil {
		return nil
	}
	edss := rec.Series(patient.SystemMS, patient.CodeEDSS)
	var out []*forecastChart
	for i := len(rec.Studies) - 1; i >= 0; i-- {
		st := rec.Studies[i]
		if st.Model != "mscohort" {
			continue
		}
		k := slices.IndexFunc(rec.Predictions, func(p patient.Prediction) bool { return p.StudyID == st.ID })
		if k < 0 {
			continue
		}
		so, err := report.LoadStudy(st.Output)
		if err != nil {
			continue
		}
		bands, err := report.EDSSForecast(so)
		if err != nil || len(bands) == 0 {
			continue
		}
		c := newForecastChart(edss, pr.IndexDate, bands)
		c.ID, c.Study, c.PredictionID, c.PatientID = fmt.Sprintf("forecast-%d", st.ID), st.Name, rec.Predictions[k].ID, rec.Patient.ID
		out = append(out, c)
	}
	return out
}

// studyPicture is the main picture of a stored atrial or brain study
// (report.MainFigure), shown above the predictions table.
type studyPicture struct {
	ID, Study, Model, PatientID string
	PredictionID                int64
	report.Figure
}

// studyPictures returns the picture of each atrial and brain study stored
// for rec, newest first; a study whose folder cannot be read is skipped.
func studyPictures(rec *patient.Record) []studyPicture {
	var out []studyPicture
	for i := len(rec.Studies) - 1; i >= 0; i-- {
		st := rec.Studies[i]
		if st.Model != "atrial" && st.Model != "brain" {
			continue
		}
		k := slices.IndexFunc(rec.Predictions, func(p patient.Prediction) bool { return p.StudyID == st.ID })
		if k < 0 {
			continue
		}
		so, err := report.LoadStudy(st.Output)
		if err != nil {
			continue
		}
		f, ok, err := report.MainFigure(so)
		if err != nil || !ok {
			continue
		}
		out = append(out, studyPicture{ID: fmt.Sprintf("picture-%d", st.ID), Study: st.Name, Model: st.Model,
			PatientID: rec.Patient.ID, PredictionID: rec.Predictions[k].ID, Figure: f})
	}
	return out
}
