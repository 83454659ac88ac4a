package zendesktest_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The trigger body of Braze's help article "Zendesk Chat", as its step 3
// gives it.
const brazeReplyBody = `{
    "campaign_id": "{{YOUR_CAMPAIGN_ID}}",
    "recipients": [
        {
            "external_user_id": "{{ticket.requester.custom_fields.braze_external_id}}",
			"trigger_properties": {
    "msg_body": "{{ticket.latest_public_comment_html}}"
		},
		"attributes": {
        "zendesk_ticket" : "{{ticket.id}}",
	"zendesk_ticket_open" : "true"
    }
        }
    ]
}`

func cond(field, op string, value any) map[string]any {
	return map[string]any{"field": field, "operator": op, "value": value}
}

func webhookAction(id, body string) map[string]any {
	return map[string]any{"field": "notification_webhook", "value": []string{id, body}}
}

func createTrigger(t *testing.T, s *zendesktest.Server, title string, all, anyOf []map[string]any, actions ...map[string]any) int64 {
	t.Helper()
	tr := map[string]any{"title": title, "conditions": map[string]any{"all": all, "any": anyOf}, "actions": actions}
	r := call(t, s, "POST", "/api/v2/triggers", map[string]any{"trigger": tr})
	mustStatus(t, r, 201)
	return num(get(r.json(t), "trigger", "id"))
}

type brazeSend struct {
	Recipients []struct {
		ExternalUserID    string            `json:"external_user_id"`
		TriggerProperties map[string]string `json:"trigger_properties"`
		Attributes        map[string]string `json:"attributes"`
	} `json:"recipients"`
}

