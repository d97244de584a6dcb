package mscohort

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/parquet-go/parquet-go"

	"github.com/mdtwin/mdtwin/models"
)

// The trajectory files a run writes with save_trajectories, in its folder.
const (
	EventsFile     = "events" // one row per patient-event (.parquet and .csv)
	PanelFile      = "panel"  // one row per patient-year (.parquet and .csv)
	ProvenanceFile = "provenance.json"
)

// record is one patient-event as the recorder keeps it.
type record struct {
	time     float64
	age0     float64
	patient  int32
	relapses int32
	strategy int16
	kind     int8 // -1: start
	edss     int8
	course   int8
	slot     int8
	female   bool
}

// recorder keeps the events of the patients of one chunk, in simulation
// order (strategy by strategy, patient by patient).
type recorder struct {
	w    *world
	rows []record
}

func newRecorder(w *world) *recorder { return &recorder{w: w} }

// add records the patient's state after an event of kind (−1: the start)
// at time t.
func (r *recorder) add(pt *patient, kind int, t float64) {
	r.rows = append(r.rows, record{time: t, age0: pt.age0, patient: int32(pt.id), relapses: int32(pt.relapses),
		strategy: int16(pt.si), kind: int8(kind), edss: int8(pt.edss), course: int8(pt.course), slot: int8(pt.slot), female: pt.female})
}

// EventRow is a row of the events table: the patient's state right after
// the event.
type EventRow struct {
	RunID    string  `parquet:"run_id" json:"run_id"`
	Seed     uint64  `parquet:"seed" json:"seed"`
	Strategy string  `parquet:"strategy" json:"strategy"`
	Patient  int64   `parquet:"patient" json:"patient"`
	Sex      string  `parquet:"sex" json:"sex"`
	Time     float64 `parquet:"time" json:"time"` // years since the start
	Age      float64 `parquet:"age" json:"age"`
	Event    string  `parquet:"event" json:"event"` // start, relapse, edss, spms, …
	EDSS     int32   `parquet:"edss" json:"edss"`
	Course   string  `parquet:"course" json:"course"`
	Therapy  string  `parquet:"therapy" json:"therapy"` // "none" when off therapy
	Line     int32   `parquet:"line" json:"line"`       // 1-based therapy line; 0 when off
	Relapses int32   `parquet:"relapses" json:"relapses"`
}

// PanelRow is a row of the patient-year panel: year y covers [y, y+1) years
// since the start, while the patient is alive and within the horizon. Cost
// and QALY are undiscounted.
type PanelRow struct {
	RunID      string  `parquet:"run_id" json:"run_id"`
	Seed       uint64  `parquet:"seed" json:"seed"`
	Strategy   string  `parquet:"strategy" json:"strategy"`
	Patient    int64   `parquet:"patient" json:"patient"`
	Sex        string  `parquet:"sex" json:"sex"`
	Year       int32   `parquet:"year" json:"year"`
	Age        float64 `parquet:"age" json:"age"` // at the start of the year
	EDSSStart  int32   `parquet:"edss_start" json:"edss_start"`
	EDSSEnd    int32   `parquet:"edss_end" json:"edss_end"`
	Course     string  `parquet:"course" json:"course"`   // at the end of the year
	Therapy    string  `parquet:"therapy" json:"therapy"` // at the start of the year
	YearsAlive float64 `parquet:"years_alive" json:"years_alive"`
	Relapses   int32   `parquet:"relapses" json:"relapses"`
	Died       bool    `parquet:"died" json:"died"`
	Cost       float64 `parquet:"cost" json:"cost"`
	QALY       float64 `parquet:"qaly" json:"qaly"`
}

func (w *world) therapyOf(si, slot int) string {
	p := &w.plans[si]
	if slot == p.off || p.s.lines[slot].therapy < 0 {
		return NoTherapy
	}
	return w.d.therapyNames[p.s.lines[slot].therapy]
}

func sexName(female bool) string {
	if female {
		return "F"
	}
	return "M"
}

// tables turns the recorded events into the events and panel rows.
func (w *world) tables(recs []*recorder, runID string, seed uint64) ([]EventRow, []PanelRow) {
	var events []EventRow
	var panel []PanelRow
	v := &w.v
	for _, r := range recs {
		rows := r.rows
		for i := 0; i < len(rows); {
			j := i + 1
			for j < len(rows) && rows[j].kind != -1 {
				j++
			}
			pr := rows[i:j] // one patient under one strategy
			si := int(pr[0].strategy)
			p := &w.plans[si]
			name := p.s.name
			for _, x := range pr {
				kind := "start"
				if x.kind >= 0 {
					kind = EventNames[x.kind]
				}
				line := int32(x.slot) + 1
				if int(x.slot) == p.off {
					line = 0
				}
				events = append(events, EventRow{RunID: runID, Seed: seed, Strategy: name, Patient: int64(x.patient), Sex: sexName(x.female),
					Time: x.time, Age: x.age0 + x.time, Event: kind, EDSS: int32(x.edss), Course: Course(x.course).String(),
					Therapy: w.therapyOf(si, int(x.slot)), Line: line, Relapses: x.relapses})
			}
			// The panel: walk the segments between events year by year.
			end := pr[len(pr)-1]
			died := end.kind == evDeath
			for y := 0; float64(y) < end.time; y++ {
				y0, y1 := float64(y), math.Min(float64(y+1), end.time)
				row := PanelRow{RunID: runID, Seed: seed, Strategy: name, Patient: int64(end.patient), Sex: sexName(end.female),
					Year: int32(y), Age: end.age0 + y0, Died: died && end.time <= float64(y+1), YearsAlive: y1 - y0}
				startK, endK := 0, 0
				for k := range pr {
					if pr[k].time <= y0 {
						startK = k
					}
					if pr[k].time <= y1 {
						endK = k
					}
				}
				row.EDSSStart, row.Therapy = int32(pr[startK].edss), w.therapyOf(si, int(pr[startK].slot))
				row.EDSSEnd, row.Course = int32(pr[endK].edss), Course(pr[endK].course).String()
				for k := range pr {
					s := pr[k]
					if s.kind == evRelapse && s.time >= y0 && s.time < float64(y+1) {
						row.Relapses++
						row.Cost += v.costRelapse
						row.QALY -= v.relDisutil * v.relDur
					}
					segEnd := end.time
					if k+1 < len(pr) {
						segEnd = pr[k+1].time
					}
					if a, b := math.Max(s.time, y0), math.Min(segEnd, y1); b > a {
						u := w.stateUtility(p, Course(s.course), int(s.edss), int(s.slot))
						row.Cost += (b - a) * w.stateCost(p, int(s.edss), int(s.slot))
						row.QALY += (b - a) * u
					}
				}
				panel = append(panel, row)
			}
			i = j
		}
	}
	return events, panel
}

