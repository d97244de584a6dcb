// Package examples embeds the example scenarios shipped with mdtwin, so
// that `mdtwin demo` runs on a fresh clone with nothing else.
package examples

import "embed"

// FS holds the *.toml example scenarios.
//
//go:embed *.toml
var FS embed.FS

// Demo is the scenario `mdtwin demo` runs.
const Demo = "pk-sweep.toml"
