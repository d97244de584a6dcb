package ionic

import "math"

// Courtemanche is the human atrial cell model of Courtemanche, Ramirez &
// Nattel (1998), Am J Physiol 275:H301 (doi 10.1152/ajpheart.1998.275.1.H301):
// 21 variables, V and the 20 states in the order of the crn* constants
// (15 gates; Na_i, K_i, Ca_i, Ca_up, Ca_rel in mM). The equations and
// constants are those of the CellML model repository's encoding
// (courtemanche_ramirez_nattel_1998.cellml, read in the COR export of
// opencor/speed-comparison), which also MonoAlg3D_C and openCARP follow:
// Cm 100 pF, T 310 K, Na_o 140, K_o 5.4, Ca_o 1.8 mM, Q10 3 for I_to and
// I_Kur, g_Kur = 0.005 + 0.05/(1 + exp((V − 15)/−13)) nS/pF.
//
// The conductances are fields so that remodelled sets (CourtemancheCAF,
// CourtemancheRoneyLA, …) are plain values; KurScale multiplies g_Kur(V).
// Currents are per capacitance (pA/pF = mV/ms). Step is Rush–Larsen for
// the 15 gates (x ← x∞ + (x − x∞)·exp(−dt/τ), as in openCARP's and
// MonoAlg3D_C's implementations) and forward Euler for the concentrations
// and V; dt ≤ 0.05 ms.
type Courtemanche struct {
	GNa, GK1, GTo, GKr, GKs, GCaL, GbNa, GbCa float64 // nS/pF
	KurScale                                  float64 // factor on g_Kur(V)
	INaKMax, INaCaMax, ICaPMax                float64 // pA/pF
	IUpMax                                    float64 // mM/ms
}

// CRN98 returns the control parameter set of Courtemanche et al. (1998)
// (reference §4; CellML digits).
func CRN98() Courtemanche { return crn98 }

var crn98 = Courtemanche{GNa: 7.8, GK1: 0.09, GTo: 0.1652, GKr: 0.029411765, GKs: 0.12941176, GCaL: 0.12375,
	GbNa: 6.744375e-4, GbCa: 1.131e-3, KurScale: 1, INaKMax: 0.59933874, INaCaMax: 1600, ICaPMax: 0.275, IUpMax: 0.005}

// Remodelled sets, as the reference (§4) lists them.

// CourtemancheCAF returns chronic-AF remodelling after Courtemanche et al.
// (1999), Cardiovasc Res 42:477 (reference: unverified): g_to ×0.5, g_Kur
// ×0.5, g_CaL ×0.3.
func CourtemancheCAF() Courtemanche { return crn98.Scaled(Scales{To: 0.5, Kur: 0.5, CaL: 0.3}) }

// CourtemancheRoneyLA returns the persistent-AF left-atrial body set of
// pcmlab/atrialmtk AF_Simulation.par (Roney et al.): g_Na ×2, g_to 0.0826,
// g_Kr 0.047058824, g_CaL 0.037125, g_K1 ×0.8, g_Kur ×0.5.
func CourtemancheRoneyLA() Courtemanche {
	c := crn98.Scaled(Scales{Na: 2, K1: 0.8, Kur: 0.5})
	c.GTo, c.GKr, c.GCaL = 0.0826, 0.047058824, 0.037125
	return c
}

// CourtemancheRoneyLAA returns the left-atrial-appendage set of the same
// file (reference §4): the Roney LA set with g_to 0.05615.
func CourtemancheRoneyLAA() Courtemanche {
	c := CourtemancheRoneyLA()
	c.GTo = 0.05615
	return c
}

// CourtemancheRoneyPV returns the same file's pulmonary-vein set: the LA
// set with g_to 0.06195, g_Kr 0.070588236, g_CaL 0.02784375, g_K1 ×0.67
// (of control) and g_Ks ×1.87.
func CourtemancheRoneyPV() Courtemanche {
	c := crn98.Scaled(Scales{Na: 2, K1: 0.67, Ks: 1.87, Kur: 0.5})
	c.GTo, c.GKr, c.GCaL = 0.06195, 0.070588236, 0.02784375
	return c
}

// CourtemancheFibrotic returns the fibrotic-region myocyte of openCARP's
// tutorial 21: g_K1 ×0.5, g_Na ×0.6, g_CaL ×0.5.
func CourtemancheFibrotic() Courtemanche { return crn98.Scaled(Scales{K1: 0.5, Na: 0.6, CaL: 0.5}) }

