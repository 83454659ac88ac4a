package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults of the handler options.
const (
	// DefaultMaxBodyBytes caps request bodies (1 MiB), far above the size of
	// the events Zendesk and Sunshine Conversations send.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultRetryAfter is the Retry-After sent with a 503 when the handler
	// function failed. It is kept well under the minute past which Zendesk
	// is reported not to retry (see unconfirmed.go).
	DefaultRetryAfter = 5 * time.Second
	// DefaultBusyRetryAfter is the Retry-After sent with a 503 when the same
	// event is being handled by another delivery whose claim has no lease
	// or an unknown one ([Claim.Lease] 0, as with a [MemoryDeduper]).
	DefaultBusyRetryAfter = 2 * time.Second
	// MaxBusyRetryAfter caps the Retry-After sent with a 503 when the same
	// event is being handled under a claim with a lease: that answer's
	// Retry-After is what is left of the lease plus a second, so that the
	// sender's retry comes once a replica that died mid-event has let the
	// key go, but never more than this. It is under the minute past which
	// Zendesk is reported not to retry (see unconfirmed.go).
	MaxBusyRetryAfter = 59 * time.Second
)

// Item is one unit of work decoded from a delivery: a Zendesk event, one of
// the events of a Sunshine call, a custom JSON body.
type Item[T any] struct {
	// Key de-duplicates the item: an event id. Take it from the body,
	// never from a request header: when the sender signs its deliveries,
	// only the body is signed, and a replay can carry any header.
	//
	// An empty Key is made from the delivery. When the verifier is a
	// [ZendeskVerifier], it is the delivery's signature, which covers its
	// timestamp and body, so that a replayed delivery is a duplicate
	// whatever its headers; the key header ([HeaderZendeskInvocationID]
	// by default, see [WithKeyHeader]) is a second key, checked too, that
	// makes a retry of a handled invocation a duplicate although it is
	// signed again. With other verifiers, an empty Key falls back to the
	// key header when the delivery holds one item, and otherwise disables
	// de-duplication for the item.
	Key string
	// Type is the event type the handler filters on ([WithAcceptedTypes]).
	Type string
	// Value is what the handler function receives.
	Value T
}

// Decoder turns a verified request body into the items to handle. An error
// makes the [Handler] answer 400; wrap [ErrMalformed] in it.
type Decoder[T any] func(r *http.Request, body []byte) ([]Item[T], error)

// Handler serves one webhook endpoint: it reads the body (capped), verifies
// the request, decodes it into items, de-duplicates each item by key and
// calls the handler function for each accepted, new item. Its answers tell
// the sender whether to retry; nothing is acknowledged that was not handled.
// See the package documentation for the status codes.
//
// [NewZendeskHandler] and [NewSunshineHandler] build handlers for those
// payloads; [NewHandler] with [DecodeJSON] serves bodies of your own shape,
// such as a Zendesk trigger webhook or a Braze webhook campaign.
//
// A Handler is safe for concurrent use.
type Handler[T any] struct {
	verifier Verifier
	decode   Decoder[T]
	handle   func(context.Context, T) error
	cfg      config
}

// Option configures a [Handler].
type Option func(*config)

type config struct {
	methods        []string
	maxBody        int64
	retryAfter     time.Duration
	busyRetryAfter time.Duration
	dedupe         Deduper
	logger         *slog.Logger
	accept         func(string) bool
	keyHeader      string
}

// WithAllowedMethods sets the HTTP methods the handler accepts (default
// POST only; no method restores it); other methods get 405 with an Allow
// header. Zendesk webhooks connected to triggers can be configured with
// PUT, PATCH, GET or DELETE as well
// (https://developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks/).
func WithAllowedMethods(methods ...string) Option {
	methods = slices.Clone(methods)
	if len(methods) == 0 {
		methods = []string{http.MethodPost}
	}
	return func(c *config) { c.methods = methods }
}

// WithMaxBodyBytes caps the request body (default [DefaultMaxBodyBytes]); a
// larger body gets 413. n <= 0 restores the default.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) {
		if n <= 0 {
			n = DefaultMaxBodyBytes
		}
		c.maxBody = n
	}
}

// WithRetryAfter sets the Retry-After of the 503 sent when the handler
// function fails (default [DefaultRetryAfter]), rounded up to whole
// seconds. Keep it under a minute for Zendesk, which is reported not to
// retry otherwise (see unconfirmed.go). d <= 0 restores the default.
func WithRetryAfter(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			d = DefaultRetryAfter
		}
		c.retryAfter = d
	}
}

