package omop

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Tables lists the exported tables in the order they are written.
var Tables = []string{"person", "observation_period", "visit_occurrence", "condition_occurrence", "drug_exposure",
	"measurement", "observation"}

// Write writes each table of c into dir as <table>.csv (a header of the
// column names, empty cells for NULL) and <table>.parquet. Every file is
// written under a temporary name and renamed once all are complete, so a
// failed export leaves no partial table.
func Write(dir string, c *CDM) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var tmps, finals []string
	cleanup := func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	add := func(name string, write func(path string) error) error {
		final := filepath.Join(dir, name)
		tmp := final + ".tmp"
		tmps = append(tmps, tmp)
		finals = append(finals, final)
		return write(tmp)
	}
	for _, t := range []struct {
		name string
		rows any
	}{
		{"person", c.Person}, {"observation_period", c.ObservationPeriod}, {"visit_occurrence", c.VisitOccurrence},
		{"condition_occurrence", c.ConditionOccurrence}, {"drug_exposure", c.DrugExposure},
		{"measurement", c.Measurement}, {"observation", c.Observation},
	} {
		rows := t.rows
		if err := add(t.name+".csv", func(p string) error { return writeCSV(p, rows) }); err != nil {
			cleanup()
			return err
		}
		if err := add(t.name+".parquet", func(p string) error { return writeParquet(p, rows) }); err != nil {
			cleanup()
			return err
		}
	}
	for i := range tmps {
		if err := os.Rename(tmps[i], finals[i]); err != nil {
			cleanup()
			return err
		}
	}
	return nil
}

func writeParquet(path string, rows any) error {
	switch r := rows.(type) {
	case []Person:
		return parquet.WriteFile(path, r)
	case []ObservationPeriod:
		return parquet.WriteFile(path, r)
	case []VisitOccurrence:
		return parquet.WriteFile(path, r)
	case []ConditionOccurrence:
		return parquet.WriteFile(path, r)
	case []DrugExposure:
		return parquet.WriteFile(path, r)
	case []Measurement:
		return parquet.WriteFile(path, r)
	case []Observation:
		return parquet.WriteFile(path, r)
	}
	return fmt.Errorf("omop: no table of type %T", rows)
}

// columns returns the column names of a row type (its parquet tags).
func columns(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("parquet"), ",")
		out = append(out, name)
	}
	return out
}

func writeCSV(path string, rows any) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	w := csv.NewWriter(bw)
	v := reflect.ValueOf(rows)
	w.Write(columns(v.Type().Elem()))
	rec := make([]string, v.Type().Elem().NumField())
	for i := range v.Len() {
		row := v.Index(i)
		for j := range rec {
			rec[j] = cell(row.Field(j))
		}
		w.Write(rec)
	}
	w.Flush()
	return errors.Join(w.Error(), bw.Flush(), f.Close())
}

// cell formats a field: NULL (a nil pointer) as an empty cell.
func cell(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	}
	return v.String()
}
