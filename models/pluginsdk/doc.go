// Package pluginsdk is what a third-party model author imports to ship a
// model as an mdtwin plugin: a separate binary that mdtwin starts as worker
// processes and talks to over gRPC (hashicorp/go-plugin). It also holds the
// host side of the protocol (Launch, Client, Remote), which workers/plugin
// builds on.
//
// # Writing a model plugin
//
// 1. Write the model as a Go type implementing models.Model, in a package of
// its own so that it can be tested (and used in-process) without the
// plugin machinery. Describe returns a models.Descriptor: a lower-case name,
// a Version, a Doc with the model's source, every parameter with its Kind,
// Unit, Default, Min/Max bounds and Doc, and every scalar output. Run must be
// deterministic given its RunSpec: draw random numbers only from a generator
// seeded with spec.Seed (math/rand/v2, rand.New(rand.NewPCG(spec.Seed, 0))),
// keep no state between runs, write files only below spec.Dir (and list them
// in Result.Artifacts, relative to it), and return ctx.Err() when ctx ends
// during a long computation. Structured inputs arrive as JSON in
// spec.Inputs; document their shape in the model's Doc.
//
// 2. Test it, and run the conformance suite of package pluginsdktest, which
// checks the contract above and the round trip of descriptor and results
// through the real gRPC protocol:
//
//	func TestConformance(t *testing.T) { pluginsdktest.Conformance(t, mymodel.Model{}) }
//
// 3. Write the plugin's main, which only serves the model (one binary may
// serve several models):
//
//	package main
//
//	import (
//		"example.org/mymodel"
//		"github.com/mdtwin/mdtwin/models/pluginsdk"
//	)
//
//	func main() { pluginsdk.Serve(mymodel.Model{}) }
//
// Never write to stdout before Serve, not even in an init function: go-plugin
// uses stdout for its handshake, and one stray line makes the host reject the
// binary ("Unrecognized remote plugin message"). Log with Logger, which
// writes hclog-shaped JSON to stderr; the host turns each line back into a
// log record at the same level, tagged with the plugin's path. After Serve,
// anything printed to stdout or stderr is forwarded to the host's log too.
//
// 4. Build the binary under the name mdtwin-model-<name> in the folder where
// mdtwin looks for plugins:
//
//	go build -o plugins/mdtwin-model-emax ./examples/plugin-emax
//
// Run by hand, the binary only explains that it is a plugin and exits with
// status 1. examples/plugin-emax is a complete example: the sigmoid Emax
// model, its tests and its main.
//
// # How runs travel
//
// The host sends runs in batches (RunRequest: a model name and a list of
// RunSpec) because one gRPC call costs about 0.2 ms; the plugin runs a batch
// sequentially (a worker process is one core's worth of work) and answers
// with one reply per run, a Result or the model's error message. A panic in
// Run is recovered and becomes that run's error. Parameter values travel as a
// oneof of double, int64, bool and string; floats travel as IEEE 754 bit
// patterns, so results arrive bit-identical to an in-process run. Messages
// may be up to MaxMessageSize (1 GiB) each way. Progress reports
// (models.Observer) are not forwarded: a plugin's Run receives a nil
// Observer.
//
// The protocol is defined in proto/model/v1/model.proto; the generated Go
// code is committed next to it. To regenerate it, see proto/gen.sh (run by
// go generate). All translation between the domain types of package models
// and the wire types is in translation.go.
//
// # Host side
//
// Launch starts a plugin binary (gRPC only, automatic mutual TLS, killed with
// the host on Linux) and returns a Process, whose Client runs batches;
// Remote adapts one model of a Client to models.Model.
package pluginsdk

//go:generate sh proto/gen.sh
