package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The handler tests sign with vecSecret at hNow and verify with a clock
// fixed at hNow.
var hNow = time.Date(2025, 3, 12, 14, 0, 0, 0, time.UTC)

func testVerifier() ZendeskVerifier {
	return ZendeskVerifier{Secrets: []string{vecSecret}, Now: fixedClock(hNow)}
}

func agentEventBody(id string) []byte {
	return []byte(`{"account_id":2,"detail":{"account_id":"2","agent_id":"10011","version":"3"},` +
		`"event":{"updated_at":"2025-03-12T13:59:58Z","previous_state":"offline","new_state":"online","channel":"support"},` +
		`"id":"` + id + `","subject":"zen:agent:10011","time":"2025-03-12T13:59:58Z",` +
		`"type":"zen:event-type:agent.state_changed","zendesk_event_version":"2022-11-06"}`)
}

// signedRequest builds a POST signed like Zendesk at the time at.
func signedRequest(body []byte, at time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/zendesk", bytes.NewReader(body))
	sig, ts := SignZendesk(vecSecret, at, body)
	r.Header.Set(HeaderZendeskSignature, sig)
	r.Header.Set(HeaderZendeskSignatureTimestamp, ts)
	r.Header.Set("Content-Type", "application/json")
	return r
}

type answer struct {
	status     int
	body       string
	retryAfter string
	allow      string
}

func serve(h http.Handler, r *http.Request) answer {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return answer{status: w.Code, body: strings.TrimSpace(w.Body.String()),
		retryAfter: w.Header().Get("Retry-After"), allow: w.Header().Get("Allow")}
}

// recorder is a handler function that counts calls and answers from a
// script of results (nil once the script is exhausted).
type recorder struct {
	mu     sync.Mutex
	calls  []*ZendeskEvent
	script []error
}

func (rec *recorder) fn(_ context.Context, ev *ZendeskEvent) error {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.calls = append(rec.calls, ev)
	if len(rec.script) == 0 {
		return nil
	}
	err := rec.script[0]
	rec.script = rec.script[1:]
	return err
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.calls)
}

