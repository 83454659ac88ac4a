package conversationstest_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

func waitAll(t *testing.T, s *conversationstest.Server) []conversationstest.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	return s.Deliveries()
}

// A failing receiver gets 5 attempts over 15 minutes (the waits taken on
// an injected clock, so the test does not wait them).
func TestDeliveryRetries(t *testing.T) {
	clock := testkit.NewClock()
	s, a := newAPI(t, conversationstest.WithClock(clock.Now), conversationstest.WithDeliverySleep(clock.Sleep))
	rec := newReceiver(t)
	rec.status = func(int) int { return http.StatusServiceUnavailable }
	setup(t, a, rec, "conversation:create")
	ds := waitAll(t, s)
	if len(ds) != 1 {
		t.Fatalf("%d deliveries", len(ds))
	}
	d := ds[0]
	if len(d.Attempts) != 5 || d.Delivered || !d.Done || d.EventType != "conversation:create" {
		t.Fatalf("delivery %+v", d)
	}
	var total time.Duration
	for _, at := range d.Attempts {
		total += at.Wait
		if at.Header.Get("X-Api-Key") != "[redacted]" {
			t.Errorf("recorded X-API-Key %q", at.Header.Get("X-Api-Key"))
		}
	}
	if total != 15*time.Minute || !slices.Equal(clock.Sleeps(), []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}) {
		t.Errorf("waits %v (total %v)", clock.Sleeps(), total)
	}
	if got := d.Attempts[4].Time.Sub(d.Attempts[0].Time); got != 15*time.Minute {
		t.Errorf("attempts span %v", got)
	}
}

// No retry after 400, 401, 403, 404 or 406; a retry after 500 that then
// succeeds.
func TestDeliveryNoRetry(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 406} {
		s, a := newAPI(t, conversationstest.WithDeliverySleep(conversationstest.NoSleep))
		rec := newReceiver(t)
		rec.status = func(int) int { return status }
		setup(t, a, rec, "conversation:create")
		if d := waitAll(t, s)[0]; len(d.Attempts) != 1 || d.Attempts[0].Status != status || d.Delivered {
			t.Errorf("status %d: %+v", status, d)
		}
	}
	s, a := newAPI(t, conversationstest.WithDeliverySleep(conversationstest.NoSleep))
	rec := newReceiver(t)
	rec.status = func(n int) int { return map[bool]int{true: 500, false: 204}[n == 1] }
	setup(t, a, rec, "conversation:create")
	if d := waitAll(t, s)[0]; len(d.Attempts) != 2 || !d.Delivered {
		t.Errorf("500 then 204: %+v", d)
	}
}

// A receiver that does not answer within the (scaled) timeout is retried.
func TestDeliveryTimeout(t *testing.T) {
	s, a := newAPI(t, conversationstest.WithDeliveryTimeout(50*time.Millisecond),
		conversationstest.WithRetryWaits(time.Millisecond), conversationstest.WithDeliverySleep(conversationstest.NoSleep))
	release := make(chan struct{})
	rec := newReceiver(t)
	rec.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	setup(t, a, rec, "conversation:create")
	d := waitAll(t, s)[0]
	if len(d.Attempts) != 2 || d.Attempts[0].Err != "timeout" || d.Attempts[1].Err != "timeout" {
		t.Errorf("attempts %+v", d.Attempts)
	}
}

// includeFullUser and includeFullSource shape the payload per webhook.
func TestPayloadShapes(t *testing.T) {
	s, a := newAPI(t, conversationstest.WithDeliverySleep(conversationstest.NoSleep))
	full, bare := newReceiver(t), newReceiver(t)
	_, convID, _ := setup(t, a, full, "conversation:message")
	a.must(201, "POST", "/integrations", map[string]any{"type": "custom",
		"webhooks": []any{map[string]any{"target": bare.URL, "triggers": []any{"conversation:message"}}}})
	in := obj(a.must(201, "POST", "/integrations", map[string]any{"type": "custom",
		"webhooks": []any{map[string]any{"target": full.URL, "triggers": []any{"conversation:message"}, "includeFullSource": true}}}), "integration")
	if _, err := s.UserMessage(convID, "dydu-ctx-1", "hello"); err != nil {
		t.Fatal(err)
	}
	waitAll(t, s)
	b := bare.events(t)
	if len(b) != 1 {
		t.Fatalf("%d events", len(b))
	}
	env := b[0]
	if keys(env) != "createdAt,id,payload,type" || !objectID.MatchString(str(env, "id")) || !apiTime.MatchString(str(env, "createdAt")) {
		t.Errorf("event %v", env)
	}
	msg := obj(obj(env, "payload"), "message")
	if got := keys(obj(obj(msg, "author"), "user")); got != "authenticated,externalId,id" {
		t.Errorf("truncated user keys %s", got)
	}
	if got := keys(obj(msg, "source")); got != "integrationId,originalMessageId,type" {
		t.Errorf("bare source keys %s", got)
	}
	if got := keys(obj(obj(env, "payload"), "conversation")); got != "activeSwitchboardIntegration,id,type" {
		t.Errorf("conversation keys %s", got)
	}
	var sawFullUser, sawSource bool
	for _, e := range full.events(t) {
		m := obj(obj(e, "payload"), "message")
		if obj(obj(obj(m, "author"), "user"), "profile") != nil {
			sawFullUser = true
		}
		if src := obj(m, "source"); src["client"] != nil && src["device"] != nil {
			sawSource = true
		}
	}
	if !sawFullUser || !sawSource {
		t.Errorf("full user %v, full source %v", sawFullUser, sawSource)
	}
	// The envelope names the app and the webhook.
	for _, d := range s.Deliveries() {
		if d.IntegrationID == str(in, "id") && d.WebhookID != str(in["webhooks"].([]any)[0].(map[string]any), "id") {
			t.Errorf("delivery %+v", d)
		}
	}
}

