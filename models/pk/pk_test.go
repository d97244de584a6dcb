package pk

import (
	"context"
	"math"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pluginsdk/pluginsdktest"
)

// bateman is the closed-form concentration of the one-compartment oral
// model after doses of F·D at k·tau (Bateman 1910; Gibaldi & Perrier 1982,
// eq. 1.23), superposed because the system is linear.
func bateman(t float64, ind Individual, reg Regimen) float64 {
	ke := ind.CL / ind.V
	c := 0.0
	for k := 0; k < reg.NDoses; k++ {
		s := t - float64(k)*reg.Tau
		if s < 0 {
			break
		}
		c += reg.F * reg.Dose * ind.Ka / (ind.V * (ind.Ka - ke)) * (math.Exp(-ke*s) - math.Exp(-ind.Ka*s))
	}
	return c
}

func relErr(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

func TestSimulateMatchesBateman(t *testing.T) {
	cases := []struct {
		name string
		ind  Individual
		reg  Regimen
		tEnd float64
	}{
		{"single dose, default", Individual{Ka: 1, CL: 5, V: 50}, Regimen{Dose: 100, F: 1, NDoses: 1, Tau: 12}, 48},
		{"fast absorption", Individual{Ka: 8, CL: 2, V: 30}, Regimen{Dose: 500, F: 0.6, NDoses: 1, Tau: 24}, 72},
		{"flip-flop (ka < ke)", Individual{Ka: 0.05, CL: 20, V: 40}, Regimen{Dose: 50, F: 0.9, NDoses: 1, Tau: 24}, 200},
		{"repeated doses", Individual{Ka: 1.5, CL: 4, V: 60}, Regimen{Dose: 200, F: 1, NDoses: 6, Tau: 8}, 60},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prof, err := Simulate(context.Background(), tc.ind, tc.reg, tc.tEnd, 0.5)
			if err != nil {
				t.Fatal(err)
			}
			// Every sample against the closed form, to RK4's accuracy
			// (step h·k ≤ 0.05 gives relative error well under 1e-6).
			for i, ti := range prof.Times {
				want := bateman(ti, tc.ind, tc.reg)
				if want == 0 {
					if prof.Conc[i] != 0 {
						t.Errorf("C(%g) = %g, want 0", ti, prof.Conc[i])
					}
					continue
				}
				if e := relErr(prof.Conc[i], want); e > 1e-6 {
					t.Errorf("C(%g) = %.10g, closed form %.10g (rel err %.2g)", ti, prof.Conc[i], want, e)
				}
			}
			if e := relErr(prof.CEnd, bateman(tc.tEnd, tc.ind, tc.reg)); e > 1e-6 {
				t.Errorf("C(t_end) rel err %.2g", e)
			}
			// AUC(0,∞) of all doses given = n·F·D/CL (Gibaldi & Perrier eq. 1.28).
			wantInf := float64(tc.reg.NDoses) * tc.reg.F * tc.reg.Dose / tc.ind.CL
			if e := relErr(prof.AUCInf, wantInf); e > 1e-6 {
				t.Errorf("AUC(0,inf) = %.10g, want n·F·D/CL = %.10g (rel err %.2g)", prof.AUCInf, wantInf, e)
			}
		})
	}
}

func TestSingleDosePeakAndAUC(t *testing.T) {
	ind := Individual{Ka: 1.2, CL: 3, V: 40}
	reg := Regimen{Dose: 250, F: 0.8, NDoses: 1, Tau: 24}
	tEnd := 36.0
	prof, err := Simulate(context.Background(), ind, reg, tEnd, 0)
	if err != nil {
		t.Fatal(err)
	}
	ke := ind.CL / ind.V
	// tmax = ln(ka/ke)/(ka−ke): where dC/dt = 0 in the closed form.
	tmax := math.Log(ind.Ka/ke) / (ind.Ka - ke)
	if math.Abs(prof.Tmax-tmax) > 1e-6 {
		t.Errorf("tmax = %.9g h, analytic %.9g h", prof.Tmax, tmax)
	}
	if e := relErr(prof.Cmax, bateman(tmax, ind, reg)); e > 1e-7 {
		t.Errorf("Cmax = %.10g, analytic %.10g (rel err %.2g)", prof.Cmax, bateman(tmax, ind, reg), e)
	}
	// AUC(0,T) = F·D/CL·[1 − (ka·e^(−ke·T) − ke·e^(−ka·T))/(ka − ke)]:
	// the integral of the Bateman function, derived by hand.
	fd := reg.F * reg.Dose
	want := fd / ind.CL * (1 - (ind.Ka*math.Exp(-ke*tEnd)-ke*math.Exp(-ind.Ka*tEnd))/(ind.Ka-ke))
	if e := relErr(prof.AUC, want); e > 1e-6 {
		t.Errorf("AUC(0,%g) = %.10g, analytic %.10g (rel err %.2g)", tEnd, prof.AUC, want, e)
	}
}

