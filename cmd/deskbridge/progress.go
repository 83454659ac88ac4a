package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progressLogEvery is how often, off a terminal, a long step logs its
// count so far.
const progressLogEvery = 5 * time.Second

// progressTick is how often the line on a terminal is redrawn.
const progressTick = 150 * time.Millisecond

// progress shows that a long step runs (a provision, a check, memorialize's
// backfill), with the count of vendor requests made since it began (every
// flow's: during serve, the other flows' too). On a terminal (e.term) it is
// a line redrawn under the logs; off a terminal, an Info record "in
// progress" with attrs, the count and the time so far every
// e.progressEvery, so that a step that takes minutes shows in the logs
// before it ends. stop ends it; the step logs its own record at its end.
func (e *env) progress(what string, attrs ...any) (stop func()) {
	every := e.progressEvery
	if e.term != nil {
		every = progressTick
	}
	if every <= 0 {
		every = progressLogEvery
	}
	done, finished := make(chan struct{}), make(chan struct{})
	start, began := e.metrics.attempts.Load(), time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		spin := `|/-\`
		for i := 0; ; i++ {
			select {
			case <-done:
				if e.term != nil {
					e.term.show("")
				}
				return
			case <-t.C:
			}
			n := e.metrics.attempts.Load() - start
			if e.term != nil {
				e.term.show(fmt.Sprintf("%c %s: %d requests", spin[i%len(spin)], what, n))
				continue
			}
			e.log.Info("in progress", append(attrs, "requests", n, "elapsed", time.Since(began).Round(time.Second).String())...)
		}
	}()
	return func() { close(done); <-finished }
}

// termLine is stderr on a terminal, with a progress line kept last: a
// write (a log record) clears the line first and draws it again after,
// so that records and the line do not run into each other.
type termLine struct {
	mu   sync.Mutex
	w    io.Writer
	line string // the line shown; "" for none
}

// Write writes p above the progress line.
func (t *termLine) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.line != "" {
		io.WriteString(t.w, "\r\033[K")
	}
	n, err := t.w.Write(p)
	if t.line != "" {
		io.WriteString(t.w, t.line)
	}
	return n, err
}

// show replaces the progress line with line ("" clears it).
func (t *termLine) show(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if line == "" && t.line == "" {
		return
	}
	t.line = line
	io.WriteString(t.w, "\r\033[K"+line)
}
