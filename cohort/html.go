package cohort

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
)

// WriteHTML writes the report as one self-contained HTML page: the
// settings and the published figures they are comparable with, warnings,
// each privacy check with its value (and interval), threshold and verdict,
// the attacks and the membership inference with their intervals, utility
// figures — "not computed" where a figure could not be computed, never 0 —
// and the original and avatar distributions side by side as inline SVG. No
// script, stylesheet or font is fetched.
func (r *Report) WriteHTML(w io.Writer) error {
	type dist struct {
		Histogram
		Hellinger float64
		SVG       template.HTML
	}
	type checkRow struct {
		Check
		Shown string // the value as shown, with its interval
	}
	data := struct {
		*Report
		CheckRows []checkRow
		Dists     []dist
		LCSVG     template.HTML
		DCRSVG    template.HTML
		Variance  string
		Threshold float64
		AUCLimit  float64
	}{Report: r, Threshold: AttackRiskThreshold, AUCLimit: MembershipAUCThreshold}
	for _, c := range r.Checks {
		data.CheckRows = append(data.CheckRows, checkRow{c, shownValue(c)})
	}
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

// shownValue formats a check's value with its interval, or says why it
// has none.
func shownValue(c Check) string {
	switch {
	case c.Value == nil && c.Verdict == Undefined:
		return "undefined"
	case c.Value == nil:
		return "not computed"
	case c.Low != nil && c.High != nil:
		return fmt.Sprintf("%s [%s, %s]", fmt4(*c.Value), fmt4(*c.Low), fmt4(*c.High))
	}
	return fmt4(*c.Value)
}

func fmt4(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"f":   fmt4,
	"pct": func(x float64) string { return fmt.Sprintf("%.1f %%", 100*x) },
	"fp": func(x *float64) string {
		if x == nil {
			return "not computed"
		}
		return fmt4(*x)
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Avatar release report</title>
<style>
body{font-family:system-ui,sans-serif;max-width:74em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
.pass{color:#0a6b0a;font-weight:bold}.fail{color:#b00020;font-weight:bold}.other{color:#8a5a00;font-weight:bold}
.warn{background:#fff4d6;padding:.5em}.note{font-size:.85em;color:#555}
.grid{display:flex;flex-wrap:wrap;gap:1em}.grid figure{margin:0}figcaption{font-size:.9em}
.legend span{display:inline-block;width:1em;height:1em;vertical-align:middle;margin:0 .3em 0 1em}
</style></head><body>
<h1>Avatar release report</h1>
<p>{{.Method}}. {{.Rows}} rows; k = {{.K}}; neighbours searched on {{.NCP}} components (variance {{.Variance}}); privacy distances measured on {{.Distances.Components}} components; seed {{.Seed}}.
{{if .NotReleased}}Identifier columns not projected and not released: {{range $i, $c := .NotReleased}}{{if $i}}, {{end}}{{$c}}{{end}}.{{end}}</p>

<h2>Settings</h2>
<p>Preset <b>{{.Settings.Name}}</b>: {{.Settings.Doc}}.{{if gt .Settings.CategoricalUpTo 0}} Columns with at most {{.Settings.CategoricalUpTo}} distinct values were made categorical.{{end}}</p>
{{if .Comparable}}<table id="comparable"><caption>Comparable published figures</caption><tr><th>figure</th><th>published</th><th>this release</th><th>table</th><th>source</th></tr>
{{range .Comparable}}<tr><td>{{.Metric}}</td><td>{{f .Value}}</td><td>{{f .Ours}}</td><td>{{.Table}}</td><td>{{.Source}}</td></tr>{{end}}</table>{{end}}
<p class="note" id="comparable-note">{{.ComparableNote}}</p>
<table><tr><th>column</th><th>kind</th></tr>{{range .Schema}}<tr><td>{{.Name}}</td><td>{{.Kind}}</td></tr>{{end}}</table>
{{range .Warnings}}<p class="warn">Warning: {{.}}</p>{{end}}

<h2>Privacy checks</h2>
<p>Each check has its own threshold and verdict. A check on an estimate (attack risks, membership AUC) is decided on its
95 % interval: <i>pass</i> when the whole interval is on the safe side, <i>fail</i> when it is all on the other side,
<i>inconclusive</i> when it straddles the threshold (more records are needed; it does not pass). <i>undefined</i> and
<i>not computed</i> do not pass either. There is no overall verdict: these metrics do not prove a release anonymous (see Limits).</p>
<table id="checks"><tr><th>metric</th><th>protects against</th><th>value [95 % interval]</th><th>threshold</th><th>verdict</th><th>threshold from</th></tr>
{{range .CheckRows}}<tr><td>{{.Metric}}{{if .Note}}<div class="note">{{.Note}}</div>{{end}}</td><td>{{.Criterion}}</td><td>{{.Shown}}</td><td>{{.Op}} {{f .Threshold}}</td>
<td>{{if .Pass}}<span class="pass">pass</span>{{else if eq .Verdict "fail"}}<span class="fail">fail</span>{{else}}<span class="other">{{.Verdict}}</span>{{end}}</td><td>{{.Source}}</td></tr>{{end}}</table>
<p>Also: local cloaking counting only avatars strictly closer than the own avatar, median {{f .Distances.LocalCloakingStrictMedian}};
median count of other originals at most as far as the own avatar {{f .Distances.RecordsMedian}};
originals with no other avatar or record that close {{f .Distances.EmptyRate}} %; avatars at distance 0 from an original
in the projected space {{f .Distances.DCRZeroRate}} %; avatars identical to an original row {{f .Distances.ExactCopyRate}} %.</p>
<div class="grid">
<figure>{{.LCSVG}}<figcaption>Local cloaking (ties counted): other avatars at most as far from an original as its own avatar
(quantiles 0/5/25/50/75/95/100 %: {{range .LocalCloakingQuantiles}}{{f .}} {{end}})</figcaption></figure>
<figure>{{.DCRSVG}}<figcaption>Distance of each avatar to the closest original, projected space
(quantiles: {{range .DCRQuantiles}}{{f .}} {{end}})</figcaption></figure>
</div>

<h2>Attacks (Anonymeter-style)</h2>
{{if .Attacks}}<p>{{.Evaluation.Note}}: {{.Evaluation.TrainRows}} train and {{.Evaluation.ControlRows}} control rows; {{.Evaluation.Attacks}} attacks
per check, planned for a risk interval of ±{{f .Evaluation.HalfWidth}}.
Rates are Wilson estimates with 95 % intervals; risk = (main − control)/(1 − control) with its 95 % interval (MOVER-R), threshold &lt; {{f .Threshold}}.</p>
<table id="attacks"><tr><th>attack</th><th>target</th><th>main rate</th><th>control rate</th><th>baseline rate</th><th>risk [95 % CI]</th><th>verdict</th></tr>
{{range .Attacks}}<tr><td>{{.Attack}}{{if .Requested}} ({{.Generated}} of {{.Requested}} predicates){{end}}{{if .Note}}<div class="note">{{.Note}}</div>{{end}}</td><td>{{.Target}}</td><td>{{pct .Main.Value}} [{{pct .Main.Low}}, {{pct .Main.High}}] of {{.Main.N}}</td>
<td>{{pct .Control.Value}} [{{pct .Control.Low}}, {{pct .Control.High}}] of {{.Control.N}}</td><td>{{pct .Baseline.Value}}</td>
<td>{{f .Risk}} [{{f .RiskLow}}, {{f .RiskHigh}}]</td><td>{{.Verdict}}</td></tr>{{end}}</table>{{else}}<p>Not computed.</p>{{end}}

<h2>Membership inference</h2>
{{with .Membership}}<p>Distance attack: a record is guessed a member when the release holds a record close to it (score: minus the
distance to the closest released record, first 10 FAMD components of the release). {{.Members}} members (rows the evaluation
release was made from) and {{.NonMembers}} non-members (held-out rows); 95 % percentile bootstrap intervals of {{.Bootstrap}} resamples.</p>
<table id="membership"><tr><th>figure</th><th>value [95 % CI]</th><th>a coin</th></tr>
<tr><td>AUC</td><td>{{f .AUC.Value}} [{{f .AUC.Low}}, {{f .AUC.High}}]</td><td>0.5</td></tr>
<tr><td>TPR at 1 % FPR</td><td>{{f .TPR1.Value}} [{{f .TPR1.Low}}, {{f .TPR1.High}}]</td><td>0.01</td></tr>
<tr><td>TPR at 10 % FPR</td><td>{{f .TPR10.Value}} [{{f .TPR10.Low}}, {{f .TPR10.High}}]</td><td>0.1</td></tr>
<tr><td>exact row in the release: members</td><td>{{pct .ExactMember.Value}} [{{pct .ExactMember.Low}}, {{pct .ExactMember.High}}]</td><td rowspan="2">equal shares</td></tr>
<tr><td>exact row in the release: non-members</td><td>{{pct .ExactNonMember.Value}} [{{pct .ExactNonMember.Low}}, {{pct .ExactNonMember.High}}]</td></tr>
</table><p>Verdict ({{.Verdict}}): AUC interval against &lt; {{f $.AUCLimit}}. {{.Note}}.</p>{{else}}<p>Not computed.</p>{{end}}

<h2>Utility</h2>
<p>Hellinger distance per variable: mean {{f .Utility.HellingerMean}}, sd {{f .Utility.HellingerStd}}.
Pearson correlation |original − avatar| over {{len .Utility.CorrelationColumns}} columns: {{if .Utility.CorrelationMean}}mean {{fp .Utility.CorrelationMean}}, max {{fp .Utility.CorrelationMax}}{{else}}{{.Utility.CorrelationNote}}{{end}}.</p>
{{with .Utility.Downstream}}<p>Downstream task: logistic regression of {{.Target}} (positive class {{.Positive}}) on {{.Features}} encoded features,
tested on {{.TestRows}} held-out originals: AUC {{f .AUCOriginal}} trained on originals, {{f .AUCAvatar}} trained on avatars.</p>{{else}}<p>Downstream task: {{.Utility.DownstreamNote}}.</p>{{end}}
<p class="legend">Distributions:<span style="background:#4c72b0"></span>original<span style="background:#dd8452"></span>avatar</p>
<div class="grid">{{range .Dists}}<figure>{{.SVG}}<figcaption>{{.Variable}} (Hellinger {{f .Hellinger}})</figcaption></figure>{{end}}</div>

<h2>Limits</h2>
<p>Distance- and similarity-based metrics do not bound real attacks: reconstruction and membership-inference attacks
have succeeded against synthetic data that passed them (Ganev &amp; De Cristofaro, arXiv 2312.05114; Stadler et al.,
USENIX Security 2022; arXiv 2510.15083). The thresholds are indicative. Small k (≤ 2) gives avatars close to their originals.
The attacks and the membership inference measure an evaluation release made from part of the table, with the same settings.</p>
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
