package zendesktest_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestVoice(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	agent := s.AddAgent("Ann Agent", "ann@example.com")
	caller := s.AddUser(zendesktest.User{Name: "Carl Caller"}).ID
	ticket := createTicket(t, s, "call")

	mustStatus(t, call(t, s, "POST", fmt.Sprintf("/api/v2/channels/voice/agents/%d/tickets/%d/display.json", agent, ticket), nil), 200)
	mustStatus(t, call(t, s, "POST", fmt.Sprintf("/api/v2/channels/voice/agents/%d/users/%d/display", agent, caller), nil), 200)
	mustStatus(t, call(t, s, "POST", fmt.Sprintf("/api/v2/channels/voice/agents/%d/tickets/999/display", agent), nil), 404)
	mustStatus(t, call(t, s, "POST", fmt.Sprintf("/api/v2/channels/voice/agents/%d/tickets/%d/display", caller, ticket), nil), 404)

	// Voice tickets: validation order and rules.
	vt := func(body map[string]any) resp { return call(t, s, "POST", "/api/v2/channels/voice/tickets", body) }
	r := vt(map[string]any{"display_to_agent": caller, "ticket": map[string]any{"via_id": 45, "comment": map[string]any{"body": "x"}}})
	mustStatus(t, r, 422)
	if get(r.json(t), "details", "display_to_agent") == nil {
		t.Fatalf("display_to_agent: %s", r.body)
	}
	r = vt(map[string]any{"ticket": map[string]any{"via_id": 5, "comment": map[string]any{"body": "x"}}})
	mustStatus(t, r, 422)
	if get(r.json(t), "details", "via_id") == nil {
		t.Fatalf("via_id: %s", r.body)
	}
	r = vt(map[string]any{"ticket": map[string]any{"via_id": 44, "voice_comment": map[string]any{"from": "+1555", "to": "+1666"}}})
	mustStatus(t, r, 422)
	if n := len(get(r.json(t), "details", "voice_comment").([]any)); n != 4 {
		t.Fatalf("voicemail fields: %s", r.body)
	}
	before := len(s.Tickets())
	r = vt(map[string]any{"display_to_agent": agent, "ticket": map[string]any{
		"via_id": 44, "subject": "Voicemail from +1555", "requester_id": caller,
		"voice_comment": map[string]any{"from": "+1555", "to": "+1666", "recording_url": "https://example.com/r.mp3",
			"started_at": "2026-11-21T10:00:00Z", "call_duration": 40, "answered_by_id": agent, "transcription_text": "call me back"},
	}})
	mustStatus(t, r, 201)
	tk := get(r.json(t), "ticket").(map[string]any)
	id := num(tk["id"])
	if num(tk["via_id"]) != 44 || get(tk, "via", "channel") != "voice" || len(s.Tickets()) != before+1 {
		t.Fatalf("voice ticket %v", tk)
	}
	cs := s.Comments(id)
	if len(cs) != 1 || cs[0].Type != "VoiceComment" || cs[0].Public || cs[0].Data == nil || cs[0].Data.CallDuration == nil || *cs[0].Data.CallDuration != 40 || !strings.Contains(cs[0].Body, "call me back") {
		t.Fatalf("voice comment %+v", cs)
	}
	pops := s.ScreenPops()
	if len(pops) != 3 || pops[0].TicketID != ticket || pops[1].UserID != caller || pops[2].AgentID != agent || pops[2].TicketID != id {
		t.Fatalf("screen pops %+v", pops)
	}
	// An inbound call ticket with a plain comment.
	mustStatus(t, vt(map[string]any{"ticket": map[string]any{"via_id": 45, "comment": map[string]any{"body": "inbound"}}}), 201)
}

