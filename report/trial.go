package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// TrialOutputs is the output folder of a virtual trial of ablation
// strategies (`mdtwin optima` on a scenario with [inputs.trial]): its
// trial.json, as package optima writes it, and trial.csv.
type TrialOutputs struct {
	Dir     string
	Summary struct {
		Study        string     `json:"study"`
		Scenario     string     `json:"scenario"`
		ScenarioHash string     `json:"scenario_hash"`
		Cohort       string     `json:"cohort"`
		Substrates   int        `json:"substrates"`
		Sites        int        `json:"sites"`
		Rounds       int        `json:"rounds"`
		Endpoint     string     `json:"endpoint"`
		Arms         []trialArm `json:"arms"`
	}
	Head []string   // trial.csv
	Rows [][]string // trial.csv
}

type trialArm struct {
	Arm          string      `json:"arm"`
	N            int         `json:"n"`
	NonInducible int         `json:"non_inducible"`
	Proportion   float64     `json:"proportion"`
	CI95         [2]float64  `json:"ci95"`
	MeanArea     *float64    `json:"mean_lesion_area_mm2"`
	SDArea       *float64    `json:"sd_lesion_area_mm2"`
	AreaCI95     [2]*float64 `json:"lesion_area_ci95"`
}

// IsTrial reports whether dir holds a virtual trial's outputs (trial.json).
func IsTrial(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "trial.json"))
	return err == nil
}

// LoadTrial reads the output folder dir of a virtual trial.
func LoadTrial(dir string) (*TrialOutputs, error) {
	t := &TrialOutputs{Dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, "trial.json"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a trial output folder: %w", dir, unwrapPath(err))
	}
	if err := json.Unmarshal(b, &t.Summary); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, "trial.json"), err)
	}
	if len(t.Summary.Arms) == 0 {
		return nil, fmt.Errorf("%s: no arms", filepath.Join(dir, "trial.json"))
	}
	if t.Head, t.Rows, err = readTable(filepath.Join(dir, "trial.csv")); err != nil {
		return nil, err
	}
	return t, nil
}

// Trial writes the HTML report of a virtual trial: per arm the proportion
// of substrates made non-inducible with its 95 % Wilson interval and the
// mean lesion area with its 95 % t-interval, as a table and a plot, and
// the outcome of every substrate under every arm.
func Trial(w io.Writer, t *TrialOutputs) error {
	s := t.Summary
	p := &page{Title: "Virtual trial of ablation strategies: " + s.Study, Subtitle: s.Cohort}
	p.Facts = [][2]string{{"study", s.Study}, {"scenario", s.Scenario}, {"scenario SHA-256", s.ScenarioHash},
		{"cohort", s.Cohort}, {"pacing sites per round", strconv.Itoa(s.Sites)}, {"round limit (optima arms)", strconv.Itoa(s.Rounds)},
		{"endpoint", s.Endpoint}, {"outputs", t.Dir}}
	sec := section{ID: "arms", Title: "Arms",
		Notes: []string{"Non-inducible: the proportion of substrates from which no pacing site induced a re-entrant driver with the arm's lesions in place, with its 95 % Wilson score interval (Wilson 1927), which stays informative at 0 or n of n. Lesion area: the mean ablated area over the substrates with the 95 % Student-t interval of the mean. An arm without the OPTIMA loop is the first round of the loop with the same baseline, on the same sites and substrate."}}
	tb := table{ID: "arm-table", Caption: "Outcome per arm", Head: []string{"arm", "substrates", "non-inducible", "proportion", "95 % CI (Wilson)", "mean lesion area (mm²)", "sd", "95 % CI of the mean"}}
	for _, a := range s.Arms {
		tb.Rows = append(tb.Rows, []string{a.Arm, strconv.Itoa(a.N), strconv.Itoa(a.NonInducible), fmtNum(a.Proportion),
			fmtNum(a.CI95[0]) + " to " + fmtNum(a.CI95[1]), ptrNum(a.MeanArea), ptrNum(a.SDArea), ptrNum(a.AreaCI95[0]) + " to " + ptrNum(a.AreaCI95[1])})
	}
	svg, err := trialPlot(s.Arms)
	if err != nil {
		return err
	}
	sec.Figures = append(sec.Figures, figure{ID: "arm-plot", Caption: "Left: proportion non-inducible per arm with its 95 % Wilson interval. Right: mean lesion area per arm with the 95 % t-interval of the mean (none for a single substrate).", SVG: svg})
	sec.Tables = append(sec.Tables, tb)
	out := section{ID: "outcomes", Title: "Substrates", Notes: []string{"One row per substrate and arm (trial.csv). dir is the OPTIMA loop's folder (plan.json, plan.vtu, round-NN/)."}}
	out.Tables = append(out.Tables, table{ID: "outcome-table", Caption: "Outcome per substrate and arm", Head: t.Head, Rows: t.Rows})
	p.Sections = append(p.Sections, sec, out)
	return p.write(w)
}

