package zendesktest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

var ulidRE = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

func agentWebhook(t *testing.T, s *zendesktest.Server, endpoint string, types ...string) (string, string) {
	t.Helper()
	return createWebhook(t, s, map[string]any{
		"name": "agent status", "endpoint": endpoint, "http_method": "POST", "request_format": "json",
		"status": "active", "subscriptions": types,
		"authentication": map[string]any{"type": "bearer_token", "add_position": "header", "data": map[string]any{"token": "bf-token"}},
	})
}

// TestAgentStateDeliverySigned checks the envelope of an agent event, its
// headers, and its signature with webhook.ZendeskVerifier and with an
// independent HMAC computation.
func TestAgentStateDeliverySigned(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	s := newFake(t, zendesktest.WithAccountID(2))
	agent := s.AddAgent("Ann Agent", "ann@example.com")
	hookID, secret := agentWebhook(t, s, rc.URL+"/hook?templateId=webhook_map_talk_status",
		"zen:event-type:agent.state_changed", "zen:event-type:agent.unified_state_changed")

	if err := s.SetAgentState(agent, "support", "online"); err != nil {
		t.Fatal(err)
	}
	// Support online alone matches no unified status.
	got := delivered(t, s, rc, 1)
	req := got[0]
	if req.method != "POST" || req.url != "/hook?templateId=webhook_map_talk_status" {
		t.Fatalf("request %s %s", req.method, req.url)
	}
	// Headers.
	h := req.header
	if h.Get("x-zendesk-account-id") != "2" || h.Get("x-zendesk-webhook-id") != hookID || h.Get("x-zendesk-webhook-invocation-id") == "" ||
		h.Get("Authorization") != "Bearer bf-token" || h.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", h)
	}
	// Signature: the webhook package's verifier...
	v := webhook.ZendeskVerifier{Secrets: []string{secret}}
	if err := v.Verify(h, req.body); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := (webhook.ZendeskVerifier{Secrets: []string{"other"}}).Verify(h, req.body); err == nil {
		t.Fatal("verified with the wrong secret")
	}
	// ... and an independent computation: base64(HMAC-SHA256(secret, timestamp+body)).
	ts := h.Get("x-zendesk-webhook-signature-timestamp")
	if _, err := time.Parse(time.RFC3339, ts); err != nil {
		t.Fatalf("timestamp %q: %v", ts, err)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write(req.body)
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); h.Get("x-zendesk-webhook-signature") != want {
		t.Fatalf("signature %q, want %q", h.Get("x-zendesk-webhook-signature"), want)
	}

	// The envelope, exactly as Zendesk's agent events reference shows it.
	var env map[string]json.RawMessage
	if err := json.Unmarshal(req.body, &env); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if fmt.Sprint(keys) != "[account_id detail event id subject time type zendesk_event_version]" {
		t.Fatalf("keys %v", keys)
	}
	if string(env["account_id"]) != "2" || string(env["type"]) != `"zen:event-type:agent.state_changed"` ||
		string(env["subject"]) != fmt.Sprintf(`"zen:agent:%d"`, agent) || string(env["zendesk_event_version"]) != `"2022-11-06"` {
		t.Fatalf("envelope %s", req.body)
	}
	var detail map[string]string // ids are strings
	if err := json.Unmarshal(env["detail"], &detail); err != nil {
		t.Fatalf("detail %s: %v", env["detail"], err)
	}
	if detail["account_id"] != "2" || detail["agent_id"] != fmt.Sprint(agent) || detail["version"] != "2" {
		t.Fatalf("detail %v", detail)
	}
	var id string
	_ = json.Unmarshal(env["id"], &id)
	if !ulidRE.MatchString(id) {
		t.Fatalf("id %q", id)
	}
	// The webhook package parses it.
	ev, err := webhook.ParseZendeskEvent(req.body)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := ev.Payload.(*webhook.AgentStateChanged)
	if !ok || p.AgentID != agent || p.AccountID != 2 || p.Channel != "support" || p.PreviousState != "offline" || p.NewState != "online" || p.UpdatedAt.IsZero() {
		t.Fatalf("payload %#v", ev.Payload)
	}

	// All channels online: two more state_changed (messaging, talk) and the
	// unified change to 3 online.
	if err := s.SetAgentState(agent, "", "online"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	got = rc.received()[1:]
	var types []string
	for _, r := range got {
		ev, err := webhook.ParseZendeskEvent(r.body)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
		if u, ok := ev.Payload.(*webhook.AgentUnifiedStateChanged); ok {
			if u.NewState.ID != 3 || u.NewState.Name != "online" || u.PreviousState.ID != 2 || u.PreviousState.Name != "offline" || u.NewState.Reason != "AGENT_STATUS_SWITCHER" {
				t.Fatalf("unified %+v", u)
			}
		}
	}
	if fmt.Sprint(types) != "[zen:event-type:agent.state_changed zen:event-type:agent.state_changed zen:event-type:agent.unified_state_changed]" {
		t.Fatalf("types %v", types)
	}
	// Each delivery has its own invocation id; the Delivery log agrees.
	ds := s.Deliveries()
	if len(ds) != 4 || ds[0].Kind != "event" || ds[0].AgentID != agent || !ds[0].Succeeded() || ds[0].InvocationID == ds[1].InvocationID {
		t.Fatalf("deliveries %+v", ds)
	}
	// No change, no event.
	if err := s.SetAgentState(agent, "talk", "online"); err != nil {
		t.Fatal(err)
	}
	delivered(t, s, rc, 4)
	if err := s.SetAgentState(agent, "chat", "online"); err == nil {
		t.Fatal("bad channel accepted")
	}
	if err := s.SetAgentState(s.AddUser(zendesktest.User{Name: "End"}).ID, "talk", "online"); err == nil {
		t.Fatal("end user accepted")
	}
}

