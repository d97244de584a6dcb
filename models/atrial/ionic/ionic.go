package ionic

import "fmt"

// Model is a cell model: the membrane kinetics at one node. The membrane
// potential v is in mV and time in ms; the model's own states (gates,
// concentrations, recovery variables) live in a slice of NumStates numbers
// per node that the caller owns. Implementations hold only parameters, so
// one value serves every node and every goroutine. Methods do not allocate.
type Model interface {
	// Name is the model's identifier, as in the engine's ionic parameter.
	Name() string
	// NumStates is the number of state variables per node besides v.
	NumStates() int
	// Rest writes the resting state into s (length NumStates) and returns
	// the resting potential in mV.
	Rest(s []float64) float64
	// Deriv writes ds/dt into ds (length NumStates) and returns
	// dv/dt = −I_ion/Cm in mV/ms, at potential v and state s.
	Deriv(ds []float64, v float64, s []float64) float64
	// Step advances one node by dt (ms) with no diffusion and no stimulus:
	// s is updated in place and the new potential returned.
	Step(s []float64, v, dt float64) float64
}

// Kernel advances a cell model at the nodes [lo, hi) of a tissue by one
// time step, with no diffusion and no stimulus: v holds every node's
// potential (mV) and s every node's states (NumStates per node,
// node-major). A kernel holds only its model's parameters and read-only
// tables, so disjoint ranges may run on different goroutines. It does not
// allocate.
type Kernel func(v, s []float64, lo, hi int)

// A Kerneler is a cell model that supplies its own tissue kernel: a loop
// over nodes with no interface call per node and the step's constants
// hoisted (and, for the large models, lookup tables of the terms that
// depend on V only), equal to Step up to rounding.
type Kerneler interface {
	Model
	// Kernel returns the model's step over a node range for time step dt
	// (ms). Tables it builds for dt are cached, so that kernels of the
	// same model and dt share them.
	Kernel(dt float64) Kernel
}

// KernelOf returns the tissue kernel of m for time step dt (ms): its own
// (Kerneler), or else a loop calling Step at every node.
func KernelOf(m Model, dt float64) Kernel {
	if k, ok := m.(Kerneler); ok {
		return k.Kernel(dt)
	}
	ns := m.NumStates()
	return func(v, s []float64, lo, hi int) {
		for i := lo; i < hi; i++ {
			v[i] = m.Step(s[i*ns:(i+1)*ns:(i+1)*ns], v[i], dt)
		}
	}
}

// The cell models by name (the engine's ionic parameter).
const (
	NameMS   = "ms"             // Mitchell–Schaeffer 2003, standard set
	NameMMS  = "mms"            // modified Mitchell–Schaeffer, atrial/AF set
	NameAP   = "aliev_panfilov" // Aliev–Panfilov 1996
	NameCRN  = "courtemanche"   // Courtemanche–Ramirez–Nattel 1998
	NameTP06 = "tentusscher"    // ten Tusscher–Panfilov 2006
)

// Names returns the cell models' names in a fixed order (the choices of
// the engine's ionic parameter).
func Names() []string { return []string{NameMMS, NameMS, NameAP, NameCRN, NameTP06} }

// ByName returns the cell model named name with its default parameter
// set: NameMS → StandardMS, NameMMS → AtrialMMS, NameAP →
// DefaultAlievPanfilov, NameCRN → CRN98, NameTP06 → TP06Epi.
func ByName(name string) (Model, error) {
	if ss, ok := sets[name]; ok {
		return ss[0].set(), nil
	}
	return nil, fmt.Errorf("atrial: unknown ionic model %q, expected %q, %q, %q, %q or %q", name, NameMS, NameMMS, NameAP, NameCRN, NameTP06)
}
