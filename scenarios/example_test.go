package scenarios_test

import (
	"fmt"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
)

// A model's descriptor, as its Describe method would return it.
var pk = models.Descriptor{
	Name: "pk",
	Params: []models.Param{
		{Name: "dose_mg", Kind: models.Float, Unit: "mg", Default: 100.0, Min: models.Bound(0), Max: models.Bound(1000)},
		{Name: "route", Kind: models.String, Default: "oral", Choices: []string{"oral", "iv"}},
		{Name: "fed", Kind: models.Bool, Default: false},
	},
}

func Example() {
	src := `
[study]
name = "pk-sweep"
model = "pk"
seed = 20261127
replicates = 2

[params]
fed = true

[sweep]
design = "grid"
[sweep.params]
dose_mg = [50, 200]
route = ["oral", "iv"]
`
	sc, err := scenarios.Parse("pk-sweep.toml", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	runs, err := sc.Expand(pk)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sc.Study.Output, len(runs), "runs")
	for _, r := range runs {
		fmt.Println(r.ID, r.Point, r.Replicate, r.Params.Float("dose_mg"), r.Params.String("route"), r.Params.Bool("fed"))
	}
	// Output:
	// out/pk-sweep 8 runs
	// r000000 0 0 50 oral true
	// r000001 0 1 50 oral true
	// r000002 1 0 50 iv true
	// r000003 1 1 50 iv true
	// r000004 2 0 200 oral true
	// r000005 2 1 200 oral true
	// r000006 3 0 200 iv true
	// r000007 3 1 200 iv true
}

func ExampleParse_error() {
	src := `[study]
name = "pk-sweep"
model = "pk"
seed = 1
replicate = 3
`
	_, err := scenarios.Parse("pk-sweep.toml", []byte(src))
	fmt.Println(err)
	// Output:
	// pk-sweep.toml:5:1: unknown key "replicate" in [study], expected one of: name, model, seed, replicates, output, doc
}

func ExampleScenario_Expand_error() {
	src := `[study]
name = "pk-sweep"
model = "pk"
seed = 1
[sweep]
design = "zip"
[sweep.params]
dose_mg = [50, 500, 5000]
route = ["oral", "iv", "iv"]
`
	sc, err := scenarios.Parse("pk-sweep.toml", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = sc.Expand(pk)
	fmt.Println(err)
	// Output:
	// pk-sweep.toml:8:21: parameter "dose_mg" of model "pk" = 5000: above the maximum 1000 mg
}

func ExampleRunSeed() {
	for i := range 3 {
		fmt.Printf("%#016x\n", scenarios.RunSeed(0, i))
	}
	// Output:
	// 0xe220a8397b1dcdaf
	// 0x6e789e6aa1b965f4
	// 0x06c45d188009454f
}
