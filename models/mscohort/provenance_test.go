package mscohort

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// sourceMarks are the words that give a number of data/defaults.toml its
// provenance: a source named in the file's list of abbreviations or in its
// comments (each with its reference there), or a status mark.
var sourceMarks = []string{
	"ICER-2017", "Campbell", "Harding", "Hartung", "ASCLEPIOS", "Mauskopf", "Kobelt", "JMCP", "AFFIRM",
	"Fambiatos", "Viglietta", "Montgomery",
	"ASSUMED", "DERIVED", "calibrated",
}

// unverifiedWords mark a figure that was recalled or attributed but not
// read: such a number must also say ASSUMED.
var unverifiedWords = []string{"recalled", "unverified", "not verified", "not in the reference", "not found"}

// TestEveryDefaultNumberHasASource reads data/defaults.toml and fails on
// any assignment with a number whose provenance — its inline comment and
// the comment block above it (above the assignments it is grouped with,
// or above its table's header) — names no source and carries no ASSUMED,
// DERIVED or calibrated mark, or calls the figure recalled or unverified
// without marking it ASSUMED. The reference cases' files are held to the
// same rule by their parser (parseReferenceCase) and the shipped CSV
// files must open with their provenance.
func TestEveryDefaultNumberHasASource(t *testing.T) {
	b, err := os.ReadFile("data/defaults.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range defaultsWithoutSource(string(b)) {
		t.Error(p)
	}
	// The checker finds what it should.
	bad := "# Heading ICER-2017\n[t]\na = 1 # ICER-2017\n\nb = 2\n[u]\nc = 3 # recalled from AFFIRM\nd = \"text\"\n"
	if got := defaultsWithoutSource(bad); len(got) != 2 || !strings.Contains(got[0], "line 5") || !strings.Contains(got[1], "line 7") {
		t.Errorf("checker on a bad file: %q", got)
	}
	// Every shipped table names its source in its # header.
	for _, f := range []string{"lifetable_us_2015.csv", "lifetable_ew_2019.csv", "cpi_uk_ons_d7bt.csv", "cpi_us_bls_cpiu.csv"} {
		b, err := os.ReadFile("data/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "#") || !strings.Contains(string(b[:min(len(b), 2000)]), "Source") {
			t.Errorf("data/%s does not open with its provenance (# lines naming the Source)", f)
		}
	}
}

var (
	assignRe = regexp.MustCompile(`^\s*[A-Za-z_][A-Za-z0-9_]*\s*=`)
	headerRe = regexp.MustCompile(`^\s*\[`)
	numberRe = regexp.MustCompile(`[0-9]`)
)

// defaultsWithoutSource returns one message per numeric assignment of a
// TOML text without provenance (see TestEveryDefaultNumberHasASource).
func defaultsWithoutSource(text string) []string {
	lines := strings.Split(text, "\n")
	comment := func(l string) string {
		if _, c, ok := strings.Cut(l, "#"); ok {
			return c
		}
		return ""
	}
	isComment := func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "#") }
	block := func(i int) string { // the comment lines directly above line i
		var s []string
		for j := i - 1; j >= 0 && isComment(lines[j]); j-- {
			s = append(s, lines[j])
		}
		return strings.Join(s, "\n")
	}
	var out []string
	for i, l := range lines {
		if isComment(l) || !assignRe.MatchString(l) {
			continue
		}
		value, _, _ := strings.Cut(l[strings.Index(l, "=")+1:], "#")
		if !numberRe.MatchString(value) {
			continue
		}
		prov := comment(l)
		// Walk up over the assignments (and array rows) this one is grouped
		// with to the comment block above them, or to the table header.
		j := i
		for j > 0 && !isComment(lines[j-1]) && strings.TrimSpace(lines[j-1]) != "" && !headerRe.MatchString(lines[j-1]) {
			j--
		}
		if j > 0 && headerRe.MatchString(lines[j-1]) && !strings.HasPrefix(strings.TrimSpace(lines[j-1]), "[0") {
			j--
			prov += "\n" + block(j+1)
		}
		prov += "\n" + block(j)
		has := func(words []string) bool {
			for _, w := range words {
				if strings.Contains(prov, w) {
					return true
				}
			}
			return false
		}
		switch {
		case !has(sourceMarks):
			out = append(out, "data/defaults.toml line "+itoa(i+1)+": "+strings.TrimSpace(l)+": no source and no ASSUMED/DERIVED/calibrated mark")
		case has(unverifiedWords) && !strings.Contains(prov, "ASSUMED"):
			out = append(out, "data/defaults.toml line "+itoa(i+1)+": "+strings.TrimSpace(l)+": recalled or unverified, not marked ASSUMED")
		}
	}
	return out
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
