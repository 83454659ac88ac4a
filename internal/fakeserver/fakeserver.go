// Package fakeserver holds what every deskbridge vendor fake (zendesktest,
// babelforcetest, brazetest) needs besides the vendor's own wire format: a
// request log, fault injection, a fixed-window rate limiter, and a webhook
// deliverer with a vendor retry policy.
//
// A fake wraps its vendor handler with Stack.Handler: the log records the
// final status of every request, faults answer (or delay, or drop) the next
// matching requests, and the limiter counts requests and lets the vendor
// write its own rate-limit headers and 429 body.
package fakeserver

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Entry is one request a fake received.
type Entry struct {
	Time     time.Time
	Method   string
	Path     string
	RawQuery string
	// Header is the request's headers with Authorization and other
	// credentials replaced by "[redacted]".
	Header http.Header
	// Body is the request body, up to 64 KiB, with credentials replaced
	// by "[redacted]" (RedactBody, or the fake's Stack.RedactBody).
	Body   []byte
	Status int
	// Fault names the injected fault that answered, if any.
	Fault string
}

// DefaultLogSize is how many requests a Log keeps when Max is zero.
const DefaultLogSize = 100_000

// Log records the requests a fake received, the newest Max of them (so a
// long demo or load run does not grow without bound). Safe for concurrent
// use.
type Log struct {
	// Max bounds the entries kept; 0 means DefaultLogSize.
	Max int

	mu      sync.Mutex
	entries []Entry
	dropped int
}

// Entries returns a copy of the log.
func (l *Log) Entries() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Entry(nil), l.entries...)
}

// Count returns how many logged requests had the method ("" for any) and a
// path starting with prefix.
func (l *Log) Count(method, prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.entries {
		if (method == "" || e.Method == method) && strings.HasPrefix(e.Path, prefix) {
			n++
		}
	}
	return n
}

// CountStatus returns how many logged requests were answered with status.
func (l *Log) CountStatus(status int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.entries {
		if e.Status == status {
			n++
		}
	}
	return n
}

// Reset empties the log.
func (l *Log) Reset() {
	l.mu.Lock()
	l.entries, l.dropped = nil, 0
	l.mu.Unlock()
}

// Dropped returns how many of the oldest entries were dropped to keep the
// log within Max.
func (l *Log) Dropped() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}

func (l *Log) add(e Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.Max
	if limit <= 0 {
		limit = DefaultLogSize
	}
	if len(l.entries) >= limit {
		// Drop the oldest half at once, so that adding stays cheap.
		n := len(l.entries) - limit/2
		l.entries = append(l.entries[:0], l.entries[n:]...)
		l.dropped += n
	}
	l.entries = append(l.entries, e)
}

// Fault is an injected failure for the next Times requests that match
// Method ("" for any) and Path (a prefix; "" for any).
type Fault struct {
	Method string
	Path   string
	// Status answers with this status (and Header, Body). Zero lets the
	// request through to the vendor handler after Latency.
	Status int
	Header http.Header
	Body   string
	// Latency delays the answer; the wait ends early if the client goes.
	Latency time.Duration
	// Drop closes the connection without answering.
	Drop bool
	// Processed lets the request through to the vendor handler, so that its
	// effects happen (a message is sent, a ticket created), then discards
	// the handler's answer and answers with Status, Header and Body instead
	// (or drops the connection when Drop is set): the case where a client
	// cannot know whether its request was carried out. Without Status or
	// Drop it answers 500.
	Processed bool
	// Times is how many matching requests the fault applies to; 0 means 1.
	Times int
}

func (f *Fault) matches(r *http.Request) bool {
	return (f.Method == "" || strings.EqualFold(f.Method, r.Method)) && strings.HasPrefix(r.URL.Path, f.Path)
}

func (f *Fault) name() string {
	if f.Processed {
		f := *f
		f.Processed = false
		return "processed, then " + f.name()
	}
	switch {
	case f.Drop:
		return "drop"
	case f.Status != 0:
		return http.StatusText(f.Status)
	default:
		return "latency"
	}
}

// Faults is a queue of injected faults. Safe for concurrent use.
type Faults struct {
	mu     sync.Mutex
	faults []*Fault
}

// Inject adds a fault; faults apply in the order they were added.
func (fs *Faults) Inject(f Fault) {
	f.Header = f.Header.Clone() // the caller may reuse its map
	if f.Times <= 0 {
		f.Times = 1
	}
	if f.Processed && f.Status == 0 && !f.Drop {
		f.Status = http.StatusInternalServerError
	}
	fs.mu.Lock()
	fs.faults = append(fs.faults, &f)
	fs.mu.Unlock()
}

