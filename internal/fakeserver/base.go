// Package fakeserver is the one base every deskbridge fake (zendesktest,
// babelforcetest, brazetest…) is built on. A fake declares its vendor's
// routes and how the vendor writes its rate-limit headers and 429 answer
// (Spec); Start serves them behind what every fake shares: injected
// faults, a rate limiter in fixed windows, a bounded request log with
// credentials redacted, and reset. The fake's own methods forward to the
// Base (InjectFault, Requests, SetRateLimit…), whose types, Fault and
// Request, are public in package deskbridgetest.
//
// The package also holds the webhook Deliverer the fakes deliver with,
// the redaction of credentials in what they record, and DecodeJSON, which
// reads request bodies with keys matched as the vendors match them.
package fakeserver

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/internal/statuswriter"
)

// Spec declares a fake: its routes and what differs in how its vendor
// limits requests.
type Spec struct {
	// Routes serves the vendor's API.
	Routes http.Handler
	// WriteLimit sets the vendor's rate-limit headers on every response
	// to a limited request and, when st.Limited, writes the vendor's 429
	// answer. Nil writes a bare 429.
	WriteLimit func(w http.ResponseWriter, st LimitState)
	// Budget names the budget a request counts against, for a vendor whose
	// budgets are per endpoint group; nil means one budget.
	Budget func(r *http.Request) string
	// Unlimited exempts requests from the limit (a token endpoint).
	Unlimited func(r *http.Request) bool
	// AlignWindows starts every window at a multiple of its length since
	// the Unix epoch, for a vendor that reports its reset as an epoch time
	// (Braze): a one-minute window runs from one whole minute to the next.
	// Otherwise a window starts with the first request after the last one
	// ended.
	AlignWindows bool
	// RedactBody replaces the credentials in a request body before it is
	// logged; nil means RedactBody by content type.
	RedactBody func(r *http.Request, body []byte) []byte
	// Limit and Window set a rate limit from the start (SetRateLimit).
	Limit  int
	Window time.Duration
	// Now is the fake's clock; nil means time.Now.
	Now func() time.Time
}

// Base is what every fake embeds in its state: the HTTP server, the fault
// queue, the rate limiter and the request log. Safe for concurrent use.
type Base struct {
	// URL is the server's base URL, e.g. "http://127.0.0.1:41234".
	URL string

	spec   Spec
	srv    *httptest.Server
	now    func() time.Time
	log    *Log
	faults faults

	limMu   sync.Mutex
	limit   int
	window  time.Duration
	budgets map[string]*windowUse
}

// Start serves spec's routes behind the base and returns it. Close it
// when done.
func Start(spec Spec) *Base {
	b := &Base{spec: spec, now: spec.Now, log: &Log{}}
	if b.now == nil {
		b.now = time.Now
	}
	b.SetRateLimit(spec.Limit, spec.Window)
	b.srv = httptest.NewServer(b.handler(spec.Routes))
	b.URL = b.srv.URL
	return b
}

// Close shuts the server down, waiting for the requests in flight.
func (b *Base) Close() { b.srv.Close() }

// Client returns an HTTP client suitable for talking to the server.
func (b *Base) Client() *http.Client { return b.srv.Client() }

// InjectFault queues f; faults apply in the order they were injected.
func (b *Base) InjectFault(f deskbridgetest.Fault) { b.faults.inject(f) }

// ClearFaults removes every pending fault.
func (b *Base) ClearFaults() { b.faults.clear() }

// Requests returns the request log, oldest first, credentials redacted.
func (b *Base) Requests() []deskbridgetest.Request { return b.log.Entries() }

// RequestCount returns how many logged requests had the method ("" for
// any) and a path starting with prefix.
func (b *Base) RequestCount(method, prefix string) int { return b.log.Count(method, prefix) }

// ResetRequests empties the request log.
func (b *Base) ResetRequests() { b.log.Reset() }

// Log returns the request log.
func (b *Base) Log() *Log { return b.log }

// SetRateLimit limits each budget to n requests per window (fixed
// windows), or removes the limit when n or window is not positive. A new
// limit starts new windows.
func (b *Base) SetRateLimit(n int, window time.Duration) {
	b.limMu.Lock()
	defer b.limMu.Unlock()
	if n <= 0 || window <= 0 {
		n, window = 0, 0
	}
	b.limit, b.window, b.budgets = n, window, nil
}

// LimitState is what the limiter decided for one request.
type LimitState struct {
	Limit     int
	Remaining int
	// Window is the window's length.
	Window time.Duration
	// ResetAt is when the window the request fell in ends; ResetIn is the
	// time left until then.
	ResetAt time.Time
	ResetIn time.Duration
	// Limited means the request is over the limit: the vendor answers 429.
	Limited bool
}

// windowUse is one budget's use of its current window.
type windowUse struct {
	start time.Time
	used  int
}