// A switchboard integration on standby (no deliverStandbyEvents) gets no
// message events; once control passes to it, it does.
func TestStandbyFiltering(t *testing.T) {
	s, a := newAPI(t, conversationstest.WithDeliverySleep(conversationstest.NoSleep))
	rec := newReceiver(t)
	userID, convID, integrationID := setup(t, a, rec, "conversation:message", "switchboard:passControl")
	sbID := s.Switchboard
	sb, _ := sbID()
	a.must(201, "POST", "/switchboards/"+sb.ID+"/switchboardIntegrations", map[string]any{"name": "bot", "integrationId": integrationID})
	msg := map[string]any{"author": map[string]any{"type": "user", "userId": userID}, "content": map[string]any{"type": "text", "text": "standby"}}
	a.must(201, "POST", "/conversations/"+convID+"/messages", msg)
	a.must(200, "POST", "/conversations/"+convID+"/passControl", map[string]any{"switchboardIntegration": "bot"})
	msg["content"] = map[string]any{"type": "text", "text": "active"}
	a.must(201, "POST", "/conversations/"+convID+"/messages", msg)
	waitAll(t, s)
	var texts []string
	for _, e := range rec.events(t) {
		if e["type"] == "conversation:message" {
			texts = append(texts, str(obj(obj(obj(e, "payload"), "message"), "content"), "text"))
		}
	}
	if !slices.Equal(texts, []string{"active"}) || len(rec.ofType(t, "switchboard:passControl")) != 1 {
		t.Errorf("messages delivered %v, events %v", texts, rec.events(t))
	}
}

// With batching, the events emitted within the window reach a webhook in
// one POST, in order; each keeps its record, naming the batch, and a
// failed POST is retried whole.
func TestDeliveryBatching(t *testing.T) {
	s, a := newAPI(t, conversationstest.WithBatching(250*time.Millisecond), conversationstest.WithDeliverySleep(conversationstest.NoSleep),
		conversationstest.WithRetryWaits(time.Millisecond))
	rec := newReceiver(t)
	rec.status = func(n int) int { return map[bool]int{true: 503, false: 200}[n == 1] }
	userID, convID, _ := setup(t, a, rec, "conversation:message")
	for _, text := range []string{"un", "deux", "trois"} {
		a.must(201, "POST", "/conversations/"+convID+"/messages", map[string]any{
			"author": map[string]any{"type": "user", "userId": userID}, "content": map[string]any{"type": "text", "text": text}})
	}
	ds := waitAll(t, s)
	if len(ds) != 3 {
		t.Fatalf("%d delivery records, want one per event", len(ds))
	}
	rec.mu.Lock()
	posts := len(rec.bodies)
	rec.mu.Unlock()
	if posts != 2 {
		t.Fatalf("%d POSTs, want the batch then its retry", posts)
	}
	var texts []string
	for _, ev := range rec.events(t)[3:] { // the retry's events
		texts = append(texts, ev["payload"].(map[string]any)["message"].(map[string]any)["content"].(map[string]any)["text"].(string))
	}
	if !slices.Equal(texts, []string{"un", "deux", "trois"}) {
		t.Fatalf("the batch carries %v", texts)
	}
	ids := []string{ds[0].EventID, ds[1].EventID, ds[2].EventID}
	for _, d := range ds {
		if !slices.Equal(d.Batch, ids) || !d.Delivered || len(d.Attempts) != 2 || string(d.Body) != string(ds[0].Body) {
			t.Fatalf("record %+v", d)
		}
	}
	// Without batching, one event per POST.
	s, a = newAPI(t, conversationstest.WithDeliverySleep(conversationstest.NoSleep))
	rec = newReceiver(t)
	userID, convID, _ = setup(t, a, rec, "conversation:message")
	for _, text := range []string{"un", "deux"} {
		a.must(201, "POST", "/conversations/"+convID+"/messages", map[string]any{
			"author": map[string]any{"type": "user", "userId": userID}, "content": map[string]any{"type": "text", "text": text}})
	}
	for _, d := range waitAll(t, s) {
		if d.Batch != nil {
			t.Fatalf("a lone event with a batch: %+v", d)
		}
	}
	if n := len(rec.events(t)); n != 2 || len(rec.bodies) != 2 {
		t.Fatalf("%d events in %d POSTs", n, len(rec.bodies))
	}
}
