package report

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// CalibrationOutputs is a `mdtwin calibrate` output folder, read:
// calibration.json (the part a report shows), posterior.csv and
// populations.csv or trace.csv.
type CalibrationOutputs struct {
	Dir     string
	Summary calibrationSummary
	// Params and Particles are posterior.csv: the parameter names and,
	// per particle, its weight and values.
	Params    []string
	Weights   []float64
	Particles [][]float64
	// Schedule is populations.csv (ABC-SMC) or trace.csv (optimisation):
	// header and rows.
	ScheduleHead []string
	Schedule     [][]string
}

// calibrationSummary mirrors the fields of calibration.json (written by
// package calibrate) that the report shows.
type calibrationSummary struct {
	Study        string   `json:"study"`
	Model        string   `json:"model"`
	ModelVersion string   `json:"model_version"`
	Scenario     string   `json:"scenario"`
	ScenarioHash string   `json:"scenario_hash"`
	Seed         uint64   `json:"seed"`
	Method       string   `json:"method"`
	Stop         string   `json:"stop"`
	Steps        int      `json:"steps"`
	Simulations  int      `json:"simulations"`
	Tolerance    *float64 `json:"final_tolerance"`
	ESS          *float64 `json:"ess"`
	Objective    *float64 `json:"objective"`
	Settings     struct {
		Acceptance string `json:"acceptance"`
		Distance   string `json:"distance"`
		Particles  int    `json:"particles"`
	} `json:"settings"`
	Params []struct {
		Name     string   `json:"name"`
		Unit     string   `json:"unit"`
		Prior    string   `json:"prior"`
		Lower    *float64 `json:"lower"`
		Upper    *float64 `json:"upper"`
		Mean     *float64 `json:"mean"`
		SD       *float64 `json:"sd"`
		Q025     *float64 `json:"q025"`
		Q50      *float64 `json:"q50"`
		Q975     *float64 `json:"q975"`
		Estimate *float64 `json:"estimate"`
		SE       *float64 `json:"se"`
	} `json:"params"`
	Correlations [][]float64 `json:"correlations"`
	Targets      []struct {
		Name   string    `json:"name"`
		Source string    `json:"source"`
		Output string    `json:"output"`
		Table  string    `json:"table"`
		Key    string    `json:"key_column"`
		Cens   string    `json:"censored"` // "right": observed is a lower bound; "left": an upper bound
		Cells  []fitCell `json:"cells"`
		RMSZ   *float64  `json:"rms_z"`
		Within *bool     `json:"within_95"`
	} `json:"targets"`
	Predictive *struct {
		Runs   int `json:"runs"`
		Failed int `json:"failed"`
	} `json:"predictive"`
}

// IsCalibration reports whether dir holds a calibration's outputs
// (calibration.json).
func IsCalibration(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "calibration.json"))
	return err == nil
}

// LoadCalibration reads the output folder dir of a calibration.
func LoadCalibration(dir string) (*CalibrationOutputs, error) {
	c := &CalibrationOutputs{Dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, "calibration.json"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a calibration output folder: %w", dir, unwrapPath(err))
	}
	if err := json.Unmarshal(b, &c.Summary); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, "calibration.json"), err)
	}
	head, rows, err := readTable(filepath.Join(dir, "posterior.csv"))
	if err != nil {
		return nil, err
	}
	if len(head) < 4 {
		return nil, fmt.Errorf("%s: expected particle, weight, score, run and the parameters", filepath.Join(dir, "posterior.csv"))
	}
	c.Params = head[4:]
	for i, r := range rows {
		w, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			return nil, fmt.Errorf("%s row %d: weight %q", filepath.Join(dir, "posterior.csv"), i+1, r[1])
		}
		p := make([]float64, len(c.Params))
		for a := range p {
			if p[a], err = strconv.ParseFloat(r[4+a], 64); err != nil {
				return nil, fmt.Errorf("%s row %d: %s %q", filepath.Join(dir, "posterior.csv"), i+1, c.Params[a], r[4+a])
			}
		}
		c.Weights, c.Particles = append(c.Weights, w), append(c.Particles, p)
	}
	for _, f := range []string{"populations.csv", "trace.csv"} {
		head, rows, err := readTable(filepath.Join(dir, f))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		c.ScheduleHead, c.Schedule = head, rows
		break
	}
	return c, nil
}