func TestZendeskHandlerStatusCodes(t *testing.T) {
	t.Parallel()
	valid := agentEventBody("01JP0000000000000000000001")
	for _, tc := range []struct {
		name      string
		opts      []Option
		req       func() *http.Request
		want      answer
		wantCalls int
	}{
		{"success", nil, func() *http.Request { return signedRequest(valid, hNow) }, answer{status: 200, body: "handled"}, 1},
		{"GET", nil, func() *http.Request {
			r := signedRequest(valid, hNow)
			r.Method = http.MethodGet
			return r
		}, answer{status: 405, body: "method_not_allowed", allow: "POST"}, 0},
		{"PUT allowed by option", []Option{WithAllowedMethods(http.MethodPost, http.MethodPut)}, func() *http.Request {
			r := signedRequest(valid, hNow)
			r.Method = http.MethodPut
			return r
		}, answer{status: 200, body: "handled"}, 1},
		{"PATCH not in the allowed methods", []Option{WithAllowedMethods(http.MethodPost, http.MethodPut)}, func() *http.Request {
			r := signedRequest(valid, hNow)
			r.Method = http.MethodPatch
			return r
		}, answer{status: 405, body: "method_not_allowed", allow: "POST, PUT"}, 0},
		{"body over the cap, length known", []Option{WithMaxBodyBytes(int64(len(valid) - 1))}, func() *http.Request {
			return signedRequest(valid, hNow)
		}, answer{status: 413, body: "too_large"}, 0},
		{"body over the cap, chunked", []Option{WithMaxBodyBytes(int64(len(valid) - 1))}, func() *http.Request {
			r := signedRequest(valid, hNow)
			r.ContentLength = -1
			r.Body = io.NopCloser(bytes.NewReader(valid))
			return r
		}, answer{status: 413, body: "too_large"}, 0},
		{"body exactly at the cap", []Option{WithMaxBodyBytes(int64(len(valid)))}, func() *http.Request {
			r := signedRequest(valid, hNow)
			r.ContentLength = -1
			return r
		}, answer{status: 200, body: "handled"}, 1},
		{"missing signature", nil, func() *http.Request {
			r := signedRequest(valid, hNow)
			r.Header.Del(HeaderZendeskSignature)
			return r
		}, answer{status: 401, body: "unauthorized"}, 0},
		{"tampered body", nil, func() *http.Request {
			r := signedRequest(valid, hNow)
			r.Body = io.NopCloser(bytes.NewReader(bytes.Replace(valid, []byte("online"), []byte("away!!"), 1)))
			return r
		}, answer{status: 401, body: "unauthorized"}, 0},
		{"stale", nil, func() *http.Request { return signedRequest(valid, hNow.Add(-6*time.Minute)) }, answer{status: 401, body: "unauthorized"}, 0},
		{"from the future", nil, func() *http.Request { return signedRequest(valid, hNow.Add(6*time.Minute)) }, answer{status: 401, body: "unauthorized"}, 0},
		{"malformed", nil, func() *http.Request { return signedRequest([]byte(`{"type":`), hNow) }, answer{status: 400, body: "malformed"}, 0},
		{"no type", nil, func() *http.Request { return signedRequest([]byte(`{"id":"x"}`), hNow) }, answer{status: 400, body: "malformed"}, 0},
		{"unknown type ignored", nil, func() *http.Request {
			return signedRequest([]byte(`{"id":"u1","type":"zen:event-type:user.created"}`), hNow)
		}, answer{status: 200, body: "ignored"}, 0},
		{"known but untyped type ignored", nil, func() *http.Request {
			return signedRequest([]byte(`{"id":"w1","type":"zen:event-type:agent.work_item_added"}`), hNow)
		}, answer{status: 200, body: "ignored"}, 0},
		{"accepted by option", []Option{WithAcceptedTypes("zen:event-type:user.*")}, func() *http.Request {
			return signedRequest([]byte(`{"id":"u1","type":"zen:event-type:user.created"}`), hNow)
		}, answer{status: 200, body: "handled"}, 1},
		{"filtered out by option", []Option{WithAcceptedTypes(ZendeskTypeAgentUnifiedStateChanged)}, func() *http.Request {
			return signedRequest(valid, hNow)
		}, answer{status: 200, body: "ignored"}, 0},
		{"every type accepted", []Option{WithAcceptedTypes()}, func() *http.Request {
			return signedRequest([]byte(`{"id":"o1","type":"zen:event-type:organization.created"}`), hNow)
		}, answer{status: 200, body: "handled"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			h := NewZendeskHandler(testVerifier(), rec.fn, tc.opts...)
			got := serve(h, tc.req())
			if got != tc.want {
				t.Errorf("answer = %+v, want %+v", got, tc.want)
			}
			if rec.count() != tc.wantCalls {
				t.Errorf("fn called %d times, want %d", rec.count(), tc.wantCalls)
			}
		})
	}
}

func TestZendeskHandlerPassesTheEvent(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := NewZendeskHandler(testVerifier(), rec.fn)
	if got := serve(h, signedRequest(agentEventBody("e1"), hNow)); got.status != 200 {
		t.Fatalf("answer %+v", got)
	}
	ev := rec.calls[0]
	p, ok := ev.Payload.(*AgentStateChanged)
	if ev.ID != "e1" || !ok || p.AgentID != 10011 || p.NewState != "online" {
		t.Errorf("fn got %+v / %+v", ev, ev.Payload)
	}
}

func TestZendeskHandlerDuplicate(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	h := NewZendeskHandler(testVerifier(), rec.fn)
	body := agentEventBody("dup-1")
	if got := serve(h, signedRequest(body, hNow)); got.status != 200 || got.body != "handled" {
		t.Fatalf("first delivery: %+v", got)
	}
	// Zendesk's retry: same event, signed again a little later.
	if got := serve(h, signedRequest(body, hNow.Add(time.Second))); got.status != 200 || got.body != "duplicate" {
		t.Fatalf("second delivery: %+v", got)
	}
	if got := serve(h, signedRequest(agentEventBody("dup-2"), hNow)); got.body != "handled" {
		t.Fatalf("another event: %+v", got)
	}
	if rec.count() != 2 {
		t.Errorf("fn called %d times, want 2", rec.count())
	}
}