// WithBusyRetryAfter sets the Retry-After of the 503 sent when the same key
// is being handled by a concurrent delivery whose claim has no lease, or
// one the [Deduper] does not know (default [DefaultBusyRetryAfter]). When
// it knows the lease ([Claim.Lease], as a [StoreDeduper] does), the
// Retry-After is what is left of it plus a second, at most
// [MaxBusyRetryAfter]. d <= 0 restores the default.
func WithBusyRetryAfter(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			d = DefaultBusyRetryAfter
		}
		c.busyRetryAfter = d
	}
}

// WithDeduper sets the store that remembers handled keys. By default every
// handler has its own [MemoryDeduper] with the default bounds. nil turns
// de-duplication off: every delivery is handled, duplicates included.
func WithDeduper(d Deduper) Option {
	return func(c *config) { c.dedupe = d }
}

// WithLogger makes the handler log one record per delivery: message
// "webhook delivery" with outcome, status, type, id (the de-duplication key),
// events (when a delivery holds other than one) and error. Records of 2xx
// answers are Info, 4xx Warn, 5xx Error. Bodies, headers and secrets are
// never logged; the error is the verifier's, the decoder's or the handler
// function's. A panic of the function adds an Error record "webhook
// handler panicked" with id, panic (the value) and stack. nil (the
// default) discards.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithAcceptedTypes sets the event types passed to the handler function;
// others are acknowledged (200, outcome "ignored") without calling it. A
// pattern ending in "*" matches by prefix ("zen:event-type:ticket.*"; "*"
// matches every type, also the empty type of [DecodeJSON] items). No pattern
// accepts every type. The default of [NewZendeskHandler] is
// [IsTypedZendeskEvent]; the other handlers accept every type.
func WithAcceptedTypes(patterns ...string) Option {
	patterns = slices.Clone(patterns)
	return func(c *config) {
		if len(patterns) == 0 {
			c.accept = nil
			return
		}
		c.accept = func(t string) bool {
			for _, p := range patterns {
				if prefix, ok := strings.CutSuffix(p, "*"); ok {
					if strings.HasPrefix(t, prefix) {
						return true
					}
				} else if t == p {
					return true
				}
			}
			return false
		}
	}
}

// WithKeyHeader names the request header that supplies the de-duplication
// key of a delivery whose single item has no key (default
// [HeaderZendeskInvocationID], which names an invocation, the same across
// its attempts). "" turns the fallback off. For a delivery verified by a
// [ZendeskVerifier] the header is only a second key beside the signature
// (see [Item]): the header is not signed, so it can make a delivery a
// duplicate but never makes a replay new.
func WithKeyHeader(name string) Option {
	return func(c *config) { c.keyHeader = name }
}

// NewHandler returns a [Handler] that verifies requests with v, decodes them
// with decode and calls handle for every accepted item not handled before.
// handle runs with the request's context; returning nil marks the item
// handled, returning [Permanent](err) answers 422, and any other error 503
// with Retry-After so that the sender retries.
//
// When v is a [ZendeskVerifier] value, the handler keeps a copy that derives
// the HMAC key state of its secrets once, here, rather than on every
// request (see [NewZendeskVerifier]).
func NewHandler[T any](v Verifier, decode Decoder[T], handle func(context.Context, T) error, opts ...Option) *Handler[T] {
	if zv, ok := v.(ZendeskVerifier); ok {
		v = zv.prepared()
	}
	h := &Handler[T]{
		verifier: v,
		decode:   decode,
		handle:   handle,
		cfg: config{
			methods:        []string{http.MethodPost},
			maxBody:        DefaultMaxBodyBytes,
			retryAfter:     DefaultRetryAfter,
			busyRetryAfter: DefaultBusyRetryAfter,
			dedupe:         &MemoryDeduper{},
			keyHeader:      HeaderZendeskInvocationID,
		},
	}
	for _, o := range opts {
		if o != nil {
			o(&h.cfg)
		}
	}
	if h.cfg.logger == nil {
		h.cfg.logger = slog.New(slog.DiscardHandler)
	}
	return h
}

// NewZendeskHandler returns a [Handler] for Zendesk event-subscription
// webhooks: requests are verified with v, parsed with [ParseZendeskEvent]
// and de-duplicated by event id, and fn is called for events of the
// accepted types, by default those with a typed Payload
// ([IsTypedZendeskEvent]); use [WithAcceptedTypes] to change that. The
// handler is an [http.Handler]. Like [NewHandler], it derives the HMAC key
// state of v's secrets once.
func NewZendeskHandler(v ZendeskVerifier, fn func(context.Context, *ZendeskEvent) error, opts ...Option) *Handler[*ZendeskEvent] {
	opts = append([]Option{func(c *config) { c.accept = IsTypedZendeskEvent }}, opts...)
	return NewHandler(v, decodeZendesk, fn, opts...)
}

