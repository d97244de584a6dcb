package atrial

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// FuzzElectrodesCSV feeds arbitrary bytes to the electrode CSV reader: it
// returns electrodes with finite positions and unique names, or one error
// line naming the file, never both and never a panic.
func FuzzElectrodesCSV(f *testing.F) {
	for _, s := range []string{
		"name,x_mm,y_mm,z_mm\nA1,0,0,1\nA2,2,0,1\n",
		"name,x_mm,y_mm,z_mm,group\nL1,1,2,3,lasso\nL2,1,2.5,3,lasso\nX,0,0,0,\n",
		"\ufeffname,x_mm,y_mm,z_mm\n a , 1e3 , -2 , 0.5 \n",
		"name,x_mm,y_mm,z_mm\nA,1,2,NaN\n",
		"name,x_mm,y_mm\nA,1,2\n",
		"name,x_mm,y_mm,z_mm\nA,1,2,3\nA,1,2,3\n",
		"name,x_mm,y_mm,z_mm\n\"A,1,2,3\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := readElectrodesCSV(bytes.NewReader(b), "e.csv")
		if err != nil {
			if es != nil {
				t.Fatalf("electrodes %v with error %v", es, err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "e.csv") || strings.Contains(msg, "\n") {
				t.Fatalf("error %q: want one line starting with the file name", msg)
			}
			return
		}
		if len(es) == 0 {
			t.Fatal("no electrodes and no error")
		}
		seen := map[string]bool{}
		for _, e := range es {
			if e.Name == "" || seen[e.Name] {
				t.Fatalf("empty or repeated name %q", e.Name)
			}
			seen[e.Name] = true
			for _, x := range e.Position {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Fatalf("non-finite position %v", e.Position)
				}
			}
		}
	})
}
