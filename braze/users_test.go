package braze

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/jarcoal/httpmock"
)

func TestPlanTrack(t *testing.T) {
	t.Parallel()
	def, legacy := trackBatchLimit(false), trackBatchLimit(true)
	for _, tc := range []struct {
		a, e, p int
		lim     trackLimit
		want    string
	}{
		// At most 75 objects in all per request, in Braze's order: the
		// attributes, then the events, then the purchases.
		{1, 0, 0, def, "[{[0 1] [0 0] [0 0]}]"},
		{75, 0, 0, def, "[{[0 75] [0 0] [0 0]}]"},
		{75, 75, 75, def, "[{[0 75] [0 0] [0 0]} {[75 75] [0 75] [0 0]} {[75 75] [75 75] [0 75]}]"},
		{76, 0, 0, def, "[{[0 75] [0 0] [0 0]} {[75 76] [0 0] [0 0]}]"},
		{100, 100, 10, def, "[{[0 75] [0 0] [0 0]} {[75 100] [0 50] [0 0]} {[100 100] [50 100] [0 10]}]"},
		{0, 0, 151, def, "[{[0 0] [0 0] [0 75]} {[0 0] [0 0] [75 150]} {[0 0] [0 0] [150 151]}]"},
		{0, 0, 0, def, "[]"},
		// Legacy limits: 75 of each array. Events start only in the request
		// carrying the last attributes, purchases in the one carrying the
		// last events: Braze's order.
		{75, 75, 75, legacy, "[{[0 75] [0 75] [0 75]}]"},
		{76, 0, 0, legacy, "[{[0 75] [0 0] [0 0]} {[75 76] [0 0] [0 0]}]"},
		{100, 100, 10, legacy, "[{[0 75] [0 0] [0 0]} {[75 100] [0 75] [0 0]} {[100 100] [75 100] [0 10]}]"},
		{0, 0, 151, legacy, "[{[0 0] [0 0] [0 75]} {[0 0] [0 0] [75 150]} {[0 0] [0 0] [150 151]}]"},
	} {
		plan := planTrack(tc.a, tc.e, tc.p, tc.lim)
		if got := fmt.Sprint(plan); got != tc.want {
			t.Errorf("planTrack(%d, %d, %d, %+v) = %s, want %s", tc.a, tc.e, tc.p, tc.lim, got, tc.want)
		}
		for _, c := range plan {
			na, ne, np := c.a[1]-c.a[0], c.e[1]-c.e[0], c.p[1]-c.p[0]
			if na+ne+np > tc.lim.total || max(na, ne, np) > tc.lim.perKind {
				t.Errorf("planTrack(%d, %d, %d, %+v): request %v is over the limit", tc.a, tc.e, tc.p, tc.lim, c)
			}
		}
	}
	for _, lim := range []trackLimit{def, legacy} {
		if n := len(planTrack(10000, 0, 0, lim)); n != 134 {
			t.Fatalf("10,000 attributes make %d requests under %+v, want 134", n, lim)
		}
	}
}

// By default no users/track request carries more than 75 objects in all;
// a client built WithLegacyTrackBatching sends up to 75 of each array.
func TestTrackObjectsPerRequest(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	req := &TrackRequest{Attributes: manyAttributes(75), Events: make([]Event, 75), Purchases: make([]Purchase, 75)}
	for i := range 75 {
		req.Events[i] = Event{ExternalID: "u", Name: "e", Time: when}
		req.Purchases[i] = Purchase{ExternalID: "u", ProductID: "p", Currency: "USD", Time: when}
	}
	for _, tc := range []struct {
		opts []Option
		want []int // objects per request
	}{
		{nil, []int{75, 75, 75}},
		{[]Option{WithLegacyTrackBatching()}, []int{225}},
	} {
		c, mock, _ := newMocked(t, tc.opts...)
		got := answer(mock, "/users/track", ok(`{"message":"success"}`))
		res, err := c.Users.Track(t.Context(), req)
		if err != nil || res.Sent != (TrackCounts{75, 75, 75}) {
			t.Fatalf("res = %+v, err = %v", res, err)
		}
		var sizes []int
		for _, r := range got.all() {
			var body map[string][]json.RawMessage
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(body["attributes"])+len(body["events"])+len(body["purchases"]))
		}
		if fmt.Sprint(sizes) != fmt.Sprint(tc.want) {
			t.Errorf("objects per request = %v, want %v", sizes, tc.want)
		}
	}
}

