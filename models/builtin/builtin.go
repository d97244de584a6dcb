// Package builtin assembles the registry of the models compiled into the
// mdtwin binary. Adding a model to mdtwin means adding it here.
package builtin

import (
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/models/avatar"
	"github.com/mdtwin/mdtwin/models/brain"
	"github.com/mdtwin/mdtwin/models/mscohort"
	"github.com/mdtwin/mdtwin/models/pk"
	"github.com/mdtwin/mdtwin/models/statetransition"
)

// Registry returns a new registry of every built-in model.
func Registry() *models.Registry {
	return models.NewRegistry(
		atrial.Model{},
		avatar.Model{},
		brain.Model{},
		mscohort.Model{},
		pk.Model{},
		statetransition.Model{},
	)
}