func TestZendeskHandlerTransientFailureThenRetry(t *testing.T) {
	t.Parallel()
	rec := &recorder{script: []error{errors.New("babelforce: 502 bad gateway")}}
	h := NewZendeskHandler(testVerifier(), rec.fn, WithRetryAfter(1500*time.Millisecond))
	body := agentEventBody("retry-1")

	got := serve(h, signedRequest(body, hNow))
	if got != (answer{status: 503, body: "failed", retryAfter: "2"}) {
		t.Fatalf("failing delivery: %+v (Retry-After is rounded up to whole seconds)", got)
	}
	got = serve(h, signedRequest(body, hNow.Add(2*time.Second)))
	if got != (answer{status: 200, body: "handled"}) {
		t.Fatalf("retry: %+v; the retry must be processed, not taken for a duplicate", got)
	}
	got = serve(h, signedRequest(body, hNow.Add(3*time.Second)))
	if got.body != "duplicate" {
		t.Fatalf("third delivery: %+v", got)
	}
	if rec.count() != 2 {
		t.Errorf("fn called %d times, want 2", rec.count())
	}
}

func TestZendeskHandlerPermanent(t *testing.T) {
	t.Parallel()
	rec := &recorder{script: []error{Permanent(errors.New("no babelforce agent for Zendesk user 10011")), nil}}
	h := NewZendeskHandler(testVerifier(), rec.fn)
	body := agentEventBody("perm-1")
	if got := serve(h, signedRequest(body, hNow)); got != (answer{status: 422, body: "rejected"}) {
		t.Fatalf("answer %+v, want 422 rejected without Retry-After", got)
	}
	// Not marked handled: a redelivery (after the data was fixed, or a
	// sender that retries 422) is processed.
	if got := serve(h, signedRequest(body, hNow)); got.body != "handled" {
		t.Fatalf("redelivery: %+v", got)
	}
}

// A function that finds the event handled by its own records returns
// ErrDuplicate (wrapped or not): answered 200 duplicate, and marked handled
// so that the Deduper answers the next redelivery without calling it.
func TestZendeskHandlerFunctionDuplicate(t *testing.T) {
	t.Parallel()
	rec := &recorder{script: []error{fmt.Errorf("reply 7 was sent: %w", ErrDuplicate)}}
	h := NewZendeskHandler(testVerifier(), rec.fn)
	body := agentEventBody("dup-1")
	if got := serve(h, signedRequest(body, hNow)); got != (answer{status: 200, body: "duplicate"}) {
		t.Fatalf("answer %+v, want 200 duplicate", got)
	}
	if got := serve(h, signedRequest(body, hNow)); got != (answer{status: 200, body: "duplicate"}) || rec.count() != 1 {
		t.Fatalf("redelivery: %+v after %d calls, want 200 duplicate after 1", got, rec.count())
	}
}

func TestPermanent(t *testing.T) {
	t.Parallel()
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	cause := errors.New("gone")
	err := fmt.Errorf("mapping: %w", Permanent(cause))
	if !IsPermanent(err) || !errors.Is(err, cause) || IsPermanent(cause) {
		t.Errorf("IsPermanent/Is broken for %v", err)
	}
	if err.Error() != "mapping: permanent: gone" {
		t.Errorf("Error() = %q", err)
	}
}

func TestZendeskHandlerPanic(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	h := NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error {
		if calls.Add(1) == 1 {
			panic("assignment to entry in nil map") // a bug in the function
		}
		return nil
	})
	// Through a real server: it must keep serving after the panic.
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := agentEventBody("panic-1")
	post := func() answer {
		t.Helper()
		r := signedRequest(body, hNow)
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header = r.Header
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{status: resp.StatusCode, body: strings.TrimSpace(string(b)), retryAfter: resp.Header.Get("Retry-After")}
	}
	// Answered like a failure, 503 with Retry-After, so that the sender
	// retries: Zendesk does not retry a 500, and the event would be lost.
	if got := post(); got.status != 503 || got.body != "panic" || got.retryAfter == "" {
		t.Fatalf("panicking delivery: %+v", got)
	}
	if got := post(); got != (answer{status: 200, body: "handled"}) {
		t.Fatalf("retry after the panic: %+v (the claim must be released)", got)
	}
	if calls.Load() != 2 {
		t.Errorf("fn called %d times, want 2", calls.Load())
	}
}

