package plugin_test

import (
	"os"
	"strconv"
	"strings"
)

// stat returns the state and parent PID of process pid from /proc.
func stat(pid int) (state byte, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// "pid (comm) state ppid …"; comm may contain spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	return f[0][0], ppid, true
}

// alive reports whether pid runs; a zombie counts as dead.
func alive(pid int) bool {
	state, _, ok := stat(pid)
	return ok && state != 'Z'
}

// reaped reports whether pid is gone, not even a zombie.
func reaped(pid int) bool {
	_, _, ok := stat(pid)
	return !ok
}

// children returns the PIDs of this process's children.
func children() []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, ppid, ok := stat(pid); ok && ppid == os.Getpid() {
			kids = append(kids, pid)
		}
	}
	return kids
}
