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
//     or 1, age_mean = age_min = age_max = age with age_sd 0, edss the
//     one-hot share of the EDSS state floor(EDSS) (mscohort's state k is
//     EDSS k to k+0.5), spms 1 for a course coded SPMS (SNOMED CT
//     425500002, or urn:mdtwin:ms|spms; the latest course coded at or
//     before the index date) and 0 for RRMS or no course, and therapy and
//     years_on_therapy from the therapy ongoing at the index date: its
//     drug name in mscohort's form (MSTherapy: "Dimethyl fumarate" →
//     dimethyl_fumarate) if the scenario's therapies have it, "other" if
//     not, "none" with no ongoing therapy; the years from its start to the
//     index date (365.25-day years). [params] female_share and spms_share
//     likewise. mscohort then applies its rules at time 0 (see its package
//     doc): an SPMS patient has SPMS rates and never converts, and a
//     strategy with stop_at_spms stops therapy at once; a strategy whose
//     first line is the current therapy continues it with the time on it
//     counted (it matters for the line's max_years), the others start
//     their first line at the index date. Every simulated patient of the
//     run is then a possible future of this one patient, so n_patients
//     sets the Monte Carlo precision of the forecast.
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
// # What mscohort cannot take
//
// Personalise refuses a PPMS course: mscohort models relapsing-onset MS
// (RRMS and SPMS) and has no primary-progressive natural history. The
// relapse count, time since diagnosis and past (stopped) therapies are
// reported in MSProfile and Notes but change nothing: mscohort's relapse
// rate depends on course, EDSS and therapy only, and no rate depends on
// therapy history. A current therapy that the scenario's therapies lack
// becomes "other" (said in Notes): no strategy can continue it, so every
// strategy starts its first line at the index date; to continue it, add it
// to the scenario's [inputs.therapies] with its effects and costs.
//
// # Usage
//
//	rec, err := ps.Record(ctx, pid)
//	...
//	p, err := embodiment.Personalise(sc, rec, embodiment.Options{})
//	...
//	runs, err := p.Scenario.Expand(desc)
package embodiment