func TestZendeskHandlerAbortHandlerPanicPropagates(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	h := NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error {
		if calls.Add(1) == 1 {
			panic(http.ErrAbortHandler)
		}
		return nil
	})
	body := agentEventBody("abort-1")
	func() {
		defer func() {
			if p := recover(); p != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler", p)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), signedRequest(body, hNow))
	}()
	if got := serve(h, signedRequest(body, hNow)); got.body != "handled" {
		t.Errorf("retry after the abort: %+v (the claim must be released)", got)
	}
}

// TestZendeskHandlerConcurrentDuplicates delivers one event 20 times at
// once while the handler function is blocked: it must run once, the other
// deliveries must be told to retry shortly, and after it finishes the event
// is a duplicate.
func TestZendeskHandlerConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	const n = 20
	entered := make(chan struct{})
	release := make(chan struct{})
	var calls atomic.Int32
	h := NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error {
		if calls.Add(1) == 1 {
			close(entered)
		}
		<-release
		return nil
	})
	body := agentEventBody("concurrent-1")

	answers := make(chan answer, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers <- serve(h, signedRequest(body, hNow))
		}()
	}
	<-entered
	// All deliveries but the one inside fn come back without waiting for it.
	busy := 0
	for range n - 1 {
		a := <-answers
		if a != (answer{status: 503, body: "busy", retryAfter: "2"}) {
			t.Errorf("concurrent duplicate answered %+v, want 503 busy with Retry-After 2", a)
		}
		busy++
	}
	close(release)
	wg.Wait()
	if a := <-answers; a != (answer{status: 200, body: "handled"}) {
		t.Errorf("the delivery that ran fn answered %+v", a)
	}
	if calls.Load() != 1 {
		t.Errorf("fn called %d times, want 1", calls.Load())
	}
	if got := serve(h, signedRequest(body, hNow)); got.body != "duplicate" {
		t.Errorf("after the first finished: %+v", got)
	}
}

func TestHandlerMisconfigured(t *testing.T) {
	t.Parallel()
	fn := func(context.Context, *ZendeskEvent) error { t.Error("fn called"); return nil }
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{
		{"no secret", NewZendeskHandler(ZendeskVerifier{}, fn)},
		{"empty secret", NewZendeskHandler(ZendeskVerifier{Secrets: []string{""}}, fn)},
		{"nil verifier", NewHandler[*ZendeskEvent](nil, decodeZendesk, fn)},
		{"nil function", NewZendeskHandler(testVerifier(), nil)},
		{"shared secret without scheme", NewHandler(SharedSecretVerifier{Secrets: []string{"x"}}, DecodeJSON[map[string]any](nil),
			func(context.Context, map[string]any) error { t.Error("fn called"); return nil })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := signedRequest(agentEventBody("m"), hNow)
			r.Header.Set("Authorization", "Bearer x")
			if got := serve(tc.h, r); got != (answer{status: 500, body: "misconfigured"}) {
				t.Errorf("answer %+v, want 500 misconfigured", got)
			}
		})
	}
}

