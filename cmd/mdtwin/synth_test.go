package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func wbcdPath(t *testing.T) string {
	return filepath.Join(repoRoot(t), "cohort", "testdata", "breast_cancer_wisconsin.csv")
}

// `mdtwin synth` on the breast-cancer table with k = 20 writes avatars and
// the privacy/utility report (issue 7, "done when").
func TestSynthWBCD(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := cli("", "synth", wbcdPath(t), "--k", "20", "--out", out, "--attacks", "100")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "683 avatars") || !strings.Contains(stdout, "hidden rate") || !strings.Contains(stdout, "AUC(Class)") {
		t.Errorf("stdout:\n%s", stdout)
	}
	csv, err := os.ReadFile(filepath.Join(out, "avatars.csv"))
	if err != nil || strings.Count(string(csv), "\n") != 684 || strings.Contains(string(csv), "Sample_code_number") {
		t.Errorf("avatars.csv: %v, %d lines", err, strings.Count(string(csv), "\n"))
	}
	var rep struct {
		K      int `json:"k"`
		Checks []struct {
			Metric string
			Pass   bool
		} `json:"privacy_checks"`
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil || json.Unmarshal(b, &rep) != nil || rep.K != 20 || len(rep.Checks) < 7 {
		t.Errorf("report.json: %v %+v", err, rep)
	}
	if h, err := os.ReadFile(filepath.Join(out, "report.html")); err != nil || !strings.Contains(string(h), "<svg") {
		t.Errorf("report.html: %v", err)
	}
	// Same seed, same avatars.
	out2 := t.TempDir()
	cli("", "synth", wbcdPath(t), "--k", "20", "--out", out2, "--attacks", "100")
	csv2, _ := os.ReadFile(filepath.Join(out2, "avatars.csv"))
	if string(csv) != string(csv2) {
		t.Error("same seed gave different avatars")
	}
}

func TestSynthAndMatchBadInput(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ragged.csv"), "a,b\n1,2\n3\n")
	wbcd := wbcdPath(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"synth", wbcd, "--out", "o"}, "mdtwin: --k is required"},
		{[]string{"synth", wbcd, "--k", "20"}, "mdtwin: --out is required"},
		{[]string{"synth", wbcd, "--k", "5000", "--out", "o"}, "mdtwin: --k 5000: expected fewer than the 683 rows"},
		{[]string{"synth", "nope.csv", "--k", "20", "--out", "o"}, "mdtwin: nope.csv: cannot open the table: no such file or directory"},
		{[]string{"synth", "ragged.csv", "--k", "1", "--out", "o"}, "mdtwin: ragged.csv:3:"},
		{[]string{"synth", wbcd, "--k", "20", "--out", "o", "--kind", "Class=nominal"}, `mdtwin: --kind "Class=nominal": unknown column kind "nominal"`},
		{[]string{"synth", wbcd, "--k", "20", "--out", "o", "--secret", "Age"}, `mdtwin: no column "Age"`},
		{[]string{"match", wbcd, "--patient", "Clump_Thickness"}, `mdtwin: --patient "Clump_Thickness": expected NAME=VALUE`},
		{[]string{"match", wbcd, "--patient", "Age=3"}, "mdtwin: patient value Age: no such column"},
		{[]string{"match", wbcd, "--filter", "Class~4"}, `mdtwin: --filter: filter "Class~4": expected`},
		{[]string{"match", wbcd, "--filter", "Class=3"}, "mdtwin: no reference patient satisfies the filters"},
		{[]string{"match", wbcd, "--ties", "random"}, `mdtwin: --ties "random": expected keep or seeded`},
		{[]string{"synth", wbcd, "--preset", "papr", "--out", "o"}, `mdtwin: --preset: unknown preset "papr", expected one of: default, paper, paper-aids`},
		{[]string{"synth", wbcd, "--k", "20", "--out", "o", "--half-width", "0"}, "mdtwin: --half-width 0: expected a number in (0, 0.5)"},
	}
	for _, tc := range cases {
		code, _, stderr := cli(dir, tc.args...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line starting %q", tc.args, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "o", "avatars.csv")); err == nil {
		t.Error("avatars written despite bad input")
	}
}

