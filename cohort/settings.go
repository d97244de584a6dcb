package cohort

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Preset is a named set of avatar settings: what a release is made with
// and which published figures its report can be compared with. A figure
// made with other settings measures another release, so the report names
// the preset and says when no published figure applies.
type Preset struct {
	// Name is what `mdtwin synth --preset` takes.
	Name string `json:"name"`
	// K and NCP are the number of neighbours and of projected components
	// (AvatarOptions).
	K   int `json:"k"`
	NCP int `json:"ncp"`
	// CategoricalUpTo, when positive, makes every non-identifier column
	// with at most that many distinct values (missing counted as a value)
	// categorical before projecting, as the avatar paper's scripts do
	// (pandas astype("category")); 0 keeps the kinds as read.
	CategoricalUpTo int `json:"categorical_up_to,omitempty"`
	// Doc says where the settings come from.
	Doc string `json:"doc"`
	// Published are the published figures of a release made with these
	// settings on the table PublishedFor.
	Published    []PublishedFigure `json:"published,omitempty"`
	PublishedFor *TableShape       `json:"published_for,omitempty"`
	// Measured says how the published distance figures were measured,
	// when not as the report measures its own (MetricNCP components of
	// the release's projection); nil: the same way.
	Measured *Measurement `json:"published_measured_as,omitempty"`
}

// Measurement is how a published release's distance-based figures (hidden
// rate, local cloaking) were measured: on the first NCP components of a
// projection fitted to the original table, with every categorical column
// whose modalities are numbers (more than two of them) projected as a
// number when FeaturesAsNumbers is set — the kinds a reader infers from the
// file, before the preset made them categorical.
type Measurement struct {
	NCP               int    `json:"ncp"`
	FeaturesAsNumbers bool   `json:"features_as_numbers"`
	Doc               string `json:"doc"`
}

// TableShape identifies a published table by its rows and the names of its
// projected columns.
type TableShape struct {
	Name    string   `json:"name"`
	Rows    int      `json:"rows"`
	Columns []string `json:"columns"`
}

// Is reports whether t has the shape's rows and projected columns (in any
// order).
func (s *TableShape) Is(t *Table) bool {
	cols := projected(t)
	if s == nil || t.Rows() != s.Rows || len(cols) != len(s.Columns) {
		return false
	}
	for _, c := range s.Columns {
		if !slices.Contains(cols, c) {
			return false
		}
	}
	return true
}

// PublishedFigure is one published figure a report can be compared with.
type PublishedFigure struct {
	Table  string  `json:"table"`  // the data set, e.g. "WBCD (Wisconsin breast cancer, 683 rows)"
	Metric string  `json:"metric"` // e.g. "hidden rate, %"
	Value  float64 `json:"value"`
	Source string  `json:"source"`
}

// paperSource cites the avatar paper; its figures for the breast-cancer
// table are hidden rate 92.7 %, median local cloaking 24 (counted with
// ties) and mean Hellinger distance 0.030. The 24 is in the paper's
// abstract (each avatar "indistinguishable from … 24" others for the
// observational study); 92.7 % and 0.030 are as issue 16 quotes the
// paper's results (its full text was not at hand to check). All three are
// what the paper's own published release
// (octopize/avatar-paper, datasets/WBCD/breast_cancer_wisconsin_avatarized_k20.csv,
// copied to testdata/) gives when measured as its companion notebook
// measures it (notebooks/messageAB_WBCD.r: metrics$fit(data, avatar,
// nf = 2), the nine features as numbers, Class a factor): 92.69 %, 24 and
// 0.0298 with this package's metrics (TestPaperReleaseFigures). The
// generation settings are those of the paper's scripts
// (generate_synthetic_data/avatarize_WBCD_time.py: every column
// astype("category"), k = 20, ncp = 2; avatarize_AIDS_time.py: columns
// with ≤ 10 unique values categorical, pidnum dropped, k = 20, ncp = 5).
const paperSource = "Guillaudeux et al., npj Digit Med 2023;6:37, WBCD release k = 20 (octopize/avatar-paper: settings from generate_synthetic_data/, figures reproduced from its published release datasets/WBCD/breast_cancer_wisconsin_avatarized_k20.csv as notebooks/messageAB_WBCD.r measures it)"

// paperMeasurement is how the avatar paper measured its breast-cancer
// figures (notebooks/messageAB_WBCD.r, see paperSource).
var paperMeasurement = &Measurement{NCP: 2, FeaturesAsNumbers: true,
	Doc: "as the paper's companion notebook measures them (avatar-paper notebooks/messageAB_WBCD.r): 2 components of a projection with the nine features as numbers and Class a factor; on the paper's own published release this gives 92.69 %, 24 and 0.0298"}

