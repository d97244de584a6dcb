// Package emax is the sigmoid Emax (Hill) pharmacodynamic model, written as
// an external mdtwin model plugin would be (see examples/plugin-emax).
//
// The effect of a drug at plasma concentration C is
//
//	E(C) = E0 + Emax · f(C),   f(C) = Cⁿ / (EC50ⁿ + Cⁿ)
//
// with baseline E0, maximal drug effect Emax (negative for an inhibitory
// drug), EC50 the concentration giving half of Emax and n the Hill
// coefficient, which sets the steepness (A. V. Hill, J Physiol 40:iv–vii,
// 1910; N. H. G. Holford and L. B. Sheiner, Clin Pharmacokinet 6:429–453,
// 1981). f is the fraction of the maximal effect reached, the fractional
// receptor occupancy under the occupancy theory.
//
// The concentration giving 90 % of Emax follows from f(C) = 0.9:
// Cⁿ = 0.9·(EC50ⁿ + Cⁿ), so Cⁿ = 9·EC50ⁿ and
//
//	EC90 = EC50 · 9^(1/n)
//
// A run can also tabulate a concentration–effect curve: give the run the
// inputs {"concentrations_mg_per_l": [c1, c2, …]} and the result has a
// table "effect_curve" with columns c_mg_per_l and effect, one row per
// concentration, in the order given.
package emax

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/mdtwin/mdtwin/models"
)

// Model is the sigmoid Emax model. The zero value is ready to use.
type Model struct{}

// Describe returns the model's descriptor.
func (Model) Describe() models.Descriptor {
	return models.Descriptor{
		Name:    "emax",
		Version: "1.0.0",
		Doc: "Sigmoid Emax (Hill) pharmacodynamic model: E(C) = E0 + Emax·Cⁿ/(EC50ⁿ + Cⁿ) " +
			"(Hill 1910; Holford & Sheiner 1981). Optional inputs {\"concentrations_mg_per_l\": [...]} " +
			"add a table \"effect_curve\" of (c_mg_per_l, effect).",
		Params: []models.Param{
			{Name: "e0", Kind: models.Float, Default: 0.0, Min: models.Bound(-1e6), Max: models.Bound(1e6),
				Doc: "baseline effect without drug, in the units of the measured response (e.g. mmHg, % inhibition)"},
			{Name: "emax", Kind: models.Float, Default: 100.0, Min: models.Bound(-1e6), Max: models.Bound(1e6),
				Doc: "maximal drug effect, in the units of the response; negative for an inhibitory drug"},
			{Name: "ec50_mg_per_l", Kind: models.Float, Unit: "mg/L", Default: 2.0, Min: models.Bound(1e-9), Max: models.Bound(1e6),
				Doc: "concentration giving half of the maximal effect (potency)"},
			{Name: "hill", Kind: models.Float, Default: 1.0, Min: models.Bound(0.1), Max: models.Bound(10),
				Doc: "Hill coefficient n, the steepness of the concentration–effect curve (1 is the hyperbolic Emax model)"},
			{Name: "c_mg_per_l", Kind: models.Float, Unit: "mg/L", Default: 4.0, Min: models.Bound(0), Max: models.Bound(1e6),
				Doc: "drug concentration at the effect site (plasma concentration at equilibrium)"},
		},
		Outputs: []models.Output{
			{Name: "effect", Doc: "E(C), in the units of the response"},
			{Name: "fractional_occupancy", Doc: "Cⁿ/(EC50ⁿ + Cⁿ): the fraction of Emax reached, in [0, 1]"},
			{Name: "ec90_mg_per_l", Unit: "mg/L", Doc: "concentration giving 90 % of Emax, EC50·9^(1/n)"},
		},
	}
}

// Inputs are the optional structured inputs of a run.
type Inputs struct {
	// Concentrations at which to tabulate the effect, mg/L, each ≥ 0.
	Concentrations []float64 `json:"concentrations_mg_per_l"`
}

// Fraction returns Cⁿ/(EC50ⁿ + Cⁿ), computed as 1/(1 + (EC50/C)ⁿ) so that
// large exponents do not overflow. It is 0 at C = 0 and exactly 1/2 at
// C = EC50. Preconditions: c ≥ 0, ec50 > 0, n > 0.
func Fraction(c, ec50, n float64) float64 {
	if c == 0 {
		return 0
	}
	return 1 / (1 + math.Pow(ec50/c, n))
}

// EC90 returns the concentration giving 90 % of Emax, EC50·9^(1/n).
func EC90(ec50, n float64) float64 { return ec50 * math.Pow(9, 1/n) }

// checkEvery is how many curve points are computed between two looks at
// the context.
const checkEvery = 1 << 14

// Run computes the effect at c_mg_per_l and, if the inputs list
// concentrations, the effect curve.
func (Model) Run(ctx context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	if err := ctx.Err(); err != nil {
		return models.Result{}, err
	}
	p := spec.Params
	e0, emax := p.Float("e0"), p.Float("emax")
	ec50, n, c := p.Float("ec50_mg_per_l"), p.Float("hill"), p.Float("c_mg_per_l")
	f := Fraction(c, ec50, n)
	res := models.Result{Scalars: map[string]float64{
		"effect":               e0 + emax*f,
		"fractional_occupancy": f,
		"ec90_mg_per_l":        EC90(ec50, n),
	}}
	if len(spec.Inputs) == 0 {
		return res, nil
	}
	in, err := decodeInputs(spec.Inputs)
	if err != nil {
		return models.Result{}, err
	}
	curve := models.Table{Name: "effect_curve", Columns: []string{"c_mg_per_l", "effect"},
		Rows: make([][]float64, len(in.Concentrations))}
	cells := make([]float64, 2*len(in.Concentrations))
	for i, ci := range in.Concentrations {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return models.Result{}, err
			}
		}
		row := cells[2*i : 2*i+2 : 2*i+2]
		row[0], row[1] = ci, e0+emax*Fraction(ci, ec50, n)
		curve.Rows[i] = row
	}
	res.Tables = []models.Table{curve}
	return res, nil
}

func decodeInputs(raw json.RawMessage) (Inputs, error) {
	var in Inputs
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return Inputs{}, fmt.Errorf("emax inputs: %v; expected {\"concentrations_mg_per_l\": [numbers ≥ 0]}", err)
	}
	for i, c := range in.Concentrations {
		if !(c >= 0) || math.IsInf(c, 0) {
			return Inputs{}, fmt.Errorf("emax inputs: concentrations_mg_per_l[%d] = %s: expected a finite concentration ≥ 0 mg/L",
				i, models.FormatFloat(c))
		}
	}
	return in, nil
}