// Scales are multipliers of a cell model's conductances; a zero field
// means 1 (unchanged).
type Scales struct {
	Na, K1, To, Kur, Kr, Ks, CaL float64
}

func one(x float64) float64 {
	if x == 0 {
		return 1
	}
	return x
}

// Scaled returns c with its conductances multiplied by f.
func (c Courtemanche) Scaled(f Scales) Courtemanche {
	c.GNa *= one(f.Na)
	c.GK1 *= one(f.K1)
	c.GTo *= one(f.To)
	c.KurScale *= one(f.Kur)
	c.GKr *= one(f.Kr)
	c.GKs *= one(f.Ks)
	c.GCaL *= one(f.CaL)
	return c
}

// The state indices of Courtemanche: gates first (Rush–Larsen), then the
// concentrations (forward Euler).
const (
	crnM = iota
	crnH
	crnJ
	crnOa
	crnOi
	crnUa
	crnUi
	crnXr
	crnXs
	crnD
	crnF
	crnW
	crnFCa
	crnU
	crnV
	crnNai
	crnKi
	crnCai
	crnCaup
	crnCarel
	crnStates
	crnGates  = crnNai
	crnVGates = crnFCa // gates m … w depend on V only
)

// Constants of Courtemanche et al. (1998) (CellML).
const (
	crnFar   = 96.4867 // Faraday, C/mmol
	crnRTF   = 8.3143 * 310 / crnFar
	crnCm    = 100.0 // pF
	crnVcell = 20100.0
	crnVi    = 0.68 * crnVcell   // µm³
	crnVup   = 0.0552 * crnVcell // µm³
	crnVrel  = 0.0048 * crnVcell // µm³
	crnNao   = 140.0
	crnKo    = 5.4
	crnCao   = 1.8
	crnQ10   = 3.0
)

// crnSigma is σ of the Na⁺/K⁺ pump, (exp(Na_o/67.3) − 1)/7.
var crnSigma = (math.Exp(crnNao/67.3) - 1) / 7

// Name implements Model.
func (Courtemanche) Name() string { return NameCRN }

// NumStates implements Model: 20.
func (Courtemanche) NumStates() int { return crnStates }

// Rest implements Model: the published initial state (CellML), V −81.18 mV.
func (Courtemanche) Rest(s []float64) float64 {
	copy(s, crnInitial[:])
	return -81.18
}

// crnInitial is the CellML initial state (u = 2.35e-112 there, 0 here).
var crnInitial = [crnStates]float64{2.908e-3, 0.9649, 0.9775, 3.043e-2, 0.9992, 4.966e-3, 0.9986, 3.296e-5,
	1.869e-2, 1.367e-4, 0.9996, 0.9992, 0.7755, 0, 1, 11.17, 139.0, 1.013e-4, 1.488, 1.488}

// vtrap returns x/(1 − exp(−x/k)), and its limit k + x/2 near x = 0.
func vtrap(x, k float64) float64 {
	if math.Abs(x) < 1e-6*k {
		return k + x/2
	}
	return x / (1 - math.Exp(-x/k))
}

