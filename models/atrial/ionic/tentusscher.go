package ionic

import "math"

// TenTusscher is the human ventricular cell model of ten Tusscher &
// Panfilov (2006), "Alternans and spiral breakup in a human ventricular
// tissue model", Am J Physiol Heart Circ Physiol 291:H1088
// (doi 10.1152/ajpheart.00109.2006), the cell model of the Niederer et al.
// (2011) N-version benchmark (epicardial variant; reference §3.1).
//
// V and 18 states in the order of the tt* constants: the eleven gates that
// depend on V only (Xr1, Xr2, Xs, m, h, j, d, f, f2, s, r), f_Cass and the
// RyR variable R̄ (depending on Ca_ss), and Ca_i, Ca_SR, Ca_ss, Na_i, K_i
// (mM). The equations and constants are those of the paper's appendix as
// encoded in the CellML model repository (tentusscher_panfilov_2006, the
// epi/endo/M variants): R 8314.472 mJ/(mol·K), T 310 K, F 96485.3415 C/mol,
// Cm 0.185 µF, V_c 0.016404, V_SR 0.001094, V_ss 5.468e-5 µL, K_o 5.4,
// Na_o 140, Ca_o 2 mM. Currents are per capacitance (pA/pF = mV/ms); the
// stimulus is not added to K_i (tissue convention: it is a volumetric
// current in the monodomain).
//
// The cell types differ in g_Ks, g_to and the s gate of I_to (TP06 Table
// and appendix): epicardium g_Ks 0.392, g_to 0.294 nS/pF; M cells g_Ks
// 0.098, g_to 0.294; endocardium g_Ks 0.392, g_to 0.073 with its own
// s∞/τ_s (Endo true).
//
// Step is Rush–Larsen for the 13 gates (x ← x∞ + (x − x∞)·exp(−dt/τ), with
// R̄'s linear equation dR̄/dt = k4 − (k2·Ca_ss + k4)·R̄ treated the same
// way) and forward Euler for the concentrations and V, with the terms that
// depend on V only interpolated in a table (every 0.05 mV on [−150, 100]
// mV, built once per dt and cell type, as openCARP's lookup tables);
// StepDirect evaluates them directly. dt ≤ 0.05 ms.
type TenTusscher struct {
	GNa, GK1, GTo, GKr, GKs, GCaL float64 // nS/pF (g_CaL in cm³/(µF·s) as in CellML)
	GbNa, GbCa, GpCa, GpK         float64 // nS/pF
	PNaK, KNaCa                   float64 // pA/pF
	Endo                          bool    // endocardial s gate of I_to
}

// TP06Epi returns the epicardial cell of ten Tusscher & Panfilov (2006),
// the Niederer benchmark's cell.
func TP06Epi() TenTusscher { return tp06Epi }

// TP06M returns the M cell of ten Tusscher & Panfilov (2006): the
// epicardial set with g_Ks 0.098 nS/pF.
func TP06M() TenTusscher {
	c := tp06Epi
	c.GKs = 0.098
	return c
}

// TP06Endo returns the endocardial cell of ten Tusscher & Panfilov (2006):
// the epicardial set with g_to 0.073 nS/pF and its own s gate.
func TP06Endo() TenTusscher {
	c := tp06Epi
	c.GTo, c.Endo = 0.073, true
	return c
}

var tp06Epi = TenTusscher{GNa: 14.838, GK1: 5.405, GTo: 0.294, GKr: 0.153, GKs: 0.392, GCaL: 3.98e-5, GbNa: 2.9e-4, GbCa: 5.92e-4, GpCa: 0.1238, GpK: 0.0146, PNaK: 2.724, KNaCa: 1000}

// The state indices of TenTusscher.
const (
	ttXr1 = iota
	ttXr2
	ttXs
	ttM
	ttH
	ttJ
	ttD
	ttF
	ttF2
	ttS
	ttR
	ttFCass
	ttRbar
	ttCai
	ttCaSR
	ttCass
	ttNai
	ttKi
	ttStates
	ttVGates = ttFCass // gates Xr1 … r depend on V only
)

