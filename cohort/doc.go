// Package cohort makes virtual patients from a real patient table and finds
// the patients most like a given one.
//
// # Avatars
//
// Generate implements the avatar method (Guillaudeux et al., "Patient-centric
// synthetic data generation, no reason to risk re-identification in
// biomedical data analysis", npj Digit Med 2023;6:37): one synthetic patient
// per real one, made from its K nearest neighbours in a factor analysis of
// mixed data (FitFAMD; PCA when all columns are numeric, MCA up to a factor
// when all are categorical). Tables are read from CSV (ReadCSV) or Parquet
// (ReadParquet; ReadFile picks by extension) with an inferred schema —
// Continuous, Ordinal, Categorical, Date, Identifier — that the caller can
// override; a Parquet file and its CSV twin give the same table. Missing
// values are kept through the projection (see Projection) and restored in
// the avatars.
//
// Choices no public source settles, and ours:
//
//   - a patient is not one of its own neighbours;
//   - zero distances (duplicate rows, common in ordinal clinical tables such
//     as the Wisconsin breast-cancer data) are floored at MinDistance, so
//     duplicates share large, finite weights and no NaN appears;
//   - ties in distance are broken by row order (exact k-d tree search);
//   - random numbers come from one PCG stream per call (math/rand/v2), so
//     the output depends only on the table, K, NCP and Seed.
//
// The neighbour search is an exact k-d tree on the first NCP components:
// O(n log n) for low NCP, not O(n²).
//
// # Settings
//
// Presets name the settings a release is made with and what they
// reproduce: "default" (mdtwin's: kinds as inferred, 5 components, k = 20)
// and "paper" (the avatar paper's for its breast-cancer table: columns with
// ≤ 10 values categorical, 2 components, k = 20), whose published figures
// the report sets beside ours when the table is that table — ours measured
// as the paper measured its own (2 components, features as numbers), a
// measurement that gives the published figures back from the paper's own
// published release.
//
// # Privacy and utility
//
// Evaluate builds a Report: distance-based privacy metrics (Distances:
// hidden rate; local cloaking by the paper's definition, ties counted,
// beside the strict count; distance to closest record; nearest-neighbour
// distance ratio, undefined where the nearest originals are duplicates;
// the exact-copy rate against the originals' own duplicate rate), and
// attacks on an evaluation release made from part of the table with the
// rest held out: Anonymeter-style singling out, linkability and attribute
// inference (Attacks) and a distance-based membership inference
// (MembershipInference: AUC and TPR at 1 % and 10 % FPR with bootstrap
// intervals). Each criterion is a Check with its own threshold and a
// Verdict; an estimate's verdict is decided on its 95 % interval, with
// enough attacks planned for a stated width, and is pass, fail or
// inconclusive. There is never one overall "anonymous" verdict, since none
// of these metrics bounds real attacks. Utility: per-variable Hellinger
// distance, the correlation-matrix difference and a downstream logistic
// regression (train on avatars, test on originals, against train on
// originals); a figure that cannot be computed is reported as not
// computed, never as 0. Report encodes to JSON and WriteHTML writes a
// self-contained page with inline SVG plots.
//
// # Matching
//
// MatchPatient selects reference patients (real or avatars) for a query
// patient by filters and by distance in the FAMD space of the query's
// variables — keeping every candidate tied at the cut-off, or drawing
// among them with a seed, and saying so — and summarises their outcomes
// beside the whole reference's: means and quantiles, modality shares with
// Wilson intervals, Kaplan–Meier curves with Greenwood bands read at chosen
// times, and a match-quality ratio (the K-th distance against the
// reference's typical K-th distance).
//
// # Usage
//
//	t, err := cohort.ReadFile("table.csv", cohort.ReadOptions{}) // or table.parquet
//	p, _ := cohort.PresetNamed("paper")
//	t = p.Apply(t)
//	av, err := cohort.Generate(ctx, t, cohort.AvatarOptions{K: p.K, NCP: p.NCP, Seed: 1})
//	rep, err := cohort.Evaluate(ctx, t, av, cohort.EvalOptions{K: p.K, NCP: p.NCP, Seed: 1, Preset: p.Name})
//	av.Table.WriteCSV(out)   // never release av.Source: it undoes the shuffle
//	rep.WriteHTML(html)
//
// From the command line: mdtwin synth TABLE.csv --preset paper --out DIR
// (or --k 20), and mdtwin match REFERENCE.csv --patient NAME=VALUE,...
// --outcome COL. The
// model "avatar" (package models/avatar) runs the method in studies, so
// that sweeps over k and seeds go through mdtwin run (example:
// scenarios/examples/avatar-k-sweep.toml).
package cohort
