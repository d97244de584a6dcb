package ionic_test

import (
	"fmt"

	"github.com/mdtwin/mdtwin/models/atrial/ionic"
)

// The Roney left-atrial set of pcmlab/atrialmtk AF_Simulation.par
// (reference §4), written as openCARP's im_param string on the control
// Courtemanche cell, is the package's CourtemancheRoneyLA.
func ExampleModify() {
	la, err := ionic.Modify(ionic.CRN98(), "GNa*2.0,Gto=0.0826,GKr=0.047058824,GCaL=0.037125,GK1*0.8,factorGKur*0.5")
	fmt.Println(la == ionic.Model(ionic.CourtemancheRoneyLA()), err)
	_, err = ionic.Modify(ionic.AtrialMMS(), "tau_close=120, GNa*2")
	fmt.Println(err)
	// Output:
	// true <nil>
	// im_param "GNa*2": model mms has no parameter "GNa"; it has tau_in, tau_out, tau_open, tau_close, V_gate, a_crit, V_min, V_max
}
