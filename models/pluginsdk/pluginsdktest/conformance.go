package pluginsdktest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pluginsdk"
)

// Conformance checks that m keeps the model contract and survives the
// plugin protocol. A model author calls it from a test of their package:
//
//	func TestConformance(t *testing.T) { pluginsdktest.Conformance(t, mymodel.Model{}) }
//
// Each check is a subtest:
//
//   - descriptor: Describe passes Descriptor.Check and names a Version.
//   - runs: the default parameter set runs, and so does each variant of it
//     with one String parameter set to another of its Choices or one Bool
//     parameter flipped; every declared output is present and finite, there
//     are no undeclared outputs, tables have unique names and rows as wide as
//     their columns, and a run without a folder (Dir "") lists no artifacts.
//   - determinism: the same spec twice gives bit-identical results.
//   - seed: randomness comes only from Seed: two specs with the same Seed but
//     different Study, RunID, Index and Replicate, run with another seed in
//     between, give bit-identical results.
//   - bounds: for each bounded parameter, Resolve accepts the bound itself
//     and rejects a value just beyond it with a *models.ParamError naming it.
//   - artifacts: with a folder, every listed artifact is a relative path to
//     a file inside it.
//   - grpc: through a real gRPC connection (no subprocess), the descriptor
//     arrives intact and a batch of the runs above gives bit-identical results.
//   - cancelled: Run with an already-cancelled context returns promptly
//     (within 10 s plus twice the time of a normal run), either with an
//     error wrapping context.Canceled or, for a model quick enough not to
//     look at ctx, with its normal result.
//
// Runs use Dir "" except in the artifacts check, and a nil Observer.
func Conformance(t *testing.T, m models.Model) {
	t.Helper()
	d := m.Describe()
	if err := d.Check(); err != nil {
		t.Fatalf("descriptor: %v", err)
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if err := c.fn(t, m, d); err != nil {
				t.Error(err)
			}
		})
	}
}

type check struct {
	name string
	fn   func(tb testing.TB, m models.Model, d models.Descriptor) error
}

var checks = []check{
	{"descriptor", checkDescriptor},
	{"runs", checkRuns},
	{"determinism", checkDeterminism},
	{"seed", checkSeed},
	{"bounds", checkBounds},
	{"artifacts", checkArtifacts},
	{"grpc", checkGRPC},
	{"cancelled", checkCancelled},
}

func checkDescriptor(_ testing.TB, m models.Model, d models.Descriptor) error {
	if err := d.Check(); err != nil {
		return err
	}
	if d.Version == "" {
		return fmt.Errorf("model %q has no Version; the manifest records it", d.Name)
	}
	if again := m.Describe(); diffDescriptors(d, again) != "" {
		return fmt.Errorf("Describe is not stable: %s", diffDescriptors(d, again))
	}
	return nil
}

// variant is a named parameter set.
type variant struct {
	name string
	raw  map[string]any
}

// variants returns the default parameter set and its one-change variants.
func variants(d models.Descriptor) []variant {
	vs := []variant{{name: "defaults", raw: map[string]any{}}}
	for _, p := range d.Params {
		switch p.Kind {
		case models.String:
			for _, c := range p.Choices {
				if c != p.Default {
					vs = append(vs, variant{name: p.Name + "=" + c, raw: map[string]any{p.Name: c}})
				}
			}
		case models.Bool:
			if b, ok := p.Default.(bool); ok {
				vs = append(vs, variant{name: fmt.Sprintf("%s=%t", p.Name, !b), raw: map[string]any{p.Name: !b}})
			}
		}
	}
	return vs
}

// spec returns a run spec of d for the parameters raw.
func spec(d models.Descriptor, raw map[string]any, seed uint64, index int) (models.RunSpec, error) {
	ps, err := d.Resolve(raw)
	if err != nil {
		return models.RunSpec{}, err
	}
	return models.RunSpec{
		Study:  "conformance",
		Model:  d.Name,
		RunID:  fmt.Sprintf("r%06d", index),
		Index:  index,
		Seed:   seed,
		Params: ps,
	}, nil
}

func defaultSpec(d models.Descriptor) (models.RunSpec, error) { return spec(d, nil, 20260101, 0) }

