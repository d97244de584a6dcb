package pluginsdk

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mdtwin/mdtwin/models"
	modelv1 "github.com/mdtwin/mdtwin/models/pluginsdk/proto/model/v1"
)

// wire marshals and unmarshals m, as a gRPC call does.
func wire[M proto.Message](t *testing.T, m M, into M) M {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
	return into
}

func TestSpecRoundTrip(t *testing.T) {
	s := models.RunSpec{
		Study: "s", Model: "m", RunID: "r000017", Index: 17, Replicate: 2, Seed: math.MaxUint64,
		Params: models.Params{"f": math.Nextafter(0.1, 1), "i": int64(math.MinInt64), "b": true, "s": "ä"},
		Inputs: json.RawMessage(`{"a":[1,2]}`),
		Dir:    "/tmp/run",
	}
	ps, err := specToProto(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := specFromProto(wire(t, ps, &modelv1.RunSpec{}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Errorf("got %+v, want %+v", got, s)
	}
	// int is sent as int64, the type Resolve gives.
	ps, err = specToProto(models.RunSpec{Params: models.Params{"n": 3}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := specFromProto(ps); got.Params["n"] != int64(3) {
		t.Errorf("int parameter arrived as %T", got.Params["n"])
	}
	if _, err := specToProto(models.RunSpec{Params: models.Params{"x": []float64{1}}}); err == nil {
		t.Error("a slice parameter was accepted")
	}
}

func TestResultRoundTripIsBitExact(t *testing.T) {
	odd := []float64{math.Copysign(0, -1), math.Float64frombits(0x7ff8000000000123), math.Inf(-1),
		math.SmallestNonzeroFloat64, math.MaxFloat64, 0.1 + 0.2}
	r := models.Result{
		Scalars:   map[string]float64{},
		Tables:    []models.Table{{Name: "t", Columns: []string{"a", "b", "c"}, Rows: [][]float64{odd[:3], odd[3:]}}, {Name: "empty"}},
		Artifacts: []string{"a.vtk"},
	}
	for i, v := range odd {
		r.Scalars[string(rune('a'+i))] = v
	}
	got := resultFromProto(wire(t, resultToProto(r), &modelv1.Result{}))
	for k, v := range r.Scalars {
		if math.Float64bits(got.Scalars[k]) != math.Float64bits(v) {
			t.Errorf("scalar %s: %x, want %x", k, math.Float64bits(got.Scalars[k]), math.Float64bits(v))
		}
	}
	for i, row := range r.Tables[0].Rows {
		for j, v := range row {
			if math.Float64bits(got.Tables[0].Rows[i][j]) != math.Float64bits(v) {
				t.Errorf("cell %d,%d changed", i, j)
			}
		}
	}
	if len(got.Tables) != 2 || got.Tables[1].Name != "empty" || got.Tables[1].Rows != nil ||
		!reflect.DeepEqual(got.Artifacts, r.Artifacts) || !reflect.DeepEqual(got.Tables[0].Columns, r.Tables[0].Columns) {
		t.Errorf("got %+v", got)
	}
}

func TestDescriptorRoundTrip(t *testing.T) {
	d := models.Descriptor{
		Name: "m", Version: "1.2.3", Doc: "doc",
		Params: []models.Param{
			{Name: "f", Kind: models.Float, Unit: "mg/L", Default: 2.5, Min: models.Bound(0), Max: models.Bound(1e6), Doc: "a float"},
			{Name: "g", Kind: models.Float, Default: int64(2)}, // sent as the canonical 2.0
			{Name: "i", Kind: models.Int, Default: int64(-3), Min: models.Bound(-10)},
			{Name: "b", Kind: models.Bool, Default: true},
			{Name: "s", Kind: models.String, Default: "x", Choices: []string{"x", "y"}},
		},
		Outputs: []models.Output{{Name: "o", Unit: "1/h", Doc: "out"}},
	}
	got := descriptorFromProto(wire(t, descriptorToProto(d), &modelv1.Descriptor{}))
	want := d
	want.Params = append([]models.Param(nil), d.Params...)
	want.Params[1].Default = 2.0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}
