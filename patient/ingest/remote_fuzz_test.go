package ingest

import (
	"os"
	"strings"
	"testing"
)

// TestSpecificationManifest reads the Bulk Data Access IG's example
// manifest: three files by resource type, and an error file without one.
func TestSpecificationManifest(t *testing.T) {
	b, err := os.ReadFile("testdata/bulkdata-manifest-by-type.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest("manifest", b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Output) != 3 || m.Output[0].Type != "Patient" || len(m.Error) != 1 || !m.RequiresAccessToken {
		t.Errorf("%+v", m)
	}
}

func TestParseManifestRefuses(t *testing.T) {
	for in, want := range map[string]string{
		`{"output": []}`: "transactionTime and output are required",
		`{"transactionTime": "2021-01-01T00:00:00Z", "output": [{"type": "Pateint", "url": "https://x/p.ndjson"}]}`: `output[0]: type "Pateint" is not a FHIR R4 resource type`,
		`{"transactionTime": "2021-01-01T00:00:00Z", "output": [{"type": "Patient", "url": "file:///etc/passwd"}]}`: "is not an absolute http(s) URL",
		`[`: "invalid JSON",
	} {
		_, err := ParseManifest("m", []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "m: ") {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

func TestParsePageRefuses(t *testing.T) {
	for in, want := range map[string]string{
		`{"resourceType": "Bundle", "type": "collection"}`: "expected a searchset Bundle",
		`{"resourceType": "OperationOutcome"}`:             "expected a searchset Bundle",
		"{\"resourceType\": \"Bundle\",\n \"type\": 3}":    "2:11: invalid JSON",
	} {
		_, _, _, err := ParsePage("p", []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
	urls, res, next, err := ParsePage("p", []byte(`{"resourceType": "Bundle", "type": "searchset",
		"link": [{"relation": "next", "url": "https://x/fhir?page=2"}],
		"entry": [{"fullUrl": "https://x/fhir/Patient/1", "resource": {"resourceType": "Patient", "id": "1"}, "search": {"mode": "match"}},
		          {"resource": {"resourceType": "OperationOutcome"}, "search": {"mode": "outcome"}}]}`))
	if err != nil || len(urls) != 1 || len(res) != 1 || next != "https://x/fhir?page=2" {
		t.Errorf("%v %v %q %v", urls, res, next, err)
	}
}

// FuzzParsePage and FuzzParseManifest: what a FHIR server answers never
// panics the readers, and every problem is one line naming the response.
func FuzzParsePage(f *testing.F) {
	f.Add([]byte(`{"resourceType":"Bundle","type":"searchset","link":[{"relation":"next","url":"https://x/2"}],"entry":[{"fullUrl":"https://x/Patient/1","resource":{"resourceType":"Patient","id":"1"}}]}`))
	f.Add([]byte(`{"resourceType":"Bundle","type":"searchset","entry":[{"search":{"mode":"outcome"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _, err := ParsePage("page", data)
		checkAnswer(t, "page", nil, err)
	})
}

func FuzzParseManifest(f *testing.F) {
	b, _ := os.ReadFile("testdata/bulkdata-manifest-by-type.json")
	f.Add(b)
	f.Add([]byte(`{"transactionTime":"x","output":[{"type":"Patient","url":"http://127.0.0.1/p"}],"error":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseManifest("manifest", data)
		checkAnswer(t, "manifest", nil, err)
	})
}
