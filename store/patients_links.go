package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Link is a recorded statement that two patients (usually of two sources)
// are one person. A patient's records are read with those of every
// patient linked to them, directly or through others.
type Link struct {
	ID        int64
	A, B      string // patient ids
	Reason    string
	CreatedAt string
	RemovedAt string // '' while the link holds
}

// Link records that patients a and b are one person, for reason (who
// established it and how, e.g. "matched on national id by J. Doe"). It is
// an audited write under both patients' ids; it never happens as a side
// effect of an ingest.
func (p *Patients) Link(ctx context.Context, a, b, reason string) (Link, error) {
	if a == b {
		return Link{}, fmt.Errorf("patient %s cannot be linked to itself", a)
	}
	if strings.TrimSpace(reason) == "" {
		return Link{}, errors.New("a link needs a reason (who matched the two records, and on what)")
	}
	w, err := p.Begin(ctx)
	if err != nil {
		return Link{}, err
	}
	defer w.Rollback()
	for _, id := range []string{a, b} {
		ok, err := w.PatientExists(ctx, id)
		if err != nil {
			return Link{}, err
		}
		if !ok {
			return Link{}, fmt.Errorf("no patient %q in the store", id)
		}
	}
	var n int
	if err := w.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM links WHERE removed_at = '' AND
		((patient_a = ? AND patient_b = ?) OR (patient_a = ? AND patient_b = ?))`, a, b, b, a).Scan(&n); err != nil {
		return Link{}, err
	}
	if n > 0 {
		return Link{}, fmt.Errorf("patients %s and %s are already linked", a, b)
	}
	l := Link{A: a, B: b, Reason: reason, CreatedAt: now()}
	res, err := w.tx.ExecContext(ctx, `INSERT INTO links(patient_a, patient_b, reason, created_at) VALUES (?, ?, ?, ?)`,
		l.A, l.B, l.Reason, l.CreatedAt)
	if err != nil {
		return Link{}, err
	}
	if l.ID, err = res.LastInsertId(); err != nil {
		return Link{}, err
	}
	rec := strconv.FormatInt(l.ID, 10)
	if err := w.audit(ctx, "write", "links", rec, a, "added: linked to "+b+": "+reason); err != nil {
		return Link{}, err
	}
	if err := w.audit(ctx, "write", "links", rec, b, "added: linked to "+a+": "+reason); err != nil {
		return Link{}, err
	}
	return l, w.Commit()
}

// Unlink removes the link between patients a and b (it stays in the
// table, marked removed), for reason; an audited write.
func (p *Patients) Unlink(ctx context.Context, a, b, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return errors.New("removing a link needs a reason")
	}
	w, err := p.Begin(ctx)
	if err != nil {
		return err
	}
	defer w.Rollback()
	var id int64
	err = w.tx.QueryRowContext(ctx, `SELECT id FROM links WHERE removed_at = '' AND
		((patient_a = ? AND patient_b = ?) OR (patient_a = ? AND patient_b = ?))`, a, b, b, a).Scan(&id)
	if err != nil {
		return fmt.Errorf("patients %s and %s are not linked", a, b)
	}
	if _, err := w.tx.ExecContext(ctx, `UPDATE links SET removed_at = ? WHERE id = ?`, now(), id); err != nil {
		return err
	}
	rec := strconv.FormatInt(id, 10)
	if err := w.audit(ctx, "write", "links", rec, a, "removed: unlinked from "+b+": "+reason); err != nil {
		return err
	}
	if err := w.audit(ctx, "write", "links", rec, b, "removed: unlinked from "+a+": "+reason); err != nil {
		return err
	}
	return w.Commit()
}

// Links returns the links, removed ones included, oldest first; with pid,
// only those of that patient.
func (p *Patients) Links(ctx context.Context, pid string) ([]Link, error) {
	q := `SELECT id, patient_a, patient_b, reason, created_at, removed_at FROM links`
	var args []any
	if pid != "" {
		q += ` WHERE patient_a = ? OR patient_b = ?`
		args = append(args, pid, pid)
	}
	rows, err := p.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		var l Link
		if err := rows.Scan(&l.ID, &l.A, &l.B, &l.Reason, &l.CreatedAt, &l.RemovedAt); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	p.auditRead("links", cmpOr(pid, "*"), cmpOr(pid, "*"))
	return out, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Linked returns pid followed by every patient linked to it, directly or
// through others, in order of id.
func (p *Patients) Linked(ctx context.Context, pid string) ([]string, error) {
	seen := map[string]bool{pid: true}
	queue := []string{pid}
	var others []string
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		rows, err := p.db.QueryContext(ctx, `SELECT patient_b FROM links WHERE removed_at = '' AND patient_a = ?
			UNION SELECT patient_a FROM links WHERE removed_at = '' AND patient_b = ?`, id, id)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var o string
			if err := rows.Scan(&o); err != nil {
				rows.Close()
				return nil, err
			}
			if !seen[o] {
				seen[o] = true
				queue = append(queue, o)
				others = append(others, o)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	slices.Sort(others)
	return append([]string{pid}, others...), nil
}
