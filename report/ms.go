package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// edssStates is mscohort's number of EDSS states (0, 1, …, 9).
const edssStates = 10

// edssForecast counts, per strategy and year since the start, the
// simulated patients alive in each EDSS state.
type edssForecast struct {
	strategies []string                     // in order of first appearance
	counts     map[string][][edssStates]int // strategy → year → state → patients
}

// readPanels reads runs/*/panel.csv of an mscohort study (pooled over
// runs, e.g. PSA draws): the state at year 0 is edss_start of year 0; at
// year t+1, edss_end of year t of the patients who did not die in it.
// It returns nil when no run saved trajectories.
func readPanels(st *StudyOutputs) (*edssForecast, error) {
	idc := st.column("run_id")
	if idc < 0 {
		return nil, nil
	}
	fc := &edssForecast{counts: map[string][][edssStates]int{}}
	found := false
	for _, row := range st.Rows {
		path := filepath.Join(st.runDir(row[idc]), "panel.csv")
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, err
		}
		found = true
		err = fc.add(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
	}
	if !found {
		return nil, nil
	}
	return fc, nil
}

func (fc *edssForecast) add(r io.Reader) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return err
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for _, k := range []string{"strategy", "year", "edss_start", "edss_end", "died"} {
		if _, ok := col[k]; !ok {
			return fmt.Errorf("no column %s", k)
		}
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		s := rec[col["strategy"]]
		year, err1 := strconv.Atoi(rec[col["year"]])
		e0, err2 := strconv.Atoi(rec[col["edss_start"]])
		e1, err3 := strconv.Atoi(rec[col["edss_end"]])
		if err := errors.Join(err1, err2, err3); err != nil || year < 0 || e0 < 0 || e0 >= edssStates || e1 < 0 || e1 >= edssStates {
			return fmt.Errorf("line %d: bad year or EDSS state", line)
		}
		c, ok := fc.counts[s]
		if !ok {
			fc.strategies = append(fc.strategies, strings.Clone(s))
		}
		for len(c) < year+2 {
			c = append(c, [edssStates]int{})
		}
		if year == 0 {
			c[0][e0]++
		}
		if rec[col["died"]] != "true" {
			c[year+1][e1]++
		}
		fc.counts[strings.Clone(s)] = c
	}
}

// quantileState is the smallest state whose cumulative share reaches p.
func quantileState(h [edssStates]int, n int, p float64) float64 {
	cum := 0
	for k, c := range h {
		cum += c
		if float64(cum) >= p*float64(n) {
			return float64(k)
		}
	}
	return edssStates - 1
}

// series returns, per strategy, the mean state and the 5th and 95th
// percentiles by year, over the years with at least one patient alive.
func (fc *edssForecast) series() []bandSeries {
	var out []bandSeries
	for _, s := range fc.strategies {
		b := bandSeries{Name: s}
		for year, h := range fc.counts[s] {
			n, sum := 0, 0
			for k, c := range h {
				n += c
				sum += k * c
			}
			if n == 0 {
				break
			}
			b.X = append(b.X, float64(year))
			b.Mean = append(b.Mean, float64(sum)/float64(n))
			b.Lo = append(b.Lo, quantileState(h, n, 0.05))
			b.Hi = append(b.Hi, quantileState(h, n, 0.95))
		}
		out = append(out, b)
	}
	return out
}

// EDSSBand is one strategy's EDSS forecast of an mscohort study: by whole
// year since the start, the mean EDSS state of the simulated patients
// alive and the 5th and 95th percentiles of their states (state k is
// mscohort's EDSS state k: floor of the EDSS, at most 9).
type EDSSBand struct {
	Strategy       string
	Years          []float64
	Mean, P05, P95 []float64
}

// EDSSForecast returns the EDSS forecast per strategy of an mscohort study
// whose runs saved trajectories (runs/<id>/panel.csv, pooled over runs),
// in the order the strategies first appear; nil when no run saved them.
// The report's EDSS forecast figure draws the same numbers.
func EDSSForecast(st *StudyOutputs) ([]EDSSBand, error) {
	fc, err := readPanels(st)
	if err != nil || fc == nil {
		return nil, err
	}
	var out []EDSSBand
	for _, b := range fc.series() {
		out = append(out, EDSSBand{Strategy: b.Name, Years: b.X, Mean: b.Mean, P05: b.Lo, P95: b.Hi})
	}
	return out, nil
}

// msSection is the EDSS forecast of an mscohort study, or its per-strategy
// table when the runs saved no trajectories.
func msSection(st *StudyOutputs, strategies []string) (section, error) {
	s := section{ID: "edss-forecast", Title: "EDSS forecast per strategy"}
	fc, err := readPanels(st)
	if err != nil {
		return s, err
	}
	if fc != nil {
		series := fc.series()
		svg, err := bandPlot("EDSS forecast", "years from the start", "EDSS state (k: EDSS k to k+0.5)", series, 0, edssStates-1)
		if err != nil {
			return s, err
		}
		s.Notes = append(s.Notes, "Each simulated patient is one possible course; the line is the mean EDSS state of those alive, the band the 5th to 95th percentile.")
		s.Figures = append(s.Figures, figure{ID: "edss-forecast-plot", Caption: "EDSS state by year since the start, per strategy: mean and 90 % interval of the patients alive.", SVG: svg})
		t := table{ID: "edss-forecast-table", Caption: "EDSS state by year: mean (5th–95th percentile) of the patients alive",
			Head: []string{"strategy"}}
		years := []int{0, 1, 2, 5, 10, 15, 20, 30}
		for _, y := range years {
			t.Head = append(t.Head, fmt.Sprintf("year %d", y))
		}
		for _, b := range series {
			row := []string{b.Name}
			for _, y := range years {
				if i := slices.Index(b.X, float64(y)); i >= 0 {
					row = append(row, fmt.Sprintf("%.2f (%g–%g)", b.Mean[i], b.Lo[i], b.Hi[i]))
				} else {
					row = append(row, "–")
				}
			}
			t.Rows = append(t.Rows, row)
		}
		s.Tables = append(s.Tables, t)
		return s, nil
	}
	s.Notes = append(s.Notes, "The runs saved no trajectories (set save_trajectories = true, des mode, for the EDSS forecast with intervals): the table gives the per-strategy means over the simulated patients and, with several runs, the 5th–95th percentile over runs.")
	t := table{ID: "strategy-outcomes", Caption: "Outcomes per strategy",
		Head: []string{"strategy", "years to EDSS 6", "years to EDSS 7", "relapses", "QALYs (disc.)", "life-years", "cost (disc.)"}}
	for _, name := range strategies {
		row := []string{name}
		for _, o := range []string{"years_to_edss6", "years_to_edss7", "relapses", "qaly_disc", "ly", "cost_disc"} {
			row = append(row, st.outputCell(name+"_"+o))
		}
		t.Rows = append(t.Rows, row)
	}
	s.Tables = append(s.Tables, t)
	return s, nil
}

// outputCell formats an output's mean, with its 5th–95th percentile when
// they differ.
func (st *StudyOutputs) outputCell(name string) string {
	o, ok := st.Outputs[name]
	if !ok || o.Mean == nil {
		return "–"
	}
	if o.P05 == nil || o.P95 == nil || *o.P05 == *o.P95 {
		return fmtNum(*o.Mean)
	}
	return fmt.Sprintf("%s (%s to %s)", fmtNum(*o.Mean), fmtNum(*o.P05), fmtNum(*o.P95))
}
