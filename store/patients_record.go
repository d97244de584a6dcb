package store

import (
	"context"
	"fmt"

	"github.com/mdtwin/mdtwin/patient"
)

// Record reads the record of patient pid. Each table read is recorded in the
// store's audit log under the store's actor.
func (ps *Patients) Record(ctx context.Context, pid string) (*patient.Record, error) {
	pt, ok, err := ps.Patient(ctx, pid)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no patient %q in the store", pid)
	}
	r := &patient.Record{Patient: pt}
	if r.Encounters, err = ps.Encounters(ctx, pid); err != nil {
		return nil, err
	}
	if r.Observations, err = ps.Observations(ctx, pid); err != nil {
		return nil, err
	}
	if r.Conditions, err = ps.Conditions(ctx, pid); err != nil {
		return nil, err
	}
	if r.Therapies, err = ps.Therapies(ctx, pid); err != nil {
		return nil, err
	}
	if r.Procedures, err = ps.Procedures(ctx, pid); err != nil {
		return nil, err
	}
	if r.Reports, err = ps.Reports(ctx, pid); err != nil {
		return nil, err
	}
	if r.Assets, err = ps.Assets(ctx, pid); err != nil {
		return nil, err
	}
	if r.Predictions, err = ps.Predictions(ctx, pid); err != nil {
		return nil, err
	}
	var ids []int64
	seen := map[int64]bool{}
	for _, pr := range r.Predictions {
		if !seen[pr.StudyID] {
			seen[pr.StudyID] = true
			ids = append(ids, pr.StudyID)
		}
	}
	if len(ids) > 0 {
		if r.Studies, err = ps.Studies(ctx, ids...); err != nil {
			return nil, err
		}
	}
	return r, nil
}