// Clear removes every pending fault.
func (fs *Faults) Clear() {
	fs.mu.Lock()
	fs.faults = nil
	fs.mu.Unlock()
}

// take returns the first fault matching r and uses one of its times.
func (fs *Faults) take(r *http.Request) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.faults {
		if f.matches(r) {
			f.Times--
			if f.Times == 0 {
				fs.faults = append(fs.faults[:i], fs.faults[i+1:]...)
			}
			return *f, true
		}
	}
	return Fault{}, false
}

// LimitState is what the limiter decided for one request.
type LimitState struct {
	Limit     int
	Remaining int
	// Window is the limiter's window length.
	Window time.Duration
	// ResetAt is when the current window ends; ResetIn is the time left.
	ResetAt time.Time
	ResetIn time.Duration
	// Limited means the request is over the limit: the vendor must answer 429.
	Limited bool
}

// Limiter allows Limit requests per fixed Window. Safe for concurrent use.
type Limiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	start time.Time
	used  int
}

// NewLimiter returns a limiter of limit requests per window; now nil means
// time.Now.
func NewLimiter(limit int, window time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{limit: limit, window: window, now: now}
}

// Take counts one request.
func (l *Limiter) Take() LimitState {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.start.IsZero() || now.Sub(l.start) >= l.window {
		l.start, l.used = now, 0
	}
	st := LimitState{Limit: l.limit, Window: l.window, ResetAt: l.start.Add(l.window)}
	st.ResetIn = st.ResetAt.Sub(now)
	if l.used >= l.limit {
		st.Limited = true
		return st
	}
	l.used++
	st.Remaining = l.limit - l.used
	return st
}

// Stack wraps a vendor handler with the log, the faults and the limiter.
type Stack struct {
	Log    *Log
	Faults *Faults
	// Limiter returns the limiter in force, nil for none; it is read per
	// request so a test can set a limit on a running fake.
	Limiter func() *Limiter
	// WriteLimit sets the vendor's rate-limit headers on every limited
	// response and, when st.Limited, writes the vendor's 429 answer.
	WriteLimit func(w http.ResponseWriter, st LimitState)
	// Skip exempts requests from the limiter (e.g. token endpoints).
	Skip func(r *http.Request) bool
	// RedactBody replaces the credentials in a request body before it is
	// logged; nil means RedactBody by content type. A fake whose API takes
	// secrets under arbitrary names redacts them here.
	RedactBody func(r *http.Request, body []byte) []byte
	Now        func() time.Time
}

// Handler returns next wrapped by the stack.
func (s *Stack) Handler(next http.Handler) http.Handler {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10+1))
		rest, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(append(body, rest...)))
		if len(body) > 64<<10 {
			body = body[:64<<10]
		}
		rec := &statusRecorder{ResponseWriter: w}
		logged := RedactBody(r.Header.Get("Content-Type"), body)
		if s.RedactBody != nil {
			logged = s.RedactBody(r, body)
		}
		entry := Entry{Time: now(), Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: redactHeaders(r.Header, nil), Body: logged}
		defer func() {
			entry.Status = rec.status
			if s.Log != nil {
				s.Log.add(entry)
			}
		}()
		if s.Faults != nil {
			if f, ok := s.Faults.take(r); ok {
				entry.Fault = f.name()
				if f.Processed {
					next.ServeHTTP(&discardWriter{header: http.Header{}}, r)
				}
				if f.Latency > 0 {
					t := time.NewTimer(f.Latency)
					select {
					case <-t.C:
					case <-r.Context().Done():
						t.Stop()
						return
					}
				}
				if f.Drop {
					if hj, ok := w.(http.Hijacker); ok {
						if conn, _, err := hj.Hijack(); err == nil {
							conn.Close()
						}
					}
					return
				}
				if f.Status != 0 {
					for k, v := range f.Header {
						rec.Header()[k] = v
					}
					rec.WriteHeader(f.Status)
					io.WriteString(rec, f.Body)
					return
				}
			}
		}
		if s.Limiter != nil && (s.Skip == nil || !s.Skip(r)) {
			if l := s.Limiter(); l != nil {
				st := l.Take()
				if s.WriteLimit != nil {
					s.WriteLimit(rec, st)
				}
				if st.Limited {
					if rec.status == 0 {
						rec.WriteHeader(http.StatusTooManyRequests)
					}
					return
				}
			}
		}
		next.ServeHTTP(rec, r)
	})
}

// discardWriter swallows the answer of a request processed under a fault.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
