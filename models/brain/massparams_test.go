package brain_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/brain"
)

// paupau is the inputs of TVB's 4-region toy connectome.
const paupau = "models/brain/testdata/paupau.zip"

// everyRegion is an inline regions table giving param the value v in each
// of paupau's 4 regions (by index).
func everyRegion(param string, v float64) map[string]any {
	t := map[string]any{}
	for _, k := range []string{"0", "1", "2", "3"} {
		t[k] = map[string]float64{param: v}
	}
	return t
}

// stateRows returns final_state.csv's rows after the header.
func stateRows(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "final_state.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")[1:]
}

// massCases are, per mass, a parameter (one of each mass's own, and some
// scenario parameters), a value other than its default, and whether it is
// a scenario parameter ([params]) rather than a mass parameter
// ([inputs.mass_params]), or acts only through the coupling.
var massCases = []struct {
	mass, param       string
	v                 float64
	scenario, coupled bool
}{
	{brain.MassEpileptor, "c", 1.05, false, false},  // the single-region path of the 6-D Epileptor against its vector kernel
	{brain.MassEpileptor, "r", 0.0004, true, false}, // the Epileptor's own per-region drift
	{brain.MassEpileptor2D, "c", 1.05, false, false},
	{brain.MassOscillator, "a", -1.8, false, false},
	{brain.MassMPR, "eta", -4.6, false, false},
	{brain.MassJansenRit, "mu", 0.2, false, false}, // a coupling source
	{brain.MassEpileptorRS, "K_rs", 0.5, false, true},
	{brain.MassEpileptorRS, "a_rs", -1.9, false, false},
	{brain.MassEpileptorRS, "iext2", 0.5, true, false}, // a scenario parameter on the single-region path
	{brain.MassCodim3, "dstar", 0.25, false, false},
	{brain.MassCodim3Slow, "cA", 0.0002, false, false},
	{brain.MassCodim3Slow, "modification", 0, false, false},
}

// TestRegionsReproduceGlobal: for every mass, a regions table giving each
// region the same value of a parameter reproduces, bit for bit (the
// timeseries.npy and final_state.csv files), the run that sets that value
// for all regions ([params] or [inputs.mass_params]), with delayed coupling
// and noise as by default.
func TestRegionsReproduceGlobal(t *testing.T) {
	t.Chdir("../..")
	for _, c := range massCases {
		t.Run(c.mass+"/"+c.param, func(t *testing.T) {
			params := map[string]any{"mass": c.mass, "duration": 100.0}
			global := map[string]any{"connectivity": paupau}
			if c.scenario {
				params[c.param] = c.v
			} else {
				global["mass_params"] = map[string]float64{c.param: c.v}
			}
			in, _ := json.Marshal(global)
			ref := t.TempDir()
			runIn(t, in, params, ref)
			delete(params, c.param)
			in, _ = json.Marshal(map[string]any{"connectivity": paupau, "regions": everyRegion(c.param, c.v)})
			dir := t.TempDir()
			runIn(t, in, params, dir)
			for _, f := range []string{"timeseries.npy", "final_state.csv"} {
				sameFile(t, filepath.Join(ref, f), filepath.Join(dir, f))
			}
		})
	}
}

// TestRegionsPerRegion: a value given to one region only applies to that
// region. Uncoupled (coupling_a = 0) and without noise (heun), region 0 of
// a run whose table gives only region 0 the value ends in the state of
// region 0 of the run giving every region that value, and region 1 in the
// state of region 1 of the run without the table.
func TestRegionsPerRegion(t *testing.T) {
	t.Chdir("../..")
	for _, c := range massCases {
		if c.scenario || c.coupled {
			continue
		}
		t.Run(c.mass+"/"+c.param, func(t *testing.T) {
			params := map[string]any{"mass": c.mass, "duration": 100.0, "coupling_a": 0.0, "integrator": "heun"}
			dirs := map[string]string{}
			for name, in := range map[string]map[string]any{
				"default": {"connectivity": paupau},
				"all":     {"connectivity": paupau, "mass_params": map[string]float64{c.param: c.v}},
				"one":     {"connectivity": paupau, "regions": map[string]any{"lA1": map[string]float64{c.param: c.v}}},
			} {
				b, _ := json.Marshal(in)
				dirs[name] = t.TempDir()
				runIn(t, b, params, dirs[name])
			}
			one, all, def := stateRows(t, dirs["one"]), stateRows(t, dirs["all"]), stateRows(t, dirs["default"])
			if one[0] != all[0] {
				t.Errorf("region 0: %s, with the value everywhere %s", one[0], all[0])
			}
			if one[1] != def[1] {
				t.Errorf("region 1: %s, without the table %s", one[1], def[1])
			}
			if all[0] == def[0] {
				t.Errorf("%s = %v changes nothing: %s", c.param, c.v, all[0])
			}
		})
	}
}