// TestTriggersBrazeFlow plays Braze's help article "Zendesk Chat": the SMS
// reply trigger fires on public comments not made through the API, the
// solved trigger fires when the status changes to solved, and bodies render
// the placeholders.
func TestTriggersBrazeFlow(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	rc := newReceiver(t)
	s := newFake(t, zendesktest.WithClock(now))
	agent := s.AddAgent("Ann Agent", "ann@example.com")
	mustStatus(t, call(t, s, "POST", "/api/v2/user_fields", map[string]any{"user_field": map[string]any{"key": "braze_external_id", "title": "Braze external id"}}), 201)
	hook, secret := createWebhook(t, s, map[string]any{
		"name": "Braze", "endpoint": rc.URL + "/campaigns/trigger/send", "http_method": "POST", "request_format": "json",
		"status": "active", "subscriptions": []string{"conditional_ticket_events"},
		"authentication": map[string]any{"type": "bearer_token", "add_position": "header", "data": map[string]any{"token": "braze-rest-key"}},
	})
	cat := call(t, s, "POST", "/api/v2/trigger_categories", map[string]any{"trigger_category": map[string]any{"name": "Trigger message"}})
	mustStatus(t, cat, 201)
	catID := get(cat.json(t), "trigger_category", "id").(string)

	reply := createTrigger(t, s, "Reply via Braze SMS",
		[]map[string]any{cond("comment_is_public", "is", "requester_can_see_comment"), cond("current_via_id", "is_not", "5")}, nil,
		webhookAction(hook, brazeReplyBody))
	solved := createTrigger(t, s, "Notify Braze when solved",
		[]map[string]any{cond("status", "value", "solved")}, nil,
		webhookAction(hook, `{"msg_body": "Your ticket has been closed", "status": "{{ticket.status}}", "who": "{{ticket.requester.name}} <{{ticket.requester.email}}>"}`))
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/triggers/%d", solved), map[string]any{"trigger": map[string]any{"category_id": catID}}), 200)

	// Step 6.2: an inbound SMS creates a ticket through the API, with the
	// requester's braze_external_id.
	r := call(t, s, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{
		"subject": "Action Needed", "comment": map[string]any{"body": "Help me please"}, "priority": "normal", "type": "problem",
		"requester": map[string]any{"name": "Sam Sender", "user_fields": map[string]any{"braze_external_id": "bz-42"}},
	}})
	mustStatus(t, r, 201)
	ticket := num(get(r.json(t), "ticket", "id"))
	// Step 6.4: a follow-up SMS through the API.
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d.json", ticket), map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "Inbound message from Sam: hello?"}}}), 200)
	wait(t, s)
	if n := len(rc.received()); n != 0 {
		t.Fatalf("API updates fired %d webhooks; current_via_id is_not 5 must stop them", n)
	}

	// An agent's public reply in the agent UI: multi-line, emoji, HTML-ish.
	text := "Hi Sam 👋\nWe replaced the <b>toner</b> & \"drum\".\n\nCheers\\Ann"
	if err := s.AgentReply(ticket, agent, text, true); err != nil {
		t.Fatal(err)
	}
	// An internal note does not go out.
	if err := s.AgentReply(ticket, agent, "internal only", false); err != nil {
		t.Fatal(err)
	}
	got := delivered(t, s, rc, 1)
	req := got[0]
	if req.method != "POST" || req.url != "/campaigns/trigger/send" || req.header.Get("Authorization") != "Bearer braze-rest-key" ||
		req.header.Get("x-zendesk-webhook-id") != hook {
		t.Fatalf("request %s %s %v", req.method, req.url, req.header)
	}
	if err := (webhook.ZendeskVerifier{Secrets: []string{secret}, Now: now}).Verify(req.header, req.body); err != nil {
		t.Fatalf("trigger delivery signature: %v", err)
	}
	var send brazeSend
	if err := json.Unmarshal(req.body, &send); err != nil {
		t.Fatalf("body is not JSON (%v):\n%s", err, req.body)
	}
	rcp := send.Recipients[0]
	wantMsg := "----------------------------------------------\n\nAnn Agent, Nov 21, 2026, 10:00\n\n" + text
	if rcp.ExternalUserID != "bz-42" || rcp.TriggerProperties["msg_body"] != wantMsg ||
		rcp.Attributes["zendesk_ticket"] != fmt.Sprint(ticket) || rcp.Attributes["zendesk_ticket_open"] != "true" {
		t.Fatalf("rendered %+v\nmsg %q", rcp, rcp.TriggerProperties["msg_body"])
	}
	// The Braze Liquid takes line 3 of the split message: the first line.
	if lines := strings.Split(rcp.TriggerProperties["msg_body"], "\n"); lines[4] != "Hi Sam 👋" {
		t.Fatalf("lines %q", lines)
	}
	// Unknown placeholders render empty.
	if !strings.Contains(string(req.body), `"campaign_id": ""`) {
		t.Fatalf("unknown placeholder: %s", req.body)
	}
	ds := s.Deliveries()
	if ds[0].Kind != "trigger" || ds[0].TriggerID != reply || ds[0].TicketID != ticket {
		t.Fatalf("delivery %+v", ds[0])
	}

	// Solving fires the solved trigger only.
	if _, err := s.AgentUpdate(ticket, agent, zendesktest.AgentUpdate{Status: "solved"}); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	got = rc.received()
	if len(got) != 2 {
		t.Fatalf("%d deliveries", len(got))
	}
	var closed map[string]string
	if err := json.Unmarshal(got[1].body, &closed); err != nil {
		t.Fatal(err)
	}
	if closed["status"] != "Solved" || closed["who"] != "Sam Sender <>" {
		t.Fatalf("solved body %v", closed)
	}
	// Still solved, another update: the solved trigger does not fire again.
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", ticket), map[string]any{"ticket": map[string]any{"priority": "low"}}), 200)
	delivered(t, s, rc, 2)
}

