package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
)

// waitFor polls got until it holds want, or fails after 10 s.
func waitFor(t *testing.T, got func() string, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(got(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in:\n%q", want, got())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestProgressOnATerminal(t *testing.T) {
	m := newMetrics()
	buf := &syncWriter{w: &bytes.Buffer{}}
	e := &env{metrics: m, term: &termLine{w: buf}}
	stop := e.progress("[1/1] statussync", "flow", "statussync")
	m.attempts.Add(3)
	waitFor(t, buf.String, "[1/1] statussync: 3 requests")
	stop()
	if got := buf.String(); !strings.HasSuffix(got, "\r\033[K") {
		t.Errorf("the line is not cleared at the end: %q", got)
	}
}

// A record logged while the line shows goes above it, and the line is
// drawn again under it.
func TestTermLineKeepsRecordsAbove(t *testing.T) {
	var b bytes.Buffer
	tl := &termLine{w: &b}
	io.WriteString(tl, "before\n")
	tl.show("| plan: 1 requests")
	io.WriteString(tl, "level=INFO msg=x\n")
	tl.show("")
	tl.show("") // nothing shown: nothing to clear
	want := "before\n\r\033[K| plan: 1 requests\r\033[Klevel=INFO msg=x\n| plan: 1 requests\r\033[K"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
}

// Off a terminal, a long step logs its running count every
// progressEvery, before the record of its end: stop returns only once the
// count's goroutine has ended, so that no "in progress" record comes
// after it (after the step's own record of its end). The record of 7
// requests is held in its write while stop is called: stop must wait for
// it, and nothing is written after stop returns.
func TestProgressLogsACount(t *testing.T) {
	m := newMetrics()
	logs := &heldWriter{hold: `"requests":7,`, held: make(chan struct{}), release: make(chan struct{})}
	e := &env{metrics: m, log: slog.New(slog.NewJSONHandler(logs, nil)), progressEvery: 5 * time.Millisecond}
	stop := e.progress("[1/2] statussync", "flow", "statussync", "step", "apply")
	m.attempts.Add(7)
	select {
	case <-logs.held:
	case <-time.After(10 * time.Second):
		t.Fatalf("no record of 7 requests in 10 s:\n%s", logs.String())
	}
	stopped := make(chan struct{})
	go func() { stop(); logs.stopped.Store(true); close(stopped) }()
	select {
	case <-stopped:
		t.Error("stop returned while the count's goroutine was writing a record")
	case <-time.After(50 * time.Millisecond):
	}
	close(logs.release)
	<-stopped
	if got := logs.String(); !strings.Contains(got, `"msg":"in progress","flow":"statussync","step":"apply","requests":7,"elapsed":"`) {
		t.Errorf("no count of 7 requests:\n%s", got)
	}
	if n := logs.late.Load(); n != 0 {
		t.Errorf("%d records written after stop returned:\n%s", n, logs.String())
	}
}

// heldWriter holds the first write containing hold until release is
// closed (held is closed when it begins), and counts the writes begun
// once stopped is set.
type heldWriter struct {
	hold          string
	held, release chan struct{}
	once          sync.Once
	stopped       atomic.Bool
	late          atomic.Int32
	mu            sync.Mutex
	b             bytes.Buffer
}

func (h *heldWriter) Write(p []byte) (int, error) {
	if h.stopped.Load() {
		h.late.Add(1)
	}
	if bytes.Contains(p, []byte(h.hold)) {
		h.once.Do(func() { close(h.held); <-h.release })
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.b.Write(p)
}

func (h *heldWriter) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.b.String()
}

// serve on a terminal shows a line while memorialize's backfill (its
// first poll) runs.
func TestServeBackfillProgress(t *testing.T) {
	w := newTestWorld(t, "memorialize")
	file := serveConfigFile(t, w)
	if code, out, errOut := runCmd(t, w.getenv, "apply", "-config", file); code != exitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	// CXone slow: the backfill's first page outlasts ticks of the line.
	w.cx.srv.InjectFault(cxonetest.Fault{Method: http.MethodGet, Path: "/inContactAPI/services/v33.0/contacts/completed", Latency: 400 * time.Millisecond})
	ctx, stop := context.WithCancel(t.Context())
	logs := &syncWriter{w: &bytes.Buffer{}}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-config", file}, stdio{out: io.Discard, err: logs, getenv: w.getenv, tty: true})
	}()
	waitFor(t, logs.String, "memorialize backfill (the first poll, over the lookback window): ")
	waitFor(t, logs.String, "msg=\"memorialize poll\" flow=memorialize pass=1 backfill=true")
	stop()
	if code := <-done; code != exitOK {
		t.Errorf("serve exited %d:\n%s", code, logs.String())
	}
}
