package analysis

import "fmt"

// ActivationState is the bookkeeping of an Activations between two Record
// calls — what a checkpoint must keep, besides Times and APD, for a
// recorder restored from it to go on exactly as the original would: the
// last time and potential, each node's peak and whether it is in an action
// potential.
type ActivationState struct {
	T    float64   // ms, the last recorded time
	Seen bool      // a first Record has set the starting values
	Prev []float32 // mV, the last potential per node
	Peak []float32 // mV, the current beat's peak per node
	Up   []bool    // per node: activated and not yet repolarised
}

// State returns a's bookkeeping (views of its slices, not copies).
func (a *Activations) State() ActivationState {
	return ActivationState{T: a.t, Seen: a.seen, Prev: a.prev, Peak: a.peak, Up: a.up}
}

// SetState restores a's bookkeeping from st (copied), which must be for
// as many nodes as a.
func (a *Activations) SetState(st ActivationState) error {
	n := len(a.prev)
	if len(st.Prev) != n || len(st.Peak) != n || len(st.Up) != n {
		return fmt.Errorf("atrial: activation state for %d/%d/%d nodes, the recorder has %d", len(st.Prev), len(st.Peak), len(st.Up), n)
	}
	a.t, a.seen = st.T, st.Seen
	copy(a.prev, st.Prev)
	copy(a.peak, st.Peak)
	copy(a.up, st.Up)
	return nil
}
