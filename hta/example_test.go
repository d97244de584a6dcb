package hta_test

import (
	"fmt"

	"github.com/mdtwin/mdtwin/hta"
)

func ExampleFrontier() {
	rows := hta.Frontier([]hta.Strategy{
		{Name: "usual care", Cost: 10000, Effect: 5.0},
		{Name: "drug X", Cost: 14000, Effect: 5.5},
		{Name: "drug Y", Cost: 13000, Effect: 4.9},
		{Name: "drug X + Z", Cost: 15000, Effect: 6.0},
		{Name: "drug W", Cost: 25000, Effect: 7.0},
	})
	for _, r := range rows {
		fmt.Printf("%-10s %-20s %-10s %8.0f\n", r.Name, r.Status, r.Versus, r.ICER)
	}
	// Output:
	// usual care reference                            NaN
	// drug X     extendedly dominated                 NaN
	// drug Y     dominated                            NaN
	// drug X + Z non-dominated        usual care     5000
	// drug W     non-dominated        drug X + Z    10000
}

func ExampleCycleWeights() {
	// Simpson's 1/3 rule over 4 cycles integrates f(t) = t³ exactly: ∫_0^4 t³ dt = 64.
	w := hta.CycleWeights(hta.Simpson, 4)
	var sum float64
	for k, wk := range w {
		sum += wk * float64(k*k*k)
	}
	fmt.Printf("%.4f\n%.0f\n", w, sum)
	// Output:
	// [0.3333 1.3333 0.6667 1.3333 0.3333]
	// 64
}

func ExampleDiscountedTime() {
	// One year of a cost of 1,000 per year, starting 2 years from now, at 3.5 %:
	// continuously discounted, and counted at the end of the year.
	fmt.Printf("%.2f\n", 1000*hta.DiscountedTime(0.035, 2, 3))
	fmt.Printf("%.2f\n", 1000*hta.DiscountFactor(0.035, 3))
	// Output:
	// 917.64
	// 901.94
}

func ExampleEVPI() {
	// Two PSA draws of two strategies (cost, effect per person).
	costs := [][]float64{{0, 100}, {0, 100}}
	effects := [][]float64{{1, 2}, {1, 1.05}}
	wtps := []float64{0, 1000}
	fmt.Println(hta.CEAC(costs, effects, wtps))
	fmt.Println(hta.CEAF(costs, effects, wtps))
	fmt.Println(hta.EVPI(costs, effects, wtps))
	// Output:
	// [[1 0] [0.5 0.5]]
	// [0 1]
	// [0 25]
}
