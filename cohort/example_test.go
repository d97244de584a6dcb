package cohort_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/mdtwin/mdtwin/cohort"
)

func ExampleGenerate() {
	csv := `id,age,sex,sbp
1,34,F,118
2,51,M,135
3,47,F,128
4,29,M,121
5,62,F,142
6,55,M,139
`
	t, err := cohort.ReadCSV(strings.NewReader(csv), "patients.csv", cohort.ReadOptions{})
	if err != nil {
		panic(err)
	}
	av, err := cohort.Generate(context.Background(), t, cohort.AvatarOptions{K: 3, Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println(av.Table.Names(), av.Table.Rows())
	// Output: [age sex sbp] 6
}

func ExampleMatchPatient() {
	csv := `age,sex,relapse_free_years,relapsed
30,F,6,0
32,F,2,1
45,M,4,1
47,M,8,0
31,F,5,1
`
	ref, _ := cohort.ReadCSV(strings.NewReader(csv), "ref.csv", cohort.ReadOptions{Kinds: map[string]cohort.Kind{"age": cohort.Continuous}})
	res, err := cohort.MatchPatient(ref, map[string]string{"age": "33", "sex": "F"}, cohort.MatchOptions{
		K: 3, Time: "relapse_free_years", Event: "relapsed", Horizons: []float64{2, 5},
	})
	if err != nil {
		panic(err)
	}
	var rows []string
	for _, m := range res.Matches {
		rows = append(rows, fmt.Sprint("row ", m.Row)) // ages 32, 31, 30: nearest first
	}
	fmt.Println(strings.Join(rows, " "))
	// Kaplan–Meier of rows 1, 4, 0 (2 y event, 5 y event, 6 y censored):
	// S(2) = 2/3, S(5) = 2/3·1/2 = 1/3.
	for _, p := range res.AtHorizons {
		fmt.Printf("S(%g) = %.3f\n", p.Time, p.Survival)
	}
	// Output:
	// row 1 row 4 row 0
	// S(2) = 0.667
	// S(5) = 0.333
}
