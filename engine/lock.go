package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// LockFile is the name of the lock file in a study's output folder.
const LockFile = ".mdtwin.lock"

// FolderLock is an advisory lock on an output folder, held by one process
// for the life of a study: a second mdtwin process that wants the folder is
// refused instead of running the same runs again or corrupting the ledger.
// The operating system releases it when the process ends, however it ends.
type FolderLock struct {
	f *os.File
}

// errLocked is returned by tryLock when another process holds the lock.
var errLocked = errors.New("locked")

// LockFolder takes the lock of dir (created if needed). When another
// process holds it, the error is an *InputError naming that process's PID
// and since when it has held the folder.
func LockFolder(dir string) (*FolderLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, inputErrorf("output folder %s: cannot create it: %v", dir, unwrapPath(err))
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, inputErrorf("output folder %s: cannot open its lock file: %v", dir, unwrapPath(err))
	}
	if err := tryLock(f); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, inputErrorf("output folder %s is in use by another mdtwin process (%s); wait for it to end, or use another --out",
				dir, describeHolder(string(holder)))
		}
		return nil, inputErrorf("output folder %s: cannot lock it: %v", dir, err)
	}
	// Say who holds it, for the message a second process prints.
	f.Truncate(0)
	fmt.Fprintf(f, "pid %d\nsince %s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	f.Sync()
	return &FolderLock{f: f}, nil
}

// describeHolder turns the lock file's content into "PID 1234, since …".
func describeHolder(content string) string {
	var pid, since string
	for _, line := range strings.Split(content, "\n") {
		if v, ok := strings.CutPrefix(line, "pid "); ok {
			if _, err := strconv.Atoi(v); err == nil {
				pid = v
			}
		}
		if v, ok := strings.CutPrefix(line, "since "); ok {
			since = v
		}
	}
	if pid == "" {
		return "PID unknown"
	}
	if since == "" {
		return "PID " + pid
	}
	return "PID " + pid + ", since " + since
}

// Unlock releases the lock. It is safe to call more than once.
func (l *FolderLock) Unlock() {
	if l == nil || l.f == nil {
		return
	}
	unlock(l.f)
	l.f.Close()
	l.f = nil
}
