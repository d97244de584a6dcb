package omop

import (
	"cmp"
	"slices"
	"time"

	"github.com/mdtwin/mdtwin/patient"
)

// visitKind is the ETL-Synthea class of an encounter from its FHIR
// Encounter.class (v3 ActCode: AMB ambulatory, EMER emergency, IMP
// inpatient, ...).
func visitKind(class string) (kind string, concept int64) {
	switch class {
	case "AMB", "ambulatory", "wellness", "outpatient":
		return "outpatient", visitOutpatient
	case "EMER", "emergency", "urgentcare", "urgent":
		return "emergency", visitER
	case "IMP", "ACUTE", "NONAC", "inpatient":
		return "inpatient", visitInpatient
	}
	return "other", 0
}

type visitRow struct {
	kind       string
	concept    int64
	class      string
	start, end string // FHIR dateTimes
	encounters []int64
}

// visits makes the person's visits from their encounters (AllVisitTable.sql
// and AAVITable.sql): outpatient encounters (ambulatory, wellness,
// outpatient) and emergency ones are one visit per class and start (the
// latest end kept); inpatient encounters whose stays are at most one day
// apart are one visit; an outpatient or emergency encounter during an
// inpatient visit belongs to it. It returns the visit of each encounter.
func (b *builder) visits(pid int64, encounters []patient.Encounter) map[int64]int64 {
	es := slices.Clone(encounters)
	slices.SortStableFunc(es, func(a, b patient.Encounter) int { return cmp.Compare(a.Start, b.Start) })
	var rows []*visitRow
	var ip []*visitRow
	byStart := map[[2]string]*visitRow{}
	for _, e := range es {
		if e.Start == "" {
			continue
		}
		kind, concept := visitKind(e.Class)
		end := cmp.Or(e.End, e.Start)
		if kind == "inpatient" {
			if n := len(ip); n > 0 && dayGap(ip[n-1].end, e.Start) <= 1 {
				v := ip[n-1]
				v.end = maxString(v.end, end)
				v.encounters = append(v.encounters, e.ID)
				continue
			}
			v := &visitRow{kind: kind, concept: concept, class: e.Class, start: e.Start, end: end, encounters: []int64{e.ID}}
			ip = append(ip, v)
			rows = append(rows, v)
			continue
		}
		key := [2]string{kind + "|" + e.Class, e.Start}
		if v := byStart[key]; v != nil {
			v.end = maxString(v.end, end)
			v.encounters = append(v.encounters, e.ID)
			continue
		}
		v := &visitRow{kind: kind, concept: concept, class: e.Class, start: e.Start, end: end, encounters: []int64{e.ID}}
		byStart[key] = v
		rows = append(rows, v)
	}
	// An outpatient or emergency visit during an inpatient one joins it.
	var kept []*visitRow
	for _, v := range rows {
		if v.kind != "inpatient" {
			if host := covering(ip, v.start); host != nil {
				host.encounters = append(host.encounters, v.encounters...)
				continue
			}
		}
		kept = append(kept, v)
	}
	slices.SortStableFunc(kept, func(a, b *visitRow) int { return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.kind, b.kind)) })
	visitOf := map[int64]int64{}
	var prev *int64
	for _, v := range kept {
		id := int64(len(b.cdm.VisitOccurrence) + 1)
		b.cdm.VisitOccurrence = append(b.cdm.VisitOccurrence, VisitOccurrence{VisitOccurrenceID: id, PersonID: pid,
			VisitConceptID: v.concept, VisitStartDate: date(v.start), VisitStartDatetime: datetime(v.start),
			VisitEndDate: date(v.end), VisitEndDatetime: datetime(v.end), VisitTypeConceptID: typeEHR,
			VisitSourceValue: v.class, PrecedingVisitOccurrenceID: prev})
		prev = ptr(id)
		for _, e := range v.encounters {
			visitOf[e] = id
		}
	}
	return visitOf
}

func covering(ip []*visitRow, start string) *visitRow {
	t, ok := parse(start)
	if !ok {
		return nil
	}
	for _, v := range ip {
		s, ok1 := parse(v.start)
		e, ok2 := parse(v.end)
		if ok1 && ok2 && !t.Before(s) && !t.After(e) {
			return v
		}
	}
	return nil
}

func parse(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// dayGap is the number of days from the end of one stay to the start of
// the next (by calendar date).
func dayGap(end, start string) int {
	e, err1 := time.Parse(time.DateOnly, date(end))
	s, err2 := time.Parse(time.DateOnly, date(start))
	if err1 != nil || err2 != nil {
		return 1 << 30
	}
	return int(s.Sub(e).Hours() / 24)
}

func maxString(a, b string) string {
	if b > a {
		return b
	}
	return a
}