// readTable reads a CSV file with a header.
func readTable(path string) ([]string, [][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(recs) == 0 {
		return nil, nil, fmt.Errorf("%s: empty", path)
	}
	return recs[0], recs[1:], nil
}

// Calibration writes the HTML report of a calibration: the posterior's
// marginals and pairs, the tolerance schedule and the fit to every target.
func Calibration(w io.Writer, c *CalibrationOutputs) error {
	s := c.Summary
	p := &page{Title: "Calibration report: " + s.Study, Subtitle: "Model " + s.Model + " " + s.ModelVersion + ", " + s.Method}
	steps := "populations"
	if s.Method != "abc-smc" {
		steps = "optimisation rounds"
	}
	p.Facts = [][2]string{{"study", s.Study}, {"model", s.Model + " " + s.ModelVersion}, {"scenario", s.Scenario},
		{"scenario SHA-256", s.ScenarioHash}, {"seed", strconv.FormatUint(s.Seed, 10)}, {"method", s.Method},
		{"stopped", s.Stop}, {steps, strconv.Itoa(s.Steps)}, {"simulations", strconv.Itoa(s.Simulations)}, {"outputs", c.Dir}}
	if s.Tolerance != nil {
		p.Facts = append(p.Facts, [2]string{"final tolerance", fmtNum(*s.Tolerance) + " (" + orDash(s.Settings.Acceptance) + " acceptance)"})
	}
	if s.ESS != nil {
		p.Facts = append(p.Facts, [2]string{"effective sample size", fmtNum(*s.ESS)})
	}
	if s.Objective != nil {
		p.Facts = append(p.Facts, [2]string{"best objective", fmtNum(*s.Objective)})
	}
	post, err := c.posteriorSection()
	if err != nil {
		return err
	}
	fit, err := c.fitSection()
	if err != nil {
		return err
	}
	sched, err := c.scheduleSection()
	if err != nil {
		return err
	}
	p.Sections = append(p.Sections, post, fit)
	if sched != nil {
		p.Sections = append(p.Sections, *sched)
	}
	return p.write(w)
}

func (c *CalibrationOutputs) posteriorSection() (section, error) {
	s := c.Summary
	sec := section{ID: "posterior", Title: "Posterior",
		Notes: []string{"Weighted particles of the final population (ABC-SMC), or the Laplace approximation N(θ̂, H⁻¹) around the optimum (optimisation). Ridges in the pairwise plots are combinations the targets do not pin down."}}
	t := table{ID: "params", Caption: "Parameters", Head: []string{"parameter", "unit", "prior", "mean", "sd", "2.5 %", "median", "97.5 %", "estimate", "se"}}
	for _, ps := range s.Params {
		t.Rows = append(t.Rows, []string{ps.Name, ps.Unit, ps.Prior, fmtPtr(ps.Mean), fmtPtr(ps.SD), fmtPtr(ps.Q025), fmtPtr(ps.Q50), fmtPtr(ps.Q975), fmtPtr(ps.Estimate), fmtPtr(ps.SE)})
	}
	sec.Tables = append(sec.Tables, t)
	if len(c.Particles) > 1 {
		svg, err := c.marginalsPlot()
		if err != nil {
			return sec, err
		}
		sec.Figures = append(sec.Figures, figure{ID: "marginals", Caption: "Marginal posteriors (weighted histograms).", SVG: svg})
		if len(c.Params) > 1 {
			svg, err := c.pairsPlot()
			if err != nil {
				return sec, err
			}
			sec.Figures = append(sec.Figures, figure{ID: "pairs", Caption: "Pairwise posterior: particles drawn by weight (at most 400).", SVG: svg})
		}
	}
	if len(s.Correlations) > 1 {
		ct := table{ID: "correlations", Caption: "Posterior correlations", Head: append([]string{""}, c.Params...)}
		for a, row := range s.Correlations {
			r := []string{c.Params[a]}
			for _, v := range row {
				r = append(r, strconv.FormatFloat(v, 'f', 2, 64))
			}
			ct.Rows = append(ct.Rows, r)
		}
		sec.Tables = append(sec.Tables, ct)
	}
	return sec, nil
}

func (c *CalibrationOutputs) column(a int) []float64 {
	out := make([]float64, len(c.Particles))
	for i, p := range c.Particles {
		out[i] = p[a]
	}
	return out
}

// marginalsPlot draws the weighted histogram of every parameter, four to
// a row.
func (c *CalibrationOutputs) marginalsPlot() (template.HTML, error) {
	d := len(c.Params)
	cols := min(d, 4)
	rows := (d + cols - 1) / cols
	w, h := 1.7*vg.Inch, 1.5*vg.Inch
	canvas := vgsvg.New(vg.Length(cols)*w, vg.Length(rows)*h)
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(4), PadY: vg.Points(4)}
	for a, name := range c.Params {
		p := plot.New()
		p.X.Label.Text = name
		p.X.Label.TextStyle.Font.Size = vg.Points(8)
		p.X.Tick.Label.Font.Size = vg.Points(6)
		p.HideY()
		xy := make(plotter.XYs, len(c.Particles))
		for i, q := range c.Particles {
			xy[i].X, xy[i].Y = q[a], c.Weights[i]
		}
		hist, err := plotter.NewHistogram(xy, 30)
		if err != nil {
			return "", err
		}
		hist.Normalize(1)
		hist.FillColor = color.NRGBA{R: 70, G: 110, B: 180, A: 160}
		hist.LineStyle.Width = 0
		p.Add(hist)
		p.Draw(tiles.At(dc, a%cols, a/cols))
	}
	return canvasSVG(canvas)
}

