package zendesktest_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestWebhooksAPI(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	rc := newReceiver(t)
	hook := map[string]any{
		"name": "Braze", "endpoint": rc.URL, "http_method": "POST", "request_format": "json", "status": "active",
		"subscriptions":  []string{"conditional_ticket_events"},
		"authentication": map[string]any{"type": "basic_auth", "add_position": "header", "data": map[string]any{"username": "u", "password": "p"}},
	}
	r := call(t, s, "POST", "/api/v2/webhooks", map[string]any{"webhook": hook})
	mustStatus(t, r, 201)
	w := get(r.json(t), "webhook").(map[string]any)
	id := w["id"].(string)
	if !ulidRE.MatchString(id) || get(w, "authentication", "type") != "basic_auth" || get(w, "authentication", "data") != nil ||
		w["signing_secret"] != nil || w["created_by"] != fmt.Sprint(s.AdminID) {
		t.Fatalf("created %s", r.body)
	}
	// Show, list, filters.
	mustStatus(t, call(t, s, "GET", "/api/v2/webhooks/"+id, nil), 200)
	mustStatus(t, call(t, s, "GET", "/api/v2/webhooks/01F1KRFQ6BG29CNWFR60NK5FNY", nil), 404)
	createWebhook(t, s, map[string]any{"name": "Other", "endpoint": rc.URL, "http_method": "POST", "request_format": "json", "status": "inactive",
		"subscriptions": []string{"zen:event-type:agent.state_changed"}})
	r = call(t, s, "GET", "/api/v2/webhooks?filter[status]=active", nil)
	if n := len(get(r.json(t), "webhooks").([]any)); n != 1 {
		t.Fatalf("status filter: %s", r.body)
	}
	r = call(t, s, "GET", "/api/v2/webhooks?page[size]=1", nil)
	m := r.json(t)
	if get(m, "meta", "has_more") != true || get(m, "webhooks", 0, "id") != id {
		t.Fatalf("page: %s", r.body)
	}
	r = call(t, s, "GET", get(m, "links", "next").(string), nil)
	if get(r.json(t), "webhooks", 0, "name") != "Other" || get(r.json(t), "meta", "has_more") != false {
		t.Fatalf("page 2: %s", r.body)
	}
	r = call(t, s, "GET", "/api/v2/webhooks?filter[name_contains]=bra", nil)
	if n := len(get(r.json(t), "webhooks").([]any)); n != 1 {
		t.Fatalf("name filter: %s", r.body)
	}

	// Update (204), partial; the connection kind cannot change.
	mustStatus(t, call(t, s, "PUT", "/api/v2/webhooks/"+id, map[string]any{"webhook": map[string]any{"name": "Braze SMS"}}), 204)
	mustStatus(t, call(t, s, "PATCH", "/api/v2/webhooks/"+id, map[string]any{"webhook": map[string]any{"status": "inactive"}}), 204)
	r = call(t, s, "GET", "/api/v2/webhooks/"+id, nil)
	if get(r.json(t), "webhook", "name") != "Braze SMS" || get(r.json(t), "webhook", "status") != "inactive" {
		t.Fatalf("after update: %s", r.body)
	}
	ws := s.Webhooks()
	if ws[0].Authentication.Data["password"] != "p" {
		t.Fatal("update lost the authentication data")
	}
	r = call(t, s, "PUT", "/api/v2/webhooks/"+id, map[string]any{"webhook": map[string]any{"subscriptions": []string{"zen:event-type:agent.state_changed"}}})
	mustStatus(t, r, 422)

	// Validation.
	for name, h := range map[string]map[string]any{
		"no name":            {"endpoint": rc.URL, "http_method": "POST", "request_format": "json", "status": "active"},
		"bad endpoint":       {"name": "x", "endpoint": "ftp://x", "http_method": "POST", "request_format": "json", "status": "active"},
		"bad method":         {"name": "x", "endpoint": rc.URL, "http_method": "TRACE", "request_format": "json", "status": "active"},
		"event with PUT":     {"name": "x", "endpoint": rc.URL, "http_method": "PUT", "request_format": "json", "status": "active", "subscriptions": []string{"zen:event-type:agent.state_changed"}},
		"event with xml":     {"name": "x", "endpoint": rc.URL, "http_method": "POST", "request_format": "xml", "status": "active", "subscriptions": []string{"zen:event-type:agent.state_changed"}},
		"mixed":              {"name": "x", "endpoint": rc.URL, "http_method": "POST", "request_format": "json", "status": "active", "subscriptions": []string{"conditional_ticket_events", "zen:event-type:agent.state_changed"}},
		"bearer token blank": {"name": "x", "endpoint": rc.URL, "http_method": "POST", "request_format": "json", "status": "active", "authentication": map[string]any{"type": "bearer_token", "data": map[string]any{}}},
		"auth type":          {"name": "x", "endpoint": rc.URL, "http_method": "POST", "request_format": "json", "status": "active", "authentication": map[string]any{"type": "oauth", "data": map[string]any{}}},
	} {
		r := call(t, s, "POST", "/api/v2/webhooks", map[string]any{"webhook": h})
		if r.status != 422 || get(r.json(t), "error") != "RecordInvalid" {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}

	// Signing secret: show, reset.
	r = call(t, s, "GET", "/api/v2/webhooks/"+id+"/signing_secret", nil)
	mustStatus(t, r, 200)
	old := get(r.json(t), "signing_secret", "secret").(string)
	if get(r.json(t), "signing_secret", "algorithm") != "sha256" || len(old) != 44 {
		t.Fatalf("secret: %s", r.body)
	}
	r = call(t, s, "POST", "/api/v2/webhooks/"+id+"/signing_secret", nil)
	mustStatus(t, r, 201)
	fresh := get(r.json(t), "signing_secret", "secret").(string)
	if sec, _ := s.WebhookSecret(id); fresh == old || sec != fresh {
		t.Fatal("reset did not change the secret")
	}

	// Test an existing webhook: signed with its secret, the receiver's answer returned.
	rc.answer(answer{status: 202})
	r = call(t, s, "POST", "/api/v2/webhooks/test?webhook_id="+id, map[string]any{"request": map[string]any{"payload": `{"say":"hello"}`, "headers": []any{map[string]any{"key": "X-Extra", "value": "1"}}}})
	mustStatus(t, r, 200)
	if num(get(r.json(t), "response", "status")) != 202 {
		t.Fatalf("test: %s", r.body)
	}
	got := rc.received()[0]
	if string(got.body) != `{"say":"hello"}` || got.header.Get("X-Extra") != "1" || got.header.Get("Authorization") != basicHeader("u", "p") {
		t.Fatalf("test request %s %v", got.body, got.header)
	}
	if err := (webhook.ZendeskVerifier{Secrets: []string{fresh}}).Verify(got.header, got.body); err != nil {
		t.Fatal(err)
	}
	// Test an unsaved event webhook: the documented sample, signed with the test secret.
	r = call(t, s, "POST", "/api/v2/webhooks/test", map[string]any{"webhook": map[string]any{
		"endpoint": rc.URL, "http_method": "POST", "request_format": "json", "subscriptions": []string{"zen:event-type:agent.state_changed"}}})
	mustStatus(t, r, 200)
	got = rc.received()[1]
	if err := (webhook.ZendeskVerifier{Secrets: []string{zendesktest.TestSigningSecret}}).Verify(got.header, got.body); err != nil {
		t.Fatal(err)
	}
	ev, err := webhook.ParseZendeskEvent(got.body)
	if err != nil || ev.Type != "zen:event-type:agent.state_changed" || ev.AccountID != 2 {
		t.Fatalf("sample %v %v", ev, err)
	}
	// The definition and headers may also come inside "request".
	r = call(t, s, "POST", "/api/v2/webhooks/test", map[string]any{"request": map[string]any{
		"endpoint": rc.URL, "http_method": "PUT", "request_format": "json", "payload": "{}", "headers": map[string]string{"X-A": "1"}}})
	mustStatus(t, r, 200)
	got = rc.received()[2]
	if got.method != "PUT" || got.header.Get("X-A") != "1" {
		t.Fatalf("request form: %s %v", got.method, got.header)
	}
	mustStatus(t, call(t, s, "POST", "/api/v2/webhooks/test", map[string]any{"request": map[string]any{"payload": "{}"}}), 422)
	if ds := s.Deliveries(); len(ds) != 3 || ds[0].Kind != "test" {
		t.Fatalf("deliveries %+v", ds)
	}
	// A test whose endpoint refuses connections answers with a gateway status.
	// (Port 1 is never listened on; a closed test server's port can be
	// taken by another test's server before it is dialed.)
	r = call(t, s, "POST", "/api/v2/webhooks/test", map[string]any{"webhook": map[string]any{"endpoint": "http://127.0.0.1:1", "http_method": "GET", "request_format": "json"}})
	mustStatus(t, r, 200)
	if num(get(r.json(t), "response", "status")) != 502 {
		t.Fatalf("dead endpoint: %s", r.body)
	}

	// An inactive trigger webhook does not deliver; delete.
	mustStatus(t, call(t, s, "DELETE", "/api/v2/webhooks/"+id, nil), 204)
	mustStatus(t, call(t, s, "DELETE", "/api/v2/webhooks/"+id, nil), 404)
}

func basicHeader(u, p string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))
}

func TestTriggerWebhookGETParams(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	rc := newReceiver(t)
	w, _, err := s.AddWebhook(zendesktest.Webhook{Name: "get", Endpoint: rc.URL + "/hook?fixed=1", HTTPMethod: "GET", Subscriptions: []string{"conditional_ticket_events"},
		CustomHeaders: map[string]string{"X-Custom": "c"}})
	if err != nil {
		t.Fatal(err)
	}
	pairs, _ := json.Marshal([][]string{{"ticket", "{{ticket.id}}"}, {"status", "{{ticket.status}}"}})
	createTrigger(t, s, "get", []map[string]any{cond("update_type", "is", "Create")}, nil, webhookAction(w.ID, string(pairs)))
	id := createTicket(t, s, "x")
	wait(t, s)
	got := rc.received()
	if len(got) != 1 || got[0].method != "GET" || len(got[0].body) != 0 || got[0].header.Get("X-Custom") != "c" {
		t.Fatalf("got %+v", got)
	}
	u, _ := url.Parse(got[0].url)
	if q := u.Query(); q.Get("fixed") != "1" || q.Get("ticket") != fmt.Sprint(id) || q.Get("status") != "New" {
		t.Fatalf("query %v", u.RawQuery)
	}
}
