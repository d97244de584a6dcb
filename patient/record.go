package patient

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	Patient      Patient
	Encounters   []Encounter
	Observations []Observation // components included, with their ParentID
	Conditions   []Condition
	Therapies    []Therapy
	Procedures   []Procedure
	Reports      []Report
	Assets       []Asset
	Predictions  []Prediction
	Studies      []Study // the studies of Predictions
}

// Series returns the patient's observations coded system|code (in any of
// their codings), in time order.
func (r *Record) Series(system, code string) []Observation {
	var out []Observation
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
// Writer.PutAsset once PatientID is set.
func FileAsset(path, kind string) (Asset, error) {
	f, err := os.Open(path)
	if err != nil {
		return Asset{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Asset{}, fmt.Errorf("%s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return Asset{}, err
	}
	return Asset{Kind: kind, Description: filepath.Base(path), URI: "file://" + filepath.ToSlash(abs),
		SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: n}, nil
}
