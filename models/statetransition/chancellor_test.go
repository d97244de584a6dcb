package statetransition

import (
	"context"
	"math"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
)

// The HIV/Chancellor model (Chancellor et al. 1997) as in Briggs, Claxton &
// Sculpher, Decision Modelling for Health Economic Evaluation (2006),
// exercise 2.5: costs discounted at 6 % as cost_t/1.06^t for t = 1..20,
// life-years undiscounted, "end" counting. The expected figures are those
// of the book's solution as asserted in heemod's tests/testthat/test_dmhee.R
// (pierucci/heemod) and quoted in ../shared/reference/mscohort-hta.md § 5.
const (
	chancellorMonoCost = 44663.4535637
	chancellorMonoLY   = 7.9912066
	chancellorCombCost = 50601.6513312
	chancellorCombLY   = 8.9373889
	chancellorICER     = 6275.95560
	chancellorFile     = "../../scenarios/examples/hiv-chancellor.toml"
	chancellorPSAFile  = "../../scenarios/examples/hiv-chancellor-psa.toml"
)

// The published figures carry 12 or 8 significant digits; 1e-6 relative is
// the tolerance the reference asks for.
const chancellorTol = 1e-6

func checkChancellor(t *testing.T, s map[string]float64) {
	t.Helper()
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"monotherapy_cost", s["monotherapy_cost"], chancellorMonoCost},
		{"monotherapy_effect", s["monotherapy_effect"], chancellorMonoLY},
		{"monotherapy_ly_undisc", s["monotherapy_ly_undisc"], chancellorMonoLY},
		{"combination_cost", s["combination_cost"], chancellorCombCost},
		{"combination_effect", s["combination_effect"], chancellorCombLY},
		{"combination_ly_undisc", s["combination_ly_undisc"], chancellorCombLY},
		{"combination_inc_cost", s["combination_inc_cost"], chancellorCombCost - chancellorMonoCost},
		{"combination_inc_effect", s["combination_inc_effect"], chancellorCombLY - chancellorMonoLY},
		{"combination_icer", s["combination_icer"], chancellorICER},
	} {
		if e := relErr(c.got, c.want); !(e <= chancellorTol) {
			t.Errorf("%s = %.10f, want %.10f (DMHEE ex. 2.5; rel err %.2g)", c.name, c.got, c.want, e)
		}
	}
}