func TestMatchCLI(t *testing.T) {
	wbcd := wbcdPath(t)
	// Line 2 of the file: 5,1,1,1,2,1,3,1,1 (benign). Its nearest reference
	// patients are benign, and it is its own nearest at distance 0.
	code, stdout, stderr := cli("", "match", wbcd, "--k", "5", "--outcome", "Class",
		"--patient", "Clump_Thickness=5,Uniformity_of_Cell_Size=1,Uniformity_of_Cell_Shape=1,Marginal_Adhesion=1",
		"--patient", "Single_Epithelial_Cell_Size=2,Bare_Nuclei=1,Bland_Chromatin=3,Normal_Nucleoli=1,Mitoses=1")
	// Line 2 has 6 exact duplicates: all 7 tie at distance 0 and are kept
	// (issue 16), with their shares' Wilson intervals beside the whole
	// table's (444 benign of 683: 65.0 %).
	if code != 0 || !strings.Contains(stdout, "the 7 nearest on") || !regexp.MustCompile(`\n +2 +0\n`).MatchString(stdout) ||
		!strings.Contains(stdout, "7 reference patients tie at the cut-off (0 closer): all kept") ||
		!strings.Contains(stdout, "Class: n 7, 2 100.0 % [64.6, 100.0] (all: 65.0 %)") || !strings.Contains(stdout, "match quality: k-th distance 0") {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	// Seeded tie-breaking keeps exactly k.
	code, stdout, _ = cli("", "match", wbcd, "--k", "5", "--ties", "seeded", "--seed", "3",
		"--patient", "Clump_Thickness=5,Uniformity_of_Cell_Size=1,Uniformity_of_Cell_Shape=1,Marginal_Adhesion=1",
		"--patient", "Single_Epithelial_Cell_Size=2,Bare_Nuclei=1,Bland_Chromatin=3,Normal_Nucleoli=1,Mitoses=1")
	if code != 0 || !strings.Contains(stdout, "the 5 nearest on") || !strings.Contains(stdout, "7 reference patients tie at the cut-off (0 closer): 5 drawn among them with seed 3") {
		t.Errorf("seeded ties: exit %d\n%s", code, stdout)
	}
	// Filter-based, JSON, and a patient file (its Class and id are skipped).
	dir := t.TempDir()
	write(t, filepath.Join(dir, "p.csv"), "Sample_code_number,Clump_Thickness,Bare_Nuclei,Class\n1,8,10,4\n")
	code, stdout, stderr = cli(dir, "match", wbcd, "--filter", "Class=4", "--patient-file", "p.csv", "--outcome", "Class", "--json")
	var res struct {
		Candidates int
		Features   []string
		Matches    []struct{ Row int }
		Ties       struct {
			AtCutoff int `json:"at_cutoff"`
			Closer   int `json:"closer"`
			Kept     int `json:"kept"`
		} `json:"ties"`
	}
	// Two features of few values: the malignant patients tied with the
	// 10th nearest are all kept, and counted.
	if code != 0 || json.Unmarshal([]byte(stdout), &res) != nil || res.Candidates != 239 || len(res.Matches) != res.Ties.Closer+res.Ties.Kept ||
		len(res.Matches) < 10 || res.Ties.Kept != res.Ties.AtCutoff || res.Ties.Closer >= 10 ||
		strings.Join(res.Features, ",") != "Clump_Thickness,Bare_Nuclei" {
		t.Errorf("exit %d %+v\n%s\n%s", code, res, stdout, stderr)
	}
}

// `mdtwin synth --preset paper` on the breast-cancer table states its
// settings and puts the published figures beside ours (issue 16).
func TestSynthPaperPreset(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := cli("", "synth", wbcdPath(t), "--preset", "paper", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"preset paper: k = 20, 2 components", "comparable: hidden rate, %", "(published 92.7,",
		"comparable: median local cloaking (ties counted)", "(published 24,", "measured as the paper's companion notebook measures them", "strictly closer than the own one (not the paper's definition): median", "membership inference AUC", "correlation |Δ| mean not computed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	html, _ := os.ReadFile(filepath.Join(out, "report.html"))
	if !strings.Contains(string(html), `id="comparable"`) || !strings.Contains(string(html), "not computed") {
		t.Error("report.html lacks the comparable figures or a not-computed figure")
	}
}

// `mdtwin synth --study` runs a [cohort] scenario on the registry and on
// its avatars and compares the outcomes (issue 16, item 7).
func TestSynthVirtualCohortStudy(t *testing.T) {
	root := repoRoot(t)
	out := t.TempDir()
	code, stdout, stderr := cli("", "synth", filepath.Join(root, "scenarios/examples/data/ms_registry.csv"), "--k", "20", "--seed", "1",
		"--out", out, "--study", filepath.Join(root, "scenarios/examples/ms-virtual-cohort.toml"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "on the real cohort (600 patients): 10 runs") || !strings.Contains(stdout, "on the virtual cohort (600 patients)") {
		t.Errorf("stdout:\n%s", stdout)
	}
	// The avatars are the shipped copy (same table, k and seed).
	got, _ := os.ReadFile(filepath.Join(out, "avatars.csv"))
	want, _ := os.ReadFile(filepath.Join(root, "scenarios/examples/data/ms_registry_avatars.csv"))
	if string(got) != string(want) {
		t.Error("avatars.csv differs from scenarios/examples/data/ms_registry_avatars.csv")
	}
	var cmp struct {
		Outputs []struct {
			Output             string
			Real, Virtual      float64
			RelativeDifference *float64 `json:"relative_difference"`
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "virtual-cohort.json"))
	if err != nil || json.Unmarshal(b, &cmp) != nil || len(cmp.Outputs) < 20 {
		t.Fatalf("virtual-cohort.json: %v\n%s", err, b)
	}
	for _, o := range cmp.Outputs {
		// Lifetime outcomes of the avatar cohort stay within 10 % of the
		// registry's (measured: 1–4 %); increments can be small, skip them.
		if strings.Contains(o.Output, "_inc_") || strings.HasSuffix(o.Output, "_icer") || o.RelativeDifference == nil {
			continue
		}
		if d := *o.RelativeDifference; d > 0.1 || d < -0.1 {
			t.Errorf("%s: real %v, virtual %v (%.1f %%)", o.Output, o.Real, o.Virtual, 100*d)
		}
	}
	if h, err := os.ReadFile(filepath.Join(out, "virtual-cohort.html")); err != nil || !strings.Contains(string(h), `id="characteristics"`) {
		t.Errorf("virtual-cohort.html: %v", err)
	}
}
