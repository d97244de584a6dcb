package prediction

import "testing"

func TestWithParam(t *testing.T) {
	src := "[study]\nname = \"x\"\n\n[params]\nn_patients = 10000 # many\nmode = \"des\"\n\n[inputs]\nn_patients = 3\n"
	got := string(WithParam([]byte(src), "n_patients", "50"))
	want := "[study]\nname = \"x\"\n\n[params]\nn_patients = 50\nmode = \"des\"\n\n[inputs]\nn_patients = 3\n"
	if got != want {
		t.Errorf("replace:\n%s\nwant\n%s", got, want)
	}
	got = string(WithParam([]byte("[params]\nmode = 1\n"), "n_patients", "5"))
	if got != "[params]\nn_patients = 5\nmode = 1\n" {
		t.Errorf("insert: %q", got)
	}
}