func TestHandlerBodyReadError(t *testing.T) {
	t.Parallel()
	h := NewZendeskHandler(testVerifier(), (&recorder{}).fn)
	r := signedRequest(agentEventBody("x"), hNow)
	r.ContentLength = -1
	r.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"ty`), errReader{}))
	if got := serve(h, r); got.status != 400 || got.body != "malformed" {
		t.Errorf("answer %+v, want 400", got)
	}
	r = signedRequest(nil, hNow)
	r.Body = nil
	if got := serve(h, r); got.status != 400 {
		t.Errorf("nil body: %+v, want 400 (an empty body does not parse)", got)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// A trigger webhook: a body of the user's own shape, signed like events,
// de-duplicated by the invocation id header.
func TestHandlerDecodeJSONInvocationKey(t *testing.T) {
	t.Parallel()
	type triggerBody struct {
		TicketID string `json:"ticket_id"`
		Comment  string `json:"comment"`
	}
	var got []triggerBody
	var mu sync.Mutex
	h := NewHandler(testVerifier(), DecodeJSON[triggerBody](nil), func(_ context.Context, b triggerBody) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, b)
		return nil
	})
	body := []byte(`{"ticket_id":"35436","comment":"Hello","extra":true}`)
	deliver := func(at time.Duration, invocation string) answer {
		r := signedRequest(body, hNow.Add(at))
		if invocation != "" {
			r.Header.Set("x-zendesk-webhook-invocation-id", invocation)
		}
		return serve(h, r)
	}
	for i, tc := range []struct {
		at               time.Duration // signed at hNow+at
		invocation, want string
	}{
		{0, "8350205582", "handled"},
		{0, "8350205582", "duplicate"},               // a retry of the same invocation
		{3 * time.Second, "8350205582", "duplicate"}, // the same, signed again
		{time.Second, "8350205583", "handled"},       // the trigger fired again
		{2 * time.Second, "", "handled"},             // no invocation id: keyed on the signature
		{2 * time.Second, "", "duplicate"},
	} {
		if a := deliver(tc.at, tc.invocation); a.status != 200 || a.body != tc.want {
			t.Errorf("delivery %d (%q): %+v, want %s", i, tc.invocation, a, tc.want)
		}
	}
	if len(got) != 3 || got[0] != (triggerBody{TicketID: "35436", Comment: "Hello"}) {
		t.Errorf("fn got %+v", got)
	}
	if a := serve(h, signedRequest([]byte(`{"ticket_id":35436}`), hNow)); a.status != 400 {
		t.Errorf("wrong field type: %+v, want 400", a)
	}
}

// A Braze webhook campaign: a shared secret, a key taken from the body, a
// source allowlist.
func TestHandlerSharedSecretWithKeyFunc(t *testing.T) {
	t.Parallel()
	type brazeBody struct {
		MessageID string `json:"message_id"`
		Phone     string `json:"phone"`
	}
	var calls atomic.Int32
	v := SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{"braze-secret"},
		AllowedSources: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}
	h := NewHandler(v, DecodeJSON(func(b brazeBody) string { return b.MessageID }),
		func(context.Context, brazeBody) error { calls.Add(1); return nil })
	req := func(remote, secret, id string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/braze", strings.NewReader(`{"message_id":"`+id+`","phone":"+33600000000"}`))
		r.RemoteAddr = remote
		r.Header.Set("Authorization", "Bearer "+secret)
		r.Header.Set(HeaderZendeskInvocationID, "ignored-when-the-body-has-a-key")
		return r
	}
	for i, tc := range []struct {
		r    *http.Request
		want answer
	}{
		{req("192.0.2.1:1000", "braze-secret", "m1"), answer{status: 200, body: "handled"}},
		{req("192.0.2.1:1000", "braze-secret", "m1"), answer{status: 200, body: "duplicate"}},
		{req("192.0.2.1:1000", "braze-secret", "m2"), answer{status: 200, body: "handled"}},
		{req("192.0.2.1:1000", "wrong", "m3"), answer{status: 401, body: "unauthorized"}},
		{req("198.51.100.1:1000", "braze-secret", "m4"), answer{status: 403, body: "forbidden"}},
	} {
		if got := serve(h, tc.r); got != tc.want {
			t.Errorf("request %d: %+v, want %+v", i, got, tc.want)
		}
	}
	if calls.Load() != 2 {
		t.Errorf("fn called %d times, want 2", calls.Load())
	}
}

func sunshineRequest(secret string, events ...string) *http.Request {
	body := `{"app":{"id":"app1"},"webhook":{"id":"wh1","version":"v2"},"events":[` + strings.Join(events, ",") + `]}`
	r := httptest.NewRequest(http.MethodPost, "/sunshine", strings.NewReader(body))
	r.Header.Set(HeaderSunshineAPIKey, secret)
	return r
}