func resolve(t *testing.T, raw map[string]any) models.Params {
	t.Helper()
	p, err := Model{}.Describe().Resolve(raw)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunVariability(t *testing.T) {
	m := Model{}
	run := func(seed uint64, raw map[string]any) models.Result {
		res, err := m.Run(context.Background(), models.RunSpec{Seed: seed, Params: resolve(t, raw)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// Without variability the seed does not matter and the individual is typical.
	a, b := run(1, nil), run(2, nil)
	if a.Scalars["cmax_mg_per_l"] != b.Scalars["cmax_mg_per_l"] || a.Scalars["cl_l_per_h"] != 5 {
		t.Errorf("omega = 0 must give the typical individual: %v vs %v", a.Scalars, b.Scalars)
	}
	// With variability: same seed, same individual; log CL over many seeds
	// has mean log(CL) and SD omega (the exponential random-effects model).
	iiv := map[string]any{"omega_cl": 0.3, "omega_v": 0.2}
	if x, y := run(7, iiv), run(7, iiv); x.Scalars["cmax_mg_per_l"] != y.Scalars["cmax_mg_per_l"] {
		t.Error("same seed gave different results")
	}
	const n = 4000
	var sum, sumsq float64
	for s := uint64(0); s < n; s++ {
		l := math.Log(run(s, iiv).Scalars["cl_l_per_h"])
		sum += l
		sumsq += l * l
	}
	mean := sum / n
	sd := math.Sqrt(sumsq/n - mean*mean)
	// Standard error of the mean is 0.3/sqrt(4000) ≈ 0.0047; allow 4 SE.
	if math.Abs(mean-math.Log(5)) > 0.019 {
		t.Errorf("mean log CL = %.4f, want log 5 = %.4f", mean, math.Log(5))
	}
	// SE of the SD ≈ 0.3/sqrt(2·4000) ≈ 0.0034; allow 4 SE.
	if math.Abs(sd-0.3) > 0.014 {
		t.Errorf("SD log CL = %.4f, want 0.3", sd)
	}
}

func TestRunCurveTable(t *testing.T) {
	res, err := Model{}.Run(context.Background(), models.RunSpec{Params: resolve(t, map[string]any{"save_curve": true, "t_end_h": 10.0, "dt_h": 0.5})}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tables) != 1 || len(res.Tables[0].Rows) != 21 {
		t.Fatalf("want one table of 21 rows (0, 0.5, …, 10 h), got %+v", res.Tables)
	}
	if last := res.Tables[0].Rows[20]; last[0] != 10 || last[1] != res.Scalars["c_end_mg_per_l"] {
		t.Errorf("last row %v, want t = 10 and C = c_end", last)
	}
}

func TestRunHonoursCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Model{}.Run(ctx, models.RunSpec{Params: resolve(t, map[string]any{"t_end_h": 80000.0})}, nil)
	if err == nil {
		t.Fatal("a cancelled context must stop a long run")
	}
}

func BenchmarkRunDefault(b *testing.B) {
	p, _ := Model{}.Describe().Resolve(nil)
	spec := models.RunSpec{Params: p}
	for b.Loop() {
		if _, err := (Model{}).Run(context.Background(), spec, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// The tutorial model passes the conformance suite every plugin author runs.
func TestConformance(t *testing.T) {
	pluginsdktest.Conformance(t, Model{})
}
