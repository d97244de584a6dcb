package ionic

import (
	"strings"
	"testing"
)

// TestParseIonicMods: each operator applied to the control Courtemanche
// and atrial mMS sets gives the arithmetic result (exact in floating
// point: one operation each), whitespace is ignored, and malformed items,
// unknown names and out-of-range results are one-line errors naming them.
func TestParseIonicMods(t *testing.T) {
	ion, err := Modify(CRN98(), " GNa * 2.0 , Gto=0.0826,GKr+0.01, GK1 - 0.02 ,factorGKur/4")
	if err != nil {
		t.Fatal(err)
	}
	c := ion.(Courtemanche)
	want := CRN98()
	two, add, sub, four := 2.0, 0.01, 0.02, 4.0 // variables: float64 arithmetic, not exact constant arithmetic
	want.GNa, want.GTo, want.GKr, want.GK1, want.KurScale = CRN98().GNa*two, 0.0826, CRN98().GKr+add, CRN98().GK1-sub, CRN98().KurScale/four
	if c != want {
		t.Errorf("modified CRN98 = %+v, want %+v", c, want)
	}
	mms, err := Modify(AtrialMMS(), "tau_close=120,a_crit*0.5,V_min=-90")
	if err != nil {
		t.Fatal(err)
	}
	if m := mms.(ModifiedMS); m.TauClose != 120 || m.ACrit != 0.05 || m.VMin != -90 {
		t.Errorf("modified AtrialMMS = %+v", m)
	}
	if same, err := Modify(TP06Epi(), "  "); err != nil || same != Model(TP06Epi()) {
		t.Errorf("blank spec: %v, %v; want TP06Epi unchanged", same, err)
	}
	for _, c := range []struct {
		ion  Model
		spec string
		msg  string // a part of the error
	}{
		{CRN98(), "GNa*", `item 1 "GNa*": value "" is not a finite number`},
		{CRN98(), "GNa*2,,Gto=0", `item 2 "": empty item`},
		{CRN98(), "GNa^2", `expected an operator`},
		{CRN98(), "2*GNa", `expected a parameter name first`},
		{CRN98(), "GNa*1e999", `not a finite number`},
		{CRN98(), "gna*2", `model courtemanche has no parameter "gna"; it has GNa, GK1, Gto, GKr, GKs, GCaL, GbNa, GbCa, factorGKur, maxINaK, maxINaCa, maxIpCa, maxIup`},
		{TP06Epi(), "GNa*2,factorGKur*0.5", `model tentusscher has no parameter "factorGKur"`},
		{CRN98(), "GNa-10", `GNa would be -2.2; it must be finite and ≥ 0`},
		{AtrialMMS(), "tau_close*0", `tau_close would be 0; it must be finite and > 0`},
		{AtrialMMS(), "tau_in/0", `tau_in would be +Inf`},
		{AtrialMMS(), "V_gate=1.5", `V_gate would be 1.5; it must be in (0, 1)`},
		{StandardMS(), "V_max=-100", `V_max -100 mV must be above V_min -86.2 mV`},
		{DefaultAlievPanfilov(), "tau_in*2", `model aliev_panfilov has no parameter "tau_in"; it has k, a, eps0, mu1, mu2, time_scale, V_min, V_max`},
	} {
		_, err := Modify(c.ion, c.spec)
		if err == nil || !strings.Contains(err.Error(), c.msg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ModifyIonic(%s, %q) = %v, want one line containing %q", c.ion.Name(), c.spec, err, c.msg)
		}
	}
}