func sunshineEvent(id, text string) string {
	return `{"id":"` + id + `","createdAt":"2020-09-30T15:14:29.834Z","type":"conversation:message",` +
		`"payload":{"conversation":{"id":"c1","type":"personal"},"message":{"id":"m-` + id + `","author":{"type":"user"},"content":{"type":"text","text":"` + text + `"}}}}`
}

func TestSunshineHandler(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		handled []string
		failOn  = map[string]int{"e2": 1} // e2 fails once
	)
	h := NewSunshineHandler(SunshineVerifier{Secrets: []string{"sc"}}, func(_ context.Context, ev *SunshineEvent) error {
		mu.Lock()
		defer mu.Unlock()
		if failOn[ev.ID] > 0 {
			failOn[ev.ID]--
			return errors.New("zendesk busy")
		}
		m, err := ev.ConversationMessage()
		if err != nil {
			return Permanent(err)
		}
		if ev.App.ID != "app1" || ev.Webhook.ID != "wh1" {
			return Permanent(fmt.Errorf("envelope not copied: %+v", ev))
		}
		handled = append(handled, ev.ID+":"+m.Message.Content.Text)
		return nil
	})
	steps := []struct {
		r       *http.Request
		want    answer
		handled []string
	}{
		{sunshineRequest("wrong", sunshineEvent("e1", "hi")), answer{status: 401, body: "unauthorized"}, nil},
		{sunshineRequest("sc", sunshineEvent("e1", "hi")), answer{status: 200, body: "handled"}, []string{"e1:hi"}},
		// e1 again: duplicate; e2 fails: 503; e3 waits for the retry.
		{sunshineRequest("sc", sunshineEvent("e1", "hi"), sunshineEvent("e2", "how"), sunshineEvent("e3", "are you")),
			answer{status: 503, body: "failed", retryAfter: "5"}, []string{"e1:hi"}},
		// The retry: e1 skipped, e2 and e3 handled in order.
		{sunshineRequest("sc", sunshineEvent("e1", "hi"), sunshineEvent("e2", "how"), sunshineEvent("e3", "are you")),
			answer{status: 200, body: "handled"}, []string{"e1:hi", "e2:how", "e3:are you"}},
		{sunshineRequest("sc", sunshineEvent("e1", "hi"), sunshineEvent("e3", "are you")),
			answer{status: 200, body: "duplicate"}, []string{"e1:hi", "e2:how", "e3:are you"}},
		{sunshineRequest("sc"), answer{status: 200, body: "ignored"}, []string{"e1:hi", "e2:how", "e3:are you"}},
		// A permanent failure does not stop the others.
		{sunshineRequest("sc", `{"id":"e4","type":"conversation:message","payload":{"message":5}}`, sunshineEvent("e5", "ok")),
			answer{status: 422, body: "rejected"}, []string{"e1:hi", "e2:how", "e3:are you", "e5:ok"}},
		{sunshineRequest("sc", `{"id":"e6","type":"conversation:message"`), answer{status: 400, body: "malformed"}, []string{"e1:hi", "e2:how", "e3:are you", "e5:ok"}},
	}
	for i, s := range steps {
		if got := serve(h, s.r); got != s.want {
			t.Errorf("step %d: %+v, want %+v", i, got, s.want)
		}
		mu.Lock()
		if strings.Join(handled, "|") != strings.Join(s.handled, "|") {
			t.Errorf("step %d: handled %q, want %q", i, handled, s.handled)
		}
		mu.Unlock()
	}
}

func TestSunshineHandlerAcceptedTypes(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	h := NewSunshineHandler(SunshineVerifier{Secrets: []string{"sc"}},
		func(context.Context, *SunshineEvent) error { calls.Add(1); return nil },
		WithAcceptedTypes("conversation:message", "switchboard:*"))
	r := sunshineRequest("sc",
		`{"id":"a","type":"conversation:read"}`,
		`{"id":"b","type":"switchboard:passControl"}`,
		sunshineEvent("c", "x"))
	if got := serve(h, r); got.body != "handled" {
		t.Fatalf("answer %+v", got)
	}
	if calls.Load() != 2 {
		t.Errorf("fn called %d times, want 2", calls.Load())
	}
}

