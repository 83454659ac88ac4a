package brazetest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/braze/brazetest"
)

// The benchmark: Users.Track of 10,000 attributes is exactly
// ⌈10,000/75⌉ = 134 requests, beside a floor that makes the same 134 POSTs
// with net/http and encoding/json by hand. Each pair runs twice: against
// the fake (BenchmarkUsersTrack10k, …Floor), and against a server that
// reads and discards the body and answers {"message":"success"}
// (BenchmarkUsersTrack10kDiscard, …Floor), where only the client's work
// differs between the two (the server's own allocations, in this process,
// are the same for both). allocs/item and B/item are per attribute:
//
//	go test -run '^$' -bench 'UsersTrack10k' -count 6 -cpu 1 ./braze/brazetest/

const benchUsers = 10000

func benchAttributes() []braze.UserAttributes {
	attrs := make([]braze.UserAttributes, benchUsers)
	for i := range attrs {
		attrs[i] = braze.UserAttributes{ExternalID: fmt.Sprintf("user-%05d", i), Attributes: map[string]any{"zendesk_ticket_open": i%2 == 0, "plan": "pro"}}
	}
	return attrs
}

// discardServer answers every request {"message":"success"} after reading
// its body, and does nothing else but count them; count returns the
// requests since its last call.
func discardServer(b *testing.B) (srv *httptest.Server, count func() int) {
	var n atomic.Int64
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"message":"success"}`)
	}))
	b.Cleanup(srv.Close)
	return srv, func() int { return int(n.Swap(0)) }
}

// perItem runs the benchmark loop body and reports its allocations and
// bytes per attribute, beside the usual figures per op.
func perItem(b *testing.B, op func()) {
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n := 0
	for b.Loop() {
		op()
		n++
	}
	runtime.ReadMemStats(&after)
	items := float64(n * benchUsers)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/items, "allocs/item")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/items, "B/item")
}

// clientTrack is the client's side of the benchmark: Users.Track of the
// 10,000 attributes through a client of baseURL.
func clientTrack(b *testing.B, baseURL, key string, count func() int) {
	c, err := braze.NewClient(braze.WithBaseURL(baseURL), braze.WithAPIKey(key))
	if err != nil {
		b.Fatal(err)
	}
	req := &braze.TrackRequest{Attributes: benchAttributes()}
	perItem(b, func() {
		res, err := c.Users.Track(b.Context(), req)
		if err != nil || res.Requests != 134 {
			b.Fatal(res, err)
		}
		if n := count(); n != 134 {
			b.Fatalf("%d requests, want 134", n)
		}
	})
}

// floorTrack is the floor: the same 134 POSTs of the same objects, as
// hand-written code would send them with net/http and encoding/json.
func floorTrack(b *testing.B, baseURL, key string, count func() int) {
	// The same objects, as hand-written code would hold custom attributes.
	attrs := make([]map[string]any, benchUsers)
	for i := range attrs {
		attrs[i] = map[string]any{"external_id": fmt.Sprintf("user-%05d", i), "zendesk_ticket_open": i%2 == 0, "plan": "pro"}
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: t}
	perItem(b, func() {
		for from := 0; from < len(attrs); from += 75 {
			body, err := json.Marshal(map[string]any{"attributes": attrs[from:min(from+75, len(attrs))]})
			if err != nil {
				b.Fatal(err)
			}
			req, _ := http.NewRequestWithContext(b.Context(), http.MethodPost, baseURL+"/users/track", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var out struct {
				Message string `json:"message"`
			}
			err = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || out.Message != "success" {
				b.Fatal(resp.StatusCode, err)
			}
		}
		if n := count(); n != 134 {
			b.Fatalf("%d requests, want 134", n)
		}
	})
}

// fakeCount counts the users/track requests the fake got since the last
// count.
func fakeCount(fake *brazetest.Server) func() int {
	return func() int {
		n := fake.RequestCount(http.MethodPost, "/users/track")
		fake.ResetRequests()
		return n
	}
}

func BenchmarkUsersTrack10k(b *testing.B) {
	fake := brazetest.NewServer()
	b.Cleanup(fake.Close)
	clientTrack(b, fake.URL, fake.APIKey(), fakeCount(fake))
}

func BenchmarkUsersTrack10kFloor(b *testing.B) {
	fake := brazetest.NewServer()
	b.Cleanup(fake.Close)
	floorTrack(b, fake.URL, fake.APIKey(), fakeCount(fake))
}

func BenchmarkUsersTrack10kDiscard(b *testing.B) {
	srv, count := discardServer(b)
	clientTrack(b, srv.URL, "bench-key", count)
}

func BenchmarkUsersTrack10kDiscardFloor(b *testing.B) {
	srv, count := discardServer(b)
	floorTrack(b, srv.URL, "bench-key", count)
}

// trackByEmail creates n users through Users.Track by email (⌈n/75⌉
// requests) on a fresh fake and returns the time per item. Each item looks
// its user up by email, so a fake that scans its users makes the time per
// item grow with n.
func trackByEmail(b *testing.B, n int) time.Duration {
	b.Helper()
	fake := brazetest.NewServer()
	defer fake.Close()
	c, err := braze.NewClient(braze.WithBaseURL(fake.URL), braze.WithAPIKey(fake.APIKey()))
	if err != nil {
		b.Fatal(err)
	}
	attrs := make([]braze.UserAttributes, n)
	for i := range attrs {
		attrs[i] = braze.UserAttributes{Email: fmt.Sprintf("user-%05d@example.com", i), Attributes: map[string]any{"plan": "pro"}}
	}
	start := time.Now()
	res, err := c.Users.Track(b.Context(), &braze.TrackRequest{Attributes: attrs})
	elapsed := time.Since(start)
	if err != nil || res.AttributesProcessed != n {
		b.Fatal(res, err)
	}
	if got := len(fake.Users()); got != n {
		b.Fatalf("%d users, want %d", got, n)
	}
	return elapsed / time.Duration(n)
}

// BenchmarkUsersTrackByEmailScaling measures, in one run, the time per
// users/track item by email at 2,500 and at 10,000 users. With O(1)
// lookups the two are about equal; a linear scan per item makes the
// second about four times the first.
//
//	go test -run '^$' -bench UsersTrackByEmailScaling ./braze/brazetest/
func BenchmarkUsersTrackByEmailScaling(b *testing.B) {
	var small, large time.Duration
	runs := 0
	for b.Loop() {
		small += trackByEmail(b, 2500)
		large += trackByEmail(b, 10000)
		runs++
	}
	small /= time.Duration(runs)
	large /= time.Duration(runs)
	b.ReportMetric(float64(small.Nanoseconds()), "ns/item@2500")
	b.ReportMetric(float64(large.Nanoseconds()), "ns/item@10000")
	b.ReportMetric(float64(large)/float64(small), "ratio")
}

// BenchmarkUsersTrackRateLimited measures how much of a rate limit the
// real client gets to use against the fake: Users.Track of 10,000
// attributes (134 requests, one after the other) under 20 requests per
// one-second window. Utilisation is the mean, over the one-second windows
// from the first request to the last, of requests sent in the window / 20:
// 1 would be every window full. Each run starts on a window boundary, so
// that its first window is whole; its last is only as full as the work
// left (14 of 20), so the best possible is 134/140 = 0.957. Steady is the
// same mean without the first and last windows. It reports 429s too (a
// client that waits for the reset meets none), and fails below 0.9.
//
// The windows are real time, so one run takes about six seconds: it is a
// benchmark, not a test, to stay out of the default go test run. The
// figures assume an unloaded machine; a stalled process sends less.
//
//	go test -run '^$' -bench UsersTrackRateLimited -benchtime 1x ./braze/brazetest/
func BenchmarkUsersTrackRateLimited(b *testing.B) {
	const limit, window = 20, time.Second
	fake := brazetest.NewServer()
	b.Cleanup(fake.Close)
	c, err := braze.NewClient(braze.WithBaseURL(fake.URL), braze.WithAPIKey(fake.APIKey()))
	if err != nil {
		b.Fatal(err)
	}
	req := &braze.TrackRequest{Attributes: benchAttributes()}
	var used, steady float64
	var limited, runs int
	for b.Loop() {
		b.StopTimer()
		fake.SetRateLimit(limit, window) // fresh windows for each run
		fake.ResetRequests()
		time.Sleep(time.Until(time.Now().Truncate(window).Add(window))) // the next whole second
		b.StartTimer()
		res, err := c.Users.Track(b.Context(), req)
		if err != nil || res.Requests != 134 {
			b.Fatal(res, err)
		}
		perWindow := map[int64]int{}
		first, last := int64(-1), int64(-1)
		for _, r := range fake.Requests() {
			if r.Status == http.StatusTooManyRequests {
				limited++
				continue
			}
			w := r.Time.UnixNano() / int64(window) // the epoch-aligned second
			perWindow[w]++
			if first < 0 {
				first = w
			}
			last = w
		}
		used += float64(res.Requests) / float64(limit*(last-first+1))
		if middle := last - first - 1; middle > 0 {
			sent := res.Requests - perWindow[first] - perWindow[last]
			steady += float64(sent) / float64(limit*middle)
		}
		runs++
	}
	utilisation := used / float64(runs)
	b.ReportMetric(utilisation, "utilisation")
	b.ReportMetric(steady/float64(runs), "steady")
	b.ReportMetric(float64(limited)/float64(runs), "429s/op")
	if utilisation < 0.9 {
		b.Errorf("utilisation %.3f of the limit, want ≥ 0.9", utilisation)
	}
}