func canvasSVG(canvas *vgsvg.Canvas) (template.HTML, error) {
	var b strings.Builder
	if _, err := canvas.WriteTo(&b); err != nil {
		return "", err
	}
	s := b.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return template.HTML(s), nil // drawn by gonum/plot from numbers and escaped labels
}

// svgSized is svgOf at a given size.
func svgSized(p *plot.Plot, w, h vg.Length) (template.HTML, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	return canvasSVG(c)
}

// resampled returns up to n particle indices drawn by weight,
// systematically (deterministic: evenly spaced points of the cumulative
// weights).
func (c *CalibrationOutputs) resampled(n int) []int {
	var total float64
	for _, w := range c.Weights {
		total += w
	}
	n = min(n, len(c.Weights))
	out := make([]int, 0, n)
	var cum float64
	j := 0
	for k := range n {
		u := (float64(k) + 0.5) / float64(n) * total
		for j < len(c.Weights)-1 && cum+c.Weights[j] < u {
			cum += c.Weights[j]
			j++
		}
		out = append(out, j)
	}
	return out
}

// pairsPlot draws a grid of pairwise scatter plots (lower triangle) and
// marginal names on the diagonal, at most 8 parameters.
func (c *CalibrationOutputs) pairsPlot() (template.HTML, error) {
	d := min(len(c.Params), 8)
	idx := c.resampled(400)
	cell := 1.6 * vg.Inch
	canvas := vgsvg.New(vg.Length(d)*cell, vg.Length(d)*cell)
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: d, Cols: d, PadX: vg.Points(2), PadY: vg.Points(2)}
	for row := range d {
		for col := range d {
			if col > row {
				continue
			}
			p := plot.New()
			p.X.Tick.Label.Font.Size = vg.Points(6)
			p.Y.Tick.Label.Font.Size = vg.Points(6)
			if col == row {
				p.Title.Text = c.Params[row]
				p.Title.TextStyle.Font.Size = vg.Points(8)
				xy := make(plotter.XYs, len(c.Particles))
				for i, q := range c.Particles {
					xy[i].X, xy[i].Y = q[row], c.Weights[i]
				}
				h, err := plotter.NewHistogram(xy, 20)
				if err != nil {
					return "", err
				}
				h.FillColor = color.NRGBA{R: 70, G: 110, B: 180, A: 160}
				h.LineStyle.Width = 0
				p.Add(h)
				p.HideY()
			} else {
				xy := make(plotter.XYs, len(idx))
				for k, i := range idx {
					xy[k].X, xy[k].Y = c.Particles[i][col], c.Particles[i][row]
				}
				sc, err := plotter.NewScatter(xy)
				if err != nil {
					return "", err
				}
				sc.GlyphStyle.Radius = vg.Points(1)
				sc.GlyphStyle.Color = color.NRGBA{R: 40, G: 70, B: 140, A: 120}
				p.Add(sc)
				if col == 0 {
					p.Y.Label.Text = c.Params[row]
					p.Y.Label.TextStyle.Font.Size = vg.Points(7)
				}
				if row == d-1 {
					p.X.Label.Text = c.Params[col]
					p.X.Label.TextStyle.Font.Size = vg.Points(7)
				}
			}
			p.Draw(tiles.At(dc, col, row))
		}
	}
	return canvasSVG(canvas)
}

