package zendesk

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// One test per guess of unconfirmed.go, each naming its doubt.

// requestIDHeaders are UNCONFIRMED: Zendesk's reference names no request id
// header. X-Request-Id is read first, X-Zendesk-Request-Id is the fallback
// guess; both reach the error's RequestID.
func TestRequestIDHeadersUnconfirmed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header []string
		want   string
	}{
		{[]string{"X-Request-Id", "a", "X-Zendesk-Request-Id", "b"}, "a"},
		{[]string{"X-Zendesk-Request-Id", "b"}, "b"},
		{nil, ""},
	} {
		f := newFake(t)
		f.on("GET", "/api/v2/tickets/1", reply{status: 404, body: `{"error":"RecordNotFound"}`, header: tc.header})
		_, err := f.client().Tickets.Get(t.Context(), 1)
		var zerr *Error
		if !errors.As(err, &zerr) || zerr.RequestID != tc.want {
			t.Errorf("headers %v: err = %v, want request id %q", tc.header, err, tc.want)
		}
	}
}

// availabilityQuery is UNCONFIRMED: the filter names come from public
// client code and a client's docs, not from Zendesk's reference.
func TestAvailabilityFiltersUnconfirmed(t *testing.T) {
	t.Parallel()
	q := availabilityQuery(&AvailabilityListOptions{ChannelStatus: "support:away", AgentStatusID: 123, SelectChannel: "talk"})
	if q.Encode() != "filter%5Bagent_status_id%5D=123&filter%5Bchannel_status%5D=support%3Aaway&select_channel=talk" {
		t.Fatal(q.Encode())
	}
	if len(availabilityQuery(&AvailabilityListOptions{})) != 0 {
		t.Fatal("no filters, no query")
	}
}

// setAgentStatusBody is UNCONFIRMED: two public clients send {"id": N}; an
// API catalog shows a JSON:API body instead.
func TestSetAgentStatusBodyUnconfirmed(t *testing.T) {
	t.Parallel()
	b, _ := json.Marshal(setAgentStatusBody(UnifiedStatusAway))
	if string(b) != `{"id":4}` {
		t.Fatal(string(b))
	}
}

// bearerTokenData and apiKeyData are UNCONFIRMED: the key names "token" and
// "name"/"value" are not in Zendesk's reference.
func TestWebhookAuthenticationDataUnconfirmed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a    *WebhookAuthentication
		want string
	}{
		{WebhookBasicAuth("u", "p"), `{"type":"basic_auth","data":{"password":"p","username":"u"},"add_position":"header"}`},
		{WebhookBearerToken("tok"), `{"type":"bearer_token","data":{"token":"tok"},"add_position":"header"}`},
		{WebhookAPIKey("X-Api-Key", "k"), `{"type":"api_key","data":{"name":"X-Api-Key","value":"k"},"add_position":"header"}`},
	} {
		b, _ := json.Marshal(tc.a)
		if string(b) != tc.want {
			t.Errorf("got %s, want %s", b, tc.want)
		}
	}
}

// webhooksListPath and WebhookListOptions are UNCONFIRMED: GET
// /api/v2/webhooks and its filter names are not in the reference that could
// be read.
func TestWebhooksListPathAndFiltersUnconfirmed(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/webhooks", ok(`{"webhooks":[],"meta":{"has_more":false}}`))
	if _, err := f.client().Webhooks.ListPage(t.Context(), &WebhookListOptions{NameContains: "SMS", Status: WebhookActive, Sort: "-name"}); err != nil {
		t.Fatal(err)
	}
	f.calls()[0].expect(t, "GET", "/api/v2/webhooks", "filter[name_contains]=SMS&filter[status]=active&page[size]=100&sort=-name", "")
}

