package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"
)

func TestParsePatient(t *testing.T) {
	for _, tc := range []struct {
		name, file, src string
		want            Patient
		wantStore       string // PatientStore()
	}{
		{"id and relative store", filepath.Join("studies", "ms.toml"),
			head + "[patient]\nid = \"p3f2a\"\nstore = \"../data/patients.sqlite\"\n",
			Patient{ID: "p3f2a", Store: "../data/patients.sqlite"}, filepath.Join("data", "patients.sqlite")},
		{"absolute store", "ms.toml", head + "[patient]\nid = \"p1\"\nstore = \"/srv/mdtwin/p.sqlite\"\n",
			Patient{ID: "p1", Store: "/srv/mdtwin/p.sqlite"}, "/srv/mdtwin/p.sqlite"},
		{"no store", "ms.toml", "patient.id = \"p1\"\n" + head, Patient{ID: "p1"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.file, []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if s.Patient == nil || *s.Patient != tc.want {
				t.Fatalf("Patient = %+v, want %+v", s.Patient, tc.want)
			}
			if got := s.PatientStore(); got != tc.wantStore {
				t.Errorf("PatientStore() = %q, want %q", got, tc.wantStore)
			}
			// The hash is of the file's bytes, so it covers the block.
			sum := sha256.Sum256([]byte(tc.src))
			if s.Hash != hex.EncodeToString(sum[:]) {
				t.Errorf("Hash is not the SHA-256 of the file")
			}
		})
	}
	s, err := Parse("s.toml", []byte(head))
	if err != nil || s.Patient != nil || s.PatientStore() != "" {
		t.Errorf("without [patient]: %+v, %q, %v", s.Patient, s.PatientStore(), err)
	}
}
