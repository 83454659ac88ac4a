package rest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/testkit"
)

// A wait longer than MaxServerWait is not waited for, nor kept as a hold
// on later calls: the call that got it fails at once with the wait in its
// error, and the next call is sent. (A hold kept would refuse every call,
// unsent, for as long as the vendor said: 16 h 40 min for one 429 with
// Retry-After: 60000.)
func TestWaitBeyondMaxServerWaitIsNotKept(t *testing.T) {
	t.Parallel()
	s, srv := serve(t, status(429, "Retry-After", "60000"), status(200))
	c := newClient(t, srv.URL, nil) // real clock: a wait would show
	start := time.Now()
	_, err := c.Do(context.Background(), &Request{Path: "/a"}, nil)
	var se *deskbridge.APIError
	if !errors.As(err, &se) || se.NotSent || se.RetryAfter != 60000*time.Second || !errors.Is(err, deskbridge.ErrRateLimited) {
		t.Fatalf("first: %v (%+v)", err, se)
	}
	if _, err := c.Do(context.Background(), &Request{Path: "/b"}, nil); err != nil {
		t.Fatalf("second: %v", err)
	}
	if time.Since(start) > time.Second || len(s.Requests()) != 2 {
		t.Fatalf("took %s, sent %d", time.Since(start), len(s.Requests()))
	}
}

// A vendor with budgets per endpoint: a spent budget holds only its own
// endpoint.
func TestBudgetsPerKey(t *testing.T) {
	t.Parallel()
	_, srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/export" {
			w.Header().Set("X-Remaining", "0")
			w.Header().Set("X-Reset", "50")
		}
		w.WriteHeader(200)
	})
	ft := testkit.NewClock()
	c := newClient(t, srv.URL, ft, func(c *testConfig) {
		c.Budget = func(_, path string) string { return path }
	})
	for _, p := range []string{"/export", "/send", "/send"} {
		if _, err := c.Do(t.Context(), &Request{Path: p}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if w := ft.Sleeps(); len(w) != 0 {
		t.Fatalf("/send waited %v for /export's budget", w)
	}
	if _, err := c.Do(t.Context(), &Request{Path: "/export"}, nil); err != nil {
		t.Fatal(err)
	}
	if w := ft.Sleeps(); len(w) != 1 || w[0] != 50*time.Second+resumeMargin {
		t.Fatalf("/export waited %v, want [50s+%s]", w, resumeMargin)
	}
}

// staleAuth hands out numbered tokens; Invalidate drops the current one
// if the failed attempt carried it.
type staleAuth struct {
	mu        sync.Mutex
	n         int
	dropCalls atomic.Int32
}

func (a *staleAuth) token() string { return "Bearer token-" + string(rune('0'+max(a.n, 1))) }

func (a *staleAuth) Authenticate(req *http.Request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n = max(a.n, 1)
	req.Header.Set("Authorization", a.token())
	return nil
}

func (a *staleAuth) Invalidate(sent *http.Request) {
	a.dropCalls.Add(1)
	a.mu.Lock()
	defer a.mu.Unlock()
	if sent.Header.Get("Authorization") == a.token() {
		a.n++
	}
}

func TestStaleCredentialResentOnce(t *testing.T) {
	t.Parallel()
	t.Run("a POST is resent once with the fresh token", func(t *testing.T) {
		t.Parallel()
		s, srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer token-2" {
				w.WriteHeader(401)
				return
			}
			w.WriteHeader(201)
		})
		auth := &staleAuth{}
		c := newClient(t, srv.URL, testkit.NewClock(), func(c *testConfig) { c.Cred = withAuth(auth); c.SetMaxRetries(0) })
		resp, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/tickets", Body: map[string]int{"a": 1}}, nil)
		if err != nil || resp.StatusCode != 201 || len(s.Requests()) != 2 {
			t.Fatalf("err = %v, requests = %d", err, len(s.Requests()))
		}
	})
	t.Run("a second 401 is returned", func(t *testing.T) {
		t.Parallel()
		s, srv := serve(t, status(401))
		auth := &staleAuth{}
		c := newClient(t, srv.URL, testkit.NewClock(), func(c *testConfig) { c.Cred = withAuth(auth) })
		_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
		if !errors.Is(err, deskbridge.ErrUnauthorized) || len(s.Requests()) != 2 || auth.dropCalls.Load() != 1 {
			t.Fatalf("err = %v, requests = %d, invalidations = %d", err, len(s.Requests()), auth.dropCalls.Load())
		}
	})
	t.Run("no resend when the credential is not stale", func(t *testing.T) {
		t.Parallel()
		s, srv := serve(t, status(401))
		c := newClient(t, srv.URL, testkit.NewClock(), func(c *testConfig) { c.Cred = ptr(Bearer("static-token")) })
		if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); !errors.Is(err, deskbridge.ErrUnauthorized) || len(s.Requests()) != 1 {
			t.Fatalf("err = %v, requests = %d", err, len(s.Requests()))
		}
	})
}

// A retry given up while it waits for its budget hands back the last
// answer whole: the vendor's words are still in the error.
func TestRetryHeldBackKeepsTheAnswer(t *testing.T) {
	t.Parallel()
	_, srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Remaining", "0")
		w.Header().Set("X-Reset", "60")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "token expired: see docs")
	})
	c := newClient(t, srv.URL, nil, func(c *testConfig) { c.Cred = withAuth(&staleAuth{}) }) // real clock: the deadline is real time
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := c.Do(ctx, &Request{Path: "/x"}, nil)
	var apiErr *deskbridge.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Message != "token expired: see docs" {
		t.Fatalf("err = %v (%+v)", err, apiErr)
	}
}

// A call whose context ends while its retry waits for the budget (requests
// in flight hold it) says so once, not wrapped in itself.
func TestContextEndsWhileRetryWaitsForBudget(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var first atomic.Bool
	_, srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if first.CompareAndSwap(false, true) {
			// The long call: holds the one place left in flight.
			<-release
			w.WriteHeader(200)
			return
		}
		w.Header().Set("X-Remaining", "1")
		w.Header().Set("X-Reset", "60")
		w.WriteHeader(503)
	})
	defer close(release)
	c := newClient(t, srv.URL, nil, func(c *testConfig) { c.retryWaitMin, c.retryWaitMax = time.Millisecond, time.Millisecond })
	go func() { _, _ = c.Do(context.Background(), &Request{Path: "/slow"}, nil) }()
	for !first.Load() {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Do(ctx, &Request{Path: "/x"}, nil)
	if !errors.Is(err, context.DeadlineExceeded) || strings.Count(err.Error(), "GET /x") != 1 {
		t.Fatalf("err = %v", err)
	}
}