func TestRateLimitHeadersAnd429(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	s := newFake(t, zendesktest.WithClock(now), zendesktest.WithRateLimit(2, time.Minute))
	r := call(t, s, "GET", "/api/v2/tickets", nil)
	mustStatus(t, r, 200)
	for k, want := range map[string]string{"X-Rate-Limit": "2", "X-Rate-Limit-Remaining": "1", "ratelimit-limit": "2", "ratelimit-remaining": "1", "ratelimit-reset": "60"} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	mu.Lock()
	clock = clock.Add(20*time.Second + 500*time.Millisecond)
	mu.Unlock()
	r = call(t, s, "GET", "/api/v2/tickets", nil)
	mustStatus(t, r, 200)
	if r.header.Get("ratelimit-remaining") != "0" || r.header.Get("ratelimit-reset") != "40" { // 39.5 s rounded up
		t.Fatalf("second: %v", r.header)
	}
	r = call(t, s, "GET", "/api/v2/tickets", nil)
	mustStatus(t, r, 429)
	if string(r.body) != "Number of allowed API requests per minute exceeded" || r.header.Get("Retry-After") != "40" ||
		!strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") || r.header.Get("X-Rate-Limit-Remaining") != "0" {
		t.Fatalf("429: %v %s", r.header, r.body)
	}
	// The token endpoint is not limited.
	r = callAuth(t, s, "", "POST", "/oauth/tokens", map[string]any{"grant_type": "client_credentials", "client_id": s.OAuthClientID, "client_secret": s.OAuthClientSecret})
	mustStatus(t, r, 200)
	// A new window.
	mu.Lock()
	clock = clock.Add(time.Minute)
	mu.Unlock()
	mustStatus(t, call(t, s, "GET", "/api/v2/tickets", nil), 200)
	// Removed and set again at run time.
	s.SetRateLimit(0, 0)
	r = call(t, s, "GET", "/api/v2/tickets", nil)
	if r.header.Get("X-Rate-Limit") != "" {
		t.Fatal("headers without a limit")
	}
	s.SetRateLimit(1, time.Second)
	mustStatus(t, call(t, s, "GET", "/api/v2/tickets", nil), 200)
	r = call(t, s, "GET", "/api/v2/tickets", nil)
	mustStatus(t, r, 429)
	if r.header.Get("Retry-After") != "1" {
		t.Fatalf("sub-second reset must round up to 1: %v", r.header)
	}
	// A window shorter than a second (tests only) reports fractional seconds.
	s.SetRateLimit(1, 200*time.Millisecond)
	mustStatus(t, call(t, s, "GET", "/api/v2/tickets", nil), 200)
	r = call(t, s, "GET", "/api/v2/tickets", nil)
	mustStatus(t, r, 429)
	if r.header.Get("ratelimit-reset") != "0.200" || r.header.Get("Retry-After") != "0.200" {
		t.Fatalf("sub-second window: %v", r.header)
	}
	if n := s.RequestCount("GET", "/api/v2/tickets"); n != 9 {
		t.Fatalf("request log counted %d", n)
	}
}

