package brain

import (
	"fmt"
	"strings"

	"github.com/mdtwin/mdtwin/models"
)

// Regional regions: the regions named in [inputs] regional each get
//
//   - a parameter x0_<label>: the region's excitability, whatever its
//     hypothesis class (EZ, PZ or healthy); a resection still gives it
//     x0_healthy. So a calibration can fit x0 region by region (the
//     Bayesian VEP infers x0 per region: Hashemi et al. 2020, NeuroImage
//     217:116839);
//   - an output onset_<label>_ms: the onset of the region's first seizure,
//     or the simulated duration when it did not seize (the onset is then
//     censored at the end of the recording), so that every region has a
//     number a calibration can compare with an observed onset.
//
// <label> is the region label in lower case, characters other than letters
// and digits replaced by '_' (as in seized_<label>).

// regionalDefaultX0 is the default of the x0_<label> parameters: the
// healthy excitability of TVB's tutorial 3.
const regionalDefaultX0 = -2.4

// slug is a region label as it appears in parameter and output names.
func slug(label string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(label) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// X0Param is the name of the excitability parameter of a regional region.
func X0Param(label string) string { return "x0_" + slug(label) }

// OnsetOutput is the name of the onset output of a regional region.
func OnsetOutput(label string) string { return "onset_" + slug(label) + "_ms" }

// checkRegional checks [inputs] regional against the connectome and
// returns the regions' indices in the order given.
func checkRegional(labels []string, conn *Connectivity, file string) ([]int, error) {
	seen := map[string]bool{}
	var idx []int
	for _, l := range labels {
		i := conn.Index(l)
		if i < 0 {
			return nil, fmt.Errorf("regional: no region %q in %s (labels are like %q)", l, file, conn.Labels[0])
		}
		if seen[l] {
			return nil, fmt.Errorf("regional: region %q listed twice", l)
		}
		seen[l] = true
		idx = append(idx, i)
	}
	return idx, nil
}

// regionalDescriptor adds the regional regions' parameters and outputs.
func regionalDescriptor(d *models.Descriptor, s *setup) {
	for _, i := range s.regional {
		l := s.conn.Labels[i]
		d.Params = append(d.Params, models.Param{Name: X0Param(l), Kind: models.Float, Default: regionalDefaultX0, Min: b(-5), Max: b(1),
			Doc: "excitability x0 of region " + l + " (regional: replaces its hypothesis class; a resection still gives it x0_healthy)"})
		d.Outputs = append(d.Outputs, models.Output{Name: OnsetOutput(l), Unit: "ms",
			Doc: "onset of region " + l + "'s first seizure; the simulated duration when it did not seize"})
	}
}
