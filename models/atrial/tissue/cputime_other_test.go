//go:build !unix

package tissue

import "time"

// cpuTime is zero where getrusage is missing: the CPU metric reads 0.
func cpuTime() time.Duration { return 0 }
