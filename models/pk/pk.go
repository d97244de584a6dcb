// Package pk is mdtwin's tutorial model: a one-compartment pharmacokinetic
// model with first-order oral absorption and linear elimination, for single
// or repeated doses, with optional log-normal inter-individual variability.
//
// The model (Gibaldi & Perrier, Pharmacokinetics, 2nd ed., 1982, ch. 1;
// Rowland & Tozer, Clinical Pharmacokinetics, 4th ed., 2011, ch. 6):
//
//	dA_gut/dt = −ka·A_gut                        (mg/h)
//	dA_c/dt   =  ka·A_gut − (CL/V)·A_c           (mg/h)
//	C         =  A_c / V                         (mg/L)
//
// with F·dose added to A_gut at t = k·tau for k = 0 … n_doses−1. The ODEs are
// integrated numerically (classical fourth-order Runge–Kutta on a grid that
// lands exactly on every dose and sample time) so that the model is a
// genuine simulator that can be extended beyond the closed form; its tests
// compare it with the closed-form Bateman solution
//
//	C(t) = F·D·ka / (V·(ka − ke)) · (e^(−ke·t) − e^(−ka·t)),  ke = CL/V,
//
// superposed over doses, and with AUC(0,∞) = n·F·D/CL and
// tmax = ln(ka/ke)/(ka − ke) (Bateman 1910; Gibaldi & Perrier eq. 1.23–1.28).
//
// Inter-individual variability follows the usual exponential random-effects
// model of population PK (Beal & Sheiner, NONMEM Users Guide): CL_i =
// CL·exp(η_CL), V_i = V·exp(η_V), ka_i = ka·exp(η_ka), η ~ N(0, ω²), drawn
// from the run's seed in a fixed order, so a replicate is a virtual patient.
//
// The package is also the worked example for model authors: see Model.
package pk

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mdtwin/mdtwin/models"
)

// Model is the one-compartment oral PK model. Its zero value is ready.
type Model struct{}

var _ models.Model = Model{}

// Name is the model's registry name.
const Name = "pk"

var b = models.Bound

// Describe returns the model's parameters and outputs.
func (Model) Describe() models.Descriptor {
	return models.Descriptor{
		Name:    Name,
		Version: "1.0.0",
		Doc: "One-compartment pharmacokinetics with first-order oral absorption and linear " +
			"elimination (Bateman 1910; Gibaldi & Perrier 1982), repeated dosing, log-normal " +
			"inter-individual variability on CL, V and ka; RK4 integration.",
		Params: []models.Param{
			{Name: "dose_mg", Kind: models.Float, Unit: "mg", Default: 100.0, Min: b(0), Max: b(1e6), Doc: "amount per dose"},
			{Name: "n_doses", Kind: models.Int, Default: int64(1), Min: b(1), Max: b(10000), Doc: "number of doses, given every tau_h from t = 0"},
			{Name: "tau_h", Kind: models.Float, Unit: "h", Default: 12.0, Min: b(0.01), Max: b(8760), Doc: "dosing interval"},
			{Name: "f", Kind: models.Float, Default: 1.0, Min: b(0), Max: b(1), Doc: "bioavailable fraction F"},
			{Name: "ka_per_h", Kind: models.Float, Unit: "1/h", Default: 1.0, Min: b(1e-4), Max: b(100), Doc: "first-order absorption rate constant (typical value)"},
			{Name: "cl_l_per_h", Kind: models.Float, Unit: "L/h", Default: 5.0, Min: b(1e-4), Max: b(1e4), Doc: "clearance (typical value)"},
			{Name: "v_l", Kind: models.Float, Unit: "L", Default: 50.0, Min: b(1e-3), Max: b(1e5), Doc: "volume of distribution (typical value)"},
			{Name: "omega_cl", Kind: models.Float, Default: 0.0, Min: b(0), Max: b(2), Doc: "SD of log CL between individuals (0: none)"},
			{Name: "omega_v", Kind: models.Float, Default: 0.0, Min: b(0), Max: b(2), Doc: "SD of log V between individuals (0: none)"},
			{Name: "omega_ka", Kind: models.Float, Default: 0.0, Min: b(0), Max: b(2), Doc: "SD of log ka between individuals (0: none)"},
			{Name: "t_end_h", Kind: models.Float, Unit: "h", Default: 48.0, Min: b(0.01), Max: b(87600), Doc: "simulated time"},
			{Name: "dt_h", Kind: models.Float, Unit: "h", Default: 0.25, Min: b(1e-4), Max: b(1000), Doc: "sampling interval of the saved concentration curve"},
			{Name: "save_curve", Kind: models.Bool, Default: false, Doc: "return the concentration curve as table \"concentration\" (t_h, c_mg_per_l)"},
		},
		Outputs: []models.Output{
			{Name: "cmax_mg_per_l", Unit: "mg/L", Doc: "peak concentration over [0, t_end]"},
			{Name: "tmax_h", Unit: "h", Doc: "time of the peak"},
			{Name: "auc_mg_h_per_l", Unit: "mg·h/L", Doc: "area under the concentration curve over [0, t_end]"},
			{Name: "auc_inf_mg_h_per_l", Unit: "mg·h/L", Doc: "AUC from 0 to infinity of the doses given (no dose after t_end)"},
			{Name: "c_end_mg_per_l", Unit: "mg/L", Doc: "concentration at t_end"},
			{Name: "half_life_h", Unit: "h", Doc: "elimination half-life ln2·V/CL of this individual"},
			{Name: "cl_l_per_h", Unit: "L/h", Doc: "this individual's clearance"},
			{Name: "v_l", Unit: "L", Doc: "this individual's volume"},
			{Name: "ka_per_h", Unit: "1/h", Doc: "this individual's absorption rate constant"},
		},
	}
}

