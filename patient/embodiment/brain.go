package embodiment

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/mdtwin/mdtwin/models/brain"
	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/scenarios"
)

func init() {
	Register("brain", func(p *Personalisation, sc *scenarios.Scenario, rec *patient.Record, opt Options) error {
		return p.brain(sc, rec)
	})
}

// Asset kinds the brain embodiment reads.
const (
	AssetConnectome   = "connectome"    // a TVB connectivity zip or folder
	AssetSEEGContacts = "seeg-contacts" // SEEG contacts, "label x y z" (mm) per line
	AssetSEEGGain     = "seeg-gain"     // a contacts × regions gain matrix
	AssetEZHypothesis = "ez-hypothesis" // TOML: [hypotheses.<name>] ez, pz and [resections]
)

// EpilepsyAssets is what a patient's record gives the brain model: local
// file paths and the EZ hypotheses and candidate resections.
type EpilepsyAssets struct {
	Connectivity string
	SEEG         string // "" when the record has no SEEG contacts
	SEEGGain     string // "" when the record has no gain matrix
	Hypotheses   map[string]brain.Hypothesis
	Resections   map[string][]string
}

// Epilepsy reads the patient's brain assets: the latest asset of each kind
// (by time, then id). Each file must exist and match the SHA-256 the store
// recorded. A connectome is required.
func Epilepsy(rec *patient.Record) (*EpilepsyAssets, error) {
	latest := map[string]patient.Asset{}
	for _, a := range rec.Assets {
		if b, ok := latest[a.Kind]; !ok || a.Time > b.Time || (a.Time == b.Time && a.ID > b.ID) {
			latest[a.Kind] = a
		}
	}
	ea := &EpilepsyAssets{}
	for _, k := range []struct {
		kind string
		dst  *string
	}{{AssetConnectome, &ea.Connectivity}, {AssetSEEGContacts, &ea.SEEG}, {AssetSEEGGain, &ea.SEEGGain}} {
		a, ok := latest[k.kind]
		if !ok {
			continue
		}
		path, err := assetFile(a)
		if err != nil {
			return nil, err
		}
		*k.dst = path
	}
	if ea.Connectivity == "" {
		return nil, errors.New("no connectome asset in the record (kind \"connectome\": a TVB connectivity zip)")
	}
	if a, ok := latest[AssetEZHypothesis]; ok {
		path, err := assetFile(a)
		if err != nil {
			return nil, err
		}
		var h struct {
			Hypotheses map[string]brain.Hypothesis `toml:"hypotheses"`
			Resections map[string][]string         `toml:"resections"`
		}
		md, err := toml.DecodeFile(path, &h)
		if err != nil {
			return nil, fmt.Errorf("EZ hypothesis asset %s: %v", path, err)
		}
		if u := md.Undecoded(); len(u) > 0 {
			return nil, fmt.Errorf("EZ hypothesis asset %s: unknown key %q (expected [hypotheses.<name>] ez, pz and [resections])", path, u[0].String())
		}
		if len(h.Hypotheses) == 0 {
			return nil, fmt.Errorf("EZ hypothesis asset %s: no [hypotheses.<name>] table", path)
		}
		ea.Hypotheses, ea.Resections = h.Hypotheses, h.Resections
	}
	return ea, nil
}

// assetFile returns the local path of a file asset after checking that it
// still has the checksum the store recorded.
func assetFile(a patient.Asset) (string, error) {
	u, err := url.Parse(a.URI)
	if err != nil || u.Scheme != "file" || u.Path == "" {
		return "", fmt.Errorf("%s asset %d: URI %q is not a file:// URI", a.Kind, a.ID, a.URI)
	}
	f, err := os.Open(u.Path)
	if err != nil {
		return "", fmt.Errorf("%s asset %d: %v", a.Kind, a.ID, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s asset %d: %v", a.Kind, a.ID, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, a.SHA256) {
		return "", fmt.Errorf("%s asset %d: %s changed since it was stored (SHA-256 %s, the store has %s)", a.Kind, a.ID, u.Path, got, a.SHA256)
	}
	return u.Path, nil
}

// brain personalises a brain scenario: the record's files and hypotheses
// replace the scenario's.
func (p *Personalisation) brain(sc *scenarios.Scenario, rec *patient.Record) error {
	ea, err := Epilepsy(rec)
	if err != nil {
		return err
	}
	p.Epilepsy = ea
	p.Inputs["connectivity"] = ea.Connectivity
	p.note("Connectome %s.", ea.Connectivity)
	if ea.SEEG != "" {
		p.Inputs["seeg"] = ea.SEEG
		p.note("SEEG contacts %s.", ea.SEEG)
	}
	if ea.SEEGGain != "" {
		p.Inputs["seeg_gain"] = ea.SEEGGain
		p.note("SEEG gain matrix %s.", ea.SEEGGain)
	}
	if ea.Hypotheses == nil {
		p.note("No EZ hypothesis asset: the scenario's hypotheses and resections are kept.")
		return nil
	}
	hyps := map[string]any{}
	for name, h := range ea.Hypotheses {
		hyps[name] = map[string]any{"ez": h.EZ, "pz": h.PZ}
	}
	p.Inputs["hypotheses"] = hyps
	res := map[string]any{}
	for name, r := range ea.Resections {
		res[name] = r
	}
	p.Inputs["resections"] = res
	names := sortedKeys(ea.Hypotheses)
	p.note("EZ hypotheses from the record: %s; candidate resections: %s.", strings.Join(names, ", "), strings.Join(sortedKeys(ea.Resections), ", "))
	if cur, ok := sc.Params["hypothesis"].(string); !ok || !slices.Contains(names, cur) {
		if len(names) != 1 {
			return fmt.Errorf("the scenario's hypothesis %q is not among the record's (%s): set [params] hypothesis to one of them", cur, strings.Join(names, ", "))
		}
		p.Params["hypothesis"] = names[0]
		p.note("Hypothesis %s selected: the record has only this one.", names[0])
	}
	return nil
}