func TestFaultsAndRequestLog(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	s.InjectFault(zendesktest.Fault{Method: "GET", Path: "/api/v2/tickets", Status: 503, Header: http.Header{"Retry-After": {"1"}}, Body: "down", Times: 2})
	for i := range 2 {
		r := call(t, s, "GET", "/api/v2/tickets", nil)
		if r.status != 503 || r.header.Get("Retry-After") != "1" || string(r.body) != "down" {
			t.Fatalf("fault %d: %d %s", i, r.status, r.body)
		}
	}
	mustStatus(t, call(t, s, "GET", "/api/v2/tickets", nil), 200)

	// Dropped connection (a fresh connection, so that the transport does
	// not retry the GET on another one).
	s.InjectFault(zendesktest.Fault{Path: "/api/v2/users", Drop: true})
	req, _ := http.NewRequest("GET", s.URL+"/api/v2/users/me", nil)
	req.Header.Set("Authorization", basic(s))
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if res, err := fresh.Do(req); err == nil {
		res.Body.Close()
		t.Fatal("dropped connection answered")
	}
	// Latency.
	s.InjectFault(zendesktest.Fault{Path: "/api/v2/groups", Latency: 30 * time.Millisecond})
	start := time.Now()
	mustStatus(t, call(t, s, "GET", "/api/v2/groups", nil), 200)
	if time.Since(start) < 30*time.Millisecond {
		t.Fatal("latency not applied")
	}
	// Processed, then lost: the ticket exists although the client got a 502.
	s.InjectFault(zendesktest.Fault{Method: "POST", Path: "/api/v2/tickets", Processed: true, Status: 502})
	mustStatus(t, call(t, s, "POST", "/api/v2/tickets", ticketBody("lost", "answer")), 502)
	if len(s.Tickets()) != 1 {
		t.Fatal("processed fault did not create the ticket")
	}
	s.InjectFault(zendesktest.Fault{Path: "/api/v2/tickets", Status: 500, Times: 5})
	s.ClearFaults()
	mustStatus(t, call(t, s, "GET", "/api/v2/tickets", nil), 200)

	// The log: credentials redacted, statuses and faults recorded.
	log := s.Requests()
	if len(log) != 7 {
		t.Fatalf("%d log entries", len(log))
	}
	if log[0].Header.Get("Authorization") != "[redacted]" || log[0].Status != 503 || log[0].Fault == "" || log[2].Fault != "" || log[2].Status != 200 {
		t.Fatalf("log %+v", log[:3])
	}
	if !strings.Contains(string(log[5].Body), `"lost"`) || log[5].Status != 502 {
		t.Fatalf("processed entry: %+v", log[5])
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Fatal("reset")
	}

	// Credentials in bodies are redacted too.
	createWebhook(t, s, map[string]any{"name": "b", "endpoint": "https://example.com", "http_method": "POST", "request_format": "json", "status": "active",
		"subscriptions": []string{"conditional_ticket_events"}, "authentication": map[string]any{"type": "api_key", "data": map[string]any{"name": "X-Key", "value": "s3cr3t-key"}}})
	callAuth(t, s, "", "POST", "/oauth/tokens", map[string]any{"grant_type": "client_credentials", "client_id": s.OAuthClientID, "client_secret": s.OAuthClientSecret})
	form, _ := http.NewRequest("POST", s.URL+"/oauth/tokens", strings.NewReader("grant_type=refresh_token&refresh_token=r3fresh&client_id=x&client_secret=y"))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err := http.DefaultClient.Do(form); err == nil {
		res.Body.Close()
	}
	for _, r := range s.Requests() {
		for _, secret := range []string{"s3cr3t-key", s.OAuthClientSecret, "r3fresh", "client_secret=y"} {
			if strings.Contains(string(r.Body), secret) {
				t.Fatalf("%s %s logged %q: %s", r.Method, r.Path, secret, r.Body)
			}
		}
	}
	if !strings.Contains(string(s.Requests()[0].Body), `"X-Key"`) || !strings.Contains(string(s.Requests()[0].Body), `"api_key"`) {
		t.Fatalf("redacted too much: %s", s.Requests()[0].Body)
	}
}

// TestConcurrentUse hammers the fake from many goroutines (run with -race).
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	rc := newReceiver(t)
	var agents []int64
	for i := range 4 {
		agents = append(agents, s.AddAgent(fmt.Sprint("agent", i), fmt.Sprintf("a%d@example.com", i)))
	}
	agentWebhook(t, s, rc.URL, "zen:event-type:agent.state_changed", "zen:event-type:agent.unified_state_changed")
	hook, _ := createWebhook(t, s, map[string]any{"name": "t", "endpoint": rc.URL, "http_method": "POST", "request_format": "json", "status": "active", "subscriptions": []string{"conditional_ticket_events"}})
	createTrigger(t, s, "all public", []map[string]any{cond("comment_is_public", "is", "true")}, nil, webhookAction(hook, `{"id":"{{ticket.id}}"}`))
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 12 {
				r := call(t, s, "POST", "/api/v2/tickets", ticketBody(fmt.Sprint("g", g, "-", i), "hello"))
				if r.status != 201 {
					errs <- fmt.Sprintf("create: %d", r.status)
					return
				}
				id := num(get(r.json(t), "ticket", "id"))
				if r := call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), map[string]any{"ticket": map[string]any{"status": "pending", "comment": map[string]any{"body": "more"}}}); r.status != 200 {
					errs <- fmt.Sprintf("update: %d", r.status)
				}
				if r := call(t, s, "GET", "/api/v2/search?query=type:ticket+status:pending", nil); r.status != 200 {
					errs <- fmt.Sprintf("search: %d", r.status)
				}
				state := []string{"online", "away", "offline"}[i%3]
				_ = s.SetAgentState(agents[g%4], "", state)
				if err := s.AgentReply(id, agents[g%4], "reply", true); err != nil {
					errs <- err.Error()
				}
				_ = s.Deliveries()
				_ = s.Requests()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	wait(t, s)
	if n := len(s.Tickets()); n != 96 {
		t.Fatalf("%d tickets", n)
	}
	for _, d := range s.Deliveries() {
		if !d.Done || !d.Succeeded() {
			t.Fatalf("delivery %+v", d)
		}
	}
}