// Constants of ten Tusscher & Panfilov (2006) (CellML units: mV, ms, mM,
// µF, µL).
const (
	ttRgas  = 8314.472   // mJ/(mol·K)
	ttT     = 310.0      // K
	ttFar   = 96485.3415 // C/mol
	ttRTF   = ttRgas * ttT / ttFar
	ttFRT   = 1 / ttRTF
	ttCm    = 0.185      // µF
	ttVc    = 0.016404   // µL
	ttVsr   = 0.001094   // µL
	ttVss   = 0.00005468 // µL
	ttKo    = 5.4
	ttNao   = 140.0
	ttCao   = 2.0
	ttPKNa  = 0.03 // relative Na⁺ permeability of I_Ks
	ttKmK   = 1.0  // I_NaK
	ttKmNa  = 40.0 // I_NaK
	ttKmNai = 87.5 // I_NaCa
	ttKmCa  = 1.38 // I_NaCa
	ttKsat  = 0.1
	ttGam   = 0.35
	ttAlpha = 2.5
	ttKpCa  = 0.0005
	// Calcium dynamics.
	ttVmaxUp = 0.006375 // mM/ms
	ttKup    = 0.00025
	ttVrel   = 0.102 // 1/ms
	ttVleak  = 0.00036
	ttVxfer  = 0.0038
	ttK1p    = 0.15  // 1/(mM²·ms)
	ttK2p    = 0.045 // 1/(mM·ms)
	ttK3     = 0.060 // 1/ms
	ttK4     = 0.005 // 1/ms
	ttEC     = 1.5
	ttMaxSR  = 2.5
	ttMinSR  = 1.0
	ttBufC   = 0.2
	ttKBufC  = 0.001
	ttBufSR  = 10.0
	ttKBufSR = 0.3
	ttBufSS  = 0.4
	ttKBufSS = 0.00025
	// Concentration rates per current: Cm/(V·F), mM/ms per pA/pF.
	ttInvVcF = ttCm / (ttVc * ttFar)
)

// Name implements Model.
func (TenTusscher) Name() string { return NameTP06 }

// NumStates implements Model: 18.
func (TenTusscher) NumStates() int { return ttStates }

// ttInitial is the epicardial initial state of the Niederer benchmark
// (reference §3.1, from the CellML model), V −85.23 mV.
var ttInitial = [ttStates]float64{
	ttXr1: 0.00621, ttXr2: 0.4712, ttXs: 0.0095, ttM: 0.00172, ttH: 0.7444, ttJ: 0.7045,
	ttD: 3.373e-5, ttF: 0.7888, ttF2: 0.9755, ttS: 0.999998, ttR: 2.42e-8, ttFCass: 0.9953,
	ttRbar: 0.9073, ttCai: 1.26e-4, ttCaSR: 3.64, ttCass: 3.6e-4, ttNai: 8.604, ttKi: 136.89}

// Rest implements Model: the published initial state, V −85.23 mV (for
// the endocardial s gate, its steady state at that potential).
func (c TenTusscher) Rest(s []float64) float64 {
	copy(s, ttInitial[:])
	if c.Endo {
		s[ttS] = 1 / (1 + math.Exp((-85.23+28)/5))
	}
	return -85.23
}