func ptrNum(v *float64) string {
	if v == nil || math.IsNaN(*v) {
		return "–"
	}
	return fmtNum(*v)
}

// trialPlot draws the two panels of the arms: proportion non-inducible
// and lesion area, each a point per arm with its interval.
func trialPlot(arms []trialArm) (template.HTML, error) {
	names := make([]string, len(arms))
	for i, a := range arms {
		names[i] = a.Arm
	}
	prop := newPlot("Non-inducible", "arm", "proportion of substrates")
	prop.Y.Min, prop.Y.Max = 0, 1
	area := newPlot("Lesion area", "arm", "mm²")
	area.Y.Min = 0
	var pp, ap errPoints
	for i, a := range arms {
		pp.add(float64(i), a.Proportion, a.Proportion-a.CI95[0], a.CI95[1]-a.Proportion)
		if a.MeanArea != nil {
			lo, hi := 0.0, 0.0
			if a.AreaCI95[0] != nil && a.AreaCI95[1] != nil {
				lo, hi = *a.MeanArea-*a.AreaCI95[0], *a.AreaCI95[1]-*a.MeanArea
			}
			ap.add(float64(i), *a.MeanArea, lo, hi)
		}
	}
	for k, c := range []struct {
		p *plot.Plot
		e errPoints
	}{{prop, pp}, {area, ap}} {
		sc, err := plotter.NewScatter(c.e)
		if err != nil {
			return "", err
		}
		sc.Color = seriesColor(k)
		sc.Radius = vg.Points(4)
		bars, err := plotter.NewYErrorBars(c.e)
		if err != nil {
			return "", err
		}
		bars.Color = seriesColor(k)
		bars.Width = vg.Points(1.5)
		bars.CapWidth = vg.Points(10)
		c.p.Add(sc, bars)
		c.p.NominalX(names...)
		c.p.X.Min, c.p.X.Max = -0.5, float64(len(names))-0.5
	}
	canvas := vgsvg.New(plotWidth, plotHeight*0.8)
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Points(12)}
	prop.Draw(tiles.At(dc, 0, 0))
	area.Draw(tiles.At(dc, 1, 0))
	return canvasSVG(canvas)
}

// errPoints are points with asymmetric vertical error bars.
type errPoints struct {
	xy     plotter.XYs
	lo, hi []float64
}

func (e *errPoints) add(x, y, lo, hi float64) {
	e.xy = append(e.xy, plotter.XY{X: x, Y: y})
	e.lo, e.hi = append(e.lo, lo), append(e.hi, hi)
}

func (e errPoints) Len() int                    { return len(e.xy) }
func (e errPoints) XY(i int) (float64, float64) { return e.xy[i].X, e.xy[i].Y }
func (e errPoints) YError(i int) (float64, float64) {
	return e.lo[i], e.hi[i]
}
