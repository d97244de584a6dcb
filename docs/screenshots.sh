#!/bin/sh
# Makes the README's pictures (docs/*.png) from a demo's outputs with
# Debian's chromium, headless, so they show what the current code draws:
#
#   go run ./cmd/mdtwin demo                 # from the repository root
#   sh docs/screenshots.sh [out/demo-…]      # default: the newest demo folder
#
# dashboard-patient.png  the dashboard's page of the first MS patient with a
#                        forecast (mdtwin serve on the demo's store)
# report-ms.png          that patient's report: the EDSS forecast section
# atrial-map.png         the AF patient's report: the atrial map section
# atrial-3d.png          the AF patient's report: the 3-D viewer (WebGL in
#                        software: SwiftShader); the README's picture was
#                        made from a PVI run with lat.vtu the same way
# brain-onsets.png       the epilepsy patient's report: the seizure onsets
#
# A report section is shot alone: a copy of the report with the other
# sections hidden (headless chromium draws a page scrolled to an #anchor
# with its top blank).
set -eu
cd "$(dirname "$0")/.."
demo=${1:-$(ls -d out/demo-* 2>/dev/null | sort | tail -n 1)}
[ -n "$demo" ] && [ -f "$demo/store.sqlite" ] || { echo "screenshots.sh: no demo folder (run: go run ./cmd/mdtwin demo)" >&2; exit 2; }
chromium=${CHROMIUM:-/usr/bin/chromium}
port=${PORT:-18731}
tmp=$(mktemp -d)
server=""
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

shoot() { # url png width height
	"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=3000 \
		--window-size="$3,$4" --screenshot="$2" "$1" >/dev/null 2>&1
	echo "wrote $2"
}

# section REPORT ID PNG HEIGHT: the report's title block and section ID only.
section() {
	[ -f "$1" ] || { echo "screenshots.sh: no $1" >&2; return 0; }
	sed "s|</head>|<style>section:not(#$2){display:none}</style></head>|" "$1" > "$tmp/$2.html"
	shoot "file://$tmp/$2.html" "$3" 1000 "$4"
}

# section3d REPORT PNG HEIGHT: the report's 3-D viewer section, drawn with
# WebGL in software.
section3d() {
	[ -f "$1" ] || { echo "screenshots.sh: no $1" >&2; return 0; }
	sed "s|</head>|<style>section:not(#atrial-3d){display:none} h1,.subtitle,dl.facts{display:none}</style></head>|" "$1" > "$tmp/atrial-3d.html"
	"$chromium" --headless --no-sandbox --use-angle=swiftshader --enable-unsafe-swiftshader --hide-scrollbars \
		--virtual-time-budget=15000 --window-size="1000,$3" --screenshot="$2" "file://$tmp/atrial-3d.html" >/dev/null 2>&1
	echo "wrote $2"
}

go build -o "$tmp/mdtwin" ./cmd/mdtwin
"$tmp/mdtwin" serve --store "$demo/store.sqlite" --addr "127.0.0.1:$port" --studies "$tmp/studies" >"$tmp/serve.log" 2>&1 &
server=$!
i=0
until curl -sf "http://127.0.0.1:$port/" >/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "screenshots.sh: the dashboard did not start:" >&2; cat "$tmp/serve.log" >&2; exit 1; }
	sleep 0.2
done

ms=$(ls -d "$demo"/ms-forecast-* | sort | head -n 1)
pid=${ms##*/ms-forecast-}
shoot "http://127.0.0.1:$port/patients/$pid" docs/dashboard-patient.png 1040 900
section "$ms/report.html" edss-forecast docs/report-ms.png 760
for d in "$demo"/atrial-*/round-01; do section "$d/report.html" atrial-map docs/atrial-map.png 800; done
for d in "$demo"/atrial-*/round-01; do section3d "$d/report.html" docs/atrial-3d.png 640; done
for d in "$demo"/vep-*; do section "$d/report.html" onsets docs/brain-onsets.png 760; done