// ttGates writes each V-only gate's steady state and time constant (ms) at
// potential v.
func ttGates(v float64, endo bool, inf, tau *[ttVGates]float64) {
	// I_Kr: Xr1, Xr2.
	a := 450 / (1 + math.Exp((-45-v)/10))
	b := 6 / (1 + math.Exp((v+30)/11.5))
	inf[ttXr1], tau[ttXr1] = 1/(1+math.Exp((-26-v)/7)), a*b
	a = 3 / (1 + math.Exp((-60-v)/20))
	b = 1.12 / (1 + math.Exp((v-60)/20))
	inf[ttXr2], tau[ttXr2] = 1/(1+math.Exp((v+88)/24)), a*b
	// I_Ks: Xs.
	a = 1400 / math.Sqrt(1+math.Exp((5-v)/6))
	b = 1 / (1 + math.Exp((v-35)/15))
	inf[ttXs], tau[ttXs] = 1/(1+math.Exp((-5-v)/14)), a*b+80
	// I_Na: m, h, j.
	a = 1 / (1 + math.Exp((-60-v)/5))
	b = 0.1/(1+math.Exp((v+35)/5)) + 0.1/(1+math.Exp((v-50)/200))
	mi := 1 / (1 + math.Exp((-56.86-v)/9.03))
	inf[ttM], tau[ttM] = mi*mi, a*b
	hi := 1 / (1 + math.Exp((v+71.55)/7.43))
	hi *= hi
	var ah, bh, aj, bj float64
	if v < -40 {
		ah = 0.057 * math.Exp(-(v+80)/6.8)
		bh = 2.7*math.Exp(0.079*v) + 3.1e5*math.Exp(0.3485*v)
		aj = (-2.5428e4*math.Exp(0.2444*v) - 6.948e-6*math.Exp(-0.04391*v)) * (v + 37.78) / (1 + math.Exp(0.311*(v+79.23)))
		bj = 0.02424 * math.Exp(-0.01052*v) / (1 + math.Exp(-0.1378*(v+40.14)))
	} else {
		bh = 0.77 / (0.13 * (1 + math.Exp(-(v+10.66)/11.1)))
		bj = 0.6 * math.Exp(0.057*v) / (1 + math.Exp(-0.1*(v+32)))
	}
	inf[ttH], tau[ttH] = hi, 1/(ah+bh)
	inf[ttJ], tau[ttJ] = hi, 1/(aj+bj)
	// I_CaL: d, f, f2.
	a = 1.4/(1+math.Exp((-35-v)/13)) + 0.25
	b = 1.4 / (1 + math.Exp((v+5)/5))
	g := 1 / (1 + math.Exp((50-v)/20))
	inf[ttD], tau[ttD] = 1/(1+math.Exp((-8-v)/7.5)), a*b+g
	inf[ttF] = 1 / (1 + math.Exp((v+20)/7))
	tau[ttF] = 1102.5*math.Exp(-(v+27)*(v+27)/225) + 200/(1+math.Exp((13-v)/10)) + 180/(1+math.Exp((v+30)/10)) + 20
	inf[ttF2] = 0.67/(1+math.Exp((v+35)/7)) + 0.33
	tau[ttF2] = 562*math.Exp(-(v+27)*(v+27)/240) + 31/(1+math.Exp((25-v)/10)) + 80/(1+math.Exp((v+30)/10))
	// I_to: s, r.
	if endo {
		inf[ttS] = 1 / (1 + math.Exp((v+28)/5))
		tau[ttS] = 1000*math.Exp(-(v+67)*(v+67)/1000) + 8
	} else {
		inf[ttS] = 1 / (1 + math.Exp((v+20)/5))
		tau[ttS] = 85*math.Exp(-(v+45)*(v+45)/320) + 5/(1+math.Exp((v-20)/5)) + 3
	}
	inf[ttR], tau[ttR] = 1/(1+math.Exp((20-v)/6)), 9.5*math.Exp(-(v+40)*(v+40)/1800)+0.8
}

// ttRow holds the terms of one step that depend on V only: for each V-only
// gate its Rush–Larsen factors e = exp(−dt/τ) and x∞·(1 − e), then the
// I_NaK voltage factor, the I_NaCa exponentials over its saturation term,
// the two I_CaL driving-force factors (I_CaL = g·d·f·f2·f_Cass·(A·Ca_ss − B))
// and the I_pK factor.
type ttRow [2*ttVGates + 6]float64

const (
	ttColNaK = 2*ttVGates + iota
	ttColNaCaIn
	ttColNaCaOut
	ttColCaLA
	ttColCaLB
	ttColPK
)

// ttVoltageTerms fills row at potential v for time step dt.
func ttVoltageTerms(row *ttRow, v, dt float64, endo bool) {
	var inf, tau [ttVGates]float64
	ttGates(v, endo, &inf, &tau)
	for g := range ttVGates {
		e := math.Exp(-dt / tau[g])
		row[2*g], row[2*g+1] = e, inf[g]*(1-e)
	}
	fv := v * ttFRT
	row[ttColNaK] = 1 / (1 + 0.1245*math.Exp(-0.1*fv) + 0.0353*math.Exp(-fv))
	eg, eg1 := math.Exp(ttGam*fv), math.Exp((ttGam-1)*fv)
	row[ttColNaCaIn], row[ttColNaCaOut] = eg/(1+ttKsat*eg1), eg1/(1+ttKsat*eg1)
	// I_CaL GHK factor 4·F²/(RT)·(V−15)/(exp(2(V−15)F/RT) − 1), with its
	// limit 2F at V = 15 mV.
	x := 2 * (v - 15) * ttFRT
	var ghk float64
	if math.Abs(x) < 1e-6 {
		ghk = 2 * ttFar * (1 - x/2)
	} else {
		ghk = 2 * ttFar * x / math.Expm1(x)
	}
	row[ttColCaLA], row[ttColCaLB] = ghk*0.25*math.Exp(x), ghk*ttCao
	row[ttColPK] = 1 / (1 + math.Exp((25-v)/5.98))
}

