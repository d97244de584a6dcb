// Command mdtwin-model-emax is an mdtwin model plugin serving the sigmoid
// Emax pharmacodynamic model of package emax. It is the example of an
// external plugin: everything it needs from mdtwin is models and
// models/pluginsdk.
//
// Build it where mdtwin looks for plugins:
//
//	go build -o plugins/mdtwin-model-emax ./examples/plugin-emax
//
// Run by hand it only explains that it is a plugin; mdtwin starts it.
package main

import (
	"github.com/mdtwin/mdtwin/examples/plugin-emax/emax"
	"github.com/mdtwin/mdtwin/models/pluginsdk"
)

func main() {
	pluginsdk.Serve(emax.Model{})
}