// eval returns dV/dt (mV/ms, no stimulus) at (v, s), writes each gate's
// steady state and time constant (ms) and the concentrations' derivatives
// (mM/ms, indexed from crnNai).
func (c *Courtemanche) eval(v float64, s []float64, inf, tau *[crnGates]float64, dc *[crnStates - crnGates]float64) float64 {
	s = s[:crnStates]
	nai, ki, cai, caup, carel := s[crnNai], s[crnKi], s[crnCai], s[crnCaup], s[crnCarel]
	ena := crnRTF * math.Log(crnNao/nai)
	ek := crnRTF * math.Log(crnKo/ki)
	eca := crnRTF / 2 * math.Log(crnCao/cai)
	fv := v / crnRTF // F·V/(R·T)

	m, oa, ua := s[crnM], s[crnOa], s[crnUa]
	iNa := c.GNa * m * m * m * s[crnH] * s[crnJ] * (v - ena)
	iK1 := c.GK1 * (v - ek) / (1 + math.Exp(0.07*(v+80)))
	iTo := c.GTo * oa * oa * oa * s[crnOi] * (v - ek)
	gKur := c.KurScale * (0.005 + 0.05/(1+math.Exp((v-15)/-13)))
	iKur := gKur * ua * ua * ua * s[crnUi] * (v - ek)
	iKr := c.GKr * s[crnXr] * (v - ek) / (1 + math.Exp((v+15)/22.4))
	iKs := c.GKs * s[crnXs] * s[crnXs] * (v - ek)
	iCaL := c.GCaL * s[crnD] * s[crnF] * s[crnFCa] * (v - 65)
	iBNa := c.GbNa * (v - ena)
	iBCa := c.GbCa * (v - eca)
	fNaK := 1 / (1 + 0.1245*math.Exp(-0.1*fv) + 0.0365*crnSigma*math.Exp(-fv))
	iNaK := c.INaKMax * fNaK / (1 + math.Pow(10/nai, 1.5)) * crnKo / (crnKo + 1.5)
	const gam, kmNa, kmCa, ksat = 0.35, 87.5, 1.38, 0.1
	eg, eg1 := math.Exp(gam*fv), math.Exp((gam-1)*fv)
	iNaCa := c.INaCaMax * (eg*nai*nai*nai*crnCao - eg1*crnNao*crnNao*crnNao*cai) /
		((kmNa*kmNa*kmNa + crnNao*crnNao*crnNao) * (kmCa + crnCao) * (1 + ksat*eg1))
	iCaP := c.ICaPMax * cai / (0.0005 + cai)

	// Sarcoplasmic reticulum (mM/ms).
	u := s[crnU]
	iRel := 30 * u * u * s[crnV] * s[crnW] * (carel - cai)
	iTr := (caup - carel) / 180
	iUp := c.IUpMax / (1 + 0.00092/cai)
	iLeak := c.IUpMax * caup / 15
	// Fn: the release trigger (CellML), with currents in pA.
	fn := 1e3 * (1e-15*crnVrel*iRel - 1e-15/(2*crnFar)*(0.5*crnCm*iCaL-0.2*crnCm*iNaCa))

	// Gates.
	{
		am := 0.32 * vtrap(v+47.13, 10)
		bm := 0.08 * math.Exp(-v/11)
		inf[crnM], tau[crnM] = am/(am+bm), 1/(am+bm)
		var ah, bh, aj, bj float64
		if v < -40 {
			ah = 0.135 * math.Exp((v+80)/-6.8)
			bh = 3.56*math.Exp(0.079*v) + 3.1e5*math.Exp(0.35*v)
			aj = (-1.2714e5*math.Exp(0.2444*v) - 3.474e-5*math.Exp(-0.04391*v)) * (v + 37.78) / (1 + math.Exp(0.311*(v+79.23)))
			bj = 0.1212 * math.Exp(-0.01052*v) / (1 + math.Exp(-0.1378*(v+40.14)))
		} else {
			bh = 1 / (0.13 * (1 + math.Exp((v+10.66)/-11.1)))
			bj = 0.3 * math.Exp(-2.535e-7*v) / (1 + math.Exp(-0.1*(v+32)))
		}
		inf[crnH], tau[crnH] = ah/(ah+bh), 1/(ah+bh)
		inf[crnJ], tau[crnJ] = aj/(aj+bj), 1/(aj+bj)

		// I_to and I_Kur activation share α and β.
		aa := 0.65 / (math.Exp((v+10)/-8.5) + math.Exp((v-30)/-59))
		ba := 0.65 / (2.5 + math.Exp((v+82)/17))
		ta := 1 / (aa + ba) / crnQ10
		inf[crnOa], tau[crnOa] = 1/(1+math.Exp((v+20.47)/-17.54)), ta
		inf[crnUa], tau[crnUa] = 1/(1+math.Exp((v+30.3)/-9.6)), ta
		ai := 1 / (18.53 + math.Exp((v+113.7)/10.95))
		bi := 1 / (35.56 + math.Exp((v+1.26)/-7.44))
		inf[crnOi], tau[crnOi] = 1/(1+math.Exp((v+43.1)/5.3)), 1/(ai+bi)/crnQ10
		ai = 1 / (21 + math.Exp((v-185)/-28))
		bi = math.Exp((v - 158) / 16)
		inf[crnUi], tau[crnUi] = 1/(1+math.Exp((v-99.45)/27.48)), 1/(ai+bi)/crnQ10

		ax := 0.0003 * vtrap(v+14.1, 5)
		bx := 7.3898e-5 * vtrap(-(v-3.3328), 5.1237)
		inf[crnXr], tau[crnXr] = 1/(1+math.Exp((v+14.1)/-6.5)), 1/(ax+bx)
		ax = 4e-5 * vtrap(v-19.9, 17)
		bx = 3.5e-5 * vtrap(-(v-19.9), 9)
		inf[crnXs], tau[crnXs] = 1/math.Sqrt(1+math.Exp((v-19.9)/-12.7)), 0.5/(ax+bx)

		ed := math.Exp((v + 10) / -6.24)
		inf[crnD], tau[crnD] = 1/(1+math.Exp((v+10)/-8)), 1/(0.035*vtrap(v+10, 6.24)*(1+ed))
		ef := math.Exp(-(v + 28) / 6.9)
		inf[crnF], tau[crnF] = ef/(1+ef), 9/(0.0197*math.Exp(-0.0337*0.0337*(v+10)*(v+10))+0.02)
		inf[crnFCa], tau[crnFCa] = 1/(1+cai/0.00035), 2

		uInf := 1 / (1 + math.Exp(-(fn-3.4175e-13)/13.67e-16))
		inf[crnU], tau[crnU] = uInf, 8
		inf[crnV], tau[crnV] = 1-1/(1+math.Exp(-(fn-6.835e-14)/13.67e-16)), 1.91+2.09*uInf
		inf[crnW], tau[crnW] = 1-1/(1+math.Exp(-(v-40)/17)), 6/(vtrap(v-7.9, 5)*(1+0.3*math.Exp(-(v-7.9)/5)))
	}

	// Concentrations: pA/pF·Cm/(V_i·F) is mM/ms.
	const k = crnCm / (crnVi * crnFar)
	dc[crnNai-crnGates] = k * (-3*iNaK - 3*iNaCa - iBNa - iNa)
	dc[crnKi-crnGates] = k * (2*iNaK - iK1 - iTo - iKur - iKr - iKs)
	b1 := k/2*(2*iNaCa-iCaP-iCaL-iBCa) + (crnVup*(iLeak-iUp)+iRel*crnVrel)/crnVi
	b2 := 1 + 0.07*0.0005/((cai+0.0005)*(cai+0.0005)) + 0.05*0.00238/((cai+0.00238)*(cai+0.00238))
	dc[crnCai-crnGates] = b1 / b2
	dc[crnCaup-crnGates] = iUp - iLeak - iTr*crnVrel/crnVup
	dc[crnCarel-crnGates] = (iTr - iRel) / (1 + 10*0.8/((carel+0.8)*(carel+0.8)))

	return -(iNa + iK1 + iTo + iKur + iKr + iKs + iBNa + iBCa + iNaK + iCaP + iNaCa + iCaL)
}

