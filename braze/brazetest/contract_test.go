package brazetest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/braze/brazetest"
	"github.com/deskbridge/deskbridge/internal/testkit"
)

// The contract suite runs the braze client against the fake, so that both
// keep to one reading of the Braze docs.

func setup(t *testing.T, opts ...braze.Option) (*brazetest.Server, *braze.Client) {
	t.Helper()
	return setupFake(t, nil, opts...)
}

// setupFake is setup with options for the fake.
func setupFake(t *testing.T, fakeOpts []brazetest.Option, opts ...braze.Option) (*brazetest.Server, *braze.Client) {
	t.Helper()
	fake := brazetest.NewServer(fakeOpts...)
	t.Cleanup(fake.Close)
	c, err := braze.NewClient(append([]braze.Option{braze.WithBaseURL(fake.URL), braze.WithAPIKey(fake.APIKey())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return fake, c
}

func mustCampaign(t *testing.T, fake *brazetest.Server, c brazetest.Campaign) string {
	t.Helper()
	id, err := fake.AddCampaign(c)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestContractCampaignTriggerSend(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	fake.AddUser(brazetest.User{ExternalID: "user-42", FirstName: "Ada", Phone: "+33600000001"})
	id := mustCampaign(t, fake, brazetest.Campaign{Name: "Agent reply", Message: "New message from Zendesk:\n{{api_trigger_properties.${msg_body}}}"})
	res, err := c.Campaigns.TriggerSend(t.Context(), &braze.CampaignTriggerRequest{
		CampaignID:        id,
		TriggerProperties: map[string]any{"msg_body": "overridden"},
		Recipients: []braze.Recipient{
			{ExternalUserID: "user-42", TriggerProperties: map[string]any{"msg_body": "Hello 👋\n<b>second line</b>"},
				Attributes: map[string]any{"zendesk_ticket": "1234", "zendesk_ticket_open": "true"}},
			{ExternalUserID: "nobody"}, // send_to_existing_only defaults to true: not sent
			{ExternalUserID: "new-user", SendToExistingOnly: ptr(false), Attributes: map[string]any{"first_name": "Lin"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 201 || res.DispatchID == "" || res.Message != "success" {
		t.Fatalf("res = %+v", res)
	}
	sends := fake.Sends()
	if len(sends) != 2 {
		t.Fatalf("sends = %+v", sends)
	}
	s := sends[0]
	if s.CampaignID != id || s.ExternalUserID != "user-42" || s.DispatchID != res.DispatchID || s.TriggerProperties["msg_body"] != "Hello 👋\n<b>second line</b>" ||
		s.Message != "New message from Zendesk:\nHello 👋\n<b>second line</b>" || s.Attributes["zendesk_ticket"] != "1234" {
		t.Fatalf("send = %+v", s)
	}
	u, _ := fake.User("user-42")
	if u.CustomAttributes["zendesk_ticket"] != "1234" || u.CustomAttributes["zendesk_ticket_open"] != "true" || u.FirstName != "Ada" {
		t.Fatalf("user = %+v", u)
	}
	if u, ok := fake.User("new-user"); !ok || u.FirstName != "Lin" || sends[1].ExternalUserID != "new-user" {
		t.Fatalf("created user = %+v, %v", u, ok)
	}
	if _, ok := fake.User("nobody"); ok {
		t.Fatal("send_to_existing_only (default) created a user")
	}
}

func TestContractTriggerSendErrors(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	_, err := c.Campaigns.TriggerSend(t.Context(), &braze.CampaignTriggerRequest{CampaignID: "no-such", Recipients: []braze.Recipient{{ExternalUserID: "u"}}})
	var be *braze.Error
	if !errors.As(err, &be) || be.StatusCode != 400 || be.Message != "Invalid Campaign ID" || !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	_, err = c.Canvas.TriggerSend(t.Context(), &braze.CanvasTriggerRequest{CanvasID: "no-such", Broadcast: true})
	if !errors.As(err, &be) || be.Message != "Invalid Canvas ID" {
		t.Fatalf("err = %v", err)
	}
	// A wrong key: 401, and the key is nowhere in the error. (The fake does
	// not echo it; TestAPIKeyNeverInErrorsOrLogs in package braze has a
	// server that does.)
	bad, err := braze.NewClient(braze.WithBaseURL(fake.URL), braze.WithAPIKey("wrong-key-5f4e3d"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Users.ExportIDs(t.Context(), &braze.ExportIDsRequest{ExternalIDs: []string{"u"}})
	if !errors.As(err, &be) || be.StatusCode != 401 || !errors.Is(err, deskbridge.ErrUnauthorized) || strings.Contains(err.Error(), "wrong-key-5f4e3d") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "Invalid API key") {
		t.Fatalf("err = %v", err)
	}
	for _, r := range fake.Requests() {
		if r.Header.Get("Authorization") != "[redacted]" {
			t.Fatalf("request log holds a credential: %v", r.Header)
		}
	}
}

func TestContractCanvasTriggerSend(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	fake.AddUser(brazetest.User{ExternalID: "u1"})
	id := fake.AddCanvas(brazetest.Canvas{Name: "Onboarding"})
	res, err := c.Canvas.TriggerSend(t.Context(), &braze.CanvasTriggerRequest{
		CanvasID:   id,
		Context:    map[string]any{"product": "shoes", "size": 40},
		Recipients: []braze.Recipient{{ExternalUserID: "u1", Context: map[string]any{"size": 42}}},
	})
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	s := fake.Sends()[0]
	if s.CanvasID != id || s.Context["product"] != "shoes" || s.Context["size"] != float64(42) {
		t.Fatalf("send = %+v", s)
	}
}

func TestContractMessagesSend(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	fake.AddUser(brazetest.User{ExternalID: "u1"})
	res, err := c.Messages.Send(t.Context(), &braze.SendMessagesRequest{
		ExternalUserIDs: []string{"u1", "ghost"},
		Messages:        braze.Messages{SMS: &braze.SMS{SubscriptionGroupID: "sg", Body: "Your ticket was solved.", AppID: "app"}},
	})
	if err != nil || res.DispatchID == "" {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	sends := fake.Sends()
	if len(sends) != 1 || sends[0].Message != "Your ticket was solved." || sends[0].SMS["subscription_group_id"] != "sg" {
		t.Fatalf("sends = %+v", sends)
	}
}

func TestContractUsersTrackIdentifyExport(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	when := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	res, err := c.Users.Track(t.Context(), &braze.TrackRequest{
		Attributes: []braze.UserAttributes{
			{ExternalID: "u1", Phone: "+33600000001", Attributes: map[string]any{"first_name": "Ada", "zendesk_ticket_open": true},
				SubscriptionGroups: []braze.SubscriptionGroupState{{SubscriptionGroupID: "sg", SubscriptionState: "subscribed"}}},
			{UserAlias: &braze.UserAlias{AliasName: "anon-7", AliasLabel: "sms"}, UpdateExistingOnly: ptr(false), Attributes: map[string]any{"last_name": "Lovelace", "vip": true}},
		},
		Events:    []braze.Event{{ExternalID: "u1", Name: "texted_support", Time: when}},
		Purchases: []braze.Purchase{{ExternalID: "u1", ProductID: "plan", Currency: "EUR", Price: 9.5, Time: when}},
	})
	if err != nil || res.AttributesProcessed != 2 || res.EventsProcessed != 1 || res.PurchasesProcessed != 1 || res.StatusCode != 200 {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	u, _ := fake.User("u1")
	if u.FirstName != "Ada" || u.Phone != "+33600000001" || u.CustomAttributes["zendesk_ticket_open"] != true || u.Subscriptions["sg"] != "subscribed" || len(u.Events) != 1 || len(u.Purchases) != 1 {
		t.Fatalf("user = %+v", u)
	}
	id, err := c.Users.Identify(t.Context(), &braze.IdentifyRequest{AliasesToIdentify: []braze.AliasToIdentify{{ExternalID: "u1", UserAlias: braze.UserAlias{AliasName: "anon-7", AliasLabel: "sms"}}}})
	if err != nil || id.AliasesProcessed != 1 {
		t.Fatalf("identify = %+v, %v", id, err)
	}
	if u, _ = fake.User("u1"); u.LastName != "Lovelace" || u.CustomAttributes["vip"] != true || len(fake.Users()) != 1 {
		t.Fatalf("after identify: %+v (%d users)", u, len(fake.Users()))
	}
	exp, err := c.Users.ExportIDs(t.Context(), &braze.ExportIDsRequest{ExternalIDs: []string{"u1", "ghost"}})
	if err != nil || len(exp.Users) != 1 || fmt.Sprint(exp.InvalidUserIDs) != "[ghost]" {
		t.Fatalf("export = %+v, %v", exp, err)
	}
	e := exp.Users[0]
	if e.ExternalID != "u1" || e.FirstName != "Ada" || e.LastName != "Lovelace" || e.CustomAttributes["vip"] != true || e.CustomEvents[0].Name != "texted_support" || e.Purchases[0].Count != 1 {
		t.Fatalf("exported = %+v", e)
	}
	exp, err = c.Users.ExportIDs(t.Context(), &braze.ExportIDsRequest{Phone: "+33600000001", FieldsToExport: []string{"first_name"}})
	if err != nil || len(exp.Users) != 1 || exp.Users[0].FirstName != "Ada" || exp.Users[0].LastName != "" {
		t.Fatalf("export by phone = %+v, %v", exp, err)
	}
}

func TestContractTrackTenThousandIn134Requests(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	attrs := make([]braze.UserAttributes, 10000)
	for i := range attrs {
		attrs[i] = braze.UserAttributes{ExternalID: fmt.Sprintf("u%05d", i), Attributes: map[string]any{"n": i}}
	}
	res, err := c.Users.Track(t.Context(), &braze.TrackRequest{Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	if n := fake.RequestCount(http.MethodPost, "/users/track"); n != 134 || res.Requests != 134 || res.AttributesProcessed != 10000 {
		t.Fatalf("requests = %d, result = %+v; want exactly ⌈10000/75⌉ = 134", n, res)
	}
	if u, _ := fake.User("u09999"); u.CustomAttributes["n"] != float64(9999) {
		t.Fatalf("last user = %+v", u)
	}
}

func TestContractMinorErrorsAndQueued(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	attrs := make([]braze.UserAttributes, 100)
	for i := range attrs {
		attrs[i] = braze.UserAttributes{ExternalID: fmt.Sprint("u", i)}
	}
	fake.InjectMinorErrors("/users/track", brazetest.MinorError{Type: "first batch", InputArray: "attributes", Index: ptr(3)})
	res, err := c.Users.Track(t.Context(), &braze.TrackRequest{Attributes: attrs})
	if err != nil || len(res.Errors) != 1 || res.Errors[0].Index == nil || *res.Errors[0].Index != 3 {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	// An update-only user that does not exist comes back as a minor error,
	// from the second request, indexed into the caller's array.
	res, err = c.Users.Track(t.Context(), &braze.TrackRequest{Attributes: append(attrs[:76:76], braze.UserAttributes{ExternalID: "ghost", UpdateExistingOnly: ptr(true)})})
	if err != nil || len(res.Errors) != 1 || res.Errors[0].InputArray != "attributes" || res.Errors[0].Index == nil || *res.Errors[0].Index != 76 {
		t.Fatalf("res = %+v, err = %v", res.Errors, err)
	}

	fake.SetQueued(true)
	res, err = c.Users.Track(t.Context(), &braze.TrackRequest{Attributes: attrs[:1]})
	if err != nil || !res.Queued || res.StatusCode != 202 || res.Message != "queued" {
		t.Fatalf("queued: res = %+v, err = %v", res, err)
	}
}

// A minor error that names no index comes back with Index nil, printed
// without one.
func TestContractMinorErrorWithoutIndex(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	fake.InjectMinorErrors("/users/track", brazetest.MinorError{Type: "'time' is required", InputArray: "events"})
	res, err := c.Users.Track(t.Context(), &braze.TrackRequest{Attributes: []braze.UserAttributes{{ExternalID: "u"}}})
	if err != nil || len(res.Errors) != 1 || res.Errors[0].Index != nil || res.Errors[0].String() != "events: 'time' is required" {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
}

// The client keeps within the fake's users/track limits: 75 objects in
// total per request by default; 75 of each array when both sides are on
// legacy limits. A legacy client against a workspace on the current limits
// gets Braze's 400, and nothing after it is sent.
func TestContractTrackBatchLimits(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	req := &braze.TrackRequest{}
	for i := range 75 {
		id := fmt.Sprint("u", i)
		req.Attributes = append(req.Attributes, braze.UserAttributes{ExternalID: id})
		req.Events = append(req.Events, braze.Event{ExternalID: id, Name: "e", Time: when})
		req.Purchases = append(req.Purchases, braze.Purchase{ExternalID: id, ProductID: "p", Currency: "USD", Price: 1, Time: when})
	}
	for _, tc := range []struct {
		name     string
		fakeOpts []brazetest.Option
		opts     []braze.Option
		requests int
		fails    bool
	}{
		{"default", nil, nil, 3, false},
		{"legacy workspace, default client", []brazetest.Option{brazetest.WithLegacyTrackLimits()}, nil, 3, false},
		{"legacy both", []brazetest.Option{brazetest.WithLegacyTrackLimits()}, []braze.Option{braze.WithLegacyTrackBatching()}, 1, false},
		{"legacy client, current workspace", nil, []braze.Option{braze.WithLegacyTrackBatching()}, 1, true},
	} {
		fake, c := setupFake(t, tc.fakeOpts, tc.opts...)
		res, err := c.Users.Track(t.Context(), req)
		n := fake.RequestCount(http.MethodPost, "/users/track")
		var be *braze.Error
		if tc.fails {
			if !errors.As(err, &be) || be.StatusCode != 400 || be.Message != "Max Input Length Exceeded" || braze.MaybeSent(err) || n != 1 {
				t.Errorf("%s: %d requests, err = %v", tc.name, n, err)
			}
			continue
		}
		if err != nil || n != tc.requests || res.EventsProcessed != 75 || res.PurchasesProcessed != 75 || res.AttributesProcessed != 75 {
			t.Errorf("%s: %d requests, res = %+v, err = %v", tc.name, n, res, err)
		}
	}
}

func TestContractTrackOverLimitRejectedByFake(t *testing.T) {
	t.Parallel()
	fake, _ := setup(t)
	// A client that did not split would get Braze's 400.
	body := `{"attributes":[` + strings.TrimSuffix(strings.Repeat(`{"external_id":"u"},`, 76), ",") + `]}`
	req, _ := http.NewRequest(http.MethodPost, fake.URL+"/users/track", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+fake.APIKey())
	req.Header.Set("Content-Type", "application/json")
	resp, err := fake.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
}

func TestContractSubscriptions(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	fake.AddUser(brazetest.User{ExternalID: "a", Phone: "+33600000001"})
	fake.AddUser(brazetest.User{ExternalID: "b", Phone: "+33600000001"})
	res, err := c.Subscriptions.SetStatus(t.Context(), &braze.SetStatusRequest{SubscriptionGroupID: "sg", SubscriptionState: braze.Subscribed, Phones: []string{"+33600000001"}})
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	for _, id := range []string{"a", "b"} {
		if u, _ := fake.User(id); u.Subscriptions["sg"] != "subscribed" {
			t.Fatalf("%s = %+v (every profile with the number is updated)", id, u)
		}
	}
}

func TestContract5xxOnSendNotRetriedByDefault(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	fake.AddUser(brazetest.User{ExternalID: "u1"})
	id := mustCampaign(t, fake, brazetest.Campaign{Name: "reply"})
	// Braze sends the SMS, then the answer is lost to a 503.
	fake.InjectFault(brazetest.Fault{Path: "/campaigns/trigger/send", Status: 503, Body: `{"message":"Service Unavailable"}`, Processed: true})
	_, err := c.Campaigns.TriggerSend(t.Context(), &braze.CampaignTriggerRequest{CampaignID: id, Recipients: []braze.Recipient{{ExternalUserID: "u1"}}})
	if !braze.MaybeSent(err) || !strings.Contains(err.Error(), "may have been sent") || !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if n, sends := fake.RequestCount("POST", "/campaigns/trigger/send"), fake.Sends(); n != 1 || len(sends) != 1 {
		t.Fatalf("requests = %d, sends = %d; want exactly one of each", n, len(sends))
	}
}

func TestContract5xxOnSendRetriedWhenOptedIn(t *testing.T) {
	t.Parallel()
	fake, c := setup(t, braze.WithRetrySends(true), braze.WithRetryWaitMax(10*time.Millisecond))
	fake.AddUser(brazetest.User{ExternalID: "u1"})
	id := mustCampaign(t, fake, brazetest.Campaign{Name: "reply"})
	// Nothing sent, then 503: the retry gets through.
	fake.InjectFault(brazetest.Fault{Path: "/campaigns/trigger/send", Status: 503})
	res, err := c.Campaigns.TriggerSend(t.Context(), &braze.CampaignTriggerRequest{CampaignID: id, Recipients: []braze.Recipient{{ExternalUserID: "u1"}}})
	if err != nil || res.Attempts != 2 || len(fake.Sends()) != 1 {
		t.Fatalf("res = %+v, err = %v, sends = %d", res, err, len(fake.Sends()))
	}
	// Sent, then 503: the opted-in retry sends it twice. That is the risk
	// the default refuses.
	fake.InjectFault(brazetest.Fault{Path: "/campaigns/trigger/send", Status: 503, Processed: true})
	if _, err := c.Campaigns.TriggerSend(t.Context(), &braze.CampaignTriggerRequest{CampaignID: id, Recipients: []braze.Recipient{{ExternalUserID: "u1"}}}); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Sends()); n != 3 {
		t.Fatalf("sends = %d, want 3 (1 + a double send)", n)
	}
}

// fakeClock returns a clock for the fake that stands still at the real
// time plus ahead. The fake's windows are aligned to the epoch and it
// reports their end in epoch seconds, which the client compares with the
// real clock: with the fake's clock still, which window a request falls in
// does not depend on how fast the machine runs, and the fake's clock ahead
// of the real one puts a spent window's end a known time away (between
// ahead and ahead plus the window).
func fakeClock(ahead time.Duration) *testkit.Clock {
	c := testkit.NewClock()
	c.Advance(time.Now().Add(ahead).Sub(c.Now()))
	return c
}

func TestContract429Paced(t *testing.T) {
	t.Parallel()
	clock := fakeClock(0)
	fake, c := setupFake(t, []brazetest.Option{brazetest.WithClock(clock.Now)})
	fake.AddUser(brazetest.User{ExternalID: "u1"})
	// Two requests per one-second window; the fake's clock stands still, so
	// both fall in one window however loaded the machine, and spend it.
	fake.SetRateLimit(2, time.Second)
	req := &braze.ExportIDsRequest{ExternalIDs: []string{"u1"}}
	for range 2 {
		if _, err := c.Users.ExportIDs(t.Context(), req); err != nil {
			t.Fatal(err)
		}
	}
	rl := c.RateLimit()
	if want := clock.Now().Truncate(time.Second).Add(time.Second); rl.Limit != 2 || rl.Remaining != 0 || !rl.Reset.Equal(want) {
		t.Fatalf("RateLimit = %+v, want the window's end %v", rl, want)
	}
	// The fake's window turns at the reset it announced; the client, on
	// the real clock, must hold the next request until then, and so meets
	// no 429.
	clock.Advance(rl.Reset.Sub(clock.Now()))
	start := time.Now()
	if _, err := c.Users.ExportIDs(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if end := time.Now(); end.Before(rl.Reset) {
		t.Fatalf("the request went at %v, before the reset %v", end, rl.Reset)
	} else if held := end.Sub(start); held > 10*time.Second {
		t.Fatalf("held %s for a reset at most a second away", held) // not a wait for anything else
	}
	for _, r := range fake.Requests() {
		if r.Status == http.StatusTooManyRequests {
			t.Fatalf("requests = %+v: the spent budget was met with a 429, not waited for", fake.Requests())
		}
	}
	// A caller whose deadline comes before the reset is told at once, and
	// nothing is sent. (The fake's clock a minute ahead: its one-minute
	// window ends one to two minutes from now, within the longest wait the
	// client takes.)
	setClock(clock, time.Now().Add(time.Minute))
	fake.SetRateLimit(1, time.Minute)
	if _, err := c.Users.ExportIDs(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	sent := fake.RequestCount("", "/users/export/ids")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err := c.Users.ExportIDs(ctx, req)
	var be *braze.Error
	if !errors.As(err, &be) || be.StatusCode != 429 || !be.NotSent || be.Attempts != 0 || be.RetryAfter < 50*time.Second || be.RetryAfter > 2*time.Minute || !errors.Is(err, deskbridge.ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
	if n := fake.RequestCount("", "/users/export/ids"); n != sent {
		t.Fatalf("requests = %d, want %d", n, sent)
	}
}

// setClock moves clock to t.
func setClock(clock *testkit.Clock, t time.Time) { clock.Advance(t.Sub(clock.Now())) }

// Budgets are per endpoint group on both sides
// (https://www.braze.com/docs/api/api_limits/): an export that spends its
// budget neither holds a trigger send in the client nor has the fake
// refuse it; the send endpoints share theirs.
func TestContractBudgetsPerEndpointGroup(t *testing.T) {
	t.Parallel()
	// The fake's one-minute windows end one to two minutes from now: within
	// the client's longest wait, after the deadline below.
	fake, c := setupFake(t, []brazetest.Option{brazetest.WithClock(fakeClock(time.Minute).Now), brazetest.WithRateLimit(1, time.Minute)})
	fake.AddUser(brazetest.User{ExternalID: "u1"})
	id := mustCampaign(t, fake, brazetest.Campaign{Name: "reply"})
	canvas := fake.AddCanvas(brazetest.Canvas{Name: "flow"})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := c.Users.ExportIDs(ctx, &braze.ExportIDsRequest{ExternalIDs: []string{"u1"}, FieldsToExport: []string{"email"}}); err != nil {
		t.Fatal(err)
	}
	send := &braze.CampaignTriggerRequest{CampaignID: id, Recipients: []braze.Recipient{{ExternalUserID: "u1"}}}
	if _, err := c.Campaigns.TriggerSend(ctx, send); err != nil {
		t.Fatalf("the send after a spent export budget: %v", err)
	}
	if _, err := c.Users.Track(ctx, &braze.TrackRequest{Attributes: []braze.UserAttributes{{ExternalID: "u1"}}}); err != nil {
		t.Fatalf("users/track after a spent send budget: %v", err)
	}
	// The send budget is spent until after the deadline: a Canvas send
	// draws on it too and fails at once, unsent.
	_, err := c.Canvas.TriggerSend(ctx, &braze.CanvasTriggerRequest{CanvasID: canvas, Recipients: []braze.Recipient{{ExternalUserID: "u1"}}})
	var be *braze.Error
	if !errors.As(err, &be) || be.StatusCode != 429 || !be.NotSent || be.Attempts != 0 || braze.MaybeSent(err) || be.RetryAfter < 50*time.Second {
		t.Fatalf("Canvas send: %v", err)
	}
	if n := fake.RequestCount("", "/canvas/trigger/send"); n != 0 || len(fake.Sends()) != 1 {
		t.Fatalf("canvas requests = %d, sends = %d", n, len(fake.Sends()))
	}
	for _, r := range fake.Requests() {
		if r.Status == http.StatusTooManyRequests {
			t.Fatalf("%s %s met a 429", r.Method, r.Path)
		}
	}
}

// A budget spent until later than the longest wait the client takes (five
// minutes) is not kept as a hold on the client's side: the next send goes
// to Braze, whose 429 comes back at once with the wait; it was not sent,
// and is not "may have been sent".
func TestContractSpentPastLongestWaitNotHeld(t *testing.T) {
	t.Parallel()
	// The fake's hour window ends one to two hours from now.
	fake, c := setupFake(t, []brazetest.Option{brazetest.WithClock(fakeClock(time.Hour).Now), brazetest.WithRateLimit(1, time.Hour)})
	fake.AddUser(brazetest.User{ExternalID: "u1"})
	id := mustCampaign(t, fake, brazetest.Campaign{Name: "reply"})
	send := &braze.CampaignTriggerRequest{CampaignID: id, Recipients: []braze.Recipient{{ExternalUserID: "u1"}}}
	if _, err := c.Campaigns.TriggerSend(t.Context(), send); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := c.Campaigns.TriggerSend(t.Context(), send)
		var be *braze.Error
		if !errors.As(err, &be) || be.StatusCode != 429 || be.NotSent || be.Attempts != 1 || braze.MaybeSent(err) || be.RetryAfter < time.Hour || !errors.Is(err, deskbridge.ErrRateLimited) {
			t.Fatalf("err = %v (%+v)", err, be)
		}
	}
	if n := fake.RequestCount("", "/campaigns/trigger/send"); n != 3 || len(fake.Sends()) != 1 {
		t.Fatalf("requests = %d, sends = %d; want 3 and 1", n, len(fake.Sends()))
	}
}

// The request log never shows the REST API key: not in the Authorization
// header (the right key or a wrong one), not in a body (the legacy
// "api_key" member). What a client sends carries no other secret.
func TestContractRequestLogRedacted(t *testing.T) {
	t.Parallel()
	const key, wrong = "bz-rest-key-5f0c2a9e", "bz-wrong-key-77e1b3d4"
	fake := brazetest.NewServer(brazetest.WithAPIKey(key))
	t.Cleanup(fake.Close)
	c, err := braze.NewClient(braze.WithBaseURL(fake.URL), braze.WithAPIKey(key))
	if err != nil {
		t.Fatal(err)
	}
	fake.AddUser(brazetest.User{ExternalID: "u1", Phone: "+33600000001"})
	id := mustCampaign(t, fake, brazetest.Campaign{Name: "reply"})
	ctx := t.Context()
	recipients := []braze.Recipient{{ExternalUserID: "u1", TriggerProperties: map[string]any{"msg_body": "hello"}, Attributes: map[string]any{"zendesk_ticket": "7"}}}
	for _, call := range []func() error{
		func() error {
			_, err := c.Campaigns.TriggerSend(ctx, &braze.CampaignTriggerRequest{CampaignID: id, Recipients: recipients})
			return err
		},
		func() error {
			_, err := c.Messages.Send(ctx, &braze.SendMessagesRequest{ExternalUserIDs: []string{"u1"}, Messages: braze.Messages{SMS: &braze.SMS{SubscriptionGroupID: "sg", Body: "b", AppID: "app"}}})
			return err
		},
		func() error {
			_, err := c.Users.Track(ctx, &braze.TrackRequest{Attributes: []braze.UserAttributes{{ExternalID: "u1", Attributes: map[string]any{"vip": true}}}})
			return err
		},
		func() error {
			_, err := c.Users.ExportIDs(ctx, &braze.ExportIDsRequest{ExternalIDs: []string{"u1"}})
			return err
		},
		func() error {
			_, err := c.Subscriptions.SetStatus(ctx, &braze.SetStatusRequest{SubscriptionGroupID: "sg", SubscriptionState: braze.Subscribed, Phones: []string{"+33600000001"}})
			return err
		},
	} {
		if err := call(); err != nil {
			t.Fatal(err)
		}
	}
	bad, _ := braze.NewClient(braze.WithBaseURL(fake.URL), braze.WithAPIKey(wrong))
	if _, err := bad.Users.ExportIDs(ctx, &braze.ExportIDsRequest{ExternalIDs: []string{"u1"}}); !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("wrong key: %v", err)
	}
	// Braze's legacy API took the key in the body; and a key pasted
	// anywhere else in a body is not shown either.
	req, _ := http.NewRequest(http.MethodPost, fake.URL+"/users/export/ids", strings.NewReader(`{"api_key":"`+key+`","external_ids":["u1"],"note":"key=`+key+`"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := fake.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	reqs := fake.Requests()
	if len(reqs) != 7 {
		t.Fatalf("%d requests logged, want 7", len(reqs))
	}
	for _, r := range reqs {
		if got := r.Header.Get("Authorization"); got != "[redacted]" {
			t.Errorf("%s %s: Authorization = %q", r.Method, r.Path, got)
		}
		if len(r.Body) == 0 {
			t.Errorf("%s %s: no body logged", r.Method, r.Path)
		}
	}
	if body := string(reqs[6].Body); !strings.Contains(body, `"api_key":"[redacted]"`) || !strings.Contains(body, `"note":"key=[redacted]"`) || !strings.Contains(body, `"external_ids":["u1"]`) {
		t.Errorf("legacy body logged as %s", body)
	}
	var b strings.Builder
	for _, r := range reqs {
		fmt.Fprintf(&b, "%s %s?%s %v %s %s\n", r.Method, r.Path, r.RawQuery, r.Header, r.Body, r.Fault)
	}
	dump := b.String()
	for _, secret := range []string{key, wrong} {
		if strings.Contains(dump, secret) {
			t.Errorf("the request log shows %q:\n%s", secret, dump)
		}
	}
	// The bodies keep what a test asserts on.
	if !strings.Contains(string(reqs[0].Body), `"msg_body":"hello"`) {
		t.Errorf("trigger send logged as %s", reqs[0].Body)
	}
}

func TestContract429RetriedAfterReset(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	fake.AddUser(brazetest.User{ExternalID: "u1"})
	id := mustCampaign(t, fake, brazetest.Campaign{Name: "reply"})
	reset := fmt.Sprint(time.Now().Add(300 * time.Millisecond).Unix())
	fake.InjectFault(brazetest.Fault{Path: "/campaigns/trigger/send", Status: 429, Body: `{"message":"Rate Limited"}`,
		Header: http.Header{"X-Ratelimit-Limit": {"250000"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {reset}}})
	res, err := c.Campaigns.TriggerSend(t.Context(), &braze.CampaignTriggerRequest{CampaignID: id, Recipients: []braze.Recipient{{ExternalUserID: "u1"}}})
	if err != nil || res.Attempts != 2 || len(fake.Sends()) != 1 {
		t.Fatalf("res = %+v, err = %v: a 429 is retried even for a send, nothing was sent", res, err)
	}
}

func ptr[T any](v T) *T { return &v }