// fitSection compares each target with the posterior predictions.
func (c *CalibrationOutputs) fitSection() (section, error) {
	s := c.Summary
	sec := section{ID: "fit", Title: "Observed and predicted"}
	if s.Predictive != nil {
		sec.Notes = append(sec.Notes, fmt.Sprintf("Predictions are %d posterior-predictive runs (%d failed): posterior draws, each simulated afresh with its own seed.", s.Predictive.Runs, s.Predictive.Failed))
	} else {
		sec.Notes = append(sec.Notes, "Predictions are the final population's own simulations, weighted.")
	}
	t := table{ID: "targets", Caption: "Targets (z = (predicted mean − observed)/SE on the target's scale)",
		Head: []string{"target", "observed", "SE", "predicted mean", "2.5 %", "97.5 %", "z", "within 1.96 SE", "source"}}
	var scalars []fitRow
	for _, tg := range s.Targets {
		within := "–"
		if tg.Within != nil {
			within = map[bool]string{true: "yes", false: "no"}[*tg.Within]
		}
		if tg.Table == "" && len(tg.Cells) == 1 {
			cl := tg.Cells[0]
			obs := map[string]string{"right": "> ", "left": "< "}[tg.Cens] + fmtNum(cl.Obs)
			t.Rows = append(t.Rows, []string{tg.Name, obs, fmtPtr(cl.SE), fmtPtr(cl.Mean), fmtPtr(cl.Q025), fmtPtr(cl.Q975), fmtPtr(cl.Z), within, tg.Source})
			if cl.Z != nil && cl.SE != nil && cl.Q025 != nil && cl.Q975 != nil && *cl.SE > 0 {
				scalars = append(scalars, fitRow{name: tg.Name, z: *cl.Z, lo: (*cl.Q025 - cl.Obs) / *cl.SE, hi: (*cl.Q975 - cl.Obs) / *cl.SE})
			}
			continue
		}
		t.Rows = append(t.Rows, []string{tg.Name, fmt.Sprintf("%d values", len(tg.Cells)), "", "", "", "", "rms " + fmtPtr(tg.RMSZ), within, tg.Source})
		svg, err := tableFitPlot(tg.Name, tg.Table, tg.Key, tg.Cells)
		if err != nil {
			return sec, err
		}
		if svg != "" {
			sec.Figures = append(sec.Figures, figure{ID: "fit-" + slugID(tg.Name), Caption: "Target " + tg.Name + ": observed values (±1.96 SE) and the posterior-predictive median with its 95 % interval.", SVG: svg})
		}
	}
	sec.Tables = append(sec.Tables, t)
	if len(scalars) > 0 {
		svg, err := zPlot(scalars)
		if err != nil {
			return sec, err
		}
		sec.Figures = append([]figure{{ID: "fit-scalars", Caption: "Scalar targets in standard errors from the observation: the predicted mean (dot) and 95 % interval (bar); the band is ±1.96 SE.", SVG: svg}}, sec.Figures...)
	}
	return sec, nil
}

type fitRow struct {
	name      string
	z, lo, hi float64
}