func decodeZendesk(_ *http.Request, body []byte) ([]Item[*ZendeskEvent], error) {
	ev, err := ParseZendeskEvent(body)
	if err != nil {
		return nil, err
	}
	return []Item[*ZendeskEvent]{{Key: ev.ID, Type: ev.Type, Value: ev}}, nil
}

// NewSunshineHandler returns a [Handler] for Sunshine Conversations webhooks:
// requests are verified with v and parsed with [ParseSunshineEvents], and
// fn is called for each event in order, each de-duplicated by its id. When fn
// fails for an event, the events after it are left for the retry (which
// skips the events already handled), so that a conversation's messages are
// not handled out of order. Every event type is accepted unless
// [WithAcceptedTypes] says otherwise.
func NewSunshineHandler(v SunshineVerifier, fn func(context.Context, *SunshineEvent) error, opts ...Option) *Handler[*SunshineEvent] {
	return NewHandler(v, decodeSunshine, fn, opts...)
}

func decodeSunshine(_ *http.Request, body []byte) ([]Item[*SunshineEvent], error) {
	env, err := ParseSunshineEvents(body)
	if err != nil {
		return nil, err
	}
	items := make([]Item[*SunshineEvent], len(env.Events))
	for i := range env.Events {
		ev := &env.Events[i]
		items[i] = Item[*SunshineEvent]{Key: ev.ID, Type: ev.Type, Value: ev}
	}
	return items, nil
}

// DecodeJSON returns a [Decoder] for bodies holding one JSON value of type T,
// such as the body written in a Zendesk trigger's webhook action or a Braze
// webhook campaign. key, when not nil, returns the value's de-duplication
// key; without one the handler falls back to its key header
// ([WithKeyHeader]). Unknown fields are ignored.
func DecodeJSON[T any](key func(T) string) Decoder[T] {
	return func(_ *http.Request, body []byte) ([]Item[T], error) {
		var v T
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, malformed("JSON body", err)
		}
		it := Item[T]{Value: v}
		if key != nil {
			it.Key = key(v)
		}
		return []Item[T]{it}, nil
	}
}

// Outcomes, as logged and written in response bodies.
const (
	outcomeHandled          = "handled"
	outcomeDuplicate        = "duplicate"
	outcomeIgnored          = "ignored"
	outcomeBusy             = "busy"
	outcomeFailed           = "failed"
	outcomeRejected         = "rejected"
	outcomePanic            = "panic"
	outcomeUnauthorized     = "unauthorized"
	outcomeForbidden        = "forbidden"
	outcomeMalformed        = "malformed"
	outcomeTooLarge         = "too_large"
	outcomeMethodNotAllowed = "method_not_allowed"
	outcomeMisconfigured    = "misconfigured"
)

// result is the answer to one delivery.
type result struct {
	status     int
	outcome    string
	retryAfter time.Duration
	typ, key   string // of the single item, or of the item that decided
	items      int
	err        error
	abort      bool // re-panic with http.ErrAbortHandler instead of answering
}

// ServeHTTP implements [http.Handler].
func (h *Handler[T]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	res := h.serve(w, r)
	if res.abort {
		// The function asked net/http to abort the response; the claim is
		// released already.
		h.log(r.Context(), res)
		panic(http.ErrAbortHandler)
	}

	hdr := w.Header()
	if res.status == http.StatusMethodNotAllowed {
		hdr.Set("Allow", strings.Join(h.cfg.methods, ", "))
	}
	if res.retryAfter > 0 {
		hdr.Set("Retry-After", strconv.FormatInt(int64((res.retryAfter+time.Second-1)/time.Second), 10))
	}
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(res.status)
	_, _ = io.WriteString(w, res.outcome+"\n")

	h.log(r.Context(), res)
}

func (h *Handler[T]) log(ctx context.Context, res result) {
	level := slog.LevelInfo
	switch {
	case res.status >= 500:
		level = slog.LevelError
	case res.status >= 400:
		level = slog.LevelWarn
	}
	if !h.cfg.logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 6)
	attrs = append(attrs,
		slog.String("outcome", res.outcome),
		slog.Int("status", res.status),
		slog.String("type", res.typ),
		slog.String("id", res.key),
	)
	if res.items != 1 {
		attrs = append(attrs, slog.Int("events", res.items))
	}
	if res.err != nil {
		attrs = append(attrs, slog.String("error", res.err.Error()))
	}
	h.cfg.logger.LogAttrs(ctx, level, "webhook delivery", attrs...)
}

