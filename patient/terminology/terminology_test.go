package terminology

import (
	"math"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/patient"
)

func TestDataFiles(t *testing.T) {
	if err := Check(); err != nil {
		t.Fatal(err)
	}
}

// TestConvert checks conversions against UCUM's own definitions
// (ucum-essence.xml 2.2): [in_i] = 2.54 cm exactly, [lb_av] = 7000 [gr],
// [gr] = 64.79891 mg (so 1 lb = 453.59237 g exactly), m[Hg] = 133.3220
// kPa, Cel and [degF] by the special functions, 10*3/uL = 10^9/L.
func TestConvert(t *testing.T) {
	for _, c := range []struct {
		v        float64
		from, to string
		want     float64
	}{
		{1, "[in_i]", "cm", 2.54},
		{70, "[in_i]", "cm", 177.8},
		{1, "[lb_av]", "kg", 0.45359237},
		{1, "[ft_i]", "m", 0.3048},
		{16, "[oz_av]", "[lb_av]", 1},
		{120, "mm[Hg]", "kPa", 15.998640},
		{37, "Cel", "[degF]", 98.6},
		{212, "[degF]", "Cel", 100},
		{0, "Cel", "K", 273.15},
		{5.5, "10*3/uL", "10*9/L", 5.5},
		{180, "mg/dL", "g/L", 1.8},
		{50, "%", "1", 0.5},
		{1, "d", "h", 24},
		{1, "a", "d", 365.25},
		{10000, "/(24.h)", "/d", 10000},
		{3, "{score}", "1", 3},
		{1, "mmol/L", "umol/L", 1000},
		{22, "kg/m2", "g/cm2", 2.2},
	} {
		got, err := Convert(c.v, c.from, c.to)
		if err != nil {
			t.Errorf("%v %s → %s: %v", c.v, c.from, c.to, err)
			continue
		}
		// Tolerance: 1e-9 relative, floating-point rounding of exact definitions.
		if math.Abs(got-c.want) > 1e-9*math.Max(1, math.Abs(c.want)) {
			t.Errorf("%v %s → %s = %.12g, want %.12g", c.v, c.from, c.to, got, c.want)
		}
	}
	for _, c := range [][2]string{{"kg", "cm"}, {"mg/dL", "mmol/L"}, {"[iU]", "mg"}, {"Cel", "kg"}, {"bogus", "kg"}, {"kg", "m/("}} {
		if _, err := Convert(1, c[0], c[1]); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s → %s: %v, want one-line error", c[0], c[1], err)
		}
	}
}

// TestTherapy matches by code first (an ATC code of either edition), then
// by display text.
func TestTherapy(t *testing.T) {
	for _, c := range []struct {
		drug patient.Coded
		want string
		how  How
	}{
		{patient.Coded{{System: SystemATC, Code: "L04AE01", Display: "Gilenya 0.5 mg"}}, "fingolimod", ByCode},
		{patient.Coded{{System: SystemRxNorm, Code: "999999", Display: "Some brand"}, {System: SystemATC, Code: "L04AA36"}}, "ocrelizumab", ByCode},
		{patient.Coded{{System: SystemATC, Code: "N07XX09"}}, "dimethyl_fumarate", ByCode},
		{patient.Coded{{Display: "Interferon beta-1a"}}, "interferon_beta_1a", ByText},
		{patient.Coded{{System: SystemRxNorm, Code: "197378", Display: "Astemizole 10 MG Oral Tablet"}}, "astemizole_10_mg_oral_tablet", ByText},
		{nil, "", NoMatch},
	} {
		got, how := Therapy(c.drug)
		if got != c.want || how != c.how {
			t.Errorf("Therapy(%v) = %q by %v, want %q by %v", c.drug, got, how, c.want, c.how)
		}
	}
}

// TestOMOP checks rows of the subset against Eunomia's CONCEPT.csv
// (Synthea27Nj 5.4): e.g. SNOMED 10509002 acute bronchitis is concept
// 260139 of the Condition domain, LOINC 72166-2 smoking status 43054909 of
// the Observation domain.
func TestOMOP(t *testing.T) {
	for _, c := range []struct {
		system, code string
		id           int64
		domain       string
	}{
		{SystemSNOMED, "10509002", 260139, "Condition"},
		{SystemLOINC, "72166-2", 43054909, "Observation"},
		{SystemLOINC, "8302-2", 3036277, "Measurement"},
		{SystemRxNorm, "313782", 1127433, "Drug"},
		{SystemUCUM, "kg", 9529, "Unit"},
	} {
		got, ok := OMOP(c.system, c.code)
		if !ok || got.ID != c.id || got.Domain != c.domain || !got.Standard {
			t.Errorf("OMOP(%s, %s) = %+v, %v", c.system, c.code, got, ok)
		}
	}
	if v, ok := OMOPVocabulary("Visit", "ER"); !ok || v.ID != 9203 {
		t.Errorf("visit ER = %+v", v)
	}
}

func TestObservation(t *testing.T) {
	v, unit, ok := InUnit(patient.Coded{{System: SystemLOINC, Code: "29463-7"}}, 154, "[lb_av]")
	// 154 lb × 0.45359237 kg/lb = 69.85322498 kg.
	if !ok || unit != "kg" || math.Abs(v-69.85322498) > 1e-6 {
		t.Errorf("body weight 154 [lb_av] = %v %s (%v)", v, unit, ok)
	}
	if c, u, ok := Score("44261-6"); !ok || c.Code != "44261-6" || u != "{score}" {
		t.Errorf("PHQ-9 score item: %v %s %v", c, u, ok)
	}
	if _, info, ok := Observation(patient.Coded{{System: SystemLOINC, Code: "41950-7"}}); !ok || info.Group != Device {
		t.Errorf("steps: %+v %v", info, ok)
	}
}

func TestParseTableErrors(t *testing.T) {
	for in, want := range map[string]string{
		"a\tb\n":             "x.tsv:1: 2 tab-separated cells, expected 3",
		"a\t\tc\n":           "x.tsv:1:3: cell 2 is empty",
		"# c\na\tb\tc\xff\n": "x.tsv:2: invalid UTF-8",
	} {
		_, err := ParseTable("x.tsv", []byte(in), 3, "h")
		if err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", in, err, want)
		}
	}
}

// FuzzParseTable: the table reader never panics and answers in one line.
func FuzzParseTable(f *testing.F) {
	for _, name := range []string{"data/therapies.tsv", "data/observations.tsv", "data/omop_concepts.tsv"} {
		f.Add(mustRead(name))
	}
	f.Add([]byte("a\tb\n\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseTable("f.tsv", data, 4, "h")
		if err != nil && (strings.ContainsAny(err.Error(), "\n\r") || !strings.HasPrefix(err.Error(), "f.tsv")) {
			t.Fatalf("not one line naming the file: %q", err)
		}
	})
}

// FuzzParseUnit: a unit expression never panics the parser.
func FuzzParseUnit(f *testing.F) {
	for _, s := range []string{"mg/dL", "10*3/uL", "/(24.h)", "kg/m2", "{score}", "mm[Hg]", "((((m))))", "m-2.s+1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseUnit(s)
		if err == nil && (math.IsNaN(u.Factor) || u.Factor == 0) {
			t.Fatalf("%q: factor %v", s, u.Factor)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
			t.Fatalf("%q: multi-line error", s)
		}
	})
}
