package calibrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/mdtwin/mdtwin/engine"
)

// StateFile, in the output folder, is the calibration so far: the
// scenario's hash, the settings, the finished populations (ABC-SMC) or
// rounds (optimisation). It is replaced atomically after each of them, so
// that a calibration killed at any moment resumes at its last population.
const StateFile = "calibration-state.json"

// State is StateFile.
type State struct {
	ScenarioHash string       `json:"scenario_hash"`
	Model        string       `json:"model"`
	ModelVersion string       `json:"model_version"`
	Settings     settings     `json:"settings"`
	Populations  []Population `json:"populations,omitempty"`
}

// start returns the state to continue: a new one, or with opt.Resume the
// one in the output folder after checking it belongs to this scenario and
// model. Without Resume the folder must be empty or absent.
func (c *calibration) start() (*State, error) {
	fresh := &State{ScenarioHash: c.pr.sc.Hash, Model: c.pr.desc.Name, ModelVersion: c.pr.desc.Version, Settings: c.pr.set}
	dir := c.opt.OutDir
	ents, err := os.ReadDir(dir)
	ents = slices.DeleteFunc(ents, func(e fs.DirEntry) bool { return e.Name() == engine.LockFile })
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, &engine.InputError{Msg: fmt.Sprintf("output folder %s: %v", dir, err)}
	case len(ents) > 0 && !c.opt.Resume:
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: the output folder is not empty; use --resume to continue the calibration recorded there, or another --out", dir)}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &engine.InputError{Msg: fmt.Sprintf("output folder %s: %v", dir, err)}
	}
	if !c.opt.Resume {
		return fresh, nil
	}
	path := filepath.Join(dir, StateFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if len(ents) > 0 && !onlyStudies(ents) {
			return nil, &engine.InputError{Msg: fmt.Sprintf("%s: cannot resume: the folder holds no calibration (%s); use another --out", dir, StateFile)}
		}
		return fresh, nil // killed before the first population ended: its studies resume
	}
	if err != nil {
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: cannot resume: %v", path, err)}
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: cannot resume: %v", path, err)}
	}
	switch {
	case st.ScenarioHash != fresh.ScenarioHash:
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: cannot resume: the calibration there was started from another scenario (SHA-256 %.12s…, this one %.12s…); use another --out for a changed scenario",
			dir, st.ScenarioHash, fresh.ScenarioHash)}
	case st.Model != fresh.Model || st.ModelVersion != fresh.ModelVersion:
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: cannot resume: the calibration there ran model %s %s, this is %s %s; use another --out",
			dir, st.Model, st.ModelVersion, fresh.Model, fresh.ModelVersion)}
	case st.Settings != fresh.Settings:
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: cannot resume: the calibration there has settings %+v, these are %+v", dir, st.Settings, fresh.Settings)}
	}
	return &st, nil
}

// onlyStudies reports whether a folder holds nothing but the studies of a
// calibration that had not finished its first population.
func onlyStudies(ents []fs.DirEntry) bool {
	for _, e := range ents {
		if !e.IsDir() || (len(e.Name()) < 4 || e.Name()[:4] != "pop-") && (len(e.Name()) < 6 || e.Name()[:6] != "round-") {
			return false
		}
	}
	return true
}

// save replaces the state file.
func (c *calibration) save(st *State) error {
	return writeJSON(filepath.Join(c.opt.OutDir, StateFile), st)
}

// writeJSON writes v as indented JSON to path atomically: a temporary file
// in the same folder, synced, renamed over it.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, append(b, '\n'))
}

// writeFile writes data to path atomically.
func writeFile(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