// A value encoding/json refuses (NaN, ±Inf) in the last request's share
// is refused before the first request is sent: the ValidationError's
// "nothing was sent" is true.
func TestTrackEncodesEveryRequestBeforeSending(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		req   func() *TrackRequest
		field string
	}{
		{"attribute", func() *TrackRequest {
			r := &TrackRequest{Attributes: manyAttributes(200)}
			r.Attributes[180].Attributes["score"] = math.NaN()
			return r
		}, "attributes[180]"},
		{"event", func() *TrackRequest {
			r := &TrackRequest{Attributes: manyAttributes(100), Events: make([]Event, 60)}
			for i := range r.Events {
				r.Events[i] = Event{ExternalID: "u", Name: "e", Time: when}
			}
			r.Events[57].Properties = map[string]any{"x": math.Inf(1)}
			return r
		}, "events[57]"},
		{"purchase", func() *TrackRequest {
			r := &TrackRequest{Attributes: manyAttributes(90), Purchases: []Purchase{{ExternalID: "u", ProductID: "p", Currency: "USD", Time: when, Price: math.Inf(-1)}}}
			return r
		}, "purchases[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock, _ := newMocked(t)
			answer(mock, "/users/track", ok(`{"message":"success"}`))
			res, err := c.Users.Track(t.Context(), tc.req())
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field || !errors.Is(err, deskbridge.ErrInvalid) || MaybeSent(err) {
				t.Fatalf("err = %v, want a ValidationError on %s", err, tc.field)
			}
			if n := mock.GetTotalCallCount(); n != 0 || res != nil {
				t.Fatalf("%d requests sent, result %+v, before the refusal that says nothing was sent", n, res)
			}
		})
	}
}

// A failed request says whether Braze may have processed it: after a 5xx,
// or a connection lost once the request had left, it may have (MaybeSent);
// after a 4xx or a failure to connect, it was not. Either way the requests
// after it were not sent.
func TestTrackFailureSaysWhetherItMayHaveBeenProcessed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fail  httpmock.Responder
		maybe bool
		kind  error
		says  string
	}{
		{"5xx", httpmock.NewStringResponder(500, `{"message":"Internal Server Error"}`), true, deskbridge.ErrUnavailable, "may have been processed by Braze"},
		{"connection lost after sending", httpmock.NewErrorResponder(errors.New("connection reset by peer")), true, deskbridge.ErrUnavailable, "may have been processed by Braze"},
		{"4xx", httpmock.NewStringResponder(400, `{"message":"Max Input Length Exceeded"}`), false, deskbridge.ErrInvalid, "was not processed"},
		{"dial failure", httpmock.NewErrorResponder(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}), false, deskbridge.ErrUnavailable, "was not processed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock, _ := newMocked(t, WithMaxRetries(0))
			n := 0
			mock.RegisterResponder(http.MethodPost, testBase+"/users/track", func(r *http.Request) (*http.Response, error) {
				if n++; n == 3 {
					return tc.fail(r)
				}
				return httpmock.NewStringResponse(200, `{"message":"success"}`), nil
			})
			res, err := c.Users.Track(t.Context(), &TrackRequest{Attributes: manyAttributes(300)})
			if MaybeSent(err) != tc.maybe || !errors.Is(err, tc.kind) {
				t.Fatalf("err = %v: MaybeSent = %v, want %v", err, MaybeSent(err), tc.maybe)
			}
			msg := err.Error()
			if !strings.Contains(msg, "request 3 of 4 failed and "+tc.says) ||
				!strings.Contains(msg, "the 2 before it were sent (150 attributes, 0 events, 0 purchases)") ||
				!strings.Contains(msg, "the 1 after it was not sent") || strings.Contains(msg, "(nothing was sent)") {
				t.Fatalf("err = %q", msg)
			}
			if n != 3 || res.Requests != 2 || res.Sent.Attributes != 150 || res.Failed != (TrackCounts{Attributes: 75}) {
				t.Fatalf("%d requests, res = %+v", n, res)
			}
		})
	}
	// The first request's 5xx may have been processed too.
	c, mock, _ := newMocked(t)
	answer(mock, "/users/track", reply{status: 503, body: `{"message":"Service Unavailable"}`})
	res, err := c.Users.Track(t.Context(), &TrackRequest{Attributes: manyAttributes(1)})
	var be *Error
	if !MaybeSent(err) || !errors.As(err, &be) || be.StatusCode != 503 || res.Requests != 0 || res.Failed.Attributes != 1 ||
		!strings.Contains(err.Error(), "request 1 of 1 failed and may have been processed by Braze") {
		t.Fatalf("err = %v, res = %+v", err, res)
	}
}