// Deriv implements Model.
func (c Courtemanche) Deriv(ds []float64, v float64, s []float64) float64 {
	var inf, tau [crnGates]float64
	var dc [crnStates - crnGates]float64
	dv := c.eval(v, s, &inf, &tau, &dc)
	ds = ds[:crnStates]
	for i := range inf {
		ds[i] = (inf[i] - s[i]) / tau[i]
	}
	copy(ds[crnGates:], dc[:])
	return dv
}

// Step implements Model: Rush–Larsen for the gates, forward Euler for the
// concentrations and V, all from the state at the start of the step.
func (c Courtemanche) Step(s []float64, v, dt float64) float64 {
	var row crnRow
	crnVoltageTerms(&row, v, dt)
	dec := newCRNDecay(dt)
	return c.stepWith(s, v, dt, &row, &dec)
}

// crnDecay holds the Rush–Larsen factors exp(−dt/τ) of the gates whose τ
// is constant (f_Ca 2 ms, u 8 ms) and of the v gate at its two plateau
// values (τ_v = 1.91 + 2.09·u∞ ms with u∞ 0 or 1, which is most of the
// time: u∞ is a steep sigmoid), computed once per dt. Using them gives
// bit-identical results to calling math.Exp at every node and step.
type crnDecay struct {
	fca, u         float64
	vTauLo, vTauHi float64 // τ_v at u∞ = 0 and 1
	vDecLo, vDecHi float64
}

