package zendesk

import (
	"strings"
	"testing"
)

func TestWebhooksCreateConditionalTicketEvents(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/webhooks", status(201, testdata(t, "webhook.json")))
	in := &Webhook{
		Name:           "Braze SMS",
		Endpoint:       "https://rest.iad-01.braze.com/campaigns/trigger/send",
		Subscriptions:  []string{SubscriptionConditionalTicketEvents},
		Authentication: WebhookBearerToken("braze-rest-key"),
	}
	w, err := f.client().Webhooks.Create(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	f.only().expect(t, "POST", "/api/v2/webhooks", "",
		`{"webhook":{"name":"Braze SMS","endpoint":"https://rest.iad-01.braze.com/campaigns/trigger/send","http_method":"POST","request_format":"json","status":"active","subscriptions":["conditional_ticket_events"],"authentication":{"type":"bearer_token","data":{"token":"braze-rest-key"},"add_position":"header"}}}`)
	if in.HTTPMethod != "" || in.Status != "" {
		t.Fatal("the caller's webhook was modified")
	}
	if w.ID != "01F1KRFQ6BG29CNWFR60NK5FNY" || w.Status != WebhookActive || w.Authentication.Type != "basic_auth" || w.CreatedBy != "1234567" ||
		!w.CreatedAt.Equal(mustTime(t, "2021-03-25T05:09:27Z")) || w.Subscriptions[0] != SubscriptionConditionalTicketEvents {
		t.Fatalf("webhook = %+v", w)
	}
}

func TestWebhooksCreateEventSubscription(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/webhooks", status(201, testdata(t, "webhook.json")))
	_, err := f.client().Webhooks.Create(t.Context(), &Webhook{
		Name: "babelforce agent status", Endpoint: "https://acme.babelforce.com/api/v1/webhook/zendesk?templateId=webhook_map_talk_status",
		Subscriptions: []string{EventAgentStateChanged}, Authentication: WebhookBasicAuth("user", "pass"),
		CustomHeaders: map[string]string{"X-Env": "prod"},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.only().expect(t, "POST", "/api/v2/webhooks", "",
		`{"webhook":{"name":"babelforce agent status","endpoint":"https://acme.babelforce.com/api/v1/webhook/zendesk?templateId=webhook_map_talk_status","http_method":"POST","request_format":"json","status":"active","subscriptions":["zen:event-type:agent.state_changed"],"authentication":{"type":"basic_auth","data":{"password":"pass","username":"user"},"add_position":"header"},"custom_headers":{"X-Env":"prod"}}}`)
}
func TestWebhooksListGetUpdateDelete(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/webhooks",
		ok(`{"webhooks":[{"id":"w1","name":"a"}],"meta":{"has_more":true,"after_cursor":"c1"},"links":{"next":"https://acme.zendesk.com/api/v2/webhooks?page[after]=c1"}}`),
		ok(`{"webhooks":[{"id":"w2","name":"b"}],"meta":{"has_more":false}}`))
	f.on("GET", "/api/v2/webhooks/w1", ok(testdata(t, "webhook.json")))
	f.on("PUT", "/api/v2/webhooks/w1", status(204, ""))
	f.on("DELETE", "/api/v2/webhooks/w1", status(204, ""))
	c := f.client()
	var ids []string
	for w, err := range c.Webhooks.List(t.Context(), &WebhookListOptions{NameContains: "SMS", Status: WebhookActive, Sort: "name", CursorOptions: CursorOptions{PageSize: 1}}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, w.ID)
	}
	if strings.Join(ids, ",") != "w1,w2" {
		t.Fatal(ids)
	}
	w, err := c.Webhooks.Get(t.Context(), "w1")
	if err != nil || w.Name != "X" {
		t.Fatal(w, err)
	}
	// Read, change one field, write back: read-only fields stay home.
	w.Status = WebhookInactive
	w.Authentication = nil
	if err := c.Webhooks.Update(t.Context(), "w1", w); err != nil {
		t.Fatal(err)
	}
	if w.ID != "01F1KRFQ6BG29CNWFR60NK5FNY" || w.CreatedBy == "" {
		t.Fatal("the caller's webhook was modified")
	}
	if err := c.Webhooks.Delete(t.Context(), "w1"); err != nil {
		t.Fatal(err)
	}
	calls := f.calls()
	calls[0].expect(t, "GET", "/api/v2/webhooks", "filter[name_contains]=SMS&filter[status]=active&sort=name&page[size]=1", "")
	calls[1].expect(t, "GET", "/api/v2/webhooks", "filter[name_contains]=SMS&filter[status]=active&sort=name&page[size]=1&page[after]=c1", "")
	calls[2].expect(t, "GET", "/api/v2/webhooks/w1", "", "")
	calls[3].expect(t, "PUT", "/api/v2/webhooks/w1", "",
		`{"webhook":{"name":"X","endpoint":"https://example.com/hook","http_method":"POST","request_format":"json","status":"inactive","subscriptions":["conditional_ticket_events"]}}`)
	calls[4].expect(t, "DELETE", "/api/v2/webhooks/w1", "", "")

	for _, err := range []error{
		func() error { _, err := c.Webhooks.Get(t.Context(), ""); return err }(),
		func() error { _, err := c.Webhooks.Create(t.Context(), &Webhook{Name: "no endpoint"}); return err }(),
		c.Webhooks.Update(t.Context(), "", &Webhook{}),
		c.Webhooks.Update(t.Context(), "w1", &Webhook{Name: "x"}),
		c.Webhooks.Delete(t.Context(), ""),
		func() error { _, err := c.Webhooks.SigningSecret(t.Context(), ""); return err }(),
		func() error { _, err := c.Webhooks.ResetSigningSecret(t.Context(), ""); return err }(),
		func() error { _, err := c.Webhooks.Test(t.Context(), "", &WebhookTest{}); return err }(),
		func() error {
			_, err := c.Webhooks.ListPage(t.Context(), &WebhookListOptions{CursorOptions: CursorOptions{PageSize: 200}})
			return err
		}(),
	} {
		isInvalid(t, err)
	}
}

func TestWebhooksSigningSecret(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/webhooks/w1/signing_secret", ok(testdata(t, "signing_secret.json")))
	s, err := f.client().Webhooks.SigningSecret(t.Context(), "w1")
	if err != nil || s.Algorithm != "sha256" || s.Secret != "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==" {
		t.Fatal(s, err)
	}
	f.only().expect(t, "GET", "/api/v2/webhooks/w1/signing_secret", "", "")
}
