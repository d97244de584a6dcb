package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mdtwin/mdtwin/store"
)

// Stream ingests an NDJSON stream that may not end soon (a device or an
// app sending observations as they come): lines are stored in batches of
// at most batch lines (default 500), a batch being stored as soon as it is
// full or the stream has been quiet for flush (default 2 s). Each batch is
// an NDJSON file's ingest (references to resources of earlier batches
// resolve through the store); each gets a Summary, with its first line's
// number in the stream. It returns when the stream ends or ctx is done.
func (o Options) Stream(ctx context.Context, ps *store.Patients, name string, r io.Reader, batch int, flush time.Duration) ([]*Summary, error) {
	if batch <= 0 {
		batch = 500
	}
	if flush <= 0 {
		flush = 2 * time.Second
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // the reader stops when Stream returns
	type line struct {
		b    []byte
		long bool
		err  error
	}
	lines := make(chan line, batch)
	go func() {
		defer close(lines)
		br := bufio.NewReaderSize(r, 1<<16)
		for {
			b, long, err := readLine(br, MaxResourceBytes)
			if len(b) > 0 || long || (err != nil && !errors.Is(err, io.EOF)) {
				select {
				case lines <- line{b: bytes.Clone(b), long: long, err: err}:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	var sums []*Summary
	var buf bytes.Buffer
	n, first, next := 0, 1, 1
	store := func() error {
		if n == 0 {
			return nil
		}
		s, err := o.NDJSON(ctx, ps, fmt.Sprintf("%s (lines %d–%d)", name, first, next-1), &buf)
		// NDJSON numbers lines from 1 within the batch: shift them.
		for _, p := range s.Problems {
			p.Line += first - 1
		}
		sums = append(sums, s)
		buf.Reset()
		n, first = 0, next
		return err
	}
	timer := time.NewTimer(flush)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return sums, errors.Join(store(), ctx.Err())
		case l, ok := <-lines:
			if !ok {
				return sums, store()
			}
			if l.err != nil && !errors.Is(l.err, io.EOF) {
				return sums, errors.Join(store(), &FileError{name, l.err})
			}
			if l.long {
				buf.WriteString(`"` + fmt.Sprintf("line over the cap of %d bytes", MaxResourceBytes) + `"`)
			} else {
				buf.Write(l.b)
			}
			buf.WriteByte('\n')
			n++
			next++
			if n >= batch {
				if err := store(); err != nil {
					return sums, err
				}
			}
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
			timer.Reset(flush)
		case <-timer.C:
			if err := store(); err != nil {
				return sums, err
			}
			timer.Reset(flush)
		}
	}
}
