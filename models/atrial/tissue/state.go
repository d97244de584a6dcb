package tissue

import "fmt"

// Steps returns the number of steps taken (Time is Steps·Dt).
func (md *Monodomain) Steps() int { return md.n }

// SetSteps sets the number of steps taken, so Time becomes n·Dt: for a
// solver restored from a checkpoint (V and S set by the caller). The
// solver keeps no other state between steps (the CG solvers start from V).
func (md *Monodomain) SetSteps(n int) error {
	if n < 0 {
		return fmt.Errorf("atrial: step count %d < 0", n)
	}
	md.n = n
	return nil
}
