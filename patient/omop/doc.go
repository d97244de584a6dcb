// Package omop exports the patient store to the OMOP Common Data Model
// (CDM v5.4): the tables person, observation_period, visit_occurrence,
// condition_occurrence, drug_exposure, measurement and observation, each
// as CSV and as Parquet.
//
// The mapping follows the rules of OHDSI's ETL-Synthea (its v5.4 SQL):
// gender male/female to 8507/8532; one observation period per person from
// the first encounter's start to the last one's end (type 32882);
// ambulatory, wellness and outpatient encounters to outpatient visits
// (9202) grouped by start, emergency and urgent care to emergency room
// visits (9203), inpatient stays (9201) merged when at most a day apart
// (visit type 32827); conditions and observations routed by the domain of
// their standard concept; prescriptions to drug_exposure with type 32838
// (end = stop, else start; days_supply = stop − start), immunizations with
// type 32827 on their day; observations of the Observation domain and
// conditions of that domain with type 38000280, allergies with 32827.
// Concept ids come from the vocabulary subset that patient/terminology
// ships; a code it does not cover exports with concept id 0 (in the table
// of its resource's natural domain) and its code as the source value,
// where ETL-Synthea, joining on a full vocabulary, would drop the row.
// Source values are always kept.
//
// Ids are pseudonymous: person_source_value is the store's pseudonym, and
// the other ids are numbers the export assigns; no identifier of a source
// system leaves the store. Every record read is audited.
package omop
