package report

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/mdtwin/mdtwin/engine"
)

// Manifest is the part of a study's manifest.json a report shows.
type Manifest struct {
	Study         string `json:"study"`
	Model         string `json:"model"`
	ModelVersion  string `json:"model_version"`
	MdtwinVersion string `json:"mdtwin_version"`
	Scenario      string `json:"scenario"`
	ScenarioHash  string `json:"scenario_hash"`
	Seed          uint64 `json:"seed"`
	Runs          int    `json:"runs"`
	Done          int    `json:"done"`
	Failed        int    `json:"failed"`
	Status        string `json:"status"`
	Updated       string `json:"updated"`
}

// StudyOutputs is a `mdtwin run` output folder, read.
type StudyOutputs struct {
	Dir      string
	Manifest Manifest
	// Outputs is summary.json's summary of each scalar output.
	Outputs map[string]engine.OutputSummary
	// ModelSummary is summary.json's model_summary (nil when absent).
	ModelSummary json.RawMessage
	// Header and Rows are results.csv.
	Header []string
	Rows   [][]string
}

// LoadStudy reads the output folder dir of a study.
func LoadStudy(dir string) (*StudyOutputs, error) {
	st := &StudyOutputs{Dir: dir}
	if err := readJSON(filepath.Join(dir, "manifest.json"), &st.Manifest); err != nil {
		return nil, err
	}
	var sum struct {
		Outputs map[string]engine.OutputSummary `json:"outputs"`
		Model   json.RawMessage                 `json:"model_summary"`
	}
	if err := readJSON(filepath.Join(dir, "summary.json"), &sum); err != nil {
		return nil, err
	}
	st.Outputs, st.ModelSummary = sum.Outputs, sum.Model
	f, err := os.Open(filepath.Join(dir, "results.csv"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a study output folder: %w", dir, unwrapPath(err))
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", f.Name(), err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty", f.Name())
	}
	st.Header, st.Rows = recs[0], recs[1:]
	return st, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%s is not a study output folder: %w", filepath.Dir(path), unwrapPath(err))
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", filepath.Base(pe.Path), pe.Err)
	}
	return err
}

// column returns the index of name in results.csv, -1 when absent.
func (st *StudyOutputs) column(name string) int {
	for i, h := range st.Header {
		if h == name {
			return i
		}
	}
	return -1
}

// runDir is the folder of run id's artifacts.
func (st *StudyOutputs) runDir(id string) string { return filepath.Join(st.Dir, "runs", id) }

// fmtNum formats a number for a table: thousands without decimals, smaller
// numbers with four significant digits.
func fmtNum(x float64) string {
	switch a := abs(x); {
	case x != x:
		return "NaN"
	case a >= 1e15:
		return strconv.FormatFloat(x, 'g', 4, 64)
	case a >= 1000:
		return groupThousands(strconv.FormatFloat(x, 'f', 0, 64))
	case a == 0:
		return "0"
	default:
		return strconv.FormatFloat(x, 'g', 4, 64)
	}
}

func fmtPtr(x *float64) string {
	if x == nil {
		return "–"
	}
	return fmtNum(*x)
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// groupThousands puts thin spaces between groups of three digits.
func groupThousands(s string) string {
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, "\u2009"...)
		}
		out = append(out, s[i])
	}
	if neg {
		return "−" + string(out)
	}
	return string(out)
}
