package braze

import (
	"errors"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
)

func TestMessagesSendSMS(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	got := answer(mock, "/messages/send", reply{status: 201, body: `{"dispatch_id":"d-1","message":"success"}`})
	res, err := c.Messages.Send(t.Context(), &SendMessagesRequest{
		ExternalUserIDs:            []string{"user-42"},
		CampaignID:                 "camp-1",
		RecipientSubscriptionState: "opted_in",
		Messages: Messages{
			SMS: &SMS{
				SubscriptionGroupID:   "sg-1",
				MessageVariationID:    "var-1",
				Body:                  "Your ticket #1234 was updated.\nReply here.",
				AppID:                 "app-1",
				MediaItems:            []string{"https://cdn.example.com/a.png"},
				LinkShorteningEnabled: true,
			},
			Other: map[string]any{"webhook": map[string]any{"url": "https://example.com/h", "http_method": "POST"}},
		},
	})
	if err != nil || res.DispatchID != "d-1" {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	r := got.all()[0]
	assertHeaders(t, r)
	assertJSON(t, r.Body, `{"external_user_ids":["user-42"],"campaign_id":"camp-1","recipient_subscription_state":"opted_in",
		"messages":{"sms":{"subscription_group_id":"sg-1","message_variation_id":"var-1","body":"Your ticket #1234 was updated.\nReply here.",
		"app_id":"app-1","media_items":["https://cdn.example.com/a.png"],"link_shortening_enabled":true},
		"webhook":{"url":"https://example.com/h","http_method":"POST"}}}`)
}

func TestMessagesValidation(t *testing.T) {
	t.Parallel()
	sms := Messages{SMS: &SMS{SubscriptionGroupID: "g", Body: "b", AppID: "a"}}
	ids := make([]string, 51)
	for i := range ids {
		ids[i] = "u"
	}
	for _, tc := range []struct {
		name string
		req  *SendMessagesRequest
		want string
	}{
		{"nil", nil, "nil"},
		{"no users", &SendMessagesRequest{Messages: sms}, "no recipients"},
		{"51 users", &SendMessagesRequest{ExternalUserIDs: ids, Messages: sms}, "51 IDs"},
		{"51 aliases", &SendMessagesRequest{UserAliases: make([]UserAlias, 51), Messages: sms}, "51 aliases"},
		{"broadcast without segment", &SendMessagesRequest{Broadcast: true, Messages: sms}, "segment_id or an audience"},
		{"no message", &SendMessagesRequest{ExternalUserIDs: []string{"u"}}, "no message to send"},
		{"empty id", &SendMessagesRequest{ExternalUserIDs: []string{"u", " "}, Messages: sms}, "external_user_ids[1]: is empty"},
		{"bad state", &SendMessagesRequest{ExternalUserIDs: []string{"u"}, RecipientSubscriptionState: "yes", Messages: sms}, "recipient_subscription_state"},
		{"no group", &SendMessagesRequest{ExternalUserIDs: []string{"u"}, Messages: Messages{SMS: &SMS{Body: "b", AppID: "a"}}}, "subscription_group_id"},
		{"no body", &SendMessagesRequest{ExternalUserIDs: []string{"u"}, Messages: Messages{SMS: &SMS{SubscriptionGroupID: "g", AppID: "a"}}}, "sms.body"},
		{"no app", &SendMessagesRequest{ExternalUserIDs: []string{"u"}, Messages: Messages{SMS: &SMS{SubscriptionGroupID: "g", Body: "b"}}}, "sms.app_id"},
		{"variation without campaign", &SendMessagesRequest{ExternalUserIDs: []string{"u"}, Messages: Messages{SMS: &SMS{SubscriptionGroupID: "g", Body: "b", AppID: "a", MessageVariationID: "v"}}}, "needs campaign_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock, _ := newMocked(t)
			_, err := c.Messages.Send(t.Context(), tc.req)
			if !errors.Is(err, deskbridge.ErrInvalid) || !strings.Contains(err.Error(), tc.want) || mock.GetTotalCallCount() != 0 {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// A broadcast to a segment is fine.
	c, mock, _ := newMocked(t)
	answer(mock, "/messages/send", ok(`{"message":"success","dispatch_id":"d"}`))
	if _, err := c.Messages.Send(t.Context(), &SendMessagesRequest{Broadcast: true, SegmentID: "seg", Messages: sms}); err != nil {
		t.Fatal(err)
	}
}