// TestTriggerConditions has one trigger per condition kind and checks
// which fire on each update.
func TestTriggerConditions(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	agent := s.AddAgent("Ann Agent", "ann@example.com")
	if _, err := s.AddUserField(zendesktest.UserField{Key: "braze_external_id"}); err != nil {
		t.Fatal(err)
	}
	noop := map[string]any{"field": "notification_user", "value": []string{"requester_id", "subject", "body"}}
	for name, conds := range map[string][]map[string]any{
		"created":         {cond("update_type", "is", "Create")},
		"changed":         {cond("update_type", "is", "Change")},
		"public_comment":  {cond("comment_is_public", "is", "true")},
		"private_comment": {cond("comment_is_public", "is", "false")},
		"any_comment":     {cond("comment_is_public", "is", "not_relevant")},
		"via_api":         {cond("current_via_id", "is", 5)},
		"via_web":         {cond("current_via_id", "is", "0")},
		"not_via_api":     {cond("current_via_id", "is_not", "5")},
		"solved_now":      {cond("status", "value", "solved")},
		"was_open":        {cond("status", "value_previous", "open")},
		"status_changed":  {cond("status", "changed", nil)},
		"below_solved":    {cond("status", "less_than", "solved")},
		"has_braze_id":    {cond("requester.custom_fields.braze_external_id", "present", nil)},
		"no_braze_id":     {cond("requester.custom_fields.braze_external_id", "not_present", nil)},
		"braze_id_is":     {cond("requester.custom_fields.braze_external_id", "is", "bz-1")},
		"says_refund":     {cond("comment_includes_word", "includes", "refund money")},
		"urgent":          {cond("priority", "is", "urgent")},
		"agent_updated":   {cond("role", "is", "agent")},
	} {
		createTrigger(t, s, name, conds, nil, noop)
	}
	// any: at least one of.
	createTrigger(t, s, "any_of", []map[string]any{cond("update_type", "is", "Change")},
		[]map[string]any{cond("priority", "is", "high"), cond("priority", "is", "urgent")}, noop)

	seen := 0
	fired := func() string {
		fs := s.Firings()[seen:]
		seen += len(fs)
		var names []string
		for _, f := range fs {
			names = append(names, f.Title)
		}
		slices.Sort(names)
		return strings.Join(names, " ")
	}
	// Create through the API, requester with a braze id, urgent.
	r := call(t, s, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{
		"comment": map[string]any{"body": "I want a refund"}, "priority": "urgent",
		"requester": map[string]any{"name": "Sam", "email": "sam@example.com", "user_fields": map[string]any{"braze_external_id": "bz-1"}},
	}})
	mustStatus(t, r, 201)
	id := num(get(r.json(t), "ticket", "id"))
	if got := fired(); got != "any_comment below_solved braze_id_is created has_braze_id public_comment says_refund status_changed urgent via_api" {
		t.Fatalf("on create: %s", got)
	}
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), map[string]any{"ticket": map[string]any{"status": "open", "priority": "high"}}), 200)
	if got := fired(); got != "any_of below_solved braze_id_is changed has_braze_id status_changed via_api" {
		t.Fatalf("on API change: %s", got)
	}
	// An agent's private note in the agent UI, solving.
	if _, err := s.AgentUpdate(id, agent, zendesktest.AgentUpdate{Comment: "note", Status: "solved"}); err != nil {
		t.Fatal(err)
	}
	if got := fired(); got != "agent_updated any_comment any_of braze_id_is changed has_braze_id not_via_api private_comment solved_now status_changed via_web was_open" {
		t.Fatalf("on agent solve: %s", got)
	}
	// A requester without the field.
	createTicket(t, s, "no field")
	if got := fired(); !strings.Contains(got, "no_braze_id") || strings.Contains(got, "has_braze_id") {
		t.Fatalf("no braze id: %s", got)
	}
}

