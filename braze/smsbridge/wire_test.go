package smsbridge

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

func TestParseAgentReply(t *testing.T) {
	t.Parallel()
	header := zendeskComment("Ann", "Mar 3, 2025", "")
	for _, tc := range []struct {
		name string
		body string
		want AgentReply
	}{
		{"compact reply", `{"event":"reply","ticket_id":"12","status":"Open","external_id":" u1 ","requester_id":"7","author_id":8,"comment":` + q(header+"Hi\nthere") + `}`,
			AgentReply{Event: EventReply, TicketID: 12, Status: "open", ExternalID: "u1", RequesterID: 7, AuthorID: 8, Comment: header + "Hi\nthere", Text: "Hi\nthere"}},
		{"compact solved", `{"event":"solved","ticket_id":12,"status":"Solved","external_id":"u1"}`,
			AgentReply{Event: EventSolved, TicketID: 12, Status: "solved", ExternalID: "u1"}},
		{"no event, solved status", `{"ticket_id":"12","status":"Closed","external_id":"u1"}`,
			AgentReply{Event: EventSolved, TicketID: 12, Status: "closed", ExternalID: "u1"}},
		{"no event, a comment", `{"ticket_id":"12","external_id":"u1","comment":"x"}`,
			AgentReply{Event: EventReply, TicketID: 12, ExternalID: "u1", Comment: "x", Text: "x"}},
		{"raw line breaks in strings", "{\"event\":\"reply\",\"external_id\":\"u1\",\"comment\":\"" + header + "a\tb\nc\"}",
			AgentReply{Event: EventReply, ExternalID: "u1", Comment: header + "a\tb\nc", Text: "a\tb\nc"}},
		{"unrendered placeholders", `{"event":"reply","ticket_id":"{{ticket.id}}","external_id":"{{ticket.requester.custom_fields.braze_external_id}}","comment":"x"}`,
			AgentReply{Event: EventReply, Comment: "x", Text: "x"}},
		{"recipe reply", RecipeTriggerBody("c1", "", false, ""),
			AgentReply{Event: EventReply, Recipe: true, Comment: "{{ticket.latest_public_comment_html}}", Text: "{{ticket.latest_public_comment_html}}"}},
		{"recipe reply rendered", `{"campaign_id":"c1","recipients":[{"external_user_id":"u1","trigger_properties":{"msg_body":"` + strings.ReplaceAll(header, "\n", `\n`) + `ok"},"attributes":{"zendesk_ticket":"12","zendesk_ticket_open":"true"}}]}`,
			AgentReply{Event: EventReply, Recipe: true, TicketID: 12, ExternalID: "u1", Comment: header + "ok", Text: "ok"}},
		{"recipe solved, boolean", `{"campaign_id":"c2","recipients":[{"external_user_id":"u1","trigger_properties":{"msg_body":"Bye"},"attributes":{"zendesk_ticket_open":false}}]}`,
			AgentReply{Event: EventSolved, Recipe: true, ExternalID: "u1", Comment: "Bye", Text: "Bye"}},
		{"recipe, top-level trigger properties", `{"campaign_id":"c","trigger_properties":{"msg_body":"top"},"recipients":[{"external_user_id":"u1","attributes":{"zendesk_ticket":12.0}}]}`,
			AgentReply{Event: EventReply, Recipe: true, TicketID: 12, ExternalID: "u1", Comment: "top", Text: "top"}},
	} {
		got, err := ParseAgentReply([]byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if *got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, *got, tc.want)
		}
	}
	for _, bad := range []string{``, `[]`, `"x"`, `{`, `{"event":"deleted"}`, `{"campaign_id":"c"}`,
		`{"recipients":[{},{}]}`, `{"comment":5}`} {
		if _, err := ParseAgentReply([]byte(bad)); !errors.Is(err, webhook.ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", bad, err)
		}
	}
}

