package zendesktest_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// recordSleep records the waits instead of sleeping.
type recordSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *recordSleep) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	r.mu.Unlock()
	return ctx.Err()
}

func (r *recordSleep) get() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...)
}

func TestDeliveryRetries(t *testing.T) {
	t.Parallel()
	retryAfter := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	for _, tc := range []struct {
		name     string
		answers  []answer
		statuses string
		waits    string
	}{
		{"503 with Retry-After 1 is retried", []answer{{status: 503, header: retryAfter("1")}, {status: 503, header: retryAfter("1")}},
			"[503 503 200]", "[1s 1s]"},
		{"503 without Retry-After is not retried", []answer{{status: 503}}, "[503]", "[]"},
		{"503 with Retry-After 60 is not retried", []answer{{status: 503, header: retryAfter("60")}}, "[503]", "[]"},
		// Past time.Duration's range: an unbounded parse wrapped it to a
		// negative wait, which passed "under 60 s".
		{"503 with an incredible Retry-After is not retried", []answer{{status: 503, header: retryAfter("9223372037")}}, "[503]", "[]"},
		{"429 with Retry-After 0.5 is retried", []answer{{status: 429, header: retryAfter("0.5")}}, "[429 200]", "[500ms]"},
		{"429 with Retry-After 2 is retried", []answer{{status: 429, header: retryAfter("2")}}, "[429 200]", "[2s]"},
		{"409 is retried up to 3 times", []answer{{status: 409}, {status: 409}, {status: 409}, {status: 409}}, "[409 409 409 409]", "[1s 2s 4s]"},
		{"409 then success", []answer{{status: 409}}, "[409 200]", "[1s]"},
		{"500 is not retried", []answer{{status: 500}}, "[500]", "[]"},
		{"404 is not retried", []answer{{status: 404}}, "[404]", "[]"},
		{"429 with Retry-After 1 five times then given up", []answer{
			{status: 429, header: retryAfter("1")}, {status: 429, header: retryAfter("1")}, {status: 429, header: retryAfter("1")},
			{status: 429, header: retryAfter("1")}, {status: 429, header: retryAfter("1")}, {status: 429, header: retryAfter("1")}},
			"[429 429 429 429 429 429]", "[1s 1s 1s 1s 1s]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t)
			rc.answer(tc.answers...)
			rs := &recordSleep{}
			s := newFake(t, zendesktest.WithDeliverySleep(rs.sleep))
			agent := s.AddAgent("A", "a@example.com")
			_, secret := agentWebhook(t, s, rc.URL, "zen:event-type:agent.state_changed")
			if err := s.SetAgentState(agent, "talk", "online"); err != nil {
				t.Fatal(err)
			}
			wait(t, s)
			ds := s.Deliveries()
			if len(ds) != 1 || !ds[0].Done {
				t.Fatalf("deliveries %+v", ds)
			}
			var statuses []int
			var waits []time.Duration
			for i, a := range ds[0].Attempts {
				statuses = append(statuses, a.Status)
				if a.Wait > 0 {
					waits = append(waits, a.Wait)
				}
				// Same invocation id on every retry, each attempt signed.
				if a.Header.Get("x-zendesk-webhook-invocation-id") != ds[0].InvocationID {
					t.Fatalf("attempt %d invocation id %q", i, a.Header.Get("x-zendesk-webhook-invocation-id"))
				}
			}
			if fmt.Sprint(statuses) != tc.statuses || fmt.Sprint(waits) != tc.waits || fmt.Sprint(rs.get()) != tc.waits {
				t.Fatalf("statuses %v waits %v slept %v", statuses, waits, rs.get())
			}
			for _, r := range rc.received() {
				if err := (webhook.ZendeskVerifier{Secrets: []string{secret}}).Verify(r.header, r.body); err != nil {
					t.Fatalf("retry not signed: %v", err)
				}
				if r.header.Get("x-zendesk-webhook-invocation-id") != ds[0].InvocationID {
					t.Fatal("invocation id changed on retry")
				}
			}
		})
	}
}

