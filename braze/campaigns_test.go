package braze

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
)

func TestCampaignsTriggerSend(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	got := answer(mock, "/campaigns/trigger/send", ok(testdata(t, "campaigns_trigger_send_success.json")))
	res, err := c.Campaigns.TriggerSend(t.Context(), &CampaignTriggerRequest{
		CampaignID:        "camp-1",
		SendID:            "send-1",
		TriggerProperties: map[string]any{"brand": "Acme"},
		Recipients: []Recipient{
			{
				ExternalUserID:    "user-42",
				TriggerProperties: map[string]any{"msg_body": "Hello\nworld 👋"},
				Attributes:        map[string]any{"zendesk_ticket": "1234", "zendesk_ticket_open": true},
			},
			{
				ExternalUserID:     "user-43",
				SendToExistingOnly: ptr(false),
				Attributes:         map[string]any{"first_name": "Alex"},
			},
			{UserAlias: &UserAlias{AliasName: "device123", AliasLabel: "my_device_identifier"}},
			{Email: "a@example.com", Prioritization: []string{"unidentified", "most_recently_updated"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.DispatchID != "example_dispatch_id" || res.Message != "success" || res.StatusCode != 200 || res.Queued || res.Attempts != 1 {
		t.Fatalf("result = %+v", res)
	}
	reqs := got.all()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	assertHeaders(t, reqs[0])
	assertJSON(t, reqs[0].Body, `{
		"campaign_id": "camp-1",
		"send_id": "send-1",
		"trigger_properties": {"brand": "Acme"},
		"recipients": [
			{"external_user_id": "user-42", "trigger_properties": {"msg_body": "Hello\nworld 👋"},
			 "attributes": {"zendesk_ticket": "1234", "zendesk_ticket_open": true}},
			{"external_user_id": "user-43", "send_to_existing_only": false, "attributes": {"first_name": "Alex"}},
			{"user_alias": {"alias_name": "device123", "alias_label": "my_device_identifier"}},
			{"email": "a@example.com", "prioritization": ["unidentified", "most_recently_updated"]}
		]
	}`)
}

func TestCampaignsBroadcastAndTrackedSendID(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	got := answer(mock, "/campaigns/trigger/send", reply{status: 201, body: testdata(t, "tracked_send_id.json")})
	res, err := c.Campaigns.TriggerSend(t.Context(), &CampaignTriggerRequest{
		CampaignID: "camp-1",
		Broadcast:  true,
		Audience:   map[string]any{"AND": []any{map[string]any{"custom_attribute": map[string]any{"custom_attribute_name": "eye_color", "comparison": "equals", "value": "blue"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.SendID != "example_send_id" || res.StatusCode != 201 {
		t.Fatalf("result = %+v", res)
	}
	assertJSON(t, got.all()[0].Body, `{"campaign_id":"camp-1","broadcast":true,
		"audience":{"AND":[{"custom_attribute":{"custom_attribute_name":"eye_color","comparison":"equals","value":"blue"}}]}}`)
}

func TestTriggerSendValidation(t *testing.T) {
	t.Parallel()
	many := make([]Recipient, 51)
	for i := range many {
		many[i].ExternalUserID = fmt.Sprint("u", i)
	}
	for _, tc := range []struct {
		name string
		req  *CampaignTriggerRequest
		want string
	}{
		{"nil", nil, "the request is nil"},
		{"no campaign", &CampaignTriggerRequest{Recipients: []Recipient{{ExternalUserID: "u"}}}, "campaign_id: is required"},
		{"no recipients", &CampaignTriggerRequest{CampaignID: "c"}, "recipients: no recipients"},
		{"51 recipients", &CampaignTriggerRequest{CampaignID: "c", Recipients: many}, "51 recipients; at most 50"},
		{"broadcast with recipients", &CampaignTriggerRequest{CampaignID: "c", Broadcast: true, Recipients: []Recipient{{ExternalUserID: "u"}}}, "must be empty when broadcast"},
		{"broadcast with attachments", &CampaignTriggerRequest{CampaignID: "c", Broadcast: true, Attachments: []Attachment{{FileName: "f", URL: "https://x"}}}, "attachments: are not allowed"},
		{"no identifier", &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}, {}}}, "recipients[1]: no identifier"},
		{"two identifiers", &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}, {ExternalUserID: "u", Email: "e@x", Prioritization: []string{"identified"}}, {ExternalUserID: "v"}}}, "recipients[1]: external_user_id and email are set"},
		{"email without prioritization", &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{Email: "e@x"}}}, "recipients[0]: prioritization is required"},
		{"bad prioritization", &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{Email: "e@x", Prioritization: []string{"newest"}}}}, `prioritization "newest"`},
		{"identified and unidentified", &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{Email: "e@x", Prioritization: []string{"identified", "unidentified"}}}}, "both identified and unidentified"},
		{"half alias", &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{UserAlias: &UserAlias{AliasName: "n"}}}}, "alias_name and alias_label"},
		{"alias with send_to_existing_only", &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{UserAlias: &UserAlias{AliasName: "n", AliasLabel: "l"}, SendToExistingOnly: ptr(true)}}}, "cannot be used with a user alias"},
		{"create without attributes", &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u", SendToExistingOnly: ptr(false)}}}, "needs attributes"},
		{"context on a campaign", &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u", Context: map[string]any{"a": 1}}}}, "context is for Canvases"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock, _ := newMocked(t)
			_, err := c.Campaigns.TriggerSend(t.Context(), tc.req)
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, deskbridge.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a ValidationError with %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "nothing was sent") {
				t.Fatalf("err = %v", err)
			}
			if n := mock.GetTotalCallCount(); n != 0 {
				t.Fatalf("%d requests sent", n)
			}
		})
	}
}