func checkRuns(_ testing.TB, m models.Model, d models.Descriptor) error {
	var errs []error
	for i, v := range variants(d) {
		s, err := spec(d, v.raw, 20260101, i)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", v.name, err))
			continue
		}
		res, err := m.Run(context.Background(), s, nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: Run failed: %w", v.name, err))
			continue
		}
		if err := checkResult(d, res); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", v.name, err))
		}
		if len(res.Artifacts) > 0 {
			errs = append(errs, fmt.Errorf("%s: run without a folder (Dir \"\") lists artifacts %q", v.name, res.Artifacts))
		}
	}
	return errors.Join(errs...)
}

// checkResult checks a result against the descriptor's outputs.
func checkResult(d models.Descriptor, res models.Result) error {
	var errs []error
	declared := map[string]bool{}
	for _, o := range d.Outputs {
		declared[o.Name] = true
		v, ok := res.Scalars[o.Name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("declared output %q is missing", o.Name))
		case math.IsNaN(v) || math.IsInf(v, 0):
			errs = append(errs, fmt.Errorf("output %q = %v is not finite", o.Name, v))
		}
	}
	for _, k := range unionKeys(res.Scalars, nil) {
		if !declared[k] {
			errs = append(errs, fmt.Errorf("output %q is not declared in the descriptor", k))
		}
	}
	tables := map[string]bool{}
	for _, t := range res.Tables {
		switch {
		case t.Name == "" || strings.ContainsAny(t.Name, `/\`) || t.Name == "." || t.Name == "..":
			errs = append(errs, fmt.Errorf("table name %q is not a plain file name", t.Name))
		case tables[t.Name]:
			errs = append(errs, fmt.Errorf("two tables named %q", t.Name))
		}
		tables[t.Name] = true
		for i, row := range t.Rows {
			if len(row) != len(t.Columns) {
				errs = append(errs, fmt.Errorf("table %q row %d has %d values for %d columns", t.Name, i, len(row), len(t.Columns)))
				break
			}
		}
	}
	return errors.Join(errs...)
}

func checkDeterminism(_ testing.TB, m models.Model, d models.Descriptor) error {
	s, err := defaultSpec(d)
	if err != nil {
		return err
	}
	a, err := m.Run(context.Background(), s, nil)
	if err != nil {
		return err
	}
	b, err := m.Run(context.Background(), s, nil)
	if err != nil {
		return err
	}
	if diff := DiffResults(a, b); diff != "" {
		return fmt.Errorf("the same spec twice gave different results: %s", diff)
	}
	return nil
}

func checkSeed(_ testing.TB, m models.Model, d models.Descriptor) error {
	a, err := spec(d, nil, 42, 0)
	if err != nil {
		return err
	}
	other := a
	other.Seed, other.Index, other.RunID = 43, 1, "r000001"
	b := a
	b.Study, b.RunID, b.Index, b.Replicate = "another-study", "r000017", 17, 3
	ctx := context.Background()
	ra, err := m.Run(ctx, a, nil)
	if err != nil {
		return err
	}
	if _, err := m.Run(ctx, other, nil); err != nil {
		return err
	}
	rb, err := m.Run(ctx, b, nil)
	if err != nil {
		return err
	}
	if diff := DiffResults(ra, rb); diff != "" {
		return fmt.Errorf("two runs with Seed 42 but different Study, RunID, Index and Replicate differ "+
			"(randomness must come from Seed only, and no state may carry over between runs): %s", diff)
	}
	return nil
}

func checkBounds(_ testing.TB, _ models.Model, d models.Descriptor) error {
	var errs []error
	for _, p := range d.Params {
		if p.Kind != models.Float && p.Kind != models.Int {
			continue
		}
		for _, b := range []struct {
			bound *float64
			dir   float64 // -1 below the minimum, +1 above the maximum
		}{{p.Min, -1}, {p.Max, +1}} {
			if b.bound == nil {
				continue
			}
			at, beyond := boundValues(p.Kind, *b.bound, b.dir)
			if _, err := d.Resolve(map[string]any{p.Name: at}); err != nil {
				errs = append(errs, fmt.Errorf("Resolve rejects %s = its own bound %v: %w", p.Name, at, err))
			}
			_, err := d.Resolve(map[string]any{p.Name: beyond})
			var pe *models.ParamError
			switch {
			case err == nil:
				errs = append(errs, fmt.Errorf("Resolve accepts %s = %v beyond its bound %v", p.Name, beyond, at))
			case !errors.As(err, &pe) || pe.Param != p.Name:
				errs = append(errs, fmt.Errorf("Resolve of %s = %v: error %v does not name the parameter", p.Name, beyond, err))
			}
		}
	}
	return errors.Join(errs...)
}

// boundValues returns a bound as a value of the parameter's kind and a
// value just beyond it in direction dir.
func boundValues(k models.Kind, bound, dir float64) (at, beyond any) {
	if k == models.Float {
		return bound, math.Nextafter(bound, math.Inf(int(dir)))
	}
	if dir < 0 {
		b := math.Ceil(bound)
		return int64(b), int64(b) - 1
	}
	b := math.Floor(bound)
	return int64(b), int64(b) + 1
}

func checkArtifacts(tb testing.TB, m models.Model, d models.Descriptor) error {
	s, err := defaultSpec(d)
	if err != nil {
		return err
	}
	s.Dir = tb.TempDir()
	res, err := m.Run(context.Background(), s, nil)
	if err != nil {
		return fmt.Errorf("Run with a folder failed: %w", err)
	}
	var errs []error
	for _, a := range res.Artifacts {
		if filepath.IsAbs(a) || !filepath.IsLocal(a) {
			errs = append(errs, fmt.Errorf("artifact %q is not a relative path inside the run's folder", a))
			continue
		}
		if fi, err := os.Stat(filepath.Join(s.Dir, a)); err != nil {
			errs = append(errs, fmt.Errorf("artifact %q: %w", a, err))
		} else if fi.IsDir() {
			errs = append(errs, fmt.Errorf("artifact %q is a folder, not a file", a))
		}
	}
	return errors.Join(errs...)
}

func checkGRPC(tb testing.TB, m models.Model, d models.Descriptor) error {
	client, _ := plugin.TestPluginGRPCConn(tb, false, map[string]plugin.Plugin{
		pluginsdk.PluginName: &pluginsdk.ModelPlugin{Models: []models.Model{m}},
	})
	defer client.Close() // also stops the server, through go-plugin's controller service
	raw, err := client.Dispense(pluginsdk.PluginName)
	if err != nil {
		return err
	}
	c, ok := raw.(*pluginsdk.Client)
	if !ok {
		return fmt.Errorf("dispensed %T, want *pluginsdk.Client", raw)
	}
	ctx := context.Background()
	ds, err := c.Describe(ctx)
	if err != nil {
		return fmt.Errorf("Describe over gRPC: %w", err)
	}
	if len(ds) != 1 {
		return fmt.Errorf("Describe over gRPC listed %d models, want 1", len(ds))
	}
	if diff := diffDescriptors(d, ds[0]); diff != "" {
		return fmt.Errorf("descriptor changed over gRPC: %s", diff)
	}
	var specs []models.RunSpec
	for i, v := range variants(d) {
		s, err := spec(d, v.raw, 20260101+uint64(i), i)
		if err != nil {
			return err
		}
		specs = append(specs, s)
	}
	replies, err := c.Run(ctx, d.Name, specs)
	if err != nil {
		return fmt.Errorf("Run over gRPC: %w", err)
	}
	var errs []error
	for i, s := range specs {
		local, lerr := m.Run(ctx, s, nil)
		r := replies[i]
		switch {
		case lerr != nil || r.Err != nil:
			if lerr == nil || r.Err == nil || lerr.Error() != r.Err.Error() {
				errs = append(errs, fmt.Errorf("run %s: in-process error %v, over gRPC %v", s.RunID, lerr, r.Err))
			}
		default:
			if diff := DiffResults(local, r.Result); diff != "" {
				errs = append(errs, fmt.Errorf("run %s changed over gRPC: %s", s.RunID, diff))
			}
		}
	}
	return errors.Join(errs...)
}

func checkCancelled(_ testing.TB, m models.Model, d models.Descriptor) error {
	s, err := defaultSpec(d)
	if err != nil {
		return err
	}
	start := time.Now()
	normal, err := m.Run(context.Background(), s, nil)
	if err != nil {
		return err
	}
	limit := 10*time.Second + 2*time.Since(start)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	type outcome struct {
		res models.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := m.Run(ctx, s, nil)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		if o.err != nil {
			if !errors.Is(o.err, context.Canceled) {
				return fmt.Errorf("Run with a cancelled context failed with %q, which does not wrap context.Canceled (return ctx.Err(), wrapped if you like)", o.err)
			}
			return nil
		}
		if diff := DiffResults(normal, o.res); diff != "" {
			return fmt.Errorf("Run with a cancelled context returned no error but a result unlike the normal one "+
				"(return ctx.Err() instead of a partial result): %s", diff)
		}
		return nil
	case <-time.After(limit):
		return fmt.Errorf("Run with a cancelled context has not returned after %v", limit)
	}
}
