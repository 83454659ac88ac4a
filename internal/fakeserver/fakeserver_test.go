package fakeserver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"ok":true}`)
	})
}

func TestStackLogsFaultsAndLimits(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	lim := NewLimiter(2, time.Minute, now)
	s := &Stack{
		Log:     &Log{},
		Faults:  &Faults{},
		Limiter: func() *Limiter { return lim },
		WriteLimit: func(w http.ResponseWriter, st LimitState) {
			w.Header().Set("X-Remaining", fmt.Sprint(st.Remaining))
			if st.Limited {
				w.Header().Set("Retry-After", fmt.Sprint(int(st.ResetIn.Seconds())))
				w.WriteHeader(429)
			}
		},
		Now: now,
	}
	srv := httptest.NewServer(s.Handler(okHandler()))
	defer srv.Close()

	s.Faults.Inject(Fault{Method: "GET", Path: "/a", Status: 503, Header: http.Header{"Retry-After": {"1"}}, Times: 2})
	get := func(path string) (*http.Response, error) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer secret-token")
		return http.DefaultClient.Do(req)
	}
	var statuses []int
	for _, p := range []string{"/a", "/b", "/a", "/a", "/a"} {
		resp, err := get(p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
	// Two faults on /a, then the limit of 2 lets /a through once and limits
	// the last request.
	if fmt.Sprint(statuses) != "[503 200 503 200 429]" {
		t.Fatalf("statuses = %v", statuses)
	}
	entries := s.Log.Entries()
	if len(entries) != 5 || entries[0].Fault != "Service Unavailable" || entries[4].Status != 429 {
		t.Fatalf("log = %+v", entries)
	}
	if entries[0].Header.Get("Authorization") != "[redacted]" {
		t.Fatal("credentials in the request log")
	}
	if s.Log.Count("GET", "/a") != 4 || s.Log.CountStatus(429) != 1 {
		t.Fatal("counts")
	}
	// The window resets.
	mu.Lock()
	clock = clock.Add(time.Minute)
	mu.Unlock()
	if resp, err := get("/b"); err != nil || resp.StatusCode != 200 || resp.Header.Get("X-Remaining") != "1" {
		t.Fatalf("after reset: %v %v", resp, err)
	}
}

func TestDropAndLatency(t *testing.T) {
	t.Parallel()
	s := &Stack{Faults: &Faults{}, Log: &Log{}}
	srv := httptest.NewServer(s.Handler(okHandler()))
	defer srv.Close()
	s.Faults.Inject(Fault{Drop: true})
	if _, err := http.Get(srv.URL + "/x"); err == nil {
		t.Fatal("dropped connection answered")
	}
	s.Faults.Inject(Fault{Latency: 30 * time.Millisecond})
	start := time.Now()
	resp, err := http.Get(srv.URL + "/x")
	if err != nil || resp.StatusCode != 200 || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("latency fault: %v %v after %s", resp, err, time.Since(start))
	}
	resp.Body.Close()
}

func TestDelivererRetriesPerPolicy(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if string(body) != `{"a":1}` || r.Header.Get("X-Sig") == "" {
			w.WriteHeader(400)
			return
		}
		if n.Add(1) < 3 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(503)
			return
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()
	var waited []time.Duration
	d := &Deliverer{
		Policy: func(n int, resp *http.Response, err error) (bool, time.Duration) {
			return n < 5 && resp != nil && resp.StatusCode == 503, time.Second
		},
		Sleep: func(_ context.Context, d time.Duration) error { waited = append(waited, d); return nil },
	}
	attempts := d.Deliver(t.Context(), Delivery{
		URL: srv.URL, Body: []byte(`{"a":1}`),
		Prepare: func(req *http.Request, attempt int) { req.Header.Set("X-Sig", fmt.Sprint(attempt)) },
	})
	if len(attempts) != 3 || attempts[0].Status != 503 || attempts[2].Status != 200 || attempts[0].Wait != time.Second || attempts[2].Wait != 0 {
		t.Fatalf("attempts = %+v", attempts)
	}
	if attempts[1].Header.Get("X-Sig") != "2" || len(waited) != 2 {
		t.Fatalf("attempts = %+v waited %v", attempts, waited)
	}
}

func TestDelivererTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	d := &Deliverer{Client: &http.Client{Timeout: 20 * time.Millisecond}}
	attempts := d.Deliver(t.Context(), Delivery{URL: srv.URL})
	if len(attempts) != 1 || attempts[0].Status != 0 || !strings.Contains(attempts[0].Err, "timeout") {
		t.Fatalf("attempts = %+v", attempts)
	}
}

func TestProcessedFault(t *testing.T) {
	t.Parallel()
	var handled atomic.Int32
	s := &Stack{Faults: &Faults{}, Log: &Log{}}
	srv := httptest.NewServer(s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handled.Add(1)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"created":true}`)
	})))
	defer srv.Close()
	s.Faults.Inject(Fault{Path: "/send", Status: 503, Body: `{"message":"down"}`, Processed: true})
	s.Faults.Inject(Fault{Path: "/other", Processed: true})
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/send", 503, `{"message":"down"}`}, // handled, answer replaced
		{"/send", 201, `{"created":true}`},   // the fault is used up
		{"/other", 500, ``},                  // Processed alone answers 500
	} {
		resp, err := http.Post(srv.URL+tc.path, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || string(body) != tc.body {
			t.Fatalf("%s: %d %q, want %d %q", tc.path, resp.StatusCode, body, tc.status, tc.body)
		}
	}
	if n := handled.Load(); n != 3 {
		t.Fatalf("handler ran %d times, want 3 (once per request, never twice)", n)
	}
	if e := s.Log.Entries()[0]; e.Status != 503 || e.Fault != "processed, then Service Unavailable" {
		t.Fatalf("log entry = %+v", e)
	}
}

func TestLogIsBounded(t *testing.T) {
	t.Parallel()
	l := &Log{Max: 10}
	for i := range 25 {
		l.add(Entry{Path: fmt.Sprint("/", i)})
	}
	entries := l.Entries()
	if len(entries) > 10 || entries[len(entries)-1].Path != "/24" || l.Dropped()+len(entries) != 25 {
		t.Fatalf("kept %d (last %q), dropped %d", len(entries), entries[len(entries)-1].Path, l.Dropped())
	}
}