func TestUnifiedStatusAPI(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	s := newFake(t)
	agent := s.AddAgent("Ann Agent", "ann@example.com")
	other := s.AddAgent("Bob Agent", "bob@example.com")
	meeting, err := s.AddCustomStatus("In a meeting", "busy", map[string]string{"support": "online", "messaging": "away", "talk": "away"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddCustomStatus("bad", "", map[string]string{"fax": "online"}); err == nil {
		t.Fatal("bad channel accepted")
	}
	agentWebhook(t, s, rc.URL, "zen:event-type:agent.state_changed", "zen:event-type:agent.unified_state_changed")
	// Only unified events for this one.
	createWebhook(t, s, map[string]any{"name": "unified only", "endpoint": rc.URL + "/unified", "http_method": "POST", "request_format": "json",
		"status": "active", "subscriptions": []string{"zen:event-type:agent.unified_state_changed"}})

	// List statuses.
	r := call(t, s, "GET", "/api/v2/agent_availabilities/agent_statuses", nil)
	mustStatus(t, r, 200)
	m := r.json(t)
	if len(m["default"].([]any)) != 4 || num(get(m, "default", 1, "id")) != 3 || get(m, "default", 1, "attributes", "name") != "online" ||
		get(m, "default", 1, "attributes", "description") != "Can receive work" ||
		num(get(m, "custom", 0, "id")) != meeting || get(m, "custom", 0, "attributes", "channels", "talk") != "away" {
		t.Fatalf("statuses %s", r.body)
	}

	// {"id": N}
	r = call(t, s, "PUT", fmt.Sprintf("/api/v2/agent_availabilities/agent_statuses/agents/%d", agent), map[string]any{"id": 3})
	mustStatus(t, r, 200)
	if get(r.json(t), "data", "id") != fmt.Sprintf("agent_availabilities|%d", agent) || get(r.json(t), "data", "attributes", "agent_status", "name") != "online" {
		t.Fatalf("update: %s", r.body)
	}
	delivered(t, s, rc, 5) // 3 channels + unified, plus unified to the second webhook
	// The JSON:API form with a string id, to a custom status.
	r = call(t, s, "PUT", fmt.Sprintf("/api/v2/agent_availabilities/agent_statuses/agents/%d", agent),
		map[string]any{"data": map[string]any{"type": "agent_status", "attributes": map[string]any{"agent_status_id": fmt.Sprint(meeting)}}})
	mustStatus(t, r, 200)
	wait(t, s)
	got := rc.received()[5:]
	if len(got) != 4 { // messaging and talk to away, unified twice
		t.Fatalf("%d deliveries", len(got))
	}
	a, _ := s.Availability(agent)
	if a.StatusID != meeting || a.Channels["support"] != "online" || a.Channels["talk"] != "away" || a.Reason != "PUBLIC_API" {
		t.Fatalf("availability %+v", a)
	}
	// Errors: unknown status, not an agent, no id.
	r = call(t, s, "PUT", fmt.Sprintf("/api/v2/agent_availabilities/agent_statuses/agents/%d", agent), map[string]any{"id": 999})
	mustStatus(t, r, 404)
	if get(r.json(t), "errors", 0, "code") != "NotFound" {
		t.Fatalf("404 %s", r.body)
	}
	mustStatus(t, call(t, s, "PUT", "/api/v2/agent_availabilities/agent_statuses/agents/999", map[string]any{"id": 3}), 404)
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/agent_availabilities/agent_statuses/agents/%d", agent), map[string]any{}), 422)
	mustStatus(t, call(t, s, "PUT", "/api/v2/agent_availabilities/agent_statuses/agents/me", map[string]any{"id": 4}), 200)

	// Show one availability (JSON:API with included channels).
	r = call(t, s, "GET", fmt.Sprintf("/api/v2/agent_availabilities/%d", agent), nil)
	mustStatus(t, r, 200)
	m = r.json(t)
	if get(m, "data", "type") != "agent_availabilities" || num(get(m, "data", "attributes", "agent_status", "id")) != meeting ||
		get(m, "data", "relationships", "channels", "data", 0, "id") != fmt.Sprintf("agent_availabilities|%d|channels|messaging", agent) ||
		len(m["included"].([]any)) != 3 || get(m, "included", 1, "attributes", "status") != "online" {
		t.Fatalf("availability %s", r.body)
	}
	// List with filters and cursor pagination.
	list := func(q string) []int64 {
		r := call(t, s, "GET", "/api/v2/agent_availabilities?"+q, nil)
		mustStatus(t, r, 200)
		var ids []int64
		for _, d := range get(r.json(t), "data").([]any) {
			ids = append(ids, num(get(d, "attributes", "agent_id")))
		}
		return ids
	}
	if got := list("filter[channel_status]=support:online"); fmt.Sprint(got) != fmt.Sprint([]int64{agent}) {
		t.Fatalf("channel filter %v", got)
	}
	if got := list(fmt.Sprintf("filter[agent_status_id]=2,%d", meeting)); len(got) != 2 {
		t.Fatalf("status filter %v", got)
	}
	r = call(t, s, "GET", "/api/v2/agent_availabilities?page[size]=1", nil)
	m = r.json(t)
	if get(m, "meta", "has_more") != true || len(m["data"].([]any)) != 1 {
		t.Fatalf("cursor: %s", r.body)
	}
	mustStatus(t, call(t, s, "GET", "/api/v2/agent_availabilities?filter[channel_status]=fax", nil), 400)

	// Talk availability.
	r = call(t, s, "GET", fmt.Sprintf("/api/v2/channels/voice/availabilities/%d.json", other), nil)
	mustStatus(t, r, 200)
	if get(r.json(t), "availability", "agent_state") != "offline" || get(r.json(t), "availability", "via") != "client" {
		t.Fatalf("talk %s", r.body)
	}
	wait(t, s)
	before := len(rc.received())
	r = call(t, s, "PUT", fmt.Sprintf("/api/v2/channels/voice/availabilities/%d", other), map[string]any{"availability": map[string]any{"agent_state": "online", "via": "phone"}})
	mustStatus(t, r, 200)
	if get(r.json(t), "availability", "agent_state") != "online" || get(r.json(t), "availability", "via") != "phone" {
		t.Fatalf("talk put %s", r.body)
	}
	wait(t, s)
	if n := len(rc.received()) - before; n != 1 {
		t.Fatalf("talk change sent %d events", n)
	}
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/channels/voice/availabilities/%d", other), map[string]any{"availability": map[string]any{"agent_state": "busy"}}), 422)
	mustStatus(t, call(t, s, "GET", "/api/v2/channels/voice/availabilities/999", nil), 404)
}
