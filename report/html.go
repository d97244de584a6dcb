package report

import (
	"html/template"
	"io"
)

// page is one report: a title, key-value facts and sections.
type page struct {
	Title    string
	Subtitle string
	Facts    [][2]string
	Sections []section
}

type section struct {
	ID      string
	Title   string
	Notes   []string
	Figures []figure
	Tables  []table
}

type figure struct {
	ID      string
	Caption string
	SVG     template.HTML // inline <svg> drawn by this package
}

type table struct {
	ID      string
	Caption string
	Head    []string
	Rows    [][]string
}

var pageTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
.subtitle { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3em; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
figure { margin: 1em 0; } figcaption { font-size: 0.9em; color: #444; }
figure svg { max-width: 100%; height: auto; }
.note { color: #444; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{with .Subtitle}}<p class="subtitle">{{.}}</p>{{end}}
<dl class="facts">
{{range .Facts}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>
{{end}}</dl>
{{range .Sections}}<section{{with .ID}} id="{{.}}"{{end}}>
<h2>{{.Title}}</h2>
{{range .Notes}}<p class="note">{{.}}</p>
{{end}}{{range .Figures}}<figure id="{{.ID}}">
{{.SVG}}
<figcaption>{{.Caption}}</figcaption>
</figure>
{{end}}{{range .Tables}}<table{{with .ID}} id="{{.}}"{{end}}>
<caption>{{.Caption}}</caption>
<thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{end}}</section>
{{end}}<footer><p class="note">Written by mdtwin. Self-contained: no external assets.</p></footer>
</body>
</html>
`))

func (p *page) write(w io.Writer) error { return pageTemplate.Execute(w, p) }
