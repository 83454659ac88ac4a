package flow

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/webhook"
)

// MaxRetryAfter caps the Retry-After that a flow asks for with
// [AskRetryAfter]. It is [webhook.MaxBusyRetryAfter], the cap of the
// handler's own busy answers: under the minute past which Zendesk is
// reported not to retry a 503 at all (UNCONFIRMED, named and tested in
// package webhook), so that an answer that asks the sender to wait never
// makes it give up.
const MaxRetryAfter = webhook.MaxBusyRetryAfter

// RetryAfterHandler returns h, a webhook handler (package webhook's), such
// that the function it calls may ask, with [AskRetryAfter] on the
// request's context, for the Retry-After of the 503 its error causes.
//
// A flow answers a delivery 503 "busy" when another delivery of the same
// event holds it under a lease: a replica sending the change it caused,
// or one that died while sending it. A fixed Retry-After (5 s) lets the
// sender spend its few retries inside the lease, and the event is lost
// once a dead replica's lease ends; asking for what is left of the lease
// plus a second brings the sender's next retry just after it. Without an
// ask, h's own Retry-After stands; of several asks in one delivery the
// longest wins. Any other answer is left as h writes it.
func RetryAfterHandler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ask := &retryAsk{}
		h.ServeHTTP(&retryAfterWriter{ResponseWriter: w, ask: ask}, r.WithContext(context.WithValue(r.Context(), retryAskKey{}, ask)))
	})
}

// AskRetryAfter asks for d as the Retry-After of the 503 that answers the
// delivery ctx belongs to (ctx is, or derives from, the context of a
// request served by a [RetryAfterHandler]); d is rounded up to a whole
// second and capped at [MaxRetryAfter]. It reports whether ctx came
// through a RetryAfterHandler; without one, the ask is dropped.
func AskRetryAfter(ctx context.Context, d time.Duration) bool {
	ask, ok := ctx.Value(retryAskKey{}).(*retryAsk)
	if !ok {
		return false
	}
	d = min(max(d, time.Second), MaxRetryAfter)
	ask.mu.Lock()
	defer ask.mu.Unlock()
	ask.d = max(ask.d, d)
	return true
}

type retryAskKey struct{}

// retryAsk is the longest Retry-After asked for during one delivery.
type retryAsk struct {
	mu sync.Mutex
	d  time.Duration
}

func (a *retryAsk) get() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.d
}

// retryAfterWriter sets the Retry-After asked for on a 503.
type retryAfterWriter struct {
	http.ResponseWriter
	ask *retryAsk
}

func (w *retryAfterWriter) WriteHeader(code int) {
	if d := w.ask.get(); code == http.StatusServiceUnavailable && d > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *retryAfterWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