func TestTriggerCycleAndValidation(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	// The second trigger matches only after the first one's action.
	createTrigger(t, s, "second", []map[string]any{cond("current_tags", "includes", "step1")}, nil,
		map[string]any{"field": "current_tags", "value": "step2"}, map[string]any{"field": "priority", "value": "high"})
	createTrigger(t, s, "first", []map[string]any{cond("update_type", "is", "Create")}, nil,
		map[string]any{"field": "current_tags", "value": "step1"})
	id := createTicket(t, s, "cycle")
	tk, _ := s.Ticket(id)
	if strings.Join(tk.Tags, " ") != "step1 step2" || tk.Priority == nil || *tk.Priority != "high" {
		t.Fatalf("cycle: %v %v", tk.Tags, tk.Priority)
	}

	rc := newReceiver(t)
	eventHook, _ := agentWebhook(t, s, rc.URL, "zen:event-type:agent.state_changed")
	for name, tr := range map[string]map[string]any{
		"unknown condition": {"title": "x", "conditions": map[string]any{"all": []any{cond("brand_id", "is", 1)}}, "actions": []any{map[string]any{"field": "status", "value": "open"}}},
		"bad operator":      {"title": "x", "conditions": map[string]any{"all": []any{cond("update_type", "less_than", 1)}}, "actions": []any{map[string]any{"field": "status", "value": "open"}}},
		"no conditions":     {"title": "x", "conditions": map[string]any{"all": []any{}}, "actions": []any{map[string]any{"field": "status", "value": "open"}}},
		"no actions":        {"title": "x", "conditions": map[string]any{"all": []any{cond("update_type", "is", "Create")}}, "actions": []any{}},
		"no title":          {"conditions": map[string]any{"all": []any{cond("update_type", "is", "Create")}}, "actions": []any{map[string]any{"field": "status", "value": "open"}}},
		"event webhook":     {"title": "x", "conditions": map[string]any{"all": []any{cond("update_type", "is", "Create")}}, "actions": []any{webhookAction(eventHook, "{}")}},
		"unknown field key": {"title": "x", "conditions": map[string]any{"all": []any{cond("requester.custom_fields.nope", "present", nil)}}, "actions": []any{map[string]any{"field": "status", "value": "open"}}},
		"bad category":      {"title": "x", "category_id": "404", "conditions": map[string]any{"all": []any{cond("update_type", "is", "Create")}}, "actions": []any{map[string]any{"field": "status", "value": "open"}}},
	} {
		r := call(t, s, "POST", "/api/v2/triggers", map[string]any{"trigger": tr})
		if r.status != 422 || get(r.json(t), "error") != "RecordInvalid" {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	// CRUD and listing.
	r := call(t, s, "GET", "/api/v2/triggers.json", nil)
	mustStatus(t, r, 200)
	if n := len(get(r.json(t), "triggers").([]any)); n != 2 || get(r.json(t), "triggers", 0, "title") != "second" {
		t.Fatalf("list: %s", r.body)
	}
	tid := num(get(r.json(t), "triggers", 0, "id"))
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/triggers/%d", tid), map[string]any{"trigger": map[string]any{"active": false}}), 200)
	r = call(t, s, "GET", "/api/v2/triggers/active", nil)
	if n := len(get(r.json(t), "triggers").([]any)); n != 1 {
		t.Fatalf("active: %s", r.body)
	}
	mustStatus(t, call(t, s, "DELETE", fmt.Sprintf("/api/v2/triggers/%d", tid), nil), 204)
	mustStatus(t, call(t, s, "GET", fmt.Sprintf("/api/v2/triggers/%d", tid), nil), 404)

	// Categories.
	r = call(t, s, "POST", "/api/v2/trigger_categories", map[string]any{"trigger_category": map[string]any{"name": "SMS", "position": 2}})
	mustStatus(t, r, 201)
	cid := get(r.json(t), "trigger_category", "id").(string)
	mustStatus(t, call(t, s, "POST", "/api/v2/trigger_categories", map[string]any{"trigger_category": map[string]any{"name": ""}}), 422)
	r = call(t, s, "PATCH", "/api/v2/trigger_categories/"+cid, map[string]any{"trigger_category": map[string]any{"name": "SMS bridge"}})
	mustStatus(t, r, 200)
	createTrigger(t, s, "in category", []map[string]any{cond("update_type", "is", "Change")}, nil, map[string]any{"field": "status", "value": "open"})
	last := s.Triggers()[len(s.Triggers())-1]
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/triggers/%d", last.ID), map[string]any{"trigger": map[string]any{"category_id": cid}}), 200)
	mustStatus(t, call(t, s, "DELETE", "/api/v2/trigger_categories/"+cid, nil), 400)
	r = call(t, s, "GET", "/api/v2/trigger_categories", nil)
	if get(r.json(t), "trigger_categories", 0, "name") != "SMS bridge" {
		t.Fatalf("categories: %s", r.body)
	}
	r = call(t, s, "GET", "/api/v2/triggers?category_id="+cid, nil)
	if n := len(get(r.json(t), "triggers").([]any)); n != 1 {
		t.Fatalf("category filter: %s", r.body)
	}
}

func TestPlaceholderFormats(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := newFake(t, zendesktest.WithClock(func() time.Time { return clock }))
	rc := newReceiver(t)
	agent := s.AddAgent("Ann Agent", "ann@example.com")
	group := s.AddGroup("Tier 1")
	for _, format := range []string{"xml", "form_encoded"} {
		hook, _, err := s.AddWebhook(zendesktest.Webhook{Name: format, Endpoint: rc.URL + "/" + format, RequestFormat: format, Subscriptions: []string{"conditional_ticket_events"},
			Authentication: &zendesktest.WebhookAuth{Type: "api_key", Data: map[string]string{"name": "X-Api-Key", "value": "k-" + format}}})
		if err != nil {
			t.Fatal(err)
		}
		createTrigger(t, s, format, []map[string]any{cond("update_type", "is", "Change")}, nil,
			webhookAction(hook.ID, "<m>{{ticket.latest_comment}}|{{ticket.latest_public_comment}}|{{ ticket.title }}|{{ticket.requester.first_name}}|{{ticket.assignee.name}}|{{ticket.group.name}}|{{current_user.email}}|{{ticket.status | upcase}}|{{ticket.priority}}|{{ticket.ticket_field_7}}</m>"))
	}
	r := call(t, s, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{
		"subject": "A & B", "comment": map[string]any{"body": "first <public>"},
		"requester": map[string]any{"name": "Rita Q", "email": "rita@example.com"}, "assignee_id": agent, "group_id": group,
		"custom_fields": []any{map[string]any{"id": 7, "value": "seven"}},
	}})
	mustStatus(t, r, 201)
	id := num(get(r.json(t), "ticket", "id"))
	if err := s.AgentReply(id, agent, "secret note", false); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	got := map[string]received{}
	for _, r := range rc.received() {
		got[strings.TrimPrefix(r.url, "/")] = r
	}
	note := "----------------------------------------------\n\nAnn Agent, Jan 2, 2026, 03:04\n\nsecret note"
	first := "----------------------------------------------\n\nRita Q, Jan 2, 2026, 03:04\n\nfirst <public>"
	want := "<m>" + note + "|" + first + "|A & B|Rita|Ann Agent|Tier 1|ann@example.com|Open|-|seven</m>"
	want = strings.Replace(want, "|-|", "||", 1)
	if b := string(got["form_encoded"].body); b != want {
		t.Fatalf("form_encoded body\n%q\nwant\n%q", b, want)
	}
	if b := string(got["xml"].body); !strings.Contains(b, "first &lt;public&gt;|A &amp; B|") {
		t.Fatalf("xml body %q", b)
	}
	if got["xml"].header.Get("X-Api-Key") != "k-xml" || got["xml"].header.Get("Content-Type") != "application/xml" {
		t.Fatalf("xml headers %v", got["xml"].header)
	}
}
