// Package plugin is the workers.Backend that runs models in a pool of
// model-plugin worker processes, over hashicorp/go-plugin gRPC (see
// models/pluginsdk for the plugin side).
//
// Each worker is one process (one core's worth of work) and one goroutine.
// The goroutine takes up to a batch of tasks from the front of the FIFO
// queue, sends them to its process in a single Run call (the plugin runs
// them one after the other) and reports one Outcome per task. Batching
// spreads the cost of a call (≈ 0.2 ms) over many small runs; with
// Options.Batch 0 the batch adapts to the measured run time, so that long
// runs go one per call and keep the workers evenly loaded.
//
// A worker process that dies (crash, OOM kill, kill -9) costs no run: every
// task of its batch in flight is reported with Lost set, for the engine to
// retry, and the process is replaced. After 10 restarts per worker the
// binary is taken to be broken: all processes are killed and every pending
// and later task is reported Lost with the fatal error, so the engine's own
// retry limit ends the study.
//
// Usage:
//
//	b := plugin.New(plugin.Options{Path: "plugins/mdtwin-model-emax", Workers: 4})
//	if err := b.Start(ctx); err != nil { … }
//	defer b.Close()
//	b.Submit(tasks...)
//	for o := range b.Outcomes() { … }
//
// Discover lists the plugin binaries of a folder and the models they serve.
package plugin
