package atrial_test

import (
	"fmt"

	"github.com/mdtwin/mdtwin/models/atrial"
)

// The Roney left-atrial set of pcmlab/atrialmtk AF_Simulation.par
// (reference §4), written as openCARP's im_param string on the control
// Courtemanche cell, is the package's CourtemancheRoneyLA.
func ExampleModifyIonic() {
	la, err := atrial.ModifyIonic(atrial.CRN98, "GNa*2.0,Gto=0.0826,GKr=0.047058824,GCaL=0.037125,GK1*0.8,factorGKur*0.5")
	fmt.Println(la == atrial.Ionic(atrial.CourtemancheRoneyLA), err)
	_, err = atrial.ModifyIonic(atrial.AtrialMMS, "tau_close=120, GNa*2")
	fmt.Println(err)
	// Output:
	// true <nil>
	// im_param "GNa*2": model mms has no parameter "GNa"; it has tau_in, tau_out, tau_open, tau_close, V_gate, a_crit, V_min, V_max
}