func TestTriggerSendSuccessVariants(t *testing.T) {
	t.Parallel()
	req := &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}}}
	t.Run("202 queued", func(t *testing.T) {
		t.Parallel()
		c, mock, _ := newMocked(t)
		answer(mock, "/campaigns/trigger/send", reply{status: 202, body: testdata(t, "queued_202.json")})
		res, err := c.Campaigns.TriggerSend(t.Context(), req)
		if err != nil || !res.Queued || res.StatusCode != 202 || res.Message != "queued" {
			t.Fatalf("res = %+v, err = %v", res, err)
		}
	})
	t.Run("minor errors kept", func(t *testing.T) {
		t.Parallel()
		c, mock, _ := newMocked(t)
		answer(mock, "/campaigns/trigger/send", ok(testdata(t, "minor_errors.json")))
		res, err := c.Campaigns.TriggerSend(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		want := []MinorError{{Type: "'alias_name' must be a String", InputArray: "user_aliases", Index: ptr(0)}}
		if fmt.Sprint(res.Errors) != fmt.Sprint(want) {
			t.Fatalf("errors = %+v", res.Errors)
		}
	})
}

func TestTriggerSendFatalError(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	answer(mock, "/campaigns/trigger/send", reply{status: 400, body: `{"message":"Invalid Campaign ID","errors":["campaign camp-x not found"]}`})
	_, err := c.Campaigns.TriggerSend(t.Context(), &CampaignTriggerRequest{CampaignID: "camp-x", Recipients: []Recipient{{ExternalUserID: "u"}}})
	var be *Error
	if !errors.As(err, &be) || !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	if be.StatusCode != 400 || be.Message != "Invalid Campaign ID" || len(be.Errors) != 1 || be.Errors[0].Type != "campaign camp-x not found" || be.MaybeSent {
		t.Fatalf("error = %+v", be)
	}
	if got := err.Error(); got != "braze: POST /campaigns/trigger/send: 400 Bad Request: Invalid Campaign ID: campaign camp-x not found" {
		t.Fatalf("Error() = %q", got)
	}
	if mock.GetTotalCallCount() != 1 {
		t.Fatal("a 400 was retried")
	}
}

func TestSend5xxNotRetriedByDefault(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	got := answer(mock, "/campaigns/trigger/send", reply{status: 503, body: `{"message":"Service Unavailable"}`}, ok(`{"message":"success"}`))
	_, err := c.Campaigns.TriggerSend(t.Context(), &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}}})
	var be *Error
	if !errors.As(err, &be) || !be.MaybeSent || !MaybeSent(err) || !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("err = %v (%+v)", err, be)
	}
	if !strings.Contains(err.Error(), "may have been sent") {
		t.Fatalf("err = %q", err)
	}
	if n := len(got.all()); n != 1 {
		t.Fatalf("sent %d times, want 1", n)
	}
}

