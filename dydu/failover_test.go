package dydu

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/testkit"
)

// fakeServer is one Dydu server for the failover tests: it answers every
// call with status (200: a talk answer) and counts them.
type fakeServer struct {
	*httptest.Server
	calls  atomic.Int32
	status atomic.Int32
	hang   chan struct{} // when set, requests wait for it (or the client)
}

func newFakeServer(t *testing.T, status int) *fakeServer {
	t.Helper()
	fs := &fakeServer{}
	fs.status.Store(int32(status))
	body := fixture(t, "talk_response_encoded.json")
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.calls.Add(1)
		if fs.hang != nil {
			select {
			case <-fs.hang:
			case <-r.Context().Done():
				return
			}
		}
		st := int(fs.status.Load())
		w.Header().Set("Content-Type", "application/json")
		if st != 200 {
			w.WriteHeader(st)
			_, _ = w.Write([]byte(`{"type":"error","values":{"text":"` + b64("server trouble") + `"}}`))
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(fs.Close)
	return fs
}

// deadServer returns the URL of a loopback port nothing listens on.
func deadServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

func newMulti(t *testing.T, servers []string, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(append([]Option{WithBotID(testBot), WithServers(servers...), WithMaxRetries(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFailoverUnreachableServer: a server that cannot be dialled never got
// the request, so even a talk goes to the next one; the next calls start
// there.
func TestFailoverUnreachableServer(t *testing.T) {
	t.Parallel()
	dead := deadServer(t)
	live := newFakeServer(t, 200)
	c := newMulti(t, []string{dead, live.URL})
	a, err := c.Talk(t.Context(), &TalkRequest{ContextID: testCtx, Input: "Bonjour"})
	if err != nil {
		t.Fatal(err)
	}
	if a.ContextID != testCtx || live.calls.Load() != 1 || c.CurrentServer() != live.URL {
		t.Fatalf("%+v calls %d current %s", a, live.calls.Load(), c.CurrentServer())
	}
	if _, err := c.History(t.Context(), testCtx); err != nil || live.calls.Load() != 2 {
		t.Fatal(err, live.calls.Load())
	}
}

// TestFailover5xxOnlyWhenSafe: after a 503 a history moves on; a talk,
// which the failing server may have processed, is not resent.
func TestFailover5xxOnlyWhenSafe(t *testing.T) {
	t.Parallel()
	bad := newFakeServer(t, 503)
	good := newFakeServer(t, 200)
	c := newMulti(t, []string{bad.URL, good.URL})

	_, err := c.Talk(t.Context(), &TalkRequest{ContextID: testCtx, Input: "Bonjour"})
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 503 || e.Message != "server trouble" || e.Type != "error" || !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("%v", err)
	}
	var fe *FailoverError
	if errors.As(err, &fe) || good.calls.Load() != 0 || bad.calls.Load() != 1 {
		t.Fatalf("talk was resent: %v, good %d", err, good.calls.Load())
	}
	if _, err := c.WelcomeCall(t.Context(), &WelcomeRequest{ContextID: testCtx}); err == nil || good.calls.Load() != 0 {
		t.Fatalf("welcome call was resent: %v", err)
	}

	if _, err := c.History(t.Context(), testCtx); err != nil {
		t.Fatal(err)
	}
	if good.calls.Load() != 1 || c.CurrentServer() != good.URL {
		t.Fatalf("history did not fail over: good %d current %s", good.calls.Load(), c.CurrentServer())
	}
}

// TestFailover429: a 429 was not processed: any call moves on.
func TestFailover429(t *testing.T) {
	t.Parallel()
	limited := newFakeServer(t, 429)
	good := newFakeServer(t, 200)
	c := newMulti(t, []string{limited.URL, good.URL})
	if _, err := c.Talk(t.Context(), &TalkRequest{ContextID: testCtx, Input: "Bonjour"}); err != nil {
		t.Fatal(err)
	}
	if good.calls.Load() != 1 {
		t.Fatal(good.calls.Load())
	}
}

// TestNoFailoverOn4xx: another server would answer a 400 or 404 the same.
func TestNoFailoverOn4xx(t *testing.T) {
	t.Parallel()
	for _, st := range []int{400, 401, 404} {
		bad := newFakeServer(t, st)
		good := newFakeServer(t, 200)
		c := newMulti(t, []string{bad.URL, good.URL})
		_, err := c.History(t.Context(), testCtx)
		if !errors.Is(err, deskbridge.KindOf(st)) || good.calls.Load() != 0 {
			t.Fatalf("%d: %v, good %d", st, err, good.calls.Load())
		}
	}
}

// TestFailoverAllFail: every server tried once; the error names them and
// unwraps to the last one's.
func TestFailoverAllFail(t *testing.T) {
	t.Parallel()
	a, b := newFakeServer(t, 502), newFakeServer(t, 503)
	dead := deadServer(t)
	c := newMulti(t, []string{a.URL, dead, b.URL})
	_, err := c.Poll(t.Context(), &PollRequest{ContextID: testCtx})
	var fe *FailoverError
	if !errors.As(err, &fe) || len(fe.Servers) != 3 || fe.Op != "Poll" {
		t.Fatalf("%v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 503 || !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("%v", err)
	}
	if a.calls.Load() != 1 || b.calls.Load() != 1 || !strings.Contains(err.Error(), "3 servers tried") {
		t.Fatalf("%v: a %d b %d", err, a.calls.Load(), b.calls.Load())
	}
	if c.CurrentServer() != a.URL {
		t.Fatalf("current moved to %s after a total failure", c.CurrentServer())
	}
}

// TestFailoverServerTimeout: a server that does not answer within the
// server timeout is left for the next one when the call is safe; a
// welcome call is not resent, and its error matches ErrUnavailable.
func TestFailoverServerTimeout(t *testing.T) {
	t.Parallel()
	slow := newFakeServer(t, 200)
	slow.hang = make(chan struct{})
	t.Cleanup(func() { close(slow.hang) })
	good := newFakeServer(t, 200)
	c := newMulti(t, []string{slow.URL, good.URL}, WithServerTimeout(50*time.Millisecond))
	if _, err := c.WelcomeCall(t.Context(), &WelcomeRequest{ContextID: testCtx}); !errors.Is(err, deskbridge.ErrUnavailable) || good.calls.Load() != 0 || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Fatalf("%v good %d", err, good.calls.Load())
	}
	if _, err := c.History(t.Context(), testCtx); err != nil || good.calls.Load() != 1 {
		t.Fatal(err, good.calls.Load())
	}
}

// TestRetriesThenFailover: on one server the core's retries run first (on
// the injected clock), then the call moves on.
func TestRetriesThenFailover(t *testing.T) {
	t.Parallel()
	bad := newFakeServer(t, 503)
	good := newFakeServer(t, 200)
	clock := testkit.NewClock()
	c := newMulti(t, []string{bad.URL, good.URL}, WithMaxRetries(2), withClock(clock.Now, clock.Sleep))
	if _, err := c.History(t.Context(), testCtx); err != nil {
		t.Fatal(err)
	}
	if bad.calls.Load() != 3 || good.calls.Load() != 1 || len(clock.Sleeps()) != 2 {
		t.Fatalf("bad %d good %d sleeps %v", bad.calls.Load(), good.calls.Load(), clock.Sleeps())
	}
}

// TestCallerContextEndsFailover: a caller that gave up stops the pass.
func TestCallerContextEndsFailover(t *testing.T) {
	t.Parallel()
	bad := newFakeServer(t, 503)
	good := newFakeServer(t, 200)
	c := newMulti(t, []string{bad.URL, good.URL})
	cctx, stop := context.WithCancel(t.Context())
	stop()
	if _, err := c.History(cctx, testCtx); err == nil || good.calls.Load() != 0 {
		t.Fatal(err, good.calls.Load())
	}
}
