package atrial

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial/analysis"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
)

// TestIonicSetsReproduceGoValues: the named sets are the package's Go
// values, and the Roney sets written as the im_param strings of
// pcmlab/atrialmtk AF_Simulation.par (reference §4) and the fibrotic
// myocyte of openCARP tutorial 21 applied to the control set give the same
// bits as CourtemancheRoneyLA, …PV and CourtemancheFibrotic.
func TestIonicSetsReproduceGoValues(t *testing.T) {
	for _, c := range []struct {
		model, set string
		want       ionic.Model
	}{
		{ionic.NameCRN, "default", ionic.CRN98()}, {ionic.NameCRN, "control", ionic.CRN98()}, {ionic.NameCRN, "caf", ionic.CourtemancheCAF()},
		{ionic.NameCRN, "roney_la", ionic.CourtemancheRoneyLA()}, {ionic.NameCRN, "roney_pv", ionic.CourtemancheRoneyPV()},
		{ionic.NameCRN, "fibrotic", ionic.CourtemancheFibrotic()}, {ionic.NameTP06, "m", ionic.TP06M()}, {ionic.NameTP06, "endo", ionic.TP06Endo()},
		{ionic.NameMS, "atrial", ionic.AtrialMS()}, {ionic.NameMMS, "default", ionic.AtrialMMS()}, {ionic.NameAP, "default", ionic.DefaultAlievPanfilov()},
	} {
		got, err := ionic.Set(c.model, c.set)
		if err != nil || got != c.want {
			t.Errorf("IonicSet(%s, %s) = %+v, %v; want %+v", c.model, c.set, got, err, c.want)
		}
	}
	const la = "GNa*2.0,Gto=0.0826,GKr=0.047058824,GCaL=0.037125,GK1*0.8,factorGKur*0.5"
	for _, c := range []struct {
		spec string
		want ionic.Courtemanche
	}{
		{la, ionic.CourtemancheRoneyLA()},
		{la + ",Gto=0.05615", ionic.CourtemancheRoneyLAA()},
		{"GNa*2.0,factorGKur*0.5,Gto=0.06195,GKr=0.070588236,GCaL=0.02784375,GK1*0.67,GKs*1.87", ionic.CourtemancheRoneyPV()},
		{ionic.FibroticMods(ionic.NameCRN), ionic.CourtemancheFibrotic()},
	} {
		got, err := ionic.Modify(ionic.CRN98(), c.spec)
		if err != nil || got != ionic.Model(c.want) {
			t.Errorf("Modify(CRN98(), %q) = %+v, %v; want %+v", c.spec, got, err, c.want)
		}
	}
	// Through the engine's parameters.
	p, err := Model{}.Describe().Resolve(map[string]any{"ionic": ionic.NameCRN, "ionic_set": "caf", "im_param": "GKs*1.87"})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := planIonic(p, Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	want := ionic.CourtemancheCAF()
	want.GKs *= 1.87
	if pl.global.healthy != ionic.Model(want) || pl.global.fibrotic != ionic.Model(want.Scaled(ionic.Scales{K1: 0.5, Na: 0.6, CaL: 0.5})) {
		t.Errorf("plan: healthy %+v, fibrotic %+v", pl.global.healthy, pl.global.fibrotic)
	}
	if _, err := ionic.Set(ionic.NameMMS, "caf"); err == nil || !strings.Contains(err.Error(), "default, atrial, torchcor, mms_model") {
		t.Errorf("IonicSet(mms, caf): %v", err)
	}
}

// taggedStrip writes a one-cell-wide strip of length l and cell size h
// along x whose elements with centroid x < split have region tag 1 and
// the others tag 2, and returns its path.
func taggedStrip(t *testing.T, l, h, split float64) string {
	m := mesh.Strip(l, h, h)
	m.Regions = make([]int, m.NumCells())
	for e := range m.Regions {
		m.Regions[e] = 1
		if m.Centroid(e)[0] > split {
			m.Regions[e] = 2
		}
	}
	path := filepath.Join(t.TempDir(), "strip.vtu")
	if err := mesh.WriteFile(path, m, mesh.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return path
}

// runModel runs the engine model with params raw and inputs in, writing to
// dir ("" for none).
func runModel(t *testing.T, raw map[string]any, in map[string]any, dir string) (models.Result, error) {
	t.Helper()
	p, err := Model{}.Describe().Resolve(raw)
	if err != nil {
		t.Fatal(err)
	}
	var js []byte
	if in != nil {
		if js, err = json.Marshal(in); err != nil {
			t.Fatal(err)
		}
	}
	return Model{}.Run(context.Background(), models.RunSpec{Model: Name, Params: p, Inputs: js, Dir: dir}, nil)
}

// planarS1 is the [inputs] sites entry of a planar S1 at x ≤ 1 mm.
var planarS1 = []any{map[string]any{"x": 0, "y": 0, "z": 0, "radius_mm": 0, "duration_ms": 2, "strength": 50,
	"box_min": []float64{-1, -1, -1}, "box_max": []float64{1, 100, 100}}}

// readLat reads the run's lat.vtu.
func readLat(t *testing.T, dir string) *mesh.Mesh {
	t.Helper()
	m, err := mesh.ReadFile(filepath.Join(dir, "lat.vtu"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// medianWhere is the median of f over the nodes with x in [lo, hi].
func medianWhere(m *mesh.Mesh, f []float64, lo, hi float64) float64 {
	var v []float64
	for i, p := range m.Points {
		if p[0] >= lo && p[0] <= hi {
			v = append(v, f[i])
		}
	}
	return median(v)
}

// singleCellAPD paces one cell of ion with 50/(χ·Cm) mV/ms for 2 ms (the
// engine's default stimulus, 50 µA/mm³) and returns its first APD90 by
// the tissue's definition (Activations: LAT at −10 mV, 90 % of the way from
// peak back to rest), integrating for tEnd ms with dt.
func singleCellAPD(ion ionic.Model, dt, tEnd float64) float64 {
	s := make([]float64, ion.NumStates())
	v := []float64{ion.Rest(s)}
	act := analysis.NewActivations(1, v[0], -10, 0.9)
	act.Record(0, v)
	amp := 50 / (tissue.DefaultChi * tissue.DefaultCm)
	for k := 1; float64(k)*dt <= tEnd+dt/2; k++ {
		v[0] = ion.Step(s, v[0], dt)
		if float64(k-1)*dt+dt/2 < 2 {
			v[0] += dt * amp
		}
		act.Record(float64(k)*dt, v)
	}
	apd := make([]float64, 1)
	act.FirstAPD(apd)
	return apd[0]
}

// TestRegionsIonicAndSigma: a 24 mm strip tagged 1 (x < 12 mm) and 2.
//
// APD: region 2 takes τclose 120 ms (im_param) instead of the atrial mMS
// set's 185. Away from the border and the ends (x ∈ [4, 8] and [16, 20]
// mm) each half's median APD90 is its set's single-cell APD90 (computed
// here with the cell model alone) within 3 %: a planar wave's electrotonic
// current changes the APD of a cell in the middle of a uniform cable only
// slightly (3 % allows for it and for the 0.2 mm mesh; measured < 1 %),
// while the two sets differ by ≈ 30 %. The IonicSet field marks each node's
// set, the border nodes (x = 12 mm) taking the later entry.
//
// CV: region 1 takes σ 0.4 and region 2 keeps the global 0.1 mS/mm; a
// planar wave's CV ∝ √σ (reference §2, as in TestCVConvergence), so the CV
// over [3, 9] mm is twice that over [15, 21] mm; tolerance 3 %: the sum of
// the two CVs' relative discretisation errors at h = 0.1 mm, which have the
// same sign (TestCVConvergence's levels: ≤ 3 % at σ 0.1 and ≤ 2 % at 0.4).
func TestRegionsIonicAndSigma(t *testing.T) {
	// APD.
	path := taggedStrip(t, 24, 0.2, 12)
	dir := t.TempDir()
	raw := map[string]any{"mesh": "file", "ionic": ionic.NameMMS, "sigma_l": 0.3, "dt_ms": 0.05, "duration_ms": 330.0}
	res, err := runModel(t, raw, map[string]any{"mesh": path, "sites": planarS1,
		"regions": []any{map[string]any{"tags": []int{2}, "im_param": "tau_close=120"}}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	out := readLat(t, dir)
	apd, set := out.PointField("APD"), out.PointField("IonicSet")
	if apd == nil || set == nil {
		t.Fatalf("lat.vtu lacks APD or IonicSet: %v", out.PointData)
	}
	short := ionic.AtrialMMS()
	short.TauClose = 120
	for k, c := range []struct {
		ion    ionic.Model
		lo, hi float64
	}{{ionic.AtrialMMS(), 4, 8}, {short, 16, 20}} {
		cell := singleCellAPD(c.ion, 0.05, 330)
		tissue := medianWhere(out, apd.Values, c.lo, c.hi)
		t.Logf("set %d: tissue APD90 %.2f ms over x ∈ [%g, %g], single cell %.2f ms", k, tissue, c.lo, c.hi, cell)
		if math.Abs(tissue-cell) > 0.03*cell {
			t.Errorf("set %d: tissue APD90 %.2f ms, single cell %.2f ms: want within 3 %%", k, tissue, cell)
		}
	}
	for i, p := range out.Points {
		if want := map[bool]float64{true: 1, false: 0}[p[0] >= 12-1e-9]; set.Values[i] != want {
			t.Fatalf("node at x = %g: IonicSet %g, want %g", p[0], set.Values[i], want)
		}
	}
	if len(res.Tables) != 1 || res.Tables[0].Name != "ionic_sets" {
		t.Errorf("tables %v, want ionic_sets", res.Tables)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "ionic_sets.json")); err != nil || !strings.Contains(string(b), `"label": "regions[0]: mms default tau_close=120"`) {
		t.Errorf("ionic_sets.json (%v) lacks the region's label:\n%s", err, b)
	}

	// CV.
	path = taggedStrip(t, 24, 0.1, 12)
	dir = t.TempDir()
	raw = map[string]any{"mesh": "file", "ionic": ionic.NameMMS, "sigma_l": 0.1, "sigma_t": 0.1, "dt_ms": 0.02, "duration_ms": 50.0}
	if _, err = runModel(t, raw, map[string]any{"mesh": path, "sites": planarS1,
		"regions": []any{map[string]any{"tags": []int{1}, "sigma_l": 0.4}}}, dir); err != nil {
		t.Fatal(err)
	}
	out = readLat(t, dir)
	lat := out.PointField("LAT").Values
	fast, _ := analysis.CVAlongLine(out, lat, mgl64.Vec3{3, 0, 0}, mgl64.Vec3{9, 0, 0}, 1e-6)
	slowCV, _ := analysis.CVAlongLine(out, lat, mgl64.Vec3{15, 0, 0}, mgl64.Vec3{21, 0, 0}, 1e-6)
	t.Logf("CV %.4f mm/ms at σ 0.4, %.4f at σ 0.1: ratio %.4f", fast, slowCV, fast/slowCV)
	if r := fast / slowCV; math.Abs(r-2) > 0.06 {
		t.Errorf("CV ratio %.4f for a 4× σ region, want √4 = 2 ± 0.06", r)
	}
	if out.PointField("IonicSet") != nil {
		t.Error("IonicSet written with one ionic set")
	}
}

// TestFibrosisIonicAuto: Courtemanche on a strip with patchy fibrosis
// (none of it non-conducting): with fibrosis_ionic "auto" the nodes of
// fibrotic elements (Remodelled) take CourtemancheFibrotic (openCARP
// tutorial 21) and the others CRN98; their median APD90s differ in the
// direction the two single cells' APD90s do (computed here, one beat from
// rest). With "none" there is one set.
func TestFibrosisIonicAuto(t *testing.T) {
	dir := t.TempDir()
	raw := map[string]any{"mesh": "strip", "length_mm": 8.0, "width_mm": 0.4, "dx_mm": 0.2, "ionic": ionic.NameCRN,
		"dt_ms": 0.05, "duration_ms": 600.0, "stim_radius_mm": 1.0,
		"fibrosis_pattern": "patchy", "fibrosis_density": 0.4, "fibrosis_patch_mm": 1.5, "fibrosis_seed": int64(3),
		"fibrosis_nonconducting": 0.0}
	if _, err := runModel(t, raw, nil, dir); err != nil {
		t.Fatal(err)
	}
	out := readLat(t, dir)
	rem, set, apd := out.PointField("Remodelled"), out.PointField("IonicSet"), out.PointField("APD")
	if rem == nil || set == nil || apd == nil {
		t.Fatalf("lat.vtu fields: %v", out.PointData)
	}
	b, err := os.ReadFile(filepath.Join(dir, "ionic_sets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var info []struct {
		Set        int
		Label      string
		Parameters ionic.Courtemanche
	}
	if err := json.Unmarshal(b, &info); err != nil || len(info) != 2 {
		t.Fatalf("ionic_sets.json: %v\n%s", err, b)
	}
	var healthy, fibrotic []float64
	for i, r := range rem.Values {
		got := info[int(set.Values[i])].Parameters
		want := map[bool]ionic.Courtemanche{false: ionic.CRN98(), true: ionic.CourtemancheFibrotic()}[r == 1]
		if got != want {
			t.Fatalf("node %d (Remodelled %g): parameters %+v, want %+v", i, r, got, want)
		}
		if r == 1 {
			fibrotic = append(fibrotic, apd.Values[i])
		} else {
			healthy = append(healthy, apd.Values[i])
		}
	}
	if len(fibrotic) < 5 || len(healthy) < 5 {
		t.Fatalf("%d remodelled and %d healthy nodes, want some of each", len(fibrotic), len(healthy))
	}
	cellH, cellF := singleCellAPD(ionic.CRN98(), 0.05, 600), singleCellAPD(ionic.CourtemancheFibrotic(), 0.05, 600)
	tisH, tisF := median(healthy), median(fibrotic)
	t.Logf("APD90 single cell: control %.1f, fibrotic %.1f ms; tissue medians: healthy %.1f, remodelled %.1f ms", cellH, cellF, tisH, tisF)
	for _, a := range apd.Values {
		if math.IsNaN(a) {
			t.Fatal("a node has not repolarised within 600 ms")
		}
	}
	if math.IsNaN(cellH) || math.IsNaN(cellF) || (tisF-tisH)*(cellF-cellH) <= 0 {
		t.Errorf("remodelled − healthy APD90 %.1f ms has not the sign of the single cells' %.1f ms", tisF-tisH, cellF-cellH)
	}

	raw["fibrosis_ionic"] = "none"
	raw["duration_ms"] = 1.0
	dir = t.TempDir()
	if _, err := runModel(t, raw, nil, dir); err != nil {
		t.Fatal(err)
	}
	if f := readLat(t, dir).PointField("IonicSet"); f != nil {
		t.Error(`fibrosis_ionic = "none" wrote an IonicSet field`)
	}
}

// TestHeteroBadInputs: each bad input is a one-line error naming where it
// is.
func TestHeteroBadInputs(t *testing.T) {
	path := taggedStrip(t, 4, 0.2, 2)
	file := map[string]any{"mesh": "file", "duration_ms": 0.1}
	region := func(r map[string]any) map[string]any {
		return map[string]any{"mesh": path, "regions": []any{map[string]any{"tags": []int{1}}, r}}
	}
	with := func(p map[string]any, kv ...any) map[string]any {
		q := map[string]any{}
		for k, v := range p {
			q[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			q[kv[i].(string)] = kv[i+1]
		}
		return q
	}
	for _, c := range []struct {
		name   string
		params map[string]any
		inputs map[string]any
		msg    string
	}{
		{"unknown ionic_set", map[string]any{"ionic": ionic.NameMMS, "ionic_set": "caf"}, nil,
			`"ionic_set" of model "atrial" = "caf": ionic model mms has no set "caf"; it has default, atrial, torchcor, mms_model`},
		{"bad im_param", map[string]any{"im_param": "tau_close*"}, nil, `"im_param" of model "atrial" = "tau_close*": im_param item 1`},
		{"unknown im_param name", map[string]any{"ionic": ionic.NameCRN, "im_param": "GNaa*2"}, nil, `model courtemanche has no parameter "GNaa"`},
		{"bad fibrosis_ionic", map[string]any{"ionic": ionic.NameCRN, "fibrosis_ionic": "GNa=-1"}, nil, `"fibrosis_ionic"`},
		{"no tags on the mesh", map[string]any{"duration_ms": 0.1}, map[string]any{"regions": []any{map[string]any{"tags": []int{1}}}},
			`atrial inputs: regions[0]: the mesh has no region tags`},
		{"tag not on the mesh", file, region(map[string]any{"tags": []int{7}}), `atrial inputs: regions[1]: tag 7 is not on the mesh, whose tags are [1 2]`},
		{"empty tags", file, region(map[string]any{"tags": []int{}}), `atrial inputs: regions[1]: tags is empty`},
		{"region ionic_set", file, region(map[string]any{"tags": []int{2}, "ionic_set": "epi"}), `atrial inputs: regions[1]: ionic_set: ionic model mms has no set "epi"`},
		{"region im_param syntax", file, region(map[string]any{"tags": []int{2}, "im_param": "tau_in=x"}), `atrial inputs: regions[1]: im_param item 1 "tau_in=x"`},
		{"region im_param name", file, region(map[string]any{"tags": []int{2}, "im_param": "GNa*2"}), `atrial inputs: regions[1]: im_param "GNa*2": model mms has no parameter "GNa"`},
		{"region sigma", file, region(map[string]any{"tags": []int{2}, "sigma_l": -1}), `atrial inputs: regions[1]: sigma_l and sigma_t must be in [0, 100]`},
		{"unknown region key", file, region(map[string]any{"tags": []int{2}, "gna": 2}), `unknown field "gna"`},
		{"unknown inputs key", file, map[string]any{"mesh": path, "region": []any{}}, `expected keys mesh, sites, fibrosis_field, lesions, lesion_sets, regions, initial, optima, trial`},
	} {
		_, err := runModel(t, with(c.params), c.inputs, "")
		if err == nil || !strings.Contains(err.Error(), c.msg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line containing %q", c.name, err, c.msg)
		}
	}
}
