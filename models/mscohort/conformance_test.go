package mscohort_test

import (
	"testing"

	"github.com/mdtwin/mdtwin/models/mscohort"
	"github.com/mdtwin/mdtwin/models/pluginsdk/pluginsdktest"
)

// TestConformance runs the plugin SDK's conformance suite on the model with
// its default inputs (two strategies): the descriptor, every mode, timing
// and switch, determinism, seeds, bounds, artifacts, the gRPC round trip
// and cancellation.
func TestConformance(t *testing.T) {
	pluginsdktest.Conformance(t, mscohort.Model{})
}