func newCRNDecay(dt float64) crnDecay {
	lo, hi := 1.91+2.09*0.0, 1.91+2.09*1.0
	return crnDecay{fca: math.Exp(-dt / 2), u: math.Exp(-dt / 8),
		vTauLo: lo, vTauHi: hi, vDecLo: math.Exp(-dt / lo), vDecHi: math.Exp(-dt / hi)}
}

// crnRow holds the terms of one step that depend on V only: for each of
// the gates m … w its Rush–Larsen factors e = exp(−dt/τ) and x∞·(1 − e),
// then the I_K1 and I_Kr rectification factors, g_Kur (unscaled), the
// Na⁺/K⁺ pump's f_NaK and the exchanger's two exponentials divided by its
// saturation term.
type crnRow [2*crnVGates + 6]float64

const (
	crnColK1 = 2*crnVGates + iota
	crnColKur
	crnColKr
	crnColNaK
	crnColNaCaIn
	crnColNaCaOut
)

// crnVoltageTerms fills row at potential v for time step dt.
func crnVoltageTerms(row *crnRow, v, dt float64) {
	var inf, tau [crnGates]float64
	var dc [crnStates - crnGates]float64
	var s [crnStates]float64
	s[crnNai], s[crnKi], s[crnCai], s[crnCaup], s[crnCarel] = 10, 140, 1e-4, 1, 1 // V-only terms ignore them
	crn98.eval(v, s[:], &inf, &tau, &dc)
	for g := range crnVGates {
		e := math.Exp(-dt / tau[g])
		row[2*g], row[2*g+1] = e, inf[g]*(1-e)
	}
	fv := v / crnRTF
	row[crnColK1] = 1 / (1 + math.Exp(0.07*(v+80)))
	row[crnColKur] = 0.005 + 0.05/(1+math.Exp((v-15)/-13))
	row[crnColKr] = 1 / (1 + math.Exp((v+15)/22.4))
	row[crnColNaK] = 1 / (1 + 0.1245*math.Exp(-0.1*fv) + 0.0365*crnSigma*math.Exp(-fv))
	eg, eg1 := math.Exp(crnGamma*fv), math.Exp((crnGamma-1)*fv)
	row[crnColNaCaIn], row[crnColNaCaOut] = eg/(1+crnKsat*eg1), eg1/(1+crnKsat*eg1)
}

// crnNaCaDen is the exchanger's constant denominator (K_mNa³ + Na_o³)·(K_mCa + Ca_o).
const crnNaCaDen = (87.5*87.5*87.5 + crnNao*crnNao*crnNao) * (1.38 + crnCao)

const crnGamma, crnKsat = 0.35, 0.1

