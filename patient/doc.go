// Package patient is mdtwin's patient layer: the patient record (everything
// the patient store holds about one pseudonymous patient: demographics,
// encounters, observations, conditions, therapies, procedures, diagnostic
// reports, imaging and derived assets, and the predictions made for them),
// and, in sub-packages, its ingest from FHIR R4 and registry CSV tables
// (patient/ingest).
//
// Usage:
//
//	ps, err := store.OpenPatients(path, "mdtwin serve")
//	...
//	rec, err := ps.Record(ctx, pid) // each table read is audited
//	edss := rec.Series(patient.SystemMS, patient.CodeEDSS)
package patient
