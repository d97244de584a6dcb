package cohort

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
)

// WriteHTML writes the report as one self-contained HTML page: settings,
// warnings, each privacy check with its threshold and verdict, the attack
// risks, utility figures and the original and avatar distributions side by
// side as inline SVG. No script, stylesheet or font is fetched.
func (r *Report) WriteHTML(w io.Writer) error {
	type dist struct {
		Histogram
		Hellinger float64
		SVG       template.HTML
	}
	data := struct {
		*Report
		Dists     []dist
		LCSVG     template.HTML
		DCRSVG    template.HTML
		Variance  string
		Threshold float64
	}{Report: r, Threshold: AttackRiskThreshold}
	for _, h := range r.Distributions {
		data.Dists = append(data.Dists, dist{h, h.Hellinger(), barChart(h.Labels, [][]float64{h.Original, h.Avatar}, "share of rows")})
	}
	if len(r.lc) > 0 {
		edges := []int{0, 1, 2, 3, 4, 5, 6, 11, 21, 51, 101, LocalCloakingLimit}
		labels := []string{"0", "1", "2", "3", "4", "5", "6–10", "11–20", "21–50", "51–100", ">100"}
		counts := make([]float64, len(labels))
		for _, v := range r.lc {
			for b := len(labels) - 1; b >= 0; b-- {
				if v >= edges[b] {
					counts[b]++
					break
				}
			}
		}
		for b := range counts {
			counts[b] /= float64(len(r.lc))
		}
		data.LCSVG = barChart(labels, [][]float64{counts}, "share of originals")
	}
	if len(r.dcr) > 0 {
		hi := quantile(r.dcr, 0.99)
		const nb = 20
		labels := make([]string, nb)
		counts := make([]float64, nb)
		for b := range labels {
			labels[b] = strconv.FormatFloat(hi*float64(b)/nb, 'g', 3, 64)
		}
		for _, d := range r.dcr {
			b := nb - 1
			if hi > 0 {
				b = min(int(d/hi*nb), nb-1)
			}
			counts[b] += 1 / float64(len(r.dcr))
		}
		data.DCRSVG = barChart(labels, [][]float64{counts}, "share of avatars")
	}
	var vs []string
	for _, v := range r.ExplainedVariance {
		vs = append(vs, fmt.Sprintf("%.1f %%", 100*v))
	}
	data.Variance = strings.Join(vs, ", ")
	return reportTemplate.Execute(w, data)
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"f":   func(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) },
	"pct": func(x float64) string { return fmt.Sprintf("%.1f %%", 100*x) },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Avatar release report</title>