// TestMassParamErrors: a parameter the run's mass does not have, a
// scenario parameter in mass_params and an impossible value are refused
// with the name and what was expected, as bad input (not retried; exit 2).
func TestMassParamErrors(t *testing.T) {
	t.Chdir("../..")
	for _, c := range []struct {
		inputs map[string]any
		mass   string
		want   string
	}{
		{map[string]any{"regions": map[string]any{"0": map[string]float64{"eta": 1}}}, brain.MassEpileptor2D, `regions: "eta" is not a parameter of epileptor2d, expected one of x0, a, b`},
		{map[string]any{"regions": map[string]any{"0": map[string]float64{"x0": -2}}}, brain.MassMPR, `regions: "x0" is not a parameter of montbrio_pazo_roxin`},
		{map[string]any{"mass_params": map[string]float64{"r": 0.001}}, brain.MassEpileptor, "mass_params: r is a scenario parameter: set it in [params]"},
		{map[string]any{"mass_params": map[string]float64{"eta": -4}}, brain.MassJansenRit, `mass_params: "eta" is not a parameter of jansen_rit`},
		{map[string]any{"regions": map[string]any{"2": map[string]float64{"N": 4}}}, brain.MassCodim3, "regions: region 2: N = 4, expected the resting branch 1, 2 or 3"},
		{map[string]any{"regions": map[string]any{"2": map[string]float64{"beta_rs": 0}}}, brain.MassEpileptorRS, "regions: region 2: tau_rs = 1, beta_rs = 0: expected both non-zero"},
		// The same values for all regions through [inputs.mass_params] are
		// checked as well (they went through unchecked before: N = 4 ran as
		// branch 1, beta_rs = 0 divided by zero in the drift).
		{map[string]any{"mass_params": map[string]float64{"N": 4}}, brain.MassCodim3, "mass_params: N = 4, expected the resting branch 1, 2 or 3"},
		{map[string]any{"mass_params": map[string]float64{"beta_rs": 0}}, brain.MassEpileptorRS, "mass_params: tau_rs = 1, beta_rs = 0: expected both non-zero"},
	} {
		c.inputs["connectivity"] = paupau
		in, _ := json.Marshal(c.inputs)
		d, err := brain.Model{}.DescribeInputs(in)
		if err != nil {
			t.Fatal(err)
		}
		p, err := d.Resolve(map[string]any{"mass": c.mass, "duration": 10.0})
		if err != nil {
			t.Fatal(err)
		}
		_, err = brain.Model{}.Run(context.Background(), models.RunSpec{Seed: 1, Params: p, Inputs: in}, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || !models.IsBadInput(err) {
			t.Errorf("%s: got %v, want bad input …%s", in, err, c.want)
		}
	}
	in, _ := json.Marshal(map[string]any{"connectivity": paupau, "mass_params": map[string]float64{"etta": 1}})
	if _, err := (brain.Model{}).DescribeInputs(in); err == nil || !strings.Contains(err.Error(), "mass_params.etta: 1: expected a parameter of a mass") {
		t.Errorf("mass_params.etta: %v", err)
	}
}

// TestInitialLast: initial = "last" with initial_from = a study's folder
// starts from the final state of its last run (r000001 of r000000 and
// r000001): the same final state, bit for bit, as initial = that run's
// folder, and not that of r000000. initial_from may also name the run's
// folder itself. Misuse is refused with what was expected.
func TestInitialLast(t *testing.T) {
	t.Chdir("../..")
	params := map[string]any{"duration": 50.0, "coupling_a": 0.0, "integrator": "heun"}
	base := map[string]any{"connectivity": paupau}
	bin, _ := json.Marshal(base)
	study := t.TempDir()
	r0, r1 := filepath.Join(study, "runs", "r000000"), filepath.Join(study, "runs", "r000001")
	runIn(t, bin, map[string]any{"duration": 30.0}, r0)
	runIn(t, bin, map[string]any{"duration": 70.0}, r1)
	from := func(extra map[string]any) string {
		in := map[string]any{"connectivity": paupau}
		for k, v := range extra {
			in[k] = v
		}
		b, _ := json.Marshal(in)
		dir := t.TempDir()
		runIn(t, b, params, dir)
		return dir
	}
	last := from(map[string]any{"initial": "last", "initial_from": study})
	direct := from(map[string]any{"initial": r1})
	lastRun := from(map[string]any{"initial": "last", "initial_from": r1})
	first := from(map[string]any{"initial": r0})
	sameFile(t, filepath.Join(direct, "final_state.csv"), filepath.Join(last, "final_state.csv"))
	sameFile(t, filepath.Join(direct, "final_state.csv"), filepath.Join(lastRun, "final_state.csv"))
	if strings.Join(stateRows(t, first), "\n") == strings.Join(stateRows(t, last), "\n") {
		t.Error("initial = last gives the final state of r000000's continuation")
	}
	empty := t.TempDir()
	os.MkdirAll(filepath.Join(empty, "runs", "r000000"), 0o755)
	for _, c := range []struct {
		extra map[string]any
		want  string
	}{
		{map[string]any{"initial": "last"}, `initial = "last": set initial_from to a study's output folder`},
		{map[string]any{"initial_from": study}, `initial_from: only used with initial = "last"`},
		{map[string]any{"initial": "last", "initial_from": filepath.Join(study, "nope")}, "nope is not a folder"},
		{map[string]any{"initial": "last", "initial_from": empty}, "initial_from: no run under " + filepath.Join(empty, "runs") + " wrote final_state.csv"},
		{map[string]any{"initial": "last", "initial_from": t.TempDir()}, "has neither final_state.csv nor a runs folder"},
	} {
		c.extra["connectivity"] = paupau
		in, _ := json.Marshal(c.extra)
		if _, err := (brain.Model{}).DescribeInputs(in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want …%s", in, err, c.want)
		}
	}
}

// TestEpileptorRSSeizesAsEpileptor: through the model, the Epileptor part
// of epileptor_rs seizes exactly as the 6-D Epileptor: on TVB's 76-region
// connectome with the example's hypothesis, delays and difference coupling,
// deterministic Heun, 400 ms, onsets.csv (recruitment order, onsets,
// durations) is the same file for both masses, and the EZ seizes. (The
// oscillator is coupled through x_rs only and does not act on x1…g.)
func TestEpileptorRSSeizesAsEpileptor(t *testing.T) {
	sc, _, _ := example(t)
	params := map[string]any{"hypothesis": "temporal", "duration": 400.0, "integrator": "heun", "save_timeseries": false}
	ref, rs := t.TempDir(), t.TempDir()
	want := runIn(t, sc.Inputs, params, ref)
	params["mass"] = brain.MassEpileptorRS
	got := runIn(t, sc.Inputs, params, rs)
	if want["n_seizing"] < 3 || got["n_seizing"] != want["n_seizing"] {
		t.Errorf("n_seizing: epileptor_rs %v, epileptor6d %v (want the EZ, ≥ 3)", got["n_seizing"], want["n_seizing"])
	}
	sameFile(t, filepath.Join(ref, "onsets.csv"), filepath.Join(rs, "onsets.csv"))
}

// TestCodim3Seizes: through the model, with the detector's default
// thresholds, every uncoupled region of paupau with TVB's codimension-3
// defaults (class c2s) seizes within 1.2 s, first after the rest phase:
// z climbs from 0 to the onset point z_B = ∠(A, B) ≈ 0.1322 at
// z' ≈ c·(d* − 0.1(z − 0.5)⁷), which takes ∫ dz / z′ ≈ 440 time units
// (Simpson's rule in TestCodim3Burster's way), and the saddle-node
// bottleneck delays the jump by less than 15 %.
func TestCodim3Seizes(t *testing.T) {
	t.Chdir("../..")
	m := brain.NewEpileptorCodim3()
	a := [3]float64{m.Mu2Start, -m.Mu1Start, m.NuStart}
	b := [3]float64{m.Mu2Stop, -m.Mu1Stop, m.NuStop}
	dot, na, nb := a[0]*b[0]+a[1]*b[1]+a[2]*b[2], math.Sqrt(a[0]*a[0]+a[1]*a[1]+a[2]*a[2]), math.Sqrt(b[0]*b[0]+b[1]*b[1]+b[2]*b[2])
	zb := math.Acos(dot / (na * nb))
	rate := func(z float64) float64 { return 1 / (m.C * (m.Dstar - 0.1*math.Pow(z-0.5, 7))) }
	const k = 200
	h := zb / k
	rest := rate(0) + rate(zb)
	for i := 1; i < k; i++ {
		rest += float64(2+2*(i%2)) * rate(float64(i)*h)
	}
	rest *= h / 3
	in, _ := json.Marshal(map[string]any{"connectivity": paupau})
	got := runIn(t, in, map[string]any{"mass": brain.MassCodim3, "duration": 1200.0, "coupling_a": 0.0, "integrator": "heun", "save_timeseries": false}, t.TempDir())
	t.Logf("rest phase %.1f; first onset %v ms", rest, got["first_onset_ms"])
	if got["n_seizing"] != 4 {
		t.Errorf("n_seizing %v, want 4", got["n_seizing"])
	}
	if on := got["first_onset_ms"]; on < rest || on > 1.15*rest {
		t.Errorf("first onset %v ms, want after the rest phase %.1f and within 15 %%", on, rest)
	}
}
