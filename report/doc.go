// Package report writes prediction and study reports: one self-contained
// HTML file each, viewable offline — styles inline, plots as inline SVG
// drawn with gonum/plot, no scripts, fonts or other external assets.
//
// A study report (Study) reads a `mdtwin run` output folder (manifest.json,
// summary.json, results.csv and runs/<id>/) and shows:
//
//   - the study (model and version, scenario hash, seed, run counts) and
//     the summary of every scalar output (summary.json);
//   - for health-economic models whose model_summary carries a frontier
//     (statetransition, mscohort): the frontier with ICERs, the increments,
//     the cost-effectiveness plane scatter and the CEAC when the study has
//     probabilistic draws;
//   - for mscohort: the EDSS forecast per strategy — mean and 90 % interval
//     of the EDSS of the simulated patients alive at each year — when the
//     runs saved trajectories (save_trajectories = true writes
//     runs/<id>/panel.csv), else the per-strategy table of years to EDSS 6
//     and 7, relapses, QALYs and costs;
//   - for atrial: a map of the atrium from two opposite sides with its
//     non-conducting tissue, the ablation lesions (the OPTIMA loop's
//     plan.vtu, else a run's lat.vtu) and the drivers of every run;
//   - for brain: the effect of each resection (seizing and recruited
//     regions, first onset) and the onset chart and table of every run
//     (runs/<id>/onsets.csv).
//
// A patient report (Patient) puts the patient's record — sex, birth date,
// EDSS history, therapies — and the predictions stored for them above the
// study's sections.
//
// Reports are deterministic: the same files give the same bytes (no clock,
// maps walked in sorted order), so they can be compared with golden files.
//
// # Usage
//
//	st, err := report.LoadStudy("out/hiv-chancellor-psa")
//	...
//	err = report.Study(w, st)
package report