// stepWith is Step with the V-only terms given.
func (c *Courtemanche) stepWith(s []float64, v, dt float64, row *crnRow, dec *crnDecay) float64 {
	s = s[:crnStates]
	nai, ki, cai, caup, carel := s[crnNai], s[crnKi], s[crnCai], s[crnCaup], s[crnCarel]
	ena := crnRTF * math.Log(crnNao/nai)
	ek := crnRTF * math.Log(crnKo/ki)
	eca := crnRTF / 2 * math.Log(crnCao/cai)

	m, oa, ua := s[crnM], s[crnOa], s[crnUa]
	iNa := c.GNa * m * m * m * s[crnH] * s[crnJ] * (v - ena)
	iK1 := c.GK1 * (v - ek) * row[crnColK1]
	iTo := c.GTo * oa * oa * oa * s[crnOi] * (v - ek)
	iKur := c.KurScale * row[crnColKur] * ua * ua * ua * s[crnUi] * (v - ek)
	iKr := c.GKr * s[crnXr] * (v - ek) * row[crnColKr]
	iKs := c.GKs * s[crnXs] * s[crnXs] * (v - ek)
	iCaL := c.GCaL * s[crnD] * s[crnF] * s[crnFCa] * (v - 65)
	iBNa := c.GbNa * (v - ena)
	iBCa := c.GbCa * (v - eca)
	r := 10 / nai
	iNaK := c.INaKMax * row[crnColNaK] / (1 + r*math.Sqrt(r)) * crnKo / (crnKo + 1.5)
	iNaCa := c.INaCaMax * (row[crnColNaCaIn]*nai*nai*nai*crnCao - row[crnColNaCaOut]*crnNao*crnNao*crnNao*cai) / crnNaCaDen
	iCaP := c.ICaPMax * cai / (0.0005 + cai)

	u := s[crnU]
	iRel := 30 * u * u * s[crnV] * s[crnW] * (carel - cai)
	iTr := (caup - carel) / 180
	iUp := c.IUpMax / (1 + 0.00092/cai)
	iLeak := c.IUpMax * caup / 15
	fn := 1e3 * (1e-15*crnVrel*iRel - 1e-15/(2*crnFar)*(0.5*crnCm*iCaL-0.2*crnCm*iNaCa))

	const k = crnCm / (crnVi * crnFar)
	dNai := k * (-3*iNaK - 3*iNaCa - iBNa - iNa)
	dKi := k * (2*iNaK - iK1 - iTo - iKur - iKr - iKs)
	b1 := k/2*(2*iNaCa-iCaP-iCaL-iBCa) + (crnVup*(iLeak-iUp)+iRel*crnVrel)/crnVi
	b2 := 1 + 0.07*0.0005/((cai+0.0005)*(cai+0.0005)) + 0.05*0.00238/((cai+0.00238)*(cai+0.00238))
	dCaup := iUp - iLeak - iTr*crnVrel/crnVup
	dCarel := (iTr - iRel) / (1 + 10*0.8/((carel+0.8)*(carel+0.8)))
	dv := -(iNa + iK1 + iTo + iKur + iKr + iKs + iBNa + iBCa + iNaK + iCaP + iNaCa + iCaL)

	// Gates: V-only ones from the row, f_Ca, u, v from Ca_i and Fn.
	g := s[:crnVGates]
	for i := range g {
		g[i] = g[i]*row[2*i] + row[2*i+1]
	}
	fcaInf := 1 / (1 + cai/0.00035)
	s[crnFCa] = fcaInf + (s[crnFCa]-fcaInf)*dec.fca
	uInf := 1 / (1 + math.Exp(-(fn-3.4175e-13)/13.67e-16))
	s[crnU] = uInf + (u-uInf)*dec.u
	vInf := 1 - 1/(1+math.Exp(-(fn-6.835e-14)/13.67e-16))
	var vDec float64
	switch tau := 1.91 + 2.09*uInf; tau {
	case dec.vTauLo:
		vDec = dec.vDecLo
	case dec.vTauHi:
		vDec = dec.vDecHi
	default:
		vDec = math.Exp(-dt / tau)
	}
	s[crnV] = vInf + (s[crnV]-vInf)*vDec

	s[crnNai] += dt * dNai
	s[crnKi] += dt * dKi
	s[crnCai] += dt * b1 / b2
	s[crnCaup] += dt * dCaup
	s[crnCarel] += dt * dCarel
	return v + dt*dv
}

// Tabulation of the V-only terms for tissue (openCARP's lookup tables):
// rows every crnTableStep mV on [crnTableMin, crnTableMax], linear
// interpolation; outside, direct evaluation.
const (
	crnTableMin  = -150.0
	crnTableMax  = 100.0
	crnTableStep = 0.05
)

// crnTables caches crnTable per dt: the table holds no conductance, so
// every parameter set shares it.
var crnTables tableCache[float64, crnRow]

// crnTable returns the V-only terms for dt at every table row.
func crnTable(dt float64) []crnRow {
	return crnTables.get(dt, func() []crnRow {
		n := int(math.Round((crnTableMax-crnTableMin)/crnTableStep)) + 1
		table := make([]crnRow, n)
		for i := range table {
			crnVoltageTerms(&table[i], crnTableMin+float64(i)*crnTableStep, dt)
		}
		return table
	})
}

// Kernel implements Kerneler: Step with the V-only terms interpolated in
// the table for dt (crnTable), which the parameter sets share.
func (c Courtemanche) Kernel(dt float64) Kernel {
	table := crnTable(dt)
	n := len(table)
	dec := newCRNDecay(dt)
	return func(v, s []float64, lo, hi int) {
		var row crnRow
		for i := lo; i < hi; i++ {
			vi := v[i]
			x := (vi - crnTableMin) / crnTableStep
			if k := int(x); x >= 0 && k < n-1 {
				f := x - float64(k)
				a, b := &table[k], &table[k+1]
				for j := range row {
					row[j] = a[j] + f*(b[j]-a[j])
				}
			} else {
				crnVoltageTerms(&row, vi, dt)
			}
			v[i] = c.stepWith(s[i*crnStates:(i+1)*crnStates], vi, dt, &row, &dec)
		}
	}
}
