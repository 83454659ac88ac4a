package braze

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"
)

// Each test here names one UNCONFIRMED guess of unconfirmed.go.

func TestUnconfirmedMinorErrorShape(t *testing.T) {
	t.Parallel()
	// Doubt: the item shape {type, input_array, index} is from third-party
	// clients only; strings and missing fields must still decode.
	for in, want := range map[string]MinorError{
		`{"type":"'alias_name' must be a String","input_array":"user_aliases","index":0}`: {"'alias_name' must be a String", "user_aliases", ptr(0)},
		`"Invalid external_id"`:                      {"Invalid external_id", "", nil},
		`{"message":"something"}`:                    {"something", "", nil},
		`{"type":{"code":7},"input_array":"events"}`: {`{"code":7}`, "events", nil},
	} {
		got, err := decodeMinorError([]byte(in))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s → %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{`"unterminated`, `[1]`} {
		if _, err := decodeMinorError([]byte(bad)); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
	var m MinorError
	if err := m.UnmarshalJSON([]byte(`5`)); err == nil {
		t.Fatal("a number decoded")
	}
}

func TestUnconfirmedMinorErrorIndexPerArray(t *testing.T) {
	t.Parallel()
	// Doubt: that a users/track minor error's index counts within the array
	// it names, in the request that returned it.
	chunk := trackChunk{a: [2]int{150, 225}, e: [2]int{0, 0}, p: [2]int{75, 100}}
	for _, tc := range []struct {
		in   MinorError
		want *int
	}{
		{MinorError{Type: "x", InputArray: "attributes", Index: ptr(2)}, ptr(152)},
		{MinorError{Type: "x", InputArray: "purchases", Index: ptr(0)}, ptr(75)},
		{MinorError{Type: "x", InputArray: "events", Index: ptr(4)}, ptr(4)},
		{MinorError{Type: "x", InputArray: "user_aliases", Index: ptr(2)}, ptr(2)}, // an unknown array: unchanged
		{MinorError{Type: "x", InputArray: "purchases"}, nil},                      // no index: unchanged
	} {
		if got := reindexMinorError(tc.in, chunk); !reflect.DeepEqual(got.Index, tc.want) || got.Type != "x" || got.InputArray != tc.in.InputArray {
			t.Errorf("%+v → %+v, want index %v", tc.in, got, tc.want)
		}
	}
}

func TestUnconfirmedQueued(t *testing.T) {
	t.Parallel()
	// Doubt: 202 {"message":"queued"} is only in an older errors page.
	if !queued(202, "") || !queued(200, "queued") || queued(200, "success") || queued(201, "success") {
		t.Fatal("queued")
	}
}

func TestUnconfirmedTrackBatchLimit(t *testing.T) {
	t.Parallel()
	// Doubt: which users/track batch limit a workspace has. The localized
	// api_limits pages say 75 objects in total per request (75 of each
	// array on legacy limits); the English page still says 75 of each. The
	// default must be within both; legacy batching is 75 of each.
	if got := trackBatchLimit(false); got != (trackLimit{perKind: 75, total: 75}) {
		t.Errorf("default limit %+v, want 75 in total", got)
	}
	if got := trackBatchLimit(true); got != (trackLimit{perKind: 75, total: 225}) {
		t.Errorf("legacy limit %+v, want 75 of each array", got)
	}
	// Under either reading of Braze's page, a default request is accepted.
	for _, c := range planTrack(200, 200, 200, trackBatchLimit(false)) {
		if n := c.counts(); n.Attributes+n.Events+n.Purchases > 75 {
			t.Fatalf("request %v carries %+v", c, n)
		}
	}
}

func TestUnconfirmedSendsShareOneBudgetApartFromDefault(t *testing.T) {
	t.Parallel()
	// Doubt: a send by user ID may draw on the default 250,000-an-hour
	// pool (the localized api_limits pages) rather than on a budget of the
	// three send endpoints (documented for broadcasts). The client keys
	// the three together, apart from the default budget: a spent default
	// budget must not hold a send.
	for _, p := range []string{"/messages/send", "/campaigns/trigger/send", "/canvas/trigger/send"} {
		if got := budgetGroup(http.MethodPost, p); got != sendsBudget() || got == "" {
			t.Errorf("%s → %q, want %q", p, got, sendsBudget())
		}
	}
	c, mock, ft := newMocked(t)
	// An endpoint of the default budget (not in Braze's table) spends it.
	answer(mock, "/users/external_id/rename", reply{status: 200, body: `{"message":"success"}`, header: spent(ft, 50*time.Second)})
	sends := answer(mock, "/campaigns/trigger/send", reply{status: 201, body: `{"message":"success","dispatch_id":"d"}`})
	if err := c.post(t.Context(), "/users/external_id/rename", map[string]any{}, write, new(Response)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Campaigns.TriggerSend(t.Context(), &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}}}); err != nil {
		t.Fatal(err)
	}
	if len(ft.Sleeps()) != 0 || len(sends.all()) != 1 {
		t.Fatalf("the send waited %v for the default budget", ft.Sleeps())
	}
}

func TestUnconfirmedRequestIDHeader(t *testing.T) {
	t.Parallel()
	// Doubt: Braze documents no request-id header; a response that carries
	// one of the common names has it on its error.
	for _, h := range requestIDHeaders() {
		c, mock, _ := newMocked(t)
		answer(mock, "/users/identify", reply{status: 400, body: `{"message":"Bad Request"}`, header: http.Header{h: {" b-1 "}}})
		_, err := c.Users.Identify(t.Context(), &IdentifyRequest{AliasesToIdentify: []AliasToIdentify{{ExternalID: "e", UserAlias: UserAlias{AliasName: "n", AliasLabel: "l"}}}})
		var be *Error
		if !errors.As(err, &be) || be.RequestID != "b-1" {
			t.Errorf("%s: err = %v", h, err)
		}
	}
	if len(requestIDHeaders()) != 2 {
		t.Fatalf("headers = %v", requestIDHeaders())
	}
}