// TestChancellor loads the shipped scenario as `mdtwin run` does
// (scenarios.Load, DescribeInputs, Expand, Run) and checks the published
// results.
func TestChancellor(t *testing.T) {
	sc, err := scenarios.Load(chancellorFile)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := Model{}.DescribeInputs(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	if err := desc.Check(); err != nil {
		t.Fatal(err)
	}
	runs, err := sc.Expand(desc)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Fatalf("%d runs, want 1", len(runs))
	}
	r := runs[0]
	res, err := Model{}.Run(context.Background(), models.RunSpec{Model: Name, RunID: r.ID, Seed: r.Seed, Params: r.Params, Inputs: sc.Inputs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Scalars) != len(desc.Outputs) {
		t.Errorf("%d outputs, descriptor declares %d", len(res.Scalars), len(desc.Outputs))
	}
	checkChancellor(t, res.Scalars)
	// Discounting at 0 % for effects: discounted and undiscounted agree.
	for _, s := range []string{"monotherapy", "combination"} {
		if res.Scalars[s+"_effect"] != res.Scalars[s+"_effect_undisc"] || res.Scalars[s+"_ly"] != res.Scalars[s+"_ly_undisc"] {
			t.Errorf("%s: effects discounted at 0 %% differ from undiscounted", s)
		}
	}

	// The same through the summary: frontier and ICER on the one draw.
	sum, err := Model{}.Summarize(sc.Inputs, []models.RunSummary{{RunID: r.ID, Params: r.Params, Done: true, Scalars: res.Scalars}})
	if err != nil {
		t.Fatal(err)
	}
	sm := sum.(*Summary)
	if sm.Draws != 1 || len(sm.Frontier) != 2 || sm.Frontier[1].Status != "non-dominated" || sm.CEAC != nil {
		t.Errorf("summary of one run: %+v", sm)
	}
	if e := relErr(float64(sm.Frontier[1].ICER), chancellorICER); e > chancellorTol {
		t.Errorf("frontier ICER %v, want %v", sm.Frontier[1].ICER, chancellorICER)
	}
}

// TestChancellorMicro checks that the microsimulation's means converge to
// the cohort's: each within 4 Monte Carlo standard errors (sd/√n).
func TestChancellorMicro(t *testing.T) {
	sc, err := scenarios.Load(chancellorFile)
	if err != nil {
		t.Fatal(err)
	}
	d, err := compile(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	in, err := d.instantiate(d.defaults(), false, 0)
	if err != nil {
		t.Fatal(err)
	}
	cohort, _ := in.cohort(false)
	const n = 20000
	mr, err := in.micro(context.Background(), n, 20260101, false)
	if err != nil {
		t.Fatal(err)
	}
	for s, name := range d.strategies {
		for q, qn := range []string{"cost", "cost_undisc", "effect", "effect_undisc", "ly", "ly_undisc"} {
			se := mr.sd[s][q] / math.Sqrt(n)
			if dev := math.Abs(mr.mean[s][q] - cohort[s][q]); !(dev <= 4*se) {
				t.Errorf("%s_%s: micro mean %.6g, cohort %.6g: |Δ| = %.3g > 4 SE = %.3g", name, qn, mr.mean[s][q], cohort[s][q], dev, 4*se)
			}
		}
	}
	if relErr(cohort[0][qCost], chancellorMonoCost) > chancellorTol {
		t.Errorf("cohort cost %v", cohort[0][qCost])
	}
}

// TestChancellorPSA runs a 40-draw version of the shipped PSA scenario and
// summarises it.
func TestChancellorPSA(t *testing.T) {
	sc, err := scenarios.Load(chancellorPSAFile)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Sweep == nil || sc.Sweep.Samples != 1000 {
		t.Fatalf("the PSA scenario should have 1000 draws")
	}
	sc.Sweep.Samples = 40
	desc, err := Model{}.DescribeInputs(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := sc.Expand(desc)
	if err != nil {
		t.Fatal(err)
	}
	sums := make([]models.RunSummary, len(runs))
	for i, r := range runs {
		res, err := Model{}.Run(context.Background(), models.RunSpec{Model: Name, RunID: r.ID, Seed: r.Seed, Params: r.Params, Inputs: sc.Inputs}, nil)
		if err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		sums[i] = models.RunSummary{RunID: r.ID, Params: r.Params, Done: true, Scalars: res.Scalars}
	}
	// The Dirichlet draws use the run's seed: the same parameters with
	// another seed give other transition probabilities, so other life-years.
	r0 := runs[0]
	again, err := Model{}.Run(context.Background(), models.RunSpec{Model: Name, Seed: r0.Seed + 1, Params: r0.Params, Inputs: sc.Inputs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Scalars["monotherapy_ly"] == sums[0].Scalars["monotherapy_ly"] {
		t.Error("psa = true: the transition matrix does not depend on the run's seed")
	}
	sums[3].Done, sums[3].Scalars = false, nil // a failed run is left out

	out, err := Model{}.Summarize(sc.Inputs, sums)
	if err != nil {
		t.Fatal(err)
	}
	sm := out.(*Summary)
	if sm.Draws != 39 || sm.Failed != 1 {
		t.Fatalf("draws %d, failed %d; want 39, 1", sm.Draws, sm.Failed)
	}
	if len(sm.WTP) != 51 || sm.WTP[50] != 25000 || len(sm.CEAC) != 2 || len(sm.CEAF) != 51 || len(sm.EVPI) != 51 {
		t.Fatalf("wtp grid %d points up to %v, %d CEACs, CEAF %d, EVPI %d", len(sm.WTP), sm.WTP[len(sm.WTP)-1], len(sm.CEAC), len(sm.CEAF), len(sm.EVPI))
	}
	for k := range sm.WTP {
		if p := sm.CEAC[0].Prob[k] + sm.CEAC[1].Prob[k]; math.Abs(p-1) > 1e-12 {
			t.Errorf("CEAC at %v sums to %v", sm.WTP[k], p)
		}
		if sm.EVPI[k] < 0 {
			t.Errorf("EVPI at %v is %v < 0", sm.WTP[k], sm.EVPI[k])
		}
	}
	// Monotherapy is cheaper in nearly every draw and combination far more
	// effective: at WTP 0 monotherapy is adopted, at 25,000/LY combination.
	if sm.CEAF[0] != "monotherapy" || sm.CEAF[50] != "combination" {
		t.Errorf("CEAF %v", sm.CEAF)
	}
	if len(sm.CEPlane) != 1 || len(sm.CEPlane[0].IncCost) != 39 {
		t.Fatalf("CE plane %+v", sm.CEPlane)
	}
	if got, want := float64(sm.CEPlane[0].IncCost[3]), sums[4].Scalars["combination_inc_cost"]; got != want {
		t.Errorf("CE plane point 3 (run 4) ΔC = %v, want %v", got, want)
	}
	// The PSA means stay near the deterministic model (the mean ICER of the
	// hesim vignette's 1,000 draws is close to the deterministic 6,276).
	inc := sm.Increments[0]
	if icer := float64(inc.ICER); icer < 4000 || icer > 9000 {
		t.Errorf("mean ICER %v, expected near 6,276", icer)
	}
	if !(inc.IncEffect.Lo < inc.IncEffect.Mean && inc.IncEffect.Mean < inc.IncEffect.Hi) {
		t.Errorf("ΔE interval %+v", inc.IncEffect)
	}
	if sm.Frontier[0].Status != "reference" || sm.Frontier[1].Versus != "monotherapy" {
		t.Errorf("frontier %+v", sm.Frontier)
	}
}
