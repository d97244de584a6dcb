package ingest

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/patient"
)

// TestDeviceAndPROStreams ingests the Synthea patient, then a wearable's
// 60 daily step counts as a stream (batches of 25: 25 + 25 + 10) and four
// PHQ-9 questionnaire responses: each becomes a series of the record.
func TestDeviceAndPROStreams(t *testing.T) {
	ctx := context.Background()
	ps := newStore(t)
	if _, err := File(ctx, ps, syntheaFile); err != nil {
		t.Fatal(err)
	}
	opt := Options{Source: "http://hospital.smarthealthit.org"} // the bundle's patients' identifier system
	f, err := os.Open("../testdata/wearable_steps.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums, err := opt.Stream(ctx, ps, "steps", f, 25, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 3 || sums[0].Added != 25 || sums[2].Added != 10 || sums[2].File != "steps (lines 51–60)" {
		for _, s := range sums {
			t.Log(s, s.Problems)
		}
		t.Fatalf("%d batches", len(sums))
	}
	g, err := os.Open("../testdata/phq9_responses.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if s, err := opt.NDJSON(ctx, ps, "phq9", g); err != nil || s.Added != 4 {
		t.Fatalf("%v %v %v", s, err, s.Problems)
	}
	pid := ps.Pseudonym(opt.Source, syntheaMRN)
	rec, err := ps.Record(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	steps := rec.Series(patient.SystemLOINC, "41950-7")
	// Day 0 (Monday 2021-03-01): 6000 steps; day 5 (Saturday): 6000 + 185 + 1500.
	if len(steps) != 60 || *steps[0].Value != 6000 || *steps[5].Value != 7685 || steps[0].Unit != "/(24.h)" {
		t.Errorf("steps: %d values, first %v", len(steps), steps[0])
	}
	phq := rec.Series(patient.SystemLOINC, "44261-6")
	var got []float64
	for _, o := range phq {
		got = append(got, *o.Value)
		if o.Category != "survey" || o.ParentID == 0 || o.Unit != "{score}" || !strings.HasPrefix(o.Time, "2021-") {
			t.Errorf("PHQ-9 score row %+v", o)
		}
	}
	if len(got) != 4 || got[0] != 12 || got[3] != 5 {
		t.Errorf("PHQ-9 scores %v, want 12 10 7 5", got)
	}
}

// TestStreamQuiet stores what a stream sent once it has been quiet for the
// flush interval, before the stream ends.
func TestStreamQuiet(t *testing.T) {
	ctx := context.Background()
	ps := newStore(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var sums []*Summary
	go func() {
		var err error
		sums, err = Options{Source: "urn:test"}.Stream(ctx, ps, "pipe", r, 100, 50*time.Millisecond)
		done <- err
	}()
	w.WriteString(`{"resourceType":"Patient","id":"a","gender":"female"}` + "\n")
	// Wait until the quiet flush stored the patient (bounded: 10 s).
	for i := 0; ; i++ {
		if c, _ := ps.Counts(ctx); c["patients"] == 1 {
			break
		}
		if i > 1000 {
			t.Fatal("the line was not stored while the stream stayed open")
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.WriteString("not json\n")
	w.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(sums) != 2 || sums[1].Failed != 1 || sums[1].Problems[0].Line != 2 {
		t.Errorf("summaries %v", sums)
	}
}

// FuzzStream: an NDJSON stream never panics the batching reader, and each
// problem is one line naming the stream.
func FuzzStream(f *testing.F) {
	for _, name := range []string{"../testdata/wearable_steps.ndjson", "../testdata/phq9_responses.ndjson"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		lines := strings.SplitAfter(string(b), "\n")
		f.Add([]byte(strings.Join(lines[:min(3, len(lines))], "")))
	}
	f.Add([]byte("{\"resourceType\":\"QuestionnaireResponse\",\"status\":\"done\",\"subject\":{\"reference\":\"Patient/x\"},\"item\":[{\"linkId\":\"44261-6\",\"answer\":[{\"valueDecimal\":1e400}]}]}\n"))
	ps := fuzzStore(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 16<<10 {
			return // long inputs only make more batches, each a transaction
		}
		sums, err := Options{Source: "urn:fuzz"}.Stream(context.Background(), ps, "stream", bytes.NewReader(data), 3, time.Minute)
		checkAnswer(t, "stream", sums, err)
	})
}
