package brain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Inputs is the brain model's structured input: the scenario's [inputs]
// table, as JSON.
//
//	[inputs]
//	connectivity = "models/brain/testdata/connectivity_76.zip"  # TVB zip or folder; relative to the current directory
//	seeg = "models/brain/testdata/seeg_588.txt"                # optional: SEEG contacts "label x y z" (mm)
//	seeg_gain = "gain.txt"                                      # optional: a contacts × regions gain matrix instead of computing one
//	nsig = [0, 0, 0, 0.0003, 0.0003, 0]                         # optional: noise diffusion per state variable (overrides the nsig parameter)
//
//	[inputs.hypotheses.temporal]                                # EZ hypotheses by name: parameter `hypothesis`
//	ez = ["rHC", "rPHC", "rAMYG"]                               # epileptogenic zone: x0 = x0_ez
//	pz = ["rTCI", "rTCV"]                                       # propagation zone: x0 = x0_pz; others x0_healthy
//
//	[inputs.resections]                                         # candidate resections by name: parameter `resection`
//	mesial = ["rHC", "rPHC", "rAMYG"]
//	lateral = ["rTCI", "rTCV"]
//
// Region labels are those of the connectome's centres.txt.
type Inputs struct {
	Connectivity string                `json:"connectivity"`
	SEEG         string                `json:"seeg,omitempty"`
	SEEGGain     string                `json:"seeg_gain,omitempty"`
	Nsig         []float64             `json:"nsig,omitempty"`
	Hypotheses   map[string]Hypothesis `json:"hypotheses,omitempty"`
	Resections   map[string][]string   `json:"resections,omitempty"`
	// Regional names regions with an excitability parameter x0_<label> and
	// an onset output onset_<label>_ms each (see regional.go).
	Regional []string `json:"regional,omitempty"`
	// Record streams state variables every few steps to record.npy (see Record).
	Record *Record `json:"record,omitempty"`
	// Regions sets parameters per region: a CSV file name or an inline
	// table (see regions.go).
	Regions json.RawMessage `json:"regions,omitempty"`
	// Initial names a state file or a previous run's folder to start from,
	// or is "last": the last run of the folder InitialFrom (see initial.go).
	Initial string `json:"initial,omitempty"`
	// MassParams sets parameters of the mass for every region by name (see
	// massparams.go): e.g. eta = -4.6 for Montbrió–Pazó–Roxin.
	MassParams map[string]float64 `json:"mass_params,omitempty"`
	// InitialFrom names the run or study folder of initial = "last" (see
	// initial.go).
	InitialFrom string `json:"initial_from,omitempty"`
	// Preset replaces the parameters' defaults by a named set (see Presets).
	Preset string `json:"preset,omitempty"`
	// Stimuli are pulse trains on regions or contacts (see StimulusInput).
	Stimuli []StimulusInput `json:"stimuli,omitempty"`
	// Sensors are observation models: gain, noise, onsets (see SensorsInput).
	Sensors []SensorsInput `json:"sensors,omitempty"`
	// BOLD adds a Balloon–Windkessel BOLD monitor (see BOLDInput).
	BOLD *BOLDInput `json:"bold,omitempty"`
}

// Hypothesis is an epileptogenic-zone hypothesis: the regions of the EZ
// and of the propagation zone (PZ), by label.
type Hypothesis struct {
	EZ []string `json:"ez"`
	PZ []string `json:"pz,omitempty"`
}

// NoResection names the empty resection.
const NoResection = "none"

// NoHypothesis names the all-healthy hypothesis, offered when the inputs
// define none.
const NoHypothesis = "none"

// setup is the inputs checked against the connectome.
type setup struct {
	in       Inputs
	conn     *Connectivity
	contacts [][3]float64
	contactL []string
	gain     []float64 // contacts × regions, when read from a file
	watch    []int     // regions reported as outputs seized_<label>
	regional []int     // regions with parameters x0_<label> and outputs onset_<label>_ms
	regions  regionTable
	initial  *stateTable
	stimuli  []PulseTrain
	sensors  []*sensors
}