// failingDeduper fails the operation named in fail; state is what Claim
// answers otherwise.
type failingDeduper struct {
	fail  string
	state ClaimState
	lease time.Duration // of the claims it answers
}

func (d failingDeduper) Claim(context.Context, string) (Claim, error) {
	if d.fail == "claim" {
		return Claim{}, errors.New("redis: connection refused")
	}
	return Claim{State: d.state, Lease: d.lease}, nil
}

func (d failingDeduper) Done(context.Context, string, string) error {
	if d.fail == "done" {
		return errors.New("redis: timeout")
	}
	return nil
}

func (d failingDeduper) Release(context.Context, string, string) error {
	if d.fail == "release" {
		return errors.New("redis: timeout")
	}
	return nil
}

func TestHandlerDeduperFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		d         Deduper
		fnErr     error
		want      answer
		wantCalls int32
		wantLog   string
	}{
		{"claim fails: retry later", failingDeduper{fail: "claim"}, nil, answer{status: 503, body: "failed", retryAfter: "5"}, 0, "connection refused"},
		{"claim answers nonsense", failingDeduper{state: 99}, nil, answer{status: 503, body: "failed", retryAfter: "5"}, 0, "claim returned unknown"},
		{"done fails: handled all the same", failingDeduper{fail: "done", state: ClaimNew}, nil, answer{status: 200, body: "handled"}, 1, `"op":"done"`},
		{"release fails: still a failure", failingDeduper{fail: "release", state: ClaimNew}, errors.New("x"), answer{status: 503, body: "failed", retryAfter: "5"}, 1, `"op":"release"`},
		{"no deduper: every delivery handled", nil, nil, answer{status: 200, body: "handled"}, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			var calls atomic.Int32
			h := NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error { calls.Add(1); return tc.fnErr },
				WithDeduper(tc.d), WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
			if got := serve(h, signedRequest(agentEventBody("d1"), hNow)); got != tc.want {
				t.Errorf("answer %+v, want %+v", got, tc.want)
			}
			if calls.Load() != tc.wantCalls {
				t.Errorf("fn called %d times, want %d", calls.Load(), tc.wantCalls)
			}
			if !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("log %s does not mention %s", logs.String(), tc.wantLog)
			}
		})
	}

	// Without a deduper a duplicate is handled again.
	var calls atomic.Int32
	h := NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error { calls.Add(1); return nil }, WithDeduper(nil))
	serve(h, signedRequest(agentEventBody("same"), hNow))
	serve(h, signedRequest(agentEventBody("same"), hNow))
	if calls.Load() != 2 {
		t.Errorf("without a deduper fn called %d times, want 2", calls.Load())
	}
}

func TestHandlerSharedDeduperAndKeyHeader(t *testing.T) {
	t.Parallel()
	store := &MemoryDeduper{}
	var calls atomic.Int32
	fn := func(context.Context, map[string]any) error { calls.Add(1); return nil }
	// A sender that does not sign: the key header is the only key.
	v := VerifierFunc(func(*http.Request, []byte) error { return nil })
	h1 := NewHandler(v, DecodeJSON[map[string]any](nil), fn, WithDeduper(store), WithKeyHeader("X-Delivery"))
	h2 := NewHandler(v, DecodeJSON[map[string]any](nil), fn, WithDeduper(store), WithKeyHeader(""))
	r := func() *http.Request {
		r := signedRequest([]byte(`{}`), hNow)
		r.Header.Set("X-Delivery", "d-1")
		r.Header.Set(HeaderZendeskInvocationID, "i-1")
		return r
	}
	if a := serve(h1, r()); a.body != "handled" {
		t.Fatalf("%+v", a)
	}
	if a := serve(h1, r()); a.body != "duplicate" {
		t.Fatalf("%+v", a)
	}
	if store.Len() != 1 {
		t.Errorf("store holds %d keys, want 1", store.Len())
	}
	// h2 has no key header: nothing to de-duplicate on.
	serve(h2, r())
	serve(h2, r())
	if calls.Load() != 3 {
		t.Errorf("fn called %d times, want 3", calls.Load())
	}
}