func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestParseInboundSMS(t *testing.T) {
	t.Parallel()
	m, err := ParseInboundSMS("application/json", []byte(`{"kind":"Support","external_id":" u1 ","first_name":"Chloé","last_name":"M","phone":"+33",
		"ticket":"12","message":"a\r\nb 😀","message_id":"{{campaign.${dispatch_id}}}"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := InboundSMS{Key: m.Key, Kind: "support", ExternalID: "u1", FirstName: "Chloé", LastName: "M", Phone: "+33", TicketID: 12, Message: "a\nb 😀"}
	if *m != want || !strings.HasPrefix(m.Key, "bz:") {
		t.Errorf("got %+v", *m)
	}
	// The key is the same for the same delivery, and differs with the
	// text, the ticket or the message ID.
	same, _ := ParseInboundSMS("application/json; charset=utf-8", []byte(`{"kind":"support","external_id":"u1","ticket":12,"message":"a\nb 😀","first_name":"other"}`))
	other, _ := ParseInboundSMS("", []byte(`{"kind":"support","external_id":"u1","ticket":"12","message":"a\nb 😀","message_id":"d-2"}`))
	if same.Key != m.Key || other.Key == m.Key {
		t.Errorf("keys: %s %s %s", m.Key, same.Key, other.Key)
	}
	form := url.Values{"external_id": {"u1"}, "ticket": {""}, "message": {"x&y=z\n"}}
	f, err := ParseInboundSMS("application/x-www-form-urlencoded", []byte(form.Encode()))
	if err != nil || f.Message != "x&y=z\n" || f.ExternalID != "u1" || f.TicketID != 0 {
		t.Errorf("form: %+v %v", f, err)
	}
	for _, bad := range []struct{ ct, body string }{{"", "x"}, {"application/json", `{"message":1}`}, {"application/x-www-form-urlencoded", "%zz"}} {
		if _, err := ParseInboundSMS(bad.ct, []byte(bad.body)); !errors.Is(err, webhook.ErrMalformed) {
			t.Errorf("%q: %v", bad.body, err)
		}
	}
	for in, want := range map[string]int64{"12": 12, "12.0": 12, " 7 ": 7, "": 0, "-3": 0, "x": 0, "1e3": 0} {
		if got := parseTicketID(in); got != want {
			t.Errorf("parseTicketID(%q) = %d", in, got)
		}
	}
}

func FuzzParseAgentReply(f *testing.F) {
	f.Add([]byte(TriggerBody(EventReply, "")))
	f.Add([]byte(RecipeTriggerBody("c", "", true, "bye")))
	f.Add([]byte(`{"event":"reply","external_id":"u","comment":"----\n\nA, B\n\n<p>x</p>"}`))
	f.Add([]byte("{\"comment\":\"a\nb\"}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseAgentReply(body)
		if err != nil {
			if !errors.Is(err, webhook.ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if r.Event != EventReply && r.Event != EventSolved {
			t.Fatalf("event %q", r.Event)
		}
		if r.Event == EventReply && r.Text != ExtractMessage(r.Comment) {
			t.Fatalf("text %q of comment %q", r.Text, r.Comment)
		}
	})
}

func FuzzParseInboundSMS(f *testing.F) {
	f.Add("application/json", []byte(InboundBody(KindSupport)), "hello\nworld 😀")
	f.Add("application/x-www-form-urlencoded", []byte("external_id=u&message=hi"), "")
	f.Fuzz(func(t *testing.T, ct string, body []byte, msg string) {
		if m, err := ParseInboundSMS(ct, body); err == nil && m.Key == "" {
			t.Fatal("no key")
		} else if err != nil && !errors.Is(err, webhook.ErrMalformed) {
			t.Fatalf("error %v is not ErrMalformed", err)
		}
		// A message survives JSON encoding (line breaks as given, CR
		// normalised), whatever it holds, template tags included.
		b, _ := json.Marshal(map[string]string{"external_id": "u", "message": msg})
		m, err := ParseInboundSMS("application/json", b)
		if err != nil {
			t.Fatalf("valid body refused: %v", err)
		}
		var want string // what JSON carries of msg (invalid UTF-8 replaced)
		if err := json.Unmarshal(b, &struct {
			M *string `json:"message"`
		}{&want}); err != nil {
			t.Fatal(err)
		}
		if m.Message != normalizeNewlines(want) {
			t.Fatalf("message %q, want %q", m.Message, want)
		}
	})
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	_, err := New(Config{BrazeAuth: webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader}, Delivery: 7, RetryAfter: time.Minute, InboundWindow: -1})
	var fields []string
	for _, p := range flow.Problems(err) {
		fields = append(fields, p.Field)
		if p.Flow != "smsbridge" || p.Problem == "" || p.Fix == "" {
			t.Errorf("problem without flow, problem or fix: %+v", p)
		}
	}
	want := []string{"Config.Zendesk", "Config.Braze", "Config.ReplyCampaignID", "Config.ZendeskSecrets", "Config.BrazeAuth.Secrets",
		"Config.BrazeAuth.Header", "Config.Delivery", "Config.InboundWindow", "Config.RetryAfter"}
	if !slices.Equal(fields, want) {
		t.Errorf("problems %q, want %q (all at once)", fields, want)
	}
	for _, want := range []string{`smsbridge: Config.Delivery = "7": is not a delivery policy; fix: use AtMostOnce`,
		"smsbridge: Config.BrazeAuth.Secrets: is empty; fix: set the secret Braze's webhook campaigns send"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nwant it to hold %q", err, want)
		}
	}
	zc, _ := zendesk.NewClient(zendesk.WithBaseURL("http://127.0.0.1:1"), zendesk.WithOAuthToken("t"), zendesk.WithMaxRetries(0))
	bc, _ := braze.NewClient(braze.WithBaseURL("http://127.0.0.1:1"), braze.WithAPIKey("k"))
	ok := Config{Zendesk: zc, Braze: bc, ReplyCampaignID: "c", ZendeskSecrets: []string{"s"}, BrazeAuth: webhook.SharedSecretVerifier{Secrets: []string{"", "b"}}}
	b, err := New(ok)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.store.(*store.Memory); !ok {
		t.Errorf("default store %T, want *store.Memory", b.store)
	}
	if b.cfg.SendMarker != DefaultSendMarker || b.cfg.UserField != DefaultUserField || b.cfg.RetryAfter != DefaultRetryAfter ||
		b.cfg.BrazeAuth.Scheme != webhook.SchemeBearer || !slices.Equal(b.cfg.BrazeAuth.Secrets, []string{"b"}) ||
		b.AgentReplyHandler() == nil || b.InboundSMSHandler() == nil {
		t.Errorf("defaults: %+v", b.cfg)
	}
	ok.SendMarker, ok.BrazeAuth.Scheme, ok.Delivery = "-", webhook.SchemeBasic, AtLeastOnce
	if b, err = New(ok); err != nil || b.cfg.SendMarker != "" {
		t.Errorf("marker off: %v %q", err, b.cfg.SendMarker)
	}
	ok.BrazeAuth.Scheme = 99
	if _, err := New(ok); len(flow.Problems(err)) != 1 || flow.Problems(err)[0].Field != "Config.BrazeAuth.Scheme" {
		t.Errorf("unknown scheme: %v", err)
	}
	if AtMostOnce.String() != "at-most-once" || AtLeastOnce.String() != "at-least-once" {
		t.Error("Delivery.String")
	}
}

// TestBrazeAuth checks that the inbound handler verifies with the whole of
// Config.BrazeAuth, as New readied it: the secrets copied (the caller's
// slice changed later does not count), the source allowlist, and ClientIP.
func TestBrazeAuth(t *testing.T) {
	t.Parallel()
	zc, _ := zendesk.NewClient(zendesk.WithBaseURL("http://127.0.0.1:1"), zendesk.WithOAuthToken("t"), zendesk.WithMaxRetries(0))
	bc, _ := braze.NewClient(braze.WithBaseURL("http://127.0.0.1:1"), braze.WithAPIKey("k"), braze.WithMaxRetries(0))
	secrets := []string{"right"}
	behindProxy := netip.MustParseAddr("10.1.2.3")
	f, err := New(Config{Zendesk: zc, Braze: bc, ReplyCampaignID: "c", ZendeskSecrets: []string{"s"},
		BrazeAuth: webhook.SharedSecretVerifier{Secrets: secrets, AllowedSources: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
			ClientIP: func(r *http.Request) (netip.Addr, error) {
				if r.Header.Get("X-Test-Proxied") != "" {
					return behindProxy, nil
				}
				ap, err := netip.ParseAddrPort(r.RemoteAddr)
				return ap.Addr(), err
			}}})
	if err != nil {
		t.Fatal(err)
	}
	secrets[0] = "changed"
	post := func(auth string, proxied bool) int {
		r := httptest.NewRequest(http.MethodPost, InboundSMSPath, strings.NewReader("{"))
		r.RemoteAddr = "192.0.2.1:4321"
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", auth)
		if proxied {
			r.Header.Set("X-Test-Proxied", "1")
		}
		w := httptest.NewRecorder()
		f.InboundSMSHandler().ServeHTTP(w, r)
		return w.Code
	}
	if got := post("Bearer right", false); got != http.StatusForbidden {
		t.Errorf("right secret from outside AllowedSources: %d, want 403", got)
	}
	if got := post("Bearer changed", true); got != http.StatusUnauthorized {
		t.Errorf("the caller's slice changed after New: %d, want 401", got)
	}
	// Past the verifier, the body "{" is refused as malformed.
	if got := post("Bearer right", true); got != http.StatusBadRequest {
		t.Errorf("right secret from an allowed address (ClientIP): %d, want 400", got)
	}
}

func TestHandleDirectly(t *testing.T) {
	t.Parallel()
	zc, _ := zendesk.NewClient(zendesk.WithBaseURL("http://127.0.0.1:1"), zendesk.WithOAuthToken("t"), zendesk.WithMaxRetries(0))
	bc, _ := braze.NewClient(braze.WithBaseURL("http://127.0.0.1:1"), braze.WithAPIKey("k"), braze.WithMaxRetries(0))
	failing := &failStore{}
	b, err := New(Config{Zendesk: zc, Braze: bc, ReplyCampaignID: "c", ZendeskSecrets: []string{"s"}, BrazeAuth: webhook.SharedSecretVerifier{Secrets: []string{"b"}}, Store: failing})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := b.HandleAgentReply(ctx, nil); !webhook.IsPermanent(err) {
		t.Errorf("nil reply: %v", err)
	}
	if _, err := b.HandleInboundSMS(ctx, nil); !webhook.IsPermanent(err) {
		t.Errorf("nil SMS: %v", err)
	}
	// A reply built by hand gets its text and key.
	r := &AgentReply{Event: EventReply, ExternalID: "u", AuthorID: 3, RequesterID: 3, Comment: zendeskComment("A", "B", "hi")}
	if res, err := b.HandleAgentReply(ctx, r); res.Outcome != flow.Ignored || err != nil || r.Text != "hi" || r.Key == "" {
		t.Errorf("own comment: %v %v %+v", res, err, r)
	}
	if _, err := b.HandleAgentReply(ctx, &AgentReply{Event: "other", ExternalID: "u", Text: "x"}); !webhook.IsPermanent(err) {
		t.Errorf("unknown event: %v", err)
	}
	// The store failing is a retryable error.
	if _, err := b.HandleAgentReply(ctx, &AgentReply{Event: EventReply, ExternalID: "u", Text: "x"}); err == nil || webhook.IsPermanent(err) {
		t.Errorf("store failure: %v", err)
	}
	if _, err := b.HandleInboundSMS(ctx, &InboundSMS{ExternalID: "u", Message: "x"}); err == nil || webhook.IsPermanent(err) {
		t.Errorf("store failure: %v", err)
	}
	// Braze unreachable (a dial failure: certainly not sent) is retryable.
	b.store = store.NewMemory()
	if _, err := b.HandleAgentReply(ctx, &AgentReply{Key: "k1", Event: EventReply, ExternalID: "u", Text: "x"}); err == nil || webhook.IsPermanent(err) || braze.MaybeSent(err) {
		t.Errorf("dial failure: %v", err)
	}
	if v, _, _ := b.store.Get(ctx, sendKey("k1")); v != stateNone {
		t.Errorf("state after a dial failure: %q", v)
	}
	// Zendesk unreachable when a text comes: retryable.
	if _, err := b.HandleInboundSMS(ctx, &InboundSMS{ExternalID: "u", Message: "x", TicketID: 3}); err == nil || webhook.IsPermanent(err) {
		t.Errorf("Zendesk down: %v", err)
	}
}

type failStore struct{}

func (failStore) Get(context.Context, string) (string, bool, error) {
	return "", false, errors.New("down")
}
func (failStore) Set(context.Context, string, string, time.Duration) error {
	return errors.New("down")
}
func (failStore) Add(context.Context, string, string, time.Duration) (bool, error) {
	return false, errors.New("down")
}
func (failStore) SetIfNewer(context.Context, string, int64, string, time.Duration) (bool, error) {
	return false, errors.New("down")
}
func (failStore) Delete(context.Context, string) error { return errors.New("down") }
func (failStore) DeleteIf(context.Context, string, string) (bool, error) {
	return false, errors.New("down")
}
func (failStore) Lease(context.Context, string, string, time.Duration) (store.Lease, error) {
	return store.Lease{}, errors.New("down")
}
func (failStore) Release(context.Context, string, string, string, time.Duration) (bool, error) {
	return false, errors.New("down")
}
func (failStore) EndLease(context.Context, string, string) (bool, error) {
	return false, errors.New("down")
}

func TestSmallHelpers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m    InboundSMS
		want string
	}{
		{InboundSMS{FirstName: "Chloé", LastName: "Martin", Phone: "+33", ExternalID: "u"}, "Chloé Martin"},
		{InboundSMS{LastName: "Martin"}, "Martin"},
		{InboundSMS{Phone: "+33612345678", ExternalID: "u"}, "+33612345678"},
		{InboundSMS{ExternalID: "u"}, "u"},
	} {
		if got := displayName(&tc.m); got != tc.want {
			t.Errorf("displayName(%+v) = %q", tc.m, got)
		}
	}
	for in, want := range map[string]string{"cust-42": "braze_external_id:cust-42", `a "b" c`: `braze_external_id:"a b c"`} {
		if got := userFieldQuery(DefaultUserField, in); got != want {
			t.Errorf("userFieldQuery(%q) = %q", in, got)
		}
	}
	for v, want := range map[any]string{nil: "", "x": "x", 1.5: "1.5", true: "true", json.Number("7"): "7"} {
		if got := anyString(v); got != want {
			t.Errorf("anyString(%v) = %q", v, got)
		}
	}
	if got := anyString([]any{"a"}); got != `["a"]` {
		t.Errorf("anyString(list) = %q", got)
	}
}

// TestUnrenderedOnlyWholeTags: only an identifier whose whole value is one
// template tag counts as unrendered; text that merely holds braces is the
// customer's or the agent's, and is kept.
func TestUnrenderedOnlyWholeTags(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"{{ticket.id}}": "",
		" {{ticket.requester.custom_fields.braze_external_id}} ": "",
		"{{${user_id}}}":                         "",
		"{{custom_attribute.${zendesk_ticket}}}": "",
		"{{ ${first_name} | default: 'there' }}": "",
		"{% if x %}":                             "",
		"u-{{1}}":                                "u-{{1}}",
		"{{a}} {{b}}":                            "{{a}} {{b}}",
		"{% if x %}a{% endif %}":                 "{% if x %}a{% endif %}",
		"{{":                                     "{{",
		"my code is {%A1":                        "my code is {%A1",
		"cust-42":                                "cust-42",
	} {
		if got := rendered(in); got != want {
			t.Errorf("rendered(%q) = %q, want %q", in, got, want)
		}
	}

	r, err := ParseAgentReply([]byte(`{"event":"reply","ticket_id":"3","external_id":"u1","author_id":"{{current_user.id}}","comment":"Type {{name}} in the form"}`))
	if err != nil || r.Text != "Type {{name}} in the form" || r.ExternalID != "u1" || r.AuthorID != 0 {
		t.Errorf("compact body: %+v %v", r, err)
	}
	r, err = ParseAgentReply([]byte(`{"campaign_id":"c","recipients":[{"external_user_id":"u1","trigger_properties":{"msg_body":"{% raw %}"},"attributes":{"zendesk_ticket":"3"}}]}`))
	if err != nil || r.Text != "{% raw %}" {
		t.Errorf("recipe body: %+v %v", r, err)
	}
	m, err := ParseInboundSMS("application/json", []byte(`{"external_id":"c","first_name":"{{${first_name}}}","ticket":"{{custom_attribute.${zendesk_ticket}}}","message":"my code is {%A1"}`))
	if err != nil || m.Message != "my code is {%A1" || m.FirstName != "" || m.TicketID != 0 {
		t.Errorf("inbound: %+v %v", m, err)
	}
	m, err = ParseInboundSMS("application/x-www-form-urlencoded", []byte(url.Values{"external_id": {"c"}, "message": {"{{x}}"}}.Encode()))
	if err != nil || m.Message != "{{x}}" {
		t.Errorf("inbound form: %+v %v", m, err)
	}
}

// A record round-trips through the Store; short or odd records read as
// zeros where numbers are missing.
func TestRecords(t *testing.T) {
	t.Parallel()
	b := &Flow{store: store.NewMemory()}
	ctx := t.Context()
	for v, want := range map[string]struct {
		state string
		nums  [3]int64
	}{
		record(inPending, 12, 34, 1765000000): {inPending, [3]int64{12, 34, 1765000000}},
		record(stateSent):                     {stateSent, [3]int64{}},
		"maybe 5":                             {stateMaybe, [3]int64{5}},
		"done x 7 8 9":                        {inDone, [3]int64{0, 7, 8}},
		"  ":                                  {"", [3]int64{}},
	} {
		_ = b.store.Set(ctx, "k", v, time.Minute)
		state, nums, err := b.readRecord(ctx, "k")
		if err != nil || state != want.state || nums != want.nums {
			t.Errorf("%q → %q %v %v, want %+v", v, state, nums, err, want)
		}
	}
	if state, _, err := b.readRecord(ctx, "absent"); state != "" || err != nil {
		t.Errorf("absent: %q %v", state, err)
	}
}
