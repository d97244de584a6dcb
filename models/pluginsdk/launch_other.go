//go:build !linux

package pluginsdk

import "os/exec"

// setDeathSignal does nothing outside Linux: there the host's
// plugin.CleanupClients (and Process.Kill) are the only clean-up.
func setDeathSignal(*exec.Cmd) {}
