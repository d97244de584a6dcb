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
// # Privacy and utility
//
// Evaluate builds a Report: distance-based privacy metrics (Distances:
// hidden rate, local cloaking, distance to closest record, nearest-neighbour
// distance ratio), Anonymeter-style attacks against a held-out control set
// (Attacks: singling out, linkability, attribute inference), each a Check
// with its own threshold and verdict — never one overall "anonymous"
// verdict, since none of these metrics bounds real attacks — and utility:
// per-variable Hellinger distance, the correlation-matrix difference and a
// downstream logistic regression (train on avatars, test on originals,
// against train on originals). Report encodes to JSON and WriteHTML writes a
// self-contained page with inline SVG plots.
//
// # Matching
//
// MatchPatient selects reference patients (real or avatars) for a query
// patient by filters and by distance in the FAMD space of the query's
// variables, and summarises their outcomes (means and quantiles, modality
// shares, a Kaplan–Meier curve read at chosen times).
//
// # Usage
//
//	t, err := cohort.ReadFile("table.csv", cohort.ReadOptions{}) // or table.parquet
//	av, err := cohort.Generate(ctx, t, cohort.AvatarOptions{K: 20, Seed: 1})
//	rep, err := cohort.Evaluate(ctx, t, av, cohort.EvalOptions{K: 20, Seed: 1})
//	av.Table.WriteCSV(out)   // never release av.Source: it undoes the shuffle
//	rep.WriteHTML(html)
//
// From the command line: mdtwin synth TABLE.csv --k 20 --out DIR, and
// mdtwin match REFERENCE.csv --patient NAME=VALUE,... --outcome COL. The
// model "avatar" (package models/avatar) runs the method in studies, so
// that sweeps over k and seeds go through mdtwin run (example:
// scenarios/examples/avatar-k-sweep.toml).
package cohort
