package rest

import (
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge"
)

// RateLimitHeaders names the response headers that carry a vendor's
// rate-limit budget. For each, the first header present wins.
type RateLimitHeaders struct {
	Limit     []string
	Remaining []string
	Reset     []string
	// ResetEpoch says the reset header is a Unix time in seconds (Braze);
	// otherwise it is a number of seconds from now (Zendesk).
	ResetEpoch bool
}

// canonical returns h with every name in canonical form, so that reading a
// response indexes the header map directly instead of canonicalising the
// name again on every response.
func (h RateLimitHeaders) canonical() RateLimitHeaders {
	canon := func(names []string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = textproto.CanonicalMIMEHeaderKey(n)
		}
		return out
	}
	return RateLimitHeaders{Limit: canon(h.Limit), Remaining: canon(h.Remaining), Reset: canon(h.Reset), ResetEpoch: h.ResetEpoch}
}

// first returns the first non-empty value of the canonical names.
func first(h http.Header, names []string) (string, bool) {
	for _, n := range names {
		if vs := h[n]; len(vs) > 0 {
			if v := strings.TrimSpace(vs[0]); v != "" {
				return v, true
			}
		}
	}
	return "", false
}

func (s RateLimitHeaders) count(h http.Header, names []string) (int, bool) {
	v, ok := first(h, names)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// reset returns when the budget resets, as the response says.
func (s RateLimitHeaders) reset(h http.Header, now time.Time) (time.Time, bool) {
	v, ok := first(h, s.Reset)
	if !ok {
		return time.Time{}, false
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || !(n >= 0) { // also refuses NaN
		return time.Time{}, false
	}
	if s.ResetEpoch {
		// Past 2286 is not a reset time (and would overflow a Duration).
		if n > maxResetEpoch {
			return time.Time{}, false
		}
		return time.Unix(0, int64(n*float64(time.Second))), true
	}
	if n > maxResetDelta.Seconds() {
		return time.Time{}, false // a rate-limit window does not last days
	}
	return now.Add(time.Duration(n * float64(time.Second))), true
}

// Bounds of a credible reset header; beyond them it is ignored.
const (
	maxResetDelta = 24 * time.Hour
	maxResetEpoch = 1e10
)

// resumeMargin is added to a reset before requests resume, so that a
// reset rounded to the millisecond does not let them arrive just before
// the vendor's window turns.
const resumeMargin = 2 * time.Millisecond

// pacer keeps the rate-limit budgets a client draws on and holds requests
// while one is spent, so that the goroutines sharing a client wait for the
// reset instead of sending into a spent window.
//
// A vendor reports, with each response, what remains of the budget; by the
// time the report arrives, the client may have more requests in flight,
// which the vendor may or may not have counted yet. So a request may go
// when what remains, less what is in flight, is above zero: the client
// never sends past the budget, whatever its concurrency, and when the
// window is nearly spent the requests in flight come back with newer
// reports, which let the last few through. Within a window, the lowest
// report is the newest (what remains only goes down until the reset).
type pacer struct {
	spec          RateLimitHeaders // canonical names
	now           func() time.Time
	key           func(method, path string) string
	maxServerWait time.Duration

	mu      sync.Mutex
	last    deskbridge.RateLimit
	budgets map[string]*budget
}

// budget is one rate-limit budget.
type budget struct {
	inflight  int       // requests sent and not yet answered
	known     bool      // remaining is in force
	remaining int       // what the lowest report of the window said remains
	limit     int       // the window's size, when reported
	reset     time.Time // when the window ends; zero when unknown
	resumeAt  time.Time // no request before this (a 429's Retry-After)
	wake      chan struct{}
}

func (p *pacer) budget(key string) *budget {
	b := p.budgets[key]
	if b == nil {
		if p.budgets == nil {
			p.budgets = map[string]*budget{}
		}
		b = &budget{}
		p.budgets[key] = b
	}
	return b
}

// acquire takes one request from budget key. When the budget is spent it
// takes nothing and returns how long to wait before asking again, or a
// channel that is closed when a request in flight is answered.
func (p *pacer) acquire(key string) (wait time.Duration, wake <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.budget(key)
	now := p.now()
	if now.Before(b.resumeAt) {
		return b.resumeAt.Sub(now), nil
	}
	if b.known && !b.reset.IsZero() && !now.Before(b.reset) {
		// The window is over: the next starts with the full budget, if
		// its size was reported, and ends when a report says.
		b.known, b.remaining, b.reset = b.limit > 0, b.limit, time.Time{}
	}
	if b.known && b.remaining-b.inflight <= 0 {
		if b.inflight > 0 {
			if b.wake == nil {
				b.wake = make(chan struct{})
			}
			return 0, b.wake
		}
		if !b.reset.IsZero() { // a known budget has a reset, but for the rollover's full one
			return b.reset.Add(resumeMargin).Sub(now), nil
		}
	}
	b.inflight++
	return 0, nil
}

// release gives back the request of budget key that got resp (nil when it
// got none), and records what resp says of the budget. A hold only moves
// later: a response to a request sent before the budget ran out must not
// release it. A wait longer than maxServerWait is not kept as a hold: the
// call that got it fails with it, and the next call is sent.
func (p *pacer) release(key string, resp *http.Response) { p.record(key, resp, true) }

// note records what resp says of budget key without giving back a place:
// the answer after a redirect, whose first hop gave it back.
func (p *pacer) note(key string, resp *http.Response) { p.record(key, resp, false) }

func (p *pacer) record(key string, resp *http.Response, giveBack bool) {
	var (
		now                      = p.now()
		limit, remaining         int
		reset, hold              time.Time
		hasLimit, hasRem, hasRst bool
	)
	if resp != nil {
		limit, hasLimit = p.spec.count(resp.Header, p.spec.Limit)
		remaining, hasRem = p.spec.count(resp.Header, p.spec.Remaining)
		reset, hasRst = p.spec.reset(resp.Header, now)
		if resp.StatusCode == http.StatusTooManyRequests {
			if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
				hold = now.Add(d)
			} else if hasRst {
				hold = reset
			}
			if hold.Sub(now) > p.maxServerWait {
				hold = time.Time{}
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.budget(key)
	if giveBack {
		b.inflight = max(b.inflight-1, 0)
	}
	if b.wake != nil {
		close(b.wake)
		b.wake = nil
	}
	if hasLimit || hasRem || hasRst {
		p.last = deskbridge.RateLimit{Limit: limit, Remaining: remaining, Observed: now}
		if hasRst {
			p.last.Reset = reset
		}
	}
	if hold.After(b.resumeAt) {
		b.resumeAt = hold
	}
	if hasLimit {
		b.limit = limit
	}
	if !hasRem || !hasRst || reset.Sub(now) > p.maxServerWait {
		return // without a reset, a spent budget could not be waited out
	}
	if !b.known || b.reset.IsZero() || remaining < b.remaining || !now.Before(b.reset) {
		b.known, b.remaining, b.reset = true, remaining, reset
	}
}

// holdFor is how long a request on budget key must wait before it may be
// sent when nothing it waits for is in flight, without taking it.
func (p *pacer) holdFor(key string) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.budgets[key]
	if b == nil {
		return 0
	}
	now := p.now()
	if now.Before(b.resumeAt) {
		return b.resumeAt.Sub(now)
	}
	if b.known && b.inflight == 0 && !b.reset.IsZero() && now.Before(b.reset) && b.remaining <= 0 {
		return b.reset.Add(resumeMargin).Sub(now)
	}
	return 0
}

func (p *pacer) snapshot() deskbridge.RateLimit {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}