func TestHandlerLogging(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rec := &recorder{script: []error{errors.New("babelforce down")}}
	h := NewZendeskHandler(testVerifier(), rec.fn, WithLogger(logger))

	body := agentEventBody("log-1")
	tampered := signedRequest(body, hNow)
	tampered.Header.Set(HeaderZendeskSignature, "P2iKOs0eFBXbqjyUNxNnoWmoN/cSSkVqIRoRhYZhv5o=")
	serve(h, tampered)
	serve(h, signedRequest(body, hNow))
	serve(h, signedRequest(body, hNow))
	serve(h, signedRequest(body, hNow))

	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		records = append(records, m)
	}
	want := []struct {
		level, outcome string
		status         float64
	}{
		{"WARN", "unauthorized", 401},
		{"ERROR", "failed", 503},
		{"INFO", "handled", 200},
		{"INFO", "duplicate", 200},
	}
	if len(records) != len(want) {
		t.Fatalf("%d records, want one per delivery (%d):\n%s", len(records), len(want), logs.String())
	}
	for i, w := range want {
		r := records[i]
		if r["msg"] != "webhook delivery" || r["level"] != w.level || r["outcome"] != w.outcome || r["status"] != w.status {
			t.Errorf("record %d = %v, want %+v", i, r, w)
		}
		if i > 0 && (r["type"] != ZendeskTypeAgentStateChanged || r["id"] != "log-1") {
			t.Errorf("record %d lacks type or id: %v", i, r)
		}
	}
	if records[0]["error"] == nil || records[1]["error"] != "babelforce down" {
		t.Errorf("errors not logged: %v / %v", records[0]["error"], records[1]["error"])
	}
	for _, leak := range []string{vecSecret, "P2iKOs0eFBXbqjyUNxNnoWmoN", `"new_state"`, "zen:agent:10011"} {
		if strings.Contains(logs.String(), leak) {
			t.Errorf("log contains %q:\n%s", leak, logs.String())
		}
	}
}

func TestHandlerDefaultLoggerDiscards(t *testing.T) {
	t.Parallel()
	h := NewZendeskHandler(testVerifier(), (&recorder{}).fn, WithLogger(nil), nil)
	if h.cfg.logger == nil || h.cfg.logger.Enabled(context.Background(), slog.LevelError) {
		t.Error("the default logger must discard")
	}
	if got := serve(h, signedRequest(agentEventBody("x"), hNow)); got.body != "handled" {
		t.Errorf("%+v", got)
	}
}

func TestHandlerOptionDefaults(t *testing.T) {
	t.Parallel()
	h := NewZendeskHandler(testVerifier(), (&recorder{}).fn,
		WithMaxBodyBytes(0), WithRetryAfter(-1), WithBusyRetryAfter(0), WithAllowedMethods())
	c := h.cfg
	if c.maxBody != DefaultMaxBodyBytes || c.retryAfter != DefaultRetryAfter || c.busyRetryAfter != DefaultBusyRetryAfter ||
		c.keyHeader != HeaderZendeskInvocationID || len(c.methods) != 1 || c.methods[0] != http.MethodPost {
		t.Errorf("config %+v", c)
	}
	if _, ok := c.dedupe.(*MemoryDeduper); !ok {
		t.Errorf("default deduper %T", c.dedupe)
	}
	h = NewZendeskHandler(testVerifier(), (&recorder{}).fn, WithBusyRetryAfter(3*time.Second))
	if h.cfg.busyRetryAfter != 3*time.Second {
		t.Errorf("busy retry after %v", h.cfg.busyRetryAfter)
	}
}

func TestHandlerResponseHeaders(t *testing.T) {
	t.Parallel()
	h := NewZendeskHandler(testVerifier(), (&recorder{}).fn)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signedRequest(agentEventBody("hdr"), hNow))
	if ct := w.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
}
