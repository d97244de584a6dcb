package main

import (
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/mdtwin/mdtwin/engine"
)

// newProgress returns mpb bars when stderr is a terminal, otherwise a
// reporter that logs a line every logEvery (as batch systems want).
func newProgress(stderr io.Writer, log *slog.Logger, study string) engine.Progress {
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &barProgress{out: f, study: study}
	}
	return &logProgress{log: log, study: study, every: logEvery}
}

const logEvery = 5 * time.Second

type barProgress struct {
	out   io.Writer
	study string
	p     *mpb.Progress
	bar   *mpb.Bar
	total int
}

func (b *barProgress) Start(total, done, failed int) {
	b.total = total
	b.p = mpb.New(mpb.WithOutput(b.out), mpb.WithWidth(48))
	b.bar = b.p.AddBar(int64(total),
		mpb.PrependDecorators(decor.Name(b.study+" "), decor.CountersNoUnit("%d/%d runs")),
		mpb.AppendDecorators(decor.Percentage(decor.WCSyncSpace), decor.Name(" "), decor.AverageETA(decor.ET_STYLE_GO)))
	b.bar.SetCurrent(int64(done + failed))
}

func (b *barProgress) Update(done, failed int) { b.bar.SetCurrent(int64(done + failed)) }

func (b *barProgress) Stop() {
	if b.bar.Current() < int64(b.total) {
		b.bar.Abort(true) // the error line says where the study stopped
	}
	b.p.Wait()
}

type logProgress struct {
	log          *slog.Logger
	study        string
	every        time.Duration
	mu           sync.Mutex
	total        int
	done, failed int
	stop         chan struct{}
	wg           sync.WaitGroup
}

func (l *logProgress) Start(total, done, failed int) {
	l.total, l.done, l.failed = total, done, failed
	l.stop = make(chan struct{})
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		t := time.NewTicker(l.every)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				l.mu.Lock()
				l.log.Info("progress", "study", l.study, "done", l.done, "failed", l.failed, "total", l.total)
				l.mu.Unlock()
			}
		}
	}()
}

func (l *logProgress) Update(done, failed int) {
	l.mu.Lock()
	l.done, l.failed = done, failed
	l.mu.Unlock()
}

func (l *logProgress) Stop() {
	close(l.stop)
	l.wg.Wait()
}
