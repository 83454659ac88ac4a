package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// zendeskDelivery builds a signed trigger-webhook delivery of body, signed
// at at, with invocation as its X-Zendesk-Webhook-Invocation-Id ("": none).
type zendeskDelivery struct {
	at         time.Time
	invocation string
}

// The review finding: a captured, signed Zendesk delivery replayed within
// the tolerance with a new or missing X-Zendesk-Webhook-Invocation-Id (a
// header the signature does not cover) was processed again; one captured
// agent reply sent 3 SMS. The key must come from what Zendesk signed.
func TestZendeskReplayWithNewInvocationIDIsDuplicate(t *testing.T) {
	t.Parallel()
	body := []byte(`{"ticket_id":"35436","comment":"Your parcel left today"}`)
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"memory deduper", nil},
		{"store deduper", []Option{WithDeduper(&StoreDeduper{Store: newMapStore()})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var sent atomic.Int32
			h := NewHandler(testVerifier(), DecodeJSON[map[string]any](nil),
				func(context.Context, map[string]any) error { sent.Add(1); return nil }, tc.opts...)
			for i, d := range []struct {
				zendeskDelivery
				want string
			}{
				{zendeskDelivery{hNow, "8350205582"}, "handled"},
				{zendeskDelivery{hNow, "8350205999"}, "duplicate"}, // replayed, new invocation id
				{zendeskDelivery{hNow, ""}, "duplicate"},           // replayed, no invocation id
				{zendeskDelivery{hNow, "8350205582"}, "duplicate"}, // replayed as is
			} {
				if a := serve(h, d.request(body)); a.status != 200 || a.body != d.want {
					t.Errorf("delivery %d %+v: %+v, want 200 %s", i, d.zendeskDelivery, a, d.want)
				}
			}
			if sent.Load() != 1 {
				t.Errorf("the reply was sent %d times, want 1", sent.Load())
			}
		})
	}
}

func (d zendeskDelivery) request(body []byte) *http.Request {
	r := signedRequest(body, d.at)
	if d.invocation != "" {
		r.Header.Set(HeaderZendeskInvocationID, d.invocation)
	}
	return r
}

// Zendesk's own retries of one invocation carry its invocation id; whether
// Zendesk signs a retry again with a new timestamp is not documented
// (see zendeskRetryKeys). Either way a retry of a handled invocation is a
// duplicate, and a retry of a failed one is handled.
func TestZendeskRetriesOfOneInvocation(t *testing.T) {
	t.Parallel()
	body := []byte(`{"ticket_id":"35436","comment":"Your parcel left today"}`)
	for _, tc := range []struct {
		name    string
		retryAt time.Time // when the retry is signed
	}{
		{"retry signed as the first attempt", hNow},
		{"retry signed again", hNow.Add(15 * time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A handled invocation: the answer was lost (Zendesk timed out).
			var calls atomic.Int32
			h := NewHandler(testVerifier(), DecodeJSON[map[string]any](nil),
				func(context.Context, map[string]any) error { calls.Add(1); return nil })
			if a := serve(h, zendeskDelivery{hNow, "inv-1"}.request(body)); a.body != "handled" {
				t.Fatalf("first attempt: %+v", a)
			}
			if a := serve(h, zendeskDelivery{tc.retryAt, "inv-1"}.request(body)); a.status != 200 || a.body != "duplicate" {
				t.Errorf("retry of a handled invocation: %+v, want 200 duplicate", a)
			}
			if calls.Load() != 1 {
				t.Errorf("fn called %d times, want 1", calls.Load())
			}

			// A failed invocation: the retry is handled.
			var failed atomic.Int32
			script := []error{errors.New("braze: 503")}
			h = NewHandler(testVerifier(), DecodeJSON[map[string]any](nil), func(context.Context, map[string]any) error {
				if n := failed.Add(1); int(n) <= len(script) {
					return script[n-1]
				}
				return nil
			})
			if a := serve(h, zendeskDelivery{hNow, "inv-2"}.request(body)); a.status != 503 {
				t.Fatalf("failing attempt: %+v", a)
			}
			if a := serve(h, zendeskDelivery{tc.retryAt, "inv-2"}.request(body)); a.body != "handled" {
				t.Errorf("retry of a failed invocation: %+v, want handled", a)
			}
			if a := serve(h, zendeskDelivery{tc.retryAt, "inv-2"}.request(body)); a.body != "duplicate" {
				t.Errorf("retry after that: %+v, want duplicate", a)
			}
		})
	}
}