// Individual holds one individual's PK parameters.
type Individual struct {
	Ka float64 // 1/h
	CL float64 // L/h
	V  float64 // L
}

// Regimen is a dosing regimen.
type Regimen struct {
	Dose   float64 // mg per dose
	F      float64 // bioavailable fraction
	NDoses int
	Tau    float64 // h
}

// Profile is the outcome of a simulation.
type Profile struct {
	Cmax, Tmax, AUC, AUCInf, CEnd float64
	Times, Conc                   []float64 // sampled curve, when asked for
}

// maxStepRate bounds the RK4 step: h·max(ka, ke) ≤ maxStepRate. With 0.05
// the global relative error of RK4 on this linear system is below 1e-7
// (error ∝ (h·k)^4), which the tests check against the closed form.
const maxStepRate = 0.05

// Simulate integrates the model over [0, tEnd]. When dt > 0 it also samples
// the concentration every dt (and at tEnd).
func Simulate(ctx context.Context, ind Individual, reg Regimen, tEnd, dt float64) (Profile, error) {
	ke := ind.CL / ind.V
	hmax := maxStepRate / math.Max(ind.Ka, ke)
	s := state{}
	var p Profile
	t := 0.0
	nextDose := 0
	nextSample := 0
	for events := 0; ; events++ {
		if nextDose < reg.NDoses && float64(nextDose)*reg.Tau <= t {
			s.gut += reg.F * reg.Dose
			nextDose++
		}
		c := s.central / ind.V
		if c > p.Cmax {
			p.Cmax, p.Tmax = c, t
		}
		if dt > 0 && float64(nextSample)*dt <= t {
			p.Times = append(p.Times, t)
			p.Conc = append(p.Conc, c)
			nextSample++
		}
		if t >= tEnd {
			break
		}
		// The next event: a dose, a sample or the end.
		tNext := tEnd
		if nextDose < reg.NDoses {
			tNext = math.Min(tNext, float64(nextDose)*reg.Tau)
		}
		if dt > 0 {
			tNext = math.Min(tNext, float64(nextSample)*dt)
		}
		n := int(math.Ceil((tNext - t) / hmax))
		if n < 1 {
			n = 1
		}
		h := (tNext - t) / float64(n)
		for i := 0; i < n; i++ {
			if i%4096 == 4095 && ctx.Err() != nil {
				return Profile{}, ctx.Err()
			}
			before := s
			s = s.rk4(ind, h)
			// A peak inside this step: dC/dt goes from positive to non-positive.
			if before.slope(ind) > 0 && s.slope(ind) <= 0 {
				tp, cp := peak(before, ind, h)
				if cp > p.Cmax {
					p.Cmax, p.Tmax = cp, t+float64(i)*h+tp
				}
			}
		}
		t = tNext
		if events%1024 == 0 && ctx.Err() != nil {
			return Profile{}, ctx.Err()
		}
	}
	if c := s.central / ind.V; c > p.Cmax {
		p.Cmax, p.Tmax = c, tEnd
	}
	p.AUC = s.auc
	p.CEnd = s.central / ind.V
	// Drug still in the body is all eventually cleared: ∫C dt = amount/CL.
	p.AUCInf = s.auc + (s.gut+s.central)/ind.CL
	return p, nil
}

