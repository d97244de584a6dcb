package cohort

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/sourcegraph/conc/pool"
	"gonum.org/v1/gonum/mat"
)

// AvatarOptions are the settings of the avatar method.
type AvatarOptions struct {
	// K is the number of neighbours each avatar is built from (required,
	// 1 ≤ K < rows). Larger K gives more privacy and less utility; the
	// avatar paper and Octopize's guide use 20.
	K int
	// NCP is the number of projected components the neighbours are
	// searched in; 0 means 5 (Octopize's tutorial default), capped at the
	// number of components.
	NCP int
	// Seed seeds the random weights and the output shuffle.
	Seed uint64
	// Workers is the number of goroutines for the neighbour search; 0
	// means GOMAXPROCS. The output does not depend on it.
	Workers int
}

// DefaultNCP is the number of components used for the neighbour search and
// the privacy metrics when AvatarOptions.NCP is 0.
const DefaultNCP = 5

// MinDistance is the floor applied to neighbour distances (in the
// standardised projected space, where a typical distance is of order 1)
// before taking 1/d, so that duplicate rows — zero distances — give large
// but finite, equal weights instead of Inf or NaN.
const MinDistance = 1e-9

// Avatars is the output of Generate.
type Avatars struct {
	// Table holds one avatar per original row, in shuffled order, with the
	// projected columns of the original table (identifiers left out).
	Table *Table
	// Source[r] is the original row avatar r was made from. It is
	// sensitive — it undoes the shuffle — and is kept for the privacy
	// metrics only; never release it.
	Source []int
	// Model is the projection fitted to the original table.
	Model *Projection
	// NCP is the number of components the neighbours were searched in.
	NCP int
	// Warnings are notes for the user (small K, …).
	Warnings []string
}

// seedStream tags the avatar generator's random stream (ASCII "avatar").
const seedStream = 0x617661746172

// Generate makes one avatar per row of t (the avatar method, Guillaudeux et
// al., npj Digit Med 2023;6:37):
//
//  1. project t with FAMD (FitFAMD);
//  2. find each row's K nearest other rows on the first NCP components
//     (exact search in a k-d tree; ties by row order); the row itself is
//     not one of its neighbours;
//  3. draw weights w_j ∝ (1/max(d_j, MinDistance))·R_j·2^(−r_j),
//     R_j ~ Exponential(1), r a random permutation of the ranks 1..K,
//     normalised to sum to 1;
//  4. the avatar is Σ_j w_j·z_j, the weighted barycentre of the neighbours'
//     standardised rows — the same point as the barycentre of their
//     coordinates on all components mapped back by the inverse projection,
//     because that map is linear and V is orthogonal;
//  5. decode it (Projection.Decode: numeric values unscaled and rounded as
//     the column requires, categorical modalities by largest value);
//  6. shuffle the rows.
//
// Random numbers come from one PCG stream seeded with Seed, drawn in row
// order, so the output depends only on t and the options.
func Generate(ctx context.Context, t *Table, opt AvatarOptions) (*Avatars, error) {
	n := t.Rows()
	if opt.K < 1 || opt.K >= n {
		return nil, fmt.Errorf("k = %d: expected 1 ≤ k < number of rows (%d)", opt.K, n)
	}
	model, err := FitFAMD(t)
	if err != nil {
		return nil, err
	}
	ncp := opt.NCP
	if ncp <= 0 {
		ncp = DefaultNCP
	}
	ncp = min(ncp, model.Components())
	out := &Avatars{Model: model, NCP: ncp}
	if opt.K <= 2 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("k = %d: avatars this close to their originals are exposed to reconstruction and linkage attacks (Lautraite et al. 2026, unverified); k ≥ 5 is usual", opt.K))
	}
	z := model.Encode(t)
	coords := model.coordinates(z, ncp)
	nbIdx, nbDist, err := allNearest(ctx, coords, opt.K, opt.Workers)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(opt.Seed, seedStream))
	k := opt.K
	w := make([]float64, k)
	ranks := make([]int, k)
	zr := z.RawMatrix()
	av := mat.NewDense(n, model.Components(), nil)
	ar := av.RawMatrix()
	for i := range n {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for j := range ranks {
			ranks[j] = j + 1
		}
		rng.Shuffle(k, func(a, b int) { ranks[a], ranks[b] = ranks[b], ranks[a] })
		var sum float64
		for j := range k {
			d := math.Max(nbDist[i*k+j], MinDistance)
			w[j] = rng.ExpFloat64() / d * math.Exp2(-float64(ranks[j]))
			sum += w[j]
		}
		dst := ar.Data[i*ar.Stride : i*ar.Stride+ar.Cols]
		for j := range k {
			src := zr.Data[int(nbIdx[i*k+j])*zr.Stride : int(nbIdx[i*k+j])*zr.Stride+zr.Cols]
			wj := w[j] / sum
			for c, x := range src {
				dst[c] += wj * x
			}
		}
	}
	decoded := model.Decode(av)
	out.Source = rng.Perm(n)
	out.Table = decoded.Subset(out.Source)
	return out, nil
}

// allNearest returns, for every row of pts, its k nearest other rows
// (indices and distances, n × k, by (distance, index)).
func allNearest(ctx context.Context, pts *mat.Dense, k, workers int) ([]int32, []float64, error) {
	n, dim := pts.Dims()
	flat := denseRows(pts)
	tree := newKDTree(flat, dim)
	idx := make([]int32, n*k)
	dist := make([]float64, n*k)
	err := forChunks(ctx, n, workers, func(lo, hi int) {
		var q knnQuery
		for i := lo; i < hi; i++ {
			nb := tree.nearest(flat[i*dim:(i+1)*dim], k, i, &q)
			for j, c := range nb {
				idx[i*k+j], dist[i*k+j] = c.i, math.Sqrt(c.d2)
			}
		}
	})
	return idx, dist, err
}

// denseRows returns the row-major data of m without padding.
func denseRows(m *mat.Dense) []float64 {
	r, c := m.Dims()
	raw := m.RawMatrix()
	if raw.Stride == c {
		return raw.Data[:r*c]
	}
	out := make([]float64, 0, r*c)
	for i := range r {
		out = append(out, raw.Data[i*raw.Stride:i*raw.Stride+c]...)
	}
	return out
}

// forChunks runs f over [0, n) in chunks on workers goroutines (GOMAXPROCS
// when ≤ 0). f writes its results by index; chunk order does not matter.
func forChunks(ctx context.Context, n, workers int, f func(lo, hi int)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const chunk = 2048
	p := pool.New().WithMaxGoroutines(workers).WithContext(ctx)
	for lo := 0; lo < n; lo += chunk {
		p.Go(func(ctx context.Context) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			f(lo, min(lo+chunk, n))
			return nil
		})
	}
	return p.Wait()
}
