package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
)

// A panic in the function answers 503 with Retry-After, leaves the event
// unmarked in a shared store, so that the retry is handled, and is logged
// with its stack, without a secret.
func TestHandlerPanicIsLoggedWithStackAndNotMarked(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	s := newMapStore()
	var calls atomic.Int32
	h := NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error {
		if calls.Add(1) == 1 {
			panic("assignment to entry in nil map") // a bug in the function
		}
		return nil
	}, WithDeduper(&StoreDeduper{Store: s, Prefix: "p:"}), WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))

	body := agentEventBody("01HPANIC")
	if got := serve(h, signedRequest(body, hNow)); got.status != 503 || got.body != "panic" || got.retryAfter != "5" {
		t.Fatalf("panicking delivery: %+v, want 503 panic with Retry-After 5", got)
	}
	if _, ok, _ := s.Get(context.Background(), "p:01HPANIC"); ok {
		t.Fatal("the event is marked in the store after a panic")
	}

	var rec struct {
		Level string `json:"level"`
		Msg   string `json:"msg"`
		Panic string `json:"panic"`
		Stack string `json:"stack"`
		ID    string `json:"id"`
	}
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, `"webhook handler panicked"`) {
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatal(err)
			}
		}
	}
	if rec.Level != "ERROR" || !strings.Contains(rec.Panic, "nil map") || rec.ID != "01HPANIC" ||
		!strings.Contains(rec.Stack, "TestHandlerPanicIsLoggedWithStackAndNotMarked") {
		t.Errorf("panic record = %+v\nlogs:\n%s", rec, logs.String())
	}
	if strings.Contains(logs.String(), vecSecret) {
		t.Error("the log holds the signing secret")
	}

	if got := serve(h, signedRequest(body, hNow)); got.body != "handled" {
		t.Fatalf("retry: %+v, want handled", got)
	}
	if got := serve(h, signedRequest(body, hNow)); got.body != "duplicate" {
		t.Fatalf("retry after that: %+v, want duplicate", got)
	}
}