// A trigger that fires again makes a new delivery, signed at another
// time: it is handled, although its body is the same.
func TestZendeskSameBodyAnotherTimeIsNew(t *testing.T) {
	t.Parallel()
	body := []byte(`{"ticket_id":"35436","status":"solved"}`)
	var calls atomic.Int32
	h := NewHandler(testVerifier(), DecodeJSON[map[string]any](nil),
		func(context.Context, map[string]any) error { calls.Add(1); return nil })
	for i, d := range []zendeskDelivery{{hNow.Add(-time.Minute), "1"}, {hNow, "2"}, {hNow.Add(time.Second), ""}} {
		if a := serve(h, d.request(body)); a.body != "handled" {
			t.Errorf("delivery %d: %+v, want handled", i, a)
		}
	}
	if calls.Load() != 3 {
		t.Errorf("fn called %d times, want 3", calls.Load())
	}
}

// Event-subscription deliveries are keyed by the event id in the signed
// body: a replay with a new invocation id is a duplicate, as it was.
func TestZendeskEventReplayWithNewInvocationID(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	h := NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error { calls.Add(1); return nil })
	body := agentEventBody("01HREPLAY")
	for i, d := range []zendeskDelivery{{hNow, "1"}, {hNow, "2"}, {hNow, ""}, {hNow.Add(time.Second), "3"}} {
		want := "duplicate"
		if i == 0 {
			want = "handled"
		}
		if a := serve(h, d.request(body)); a.body != want {
			t.Errorf("delivery %d: %+v, want %s", i, a, want)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("fn called %d times, want 1", calls.Load())
	}
}

// keyFailDeduper fails the claims of keys that start with failPrefix.
type keyFailDeduper struct {
	MemoryDeduper
	failPrefix string
}

func (d *keyFailDeduper) Claim(ctx context.Context, key string) (Claim, error) {
	if strings.HasPrefix(key, d.failPrefix) {
		return Claim{}, errStoreDown
	}
	return d.MemoryDeduper.Claim(ctx, key)
}

// When the invocation's key is busy or cannot be claimed, the signature's
// claim is released, so that the retry is handled.
func TestZendeskSecondKeyBusyOrFailing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	body := []byte(`{"ticket_id":"1"}`)
	var calls atomic.Int32
	fn := func(context.Context, map[string]any) error { calls.Add(1); return nil }

	d := &MemoryDeduper{}
	h := NewHandler(testVerifier(), DecodeJSON[map[string]any](nil), fn, WithDeduper(d))
	inflight, _ := d.Claim(ctx, "inv-busy") // another attempt in flight
	if inflight.State != ClaimNew {
		t.Fatal(inflight.State)
	}
	if a := serve(h, zendeskDelivery{hNow, "inv-busy"}.request(body)); a.status != 503 || a.body != "busy" {
		t.Fatalf("invocation in flight: %+v, want 503 busy", a)
	}
	_ = d.Release(ctx, "inv-busy", inflight.Token)
	if a := serve(h, zendeskDelivery{hNow, "inv-busy"}.request(body)); a.body != "handled" {
		t.Fatalf("retry: %+v, want handled (the signature's claim must be released)", a)
	}

	kd := &keyFailDeduper{failPrefix: "inv-"}
	h = NewHandler(testVerifier(), DecodeJSON[map[string]any](nil), fn, WithDeduper(kd))
	if a := serve(h, zendeskDelivery{hNow, "inv-x"}.request(body)); a.status != 503 || a.body != "failed" || a.retryAfter == "" {
		t.Fatalf("store failing: %+v, want 503 failed", a)
	}
	kd.failPrefix = "nothing"
	if a := serve(h, zendeskDelivery{hNow, "inv-x"}.request(body)); a.body != "handled" {
		t.Fatalf("store back: %+v, want handled", a)
	}
	if calls.Load() != 2 {
		t.Errorf("fn called %d times, want 2", calls.Load())
	}
}

// A decoder that makes several items without keys from one signed body:
// each is keyed on the signature and its place.
func TestZendeskSignedItemsWithoutKeys(t *testing.T) {
	t.Parallel()
	decode := func(_ *http.Request, body []byte) ([]Item[string], error) {
		return []Item[string]{{Value: "a"}, {Value: "b"}}, nil
	}
	var calls atomic.Int32
	h := NewHandler(testVerifier(), decode, func(context.Context, string) error { calls.Add(1); return nil })
	for i, want := range []string{"handled", "duplicate"} {
		if a := serve(h, zendeskDelivery{hNow, fmt.Sprint(i)}.request([]byte(`{}`))); a.body != want {
			t.Errorf("delivery %d: %+v, want %s", i, a, want)
		}
	}
	if calls.Load() != 2 {
		t.Errorf("fn called %d times, want 2", calls.Load())
	}
}