// currents evaluates the model at (v, s) with the V-only terms in row:
// it returns dV/dt and writes the concentration derivatives into dc
// (indexed from ttCai) and f_Cass's and R̄'s steady state and time constant.
func (c *TenTusscher) currents(v float64, s []float64, row *ttRow, dc *[ttStates - ttCai]float64, rl *[4]float64) float64 {
	s = s[:ttStates]
	cai, casr, cass, nai, ki := s[ttCai], s[ttCaSR], s[ttCass], s[ttNai], s[ttKi]
	ena := ttRTF * math.Log(ttNao/nai)
	ek := ttRTF * math.Log(ttKo/ki)
	eks := ttRTF * math.Log((ttKo+ttPKNa*ttNao)/(ki+ttPKNa*nai))
	eca := ttRTF / 2 * math.Log(ttCao/cai)
	sqKo := math.Sqrt(ttKo / 5.4)

	// I_K1 (instantaneous rectifier, depending on V − E_K).
	vk := v - ek
	ak1 := 0.1 / (1 + math.Exp(0.06*(vk-200)))
	bk1 := (3*math.Exp(0.0002*(vk+100)) + math.Exp(0.1*(vk-10))) / (1 + math.Exp(-0.5*vk))
	iK1 := c.GK1 * sqKo * ak1 / (ak1 + bk1) * vk

	m := s[ttM]
	iNa := c.GNa * m * m * m * s[ttH] * s[ttJ] * (v - ena)
	iTo := c.GTo * s[ttR] * s[ttS] * vk
	iKr := c.GKr * sqKo * s[ttXr1] * s[ttXr2] * vk
	iKs := c.GKs * s[ttXs] * s[ttXs] * (v - eks)
	iCaL := c.GCaL * s[ttD] * s[ttF] * s[ttF2] * s[ttFCass] * (row[ttColCaLA]*cass - row[ttColCaLB])
	const naCaDen = (ttKmNai*ttKmNai*ttKmNai + ttNao*ttNao*ttNao) * (ttKmCa + ttCao)
	iNaCa := c.KNaCa * (row[ttColNaCaIn]*nai*nai*nai*ttCao - row[ttColNaCaOut]*ttNao*ttNao*ttNao*cai*ttAlpha) / naCaDen
	iNaK := c.PNaK * ttKo / (ttKo + ttKmK) * nai / (nai + ttKmNa) * row[ttColNaK]
	iPCa := c.GpCa * cai / (cai + ttKpCa)
	iPK := c.GpK * row[ttColPK] * vk
	iBNa := c.GbNa * (v - ena)
	iBCa := c.GbCa * (v - eca)

	// Calcium handling (mM/ms).
	kcasr := ttMaxSR - (ttMaxSR-ttMinSR)/(1+(ttEC/casr)*(ttEC/casr))
	k1, k2 := ttK1p/kcasr, ttK2p*kcasr
	o := k1 * cass * cass * s[ttRbar] / (ttK3 + k1*cass*cass)
	iRel := ttVrel * o * (casr - cass)
	iUp := ttVmaxUp / (1 + ttKup*ttKup/(cai*cai))
	iLeak := ttVleak * (casr - cai)
	iXfer := ttVxfer * (cass - cai)
	bufc := 1 / (1 + ttBufC*ttKBufC/((cai+ttKBufC)*(cai+ttKBufC)))
	bufsr := 1 / (1 + ttBufSR*ttKBufSR/((casr+ttKBufSR)*(casr+ttKBufSR)))
	bufss := 1 / (1 + ttBufSS*ttKBufSS/((cass+ttKBufSS)*(cass+ttKBufSS)))
	dc[ttCai-ttCai] = bufc * ((iLeak-iUp)*ttVsr/ttVc + iXfer - (iBCa+iPCa-2*iNaCa)*ttInvVcF/2)
	dc[ttCaSR-ttCai] = bufsr * (iUp - iRel - iLeak)
	dc[ttCass-ttCai] = bufss * (-iCaL*ttCm/(2*ttVss*ttFar) + iRel*ttVsr/ttVss - iXfer*ttVc/ttVss)
	dc[ttNai-ttCai] = -(iNa + iBNa + 3*iNaK + 3*iNaCa) * ttInvVcF
	dc[ttKi-ttCai] = -(iK1 + iTo + iKr + iKs + iPK - 2*iNaK) * ttInvVcF

	// f_Cass and R̄: steady states and time constants.
	q := (cass / 0.05) * (cass / 0.05)
	rl[0], rl[1] = 0.6/(1+q)+0.4, 80/(1+q)+2
	kr := k2*cass + ttK4
	rl[2], rl[3] = ttK4/kr, 1/kr

	return -(iK1 + iTo + iKr + iKs + iCaL + iNaK + iNa + iBNa + iNaCa + iBCa + iPK + iPCa)
}