func TestSend5xxRetriedWhenOptedIn(t *testing.T) {
	t.Parallel()
	c, mock, ft := newMocked(t, WithRetrySends(true))
	got := answer(mock, "/campaigns/trigger/send", reply{status: 503}, ok(`{"message":"success","dispatch_id":"d2"}`))
	res, err := c.Campaigns.TriggerSend(t.Context(), &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}}})
	if err != nil || res.DispatchID != "d2" || res.Attempts != 2 {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	if n := len(got.all()); n != 2 || len(ft.Sleeps()) != 1 {
		t.Fatalf("sent %d times, waits %v", n, ft.Sleeps())
	}
	// When every attempt fails, an earlier one may still have been sent.
	c2, mock2, _ := newMocked(t, WithRetrySends(true), WithMaxRetries(1))
	answer(mock2, "/messages/send", reply{status: 503}, reply{status: 429, header: http.Header{"Retry-After": {"1"}}}, reply{status: 429})
	_, err = c2.Messages.Send(t.Context(), &SendMessagesRequest{ExternalUserIDs: []string{"u"}, Messages: Messages{SMS: &SMS{SubscriptionGroupID: "g", Body: "b", AppID: "a"}}})
	if !MaybeSent(err) || !errors.Is(err, deskbridge.ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
}

func TestSend429RetriedWithResetWait(t *testing.T) {
	t.Parallel()
	c, mock, ft := newMocked(t)
	reset := fmt.Sprint(ft.Now().Add(7 * time.Second).Unix())
	limited := reply{status: 429, body: `{"message":"Rate Limited"}`, header: http.Header{
		"X-Ratelimit-Limit": {"250000"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {reset},
	}}
	got := answer(mock, "/campaigns/trigger/send", limited, ok(`{"message":"success","dispatch_id":"d"}`))
	res, err := c.Campaigns.TriggerSend(t.Context(), &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}}})
	if err != nil || res.Attempts != 2 || len(got.all()) != 2 {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	if w := ft.Sleeps(); len(w) != 1 || w[0] != 7*time.Second {
		t.Fatalf("waits = %v, want [7s] (the reset, as epoch seconds)", w)
	}
	// Given up: the error carries the wait and says nothing was sent.
	c2, mock2, ft2 := newMocked(t, WithMaxRetries(0))
	limited.header.Set("X-Ratelimit-Reset", fmt.Sprint(ft2.Now().Add(30*time.Second).Unix()))
	answer(mock2, "/campaigns/trigger/send", limited)
	_, err = c2.Campaigns.TriggerSend(t.Context(), &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}}})
	var be *Error
	if !errors.As(err, &be) || be.RetryAfter != 30*time.Second || be.MaybeSent || !errors.Is(err, deskbridge.ErrRateLimited) {
		t.Fatalf("err = %v (%+v)", err, be)
	}
}

func TestPacingFromRateLimitHeaders(t *testing.T) {
	t.Parallel()
	c, mock, ft := newMocked(t)
	reset := fmt.Sprint(ft.Now().Add(12 * time.Second).Unix())
	answer(mock, "/users/export/ids", reply{status: 200, body: `{"message":"success","users":[]}`, header: http.Header{
		"X-Ratelimit-Limit": {"250"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {reset},
	}})
	for range 2 {
		if _, err := c.Users.ExportIDs(t.Context(), &ExportIDsRequest{ExternalIDs: []string{"u"}}); err != nil {
			t.Fatal(err)
		}
	}
	if w := ft.Sleeps(); len(w) != 1 || !about(w[0], 12*time.Second) {
		t.Fatalf("waits = %v: the second call must wait for the reset instead of collecting a 429", w)
	}
	if rl := c.RateLimit(); rl.Limit != 250 || rl.Remaining != 0 {
		t.Fatalf("RateLimit = %+v", rl)
	}
}

func TestSendTransportFailureMaybeSent(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	mock.RegisterResponder(http.MethodPost, testBase+"/campaigns/trigger/send", func(*http.Request) (*http.Response, error) {
		return nil, errors.New("connection reset by peer")
	})
	_, err := c.Campaigns.TriggerSend(t.Context(), &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}}})
	if !MaybeSent(err) || !strings.Contains(err.Error(), "may have been sent") || !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if mock.GetTotalCallCount() != 1 {
		t.Fatal("a send that may have gone out was replayed")
	}
}
