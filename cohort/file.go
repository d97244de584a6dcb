package cohort

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ReadFile reads the table in the file at path: with ReadParquet when its
// extension is .parquet (any case), else with ReadCSV. Both give the same
// table for the same data. A file that cannot be opened is an *InputError
// too.
func ReadFile(path string, opt ReadOptions) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{fmt.Sprintf("%s: cannot open the table: %v", path, errText(err))}
	}
	defer f.Close()
	if strings.EqualFold(filepath.Ext(path), ".parquet") {
		fi, err := f.Stat()
		if err != nil {
			return nil, &InputError{fmt.Sprintf("%s: %v", path, errText(err))}
		}
		return ReadParquet(f, fi.Size(), path, opt)
	}
	return ReadCSV(f, path, opt)
}

// errText is err without the operation and path an *os.PathError repeats.
func errText(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