// Presets are the named settings. "default" is mdtwin's own: kinds as
// inferred (integer columns with few levels are ordinal, projected as
// numbers), 5 components (Octopize's tutorial default), k = 20 (the
// paper's and Octopize's guide's); no published figure was made with it.
// "paper" is the avatar paper's setting for its breast-cancer table
// (WBCD): every column with at most 10 distinct values categorical — on
// WBCD, every column — 2 components, k = 20. "paper-aids" is its setting
// for the ACTG 175 (AIDS) trial table: the same rule, 5 components, k = 20.
var Presets = []Preset{
	{Name: "default", K: 20, NCP: DefaultNCP,
		Doc: "mdtwin's defaults: column kinds as inferred (integer columns with ≤ 10 levels ordinal, projected as numbers), 5 components, k = 20; not the settings of any published figure"},
	{Name: "paper", K: 20, NCP: 2, CategoricalUpTo: 10,
		Doc: "the avatar paper's settings for its breast-cancer table (WBCD): every column with ≤ 10 distinct values categorical, 2 components, k = 20",
		Published: []PublishedFigure{
			{Table: wbcdName, Metric: MetricHiddenRate, Value: 92.7, Source: paperSource},
			{Table: wbcdName, Metric: MetricLocalCloaking, Value: 24, Source: paperSource},
			{Table: wbcdName, Metric: MetricHellinger, Value: 0.030, Source: paperSource},
		},
		PublishedFor: &TableShape{Name: wbcdName, Rows: 683, Columns: []string{"Clump_Thickness", "Uniformity_of_Cell_Size",
			"Uniformity_of_Cell_Shape", "Marginal_Adhesion", "Single_Epithelial_Cell_Size", "Bare_Nuclei", "Bland_Chromatin",
			"Normal_Nucleoli", "Mitoses", "Class"}},
		Measured: paperMeasurement},
	{Name: "paper-aids", K: 20, NCP: 5, CategoricalUpTo: 10,
		Doc: "the avatar paper's settings for its ACTG 175 (AIDS) trial table: columns with ≤ 10 distinct values categorical, 5 components, k = 20 (drop the id column pidnum)"},
}

const wbcdName = "WBCD (Wisconsin breast cancer, 683 rows × 10 columns after dropping the sample id)"

// The names of the figures the presets' published values are given for;
// they are the metric names of the report's checks.
const (
	MetricHiddenRate    = "hidden rate, %"
	MetricLocalCloaking = "median local cloaking (ties counted)"
	MetricHellinger     = "mean Hellinger distance"
)

// PresetNamed returns the preset called name.
func PresetNamed(name string) (Preset, error) {
	for _, p := range Presets {
		if p.Name == name {
			return p, nil
		}
	}
	names := make([]string, len(Presets))
	for i, p := range Presets {
		names[i] = p.Name
	}
	return Preset{}, fmt.Errorf("unknown preset %q, expected one of: %s", name, strings.Join(names, ", "))
}

// Apply returns t with the preset's column kinds: with CategoricalUpTo > 0,
// each numeric column with at most that many distinct values (missing
// counted as one) becomes categorical, its modalities the values' text in
// numeric order. Other columns are shared with t.
func (p Preset) Apply(t *Table) *Table {
	if p.CategoricalUpTo <= 0 {
		return t
	}
	return Categorize(t, p.CategoricalUpTo)
}

// Categorize returns t with every numeric column that has at most
// maxLevels distinct values (a missing value counted as one, as pandas'
// unique() counts NaN) turned into a categorical column, missing values
// kept missing. Other columns are shared with t.
func Categorize(t *Table, maxLevels int) *Table {
	out := &Table{rows: t.rows, Columns: slices.Clone(t.Columns)}
	for j := range out.Columns {
		c := &out.Columns[j]
		if !c.Kind.numeric() {
			continue
		}
		distinct := map[float64]bool{}
		missing := 0
		for _, x := range c.Num {
			if math.IsNaN(x) {
				missing = 1
				continue
			}
			distinct[x] = true
			if len(distinct)+missing > maxLevels {
				break
			}
		}
		if len(distinct)+missing > maxLevels {
			continue
		}
		vals := make([]float64, 0, len(distinct))
		for x := range distinct {
			vals = append(vals, x)
		}
		slices.Sort(vals)
		levels := make([]string, len(vals))
		index := make(map[float64]int, len(vals))
		for i, x := range vals {
			levels[i] = c.text(x)
			index[x] = i
		}
		cat := make([]int, len(c.Num))
		for i, x := range c.Num {
			if math.IsNaN(x) {
				cat[i] = -1
			} else {
				cat[i] = index[x]
			}
		}
		*c = Column{Name: c.Name, Kind: Categorical, Cat: cat, Levels: levels}
	}
	return out
}

// text writes value x of numeric column c as the column's String does.
func (c *Column) text(x float64) string {
	if c.Kind == Date {
		return (&Column{Kind: Date, Num: []float64{x}}).String(0)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}
