package zendesktest_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// One test per guess of unconfirmed.go, each naming its doubt.

// errUnauthorized is UNCONFIRMED: Zendesk documents no 401 body; the
// wording is from public fixtures, the JSON shape the fake's.
func TestUnauthorizedBodyUnconfirmed(t *testing.T) {
	t.Parallel()
	r := callAuth(t, newFake(t), "", "GET", "/api/v2/users/me", nil)
	if r.status != 401 || string(r.body) != `{"error":"Couldn't authenticate you"}` {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// errForbidden is UNCONFIRMED: the wording of a 403 to a token whose scope
// lacks write.
func TestForbiddenWordingUnconfirmed(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	r := callAuth(t, s, "", "POST", "/oauth/tokens", map[string]any{"grant_type": "client_credentials", "client_id": s.OAuthClientID, "client_secret": s.OAuthClientSecret, "scope": "read"})
	mustStatus(t, r, 200)
	token, _ := r.json(t)["access_token"].(string)
	r = callAuth(t, s, "Bearer "+token, "POST", "/api/v2/groups", map[string]any{"group": map[string]any{"name": "x"}})
	if r.status != 403 || !strings.Contains(string(r.body), `"error":"Forbidden"`) {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// errParameterMissing is UNCONFIRMED: the status (400) of an answer whose
// body a public capture shows, and that every enveloped endpoint answers
// the same.
func TestParameterMissingStatusUnconfirmed(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	for _, path := range []string{"/api/v2/tickets", "/api/v2/users", "/api/v2/groups"} {
		if r := call(t, s, "POST", path, "{}"); r.status != 400 || !strings.Contains(string(r.body), `"error":"ParameterMissing"`) {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
}

// errUnknownEndpoint is UNCONFIRMED: Zendesk's answer to an unknown path or
// method; the fake uses the documented 404 body.
func TestUnknownEndpointUnconfirmed(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	for _, req := range [][2]string{{"GET", "/api/v2/nothing_here"}, {"PATCH", "/api/v2/tickets"}} {
		if r := call(t, s, req[0], req[1], nil); r.status != 404 || string(r.body) != `{"error":"RecordNotFound","description":"Not found"}` {
			t.Errorf("%s %s: %d %s", req[0], req[1], r.status, r.body)
		}
	}
}

// statusUpdateID is UNCONFIRMED: the body of a unified status update. The
// three shapes public clients and a catalog use are all taken.
func TestStatusUpdateBodiesUnconfirmed(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	agent := s.AddAgent("Ann Agent", "ann@example.com")
	path := fmt.Sprintf("/api/v2/agent_availabilities/agent_statuses/agents/%d", agent)
	for body, want := range map[string]int64{
		`{"id":4}`:                zendesktest.StatusAway,
		`{"agent_status_id":"3"}`: zendesktest.StatusOnline,
		`{"data":{"type":"agent_status","attributes":{"agent_status_id":"2"}}}`: zendesktest.StatusOffline,
	} {
		r := call(t, s, "PUT", path, body)
		if a, _ := s.Availability(agent); r.status != 200 || a.StatusID != want {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
	}
	if r := call(t, s, "PUT", path, `{"status":4}`); r.status != 422 {
		t.Errorf("no id: %d %s", r.status, r.body)
	}
}

// zendeskRetryPolicy is UNCONFIRMED: Zendesk's webhook retry rules come
// from third-party summaries of its documentation.
func TestWebhookRetryPolicyUnconfirmed(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC) }
	answer := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	for _, tc := range []struct {
		name  string
		resp  *http.Response
		err   error
		waits []time.Duration // the waits of the retries, then no more
	}{
		{"409 thrice", answer(409, ""), nil, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{"429 Retry-After 30", answer(429, "30"), nil, []time.Duration{30 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second}},
		{"503 Retry-After 90", answer(503, "90"), nil, nil},
		{"429 without Retry-After", answer(429, ""), nil, nil},
		{"500", answer(500, ""), nil, nil},
		{"timeout five times", nil, timeoutError{}, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}},
		{"refused", nil, errors.New("connection refused"), nil},
	} {
		policy := zendesktest.WebhookRetryPolicy(now)
		var got []time.Duration
		for n := 1; n < 10; n++ {
			retry, wait := policy(n, tc.resp, tc.err)
			if !retry {
				break
			}
			got = append(got, wait)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.waits) {
			t.Errorf("%s: waits %v, want %v", tc.name, got, tc.waits)
		}
	}
}

type timeoutError struct{}

func (timeoutError) Error() string { return "timeout" }
func (timeoutError) Timeout() bool { return true }

// The defaults are UNCONFIRMED: a 30-minute access token (the default
// announced for new global OAuth clients), a 12 s delivery timeout
// (third-party summaries), and the descriptions of the default unified
// statuses but online's.
func TestDefaultsUnconfirmed(t *testing.T) {
	t.Parallel()
	if zendesktest.DefaultTokenLifetime != 30*time.Minute || zendesktest.DefaultDeliveryTimeout != 12*time.Second {
		t.Fatal(zendesktest.DefaultTokenLifetime, zendesktest.DefaultDeliveryTimeout)
	}
	s := newFake(t)
	r := callAuth(t, s, "", "POST", "/oauth/tokens", map[string]any{"grant_type": "client_credentials", "client_id": s.OAuthClientID, "client_secret": s.OAuthClientSecret})
	if r.status != 200 || !strings.Contains(string(r.body), `"expires_in":1800`) {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	if d := zendesktest.DeliveryTimeout(s); d != zendesktest.DefaultDeliveryTimeout {
		t.Fatal(d)
	}
	var names []string
	for _, st := range zendesktest.DefaultUnifiedStatuses() {
		names = append(names, fmt.Sprint(st.ID, st.Name, st.Channels["talk"]))
	}
	if got := strings.Join(names, " "); got != "2offlineoffline 3onlineonline 4awayaway 5transfers_onlytransfers_only" {
		t.Fatal(got)
	}
}
