package prediction

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/mdtwin/mdtwin/scenarios"
)

// PosteriorFile and PosteriorInfoFile, in a study's output folder, keep
// the posterior that fed a study of the posterior design: a copy of the
// posterior.csv and where it came from. A prediction stored for a patient
// (Record) names the output folder, so the posterior stays with it; the
// scenario hash stored with it covers the posterior's bytes.
const (
	PosteriorFile     = "posterior.csv"
	PosteriorInfoFile = "posterior.json"
)

// savePosterior writes PosteriorFile and PosteriorInfoFile into out when
// sc draws its design points from a posterior, atomically.
func savePosterior(sc *scenarios.Scenario, out string) error {
	if sc.Sweep == nil || sc.Sweep.Posterior == nil {
		return nil
	}
	ps := sc.Sweep.Posterior
	b, err := os.ReadFile(ps.Path)
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(out, PosteriorFile), b); err != nil {
		return err
	}
	abs, _ := filepath.Abs(ps.Path)
	info, err := json.MarshalIndent(map[string]any{
		"posterior": ps.File, "path": abs, "sha256": ps.SHA256, "particles": len(ps.Weights),
		"params": ps.Params, "samples": sc.Sweep.Samples, "scenario_hash": sc.Hash,
	}, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(out, PosteriorInfoFile), append(info, '\n'))
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
