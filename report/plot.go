package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/mdtwin/mdtwin/hta"
)

// Plot size, in points.
const (
	plotWidth  = 6.5 * vg.Inch
	plotHeight = 4 * vg.Inch
)

// svgOf draws p and returns the SVG element for inline use in HTML (the
// XML prolog and generator comment removed).
func svgOf(p *plot.Plot) (template.HTML, error) {
	c := vgsvg.New(plotWidth, plotHeight)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", err
	}
	s := b.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return template.HTML(s), nil // drawn by gonum/plot from numbers and escaped labels
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, x, y
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

func seriesColor(i int) color.Color { return plotutil.Color(i) }

// ceacPlot draws one curve per strategy: the probability of being cost-
// effective at each willingness to pay.
func ceacPlot(wtp []float64, curves []hta.Curve, currency, effect string) (template.HTML, error) {
	p := newPlot("Cost-effectiveness acceptability curve", fmt.Sprintf("willingness to pay (%s per %s)", currency, effect), "probability cost-effective")
	p.Y.Min, p.Y.Max = 0, 1
	for i, c := range curves {
		n := min(len(wtp), len(c.Prob))
		xy := make(plotter.XYs, n)
		for k := range n {
			xy[k].X, xy[k].Y = wtp[k], c.Prob[k]
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return "", err
		}
		l.Color, l.Width = seriesColor(i), vg.Points(1.5)
		l.Dashes = plotutil.Dashes(i)
		p.Add(l)
		p.Legend.Add(c.Strategy, l)
	}
	return svgOf(p)
}

// cePlanePlot scatters the incremental cost against the incremental effect
// of each draw, one series per comparison.
func cePlanePlot(planes []hta.CEPlane, currency, effect string) (template.HTML, error) {
	p := newPlot("Cost-effectiveness plane", "incremental "+effect, "incremental cost ("+currency+")")
	for i, pl := range planes {
		var xy plotter.XYs
		for k := range min(len(pl.IncCost), len(pl.IncEffect)) {
			x, y := float64(pl.IncEffect[k]), float64(pl.IncCost[k])
			if !math.IsNaN(x) && !math.IsNaN(y) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
				xy = append(xy, plotter.XY{X: x, Y: y})
			}
		}
		if len(xy) == 0 {
			continue
		}
		s, err := plotter.NewScatter(xy)
		if err != nil {
			return "", err
		}
		s.GlyphStyle.Color, s.GlyphStyle.Radius = seriesColor(i), vg.Points(2)
		s.GlyphStyle.Shape = plotutil.Shape(i)
		p.Add(s)
		p.Legend.Add(pl.Strategy+" vs "+pl.Versus, s)
	}
	zero := plotter.NewFunction(func(float64) float64 { return 0 })
	zero.Color = color.Gray{Y: 120}
	p.Add(zero)
	return svgOf(p)
}

// bandSeries is a mean line with a shaded interval.
type bandSeries struct {
	Name            string
	X, Mean, Lo, Hi []float64
}

// bandPlot draws each series' interval as a translucent band and its mean
// as a line.
func bandPlot(title, x, y string, series []bandSeries, ymin, ymax float64) (template.HTML, error) {
	p := newPlot(title, x, y)
	p.Y.Min, p.Y.Max = ymin, ymax
	for i, s := range series {
		if len(s.X) == 0 {
			continue
		}
		poly := make(plotter.XYs, 0, 2*len(s.X))
		for k := range s.X {
			poly = append(poly, plotter.XY{X: s.X[k], Y: s.Hi[k]})
		}
		for k := len(s.X) - 1; k >= 0; k-- {
			poly = append(poly, plotter.XY{X: s.X[k], Y: s.Lo[k]})
		}
		band, err := plotter.NewPolygon(poly)
		if err != nil {
			return "", err
		}
		r, g, b, _ := seriesColor(i).RGBA()
		band.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 40}
		band.LineStyle.Width = 0
		p.Add(band)
		mean := make(plotter.XYs, len(s.X))
		for k := range s.X {
			mean[k].X, mean[k].Y = s.X[k], s.Mean[k]
		}
		l, err := plotter.NewLine(mean)
		if err != nil {
			return "", err
		}
		l.Color, l.Width, l.Dashes = seriesColor(i), vg.Points(1.5), plotutil.Dashes(i)
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	return svgOf(p)
}

// onsetSeries is the onset times of the seizing regions of one run.
type onsetSeries struct {
	Name   string
	Onsets map[string]float64 // region label → first onset (ms)
}

// onsetPlot places each region that seized in any run on its own row and
// marks its first onset in each run.
func onsetPlot(regions []string, series []onsetSeries) (template.HTML, error) {
	p := newPlot("Seizure onsets", "first onset (ms)", "")
	row := map[string]int{}
	var ticks []plot.Tick
	for i, r := range regions {
		y := float64(len(regions) - 1 - i) // the first region on top
		row[r] = int(y)
		ticks = append(ticks, plot.Tick{Value: y, Label: r})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = -0.5, float64(len(regions))-0.5
	for i, s := range series {
		var xy plotter.XYs
		for _, r := range regions {
			if t, ok := s.Onsets[r]; ok {
				xy = append(xy, plotter.XY{X: t, Y: float64(row[r])})
			}
		}
		if len(xy) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return "", err
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = seriesColor(i), vg.Points(3), plotutil.Shape(i)
		p.Add(sc)
		p.Legend.Add(s.Name, sc)
	}
	return svgOf(p)
}
