package braze

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/jarcoal/httpmock"
)

// Braze's budget groups (https://www.braze.com/docs/api/api_limits/). The
// core hands the path below the base URL, whatever its prefix.
func TestBudgetGroups(t *testing.T) {
	t.Parallel()
	groups := map[string][]string{
		"users/track":         {"/users/track", "/users/track/"},
		"sends":               {"/messages/send", "/campaigns/trigger/send", "/canvas/trigger/send"},
		"users/export/ids":    {"/users/export/ids"},
		"users/identity":      {"/users/identify", "/users/alias/new", "/users/alias/update", "/users/delete", "/users/merge"},
		"subscription/status": {"/subscription/status/set", "/v2/subscription/status/set"},
		"sends/id/create":     {"/sends/id/create"},
		"":                    {"/", "/campaigns/data_series", "/users/export/segment", "/subscription/status/get", "/users/trackx", "/v2/users/track"},
	}
	for want, paths := range groups {
		for _, p := range paths {
			if got := budgetGroup(http.MethodPost, p); got != want {
				t.Errorf("%s → %q, want %q", p, got, want)
			}
		}
	}
}

// Behind a base URL with a path prefix (a proxy), the budgets are still
// Braze's groups.
func TestBudgetGroupsBelowAPrefix(t *testing.T) {
	t.Parallel()
	mock := httpmock.NewMockTransport()
	ft := testkit.NewClock()
	c, err := NewClient(WithBaseURL("https://proxy.example.com/braze/"), WithAPIKey(testKey), WithHTTPClient(&http.Client{Transport: mock}), withClock(ft))
	if err != nil {
		t.Fatal(err)
	}
	mock.RegisterResponder(http.MethodPost, "https://proxy.example.com/braze/users/export/ids",
		httpmock.NewStringResponder(200, `{"message":"success","users":[]}`).HeaderSet(spent(ft, 50*time.Second)))
	mock.RegisterResponder(http.MethodPost, "https://proxy.example.com/braze/campaigns/trigger/send",
		httpmock.NewStringResponder(201, `{"message":"success"}`))
	export := &ExportIDsRequest{ExternalIDs: []string{"u"}}
	if _, err := c.Users.ExportIDs(t.Context(), export); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Campaigns.TriggerSend(t.Context(), &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}}}); err != nil || len(ft.Sleeps()) != 0 {
		t.Fatalf("the send: %v, waited %v", err, ft.Sleeps())
	}
	if _, err := c.Users.ExportIDs(t.Context(), export); err != nil || len(ft.Sleeps()) != 1 {
		t.Fatalf("the export: %v, waited %v", err, ft.Sleeps())
	}
}

// about reports a wait for a reset that is the time to the reset, plus the
// few milliseconds the core adds so as not to arrive before the vendor's
// window turns.
func about(wait, reset time.Duration) bool {
	return wait >= reset && wait <= reset+10*time.Millisecond
}

func spent(ft *testkit.Clock, in time.Duration) http.Header {
	return http.Header{
		"X-Ratelimit-Limit":     {"250"},
		"X-Ratelimit-Remaining": {"0"},
		"X-Ratelimit-Reset":     {fmt.Sprint(ft.Now().Add(in).Unix())},
	}
}

