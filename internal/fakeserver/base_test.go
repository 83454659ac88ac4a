package fakeserver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/deskbridgetest"
)

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"ok":true}`)
	})
}

// clock is a settable clock for the limiter's windows.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time        { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration)   { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
func get(t *testing.T, url string) int { return do(t, "GET", url, "") }

func do(t *testing.T, method, url, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer secret-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestBaseLogsFaultsAndLimits(t *testing.T) {
	t.Parallel()
	c := &clock{now: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	b := Start(Spec{
		Routes: okHandler(),
		WriteLimit: func(w http.ResponseWriter, st LimitState) {
			w.Header().Set("X-Remaining", fmt.Sprint(st.Remaining))
			if st.Limited {
				w.Header().Set("Retry-After", fmt.Sprint(int(st.ResetIn.Seconds())))
				w.WriteHeader(429)
			}
		},
		Limit: 2, Window: time.Minute,
		Now: c.Now,
	})
	defer b.Close()

	b.InjectFault(deskbridgetest.Fault{Method: "GET", Path: "/a", Status: 503, Header: http.Header{"Retry-After": {"1"}}, Times: 2})
	var statuses []int
	for _, p := range []string{"/a", "/b", "/a", "/a", "/a"} {
		statuses = append(statuses, get(t, b.URL+p))
	}
	// Two faults on /a, then the limit of 2 lets /a through once and limits
	// the last request.
	if fmt.Sprint(statuses) != "[503 200 503 200 429]" {
		t.Fatalf("statuses = %v", statuses)
	}
	entries := b.Requests()
	if len(entries) != 5 || entries[0].Fault != "Service Unavailable" || entries[4].Status != 429 {
		t.Fatalf("log = %+v", entries)
	}
	if entries[0].Header.Get("Authorization") != Redacted {
		t.Fatal("credentials in the request log")
	}
	if b.RequestCount("GET", "/a") != 4 || b.Log().CountStatus(429) != 1 {
		t.Fatal("counts")
	}
	c.Add(time.Minute) // the window ends
	if got := get(t, b.URL+"/b"); got != 200 {
		t.Fatalf("after the window: %d", got)
	}
	b.ResetRequests()
	if n := len(b.Requests()); n != 0 {
		t.Fatalf("%d requests after ResetRequests", n)
	}
	b.SetRateLimit(0, 0)
	for range 5 {
		if got := get(t, b.URL+"/b"); got != 200 {
			t.Fatalf("limit removed, got %d", got)
		}
	}
}

// Budgets count apart, tokens are exempt, and aligned windows end on a
// multiple of their length since the epoch.
func TestBaseBudgetsAndAlignedWindows(t *testing.T) {
	t.Parallel()
	c := &clock{now: time.Unix(1_800_000_003, 500_000_000)}
	var last LimitState
	b := Start(Spec{
		Routes:       okHandler(),
		Budget:       func(r *http.Request) string { return strings.Split(r.URL.Path, "/")[1] },
		Unlimited:    func(r *http.Request) bool { return r.URL.Path == "/oauth/token" },
		AlignWindows: true,
		WriteLimit:   func(w http.ResponseWriter, st LimitState) { last = st },
		Limit:        1, Window: 7 * time.Second,
		Now: c.Now,
	})
	defer b.Close()
	if get(t, b.URL+"/track/1") != 200 || get(t, b.URL+"/send/1") != 200 {
		t.Fatal("each budget allows one")
	}
	if get(t, b.URL+"/track/2") != 429 {
		t.Fatal("a spent budget let a second request through")
	}
	for range 3 {
		if do(t, "POST", b.URL+"/oauth/token", "") != 200 {
			t.Fatal("a token request was limited")
		}
	}
	// 1,800,000,003.5 s lies in the window that starts at the multiple of
	// 7 s below it, 1,799,999,999 (257,142,857 × 7), and ends 7 s later.
	if want := time.Unix(1_800_000_006, 0); !last.ResetAt.Equal(want) {
		t.Fatalf("reset at %v, want %v", last.ResetAt.Unix(), want.Unix())
	}
	c.Add(2500 * time.Millisecond) // the window turns exactly at the reset
	if get(t, b.URL+"/track/3") != 200 {
		t.Fatal("a new window did not start at the reset")
	}
}

func TestDropAndLatency(t *testing.T) {
	t.Parallel()
	b := Start(Spec{Routes: okHandler()})
	defer b.Close()
	b.InjectFault(deskbridgetest.Fault{Drop: true})
	if _, err := http.Get(b.URL + "/x"); err == nil {
		t.Fatal("dropped connection answered")
	}
	// The drop is in the log by the time the client sees it, so that a
	// test reading the log right after a failed call finds its request.
	if e := b.Requests(); len(e) != 1 || e[0].Path != "/x" || e[0].Fault == "" {
		t.Fatalf("log after a drop: %+v", e)
	}
	b.InjectFault(deskbridgetest.Fault{Latency: 30 * time.Millisecond})
	start := time.Now()
	resp, err := http.Get(b.URL + "/x")
	if err != nil || resp.StatusCode != 200 || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("latency fault: %v %v after %s", resp, err, time.Since(start))
	}
	resp.Body.Close()
	b.InjectFault(deskbridgetest.Fault{Status: 500, Times: 3})
	b.ClearFaults()
	if get(t, b.URL+"/x") != 200 {
		t.Fatal("a cleared fault still applied")
	}
}

func TestProcessedFault(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	created := 0
	b := Start(Spec{Routes: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		created++
		mu.Unlock()
		w.WriteHeader(201)
	})})
	defer b.Close()
	b.InjectFault(deskbridgetest.Fault{Method: "POST", Processed: true})
	b.InjectFault(deskbridgetest.Fault{Method: "POST", Processed: true, Drop: true})
	if got := do(t, "POST", b.URL+"/tickets", `{}`); got != 500 {
		t.Fatalf("status %d, want 500", got)
	}
	req, _ := http.NewRequestWithContext(context.Background(), "POST", b.URL+"/tickets", strings.NewReader(`{}`))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the dropped answer arrived")
	}
	mu.Lock()
	defer mu.Unlock()
	if created != 2 {
		t.Fatalf("the handler ran %d times, want 2: a processed fault must carry the request out", created)
	}
	if e := b.Requests(); e[0].Fault != "processed, then Internal Server Error" || e[1].Fault != "processed, then drop" {
		t.Fatalf("faults logged as %q, %q", e[0].Fault, e[1].Fault)
	}
}

// The log keeps a bounded part of each body and a bounded total, newest
// first: a long load run does not hold every body it ever sent. (Before,
// brazetest kept some 5.5 KB for each of up to 100,000 requests.)
func TestLogBodiesAreBounded(t *testing.T) {
	t.Parallel()
	b := Start(Spec{Routes: okHandler()})
	defer b.Close()
	big := `{"x":"` + strings.Repeat("a", 40<<10) + `"}`
	do(t, "POST", b.URL+"/track", big)
	if e := b.Requests()[0]; len(e.Body) != MaxLoggedBody || e.BodySize != len(big) {
		t.Fatalf("kept %d of %d bytes, want %d", len(e.Body), e.BodySize, MaxLoggedBody)
	}

	l := &Log{MaxBodies: 10 << 10}
	const n = 100 // 100 × 1 KiB against 10 KiB kept
	for i := range n {
		l.add(deskbridgetest.Request{Path: fmt.Sprint("/", i), Body: make([]byte, 1<<10), BodySize: 1 << 10})
	}
	held, withBody := 0, 0
	entries := l.Entries()
	for _, e := range entries {
		held += len(e.Body)
		if e.Body != nil {
			withBody++
		} else if !e.BodyDropped {
			t.Fatal("a body gone without BodyDropped")
		}
	}
	if held > 10<<10 || withBody != 10 || entries[n-1].Body == nil || entries[0].Body != nil {
		t.Fatalf("%d bytes in %d bodies held: want the newest 10 KiB", held, withBody)
	}
}

func TestLogIsBounded(t *testing.T) {
	t.Parallel()
	l := &Log{Max: 10}
	for i := range 25 {
		l.add(deskbridgetest.Request{Path: fmt.Sprint("/", i), Body: []byte("x")})
	}
	e := l.Entries()
	if len(e) > 10 || e[len(e)-1].Path != "/24" || l.Dropped() != 25-len(e) {
		t.Fatalf("kept %d, last %q, dropped %d", len(e), e[len(e)-1].Path, l.Dropped())
	}
}
