package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mdtwin/mdtwin/store"
)

// exportState is what a bulk export has done so far, kept in
// <dir>/export.json so that an interrupted export resumes where it was:
// the kick-off is not repeated while its status URL is known, and a file
// already downloaded is not downloaded again.
type exportState struct {
	Base      string    `json:"base"`
	Group     string    `json:"group"`
	StatusURL string    `json:"status_url"`
	Manifest  *Manifest `json:"manifest,omitempty"`
	Done      []string  `json:"done"` // file names (in dir) fully downloaded
	Ingested  bool      `json:"ingested"`
}

const stateFile = "export.json"

func (st *exportState) save(dir string) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, stateFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, stateFile))
}

// Export is what a bulk export did.
type Export struct {
	Kickoff   bool // a new export was started (false: one was resumed)
	Polls     int
	Files     []string // downloaded files (in the work folder), in ingest order
	Summaries []*Summary
}

// MaxWait bounds one Retry-After wait of a bulk export's status polling.
const MaxWait = time.Hour

// retryAfter reads a Retry-After header (seconds or an HTTP date),
// bounded to [1 s, MaxWait]; 10 s when absent or unreadable.
func retryAfter(h string) time.Duration {
	d := 10 * time.Second
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = time.Until(t)
	}
	return min(max(d, time.Second), MaxWait)
}

// BulkExport pulls a group's records (Group/[id]/$export; every patient's
// with Patient/$export when group is "") with the Bulk Data Access IG's
// asynchronous flow: kick-off (Prefer: respond-async), polling of the
// status URL as long as it answers 202 (waiting as its Retry-After asks),
// the completion manifest, the download of each NDJSON file into dir, and
// the ingest of the files (Patient first) under the server as the source.
// dir keeps the export's state: run it again after an interruption and it
// resumes (no second kick-off; downloaded files are kept). At the end the
// export is deleted on the server (DELETE of the status URL).
func (o Options) BulkExport(ctx context.Context, ps *store.Patients, r *Remote, group, dir string) (*Export, error) {
	base := strings.TrimSuffix(r.Base, "/")
	name := base + "/Patient/$export"
	if group != "" {
		if !fhirIDPattern(group) {
			return nil, &FileError{base, fmt.Errorf("group id %q is not a FHIR id", group)}
		}
		name = base + "/Group/" + group + "/$export"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	st := &exportState{Base: base, Group: group}
	if b, err := os.ReadFile(filepath.Join(dir, stateFile)); err == nil {
		var old exportState
		if err := json.Unmarshal(b, &old); err != nil {
			return nil, &FileError{filepath.Join(dir, stateFile), fmt.Errorf("invalid JSON: %v (remove the folder to start afresh)", err)}
		}
		if old.Base != base || old.Group != group {
			return nil, &FileError{filepath.Join(dir, stateFile), fmt.Errorf("the folder holds an export of %s group %q: use another folder", old.Base, old.Group)}
		}
		st = &old
	}
	ex := &Export{}
	if st.StatusURL == "" {
		resp, err := r.do(ctx, http.MethodGet, name, "application/fhir+json", http.Header{"Prefer": {"respond-async"}})
		if err != nil {
			return ex, &FileError{name, err}
		}
		if resp.StatusCode != http.StatusAccepted {
			err := failure(name, resp)
			resp.Body.Close()
			return ex, &FileError{name, err}
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Content-Location"))
		if err != nil || resp.Header.Get("Content-Location") == "" {
			return ex, &FileError{name, fmt.Errorf("kick-off answered without a Content-Location status URL")}
		}
		b, _ := url.Parse(name)
		st.StatusURL = b.ResolveReference(loc).String()
		if !r.sameOrigin(st.StatusURL) {
			r.logf("%s: the status URL %s is on another server: it gets no token", name, st.StatusURL)
		}
		ex.Kickoff = true
		r.logf("%s: export started, status %s", name, st.StatusURL)
		if err := st.save(dir); err != nil {
			return ex, err
		}
	}
	for st.Manifest == nil {
		resp, err := r.do(ctx, http.MethodGet, st.StatusURL, "application/json", nil)
		if err != nil {
			return ex, &FileError{name, err}
		}
		ex.Polls++
		switch resp.StatusCode {
		case http.StatusAccepted:
			wait := retryAfter(resp.Header.Get("Retry-After"))
			resp.Body.Close()
			r.logf("%s: %s; next poll in %s", name, cmpOr(oneLine(resp.Header.Get("X-Progress")), "in progress"), wait)
			select {
			case <-ctx.Done():
				return ex, ctx.Err()
			case <-time.After(wait):
			}
		case http.StatusOK:
			data, err := readBounded(st.StatusURL, resp.Body, MaxManifestBytes)
			resp.Body.Close()
			if err != nil {
				return ex, &FileError{name, err}
			}
			m, err := ParseManifest(st.StatusURL, data)
			if err != nil {
				return ex, err
			}
			st.Manifest = m
			if err := st.save(dir); err != nil {
				return ex, err
			}
		default:
			err := failure(st.StatusURL, resp)
			resp.Body.Close()
			return ex, &FileError{name, err}
		}
	}
	var files []string
	for i, f := range st.Manifest.Output {
		file := fmt.Sprintf("%s.%03d.ndjson", cmpOr(f.Type, "output"), i)
		files = append(files, filepath.Join(dir, file))
		if contains(st.Done, file) {
			continue
		}
		if err := r.download(ctx, f.URL, filepath.Join(dir, file)); err != nil {
			return ex, &FileError{name, fmt.Errorf("%s: %w (run the same command again to resume)", f.URL, err)}
		}
		st.Done = append(st.Done, file)
		if err := st.save(dir); err != nil {
			return ex, err
		}
		r.logf("%s: downloaded %s", name, file)
	}
	ex.Files = Order(files)
	o.Source = cmpOr(o.Source, base)
	var errs []error
	for _, f := range ex.Files {
		sums, err := o.File(ctx, ps, f)
		ex.Summaries = append(ex.Summaries, sums...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return ex, err
	}
	if !st.Ingested {
		st.Ingested = true
		if err := st.save(dir); err != nil {
			return ex, err
		}
		if resp, err := r.do(ctx, http.MethodDelete, st.StatusURL, "application/json", nil); err == nil {
			resp.Body.Close()
		}
	}
	return ex, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// download writes one NDJSON file of an export (at most MaxFileBytes)
// through a temporary file, so that a broken transfer leaves nothing.
func (r *Remote) download(ctx context.Context, u, path string) error {
	resp, err := r.do(ctx, http.MethodGet, u, "application/fhir+ndjson", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return failure(u, resp)
	}
	tmp := path + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(resp.Body, MaxFileBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > MaxFileBytes {
		err = fmt.Errorf("the file is more than the cap of %d bytes", MaxFileBytes)
	}
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("%d of %d bytes received", n, resp.ContentLength)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
