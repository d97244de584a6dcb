// Package fhirtest is a FHIR R4 server with a SMART authorization server,
// on loopback, for tests (as net/http/httptest is for HTTP): it serves the
// resources of FHIR bundles through the FHIR REST API (read, and
// Patient/[id]/$everything as a paged searchset), the Bulk Data Access IG
// 2.0 ($export kick-off with Prefer: respond-async, status polling with
// Retry-After and X-Progress, a completion manifest, NDJSON downloads,
// DELETE of a job), and SMART App Launch 2.2.0 (.well-known
// smart-configuration, EHR and standalone launch, authorization code with
// PKCE S256, refresh tokens, an OpenID Connect id_token with fhirUser,
// Backend Services client_credentials with a JWT client assertion checked
// against the client's JWKS). It plays the EHR too: /ehr opens a SMART app
// in an iframe with a launch id and iss, as an EHR does.
//
// No package in the Debian or npm registries provides such a server that
// runs offline here (HAPI FHIR and the SMART launcher need downloads of
// their own); the specifications' example exchanges are fixtures of its
// tests (testdata/). Authorization is automatic (no login page): the
// server approves each valid request for its configured user.
package fhirtest
