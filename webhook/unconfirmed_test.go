package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// One test per guess of unconfirmed.go, each naming its doubt: what is
// assumed, and what would show it wrong.

// TestZendeskSignedMessageOrderUnconfirmed: writeZendeskSignedMessage
// assumes Zendesk signs TIMESTAMP+BODY, as its current "Verifying webhook
// authenticity" page says
// (https://developer.zendesk.com/documentation/webhooks/verifying/). An
// older copy of that page said BODY+TIMESTAMP, and its worked example only
// verifies in that order. Both signatures below were recomputed with:
//
//	S='HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA='
//	printf '%s' '{"say": "hello"}2021-07-25T10:00:00Z' | openssl dgst -sha256 -hmac "$S" -binary | base64
//	→ tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw=  (body+timestamp: the old page's value)
//	printf '%s' '2021-07-25T10:00:00Z{"say": "hello"}' | openssl dgst -sha256 -hmac "$S" -binary | base64
//	→ Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk=  (timestamp+body)
//
// So the old example must NOT verify and its timestamp+body counterpart
// must. A real signed request from a sandbox that verifies only
// body+timestamp shows the guess wrong: swap writeZendeskSignedMessage,
// and this test flips.
func TestZendeskSignedMessageOrderUnconfirmed(t *testing.T) {
	t.Parallel()
	const (
		secret        = "HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA="
		body          = `{"say": "hello"}`
		ts            = "2021-07-25T10:00:00Z"
		oldDocExample = "tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw=" // body + timestamp
		tsThenBody    = "Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk="
	)
	v := ZendeskVerifier{Secrets: []string{secret}, Now: fixedClock(time.Date(2021, 7, 25, 10, 0, 30, 0, time.UTC))}

	if err := v.Verify(signedHeader(oldDocExample, ts), []byte(body)); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("old page's example (body+timestamp) verified with err %v; the order is settled otherwise than assumed", err)
	}
	if err := v.Verify(signedHeader(tsThenBody, ts), []byte(body)); err != nil {
		t.Errorf("timestamp+body signature: %v", err)
	}
	// The old page's example is indeed body+timestamp: recompute it here
	// with the standard library, independently of writeZendeskSignedMessage.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body + ts))
	if got := base64.StdEncoding.EncodeToString(mac.Sum(nil)); got != oldDocExample {
		t.Errorf("body+timestamp HMAC = %s, want the old page's %s", got, oldDocExample)
	}
	if sig, _ := SignZendesk(secret, time.Date(2021, 7, 25, 10, 0, 0, 0, time.UTC), []byte(body)); sig != tsThenBody {
		t.Errorf("SignZendesk = %s, want %s", sig, tsThenBody)
	}
}

// TestUnifiedStateEventUnconfirmed: decodeUnifiedStateEvent assumes the
// event of agent.unified_state_changed has the members of a public sample
// (testdata/zendesk_agent_unified_state_changed.json), not of Zendesk's
// reference, which shows no body. The sample's status ids are strings, the
// REST API's are numbers: both must decode. A real delivery whose states
// come out zero here, or that is refused as malformed, shows the guess
// wrong; its raw event stays in ZendeskEvent.Event meanwhile.
func TestUnifiedStateEventUnconfirmed(t *testing.T) {
	t.Parallel()
	body := readTestdata(t, "zendesk_agent_unified_state_changed.json")
	_, p := parsePayload[AgentUnifiedStateChanged](t, body)
	want := AgentUnifiedStateChanged{
		AccountID: 2, AgentID: 10011, DetailVersion: "3",
		PreviousState: UnifiedState{ID: 1, Name: "offline", Reason: "UNKNOWN"},
		NewState:      UnifiedState{ID: 2, Name: "online", Reason: "AGENT_LOGIN"},
		UpdatedAt:     mustTime(t, "2023-04-05T23:30:58.642630335Z"),
	}
	if *p != want {
		t.Errorf("payload\n got %+v\nwant %+v", *p, want)
	}

	numeric := strings.NewReplacer(`"id": "2"`, `"id": 2`, `"id": "1"`, `"id": 1`).Replace(string(body))
	if numeric == string(body) {
		t.Fatal("the replacement did not apply; the test data changed")
	}
	if _, p2 := parsePayload[AgentUnifiedStateChanged](t, []byte(numeric)); *p2 != want {
		t.Errorf("numeric ids\n got %+v\nwant %+v", *p2, want)
	}

	// Members named otherwise (here: the per-channel event's) decode as
	// zero states, the raw event kept: what a wrong guess looks like.
	other := []byte(`{"type":"zen:event-type:agent.unified_state_changed","detail":{"agent_id":"10011"},` +
		`"event":{"previous_state":"offline","new_state":"online"}}`)
	if ev3, p3 := parsePayload[AgentUnifiedStateChanged](t, other); p3.AgentID != 10011 || p3.NewState != (UnifiedState{}) || !strings.Contains(string(ev3.Event), "new_state") {
		t.Errorf("other members: payload %+v, event %s", p3, ev3.Event)
	}
}

