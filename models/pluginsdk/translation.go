package pluginsdk

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/mdtwin/mdtwin/models"
	modelv1 "github.com/mdtwin/mdtwin/models/pluginsdk/proto/model/v1"
)

// This file is the one place where domain types (package models) and wire
// types (package modelv1) meet. Empty slices and maps decode as nil.

func descriptorToProto(d models.Descriptor) *modelv1.Descriptor {
	pd := &modelv1.Descriptor{Name: d.Name, Version: d.Version, Doc: d.Doc, RunTimeoutNanos: int64(d.RunTimeout)}
	for _, p := range d.Params {
		pp := &modelv1.Param{
			Name:    p.Name,
			Kind:    kindToProto(p.Kind),
			Unit:    p.Unit,
			Min:     p.Min,
			Max:     p.Max,
			Choices: p.Choices,
			Doc:     p.Doc,
		}
		// Send the default in its canonical Go type (float64 for a Float
		// parameter whose default was written as an integer).
		def := p.Default
		if c, err := p.Coerce(def); err == nil {
			def = c
		}
		if v, err := valueToProto(def); err == nil {
			pp.Default = v
		}
		pd.Params = append(pd.Params, pp)
	}
	for _, o := range d.Outputs {
		pd.Outputs = append(pd.Outputs, &modelv1.Output{Name: o.Name, Unit: o.Unit, Doc: o.Doc})
	}
	return pd
}

func descriptorFromProto(pd *modelv1.Descriptor) models.Descriptor {
	d := models.Descriptor{Name: pd.GetName(), Version: pd.GetVersion(), Doc: pd.GetDoc(),
		RunTimeout: time.Duration(max(0, pd.GetRunTimeoutNanos()))}
	for _, pp := range pd.GetParams() {
		p := models.Param{
			Name: pp.GetName(),
			Kind: kindFromProto(pp.GetKind()),
			Unit: pp.GetUnit(),
			Doc:  pp.GetDoc(),
		}
		if pp.Default != nil {
			p.Default, _ = valueFromProto(pp.Default)
		}
		if pp.Min != nil {
			p.Min = models.Bound(*pp.Min)
		}
		if pp.Max != nil {
			p.Max = models.Bound(*pp.Max)
		}
		if len(pp.Choices) > 0 {
			p.Choices = append([]string(nil), pp.Choices...)
		}
		d.Params = append(d.Params, p)
	}
	for _, o := range pd.GetOutputs() {
		d.Outputs = append(d.Outputs, models.Output{Name: o.GetName(), Unit: o.GetUnit(), Doc: o.GetDoc()})
	}
	return d
}

func kindToProto(k models.Kind) modelv1.Kind {
	switch k {
	case models.Float:
		return modelv1.Kind_KIND_FLOAT
	case models.Int:
		return modelv1.Kind_KIND_INT
	case models.Bool:
		return modelv1.Kind_KIND_BOOL
	case models.String:
		return modelv1.Kind_KIND_STRING
	}
	return modelv1.Kind_KIND_UNSPECIFIED
}

func kindFromProto(k modelv1.Kind) models.Kind {
	switch k {
	case modelv1.Kind_KIND_FLOAT:
		return models.Float
	case modelv1.Kind_KIND_INT:
		return models.Int
	case modelv1.Kind_KIND_BOOL:
		return models.Bool
	case modelv1.Kind_KIND_STRING:
		return models.String
	}
	return 0
}

// valueToProto encodes a parameter value; int is sent as int64.
func valueToProto(v any) (*modelv1.Value, error) {
	switch x := v.(type) {
	case float64:
		return &modelv1.Value{Kind: &modelv1.Value_FloatValue{FloatValue: x}}, nil
	case int64:
		return &modelv1.Value{Kind: &modelv1.Value_IntValue{IntValue: x}}, nil
	case int:
		return &modelv1.Value{Kind: &modelv1.Value_IntValue{IntValue: int64(x)}}, nil
	case bool:
		return &modelv1.Value{Kind: &modelv1.Value_BoolValue{BoolValue: x}}, nil
	case string:
		return &modelv1.Value{Kind: &modelv1.Value_StringValue{StringValue: x}}, nil
	}
	return nil, fmt.Errorf("value %v of type %T cannot be sent to a plugin (want float64, int64, bool or string)", v, v)
}