func slugID(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// zPlot draws one row per scalar target: the predicted mean and interval
// in standard errors from the observed value.
func zPlot(rows []fitRow) (template.HTML, error) {
	p := newPlot("", "(predicted − observed) / SE", "")
	var ticks []plot.Tick
	lo, hi := -3.0, 3.0
	for i, r := range rows {
		y := float64(len(rows) - 1 - i)
		ticks = append(ticks, plot.Tick{Value: y, Label: r.name})
		lo, hi = math.Min(lo, r.lo), math.Max(hi, r.hi)
		bar, err := plotter.NewLine(plotter.XYs{{X: r.lo, Y: y}, {X: r.hi, Y: y}})
		if err != nil {
			return "", err
		}
		bar.Width, bar.Color = vg.Points(2), seriesColor(0)
		p.Add(bar)
		dot, err := plotter.NewScatter(plotter.XYs{{X: r.z, Y: y}})
		if err != nil {
			return "", err
		}
		dot.GlyphStyle.Radius, dot.GlyphStyle.Color = vg.Points(3), seriesColor(1)
		p.Add(dot)
	}
	n := float64(len(rows))
	band, err := plotter.NewPolygon(plotter.XYs{{X: -1.96, Y: -0.5}, {X: 1.96, Y: -0.5}, {X: 1.96, Y: n - 0.5}, {X: -1.96, Y: n - 0.5}})
	if err != nil {
		return "", err
	}
	band.Color, band.LineStyle.Width = color.NRGBA{R: 120, G: 180, B: 120, A: 50}, 0
	p.Add(band)
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = -0.5, n-0.5
	p.X.Min, p.X.Max = math.Max(lo, -50), math.Min(hi, 50)
	return svgSized(p, plotWidth, vg.Length(math.Max(2.2, 0.35*n+1))*vg.Inch)
}

// fitCell is one observed cell of a target with its posterior-predictive
// summary (calibration.json's targets[].cells[]).
type fitCell struct {
	Key    *float64 `json:"key"`
	Column string   `json:"column"`
	Obs    float64  `json:"observed"`
	SE     *float64 `json:"se"`
	Mean   *float64 `json:"predicted_mean"`
	Q025   *float64 `json:"predicted_q025"`
	Q50    *float64 `json:"predicted_q50"`
	Q975   *float64 `json:"predicted_q975"`
	Z      *float64 `json:"z"`
}

// tableFitPlot draws a table target against its key: observed with error
// bars, predicted median and 95 % band, one series per column.
func tableFitPlot(name, tableName, key string, cells []fitCell) (template.HTML, error) {
	byCol := map[string][]int{}
	var cols []string
	for i, cl := range cells {
		if cl.Key == nil {
			continue
		}
		if _, ok := byCol[cl.Column]; !ok {
			cols = append(cols, cl.Column)
		}
		byCol[cl.Column] = append(byCol[cl.Column], i)
	}
	if len(cols) == 0 {
		return "", nil
	}
	p := newPlot(name, key, "")
	for ci, col := range cols {
		idx := byCol[col]
		sort.SliceStable(idx, func(a, b int) bool { return *cells[idx[a]].Key < *cells[idx[b]].Key })
		var obs, med plotter.XYs
		var errs plotter.YErrors
		var band plotter.XYs
		for _, i := range idx {
			cl := cells[i]
			obs = append(obs, plotter.XY{X: *cl.Key, Y: cl.Obs})
			e := 0.0
			if cl.SE != nil {
				e = 1.96 * *cl.SE
			}
			errs = append(errs, struct{ Low, High float64 }{e, e})
			if cl.Q50 != nil {
				med = append(med, plotter.XY{X: *cl.Key, Y: *cl.Q50})
			}
		}
		for _, i := range idx {
			if cells[i].Q975 != nil {
				band = append(band, plotter.XY{X: *cells[i].Key, Y: *cells[i].Q975})
			}
		}
		for k := len(idx) - 1; k >= 0; k-- {
			if cells[idx[k]].Q025 != nil {
				band = append(band, plotter.XY{X: *cells[idx[k]].Key, Y: *cells[idx[k]].Q025})
			}
		}
		if len(band) > 2 && len(idx) <= 2000 {
			poly, err := plotter.NewPolygon(band)
			if err != nil {
				return "", err
			}
			r, g, b, _ := seriesColor(ci).RGBA()
			poly.Color, poly.LineStyle.Width = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 50}, 0
			p.Add(poly)
		}
		if len(med) > 1 {
			l, err := plotter.NewLine(med)
			if err != nil {
				return "", err
			}
			l.Color, l.Width = seriesColor(ci), vg.Points(1.5)
			p.Add(l)
			p.Legend.Add(col+" predicted (median)", l)
		}
		sc, err := plotter.NewScatter(obs)
		if err != nil {
			return "", err
		}
		sc.GlyphStyle.Radius, sc.GlyphStyle.Color = vg.Points(2.5), color.Black
		p.Add(sc)
		p.Legend.Add(col+" observed", sc)
		if len(idx) <= 200 {
			eb, err := plotter.NewYErrorBars(struct {
				plotter.XYs
				plotter.YErrors
			}{obs, errs})
			if err != nil {
				return "", err
			}
			p.Add(eb)
		}
	}
	return svgOf(p)
}

