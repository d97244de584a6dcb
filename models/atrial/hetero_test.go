package atrial

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
)

// TestParseIonicMods: each operator applied to the control Courtemanche
// and atrial mMS sets gives the arithmetic result (exact in floating
// point: one operation each), whitespace is ignored, and malformed items,
// unknown names and out-of-range results are one-line errors naming them.
func TestParseIonicMods(t *testing.T) {
	ion, err := ModifyIonic(CRN98, " GNa * 2.0 , Gto=0.0826,GKr+0.01, GK1 - 0.02 ,factorGKur/4")
	if err != nil {
		t.Fatal(err)
	}
	c := ion.(Courtemanche)
	want := CRN98
	two, add, sub, four := 2.0, 0.01, 0.02, 4.0 // variables: float64 arithmetic, not exact constant arithmetic
	want.GNa, want.GTo, want.GKr, want.GK1, want.KurScale = CRN98.GNa*two, 0.0826, CRN98.GKr+add, CRN98.GK1-sub, CRN98.KurScale/four
	if c != want {
		t.Errorf("modified CRN98 = %+v, want %+v", c, want)
	}
	mms, err := ModifyIonic(AtrialMMS, "tau_close=120,a_crit*0.5,V_min=-90")
	if err != nil {
		t.Fatal(err)
	}
	if m := mms.(ModifiedMS); m.TauClose != 120 || m.ACrit != 0.05 || m.VMin != -90 {
		t.Errorf("modified AtrialMMS = %+v", m)
	}
	if same, err := ModifyIonic(TP06Epi, "  "); err != nil || same != Ionic(TP06Epi) {
		t.Errorf("blank spec: %v, %v; want TP06Epi unchanged", same, err)
	}
	for _, c := range []struct {
		ion  Ionic
		spec string
		msg  string // a part of the error
	}{
		{CRN98, "GNa*", `item 1 "GNa*": value "" is not a finite number`},
		{CRN98, "GNa*2,,Gto=0", `item 2 "": empty item`},
		{CRN98, "GNa^2", `expected an operator`},
		{CRN98, "2*GNa", `expected a parameter name first`},
		{CRN98, "GNa*1e999", `not a finite number`},
		{CRN98, "gna*2", `model courtemanche has no parameter "gna"; it has GNa, GK1, Gto, GKr, GKs, GCaL, GbNa, GbCa, factorGKur, maxINaK, maxINaCa, maxIpCa, maxIup`},
		{TP06Epi, "GNa*2,factorGKur*0.5", `model tentusscher has no parameter "factorGKur"`},
		{CRN98, "GNa-10", `GNa would be -2.2; it must be finite and ≥ 0`},
		{AtrialMMS, "tau_close*0", `tau_close would be 0; it must be finite and > 0`},
		{AtrialMMS, "tau_in/0", `tau_in would be +Inf`},
		{AtrialMMS, "V_gate=1.5", `V_gate would be 1.5; it must be in (0, 1)`},
		{StandardMS, "V_max=-100", `V_max -100 mV must be above V_min -86.2 mV`},
		{DefaultAlievPanfilov, "tau_in*2", `model aliev_panfilov has no parameter "tau_in"; it has k, a, eps0, mu1, mu2, time_scale, V_min, V_max`},
	} {
		_, err := ModifyIonic(c.ion, c.spec)
		if err == nil || !strings.Contains(err.Error(), c.msg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ModifyIonic(%s, %q) = %v, want one line containing %q", c.ion.Name(), c.spec, err, c.msg)
		}
	}
}

