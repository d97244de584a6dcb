// Package embodiment turns a patient record (package patient) into the
// parameters that make a generic model this patient's model: the patient
// embodiment of ARCHITECTURE.md.
//
// Personalise takes a parsed scenario and a record and returns the
// scenario with personalised [params] and [inputs], ready for Expand. It
// dispatches on the scenario's model:
//
//   - mscohort (multiple sclerosis): MS reads the patient's state at an
//     index date — the date of the latest EDSS visit unless Options.AsOf
//     is set — age in completed years, sex, the EDSS of that visit, the
//     course (from coded conditions), the relapses and the therapy history.
//     It becomes a one-patient baseline: [inputs.baseline] with female 0
//     or 1, age_mean = age_min = age_max = age with age_sd 0, and edss the
//     one-hot share of the EDSS state floor(EDSS) (mscohort's state k is
//     EDSS k to k+0.5); [params] female_share likewise. Every simulated
//     patient of the run is then a possible future of this one patient, so
//     n_patients sets the Monte Carlo precision of the forecast.
//   - brain (epilepsy): the patient's assets of kind "connectome",
//     "seeg-contacts", "seeg-gain" and "ez-hypothesis" (latest of each
//     kind; each file's SHA-256 is checked against the store) become
//     [inputs] connectivity, seeg, seeg_gain, and hypotheses and resections
//     (read from the ez-hypothesis file, TOML in the brain's own [inputs]
//     form: [hypotheses.<name>] ez, pz and [resections]).
//   - atrial (atrial fibrillation): the patient's latest asset of kind
//     "atrial-mesh" (checksum checked, read with mesh.ReadFile) becomes
//     [params] mesh = "file" and [inputs] mesh; an LGE image-intensity-ratio
//     field on it (FibrosisFieldNames) becomes [inputs] fibrosis_field, so
//     the model derives the patient's fibrosis with its IIR thresholds.
//
// The personalised scenario's Hash covers the scenario file and the values
// the record supplied, so a study's ledger, manifest and the prediction
// stored for the patient identify both.
//
// # What mscohort cannot take yet
//
// mscohort starts every patient in RRMS with no relapse history and no
// memory of prior therapy. Personalise therefore refuses an SPMS or PPMS
// course (mscohort would need an inputs.baseline course share), and the
// relapse count, time since diagnosis and therapy history are reported in
// MSProfile and Notes but change nothing (mscohort would need a baseline
// relapse history and a first line fixed to the current therapy).
//
// # Usage
//
//	rec, err := patient.Load(ctx, ps, pid)
//	...
//	p, err := embodiment.Personalise(sc, rec, embodiment.Options{})
//	...
//	runs, err := p.Scenario.Expand(desc)
package embodiment