// state is the ODE state: amounts in mg and the running AUC in mg·h/L.
type state struct{ gut, central, auc float64 }

func (s state) deriv(ind Individual) state {
	absorb := ind.Ka * s.gut
	return state{
		gut:     -absorb,
		central: absorb - ind.CL/ind.V*s.central,
		auc:     s.central / ind.V,
	}
}

// slope is dC/dt in mg/L/h.
func (s state) slope(ind Individual) float64 { return s.deriv(ind).central / ind.V }

func (s state) add(d state, h float64) state {
	return state{s.gut + h*d.gut, s.central + h*d.central, s.auc + h*d.auc}
}

// rk4 advances the state by one classical Runge–Kutta step of size h.
func (s state) rk4(ind Individual, h float64) state {
	k1 := s.deriv(ind)
	k2 := s.add(k1, h/2).deriv(ind)
	k3 := s.add(k2, h/2).deriv(ind)
	k4 := s.add(k3, h).deriv(ind)
	return state{
		gut:     s.gut + h/6*(k1.gut+2*k2.gut+2*k3.gut+k4.gut),
		central: s.central + h/6*(k1.central+2*k2.central+2*k3.central+k4.central),
		auc:     s.auc + h/6*(k1.auc+2*k2.auc+2*k3.auc+k4.auc),
	}
}

// peak finds the time in (0, h] after s where dC/dt = 0 by bisection on
// single RK4 steps from s, and the concentration there.
func peak(s state, ind Individual, h float64) (tp, cp float64) {
	lo, hi := 0.0, h
	for i := 0; i < 60 && hi-lo > 1e-12*h; i++ {
		mid := (lo + hi) / 2
		if s.rk4(ind, mid).slope(ind) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	tp = (lo + hi) / 2
	return tp, s.rk4(ind, tp).central / ind.V
}

// seedStream tags the model's random stream (ASCII "pk-iiv").
const seedStream = 0x706b2d696976

// Draw returns an individual's parameters: the typical values times
// exp(η), η ~ N(0, ω²), drawn in the order CL, V, ka from rng.
func Draw(rng *rand.Rand, typical Individual, omegaCL, omegaV, omegaKa float64) Individual {
	eCL, eV, eKa := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
	return Individual{
		CL: typical.CL * math.Exp(omegaCL*eCL),
		V:  typical.V * math.Exp(omegaV*eV),
		Ka: typical.Ka * math.Exp(omegaKa*eKa),
	}
}

// Run simulates one individual.
func (Model) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	p := spec.Params
	rng := rand.New(rand.NewPCG(spec.Seed, seedStream))
	ind := Draw(rng, Individual{Ka: p.Float("ka_per_h"), CL: p.Float("cl_l_per_h"), V: p.Float("v_l")},
		p.Float("omega_cl"), p.Float("omega_v"), p.Float("omega_ka"))
	reg := Regimen{Dose: p.Float("dose_mg"), F: p.Float("f"), NDoses: int(p.Int("n_doses")), Tau: p.Float("tau_h")}
	tEnd := p.Float("t_end_h")
	dt := 0.0
	if p.Bool("save_curve") {
		dt = p.Float("dt_h")
		if tEnd/dt > 1e7 {
			return models.Result{}, &models.ParamError{Model: Name, Param: "dt_h", Value: dt,
				Msg: fmt.Sprintf("gives %.0f samples over t_end_h = %g; expected at most 1e7", tEnd/dt, tEnd)}
		}
	}
	prof, err := Simulate(ctx, ind, reg, tEnd, dt)
	if err != nil {
		return models.Result{}, err
	}
	models.Report(obs, 1, "done")
	res := models.Result{Scalars: map[string]float64{
		"cmax_mg_per_l":      prof.Cmax,
		"tmax_h":             prof.Tmax,
		"auc_mg_h_per_l":     prof.AUC,
		"auc_inf_mg_h_per_l": prof.AUCInf,
		"c_end_mg_per_l":     prof.CEnd,
		"half_life_h":        math.Ln2 * ind.V / ind.CL,
		"cl_l_per_h":         ind.CL,
		"v_l":                ind.V,
		"ka_per_h":           ind.Ka,
	}}
	if dt > 0 {
		rows := make([][]float64, len(prof.Times))
		for i := range rows {
			rows[i] = []float64{prof.Times[i], prof.Conc[i]}
		}
		res.Tables = []models.Table{{Name: "concentration", Columns: []string{"t_h", "c_mg_per_l"}, Rows: rows}}
	}
	return res, nil
}