func (h *Handler[T]) serve(w http.ResponseWriter, r *http.Request) result {
	if !slices.Contains(h.cfg.methods, r.Method) {
		return result{status: http.StatusMethodNotAllowed, outcome: outcomeMethodNotAllowed}
	}
	body, err := readBody(w, r, h.cfg.maxBody)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return result{status: http.StatusRequestEntityTooLarge, outcome: outcomeTooLarge, err: err}
		}
		return result{status: http.StatusBadRequest, outcome: outcomeMalformed, err: fmt.Errorf("reading the body: %w", err)}
	}

	if h.verifier == nil || h.decode == nil || h.handle == nil {
		return result{status: http.StatusInternalServerError, outcome: outcomeMisconfigured,
			err: fmt.Errorf("%w: handler built without verifier, decoder or function", ErrNotConfigured)}
	}
	if err := h.verifier.VerifyRequest(r, body); err != nil {
		switch {
		case errors.Is(err, ErrNotConfigured):
			return result{status: http.StatusInternalServerError, outcome: outcomeMisconfigured, err: err}
		case errors.Is(err, ErrSourceNotAllowed):
			return result{status: http.StatusForbidden, outcome: outcomeForbidden, err: err}
		}
		return result{status: http.StatusUnauthorized, outcome: outcomeUnauthorized, err: err}
	}

	items, err := h.decode(r, body)
	if err != nil {
		return result{status: http.StatusBadRequest, outcome: outcomeMalformed, err: err}
	}
	// An item without a key of its own is keyed on the delivery: on what
	// the sender signed when it signs (a replay with another unsigned
	// header is then a duplicate), with the key header as a second key,
	// or else on the key header alone.
	var signedKey, fallbackKey string
	if sk, ok := h.verifier.(deliveryKeyer); ok {
		signedKey, fallbackKey = sk.deliveryKeys(r.Header, h.cfg.keyHeader)
	} else if len(items) == 1 && h.cfg.keyHeader != "" {
		fallbackKey = r.Header.Get(h.cfg.keyHeader)
	}
	if len(items) != 1 {
		fallbackKey = "" // it names the delivery, not one of its items
	}
	keysOf := func(i int) (key, also string) {
		switch {
		case items[i].Key != "":
			return items[i].Key, ""
		case signedKey == "":
			return fallbackKey, ""
		case len(items) == 1:
			return signedKey, fallbackKey
		}
		return signedKey + "#" + strconv.Itoa(i), ""
	}

	// A failure that the sender should retry stops the delivery, so that
	// later items wait for the retry rather than overtake the failed one.
	res := result{status: http.StatusOK, outcome: outcomeIgnored, items: len(items)}
	if len(items) == 1 {
		res.typ = items[0].Type
		res.key, _ = keysOf(0)
	}
	for i, it := range items {
		if h.cfg.accept != nil && !h.cfg.accept(it.Type) {
			continue
		}
		key, also := keysOf(i)
		out := h.process(r.Context(), key, also, it.Value)
		if out.status >= http.StatusInternalServerError { // failed, busy, panic
			out.typ, out.key, out.items = it.Type, key, len(items)
			return out
		}
		if outcomeRank(out.outcome) > outcomeRank(res.outcome) {
			res.status, res.outcome, res.err = out.status, out.outcome, out.err
			if out.outcome == outcomeRejected {
				res.typ, res.key = it.Type, key
			}
		}
	}
	return res
}

// outcomeRank orders the outcomes that do not stop a delivery; the answer
// to a delivery is its items' highest.
func outcomeRank(outcome string) int {
	switch outcome {
	case outcomeDuplicate:
		return 1
	case outcomeHandled:
		return 2
	case outcomeRejected:
		return 3
	}
	return 0 // ignored
}

