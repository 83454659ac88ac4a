package rest

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
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

func firstHeader(h http.Header, names []string) (string, bool) {
	for _, n := range names {
		if v := strings.TrimSpace(h.Get(n)); v != "" {
			return v, true
		}
	}
	return "", false
}

func (s RateLimitHeaders) int(h http.Header, names []string) (int, bool) {
	v, ok := firstHeader(h, names)
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
	v, ok := firstHeader(h, s.Reset)
	if !ok {
		return time.Time{}, false
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || !(n >= 0) { // also refuses NaN
		return time.Time{}, false
	}
	if s.ResetEpoch {
		// Past 2286 is not a reset time (and would overflow a time.Duration).
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

// RateLimit is a vendor's rate-limit budget as its last response reported
// it. Zero fields were not reported.
type RateLimit struct {
	Limit     int
	Remaining int
	Reset     time.Time
	// Observed is when the response that reported it arrived.
	Observed time.Time
}

// pacer remembers the budgets the vendor last reported and holds requests
// while one is spent. One per Client, shared by its goroutines. A vendor
// whose budgets are per endpoint (Braze) keys them with Config.RateLimitKey;
// otherwise there is one budget.
type pacer struct {
	spec RateLimitHeaders
	now  func() time.Time
	key  func(method, path string) string

	mu       sync.Mutex
	last     RateLimit
	resumeAt map[string]time.Time // per budget key: no request before this
}

func (p *pacer) keyOf(method, path string) string {
	if p.key == nil {
		return ""
	}
	return p.key(method, path)
}

// observe records the budget a response reports. The hold only ever moves
// later: a response to a request sent before the budget ran out must not
// release it.
func (p *pacer) observe(key string, resp *http.Response) {
	now := p.now()
	limit, hasLimit := p.spec.int(resp.Header, p.spec.Limit)
	remaining, hasRemaining := p.spec.int(resp.Header, p.spec.Remaining)
	reset, hasReset := p.spec.reset(resp.Header, now)
	var hold time.Time
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			hold = now.Add(d)
		} else if hasReset {
			hold = reset
		}
	case hasRemaining && remaining == 0 && hasReset:
		hold = reset
	}
	if !hasLimit && !hasRemaining && !hasReset && hold.IsZero() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if hasLimit || hasRemaining || hasReset {
		p.last = RateLimit{Limit: limit, Remaining: remaining, Observed: now}
		if hasReset {
			p.last.Reset = reset
		}
	}
	if hold.After(p.resumeAt[key]) {
		if p.resumeAt == nil {
			p.resumeAt = map[string]time.Time{}
		}
		p.resumeAt[key] = hold
	}
}

// holdFor is how long a request on budget key must wait before it may be
// sent.
func (p *pacer) holdFor(key string) time.Duration {
	p.mu.Lock()
	at := p.resumeAt[key]
	p.mu.Unlock()
	if at.IsZero() {
		return 0
	}
	return max(at.Sub(p.now()), 0)
}

func (p *pacer) snapshot() RateLimit {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}