func valueFromProto(v *modelv1.Value) (any, error) {
	switch x := v.GetKind().(type) {
	case *modelv1.Value_FloatValue:
		return x.FloatValue, nil
	case *modelv1.Value_IntValue:
		return x.IntValue, nil
	case *modelv1.Value_BoolValue:
		return x.BoolValue, nil
	case *modelv1.Value_StringValue:
		return x.StringValue, nil
	}
	return nil, fmt.Errorf("value without a kind")
}

func specToProto(s models.RunSpec) (*modelv1.RunSpec, error) {
	ps := &modelv1.RunSpec{
		Study:     s.Study,
		Model:     s.Model,
		RunId:     s.RunID,
		Index:     int64(s.Index),
		Replicate: int64(s.Replicate),
		Seed:      s.Seed,
		Inputs:    s.Inputs,
		Dir:       s.Dir,
	}
	if len(s.Params) > 0 {
		ps.Params = make(map[string]*modelv1.Value, len(s.Params))
		for name, v := range s.Params {
			pv, err := valueToProto(v)
			if err != nil {
				return nil, fmt.Errorf("parameter %q: %w", name, err)
			}
			ps.Params[name] = pv
		}
	}
	return ps, nil
}

func specFromProto(ps *modelv1.RunSpec) (models.RunSpec, error) {
	s := models.RunSpec{
		Study:     ps.GetStudy(),
		Model:     ps.GetModel(),
		RunID:     ps.GetRunId(),
		Index:     int(ps.GetIndex()),
		Replicate: int(ps.GetReplicate()),
		Seed:      ps.GetSeed(),
		Dir:       ps.GetDir(),
	}
	if len(ps.Inputs) > 0 {
		s.Inputs = json.RawMessage(ps.Inputs)
	}
	if len(ps.Params) > 0 {
		s.Params = make(models.Params, len(ps.Params))
		for name, pv := range ps.Params {
			v, err := valueFromProto(pv)
			if err != nil {
				return models.RunSpec{}, fmt.Errorf("parameter %q: %w", name, err)
			}
			s.Params[name] = v
		}
	}
	return s, nil
}

func resultToProto(r models.Result) *modelv1.Result {
	pr := &modelv1.Result{Scalars: r.Scalars, Artifacts: r.Artifacts}
	for _, t := range r.Tables {
		pt := &modelv1.Table{Name: t.Name, Columns: t.Columns, Rows: make([]*modelv1.Row, len(t.Rows))}
		// One allocation for all the row messages of a table.
		rows := make([]modelv1.Row, len(t.Rows))
		for i, row := range t.Rows {
			rows[i].Values = row
			pt.Rows[i] = &rows[i]
		}
		pr.Tables = append(pr.Tables, pt)
	}
	return pr
}

func resultFromProto(pr *modelv1.Result) models.Result {
	var r models.Result
	if len(pr.GetScalars()) > 0 {
		r.Scalars = pr.Scalars
	}
	for _, pt := range pr.GetTables() {
		t := models.Table{Name: pt.GetName()}
		if len(pt.Columns) > 0 {
			t.Columns = pt.Columns
		}
		if len(pt.Rows) > 0 {
			t.Rows = make([][]float64, len(pt.Rows))
			for i, row := range pt.Rows {
				t.Rows[i] = row.GetValues()
			}
		}
		r.Tables = append(r.Tables, t)
	}
	if len(pr.GetArtifacts()) > 0 {
		r.Artifacts = pr.Artifacts
	}
	return r
}

// modelNames returns the names of the descriptors, sorted.
func modelNames(ds []models.Descriptor) []string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	sort.Strings(names)
	return names
}
