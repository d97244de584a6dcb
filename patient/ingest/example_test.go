package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/ingest"
	"github.com/mdtwin/mdtwin/store"
)

// Ingest an MS registry export through its column mapping, then read one
// patient's EDSS history.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "mdtwin-example")
	defer os.RemoveAll(dir)
	ps, err := store.OpenPatients(filepath.Join(dir, "store.sqlite"), "example")
	if err != nil {
		panic(err)
	}
	defer ps.Close()
	sums, err := ingest.File(ctx, ps, "../testdata/ms_registry.toml")
	if err != nil {
		panic(err)
	}
	for _, s := range sums {
		fmt.Printf("%s: %d added, %d failed\n", filepath.Base(s.File), s.Added, s.Failed)
	}
	rec, err := ps.Record(ctx, ps.Pseudonym("urn:example:ms-registry", "urn:example:ms-registry|MS-0002"))
	if err != nil {
		panic(err)
	}
	for _, o := range rec.Series(patient.SystemMS, patient.CodeEDSS) {
		fmt.Println(o.Time, *o.Value)
	}
	// Output:
	// ms_registry_patients.csv [patient]: 3 added, 0 failed
	// ms_registry_patients.csv [condition]: 3 added, 0 failed
	// ms_registry_edss.csv: 10 added, 0 failed
	// ms_registry_relapses.csv: 4 added, 0 failed
	// ms_registry_therapies.csv: 5 added, 0 failed
	// 2009-02-17 2
	// 2011-03-01 3
	// 2014-02-25 3.5
}
