// Package pluginsdktest helps model authors test a model before shipping it
// as a plugin, the way net/http/httptest helps with handlers.
//
// Conformance runs the checks every mdtwin model must pass (descriptor,
// outputs, determinism, seeding, bounds, artifacts, the gRPC round trip and
// cancellation); DiffResults compares two results bit for bit.
package pluginsdktest