// process handles one item under the claim of key and, when also is not
// empty, of also too: the item is a duplicate when either key was handled,
// and both are marked handled with it.
func (h *Handler[T]) process(ctx context.Context, key, also string, v T) result {
	dedupe := h.cfg.dedupe
	if dedupe == nil || key == "" {
		return h.call(ctx, key, v)
	}
	// The bookkeeping must happen even when the sender has hung up.
	bg := context.WithoutCancel(ctx)
	first, out, claimed := h.claim(ctx, key)
	if !claimed {
		return out
	}
	var second Claim
	if also != "" && also != key {
		second, out, claimed = h.claim(ctx, also)
		if !claimed {
			if out.outcome == outcomeDuplicate {
				// Another delivery of what was handled: remember this
				// one's key as well.
				h.settle(ctx, bg, "done", key, first.Token, dedupe.Done)
			} else {
				h.settle(ctx, bg, "release", key, first.Token, dedupe.Release)
			}
			return out
		}
	} else {
		also = ""
	}

	res := h.call(ctx, key, v)
	op, settle := "release", dedupe.Release
	if res.outcome == outcomeHandled || res.outcome == outcomeDuplicate {
		// Handled all the same when Done fails: the worst case is that a
		// retry is handled again.
		op, settle = "done", dedupe.Done
	}
	h.settle(ctx, bg, op, key, first.Token, settle)
	if also != "" {
		h.settle(ctx, bg, op, also, second.Token, settle)
	}
	return res
}

// claim claims key, and reports whether the caller now owns it; if not,
// out is the answer for the item.
func (h *Handler[T]) claim(ctx context.Context, key string) (c Claim, out result, claimed bool) {
	c, err := h.cfg.dedupe.Claim(ctx, key)
	switch {
	case err != nil:
		return c, result{status: http.StatusServiceUnavailable, outcome: outcomeFailed, retryAfter: h.cfg.retryAfter,
			err: fmt.Errorf("de-duplication store: claim: %w", err)}, false
	case c.State == ClaimDone:
		return c, result{status: http.StatusOK, outcome: outcomeDuplicate}, false
	case c.State == ClaimBusy:
		return c, result{status: http.StatusServiceUnavailable, outcome: outcomeBusy, retryAfter: h.busyRetryAfter(c.Lease)}, false
	case c.State != ClaimNew:
		return c, result{status: http.StatusServiceUnavailable, outcome: outcomeFailed, retryAfter: h.cfg.retryAfter,
			err: fmt.Errorf("de-duplication store: claim returned %v", c.State)}, false
	}
	return c, result{}, true
}

// busyRetryAfter is the Retry-After of a busy answer, when the claim that
// holds the key has left of its lease (0: unknown or none): a second past
// the lease's end, so that a retry finds the key free if its holder died,
// capped at MaxBusyRetryAfter.
func (h *Handler[T]) busyRetryAfter(left time.Duration) time.Duration {
	if left <= 0 {
		return h.cfg.busyRetryAfter
	}
	return min(left+time.Second, MaxBusyRetryAfter)
}

// settle ends the claim of key (token) with Done or Release (named op),
// logging a failure: the answer stands either way.
func (h *Handler[T]) settle(ctx, bg context.Context, op, key, token string, fn func(context.Context, string, string) error) {
	if err := fn(bg, key, token); err != nil {
		h.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "webhook de-duplication store failed", slog.String("op", op),
			slog.String("id", key), slog.String("error", err.Error()))
	}
}

// call runs the handler function for the item of key, turning its error or
// panic into a result.
func (h *Handler[T]) call(ctx context.Context, key string, v T) (res result) {
	defer func() {
		if p := recover(); p != nil {
			// Answered as a failure, so that the sender retries: a 500 is
			// not retried by Zendesk (see zendeskRetries), and the event
			// would be lost.
			res = result{status: http.StatusServiceUnavailable, outcome: outcomePanic, retryAfter: h.cfg.retryAfter,
				err: fmt.Errorf("handler panicked: %v", p), abort: p == http.ErrAbortHandler}
			if !res.abort {
				// The stack of the panicking goroutine, for the bug report.
				// It holds the function's frames and argument words, never
				// the request's headers or the verifier's secrets.
				h.cfg.logger.LogAttrs(ctx, slog.LevelError, "webhook handler panicked", slog.String("id", key),
					slog.String("panic", fmt.Sprint(p)), slog.String("stack", string(debug.Stack())))
			}
		}
	}()
	switch err := h.handle(ctx, v); {
	case err == nil:
		return result{status: http.StatusOK, outcome: outcomeHandled}
	case errors.Is(err, ErrDuplicate):
		return result{status: http.StatusOK, outcome: outcomeDuplicate}
	case IsPermanent(err):
		return result{status: http.StatusUnprocessableEntity, outcome: outcomeRejected, err: err}
	default:
		return result{status: http.StatusServiceUnavailable, outcome: outcomeFailed, retryAfter: h.cfg.retryAfter, err: err}
	}
}

// readBody reads the whole body, at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	if r.Body == nil {
		return nil, nil
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}
