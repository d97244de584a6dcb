// Package ingest adds patient records to the patient store (store.Patients):
// FHIR R4 Bundles (transaction, batch, collection; JSON), FHIR bulk-data
// NDJSON exports, and registry CSV tables through a column mapping (TOML).
//
// Stored types: Patient, Encounter, Observation (components as rows of
// their own), Condition, MedicationRequest and MedicationStatement (as
// therapies), Immunization (a therapy of one day), AllergyIntolerance (an
// observation of category allergy), QuestionnaireResponse (an observation
// of category survey whose components are its score items, see
// patient/terminology), Procedure, DiagnosticReport (linked to its result
// observations), ImagingStudy (as an imaging-study asset). Other FHIR R4
// types are counted as skipped; a type that is not an R4 resource is an
// error. Codings are all kept, LOINC, SNOMED CT and RxNorm first.
//
// References resolve in this order: urn:uuid/urn:oid to the bundle's
// fullUrls; "<Type>/<id>" (relative or absolute) to the same file, then the
// store; "Patient?identifier=system|value" to that identifier's pseudonym.
// Every urn: and "#" reference of a stored resource must resolve.
//
// Every record is keyed on (source, type, id) and every pseudonym derives
// from (source, identifier), so two hospitals' Patient/1 stay apart. An
// entry's source is its resource's meta.source, else the bundle's, else
// Options.Source (--source), else the identifier system all the file's
// patients share (a registry mapping's identifier_system); a file with
// none is refused.
//
// Each entry (bundle entry, NDJSON line, CSV row) is written under its own
// savepoint: a failing one (invalid JSON or UTF-8, unknown type, broken
// reference, impossible date, a code outside its FHIR value set, a
// duplicate fullUrl or id, a field or resource over its size cap) is
// reported as a *Problem with its index or line and fullUrl and leaves
// nothing behind, while the others are stored; a transaction bundle is all
// or nothing. FHIR STU3 and DSTU2 files are refused, naming the version.
// Ingesting the same file twice adds nothing, and a changed record is
// updated in place.
//
// Records also come from FHIR servers (Remote): one patient's with
// Patient/[id]/$everything (Options.Everything, every page), a group's
// with a Bulk Data export (Options.BulkExport: kick-off, polling, NDJSON
// downloads, resumable from its folder), authorised by a bearer token or
// SMART Backend Services; and from NDJSON streams that stay open
// (Options.Stream, stored in batches).
package ingest
