// Package ingest adds patient records to the patient store (store.Patients):
// FHIR R4 Bundles (transaction, batch, collection; JSON), FHIR bulk-data
// NDJSON exports, and registry CSV tables through a column mapping (TOML).
//
// Stored types: Patient, Encounter, Observation (components as rows of
// their own), Condition, MedicationRequest and MedicationStatement (as
// therapies), Procedure, DiagnosticReport (linked to its result
// observations), ImagingStudy (as an imaging-study asset). Other FHIR R4
// types are counted as skipped; a type that is not an R4 resource is an
// error. Codings are all kept, LOINC, SNOMED CT and RxNorm first.
//
// References resolve in this order: urn:uuid/urn:oid to the bundle's
// fullUrls; "<Type>/<id>" (relative or absolute) to the same file, then the
// store; "Patient?identifier=system|value" to that identifier's pseudonym.
// Every urn: and "#" reference of a stored resource must resolve.
//
// Each entry (bundle entry, NDJSON line, CSV row) is written under its own
// savepoint: a failing one (invalid JSON, unknown type, broken reference,
// impossible date, wrong JSON type) is reported as a *Problem with its
// index or line and fullUrl and leaves nothing behind, while the others are
// stored. Records are keyed by their source "<Type>/<id>" (a keyed hash of
// it), so ingesting the same file twice adds nothing, and a changed record
// is updated in place.
package ingest