func TestDeliveryTimeoutRetried(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	slow := answer{status: 200, delay: time.Second}
	rc.answer(slow, slow, slow, slow, slow, slow)
	s := newFake(t, zendesktest.WithDeliveryTimeout(20*time.Millisecond))
	agent := s.AddAgent("A", "a@example.com")
	agentWebhook(t, s, rc.URL, "zen:event-type:agent.state_changed")
	if err := s.SetAgentState(agent, "talk", "online"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	d := s.Deliveries()[0]
	if len(d.Attempts) != 6 || d.Succeeded() {
		t.Fatalf("attempts %+v", d.Attempts)
	}
	for _, a := range d.Attempts {
		if a.Err != "timeout" || a.Status != 0 {
			t.Fatalf("attempt %+v", a)
		}
	}
}

func TestDeliveryNetworkErrorNotRetried(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	url := rc.URL
	rc.Close() // connection refused
	s := newFake(t)
	agent := s.AddAgent("A", "a@example.com")
	agentWebhook(t, s, url, "zen:event-type:agent.state_changed")
	_ = s.SetAgentState(agent, "talk", "online")
	wait(t, s)
	d := s.Deliveries()[0]
	if len(d.Attempts) != 1 || d.Attempts[0].Err == "" || d.Attempts[0].Err == "timeout" {
		t.Fatalf("attempts %+v", d.Attempts)
	}
}

// TestReceiverCallsBack: a receiver that calls the fake while being
// delivered to must not deadlock, and the deliveries it causes are waited
// for too.
func TestReceiverCallsBack(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	agent := s.AddAgent("A", "a@example.com")
	rc := newReceiver(t)
	var once sync.Once
	rc.hook = func(received) {
		r := call(t, s, "GET", fmt.Sprintf("/api/v2/agent_availabilities/%d", agent), nil)
		if r.status != 200 {
			t.Errorf("callback status %d", r.status)
		}
		once.Do(func() { _ = s.SetAgentState(agent, "talk", "away") })
	}
	agentWebhook(t, s, rc.URL, "zen:event-type:agent.state_changed")
	_ = s.SetAgentState(agent, "talk", "online")
	delivered(t, s, rc, 2)
}

func TestWaitDeliveriesContext(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	block := make(chan struct{})
	rc.hook = func(received) { <-block }
	s := newFake(t)
	agent := s.AddAgent("A", "a@example.com")
	agentWebhook(t, s, rc.URL, "zen:event-type:agent.state_changed")
	_ = s.SetAgentState(agent, "talk", "online")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.WaitDeliveries(ctx); err == nil {
		t.Fatal("WaitDeliveries returned while a delivery was in flight")
	}
	if ds := s.Deliveries(); ds[0].Done {
		t.Fatal("done too early")
	}
	close(block)
	wait(t, s)
}

func TestCloseStopsDeliveries(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	rc.answer(answer{status: 200, delay: 5 * time.Second})
	s := zendesktest.NewServer()
	agent := s.AddAgent("A", "a@example.com")
	agentWebhook(t, s, rc.URL, "zen:event-type:agent.state_changed")
	_ = s.SetAgentState(agent, "talk", "online")
	start := time.Now()
	s.Close()
	if time.Since(start) > 2*time.Second {
		t.Fatal("Close waited for the delivery")
	}
}

// Deliveries keeps the newest records only (10,000 by default).
func TestDeliveriesKeepTheNewest(t *testing.T) {
	t.Parallel()
	if zendesktest.DeliveryHistory != 10000 {
		t.Fatalf("default history %d", zendesktest.DeliveryHistory)
	}
	rc := newReceiver(t)
	s := newFake(t)
	zendesktest.SetDeliveryHistory(s, 5)
	for i := range 8 {
		mustStatus(t, call(t, s, "POST", "/api/v2/webhooks/test", map[string]any{"request": map[string]any{
			"endpoint": rc.URL, "http_method": "POST", "request_format": "json", "payload": fmt.Sprint(i)}}), 200)
	}
	ds := s.Deliveries()
	var bodies []string
	for _, d := range ds {
		bodies = append(bodies, string(d.Body))
	}
	if fmt.Sprint(bodies) != "[3 4 5 6 7]" {
		t.Fatalf("kept %v, want the newest 5", bodies)
	}
}
