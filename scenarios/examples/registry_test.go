package examples_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/cohort"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/mscohort"
)

var update = flag.Bool("update", false, "rewrite data/ms_registry.csv and data/ms_registry_avatars.csv")

// registryInputs are the mscohort inputs the simulated registry is drawn
// with: the model's defaults (natural history, mortality, therapies) with a
// starting population at diagnosis and one line of care. The baseline is
// ASSUMED for an invented registry: MS is diagnosed at 30–35 on average,
// about 72 % of patients are women, and most start at low EDSS; it is not
// from a source.
const registryInputs = `{
  "baseline": {"female": 0.72, "age_mean": 33, "age_sd": 8, "age_min": 18, "age_max": 55,
               "edss": [0.15, 0.30, 0.28, 0.15, 0.07, 0.05, 0, 0, 0, 0], "spms": 0},
  "strategies": [{"name": "usual_care", "lines": [{"therapy": "dimethyl_fumarate"}, {"therapy": "ofatumumab"}]}]
}`

const (
	registryPatients = 600
	registrySeed     = 16
	avatarSeed       = 1
)

// TestSimulatedRegistry rebuilds data/ms_registry.csv — an invented MS
// registry of 600 patients simulated with the mscohort model (see
// data/README.md) — and its avatar copy data/ms_registry_avatars.csv
// (cohort.Generate, k = 20, default preset, seed 1, as `mdtwin synth
// data/ms_registry.csv --k 20 --seed 1` makes it), and checks them against
// the files shipped. Run with -update to rewrite them.
func TestSimulatedRegistry(t *testing.T) {
	reg := simulateRegistry(t)
	tb, err := cohort.ReadCSV(bytes.NewReader(reg), "ms_registry.csv", cohort.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	av, err := cohort.Generate(context.Background(), tb, cohort.AvatarOptions{K: 20, Seed: avatarSeed})
	if err != nil {
		t.Fatal(err)
	}
	var avatars bytes.Buffer
	if err := av.Table.WriteCSV(&avatars); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"data/ms_registry.csv", reg}, {"data/ms_registry_avatars.csv", avatars.Bytes()}} {
		if *update {
			if err := os.WriteFile(f.name, f.data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(f.name)
		if err != nil {
			t.Fatal(err)
		}
		// Made on linux/amd64; other architectures may fuse multiply-adds
		// and move the last bits of a simulated time.
		if !bytes.Equal(old, f.data) && runtime.GOARCH == "amd64" {
			t.Errorf("%s differs from what the simulation makes; rerun with -update if the model changed on purpose", f.name)
		}
	}
}

// simulateRegistry runs the model for 25 years with trajectories and turns
// each patient's panel into one registry row: the patient enters the
// registry at a whole number of years d ~ U{0..10} after diagnosis (time 0
// of the simulation) and is followed for F ~ U{2..12} years or until
// death, both drawn from a PCG stream of the seed and the patient. Entry
// values: sex, age, EDSS state (k stands for EDSS k to k+0.5), course,
// disease duration (d) and relapses in the 2 years before entry. Outcomes:
// any relapse within 2 years (missing when followed < 2 years without
// one), the EDSS state 2 years after entry (missing if not alive then),
// confirmed worsening (first year end at ≥ entry state + 1) as a time and
// an event indicator censored at the end of follow-up, death during
// follow-up, and the follow-up in years. Patients dead before entry are
// not in a registry: they are skipped.
func simulateRegistry(t *testing.T) []byte {
	t.Helper()
	in := json.RawMessage(registryInputs)
	m := mscohort.Model{}
	desc, err := m.DescribeInputs(in)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := desc.Resolve(map[string]any{"n_patients": int64(registryPatients + 200), "save_trajectories": true, "horizon_years": 25.0})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := m.Run(context.Background(), models.RunSpec{Study: "ms-registry", RunID: "r000000", Seed: registrySeed, Params: ps, Inputs: in, Dir: dir}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "panel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for j, h := range recs[0] {
		col[h] = j
	}
	type year struct {
		age                float64
		sex, course        string
		edssStart, edssEnd int
		relapses           int
		died               bool
	}
	byPatient := map[int][]year{}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	for _, r := range recs[1:] {
		p := atoi(r[col["patient"]])
		age, _ := strconv.ParseFloat(r[col["age"]], 64)
		byPatient[p] = append(byPatient[p], year{age: age, sex: r[col["sex"]], course: r[col["course"]],
			edssStart: atoi(r[col["edss_start"]]), edssEnd: atoi(r[col["edss_end"]]), relapses: atoi(r[col["relapses"]]), died: r[col["died"]] == "true"})
	}
	var b strings.Builder
	b.WriteString("patient_id,sex,age,course,edss,disease_duration,relapses_prior_2y,relapse_2y,edss_2y,worsening_years,worsening,died,followup_years\n")
	n := 0
	for p := 0; n < registryPatients; p++ {
		ys, ok := byPatient[p]
		if !ok {
			t.Fatalf("ran out of simulated patients at %d", p)
		}
		rng := rand.New(rand.NewPCG(registrySeed, uint64(p)))
		d, follow := rng.IntN(11), 2+rng.IntN(11)
		if d >= len(ys) || (d > 0 && ys[d-1].died) {
			continue // dead before entry
		}
		n++
		e := ys[d]
		course := "RRMS"
		if d > 0 {
			course = ys[d-1].course
		}
		prior := 0
		for y := max(0, d-2); y < d; y++ {
			prior += ys[y].relapses
		}
		// Follow-up: years d … d+follow−1 while alive.
		end, died := d, false
		for end < d+follow && end < len(ys) {
			if ys[end].died {
				died = true
				end++
				break
			}
			end++
		}
		fu := end - d
		relapse2 := ""
		for y := d; y < min(d+2, end); y++ {
			if ys[y].relapses > 0 {
				relapse2 = "yes"
			}
		}
		if relapse2 == "" && fu >= 2 && !(died && fu == 2) {
			relapse2 = "no"
		}
		edss2 := ""
		if d+1 < end && !(died && d+1 == end-1) {
			edss2 = strconv.Itoa(ys[d+1].edssEnd)
		}
		worseYears, worse := float64(fu), 0
		for y := d; y < end; y++ {
			if ys[y].edssEnd >= e.edssStart+1 {
				worseYears, worse = float64(y-d+1), 1
				break
			}
		}
		fmt.Fprintf(&b, "MS-R%04d,%s,%g,%s,%d,%d,%d,%s,%s,%g,%d,%d,%d\n", n, e.sex, e.age, course, e.edssStart, d, prior,
			relapse2, edss2, worseYears, worse, map[bool]int{true: 1}[died], fu)
	}
	return []byte(b.String())
}
