package report

import (
	"fmt"
	"html/template"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/mdtwin/mdtwin/hta"
)

// DSA writes the HTML report of a deterministic sensitivity analysis
// (mdtwin dsa): the tornado diagram of the one-way ranges (widest bar on
// top), the outcome over each two-way grid, one line per value of the
// second parameter, and each threshold analysis with the values at which
// the outcome crosses the decision level; every figure with its table.
func DSA(w io.Writer, study string, d *hta.DSA) error {
	p := &page{Title: "Deterministic sensitivity analysis: " + study, Subtitle: "Outcome " + d.Outcome,
		Facts: [][2]string{{"outcome", d.Outcome}, {"base case", fmtNumber(hta.Number(d.Base))}, {"decision level", fmtNumber(hta.Number(d.Level))}}}
	if len(d.OneWay) > 0 {
		s := section{ID: "one-way", Title: "One-way sensitivity analysis",
			Notes: []string{"Each parameter set to the ends of its range, the others at their base values; bars sorted by the width of the outcome's range, widest on top (tornado diagram)."}}
		svg, err := tornadoPlot(d)
		if err != nil {
			return err
		}
		s.Figures = append(s.Figures, figure{ID: "tornado", Caption: "Tornado diagram of " + d.Outcome + " (the vertical line is the base case).", SVG: svg})
		t := table{ID: "tornado-table", Caption: "One-way ranges", Head: []string{"parameter", "low value", "high value", d.Outcome + " at low", "at high", "range"}}
		for _, b := range d.OneWay {
			t.Rows = append(t.Rows, []string{b.Param, fmtNumber(hta.Number(b.LowValue)), fmtNumber(hta.Number(b.HighValue)), fmtNumber(hta.Number(b.Low)), fmtNumber(hta.Number(b.High)), fmtNumber(hta.Number(b.Range))})
		}
		s.Tables = append(s.Tables, t)
		p.Sections = append(p.Sections, s)
	}
	for k, tw := range d.TwoWay {
		s := section{ID: fmt.Sprintf("two-way-%d", k+1), Title: "Two-way sensitivity analysis: " + tw.XParam + " × " + tw.YParam}
		svg, err := gridLines(d, tw)
		if err != nil {
			return err
		}
		s.Figures = append(s.Figures, figure{ID: fmt.Sprintf("two-way-%d-plot", k+1), Caption: d.Outcome + " over " + tw.XParam + ", one line per value of " + tw.YParam + "; the dashed line is the decision level.", SVG: svg})
		head := []string{tw.XParam + " \\ " + tw.YParam}
		for _, y := range tw.Y {
			head = append(head, fmtNumber(hta.Number(y)))
		}
		t := table{Caption: d.Outcome + " on the grid", Head: head}
		for i, x := range tw.X {
			row := []string{fmtNumber(hta.Number(x))}
			for j := range tw.Y {
				row = append(row, fmtNumber(hta.Number(tw.Outcome[i][j])))
			}
			t.Rows = append(t.Rows, row)
		}
		s.Tables = append(s.Tables, t)
		p.Sections = append(p.Sections, s)
	}
	if len(d.Thresholds) > 0 {
		s := section{ID: "thresholds", Title: "Threshold analysis",
			Notes: []string{fmt.Sprintf("The value of each parameter at which %s crosses %s (the decision changes), by linear interpolation on the grid, refined on a finer grid around each crossing.", d.Outcome, fmtNumber(hta.Number(d.Level)))}}
		t := table{ID: "threshold-table", Caption: "Thresholds", Head: []string{"parameter", "range", "threshold values"}}
		for k, th := range d.Thresholds {
			svg, err := thresholdPlot(d, th)
			if err != nil {
				return err
			}
			s.Figures = append(s.Figures, figure{ID: fmt.Sprintf("threshold-%d", k+1), Caption: d.Outcome + " over " + th.Param + "; the dashed line is the decision level, the points the thresholds.", SVG: svg})
			vals := "none in the range: the decision does not change"
			if len(th.Thresholds) > 0 {
				vals = ""
				for i, v := range th.Thresholds {
					if i > 0 {
						vals += ", "
					}
					vals += fmtNumber(hta.Number(v))
				}
			}
			t.Rows = append(t.Rows, []string{th.Param, fmtNumber(hta.Number(th.X[0])) + " – " + fmtNumber(hta.Number(th.X[len(th.X)-1])), vals})
		}
		s.Tables = append(s.Tables, t)
		p.Sections = append(p.Sections, s)
	}
	return p.write(w)
}