// Deriv implements Model.
func (c TenTusscher) Deriv(ds []float64, v float64, s []float64) float64 {
	var row ttRow
	var inf, tau [ttVGates]float64
	var dc [ttStates - ttCai]float64
	var rl [4]float64
	ttVoltageTerms(&row, v, 1, c.Endo) // dt unused below
	ttGates(v, c.Endo, &inf, &tau)
	dv := c.currents(v, s, &row, &dc, &rl)
	ds = ds[:ttStates]
	for g := range inf {
		ds[g] = (inf[g] - s[g]) / tau[g]
	}
	ds[ttFCass] = (rl[0] - s[ttFCass]) / rl[1]
	ds[ttRbar] = (rl[2] - s[ttRbar]) / rl[3]
	copy(ds[ttCai:], dc[:])
	return dv
}

// StepDirect is Step with the V-only terms evaluated directly, not
// interpolated.
func (c TenTusscher) StepDirect(s []float64, v, dt float64) float64 {
	var row ttRow
	ttVoltageTerms(&row, v, dt, c.Endo)
	return c.stepWith(s, v, dt, &row)
}

// Step implements Model: Rush–Larsen for the gates, forward Euler for the
// concentrations and V, all from the state at the start of the step; the
// V-only terms are interpolated in a table for dt (built on first use).
func (c TenTusscher) Step(s []float64, v, dt float64) float64 {
	var row ttRow
	c.voltageRow(&row, ttTableFor(dt, c.Endo), v, dt)
	return c.stepWith(s, v, dt, &row)
}

// voltageRow writes the V-only terms at v into row: interpolated in the
// table t (ttTableFor(dt, c.Endo)), or computed directly outside it.
func (c TenTusscher) voltageRow(row *ttRow, t []ttRow, v, dt float64) {
	x := (v - ttTableMin) / ttTableStep
	if k := int(x); x >= 0 && k < len(t)-1 {
		f := x - float64(k)
		a, b := &t[k], &t[k+1]
		for j := range row {
			row[j] = a[j] + f*(b[j]-a[j])
		}
		return
	}
	ttVoltageTerms(row, v, dt, c.Endo)
}

// Kernel implements Kerneler: Step with the table of the cell type
// (ttTableFor: one per dt and s gate, so that each cell type interpolates
// its own) looked up once.
func (c TenTusscher) Kernel(dt float64) Kernel {
	t := ttTableFor(dt, c.Endo)
	return func(v, s []float64, lo, hi int) {
		var row ttRow
		for i := lo; i < hi; i++ {
			vi := v[i]
			c.voltageRow(&row, t, vi, dt)
			v[i] = c.stepWith(s[i*ttStates:(i+1)*ttStates], vi, dt, &row)
		}
	}
}

func (c *TenTusscher) stepWith(s []float64, v, dt float64, row *ttRow) float64 {
	var dc [ttStates - ttCai]float64
	var rl [4]float64
	dv := c.currents(v, s, row, &dc, &rl)
	s = s[:ttStates]
	g := s[:ttVGates]
	for i := range g {
		g[i] = g[i]*row[2*i] + row[2*i+1]
	}
	s[ttFCass] = rl[0] + (s[ttFCass]-rl[0])*math.Exp(-dt/rl[1])
	s[ttRbar] = rl[2] + (s[ttRbar]-rl[2])*math.Exp(-dt/rl[3])
	for i, d := range dc {
		s[ttCai+i] += dt * d
	}
	return v + dt*dv
}

// Tabulation of the V-only terms: rows every ttTableStep mV on
// [ttTableMin, ttTableMax], linear interpolation; outside, direct
// evaluation.
const (
	ttTableMin  = -150.0
	ttTableMax  = 100.0
	ttTableStep = 0.05
)

// ttKey is a table's time step and cell type (the s gate).
type ttKey struct {
	dt   float64
	endo bool
}

// ttTables caches one table per (dt, cell type).
var ttTables tableCache[ttKey, ttRow]

func ttTableFor(dt float64, endo bool) []ttRow {
	return ttTables.get(ttKey{dt, endo}, func() []ttRow {
		n := int(math.Round((ttTableMax-ttTableMin)/ttTableStep)) + 1
		rows := make([]ttRow, n)
		for i := range rows {
			ttVoltageTerms(&rows[i], ttTableMin+float64(i)*ttTableStep, dt, endo)
		}
		return rows
	})
}