// TestTicketCustomStatusUnconfirmed: wireCustomStatus assumes detail's
// custom_status in ticket events is a scalar (the custom status id), kept
// as text. A real ticket event refused as malformed for its custom_status
// shows the guess wrong.
func TestTicketCustomStatusUnconfirmed(t *testing.T) {
	t.Parallel()
	parse := func(value string) (*TicketEvent, error) {
		ev, err := ParseZendeskEvent([]byte(`{"type":"zen:event-type:ticket.custom_status_changed","detail":{"id":"7","custom_status":` + value + `}}`))
		if err != nil {
			return nil, err
		}
		return ev.Payload.(*TicketEvent), nil
	}
	for value, want := range map[string]string{`"1500001234567"`: "1500001234567", `1500001234567`: "1500001234567", `null`: "", `"Awaiting parts"`: "Awaiting parts"} {
		p, err := parse(value)
		if err != nil || p.CustomStatus != want {
			t.Errorf("custom_status %s: %+v, %v; want %q", value, p, err, want)
		}
	}
	if _, err := parse(`{"id":1500001234567,"name":"Awaiting parts"}`); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "custom_status") {
		t.Errorf("custom_status as an object: %v, want ErrMalformed naming custom_status", err)
	}
}

// TestHandlerAnswersZendeskRetriesUnconfirmed: zendeskRetries is Zendesk's
// retry policy as third-party summaries report it. The handler's answers
// rely on it: a failed or busy delivery must be retried (503 with a
// Retry-After under a minute, also when the claim that holds the key has
// minutes of lease left), a Permanent one must not (422). Deliveries
// that Zendesk's activity log shows as not retried after a 503 with
// Retry-After 5, or retried after a 422, show the guess wrong.
func TestHandlerAnswersZendeskRetriesUnconfirmed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fnErr error
		opts  []Option
		retry bool
	}{
		{"failed", errors.New("down"), nil, true},
		{"busy", nil, []Option{WithDeduper(failingDeduper{state: ClaimBusy})}, true},
		{"busy, 10 minutes of lease left", nil, []Option{WithDeduper(failingDeduper{state: ClaimBusy, lease: 10 * time.Minute})}, true},
		{"rejected", Permanent(errors.New("no such agent")), nil, false},
		{"failed, Retry-After of a minute", errors.New("down"), []Option{WithRetryAfter(time.Minute)}, false},
	} {
		h := NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error { return tc.fnErr }, tc.opts...)
		got := serve(h, signedRequest(agentEventBody("retry-"+tc.name), hNow))
		var retryAfter time.Duration
		if got.retryAfter != "" {
			s, err := strconv.Atoi(got.retryAfter)
			if err != nil {
				t.Fatalf("%s: Retry-After %q", tc.name, got.retryAfter)
			}
			retryAfter = time.Duration(s) * time.Second
		}
		if r := zendeskRetries(got.status, retryAfter); r != tc.retry {
			t.Errorf("%s: answer %+v; Zendesk retries it: %v, want %v", tc.name, got, r, tc.retry)
		}
	}
	if DefaultRetryAfter >= time.Minute || DefaultBusyRetryAfter >= time.Minute || MaxBusyRetryAfter >= time.Minute {
		t.Error("Zendesk is reported not to retry a 503 whose Retry-After is 60 s or more")
	}
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge, http.StatusInternalServerError} {
		if zendeskRetries(status, time.Second) {
			t.Errorf("%d is reported not to be retried", status)
		}
	}
}

