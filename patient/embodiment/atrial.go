package embodiment

import (
	"errors"
	"fmt"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/scenarios"
)

func init() {
	Register("atrial", func(p *Personalisation, sc *scenarios.Scenario, rec *patient.Record, opt Options) error {
		return p.atrial(sc, rec)
	})
}

// AssetAtrialMesh is the asset kind of a patient's left-atrium mesh: a file
// mesh.ReadFile reads (VTK legacy or XML, PLY, OBJ, openCARP), in mm,
// optionally carrying a late-gadolinium-enhancement image-intensity-ratio
// field per cell or per node (see FibrosisFieldNames).
const AssetAtrialMesh = "atrial-mesh"

// FibrosisFieldNames are the field names taken, in this order, as an LGE
// image-intensity ratio (IIR) on the atrial mesh; the atrial model turns it
// into fibrosis with its IIR thresholds (1.2 fibrotic, 1.32 dense; Benito
// et al. 2017, as in shared/reference/atrial.md).
var FibrosisFieldNames = []string{"IIR", "iir", "LGE_IIR", "lge_iir", "LGE", "lge"}

// AtrialAssets is what a patient's record gives the atrial model.
type AtrialAssets struct {
	Mesh          string // local path of the mesh file
	FibrosisField string // the mesh's IIR field, "" when it has none
	Points, Cells int
}

// Atrial reads the patient's latest atrial mesh asset (by time, then id),
// checks its checksum and that it reads as a mesh, and finds its IIR field.
func Atrial(rec *patient.Record) (*AtrialAssets, error) {
	var latest *patient.Asset
	for i, a := range rec.Assets {
		if a.Kind == AssetAtrialMesh && (latest == nil || a.Time > latest.Time || (a.Time == latest.Time && a.ID > latest.ID)) {
			latest = &rec.Assets[i]
		}
	}
	if latest == nil {
		return nil, errors.New("no atrial mesh asset in the record (kind \"atrial-mesh\": a left-atrium mesh file)")
	}
	path, err := assetFile(*latest)
	if err != nil {
		return nil, err
	}
	m, err := mesh.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("atrial mesh asset %d: %v", latest.ID, err)
	}
	aa := &AtrialAssets{Mesh: path, Points: len(m.Points), Cells: m.NumCells()}
	for _, name := range FibrosisFieldNames {
		if m.CellField(name) != nil || m.PointField(name) != nil {
			aa.FibrosisField = name
			break
		}
	}
	return aa, nil
}

// atrial personalises an atrial scenario: the patient's mesh replaces the
// generated one, and its IIR field, if any, gives the fibrosis.
func (p *Personalisation) atrial(sc *scenarios.Scenario, rec *patient.Record) error {
	aa, err := Atrial(rec)
	if err != nil {
		return err
	}
	p.Atrial = aa
	p.Params["mesh"] = atrial.MeshFile
	p.Inputs["mesh"] = aa.Mesh
	p.note("Atrial mesh %s (%d points, %d elements).", aa.Mesh, aa.Points, aa.Cells)
	if aa.FibrosisField == "" {
		p.note("The mesh has no LGE intensity-ratio field (%v): the scenario's fibrosis settings are kept.", FibrosisFieldNames)
		return nil
	}
	p.Inputs["fibrosis_field"] = aa.FibrosisField
	// The patient's field replaces any generated fibrosis of the scenario
	// (the model takes one or the other).
	if pat, ok := sc.Params["fibrosis_pattern"]; ok && pat != "none" {
		p.Params["fibrosis_pattern"] = "none"
		p.note("Fibrosis from the mesh's LGE intensity-ratio field %q, in place of the scenario's generated %v fibrosis.", aa.FibrosisField, pat)
		return nil
	}
	p.note("Fibrosis from the mesh's LGE intensity-ratio field %q.", aa.FibrosisField)
	return nil
}
