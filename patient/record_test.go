package patient_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mdtwin/mdtwin/patient"

	"github.com/mdtwin/mdtwin/store"
)

func TestFileAssetAndLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mesh := filepath.Join(dir, "la.vtk")
	os.WriteFile(mesh, []byte("abc"), 0o644)
	a, err := patient.FileAsset(mesh, "mesh")
	// sha256("abc"), FIPS 180-2 appendix B.1.
	if err != nil || a.SHA256 != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" || a.Bytes != 3 {
		t.Fatalf("FileAsset: %+v %v", a, err)
	}
	ps, err := store.OpenPatients(filepath.Join(dir, "s.sqlite"), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	w, _ := ps.Begin(ctx)
	pid, _, err := w.PutPatient(ctx, store.Ref{Source: "urn:test", ID: "Patient/1"}, "sys|1", patient.Patient{Sex: "female"})
	if err != nil {
		t.Fatal(err)
	}
	a.PatientID = pid
	if _, _, err := w.PutAsset(ctx, store.Ref{Source: "urn:test", ID: "mesh:la"}, a); err != nil {
		t.Fatal(err)
	}
	w.Commit()
	rec, err := ps.Record(ctx, pid)
	if err != nil || len(rec.Assets) != 1 || rec.Assets[0].SHA256 != a.SHA256 || rec.Assets[0].Kind != "mesh" {
		t.Fatalf("Record: %+v %v", rec, err)
	}
	if _, err := ps.Record(ctx, "pnobody"); err == nil {
		t.Error("Record of an unknown patient succeeded")
	}
}
