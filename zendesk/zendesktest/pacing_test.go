package zendesktest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// pacingLimit and pacingWindow are the fake's rate limit in the pacing
// measurement: Zendesk's budget is per minute; a 50 ms window runs the same
// race between goroutines and the window's end twenty times a second (the
// fake writes the reset in fractional seconds below a second).
const (
	pacingLimit  = 100
	pacingWindow = 50 * time.Millisecond
)

// One client shared by N goroutines against a fake that allows 100
// requests per window: no call fails and at most 1 % of the requests are
// answered 429, over a few windows (about a third of a second in all).
// Neither depends on how fast the machine sends; how much of each window
// gets used does, so BenchmarkPacingSharesTheBudget measures that. Before
// the core counted requests in flight against what remains, 8 goroutines
// got ~90 429s per 2,000 requests and 32 goroutines ~800 per 3,200.
func TestPacingSharesTheBudget(t *testing.T) {
	for _, n := range []int{8, 32} {
		t.Run(fmt.Sprint("N=", n), func(t *testing.T) {
			m := measurePacing(t, n, 4*pacingLimit)
			t.Log(m.line(n, 4*pacingLimit))
			if m.failed != 0 {
				t.Errorf("%d operations failed: %v", m.failed, m.firstErr)
			}
			if float64(m.limited) > 0.01*float64(m.sent) {
				t.Errorf("%d of %d requests answered 429, want at most 1 %%", m.limited, m.sent)
			}
		})
	}
}

// BenchmarkPacingSharesTheBudget is the full measurement, with real 50 ms
// windows for about three seconds: 1, 8 and 32 goroutines sharing one
// client send 1,000, 2,000 and 3,200 requests. It reports the 429s, the
// failed operations, the share of the limit used per full window (the
// fake's 200s per window, mean and least; a stall of the machine can cut
// one window short) and the calls per second over what the limit allows,
// and fails unless 0 operations failed, at most 1 % of the requests were
// answered 429 and the full windows were used to at least 0.95 of the
// limit on average (not checked under the race detector, under which one
// goroutine cannot send a window's share in time). Run it alone, on a
// quiet machine:
//
//	go test -run '^$' -bench PacingSharesTheBudget -benchtime 1x ./zendesk/zendesktest/
func BenchmarkPacingSharesTheBudget(b *testing.B) {
	for _, tc := range []struct{ goroutines, requests int }{{1, 1000}, {8, 2000}, {32, 3200}} {
		b.Run(fmt.Sprint("N=", tc.goroutines), func(b *testing.B) {
			for b.Loop() {
				m := measurePacing(b, tc.goroutines, tc.requests)
				b.Log(m.line(tc.goroutines, tc.requests))
				b.ReportMetric(float64(m.failed), "failed")
				b.ReportMetric(float64(m.limited), "429s")
				b.ReportMetric(100*float64(m.limited)/float64(m.sent), "%429")
				b.ReportMetric(m.meanUse, "use/window")
				b.ReportMetric(m.minUse, "min-use/window")
				b.ReportMetric(m.rate(tc.requests), "of-limit-rate")
				if m.failed != 0 {
					b.Errorf("%d operations failed: %v", m.failed, m.firstErr)
				}
				if float64(m.limited) > 0.01*float64(m.sent) {
					b.Errorf("%d of %d requests answered 429, want at most 1 %%", m.limited, m.sent)
				}
				switch {
				case raceEnabled:
					b.Log("use of the windows not checked under the race detector")
				case m.windows == 0 || m.meanUse < 0.95:
					b.Errorf("full windows used to %.3f of the limit on average, want at least 0.95 (200s per window: %v)", m.meanUse, m.perWindow)
				}
			}
		})
	}
}

type pacing struct {
	sent, limited, failed int
	firstErr              error
	windows               int
	perWindow             []int
	meanUse, minUse       float64
	elapsed               time.Duration
}

// rate is the calls per second over the most the limit allows.
func (m pacing) rate(requests int) float64 {
	return float64(requests) / m.elapsed.Seconds() / (pacingLimit / pacingWindow.Seconds())
}

// line sums m up on one line.
func (m pacing) line(goroutines, requests int) string {
	return fmt.Sprintf("N=%-2d  requests %5d  failed %d  429s %3d (%.2f %%)  full windows %3d  used per full window: mean %.3f, min %.3f  %s, %.2f of the limit's rate",
		goroutines, requests, m.failed, m.limited, 100*float64(m.limited)/float64(m.sent), m.windows, m.meanUse, m.minUse, m.elapsed.Round(time.Millisecond), m.rate(requests))
}

func measurePacing(t testing.TB, goroutines, requests int) pacing {
	fake := newFake(t)
	zc := newClient(t, fake)
	ctx := context.Background()
	tk, err := zc.Tickets.Create(ctx, &zendesk.TicketInput{Subject: "paced", Comment: zendesk.PublicComment("x")})
	if err != nil {
		t.Fatal(err)
	}
	fake.SetRateLimit(pacingLimit, pacingWindow)
	fake.ResetRequests()

	var (
		next     atomic.Int64
		failed   atomic.Int64
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(requests) {
				if _, err := zc.Tickets.Get(ctx, tk.ID); err != nil {
					failed.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	m := pacing{failed: int(failed.Load()), firstErr: firstErr, elapsed: time.Since(start)}

	// The fake's windows, as its limiter opens them: one starts with the
	// first request after the last one ended.
	log := fake.Requests()
	slices.SortStableFunc(log, func(a, b zendesktest.Request) int { return a.Time.Compare(b.Time) })
	var winStart time.Time
	for _, r := range log {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.Path, "/api/v2/tickets/") {
			continue
		}
		m.sent++
		if winStart.IsZero() || r.Time.Sub(winStart) >= pacingWindow {
			winStart = r.Time
			m.perWindow = append(m.perWindow, 0)
		}
		switch r.Status {
		case http.StatusOK:
			m.perWindow[len(m.perWindow)-1]++
		case http.StatusTooManyRequests:
			m.limited++
		}
	}
	// The last window is cut short by the end of the run.
	full := m.perWindow[:max(len(m.perWindow)-1, 0)]
	m.windows = len(full)
	m.minUse = 1
	total := 0
	for _, n := range full {
		total += n
		m.minUse = min(m.minUse, float64(n)/pacingLimit)
	}
	if m.windows > 0 {
		m.meanUse = float64(total) / float64(m.windows*pacingLimit)
	}
	if m.sent != requests+m.limited {
		t.Errorf("the fake logged %d requests for %d calls and %d 429s", m.sent, requests, m.limited)
	}
	var apiErr *deskbridge.APIError
	if errors.As(m.firstErr, &apiErr) {
		t.Logf("first error: %v", apiErr)
	}
	return m
}
