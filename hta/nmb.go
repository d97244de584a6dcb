package hta

// NMB returns the net monetary benefit of a strategy with expected cost and
// effect at the willingness to pay wtp (currency units per unit of effect):
//
//	NMB = wtp·effect − cost
//
// (Stinnett & Mullahy 1998, Med Decis Making 18:S68). The strategy with the
// highest NMB is the cost-effective one at wtp.
func NMB(cost, effect, wtp float64) float64 { return wtp*effect - cost }

// NHB returns the net health benefit, effect − cost/wtp, in units of effect.
// wtp must be positive.
func NHB(cost, effect, wtp float64) float64 { return effect - cost/wtp }
