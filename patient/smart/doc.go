// Package smart is mdtwin's side of HL7 SMART App Launch 2.x (App Launch
// IG 2.2.0) and of SMART Backend Services: discovery of a FHIR server's
// authorization endpoints through [base]/.well-known/smart-configuration,
// the authorization code flow with PKCE (S256) for an EHR launch (launch +
// iss) or a standalone launch, token refresh, and the client_credentials
// grant with a private_key_jwt client assertion signed RS384 or ES384 (the
// algorithms the Bulk Data Access IG requires servers to support), with
// the JSON Web Keys (RFC 7517) and JSON Web Tokens (RFC 7519) these need.
//
// Every response read from a server is bounded (MaxResponseBytes) and
// checked: a configuration must name https endpoints (http only on
// loopback), a token response a bearer token. Errors are one line.
package smart
