//go:build !unix

package engine

import "os"

// tryLock does nothing where flock(2) is missing: two processes on one
// output folder are not prevented there.
func tryLock(*os.File) error { return nil }

func unlock(*os.File) {}