// parseInputs decodes and checks the inputs, reading the files they name.
func parseInputs(raw json.RawMessage) (*setup, error) {
	var in Inputs
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, fmt.Errorf("no connectivity: set connectivity = \"path/to/connectivity.zip\" in [inputs]")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("brain inputs: %v (expected keys connectivity, seeg, seeg_gain, nsig, hypotheses, resections, regional, record, regions, initial, initial_from, mass_params, preset, stimuli, sensors, bold)", err)
	}
	if in.Connectivity == "" {
		return nil, fmt.Errorf("no connectivity: set connectivity = \"path/to/connectivity.zip\" in [inputs]")
	}
	conn, err := sharedConnectivity(in.Connectivity)
	if err != nil {
		return nil, fmt.Errorf("connectivity: %w", err)
	}
	s := &setup{in: in, conn: conn}
	for _, v := range in.Nsig {
		if !(v >= 0) || v > 1e6 {
			return nil, fmt.Errorf("nsig: %v is not a diffusion coefficient, expected a finite number ≥ 0", v)
		}
	}
	watched := map[int]bool{}
	check := func(where string, labels []string) error {
		seen := map[string]bool{}
		for _, l := range labels {
			i := conn.Index(l)
			if i < 0 {
				return fmt.Errorf("%s: no region %q in %s (labels are like %q)", where, l, in.Connectivity, conn.Labels[0])
			}
			if seen[l] {
				return fmt.Errorf("%s: region %q listed twice", where, l)
			}
			seen[l] = true
			watched[i] = true
		}
		return nil
	}
	for _, name := range sortedNames(in.Hypotheses) {
		h := in.Hypotheses[name]
		if err := checkName("hypotheses", name); err != nil {
			return nil, err
		}
		if err := check("hypotheses."+name+".ez", h.EZ); err != nil {
			return nil, err
		}
		if err := check("hypotheses."+name+".pz", h.PZ); err != nil {
			return nil, err
		}
		for _, l := range h.PZ {
			for _, e := range h.EZ {
				if l == e {
					return nil, fmt.Errorf("hypotheses.%s: region %q is in both ez and pz", name, l)
				}
			}
		}
	}
	for _, name := range sortedNames(in.Resections) {
		if err := checkName("resections", name); err != nil {
			return nil, err
		}
		if name == NoResection {
			return nil, fmt.Errorf("resections: %q is reserved for no resection", name)
		}
		if err := check("resections."+name, in.Resections[name]); err != nil {
			return nil, err
		}
	}
	for i := range conn.Labels {
		if watched[i] {
			s.watch = append(s.watch, i)
		}
	}
	if r := in.Record; r != nil {
		if r.Every < 1 {
			return nil, fmt.Errorf("record.every: %d, expected a number of steps ≥ 1", r.Every)
		}
		if len(r.Variables) == 0 {
			return nil, fmt.Errorf("record.variables: empty, expected state variable names (x1, z, …) or \"signal\"")
		}
	}
	for _, nm := range sortedNames(in.MassParams) {
		if v := in.MassParams[nm]; !slices.Contains(RegionParams, nm) || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("mass_params.%s: %v: expected a parameter of a mass (%s) = a finite number", nm, v, strings.Join(RegionParams, ", "))
		}
	}
	if in.Preset != "" && presets[in.Preset] == nil {
		return nil, fmt.Errorf("preset: %q is not a preset, expected one of %s", in.Preset, strings.Join(sortedNames(presets), ", "))
	}
	if s.regions, err = parseRegions(in.Regions, conn); err != nil {
		return nil, err
	}
	if in.Initial != "" || in.InitialFrom != "" {
		path, err := resolveInitial(in.Initial, in.InitialFrom)
		if err != nil {
			return nil, err
		}
		if s.initial, err = readState(path, conn); err != nil {
			return nil, fmt.Errorf("initial: %w", err)
		}
	}
	if s.regional, err = checkRegional(in.Regional, conn, in.Connectivity); err != nil {
		return nil, err
	}
	if in.SEEG != "" {
		if conn.Centres == nil {
			return nil, fmt.Errorf("seeg: %s has no region centres (centres.txt), needed for the SEEG gain", in.Connectivity)
		}
		s.contactL, s.contacts, err = readContacts(in.SEEG)
		if err != nil {
			return nil, fmt.Errorf("seeg: %w", err)
		}
	}
	if in.SEEGGain != "" {
		b, err := os.ReadFile(in.SEEGGain)
		if err != nil {
			return nil, fmt.Errorf("seeg_gain: %w", err)
		}
		rows, err := parseRows(in.SEEGGain, "", b, false)
		if err != nil {
			return nil, fmt.Errorf("seeg_gain: %w", err)
		}
		for k, r := range rows {
			if len(r.nums) != conn.N() {
				return nil, fmt.Errorf("seeg_gain: %s line %d has %d columns, expected one per region (%d)", in.SEEGGain, r.line, len(r.nums), conn.N())
			}
			for _, v := range r.nums {
				if v != v {
					return nil, fmt.Errorf("seeg_gain: %s row %d holds NaN", in.SEEGGain, k+1)
				}
			}
			s.gain = append(s.gain, r.nums...)
		}
		if s.contacts != nil && len(rows) != len(s.contacts) {
			return nil, fmt.Errorf("seeg_gain: %s has %d rows but %s has %d contacts", in.SEEGGain, len(rows), in.SEEG, len(s.contacts))
		}
		if s.contacts == nil {
			for k := range rows {
				s.contactL = append(s.contactL, "c"+strconv.Itoa(k+1))
			}
		}
	}
	if s.stimuli, err = s.checkStimuli(); err != nil {
		return nil, err
	}
	if s.sensors, err = s.checkSensors(); err != nil {
		return nil, err
	}
	return s, nil
}

func checkName(table, name string) error {
	if !nameRE(name) {
		return fmt.Errorf("%s: name %q must be letters, digits, '_' or '-'", table, name)
	}
	return nil
}

func nameRE(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// readContacts reads SEEG contacts, "label x y z" per line (mm).
func readContacts(path string) ([]string, [][3]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, &FileError{File: path, Msg: errText(err)}
	}
	return parseContacts(path, b)
}

// parseContacts parses the SEEG contacts file b, named path in errors.
func parseContacts(path string, b []byte) ([]string, [][3]float64, error) {
	rows, err := parseRows(path, "", b, true)
	if err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, &FileError{File: path, Msg: "no contacts"}
	}
	var labels []string
	var pos [][3]float64
	for _, r := range rows {
		if len(r.nums) != 3 {
			return nil, nil, &FileError{File: path, Entry: fmt.Sprintf("line %d", r.line), Msg: fmt.Sprintf("expected \"label x y z\", got %d numbers", len(r.nums))}
		}
		for _, v := range r.nums {
			if v != v || v > 1e300 || v < -1e300 {
				return nil, nil, &FileError{File: path, Entry: fmt.Sprintf("line %d", r.line), Msg: "coordinate is not finite"}
			}
		}
		labels = append(labels, r.label)
		pos = append(pos, [3]float64{r.nums[0], r.nums[1], r.nums[2]})
	}
	return labels, pos, nil
}

// outputName is the scalar output reporting whether region label seized.
func outputName(label string) string { return "seized_" + slug(label) }
