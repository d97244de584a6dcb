package patient

import "embed"

// Samples holds the sample patients of testdata/, embedded so that
// `mdtwin demo` runs from the binary alone: the Synthea FHIR R4 bundle
// (with its Apache-2.0 licence, which travels with it) and the invented MS
// registry export with its column mapping, and the invented AF and
// epilepsy patients of the demo (a FHIR R4 bundle and an EZ hypothesis;
// their meshes and connectomes are third-party data kept out of the
// binary). testdata/README.md says where each comes from.
//
//go:embed testdata/README.md testdata/LICENSE.smart-on-fhir-generated-sample-data.txt
//go:embed testdata/synthea_r4_Louis_Erdman_55bbe118.json testdata/ms_registry.toml testdata/ms_registry_*.csv
//go:embed testdata/demo_twins_r4.json testdata/demo_ez_hypothesis.toml
var Samples embed.FS