func manyAttributes(n int) []UserAttributes {
	out := make([]UserAttributes, n)
	for i := range out {
		out[i] = UserAttributes{ExternalID: fmt.Sprintf("user-%05d", i), Attributes: map[string]any{"zendesk_ticket_open": i%2 == 0}}
	}
	return out
}

func TestTrackTenThousandAttributes(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	got := answer(mock, "/users/track", ok(`{"message":"success","attributes_processed":75}`))
	res, err := c.Users.Track(t.Context(), &TrackRequest{Attributes: manyAttributes(10000)})
	if err != nil {
		t.Fatal(err)
	}
	reqs := got.all()
	if len(reqs) != 134 || res.Requests != 134 || res.Sent.Attributes != 10000 {
		t.Fatalf("requests = %d (result %d, sent %+v), want ⌈10000/75⌉ = 134", len(reqs), res.Requests, res.Sent)
	}
	next := 0
	for i, r := range reqs {
		var body struct {
			Attributes []struct {
				ExternalID string `json:"external_id"`
			} `json:"attributes"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		if n := len(body.Attributes); n > MaxTrackObjects || (i < 133 && n != 75) {
			t.Fatalf("request %d carries %d attributes", i, n)
		}
		for _, a := range body.Attributes {
			if a.ExternalID != fmt.Sprintf("user-%05d", next) {
				t.Fatalf("request %d: got %s, want user-%05d (order lost)", i, a.ExternalID, next)
			}
			next++
		}
	}
	if res.AttributesProcessed != 134*75 {
		t.Fatalf("AttributesProcessed = %d (sum of the answers)", res.AttributesProcessed)
	}
}

func TestTrackBodyAndMinorErrorsReindexed(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	when := time.Date(2022, 12, 6, 18, 20, 45, 0, time.UTC)
	got := answer(mock, "/users/track",
		ok(`{"message":"success","attributes_processed":75,"errors":[{"type":"bad attr","input_array":"attributes","index":3}]}`),
		ok(`{"message":"success","attributes_processed":5,"events_processed":2,"errors":[{"type":"'name' is required","input_array":"events","index":1},{"type":"odd","index":9},"plain text"]}`),
	)
	req := &TrackRequest{Attributes: manyAttributes(80), Events: []Event{
		{Email: "test@braze.com", AppID: "app", Name: "rented_movie", Time: when, Properties: map[string]any{"release": map[string]any{"studio": "FilmStudio"}}},
		{UserAlias: &UserAlias{AliasName: "device123", AliasLabel: "my_device_identifier"}, Name: "rented_movie", Time: when, UpdateExistingOnly: ptr(false)},
	}}
	req.Attributes[0] = UserAttributes{
		ExternalID: "user_identifier", Email: "example@email.com",
		Attributes:         map[string]any{"email_subscribe": "subscribed", "first_name": "Jane"},
		SubscriptionGroups: []SubscriptionGroupState{{SubscriptionGroupID: "sg-1", SubscriptionState: "unsubscribed"}},
	}
	req.Attributes[79] = UserAttributes{UserAlias: &UserAlias{AliasName: "example_name", AliasLabel: "example_label"}, UpdateExistingOnly: ptr(false)}
	res, err := c.Users.Track(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := "[attributes[3]: bad attr events[1]: 'name' is required odd plain text]"
	if fmt.Sprint(res.Errors) != want {
		t.Fatalf("errors = %v, want %s", res.Errors, want)
	}
	if res.Errors[2].Index == nil || *res.Errors[2].Index != 9 || res.Errors[3].Index != nil {
		t.Fatalf("errors = %+v", res.Errors)
	}
	if res.Requests != 2 || res.AttributesProcessed != 80 || res.EventsProcessed != 2 || res.Attempts != 2 {
		t.Fatalf("res = %+v", res)
	}
	reqs := got.all()
	assertHeaders(t, reqs[0])
	var first struct {
		Attributes []json.RawMessage `json:"attributes"`
	}
	json.Unmarshal(reqs[0].Body, &first)
	assertJSON(t, first.Attributes[0], `{"external_id":"user_identifier","email":"example@email.com","email_subscribe":"subscribed","first_name":"Jane",
		"subscription_groups":[{"subscription_group_id":"sg-1","subscription_state":"unsubscribed"}]}`)
	var second struct {
		Attributes []json.RawMessage `json:"attributes"`
		Events     []json.RawMessage `json:"events"`
	}
	json.Unmarshal(reqs[1].Body, &second)
	// The underscore of _update_existing_only is kept (a known pitfall).
	assertJSON(t, second.Attributes[4], `{"user_alias":{"alias_name":"example_name","alias_label":"example_label"},"_update_existing_only":false}`)
	assertJSON(t, second.Events[0], `{"email":"test@braze.com","app_id":"app","name":"rented_movie","time":"2022-12-06T18:20:45Z","properties":{"release":{"studio":"FilmStudio"}}}`)
	assertJSON(t, second.Events[1], `{"user_alias":{"alias_name":"device123","alias_label":"my_device_identifier"},"name":"rented_movie","time":"2022-12-06T18:20:45Z","_update_existing_only":false}`)
}

func TestTrackPurchasesAndDocumentedResponse(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	got := answer(mock, "/users/track", ok(testdata(t, "users_track_success.json")))
	res, err := c.Users.Track(t.Context(), &TrackRequest{
		Attributes: []UserAttributes{{Phone: "+15043277269", Attributes: map[string]any{"array_attribute": []string{"banana", "apple"}}}},
		Purchases: []Purchase{{ExternalID: "user1", AppID: "app", ProductID: "backpack", Currency: "USD", Price: 40, Quantity: 2,
			Time: time.Date(2013, 7, 16, 18, 20, 30, 0, time.UTC), Properties: map[string]any{"color": "red"}}},
	})
	if err != nil || res.AttributesProcessed != 1 || res.EventsProcessed != 2 || res.PurchasesProcessed != 1 {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	assertJSON(t, got.all()[0].Body, `{"attributes":[{"phone":"+15043277269","array_attribute":["banana","apple"]}],
		"purchases":[{"external_id":"user1","app_id":"app","product_id":"backpack","currency":"USD","price":40,"quantity":2,"time":"2013-07-16T18:20:30Z","properties":{"color":"red"}}]}`)
}

func TestTrackStopsAtFirstFailure(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	got := answer(mock, "/users/track", ok(`{"message":"success"}`), ok(`{"message":"success"}`), reply{status: 500, body: `{"message":"Internal Server Error"}`})
	res, err := c.Users.Track(t.Context(), &TrackRequest{Attributes: manyAttributes(300)})
	var be *Error
	if !errors.As(err, &be) || be.StatusCode != 500 || !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "request 3 of 4 failed and may have been processed by Braze") ||
		!strings.Contains(err.Error(), "the 2 before it were sent (150 attributes, 0 events, 0 purchases); the 1 after it was not sent") {
		t.Fatalf("err = %q", err)
	}
	if len(got.all()) != 3 || res.Requests != 2 || res.Sent.Attributes != 150 {
		t.Fatalf("requests = %d, res = %+v (a 5xx on users/track is not retried, nothing after it is sent)", len(got.all()), res)
	}
	// A refusal of the first request is returned as is.
	c2, mock2, _ := newMocked(t)
	answer(mock2, "/users/track", reply{status: 400, body: `{"message":"Max Input Length Exceeded"}`})
	res, err = c2.Users.Track(t.Context(), &TrackRequest{Attributes: manyAttributes(1)})
	if !errors.As(err, &be) || be.Message != "Max Input Length Exceeded" || res.Requests != 0 || MaybeSent(err) || strings.Contains(err.Error(), "request 1 of 1") {
		t.Fatalf("err = %v, res = %+v", err, res)
	}
}

func TestTrackValidation(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, tc := range []struct {
		name string
		req  *TrackRequest
		want string
	}{
		{"nil", nil, "nil"},
		{"empty", &TrackRequest{}, "nothing to track"},
		{"no id", &TrackRequest{Attributes: []UserAttributes{{ExternalID: "a"}, {Attributes: map[string]any{"x": 1}}}}, "attributes[1]: no identifier"},
		{"id in map", &TrackRequest{Attributes: []UserAttributes{{ExternalID: "a", Attributes: map[string]any{"external_id": "b"}}}}, `attributes[0]: set "external_id" with its field`},
		{"half alias", &TrackRequest{Events: []Event{{UserAlias: &UserAlias{AliasLabel: "l"}, Name: "n", Time: now}}}, "events[0]: user_alias needs"},
		{"event no name", &TrackRequest{Events: []Event{{ExternalID: "a", Time: now}}}, "events[0]: name is required"},
		{"event no time", &TrackRequest{Events: []Event{{ExternalID: "a", Name: "n"}}}, "events[0]: time is required"},
		{"purchase no id", &TrackRequest{Purchases: []Purchase{{ProductID: "p"}}}, "purchases[0]: no identifier"},
		{"purchase no product", &TrackRequest{Purchases: []Purchase{{ExternalID: "a", Currency: "USD", Time: now}}}, "product_id"},
		{"purchase no currency", &TrackRequest{Purchases: []Purchase{{ExternalID: "a", ProductID: "p", Time: now}}}, "currency"},
		{"purchase no time", &TrackRequest{Purchases: []Purchase{{ExternalID: "a", ProductID: "p", Currency: "USD"}}}, "time is required"},
		{"purchase quantity", &TrackRequest{Purchases: []Purchase{{ExternalID: "a", ProductID: "p", Currency: "USD", Time: now, Quantity: 101}}}, "quantity 101"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock, _ := newMocked(t)
			_, err := c.Users.Track(t.Context(), tc.req)
			if !errors.Is(err, deskbridge.ErrInvalid) || !strings.Contains(err.Error(), tc.want) || mock.GetTotalCallCount() != 0 {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestUsersIdentify(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	got := answer(mock, "/users/identify", ok(testdata(t, "users_identify_success.json")))
	res, err := c.Users.Identify(t.Context(), &IdentifyRequest{
		AliasesToIdentify: []AliasToIdentify{{ExternalID: "external_identifier", UserAlias: UserAlias{AliasName: "example_alias", AliasLabel: "example_label"}}},
		EmailsToIdentify:  []EmailToIdentify{{ExternalID: "external_identifier_2", Email: "john.smith@braze.com", Prioritization: []string{"unidentified", "most_recently_updated"}}},
	})
	if err != nil || res.AliasesProcessed != 1 || res.Message != "success" {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	r := got.all()[0]
	assertHeaders(t, r)
	assertJSON(t, r.Body, `{"aliases_to_identify":[{"external_id":"external_identifier","user_alias":{"alias_name":"example_alias","alias_label":"example_label"}}],
		"emails_to_identify":[{"external_id":"external_identifier_2","email":"john.smith@braze.com","prioritization":["unidentified","most_recently_updated"]}]}`)

	for _, tc := range []struct {
		req  *IdentifyRequest
		want string
	}{
		{nil, "nil"},
		{&IdentifyRequest{}, "give aliases"},
		{&IdentifyRequest{AliasesToIdentify: make([]AliasToIdentify, 51)}, "51 aliases"},
		{&IdentifyRequest{AliasesToIdentify: []AliasToIdentify{{ExternalID: "x"}}}, "aliases_to_identify[0]"},
		{&IdentifyRequest{EmailsToIdentify: []EmailToIdentify{{ExternalID: "x", Email: "e"}}}, "emails_to_identify[0]: prioritization is required"},
		{&IdentifyRequest{EmailsToIdentify: []EmailToIdentify{{ExternalID: "x"}}}, "needs external_id and email"},
		{&IdentifyRequest{PhoneNumbersToIdentify: []PhoneToIdentify{{ExternalID: "x", Phone: "+1", Prioritization: []string{"identified", "unidentified"}}}}, "phone_numbers_to_identify[0]"},
		{&IdentifyRequest{PhoneNumbersToIdentify: []PhoneToIdentify{{Phone: "+1"}}}, "needs external_id and phone"},
	} {
		if _, err := c.Users.Identify(t.Context(), tc.req); !errors.Is(err, deskbridge.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
	if n := len(got.all()); n != 1 {
		t.Fatalf("%d requests", n)
	}
}

func TestUsersExportIDs(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	got := answer(mock, "/users/export/ids", reply{status: 502}, ok(testdata(t, "users_export_ids_success.json")))
	res, err := c.Users.ExportIDs(t.Context(), &ExportIDsRequest{
		ExternalIDs:    []string{"A8i3mkd99", "unknown-user"},
		FieldsToExport: []string{"first_name", "email", "custom_attributes"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 {
		t.Fatalf("attempts = %d: an export only reads and is retried after a 5xx", res.Attempts)
	}
	assertJSON(t, got.all()[1].Body, `{"external_ids":["A8i3mkd99","unknown-user"],"fields_to_export":["first_name","email","custom_attributes"]}`)
	if len(res.Users) != 1 || fmt.Sprint(res.InvalidUserIDs) != "[unknown-user]" {
		t.Fatalf("res = %+v", res)
	}
	u := res.Users[0]
	if u.ExternalID != "A8i3mkd99" || u.FirstName != "Jane" || u.Phone != "+442071838750" || u.CustomAttributes["loyaltyPointsNumber"] != float64(107) ||
		u.UserAliases[0].AliasLabel != "amplitude_id" || u.CustomEvents[0].Count != 1 || u.Purchases[0].Name != "item_40834" || u.RandomBucket != 2365 || u.TotalRevenue != 65 {
		t.Fatalf("user = %+v", u)
	}
	var raw struct {
		Devices []struct {
			Model string `json:"model"`
		} `json:"devices"`
	}
	if err := json.Unmarshal(u.Raw, &raw); err != nil || raw.Devices[0].Model != "Pixel XL" {
		t.Fatalf("raw = %s", u.Raw)
	}
	for _, tc := range []struct {
		req  *ExportIDsRequest
		want string
	}{
		{nil, "nil"},
		{&ExportIDsRequest{}, "no users"},
		{&ExportIDsRequest{ExternalIDs: make([]string, 51)}, "51 IDs"},
		{&ExportIDsRequest{UserAliases: make([]UserAlias, 51)}, "51 aliases"},
		{&ExportIDsRequest{EmailAddress: "a@b", Phone: "+1"}, "one of device_id, email_address and phone"},
	} {
		if _, err := c.Users.ExportIDs(t.Context(), tc.req); !errors.Is(err, deskbridge.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
	var bad ExportedUser
	if err := bad.UnmarshalJSON([]byte(`{"external_id":1}`)); err == nil {
		t.Fatal("a bad user decoded")
	}
}

func TestUserAttributesMarshal(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(UserAttributes{Attributes: map[string]any{"a": 1}})
	if err != nil || string(b) != `{"a":1}` {
		t.Fatalf("%s %v", b, err)
	}
	if _, err := json.Marshal(UserAttributes{ExternalID: "u", Attributes: map[string]any{"f": func() {}}}); err == nil {
		t.Fatal("a func encoded")
	}
	for _, bad := range []any{math.NaN(), math.Inf(-1), float32(math.Inf(1))} {
		if _, err := json.Marshal(UserAttributes{ExternalID: "u", Attributes: map[string]any{"x": bad}}); err == nil {
			t.Fatalf("%v encoded", bad)
		}
	}
	b, _ = json.Marshal(UserAttributes{ExternalID: "u"})
	if string(b) != `{"external_id":"u"}` {
		t.Fatalf("%s", b)
	}
	if b, _ = json.Marshal(UserAttributes{}); string(b) != `{}` {
		t.Fatalf("%s", b)
	}
}

// referenceMarshal is what UserAttributes.MarshalJSON wrote before it
// encoded by hand: encoding/json's output for the fields and for the
// attributes, spliced.
func referenceMarshal(u UserAttributes) ([]byte, error) {
	type wire UserAttributes
	fixed, err := json.Marshal(wire(u))
	if err != nil || len(u.Attributes) == 0 {
		return fixed, err
	}
	attrs, err := json.Marshal(u.Attributes)
	if err != nil {
		return nil, err
	}
	if len(fixed) == 2 {
		return attrs, nil
	}
	return append(append(fixed[:len(fixed)-1:len(fixed)-1], ','), attrs[1:]...), nil
}

// The hand encoder writes exactly what encoding/json writes, byte for
// byte: every field, strings that need escaping, numbers of every size and
// type, nested and unusual values.
func TestUserAttributesMarshalMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	// A field added to UserAttributes must be added to appendJSON too.
	if n := reflect.TypeFor[UserAttributes]().NumField(); n != 8 {
		t.Fatalf("UserAttributes has %d fields; appendJSON writes 8: update it", n)
	}
	strs := []string{"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "line\nbreak\ttab\r\b\f", "\x00\x1f\x7f",
		"é 👋 日本", "\u2028\u2029", "bad \xff utf8 \xc3", "\xed\xa0\x80"}
	values := []any{nil, true, false, 0, -7, int64(math.MaxInt64), int32(-5), uint(7), uint64(math.MaxUint64),
		0.0, 1.5, -2.25e-7, 1e21, 1e20, 123456789.125, math.SmallestNonzeroFloat64, float32(0.1), float32(1e-7), float32(3e21),
		[]string{"banana", "apple"}, map[string]any{"z": 1, "a": []any{"<x>", nil}}, time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC),
		json.Number("12.50"), json.RawMessage(`{"raw":true}`), int8(3), uint16(9), struct{ A int }{4}}
	cases := []UserAttributes{
		{},
		{ExternalID: "u", UserAlias: &UserAlias{AliasName: "n<", AliasLabel: "l&"}, BrazeID: "b", Email: "e@x", Phone: "+1",
			UpdateExistingOnly: ptr(false), SubscriptionGroups: []SubscriptionGroupState{{"g1", "subscribed"}, {"g\"2", "unsubscribed"}}},
		{UpdateExistingOnly: ptr(true)},
		{SubscriptionGroups: []SubscriptionGroupState{{}}},
		{UserAlias: &UserAlias{}},
	}
	for i, s := range strs {
		cases = append(cases, UserAttributes{Email: s, Attributes: map[string]any{s: s, "k" + s: i}})
	}
	many := map[string]any{}
	for i, v := range values {
		many[fmt.Sprintf("v%02d", i)] = v
	}
	for i := range 40 { // more keys than the encoder sorts on its stack
		many[fmt.Sprintf("k%03d", 40-i)] = i
	}
	cases = append(cases, UserAttributes{Attributes: many}, UserAttributes{ExternalID: "x", Attributes: many})
	for i, u := range cases {
		want, werr := referenceMarshal(u)
		got, gerr := json.Marshal(u)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("case %d: error %v, want %v", i, gerr, werr)
		}
		if string(got) != string(want) {
			t.Errorf("case %d:\n got %s\nwant %s", i, got, want)
		}
		// And within a users/track body, unchecked by encoding/json.
		body, err := trackBody(nil, &TrackRequest{Attributes: []UserAttributes{u}}, trackChunk{a: [2]int{0, 1}})
		if err != nil || string(body) != `{"attributes":[`+string(want)+`]}` || !json.Valid(body) {
			t.Errorf("case %d: body %s, %v", i, body, err)
		}
	}
}

// Checking and encoding a users/track request costs no allocation per
// valid attribute: the field names of errors are formatted only for an
// error, and each attribute is encoded into the request's one buffer.
func TestTrackAllocationsPerItem(t *testing.T) {
	attrs := manyAttributes(MaxTrackObjects)
	req := &TrackRequest{Attributes: attrs}
	buf := make([]byte, 0, 16<<10)
	chunk := trackChunk{a: [2]int{0, len(attrs)}}
	if n := testing.AllocsPerRun(20, func() {
		if err := checkTrack("Users.Track", req); err != nil {
			t.Fatal(err)
		}
		if _, err := trackBody(buf[:0], req, chunk); err != nil {
			t.Fatal(err)
		}
	}); n > 0 {
		t.Fatalf("%.1f allocations to check and encode %d attributes, want 0", n, len(attrs))
	}
}

// Encoding every request before the first is sent costs a few allocations
// per call, none per item or per request: the bodies share one buffer,
// sized from the first.
func TestTrackBodiesAllocations(t *testing.T) {
	req := &TrackRequest{Attributes: manyAttributes(10000)}
	plan := planTrack(len(req.Attributes), 0, 0, trackBatchLimit(false))
	if n := testing.AllocsPerRun(5, func() {
		buf, ends, err := trackBodies(req, plan)
		if err != nil || len(ends) != 134 || ends[133] != len(buf) {
			t.Fatal(len(ends), err)
		}
	}); n > 4 {
		t.Fatalf("%.1f allocations to encode 134 requests, want at most 4", n)
	}
}