// TestZendeskDeliveryKeysUnconfirmed: zendeskDeliveryKeys assumes nothing
// about whether Zendesk signs a retry again or resends the first attempt's
// headers, but it does assume that every attempt of an invocation carries
// the invocation's X-Zendesk-Webhook-Invocation-Id. Both kinds of retry of
// a handled invocation must be duplicates, and no replay may be handled
// whatever its invocation id. A retry in Zendesk's activity log that is
// signed again and carries a new invocation id shows the guess wrong
// (then give trigger bodies a key of their own).
func TestZendeskDeliveryKeysUnconfirmed(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set(HeaderZendeskSignature, "sig=")
	h.Set(HeaderZendeskInvocationID, "8350205582")
	if s, r := zendeskDeliveryKeys(h, HeaderZendeskInvocationID); s != "zendesk-signature:sig=" || r != "8350205582" {
		t.Errorf("keys = %q, %q", s, r)
	}
	if _, r := zendeskDeliveryKeys(h, ""); r != "" {
		t.Errorf("no key header: retry key %q", r)
	}

	body := []byte(`{"ticket_id":"35436"}`)
	var calls int
	hd := NewHandler(testVerifier(), DecodeJSON[map[string]any](nil), func(context.Context, map[string]any) error { calls++; return nil })
	for i, d := range []struct {
		zendeskDelivery
		want string
	}{
		{zendeskDelivery{hNow, "inv"}, "handled"},
		{zendeskDelivery{hNow, "inv"}, "duplicate"},                       // retry with the first attempt's headers
		{zendeskDelivery{hNow.Add(20 * time.Second), "inv"}, "duplicate"}, // retry signed again
		{zendeskDelivery{hNow, "other"}, "duplicate"},                     // replay with another id
		{zendeskDelivery{hNow, ""}, "duplicate"},                          // replay without one
	} {
		if a := serve(hd, d.request(body)); a.body != d.want {
			t.Errorf("delivery %d: %+v, want %s", i, a, d.want)
		}
	}
	if calls != 1 {
		t.Errorf("fn called %d times, want 1", calls)
	}
}

// TestSunshineGuessedPayloadsUnconfirmed: sunshineGuessedPayload assumes
// the payloads of the join/leave/remove, referral, user and client events
// carry "conversation", "user", "source", "referral" and "client" as the
// documented events do. A real delivery of one of these types whose user
// or conversation decodes empty here shows the guess wrong; the payload
// is still in SunshineEvent.Payload.
func TestSunshineGuessedPayloadsUnconfirmed(t *testing.T) {
	t.Parallel()
	for typ, want := range map[string]string{
		SunshineTypeConversationJoin:     "*webhook.SunshineParticipantEvent",
		SunshineTypeConversationLeave:    "*webhook.SunshineParticipantEvent",
		SunshineTypeConversationRemove:   "*webhook.SunshineParticipantEvent",
		SunshineTypeConversationReferral: "*webhook.SunshineReferralEvent",
		SunshineTypeUserUpdate:           "*webhook.SunshineUserEvent",
		SunshineTypeUserRemove:           "*webhook.SunshineUserEvent",
		SunshineTypeClientAdd:            "*webhook.SunshineClientEvent",
		SunshineTypeClientUpdate:         "*webhook.SunshineClientEvent",
		SunshineTypeClientRemove:         "*webhook.SunshineClientEvent",
		SunshineTypeConversationMessage:  "<nil>", // documented: not a guess
	} {
		var got any
		if mk := sunshineGuessedPayload(typ); mk != nil {
			got = mk()
		}
		if g := fmt.Sprintf("%T", got); g != want {
			t.Errorf("%s: %s, want %s", typ, g, want)
		}
	}
	ev := &SunshineEvent{Type: SunshineTypeConversationLeave,
		Payload: []byte(`{"conversation":{"id":"c1","type":"sdkGroup"},"user":{"id":"u1"}}`)}
	if p, err := ev.ParticipantEvent(); err != nil || p.Conversation.ID != "c1" || p.User == nil || p.User.ID != "u1" {
		t.Errorf("conversation:leave as guessed = %+v, %v", p, err)
	}
}
