//go:build unix

package engine

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) the test process has
// used so far. Benchmarks report it per operation beside the wall time,
// which a machine shared with other jobs inflates.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
