package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A vendor check answers from its last result for the TTL, runs once for
// probes that come together, and does not keep an answer its probe's own
// deadline cut short.
func TestCachedCheck(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var fail atomic.Bool
	now := time.Unix(1000, 0)
	var clock sync.Mutex
	tick := func(d time.Duration) { clock.Lock(); now = now.Add(d); clock.Unlock() }
	release := make(chan struct{})
	c := cachedCheck(readinessCheck{"zendesk acme", func(ctx context.Context) error {
		calls.Add(1)
		<-release
		if err := ctx.Err(); err != nil {
			return err
		}
		if fail.Load() {
			return errors.New("401")
		}
		return nil
	}}, 10*time.Second, func() time.Time { clock.Lock(); defer clock.Unlock(); return now })

	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); _ = c.check(t.Context()) }()
	}
	time.Sleep(10 * time.Millisecond) // let the probes pile up behind the first
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("%d vendor calls for five probes together, want 1", n)
	}
	fail.Store(true)
	tick(9 * time.Second)
	if err := c.check(t.Context()); err != nil || calls.Load() != 1 {
		t.Errorf("within the TTL: %v after %d calls, want the cached nil after 1", err, calls.Load())
	}
	tick(2 * time.Second)
	if err := c.check(t.Context()); err == nil || calls.Load() != 2 {
		t.Errorf("past the TTL: %v after %d calls, want the vendor's error after 2", err, calls.Load())
	}
	// A probe whose deadline ends first gets its context's error, and the
	// run's answer is not kept.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	tick(11 * time.Second)
	if err := c.check(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled probe: %v", err)
	}
	before := calls.Load()
	if err := c.check(t.Context()); err == nil || calls.Load() != before+1 {
		t.Errorf("after a cancelled probe: %v after %d calls, want a new call (%d)", err, calls.Load(), before+1)
	}
}

// The store's check (not cached: every probe pings) logs its changes
// only: many probes during an outage give one warning, the recovery one
// Info record, and a probe cancelled from outside nothing, not even as a
// change. A probe's deadline ending is a failure.
func TestLoggedCheckLogsChanges(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	logs := &syncWriter{w: &bytes.Buffer{}}
	c := loggedCheck(readinessCheck{"store", func(ctx context.Context) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		if down.Load() {
			return errors.New("dial tcp 10.0.0.7:6379: connection refused")
		}
		return nil
	}}, slog.New(slog.NewJSONHandler(logs, nil)), true)
	probes := func(n int) {
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := c.check(t.Context())
				if want := map[bool]error{false: nil, true: errNotReady}[down.Load()]; err != want {
					t.Errorf("probe: %v, want %v", err, want)
				}
			}()
		}
		wg.Wait()
	}
	count := func(msg string) int { return strings.Count(logs.String(), `"msg":"`+msg+`"`) }
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()

	probes(20)
	if got := logs.String(); got != "" {
		t.Errorf("logs while ready: %s", got)
	}
	down.Store(true)
	probes(50)
	if count("not ready") != 1 || count("ready again") != 0 {
		t.Errorf("50 probes of an outage: want one warning\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), `"level":"WARN","msg":"not ready","check":"store","error":"dial tcp 10.0.0.7:6379: connection refused"`) {
		t.Errorf("the warning lacks the check or its error:\n%s", logs.String())
	}
	down.Store(false)
	if err := c.check(cancelled); err != errNotReady { // public: not even the context's error
		t.Errorf("cancelled probe: %v, want errNotReady", err)
	}
	if count("ready again") != 0 || count("not ready") != 1 {
		t.Errorf("a cancelled probe is logged or taken as a change:\n%s", logs.String())
	}
	probes(50)
	if count("ready again") != 1 || count("not ready") != 1 {
		t.Errorf("recovery: want one Info\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), `"level":"INFO","msg":"ready again","check":"store"}`) {
		t.Errorf("the recovery record:\n%s", logs.String())
	}
	n := len(logs.String())
	if err := c.check(cancelled); err != errNotReady {
		t.Errorf("cancelled probe while ready: %v", err)
	}
	probes(5)
	if len(logs.String()) != n {
		t.Errorf("a cancelled probe while ready is logged or taken as a change:\n%s", logs.String()[n:])
	}
	expired, cancel2 := context.WithDeadline(t.Context(), time.Unix(0, 0))
	defer cancel2()
	if err := c.check(expired); err != errNotReady || count("not ready") != 2 {
		t.Errorf("a probe past its deadline: %v, want a second warning:\n%s", err, logs.String())
	}
}

// byKind: one check per vendor, in the order they come, failing when any
// of its tenants fails; /readyz served with it names no tenant, once.
func TestByKind(t *testing.T) {
	t.Parallel()
	pass := func(context.Context) error { return nil }
	fail := func(context.Context) error { return errNotReady }
	var ran atomic.Int32
	counted := func(f func(context.Context) error) func(context.Context) error {
		return func(ctx context.Context) error { ran.Add(1); return f(ctx) }
	}
	cs := byKind([]readinessCheck{{"store", counted(pass)}, {"zendesk acme", counted(pass)}, {"cxone acme-eu", counted(fail)},
		{"zendesk globex", counted(fail)}, {"zendesk initech", counted(fail)}})
	var names []string
	for _, c := range cs {
		names = append(names, c.name)
	}
	if got := strings.Join(names, ","); got != "store,zendesk,cxone" {
		t.Errorf("kinds %s, want store,zendesk,cxone", got)
	}
	mux := http.NewServeMux()
	serveHealth(mux, cs...)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if want := "zendesk: not ready\ncxone: not ready\n"; rec.Code != http.StatusServiceUnavailable || rec.Body.String() != want {
		t.Errorf("/readyz: %d %q, want 503 %q", rec.Code, rec.Body.String(), want)
	}
	if n := ran.Load(); n != 5 {
		t.Errorf("%d checks ran, want all 5", n)
	}
	if err := byKind([]readinessCheck{{"zendesk acme", pass}, {"zendesk globex", pass}})[0].check(t.Context()); err != nil {
		t.Errorf("every tenant passing: %v", err)
	}
}
