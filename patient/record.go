package patient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mdtwin/mdtwin/store"
)

// Code systems and codes the patient layer relies on.
const (
	SystemLOINC  = "http://loinc.org"
	SystemSNOMED = "http://snomed.info/sct"
	SystemRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm"

	// SystemMS is mdtwin's own code system for MS registry items that have
	// no code in the registry export (a local system, not a standard one).
	SystemMS = "urn:mdtwin:ms"
	// CodeEDSS is an Expanded Disability Status Scale score (0–10) in SystemMS.
	CodeEDSS = "edss"
	// CodeRelapse is an MS relapse (a condition with onset and recovery) in SystemMS.
	CodeRelapse = "relapse"
)

// Record is everything the patient store holds about one patient.
type Record struct {
	Patient      store.Patient
	Encounters   []store.Encounter
	Observations []store.Observation // components included, with their ParentID
	Conditions   []store.Condition
	Therapies    []store.Therapy
	Procedures   []store.Procedure
	Reports      []store.Report
	Assets       []store.Asset
	Predictions  []store.Prediction
	Studies      []store.Study // the studies of Predictions
}

// Load reads the record of patient pid. Each table read is recorded in the
// store's audit log under the store's actor.
func Load(ctx context.Context, ps *store.Patients, pid string) (*Record, error) {
	pt, ok, err := ps.Patient(ctx, pid)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no patient %q in the store", pid)
	}
	r := &Record{Patient: pt}
	if r.Encounters, err = ps.Encounters(ctx, pid); err != nil {
		return nil, err
	}
	if r.Observations, err = ps.Observations(ctx, pid); err != nil {
		return nil, err
	}
	if r.Conditions, err = ps.Conditions(ctx, pid); err != nil {
		return nil, err
	}
	if r.Therapies, err = ps.Therapies(ctx, pid); err != nil {
		return nil, err
	}
	if r.Procedures, err = ps.Procedures(ctx, pid); err != nil {
		return nil, err
	}
	if r.Reports, err = ps.Reports(ctx, pid); err != nil {
		return nil, err
	}
	if r.Assets, err = ps.Assets(ctx, pid); err != nil {
		return nil, err
	}
	if r.Predictions, err = ps.Predictions(ctx, pid); err != nil {
		return nil, err
	}
	var ids []int64
	seen := map[int64]bool{}
	for _, p := range r.Predictions {
		if !seen[p.StudyID] {
			seen[p.StudyID] = true
			ids = append(ids, p.StudyID)
		}
	}
	if len(ids) > 0 {
		if r.Studies, err = ps.Studies(ctx, ids...); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Series returns the patient's observations coded system|code (in any of
// their codings), in time order.
func (r *Record) Series(system, code string) []store.Observation {
	var out []store.Observation
	for _, o := range r.Observations {
		for _, c := range o.Code {
			if c.System == system && c.Code == code {
				out = append(out, o)
				break
			}
		}
	}
	return out
}

// FileAsset describes the file at path as an asset of the given kind (mesh,
// connectome, field, ...) with its size and SHA-256 checksum, ready for
// store.Writer.PutAsset once PatientID is set.
func FileAsset(path, kind string) (store.Asset, error) {
	f, err := os.Open(path)
	if err != nil {
		return store.Asset{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return store.Asset{}, fmt.Errorf("%s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return store.Asset{}, err
	}
	return store.Asset{Kind: kind, Description: filepath.Base(path), URI: "file://" + filepath.ToSlash(abs),
		SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: n}, nil
}
