package zendesktest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The receiver gets each webhook's credential; Deliveries never shows it:
// not the Authorization of basic_auth and bearer_token webhooks, not the
// header an api_key webhook names, on any attempt, for event deliveries
// (with a retry) and webhook tests alike. The request log does not show it
// either.
func TestDeliveryAttemptsRedactCredentials(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind, header, value, secret string
		data                        map[string]any
	}{
		{"basic_auth", "Authorization", basicHeader("hook-user", "hook-PASSWORD-1"), "hook-PASSWORD-1",
			map[string]any{"username": "hook-user", "password": "hook-PASSWORD-1"}},
		{"bearer_token", "Authorization", "Bearer hook-TOKEN-2", "hook-TOKEN-2",
			map[string]any{"token": "hook-TOKEN-2"}},
		{"api_key", "X-Braze-Key", "hook-APIKEY-3", "hook-APIKEY-3",
			map[string]any{"name": "X-Braze-Key", "value": "hook-APIKEY-3"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t)
			rc.answer(answer{status: 503, header: http.Header{"Retry-After": {"1"}}})
			s := newFake(t, zendesktest.WithDeliverySleep(zendesktest.NoSleep))
			agent := s.AddAgent("A", "a@example.com")
			id, _ := createWebhook(t, s, map[string]any{
				"name": "hook", "endpoint": rc.URL, "http_method": "POST", "request_format": "json", "status": "active",
				"subscriptions":  []string{"zen:event-type:agent.state_changed"},
				"authentication": map[string]any{"type": tc.kind, "add_position": "header", "data": tc.data},
			})
			if err := s.SetAgentState(agent, "talk", "online"); err != nil {
				t.Fatal(err)
			}
			wait(t, s)
			mustStatus(t, call(t, s, "POST", "/api/v2/webhooks/test?webhook_id="+id, map[string]any{"request": map[string]any{"payload": "{}"}}), 200)

			got := rc.received()
			if len(got) != 3 {
				t.Fatalf("receiver got %d requests, want 3 (a 503, its retry, the test)", len(got))
			}
			for _, r := range got {
				if r.header.Get(tc.header) != tc.value {
					t.Fatalf("receiver got %s = %q, want the credential", tc.header, r.header.Get(tc.header))
				}
			}
			ds := s.Deliveries()
			if len(ds) != 2 || len(ds[0].Attempts) != 2 || ds[1].Kind != "test" || len(ds[1].Attempts) != 1 {
				t.Fatalf("deliveries %+v", ds)
			}
			for _, d := range ds {
				for i, a := range d.Attempts {
					if v := a.Header.Get(tc.header); v != "[redacted]" {
						t.Errorf("%s delivery, attempt %d: %s = %q, want [redacted]", d.Kind, i, tc.header, v)
					}
					if a.Header.Get("x-zendesk-webhook-signature") == "" {
						t.Errorf("%s delivery, attempt %d: the other headers are kept", d.Kind, i)
					}
					if dump := fmt.Sprint(a.Header); strings.Contains(dump, tc.secret) {
						t.Errorf("%s delivery, attempt %d holds the credential: %s", d.Kind, i, dump)
					}
				}
			}
			for _, r := range s.Requests() {
				if strings.Contains(string(r.Body), tc.secret) || strings.Contains(fmt.Sprint(r.Header), tc.secret) {
					t.Errorf("request log %s %s holds the credential: %s", r.Method, r.Path, r.Body)
				}
			}
		})
	}
}
