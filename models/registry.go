package models

import (
	"fmt"
	"sort"
	"strings"
)

// Registry maps model names to models.
type Registry struct {
	models map[string]Model
}

// NewRegistry returns a registry holding ms. It panics if a descriptor is
// invalid or two models share a name (programming errors).
func NewRegistry(ms ...Model) *Registry {
	r := &Registry{models: map[string]Model{}}
	for _, m := range ms {
		r.Register(m)
	}
	return r
}

// Register adds m. It panics on an invalid descriptor or a duplicate name.
func (r *Registry) Register(m Model) {
	d := m.Describe()
	if err := d.Check(); err != nil {
		panic(err)
	}
	if _, dup := r.models[d.Name]; dup {
		panic(fmt.Sprintf("models: model %q registered twice", d.Name))
	}
	r.models[d.Name] = m
}

// Lookup returns the model named name, or an error listing the known names.
func (r *Registry) Lookup(name string) (Model, error) {
	if m, ok := r.models[name]; ok {
		return m, nil
	}
	return nil, fmt.Errorf("unknown model %q, expected one of: %s", name, strings.Join(r.Names(), ", "))
}

// Names returns the registered model names in sorted order.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.models))
	for n := range r.models {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Models returns the registered models in name order.
func (r *Registry) Models() []Model {
	out := make([]Model, 0, len(r.models))
	for _, n := range r.Names() {
		out = append(out, r.models[n])
	}
	return out
}