// tornadoPlot draws one horizontal bar per parameter from the outcome at
// one end of its range to the other, the widest on top.
func tornadoPlot(d *hta.DSA) (template.HTML, error) {
	p := newPlot("", d.Outcome, "")
	n := len(d.OneWay)
	names := make([]string, n)
	for i, b := range d.OneWay {
		y := float64(n - 1 - i) // widest on top
		names[n-1-i] = b.Param
		lo, hi := math.Min(b.Low, b.High), math.Max(b.Low, b.High)
		if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
			continue
		}
		if hi == lo {
			hi = lo + 1e-12*math.Max(1, math.Abs(lo))
		}
		poly, err := plotter.NewPolygon(plotter.XYs{{X: lo, Y: y - 0.35}, {X: hi, Y: y - 0.35}, {X: hi, Y: y + 0.35}, {X: lo, Y: y + 0.35}})
		if err != nil {
			return "", err
		}
		poly.Color = seriesColor(0)
		poly.LineStyle.Width = 0
		p.Add(poly)
	}
	p.NominalY(names...)
	if base := d.Base; !math.IsNaN(base) && !math.IsInf(base, 0) {
		l, err := plotter.NewLine(plotter.XYs{{X: base, Y: -0.5}, {X: base, Y: float64(n) - 0.5}})
		if err != nil {
			return "", err
		}
		l.Width = vg.Points(1)
		p.Add(l)
	}
	return svgOf(p)
}

// finite keeps the points with a finite y.
func finite(xs, ys []float64) plotter.XYs {
	var out plotter.XYs
	for i := range xs {
		if !math.IsNaN(ys[i]) && !math.IsInf(ys[i], 0) {
			out = append(out, plotter.XY{X: xs[i], Y: ys[i]})
		}
	}
	return out
}

// addLevel adds the decision level as a dashed horizontal line over xs.
func addLevel(p *plot.Plot, xs []float64, level float64) error {
	if len(xs) == 0 || math.IsNaN(level) || math.IsInf(level, 0) {
		return nil
	}
	l, err := plotter.NewLine(plotter.XYs{{X: xs[0], Y: level}, {X: xs[len(xs)-1], Y: level}})
	if err != nil {
		return err
	}
	l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(l)
	p.Legend.Add("decision level", l)
	return nil
}

func gridLines(d *hta.DSA, tw hta.TwoWay) (template.HTML, error) {
	p := newPlot("", tw.XParam, d.Outcome)
	for j, y := range tw.Y {
		col := make([]float64, len(tw.X))
		for i := range tw.X {
			col[i] = tw.Outcome[i][j]
		}
		xy := finite(tw.X, col)
		if len(xy) < 2 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return "", err
		}
		l.Color, l.Width, l.Dashes = seriesColor(j), vg.Points(1.5), plotutil.Dashes(j)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s = %s", tw.YParam, fmtNumber(hta.Number(y))), l)
	}
	if err := addLevel(p, tw.X, d.Level); err != nil {
		return "", err
	}
	return svgOf(p)
}

func thresholdPlot(d *hta.DSA, th hta.ThresholdRun) (template.HTML, error) {
	p := newPlot("", th.Param, d.Outcome)
	if xy := finite(th.X, th.Outcome); len(xy) >= 2 {
		l, err := plotter.NewLine(xy)
		if err != nil {
			return "", err
		}
		l.Color, l.Width = seriesColor(0), vg.Points(1.5)
		p.Add(l)
	}
	if err := addLevel(p, th.X, d.Level); err != nil {
		return "", err
	}
	if len(th.Thresholds) > 0 {
		pts := make(plotter.XYs, len(th.Thresholds))
		for i, v := range th.Thresholds {
			pts[i] = plotter.XY{X: v, Y: d.Level}
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return "", err
		}
		sc.Color = seriesColor(1)
		sc.Radius = vg.Points(4)
		p.Add(sc)
		p.Legend.Add("threshold", sc)
	}
	return svgOf(p)
}