// exportTrajectories writes the trajectories of the run's patients under
// spec.Dir as Parquet and CSV, with the provenance in the Parquet files'
// key-value metadata and in provenance.json, and returns the files written
// (relative to spec.Dir). With no folder it writes nothing.
func exportTrajectories(spec models.RunSpec, w *world, recs []*recorder) ([]string, error) {
	if spec.Dir == "" {
		return nil, nil
	}
	if err := os.MkdirAll(spec.Dir, 0o755); err != nil {
		return nil, err
	}
	events, panel := w.tables(recs, spec.RunID, spec.Seed)
	params, err := json.Marshal(spec.Params)
	if err != nil {
		return nil, err
	}
	prov := map[string]string{
		"model": Name, "model_version": Version, "study": spec.Study, "run_id": spec.RunID,
		"seed": strconv.FormatUint(spec.Seed, 10), "params": string(params),
		"time_unit": "years since the start of the simulation", "currency": w.d.raw.Currency,
	}
	var files []string
	if err := writeParquet(filepath.Join(spec.Dir, EventsFile+".parquet"), events, prov); err != nil {
		return nil, err
	}
	if err := writeParquet(filepath.Join(spec.Dir, PanelFile+".parquet"), panel, prov); err != nil {
		return nil, err
	}
	if err := writeCSV(filepath.Join(spec.Dir, EventsFile+".csv"), events); err != nil {
		return nil, err
	}
	if err := writeCSV(filepath.Join(spec.Dir, PanelFile+".csv"), panel); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(prov, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(spec.Dir, ProvenanceFile), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	files = append(files, EventsFile+".parquet", EventsFile+".csv", PanelFile+".parquet", PanelFile+".csv", ProvenanceFile)
	return files, nil
}

func writeParquet[T any](path string, rows []T, meta map[string]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	var opts []parquet.WriterOption
	for _, k := range sortedKeys(meta) {
		opts = append(opts, parquet.KeyValueMetadata(k, meta[k]))
	}
	pw := parquet.NewGenericWriter[T](f, opts...)
	if _, err := pw.Write(rows); err != nil {
		f.Close()
		return err
	}
	if err := pw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeCSV writes rows with a header of their JSON names, in field order.
func writeCSV[T any](path string, rows []T) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var header []string
	var zero T
	b, _ := json.Marshal(zero)
	header = jsonKeysInOrder(b)
	for i, h := range header {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(h)
	}
	bw.WriteByte('\n')
	for _, r := range rows {
		writeCSVRow(bw, any(r))
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// jsonKeysInOrder returns the keys of a flat JSON object in order.
func jsonKeysInOrder(b []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token() // {
	var keys []string
	for dec.More() {
		t, _ := dec.Token()
		keys = append(keys, t.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	return keys
}

func writeCSVRow(bw *bufio.Writer, r any) {
	f := func(x float64) string { return models.FormatFloat(x) }
	var fields []string
	switch x := r.(type) {
	case EventRow:
		fields = []string{x.RunID, strconv.FormatUint(x.Seed, 10), x.Strategy, strconv.FormatInt(x.Patient, 10), x.Sex, f(x.Time), f(x.Age),
			x.Event, strconv.Itoa(int(x.EDSS)), x.Course, x.Therapy, strconv.Itoa(int(x.Line)), strconv.Itoa(int(x.Relapses))}
	case PanelRow:
		fields = []string{x.RunID, strconv.FormatUint(x.Seed, 10), x.Strategy, strconv.FormatInt(x.Patient, 10), x.Sex, strconv.Itoa(int(x.Year)), f(x.Age),
			strconv.Itoa(int(x.EDSSStart)), strconv.Itoa(int(x.EDSSEnd)), x.Course, x.Therapy, f(x.YearsAlive), strconv.Itoa(int(x.Relapses)),
			strconv.FormatBool(x.Died), f(x.Cost), f(x.QALY)}
	default:
		panic(fmt.Sprintf("mscohort: no CSV layout for %T", r))
	}
	for i, s := range fields {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(s)
	}
	bw.WriteByte('\n')
}
