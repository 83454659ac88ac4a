// Package testkit holds what the tests of several packages share: an
// injected clock whose sleeps return at once, a log recorder, and a check
// that a test leaves no goroutine of this module behind.
package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Clock is an injected clock whose sleeps return at once and are
// recorded, so that tests assert waits of seconds without taking them.
// Safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// NewClock returns a clock at 2026-11-21 10:00 UTC.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep records d and moves the clock on by it, at once. It returns the
// context's error when the context has ended.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

// Advance moves the clock on by d without recording a sleep.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Sleeps returns the waits slept so far.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// Logs records what a logger writes, as JSON lines, at every level.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Logger returns a debug-level JSON logger writing to l.
func (l *Logs) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything written so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Goroutines returns how many goroutines have a frame whose function name
// contains match ("deskbridge/internal/rest.(*TokenCache)"), other than
// the one asking. Name production frames: a test's own handlers and
// closures are in the test's package too.
func Goroutines(match string) int {
	return GoroutinesWhere(func(g string) bool { return strings.Contains(g, match) })
}

// GoroutinesWhere counts the goroutines whose stack dump (its header, such
// as "goroutine 7 [select]:", then its frames) keep accepts, the caller's
// own aside.
func GoroutinesWhere(keep func(stack string) bool) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if keep(g) && !strings.Contains(g, "testkit.Goroutines") {
			count++
		}
	}
	return count
}

// WaitGoroutines fails t unless, within d, no more than want goroutines
// match (see Goroutines).
func WaitGoroutines(t testing.TB, match string, want int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		n := Goroutines(match)
		if n <= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines with a frame of %q still run %s later, want at most %d", n, match, d, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// PooledClient returns an http.Client on its own transport that keeps up
// to 64 idle connections per host, as the clients' default transport does.
func PooledClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t}
}

// GetJSON is what careful hand-written code does for one authenticated
// GET, with net/http and encoding/json only: the floor that benchmarks of
// a client's GET read against. It fails tb unless the answer is a 200
// that decodes into out.
func GetJSON(tb testing.TB, hc *http.Client, url, token string, out any) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(out)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatal("bad response", resp.StatusCode, err)
	}
}