// An export that spends its own budget (250/min) holds the next export,
// not a trigger send (the agent reply of smsbridge).
func TestExportBudgetDoesNotHoldSend(t *testing.T) {
	t.Parallel()
	c, mock, ft := newMocked(t)
	answer(mock, "/users/export/ids", reply{status: 200, body: `{"message":"success","users":[]}`, header: spent(ft, 50*time.Second)})
	sends := answer(mock, "/campaigns/trigger/send", reply{status: 201, body: `{"message":"success","dispatch_id":"d"}`,
		header: http.Header{"X-Ratelimit-Limit": {"250000"}, "X-Ratelimit-Remaining": {"249999"}}})
	export := &ExportIDsRequest{ExternalIDs: []string{"u"}, FieldsToExport: []string{"email"}}
	if _, err := c.Users.ExportIDs(t.Context(), export); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.Campaigns.TriggerSend(t.Context(), &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if w := ft.Sleeps(); len(w) != 0 || len(sends.all()) != 2 {
		t.Fatalf("the sends waited %v for the export's budget", w)
	}
	// The export's own budget is still spent: the next export waits for it.
	if _, err := c.Users.ExportIDs(t.Context(), export); err != nil {
		t.Fatal(err)
	}
	if w := ft.Sleeps(); len(w) != 1 || !about(w[0], 50*time.Second) {
		t.Fatalf("the second export waited %v, want [50s]", w)
	}
}

// The three send endpoints draw on one budget: a campaign send that spends
// it holds a Canvas send and messages/send.
func TestSendEndpointsShareBudget(t *testing.T) {
	t.Parallel()
	c, mock, ft := newMocked(t)
	answer(mock, "/campaigns/trigger/send", reply{status: 201, body: `{"message":"success","dispatch_id":"d"}`, header: spent(ft, 20*time.Second)})
	answer(mock, "/canvas/trigger/send", reply{status: 201, body: `{"message":"success","dispatch_id":"d2"}`, header: spent(ft, 30*time.Second)})
	answer(mock, "/users/track", ok(`{"message":"success"}`))
	msgs := answer(mock, "/messages/send", ok(`{"message":"success","dispatch_id":"d3"}`))
	if _, err := c.Campaigns.TriggerSend(t.Context(), &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}}}); err != nil {
		t.Fatal(err)
	}
	// users/track has its own budget.
	if _, err := c.Users.Track(t.Context(), &TrackRequest{Attributes: []UserAttributes{{ExternalID: "u"}}}); err != nil {
		t.Fatal(err)
	}
	if w := ft.Sleeps(); len(w) != 0 {
		t.Fatalf("users/track waited %v for the sends' budget", w)
	}
	if _, err := c.Canvas.TriggerSend(t.Context(), &CanvasTriggerRequest{CanvasID: "cv", Recipients: []Recipient{{ExternalUserID: "u"}}}); err != nil {
		t.Fatal(err)
	}
	if w := ft.Sleeps(); len(w) != 1 || !about(w[0], 20*time.Second) {
		t.Fatalf("the Canvas send waited %v, want [20s] (the campaign send's reset)", w)
	}
	// The Canvas send's answer spent the budget again (reset 30 s after it
	// was set up, 10 s after now): messages/send waits for that one.
	sms := &SendMessagesRequest{ExternalUserIDs: []string{"u"}, Messages: Messages{SMS: &SMS{SubscriptionGroupID: "g", Body: "b", AppID: "a"}}}
	if _, err := c.Messages.Send(t.Context(), sms); err != nil {
		t.Fatal(err)
	}
	if w := ft.Sleeps(); len(w) != 2 || !about(w[1], 10*time.Second) || len(msgs.all()) != 1 {
		t.Fatalf("messages/send waited %v, want [20s 10s]", w)
	}
}

// A spent budget that resets later than the longest wait the client takes
// (five minutes) is not kept as a hold: the next send is sent, and Braze's
// 429 comes back at once with the wait, not "may have been sent". The call
// after it is sent too.
func TestSpentBudgetPastLongestWaitNotHeld(t *testing.T) {
	t.Parallel()
	c, mock, ft := newMocked(t)
	hour := spent(ft, time.Hour)
	sends := answer(mock, "/campaigns/trigger/send",
		reply{status: 201, body: `{"message":"success","dispatch_id":"d"}`, header: hour},
		reply{status: 429, body: `{"message":"Rate Limited"}`, header: hour},
		reply{status: 201, body: `{"message":"success","dispatch_id":"d2"}`})
	req := &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}}}
	if _, err := c.Campaigns.TriggerSend(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	_, err := c.Campaigns.TriggerSend(t.Context(), req)
	var be *Error
	if !errors.As(err, &be) || be.NotSent || be.MaybeSent || MaybeSent(err) || be.Attempts != 1 || be.RetryAfter != time.Hour || !errors.Is(err, deskbridge.ErrRateLimited) {
		t.Fatalf("err = %v (%+v)", err, be)
	}
	if res, err := c.Campaigns.TriggerSend(t.Context(), req); err != nil || res.DispatchID != "d2" {
		t.Fatalf("the next send: %+v, %v", res, err)
	}
	if len(sends.all()) != 3 || len(ft.Sleeps()) != 0 {
		t.Fatalf("sent %d, waited %v", len(sends.all()), ft.Sleeps())
	}
}