// signingSecretResetPath is UNCONFIRMED: POST on .../signing_secret is what
// third-party specs derived from the docs use.
func TestWebhooksResetSigningSecretUnconfirmedPath(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/webhooks/w1/signing_secret", status(503, `{}`), status(201, `{"signing_secret":{"algorithm":"sha256","secret":"new-secret"}}`))
	_, err := f.client().Webhooks.ResetSigningSecret(t.Context(), "w1")
	if err == nil || len(f.calls()) != 1 {
		t.Fatalf("a reset is not replayed after a 5xx: err = %v, calls = %d", err, len(f.calls()))
	}
	s, err := f.client().Webhooks.ResetSigningSecret(t.Context(), "w1")
	if err != nil || s.Secret != "new-secret" {
		t.Fatal(s, err)
	}
	f.calls()[1].expect(t, "POST", "/api/v2/webhooks/w1/signing_secret", "", "")
	if signingSecretResetPath("a/b") != "/api/v2/webhooks/a%2Fb/signing_secret" {
		t.Fatal(signingSecretResetPath("a/b"))
	}
}

// webhookTestBody and parseWebhookTestResult are UNCONFIRMED: the
// {"request": ...} / {"response": ...} shapes are recalled from Zendesk's
// reference, not read from a stored copy.
func TestWebhooksTestUnconfirmedShapes(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/webhooks/test",
		ok(`{"response":{"headers":[{"key":"Content-Type","value":"application/json"}],"payload":"{\"ok\":true}","status":200}}`),
		ok(`{"response":{"status":500,"payload":{"odd":1}}}`),
		ok(`[]`))
	c := f.client()
	res, err := c.Webhooks.Test(t.Context(), "w1", &WebhookTest{Endpoint: "https://example.com/status/200", Payload: `{"ok":1}`, Authentication: WebhookBearerToken("t0k3n")})
	if err != nil || res.Status != 200 || res.Payload != `{"ok":true}` || !strings.Contains(string(res.Headers), "Content-Type") {
		t.Fatalf("result = %+v, err = %v", res, err)
	}
	f.calls()[0].expect(t, "POST", "/api/v2/webhooks/test", "webhook_id=w1",
		`{"request":{"endpoint":"https://example.com/status/200","http_method":"POST","request_format":"json","payload":"{\"ok\":1}","authentication":{"type":"bearer_token","data":{"token":"t0k3n"},"add_position":"header"}}}`)
	res, err = c.Webhooks.Test(t.Context(), "", &WebhookTest{Endpoint: "https://example.com/x", HTTPMethod: "GET", RequestFormat: "xml"})
	if err != nil || res.Status != 500 || res.Payload != `{"odd":1}` {
		t.Fatalf("result = %+v, err = %v", res, err)
	}
	f.calls()[1].expect(t, "POST", "/api/v2/webhooks/test", "", `{"request":{"endpoint":"https://example.com/x","http_method":"GET","request_format":"xml"}}`)
	res, err = c.Webhooks.Test(t.Context(), "", &WebhookTest{Endpoint: "https://example.com/x"})
	if err != nil || res.Status != 0 || string(res.Raw) != `[]` {
		t.Fatalf("unexpected shape kept raw: %+v, %v", res, err)
	}
}

// loopGuardCondition is UNCONFIRMED: the field name current_via_id comes
// from public code, not from Zendesk's condition reference; the value is
// via id 5 (web_service, documented) sent as a string.
func TestLoopGuardConditionUnconfirmed(t *testing.T) {
	t.Parallel()
	b, _ := json.Marshal(LoopGuard())
	if string(b) != `{"field":"current_via_id","operator":"is_not","value":"5"}` {
		t.Fatal(string(b))
	}
}

// jobDone's final states beyond "completed" are UNCONFIRMED: "failed" and
// "killed" are not in Zendesk's examples.
func TestJobStatusesWaitFailedAndKilledUnconfirmed(t *testing.T) {
	t.Parallel()
	for _, st := range []string{JobFailed, JobKilled} {
		f := newFake(t)
		f.on("GET", "/api/v2/job_statuses/j1", ok(`{"job_status":{"id":"j1","status":"`+st+`","message":"boom"}}`))
		js, err := f.client().JobStatuses.Wait(t.Context(), "j1", &WaitOptions{PollInterval: time.Millisecond})
		if !errors.Is(err, ErrJobFailed) || js == nil || js.Status != st || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("%s: job = %+v, err = %v", st, js, err)
		}
	}
	for _, st := range []string{JobQueued, JobWorking, "", "something_else"} {
		if jobDone(st) {
			t.Fatalf("%q is not final", st)
		}
	}
}
