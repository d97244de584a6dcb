//go:build unix

package tissue

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user + system CPU time so far (all
// threads), for benchmarks on a shared machine, where wall time depends on
// the other load and CPU time much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