// take counts one request against budget key; ok is false when there is
// no limit.
func (b *Base) take(key string) (st LimitState, ok bool) {
	b.limMu.Lock()
	defer b.limMu.Unlock()
	if b.limit <= 0 {
		return LimitState{}, false
	}
	now := b.now()
	u := b.budgets[key]
	if u == nil {
		if b.budgets == nil {
			b.budgets = map[string]*windowUse{}
		}
		u = &windowUse{}
		b.budgets[key] = u
	}
	switch {
	case b.spec.AlignWindows:
		if start := alignedStart(now, b.window); !u.start.Equal(start) {
			u.start, u.used = start, 0
		}
	case u.start.IsZero() || now.Sub(u.start) >= b.window:
		u.start, u.used = now, 0
	}
	st = LimitState{Limit: b.limit, Window: b.window, ResetAt: u.start.Add(b.window)}
	st.ResetIn = st.ResetAt.Sub(now)
	if u.used >= b.limit {
		st.Limited = true
		return st, true
	}
	u.used++
	st.Remaining = b.limit - u.used
	return st, true
}

// alignedStart is the start of the window of length w that holds t, with
// windows counted from the Unix epoch. (time.Truncate counts from year 1,
// which puts a 7 s window's boundaries elsewhere.)
func alignedStart(t time.Time, w time.Duration) time.Time {
	ns := t.UnixNano()
	off := ns % int64(w)
	if off < 0 {
		off += int64(w)
	}
	return time.Unix(0, ns-off).In(t.Location())
}

// handler wraps the vendor's routes with the log, the faults and the
// limiter.
func (b *Base) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &statuswriter.Writer{ResponseWriter: w}
		entry := deskbridgetest.Request{
			Time: b.now(), Method: r.Method, Path: r.URL.Path, RawQuery: RedactQuery(r.URL.RawQuery),
			Header: redactHeaders(r.Header, nil), BodySize: len(body),
		}
		// Redact, then cut: a cut body may no longer parse, and so could
		// not be redacted.
		logged := body
		if b.spec.RedactBody != nil {
			logged = b.spec.RedactBody(r, body)
		} else {
			logged = RedactBody(r.Header.Get("Content-Type"), body)
		}
		entry.Body = bytes.Clone(logged[:min(len(logged), MaxLoggedBody)])
		done := false
		logEntry := func() {
			if !done {
				done = true
				entry.Status = rec.Status
				b.log.add(entry)
			}
		}
		defer logEntry()
		if f, ok := b.faults.take(r); ok {
			entry.Fault = faultName(f)
			if b.serveFault(f, rec, r, next, logEntry) {
				return
			}
		}
		if b.spec.Unlimited == nil || !b.spec.Unlimited(r) {
			key := ""
			if b.spec.Budget != nil {
				key = b.spec.Budget(r)
			}
			if st, ok := b.take(key); ok {
				if b.spec.WriteLimit != nil {
					b.spec.WriteLimit(rec, st)
				}
				if st.Limited {
					if rec.Status == 0 {
						rec.WriteHeader(http.StatusTooManyRequests)
					}
					return
				}
			}
		}
		next.ServeHTTP(rec, r)
	})
}

// serveFault applies fault f to r and reports whether it answered. A
// dropped connection is logged (logEntry) before it is closed, so that a
// client which sees the drop finds the request in the log.
func (b *Base) serveFault(f deskbridgetest.Fault, w *statuswriter.Writer, r *http.Request, next http.Handler, logEntry func()) bool {
	if f.Processed {
		next.ServeHTTP(&discardWriter{header: http.Header{}}, r)
	}
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if f.Drop {
		logEntry()
		if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		return true
	}
	if f.Status == 0 {
		return false
	}
	for k, v := range f.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(f.Status)
	_, _ = io.WriteString(w, f.Body)
	return true
}

// faults is the queue of injected faults.
type faults struct {
	mu     sync.Mutex
	queued []*deskbridgetest.Fault
}

func (fs *faults) inject(f deskbridgetest.Fault) {
	f.Header = f.Header.Clone() // the caller may reuse its map
	if f.Times <= 0 {
		f.Times = 1
	}
	if f.Processed && f.Status == 0 && !f.Drop {
		f.Status = http.StatusInternalServerError
	}
	fs.mu.Lock()
	fs.queued = append(fs.queued, &f)
	fs.mu.Unlock()
}

func (fs *faults) clear() {
	fs.mu.Lock()
	fs.queued = nil
	fs.mu.Unlock()
}

// take returns the first fault matching r and uses one of its times.
func (fs *faults) take(r *http.Request) (deskbridgetest.Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.queued {
		if (f.Method == "" || strings.EqualFold(f.Method, r.Method)) && strings.HasPrefix(r.URL.Path, f.Path) {
			f.Times--
			if f.Times == 0 {
				fs.queued = append(fs.queued[:i], fs.queued[i+1:]...)
			}
			return *f, true
		}
	}
	return deskbridgetest.Fault{}, false
}

// faultName names a fault in the request log.
func faultName(f deskbridgetest.Fault) string {
	prefix := ""
	if f.Processed {
		prefix = "processed, then "
	}
	switch {
	case f.Drop:
		return prefix + "drop"
	case f.Status != 0:
		return prefix + http.StatusText(f.Status)
	}
	return "latency"
}

// discardWriter swallows the answer of a request processed under a fault.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