// scheduleSection draws the tolerance schedule (ABC-SMC) or the objective
// trace (optimisation).
func (c *CalibrationOutputs) scheduleSection() (*section, error) {
	if c.Schedule == nil {
		return nil, nil
	}
	col := func(name string) int {
		for i, h := range c.ScheduleHead {
			if h == name {
				return i
			}
		}
		return -1
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return math.NaN()
		}
		return v
	}
	sec := &section{ID: "schedule"}
	if tc := col("tolerance"); tc >= 0 {
		sec.Title = "Tolerance schedule"
		sec.Notes = []string{"Population 0 draws from the prior (tolerance ∞). The tolerance is a distance (threshold acceptance) or a temperature (stochastic acceptance, 1 = the exact posterior)."}
		var tol, acc, ess plotter.XYs
		pc, ac, ec := col("population"), col("acceptance_rate"), col("ess")
		t := table{ID: "populations", Caption: "Populations", Head: c.ScheduleHead[:min(len(c.ScheduleHead), 10)]}
		for _, r := range c.Schedule {
			x := num(r[pc])
			if v := num(r[tc]); !math.IsInf(v, 0) && !math.IsNaN(v) && v > 0 {
				tol = append(tol, plotter.XY{X: x, Y: v})
			}
			acc = append(acc, plotter.XY{X: x, Y: num(r[ac])})
			ess = append(ess, plotter.XY{X: x, Y: num(r[ec])})
			row := make([]string, len(t.Head))
			for k := range row {
				row[k] = r[k]
				if v, err := strconv.ParseFloat(r[k], 64); err == nil && strings.ContainsAny(r[k], ".e") {
					row[k] = fmtNum(v)
				}
			}
			t.Rows = append(t.Rows, row)
		}
		if len(tol) > 0 {
			p := newPlot("", "population", "tolerance")
			p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
			if err := addLinePoints(p, tol, 0); err != nil {
				return nil, err
			}
			svg, err := svgSized(p, 3.2*vg.Inch, 2.4*vg.Inch)
			if err != nil {
				return nil, err
			}
			sec.Figures = append(sec.Figures, figure{ID: "tolerance", Caption: "Tolerance per population (log scale).", SVG: svg})
		}
		p := newPlot("", "population", "acceptance rate")
		if err := addLinePoints(p, acc, 1); err != nil {
			return nil, err
		}
		svg, err := svgSized(p, 3.2*vg.Inch, 2.4*vg.Inch)
		if err != nil {
			return nil, err
		}
		sec.Figures = append(sec.Figures, figure{ID: "acceptance", Caption: "Acceptance rate per population.", SVG: svg})
		p = newPlot("", "population", "effective sample size")
		if err := addLinePoints(p, ess, 2); err != nil {
			return nil, err
		}
		if svg, err = svgSized(p, 3.2*vg.Inch, 2.4*vg.Inch); err != nil {
			return nil, err
		}
		sec.Figures = append(sec.Figures, figure{ID: "ess", Caption: "Effective sample size per population.", SVG: svg})
		sec.Tables = append(sec.Tables, t)
		return sec, nil
	}
	oc, rc := col("objective"), col("round")
	if oc < 0 || rc < 0 {
		return nil, nil
	}
	sec.Title = "Optimisation trace"
	best := math.Inf(1)
	var xy plotter.XYs
	for _, r := range c.Schedule {
		v := num(r[oc])
		if v < best {
			best = v
		}
		if !math.IsInf(best, 0) && best > 0 {
			xy = append(xy, plotter.XY{X: num(r[rc]), Y: best})
		}
	}
	if len(xy) > 0 {
		p := newPlot("", "round", "best objective so far")
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color = seriesColor(0)
		p.Add(l)
		svg, err := svgOf(p)
		if err != nil {
			return nil, err
		}
		sec.Figures = append(sec.Figures, figure{ID: "trace", Caption: "Best objective (negative log-likelihood less its minimum) over the rounds.", SVG: svg})
	}
	return sec, nil
}

// addLinePoints adds a line with its points in series colour i.
func addLinePoints(p *plot.Plot, xy plotter.XYs, i int) error {
	l, pts, err := plotter.NewLinePoints(xy)
	if err != nil {
		return err
	}
	l.Color, pts.Color = seriesColor(i), seriesColor(i)
	p.Add(l, pts)
	return nil
}
