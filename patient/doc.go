// Package patient is mdtwin's patient layer: the patient record (everything
// the patient store holds about one pseudonymous patient: demographics,
// encounters, observations, conditions, therapies, procedures, diagnostic
// reports, imaging and derived assets, and the predictions made for them),
// and, in sub-packages, its ingest from FHIR R4 files, FHIR servers and
// registry CSV tables (patient/ingest), the SMART on FHIR client side
// (patient/smart), the code and unit mappings (patient/terminology), the
// export to the OMOP CDM (patient/omop) and a FHIR and SMART server for
// tests (patient/fhirtest).
//
// Usage:
//
//	ps, err := store.OpenPatients(path, "mdtwin serve")
//	...
//	rec, err := ps.Record(ctx, pid) // each table read is audited
//	edss := rec.Series(patient.SystemMS, patient.CodeEDSS)
package patient
