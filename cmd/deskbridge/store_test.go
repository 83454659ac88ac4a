package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
)

// TestServeOnRedis serves smsbridge with its state in Redis; with Redis
// down, /readyz says so, a text from Braze is answered 503 (Braze
// retries) and the store's errors are counted; once Redis is back, texts
// land again.
//
// The de-duplication claim fails before the flow decides anything, so the
// 503 is the webhook handler's and no flow outcome is counted for it: the
// store errors are what show it.
func TestServeOnRedis(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	redistest.Require(t) // the test stops and restarts the server: REDIS_URL cannot serve
	srv, err := redistest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	w := newTestWorld(t, "smsbridge")
	w.store = "${REDIS_URL}"
	w.env["REDIS_URL"] = srv.URL()
	s, err := w.serve(ctx, io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	if err := w.playSMSBridge(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	resp, err := s.client.Get(w.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(string(body), "store: ") {
		t.Errorf("/readyz with Redis down: %d %q", resp.StatusCode, body)
	}
	before := len(w.zd.Comments(w.zd.Tickets()[0].ID))
	if _, err := w.bz.ReceiveSMS(demoCustomer, "Still waiting"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, err := s.scrape(ctx, w.base)
		if err != nil {
			t.Fatal(err)
		}
		var storeErrs float64
		for k, v := range m {
			if strings.HasPrefix(k, "deskbridge_store_errors_total") {
				storeErrs += v
			}
		}
		if storeErrs > 0 && answered503(w) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no store error counted, or no 503 answered: %v", m)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.settle(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.bz.ReceiveSMS(demoCustomer, "Back again"); err != nil {
		t.Fatal(err)
	}
	if err := w.settle(ctx); err != nil {
		t.Fatal(err)
	}
	// The text sent while Redis was down lands if one of Braze's retries
	// came after the restart (the fake retries within milliseconds); the
	// one sent after it lands in any case, once.
	if got := len(w.zd.Comments(w.zd.Tickets()[0].ID)); got != before+1 && got != before+2 {
		t.Errorf("after Redis came back the ticket has %d comments, want %d or %d", got, before+1, before+2)
	}
}

func TestStoreErrorsCounted(t *testing.T) {
	m := newMetrics()
	s := countingStore{store.NewMemory(), m}
	ctx := context.Background()
	_ = s.Set(ctx, "k", "v", 0) // a TTL of 0 is refused
	_, _ = s.Add(ctx, "", "v", time.Second)
	if err := s.Set(ctx, "k", "v", time.Second); err != nil {
		t.Fatal(err)
	}
	// The lease operations, refused for an empty holder, twice for Lease.
	_, _ = s.Lease(ctx, "k", "", time.Second)
	_, _ = s.Lease(ctx, "k", "", time.Second)
	_, _ = s.Release(ctx, "k", "", "v", time.Second)
	_, _ = s.EndLease(ctx, "k", "")
	if l, err := s.Lease(ctx, "k", "replica-a", time.Second); err != nil || !l.Held || l.Value != "v" {
		t.Fatalf("Lease through countingStore = %+v, %v", l, err)
	}
	if ok, err := s.Release(ctx, "k", "replica-a", "w", time.Second); err != nil || !ok {
		t.Fatalf("Release through countingStore = %v, %v", ok, err)
	}
	rec := httptest.NewRecorder()
	m.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	got, err := parseMetrics(rec.Body.String())
	if err != nil {
		t.Fatal(err)
	}
	if got[`deskbridge_store_errors_total{op="set"}`] != 1 || got[`deskbridge_store_errors_total{op="add"}`] != 1 || got[`deskbridge_store_errors_total{op="get"}`] != 0 {
		t.Errorf("store errors = %v", got)
	}
	for op, want := range map[string]float64{"lease": 2, "release": 1, "end_lease": 1} {
		if n, ok := got[`deskbridge_store_errors_total{op="`+op+`"}`]; !ok || n != want {
			t.Errorf("store errors of %s = %v (exposed: %v), want %v", op, n, ok, want)
		}
	}
}

// answered503 reports whether a Braze webhook attempt was answered 503.
func answered503(w *world) bool {
	for _, d := range w.bz.Webhooks() {
		for _, a := range d.Attempts {
			if a.Status == http.StatusServiceUnavailable {
				return true
			}
		}
	}
	return false
}
