package optima

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/scenarios"
)

// prepaced returns round r's study rsc with every pacing site branching
// from one pre-paced state, when [inputs.optima] prepace_beats > 0: it
// first runs the round's pre-pacing study into <out>/round-NN-prepace —
// prepace_beats beats every prepace_bcl_ms from the round's first pacing
// site on the round's substrate, writing its state at the end
// (atrial.CheckpointFile) — and then derives rsc so that each site run
// starts from that checkpoint at its time t₀ (OPTIMA's pre-pacing to a
// steady rhythm, done once per round instead of once per site): the site's
// burst starts at t₀ (initial.pacing_start_ms), the run lasts its
// duration_ms after t₀ and phase tracking starts phase_start_ms after t₀.
// Without prepace_beats it returns rsc.
func prepaced(ctx context.Context, sc, rsc *scenarios.Scenario, params models.Params, set Settings, r int, inputs json.RawMessage,
	sites []mgl64.Vec3, opt Options) (*scenarios.Scenario, error) {
	if set.PrepaceBeats == 0 {
		return rsc, nil
	}
	t0 := float64(set.PrepaceBeats) * set.PrepaceBCLMS
	obj := map[string]json.RawMessage{}
	if len(inputs) > 0 && string(inputs) != "null" {
		if err := json.Unmarshal(inputs, &obj); err != nil {
			return nil, err
		}
	}
	// the pre-pacing is a plain S1 train: no burst protocol of the sites
	pin := map[string]any{"checkpoint_ms": t0, "decremental": nil, "restitution": nil}
	if ls, ok := obj["lesions"]; ok {
		pin["lesions"] = ls
	}
	s := sites[0]
	psc, err := sc.Derive(scenarios.Derivation{Why: fmt.Sprintf("optima round %d pre-pacing", r), Inputs: pin,
		Params: map[string]any{"stim_x_mm": s[0], "stim_y_mm": s[1], "stim_z_mm": s[2], "s2_ms": 0.0,
			"n_beats": int64(set.PrepaceBeats), "bcl_ms": set.PrepaceBCLMS, "duration_ms": t0, "phase": atrial.PhaseNone}})
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(opt.OutDir, fmt.Sprintf("round-%02d-prepace", r))
	rep, err := opt.Execute(ctx, psc, dir, opt.Resume)
	if err != nil {
		return nil, fmt.Errorf("round %d pre-pacing: %w", r, err)
	}
	if rep.Done == 0 {
		return nil, fmt.Errorf("round %d pre-pacing failed (see %s)", r, filepath.Join(dir, "summary.json"))
	}
	rows, err := readCSV(filepath.Join(dir, "results.csv"))
	if err != nil || len(rows) < 2 || len(rows[0]) == 0 || rows[0][0] != "run_id" {
		return nil, fmt.Errorf("round %d pre-pacing: no run in %s (%v)", r, filepath.Join(dir, "results.csv"), err)
	}
	ck, err := filepath.Abs(filepath.Join(dir, "runs", rows[1][0], atrial.CheckpointFile))
	if err != nil {
		return nil, err
	}
	return rsc.Derive(scenarios.Derivation{Why: fmt.Sprintf("optima round %d from pre-paced state", r),
		Inputs: map[string]any{"initial": map[string]any{"checkpoint": ck, "pacing_start_ms": t0}},
		Params: map[string]any{"duration_ms": t0 + params.Float("duration_ms"), "phase_start_ms": t0 + params.Float("phase_start_ms")}})
}