<style>
body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
.pass{color:#0a6b0a;font-weight:bold}.fail{color:#b00020;font-weight:bold}.warn{background:#fff4d6;padding:.5em}
.grid{display:flex;flex-wrap:wrap;gap:1em}.grid figure{margin:0}figcaption{font-size:.9em}
.legend span{display:inline-block;width:1em;height:1em;vertical-align:middle;margin:0 .3em 0 1em}
</style></head><body>
<h1>Avatar release report</h1>
<p>{{.Method}}. {{.Rows}} rows; k = {{.K}}; neighbours searched on {{.NCP}} components (variance {{.Variance}}); seed {{.Seed}}.
{{if .NotReleased}}Identifier columns not projected and not released: {{range $i, $c := .NotReleased}}{{if $i}}, {{end}}{{$c}}{{end}}.{{end}}</p>
<table><tr><th>column</th><th>kind</th></tr>{{range .Schema}}<tr><td>{{.Name}}</td><td>{{.Kind}}</td></tr>{{end}}</table>
{{range .Warnings}}<p class="warn">Warning: {{.}}</p>{{end}}

<h2>Privacy checks</h2>
<p>Each check has its own threshold and verdict. There is no overall verdict: these metrics do not prove a release anonymous (see Limits).</p>
<table><tr><th>metric</th><th>protects against</th><th>value</th><th>threshold</th><th>verdict</th><th>threshold from</th></tr>
{{range .Checks}}<tr><td>{{.Metric}}</td><td>{{.Criterion}}</td><td>{{f .Value}}</td><td>{{.Op}} {{f .Threshold}}</td>
<td>{{if .Pass}}<span class="pass">pass</span>{{else}}<span class="fail">fail</span>{{end}}</td><td>{{.Source}}</td></tr>{{end}}</table>
<p>Also: median count of other originals closer than the own avatar {{f .Distances.RecordsMedian}};
originals with no closer avatar or record {{f .Distances.EmptyRate}} %; avatars at distance 0 from an original {{f .Distances.DCRZeroRate}} %.</p>
<div class="grid">
<figure>{{.LCSVG}}<figcaption>Local cloaking: other avatars closer to an original than its own avatar
(quantiles 0/5/25/50/75/95/100 %: {{range .LocalCloakingQuantiles}}{{f .}} {{end}})</figcaption></figure>
<figure>{{.DCRSVG}}<figcaption>Distance of each avatar to the closest original, projected space
(quantiles: {{range .DCRQuantiles}}{{f .}} {{end}})</figcaption></figure>
</div>

<h2>Attacks (Anonymeter-style)</h2>
{{if .Attacks}}<p>{{.Evaluation.Note}}: {{.Evaluation.TrainRows}} train and {{.Evaluation.ControlRows}} control rows.
Rates are Wilson estimates with 95 % intervals; risk = (main − control)/(1 − control), threshold &lt; {{f .Threshold}}.</p>
<table><tr><th>attack</th><th>target</th><th>main rate</th><th>control rate</th><th>baseline rate</th><th>risk [95 % CI]</th></tr>
{{range .Attacks}}<tr><td>{{.Attack}}</td><td>{{.Target}}</td><td>{{pct .Main.Value}} [{{pct .Main.Low}}, {{pct .Main.High}}] of {{.Main.N}}</td>
<td>{{pct .Control.Value}} [{{pct .Control.Low}}, {{pct .Control.High}}]</td><td>{{pct .Baseline.Value}}</td>
<td>{{f .Risk}} [{{f .RiskLow}}, {{f .RiskHigh}}]</td></tr>{{end}}</table>{{else}}<p>Not run.</p>{{end}}

<h2>Utility</h2>
<p>Hellinger distance per variable: mean {{f .Utility.HellingerMean}}, sd {{f .Utility.HellingerStd}}.
Pearson correlation |original − avatar| over {{len .Utility.CorrelationColumns}} columns: mean {{f .Utility.CorrelationMean}}, max {{f .Utility.CorrelationMax}}.</p>
{{with .Utility.Downstream}}<p>Downstream task: logistic regression of {{.Target}} (positive class {{.Positive}}) on {{.Features}} encoded features,
tested on {{.TestRows}} held-out originals: AUC {{f .AUCOriginal}} trained on originals, {{f .AUCAvatar}} trained on avatars.</p>{{end}}
<p class="legend">Distributions:<span style="background:#4c72b0"></span>original<span style="background:#dd8452"></span>avatar</p>
<div class="grid">{{range .Dists}}<figure>{{.SVG}}<figcaption>{{.Variable}} (Hellinger {{f .Hellinger}})</figcaption></figure>{{end}}</div>

<h2>Limits</h2>
<p>Distance- and similarity-based metrics do not bound real attacks: reconstruction and membership-inference attacks
have succeeded against synthetic data that passed them (Ganev &amp; De Cristofaro, arXiv 2312.05114; Stadler et al.,
USENIX Security 2022; arXiv 2510.15083). The thresholds are indicative. Small k (≤ 2) gives avatars close to their originals.</p>
</body></html>
`))

// barChart draws grouped bars (one group per label, one bar per series)
// as an inline SVG of fixed size.
func barChart(labels []string, series [][]float64, yLabel string) template.HTML {
	const W, H, left, bottom, top = 360.0, 200.0, 40.0, 40.0, 10.0
	colours := []string{"#4c72b0", "#dd8452"}
	top1 := 0.0
	for _, s := range series {
		for _, v := range s {
			top1 = math.Max(top1, v)
		}
	}
	if top1 == 0 {
		top1 = 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-size="9" font-family="sans-serif">`, W, H, W, H)
	plotW, plotH := W-left-5, H-bottom-top
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#333"/>`, left, top+plotH, W-5, top+plotH)
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#333"/>`, left, top, left, top+plotH)
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="end">%s</text>`, left-3, top+8, strconv.FormatFloat(top1, 'g', 2, 64))
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="end">0</text>`, left-3, top+plotH)
	fmt.Fprintf(&b, `<text transform="translate(10 %g) rotate(-90)" text-anchor="middle">%s</text>`, top+plotH/2, template.HTMLEscapeString(yLabel))
	gw := plotW / float64(len(labels))
	bw := gw * 0.8 / float64(len(series))
	every := max(1, len(labels)/10)
	for g, l := range labels {
		x0 := left + float64(g)*gw + gw*0.1
		for s, vals := range series {
			h := vals[g] / top1 * plotH
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %.3f</title></rect>`,
				x0+float64(s)*bw, top+plotH-h, bw, h, colours[s%len(colours)], template.HTMLEscapeString(l), vals[g])
		}
		if g%every == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="end" transform="rotate(-45 %.1f %g)">%s</text>`,
				x0+gw*0.4, top+plotH+10, x0+gw*0.4, top+plotH+10, template.HTMLEscapeString(l))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
