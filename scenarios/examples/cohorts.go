package examples

import "embed"

// Cohorts holds the cohort tables of the examples (data/*.csv): the
// invented MS registry and its avatar copy, which ms-virtual-cohort.toml
// runs on and the dashboard matches patients against. data/README.md says
// how they were made.
//
//go:embed data/README.md data/*.csv
var Cohorts embed.FS
