package atrial

import (
	"fmt"
	"math"
	"os"

	"github.com/mdtwin/mdtwin/models"
)

// wholeSteps returns the number of solver steps of dt ms in interval ms,
// and false when interval is not a positive whole multiple of dt (to
// 10⁻⁹ of interval).
func wholeSteps(interval, dt float64) (int, bool) {
	n := int(math.Round(interval / dt))
	return n, n >= 1 && math.Abs(float64(n)*dt-interval) <= 1e-9*interval
}

// stepsPer returns wholeSteps of interval, the value of the [inputs] key
// (named in the error as the user writes it: "inputs: igb_ms", "inputs:
// electrodes: sample_ms"), or, when it is not a positive whole multiple of
// dt, a *models.InputError: bad input, which no retry of the run can mend.
func stepsPer(key string, interval, dt float64) (int, error) {
	n, ok := wholeSteps(interval, dt)
	if !ok {
		return 0, &models.InputError{Model: Name, Msg: fmt.Sprintf("atrial %s = %g is not a positive multiple of dt_ms = %g", key, interval, dt)}
	}
	return n, nil
}

// pendingFile is an output file written under its path plus ".tmp" and
// renamed to its path only once complete (commit), so that a run never
// leaves a half-written file under the name its readers look for.
type pendingFile struct {
	*os.File
	path string
}

// createPending creates path + ".tmp" for writing (as os.Create does).
func createPending(path string) (*pendingFile, error) {
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return nil, err
	}
	return &pendingFile{File: f, path: path}, nil
}

// commit closes the file and renames it to its path; when the close
// fails it removes the file and returns that error.
func (p *pendingFile) commit() error {
	if err := p.Close(); err != nil {
		os.Remove(p.Name())
		return err
	}
	return os.Rename(p.Name(), p.path)
}

// discard closes and removes the unfinished file.
func (p *pendingFile) discard() {
	p.Close()
	os.Remove(p.Name())
}
