package brain

// Presets are named sets of parameter defaults, chosen by [inputs] preset.
// The model's own defaults are those of TVB's tutorial 3
// (tutorial_3_ModelingEpilepsy.rst: Ks −0.2, Kf 0.1, healthy x0 −2.4, EZ
// −1.6, difference coupling, HeunStochastic at dt 0.05 ms), except
// x0_pz = −2.1 (see the package documentation) — not TVB's class defaults.
//
// "tvb" gives TVB's class defaults instead (models/epileptor.py: x0 = −1.6
// in every region, Ks = Kf = Kvf = 0, r 0.00035, Iext 3.1, Iext2 0.45,
// tt 1; integrators.py: dt 0.01220703125 ms; monitors.py: period
// 0.9765625 ms — shared/reference/brain.md §2–3), with the deterministic
// Heun scheme. With Ks = Kf = Kvf = 0 the regions are uncoupled, whatever
// the coupling function: every region is an isolated Epileptor with
// x0 = −1.6, above the threshold, so each seizes on its own.
var presets = map[string]map[string]any{
	"tvb": {
		"x0_ez": -1.6, "x0_pz": -1.6, "x0_healthy": -1.6,
		"ks": 0.0, "kf": 0.0, "kvf": 0.0,
		"r": 0.00035, "iext": 3.1, "iext2": 0.45, "tt": 1.0,
		"integrator": Heun, "dt": 0.01220703125, "period": 0.9765625,
	},
}
