// Package models defines the contract between the mdtwin engine and a
// simulation model, and a registry of the models built into the binary.
//
// A model describes itself (Describe) with a Descriptor: its name and
// version, typed parameters with units, defaults and bounds, and the named
// scalar outputs a run produces. Run executes one run: it receives a RunSpec
// (validated parameters, the run's seed, optional structured inputs and a
// folder for artifacts) and returns a Result. A model is deterministic given
// its RunSpec, so the same Model value gives the same Result in-process,
// inside a plugin worker process or inside a Slurm array task.
//
// Parameter validation lives in one place, Descriptor.Resolve: an unknown
// parameter, a value of the wrong type or a value out of bounds gives a
// *ParamError naming the parameter, the value and the bound.
//
// Each model lives in a sub-package (models/pk, …); models/builtin assembles
// the registry of those compiled into the mdtwin binary.
package models