// TestIonicSetsReproduceGoValues: the named sets are the package's Go
// values, and the Roney sets written as the im_param strings of
// pcmlab/atrialmtk AF_Simulation.par (reference §4) and the fibrotic
// myocyte of openCARP tutorial 21 applied to the control set give the same
// bits as CourtemancheRoneyLA, …PV and CourtemancheFibrotic.
func TestIonicSetsReproduceGoValues(t *testing.T) {
	for _, c := range []struct {
		model, set string
		want       Ionic
	}{
		{NameCRN, "default", CRN98}, {NameCRN, "control", CRN98}, {NameCRN, "caf", CourtemancheCAF},
		{NameCRN, "roney_la", CourtemancheRoneyLA}, {NameCRN, "roney_pv", CourtemancheRoneyPV},
		{NameCRN, "fibrotic", CourtemancheFibrotic}, {NameTP06, "m", TP06M}, {NameTP06, "endo", TP06Endo},
		{NameMS, "atrial", AtrialMS}, {NameMMS, "default", AtrialMMS}, {NameAP, "default", DefaultAlievPanfilov},
	} {
		got, err := IonicSet(c.model, c.set)
		if err != nil || got != c.want {
			t.Errorf("IonicSet(%s, %s) = %+v, %v; want %+v", c.model, c.set, got, err, c.want)
		}
	}
	const la = "GNa*2.0,Gto=0.0826,GKr=0.047058824,GCaL=0.037125,GK1*0.8,factorGKur*0.5"
	for _, c := range []struct {
		spec string
		want Courtemanche
	}{
		{la, CourtemancheRoneyLA},
		{la + ",Gto=0.05615", CourtemancheRoneyLAA},
		{"GNa*2.0,factorGKur*0.5,Gto=0.06195,GKr=0.070588236,GCaL=0.02784375,GK1*0.67,GKs*1.87", CourtemancheRoneyPV},
		{fibroticMods[NameCRN], CourtemancheFibrotic},
	} {
		got, err := ModifyIonic(CRN98, c.spec)
		if err != nil || got != Ionic(c.want) {
			t.Errorf("ModifyIonic(CRN98, %q) = %+v, %v; want %+v", c.spec, got, err, c.want)
		}
	}
	// Through the engine's parameters.
	p, err := Model{}.Describe().Resolve(map[string]any{"ionic": NameCRN, "ionic_set": "caf", "im_param": "GKs*1.87"})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := planIonic(p, Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	want := CourtemancheCAF
	want.GKs *= 1.87
	if pl.global.healthy != Ionic(want) || pl.global.fibrotic != Ionic(want.Scaled(Scales{K1: 0.5, Na: 0.6, CaL: 0.5})) {
		t.Errorf("plan: healthy %+v, fibrotic %+v", pl.global.healthy, pl.global.fibrotic)
	}
	if _, err := IonicSet(NameMMS, "caf"); err == nil || !strings.Contains(err.Error(), "default, atrial, torchcor, mms_model") {
		t.Errorf("IonicSet(mms, caf): %v", err)
	}
}

// TestMonodomainIonicSets: per-node sets run each node exactly once per
// step with its own set. Three copies of one set on a random index give
// the bits of the homogeneous problem (explicit fused pass with 1, 2 and 3
// workers — 4221 nodes, above the parallel threshold — and CN, BE); three
// different sets give the same bits for 1, 2 and 3 workers; each node
// starts at its own set's rest; mixing models is an error naming both.
func TestMonodomainIonicSets(t *testing.T) {
	m := mesh.Sheet(40, 4, 200, 20)
	rng := rand.New(rand.NewPCG(1, 2))
	index := make([]uint8, len(m.Points))
	for i := range index {
		if rng.IntN(10) == 0 { // runs of every length, most short
			index[i] = uint8(rng.IntN(3))
		} else if i > 0 {
			index[i] = index[i-1]
		}
	}
	tissue := Tissue{Mesh: m, Sigma: mesh.Uniform(mesh.Isotropic(0.3))}
	stim := Protocol{{Radius: 1.5, Duration: 2, Strength: 50}}
	simulate := func(sets []Ionic, sch Scheme, dt float64, workers int) *Monodomain {
		opt := Options{Dt: dt, Scheme: sch, Workers: workers}
		ion := AtrialMMS
		if sets != nil {
			opt.IonicSets, opt.IonicIndex = sets, index
		}
		md, err := NewMonodomain(tissue, ion, stim, opt)
		if err != nil {
			t.Fatal(err)
		}
		for range int(math.Round(5 / dt)) {
			if err := md.Step(); err != nil {
				t.Fatal(err)
			}
		}
		return md
	}
	same := func(a, b *Monodomain) bool {
		for i := range a.V {
			if math.Float64bits(a.V[i]) != math.Float64bits(b.V[i]) || math.Float64bits(a.S[i]) != math.Float64bits(b.S[i]) {
				return false
			}
		}
		return true
	}
	copies := []Ionic{AtrialMMS, AtrialMMS, AtrialMMS}
	slow := AtrialMMS
	slow.TauIn *= 2
	varied := []Ionic{AtrialMMS, slow, TorchCorMMS}
	for _, c := range []struct {
		sch Scheme
		dt  float64
	}{{Explicit, 0.005}, {CrankNicolson, 0.02}, {BackwardEuler, 0.02}} {
		ref := simulate(nil, c.sch, c.dt, 1)
		if up := upNodes(ref.V, -40); up < 100 {
			t.Fatalf("%v: %d nodes above −40 mV after 5 ms, want a wave under way", c.sch, up)
		}
		var first *Monodomain
		for _, w := range []int{1, 2, 3} {
			if md := simulate(copies, c.sch, c.dt, w); !same(md, ref) {
				t.Errorf("%v, %d workers: three copies of one set differ from the homogeneous run", c.sch, w)
			}
			md := simulate(varied, c.sch, c.dt, w)
			if first == nil {
				first = md
				if same(md, ref) {
					t.Errorf("%v: different sets give the homogeneous result", c.sch)
				}
			} else if !same(md, first) {
				t.Errorf("%v: %d workers differ from 1 with three sets", c.sch, w)
			}
		}
	}

	low := StandardMS
	low.VMin = -90
	for i := range index {
		index[i] %= 2
	}
	md, err := NewMonodomain(tissue, nil, stim, Options{Dt: 0.02, Scheme: CrankNicolson, IonicSets: []Ionic{StandardMS, low}, IonicIndex: index})
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range index {
		if want := []float64{StandardMS.VMin, -90}[k]; md.V[i] != want {
			t.Fatalf("node %d (set %d) starts at %g mV, want %g", i, k, md.V[i], want)
		}
	}
	_, err = NewMonodomain(tissue, nil, stim, Options{Dt: 0.02, Scheme: CrankNicolson, IonicSets: []Ionic{CRN98, AtrialMMS}, IonicIndex: index})
	if err == nil || !strings.Contains(err.Error(), "set 1 is mms") || !strings.Contains(err.Error(), "set 0 is courtemanche") {
		t.Errorf("mixed models: %v, want an error naming both", err)
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
func singleCellAPD(ion Ionic, dt, tEnd float64) float64 {
	s := make([]float64, ion.NumStates())
	v := []float64{ion.Rest(s)}
	act := NewActivations(1, v[0], -10, 0.9)
	act.Record(0, v)
	amp := 50 / (DefaultChi * DefaultCm)
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
	raw := map[string]any{"mesh": "file", "ionic": NameMMS, "sigma_l": 0.3, "dt_ms": 0.05, "duration_ms": 330.0}
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
	short := AtrialMMS
	short.TauClose = 120
	for k, c := range []struct {
		ion    Ionic
		lo, hi float64
	}{{AtrialMMS, 4, 8}, {short, 16, 20}} {
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
	raw = map[string]any{"mesh": "file", "ionic": NameMMS, "sigma_l": 0.1, "sigma_t": 0.1, "dt_ms": 0.02, "duration_ms": 50.0}
	if _, err = runModel(t, raw, map[string]any{"mesh": path, "sites": planarS1,
		"regions": []any{map[string]any{"tags": []int{1}, "sigma_l": 0.4}}}, dir); err != nil {
		t.Fatal(err)
	}
	out = readLat(t, dir)
	lat := out.PointField("LAT").Values
	fast, _ := CVAlongLine(out, lat, mgl64.Vec3{3, 0, 0}, mgl64.Vec3{9, 0, 0}, 1e-6)
	slowCV, _ := CVAlongLine(out, lat, mgl64.Vec3{15, 0, 0}, mgl64.Vec3{21, 0, 0}, 1e-6)
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
	raw := map[string]any{"mesh": "strip", "length_mm": 8.0, "width_mm": 0.4, "dx_mm": 0.2, "ionic": NameCRN,
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
		Parameters Courtemanche
	}
	if err := json.Unmarshal(b, &info); err != nil || len(info) != 2 {
		t.Fatalf("ionic_sets.json: %v\n%s", err, b)
	}
	var healthy, fibrotic []float64
	for i, r := range rem.Values {
		got := info[int(set.Values[i])].Parameters
		want := map[bool]Courtemanche{false: CRN98, true: CourtemancheFibrotic}[r == 1]
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
	cellH, cellF := singleCellAPD(CRN98, 0.05, 600), singleCellAPD(CourtemancheFibrotic, 0.05, 600)
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
		{"unknown ionic_set", map[string]any{"ionic": NameMMS, "ionic_set": "caf"}, nil,
			`"ionic_set" of model "atrial" = "caf": ionic model mms has no set "caf"; it has default, atrial, torchcor, mms_model`},
		{"bad im_param", map[string]any{"im_param": "tau_close*"}, nil, `"im_param" of model "atrial" = "tau_close*": im_param item 1`},
		{"unknown im_param name", map[string]any{"ionic": NameCRN, "im_param": "GNaa*2"}, nil, `model courtemanche has no parameter "GNaa"`},
		{"bad fibrosis_ionic", map[string]any{"ionic": NameCRN, "fibrosis_ionic": "GNa=-1"}, nil, `"fibrosis_ionic"`},
		{"no tags on the mesh", map[string]any{"duration_ms": 0.1}, map[string]any{"regions": []any{map[string]any{"tags": []int{1}}}},
			`atrial inputs: regions[0]: the mesh has no region tags`},
		{"tag not on the mesh", file, region(map[string]any{"tags": []int{7}}), `atrial inputs: regions[1]: tag 7 is not on the mesh, whose tags are [1 2]`},
		{"empty tags", file, region(map[string]any{"tags": []int{}}), `atrial inputs: regions[1]: tags is empty`},
		{"region ionic_set", file, region(map[string]any{"tags": []int{2}, "ionic_set": "epi"}), `atrial inputs: regions[1]: ionic_set: ionic model mms has no set "epi"`},
		{"region im_param syntax", file, region(map[string]any{"tags": []int{2}, "im_param": "tau_in=x"}), `atrial inputs: regions[1]: im_param item 1 "tau_in=x"`},
		{"region im_param name", file, region(map[string]any{"tags": []int{2}, "im_param": "GNa*2"}), `atrial inputs: regions[1]: im_param "GNa*2": model mms has no parameter "GNa"`},
		{"region sigma", file, region(map[string]any{"tags": []int{2}, "sigma_l": -1}), `atrial inputs: regions[1]: sigma_l and sigma_t must be in [0, 100]`},
		{"unknown region key", file, region(map[string]any{"tags": []int{2}, "gna": 2}), `unknown field "gna"`},
		{"unknown inputs key", file, map[string]any{"mesh": path, "region": []any{}}, `expected keys mesh, sites, fibrosis_field, lesions, lesion_sets, regions, initial, optima`},
	} {
		_, err := runModel(t, with(c.params), c.inputs, "")
		if err == nil || !strings.Contains(err.Error(), c.msg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line containing %q", c.name, err, c.msg)
		}
	}
}

// TestSetsKernelOwnTables: the per-set ionic loop steps each node with its
// own set's parameters and lookup table — for the ten Tusscher cell types
// (epicardial and endocardial s gates: different tables) bit for bit
// Step of the node's own set, and for Courtemanche sets sharing one table
// bit for bit each set's own kernel — through a stimulated upstroke and
// 300 ms of the action potential (no diffusion).
func TestSetsKernelOwnTables(t *testing.T) {
	const dt, steps = 0.05, 6000
	index := []uint8{0, 0, 1, 0, 1, 1, 2}
	for _, sets := range [][]Ionic{{TP06Epi, TP06Endo, TP06M}, {CRN98, CourtemancheFibrotic, CourtemancheCAF}} {
		ns := sets[0].NumStates()
		n := len(index)
		v, s := make([]float64, n), make([]float64, n*ns)
		rv, rs := make([]float64, n), make([]float64, n*ns)
		own := make([]ionicKernel, len(sets))
		for k, ion := range sets {
			own[k] = kernelOf(ion, dt)
		}
		for i, k := range index {
			v[i] = sets[k].Rest(s[i*ns : (i+1)*ns])
		}
		copy(rv, v)
		copy(rs, s)
		kern := setsKernel(sets, index, dt)
		for step := range steps {
			kern(v, s, 0, 3)
			kern(v, s, 3, n)
			for i, k := range index {
				if _, tp := sets[k].(TenTusscher); tp {
					rv[i] = sets[k].Step(rs[i*ns:(i+1)*ns], rv[i], dt)
				} else {
					own[k](rv, rs, i, i+1)
				}
			}
			if float64(step)*dt < 2 {
				for i := range v {
					v[i] += dt * 20
					rv[i] += dt * 20
				}
			}
		}
		for i := range v {
			if math.Float64bits(v[i]) != math.Float64bits(rv[i]) {
				t.Errorf("%s node %d (set %d): V %v, own set %v", sets[0].Name(), i, index[i], v[i], rv[i])
			}
		}
		if v[0] == v[2] {
			t.Errorf("%s: sets 0 and 1 at the same potential %v after 300 ms", sets[0].Name(), v[0])
		}
	}
}
