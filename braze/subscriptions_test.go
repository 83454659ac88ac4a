package braze

import (
	"errors"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
)

func TestSubscriptionsSetStatus(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	got := answer(mock, "/subscription/status/set", reply{status: 503}, reply{status: 201, body: testdata(t, "success.json")})
	res, err := c.Subscriptions.SetStatus(t.Context(), &SetStatusRequest{
		SubscriptionGroupID: "subscription_group_identifier",
		SubscriptionState:   Unsubscribed,
		ExternalIDs:         []string{"external_identifier"},
		Phones:              []string{"+12223334444", "+11112223333"},
	})
	if err != nil || res.StatusCode != 201 || res.Message != "success" || res.Attempts != 2 {
		t.Fatalf("res = %+v, err = %v (setting a state is retried after a 5xx)", res, err)
	}
	r := got.all()[1]
	assertHeaders(t, r)
	assertJSON(t, r.Body, `{"subscription_group_id":"subscription_group_identifier","subscription_state":"unsubscribed",
		"external_id":["external_identifier"],"phone":["+12223334444","+11112223333"]}`)
}

func TestSubscriptionsErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		req  *SetStatusRequest
		want string
	}{
		{"nil", nil, "nil"},
		{"no group", &SetStatusRequest{SubscriptionState: Subscribed, Phones: []string{"+1"}}, "subscription_group_id"},
		{"bad state", &SetStatusRequest{SubscriptionGroupID: "g", SubscriptionState: "opted_in", Phones: []string{"+1"}}, "subscription_state"},
		{"both", &SetStatusRequest{SubscriptionGroupID: "g", SubscriptionState: Subscribed, Phones: []string{"+1"}, Emails: []string{"a@b"}}, "not both"},
		{"nobody", &SetStatusRequest{SubscriptionGroupID: "g", SubscriptionState: Subscribed}, "no users"},
		{"51", &SetStatusRequest{SubscriptionGroupID: "g", SubscriptionState: Subscribed, Phones: make([]string, 51)}, "phone: 51 values"},
		{"empty", &SetStatusRequest{SubscriptionGroupID: "g", SubscriptionState: Subscribed, ExternalIDs: []string{"a", ""}}, "external_id[1]: is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock, _ := newMocked(t)
			_, err := c.Subscriptions.SetStatus(t.Context(), tc.req)
			if !errors.Is(err, deskbridge.ErrInvalid) || !strings.Contains(err.Error(), tc.want) || mock.GetTotalCallCount() != 0 {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// Braze's own refusal is decoded from its envelope.
	c, mock, _ := newMocked(t)
	answer(mock, "/subscription/status/set", reply{status: 400, body: testdata(t, "subscription_status_both.json")})
	_, err := c.Subscriptions.SetStatus(t.Context(), &SetStatusRequest{SubscriptionGroupID: "g", SubscriptionState: Subscribed, Emails: []string{"a@b"}})
	var be *Error
	if !errors.As(err, &be) || be.Message != "Either an email address or a phone number should be provided, but not both." {
		t.Fatalf("err = %v", err)
	}
}
