package cohort

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// mixedTable returns n rows of 20 correlated mixed columns: 10 continuous,
// 5 ordinal (1..7) and 5 categorical (3 to 7 modalities), all driven by 3
// latent Gaussian factors so that neighbourhoods are meaningful.
func mixedTable(n int, seed uint64) *Table {
	rng := rand.New(rand.NewPCG(seed, 1))
	var cols []Column
	lat := make([][3]float64, n)
	for i := range lat {
		lat[i] = [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
	}
	for j := range 10 {
		x := make([]float64, n)
		for i := range x {
			x[i] = 50 + 10*(lat[i][j%3]+0.5*lat[i][(j+1)%3]+0.7*rng.NormFloat64())
		}
		cols = append(cols, Column{Name: fmt.Sprintf("c%d", j), Kind: Continuous, Num: x})
	}
	for j := range 5 {
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Min(7, math.Max(1, math.Round(4+1.5*(lat[i][j%3]+0.8*rng.NormFloat64()))))
		}
		cols = append(cols, Column{Name: fmt.Sprintf("o%d", j), Kind: Ordinal, Num: x, Integer: true})
	}
	for j := range 5 {
		m := 3 + j
		levels := make([]string, m)
		for l := range levels {
			levels[l] = fmt.Sprintf("L%d", l)
		}
		x := make([]int, n)
		for i := range x {
			u := lat[i][(j+2)%3] + 0.8*rng.NormFloat64()
			x[i] = min(m-1, max(0, int(math.Floor((u+2)/4*float64(m)))))
		}
		cols = append(cols, Column{Name: fmt.Sprintf("k%d", j), Kind: Categorical, Cat: x, Levels: levels})
	}
	return NewTable(cols...)
}

// BenchmarkGenerate100k: 100,000 rows × 20 mixed columns, k = 20, 5
// components (issue 7 target: ≤ 10 s on 2 cores).
func BenchmarkGenerate100k(b *testing.B) { benchGenerate(b, 100000) }

// BenchmarkGenerate50k: the same at half the rows, to show that time and
// memory grow linearly in n (issue 7).
func BenchmarkGenerate50k(b *testing.B) { benchGenerate(b, 50000) }

// BenchmarkEvaluate100k: the privacy and utility report of the same
// release (issue 7 target: ≤ 30 s on 2 cores), the evaluation release of
// the attacks included.
func BenchmarkEvaluate100k(b *testing.B) { benchEvaluate(b, 100000) }

// BenchmarkEvaluate50k: the same at half the rows.
func BenchmarkEvaluate50k(b *testing.B) { benchEvaluate(b, 50000) }

func benchGenerate(b *testing.B, n int) {
	t := mixedTable(n, 1)
	for b.Loop() {
		if _, err := Generate(context.Background(), t, AvatarOptions{K: 20, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchEvaluate(b *testing.B, n int) {
	t := mixedTable(n, 1)
	av, err := Generate(context.Background(), t, AvatarOptions{K: 20, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Evaluate(context.Background(), t, av, EvalOptions{K: 20, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
