package smsbridge

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/braze/brazetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Each test here names one UNCONFIRMED guess of unconfirmed.go: what the
// bridge assumes, and what would show the assumption wrong.

func TestUnconfirmedUserSearchByFieldKey(t *testing.T) {
	t.Parallel()
	// Doubt: that Zendesk's user search matches "<field key>:<value>"
	// against a custom user field. Wrong, the search finds no one and
	// every text falls back to Users.CreateOrUpdate by external_id.
	for value, want := range map[string]string{
		"cust-42": "braze_external_id:cust-42",
		"a b":     `braze_external_id:"a b"`,
		`a"b c`:   `braze_external_id:"ab c"`,
		"x\ty":    "braze_external_id:\"x\ty\"",
	} {
		if got := userFieldQuery(DefaultUserField, value); got != want {
			t.Errorf("%q → %q, want %q", value, got, want)
		}
	}
}

// condition says whether c is field, operator and (when given) value.
func condition(c zendesk.Condition, field, operator string, value ...string) bool {
	v := ""
	if len(value) > 0 {
		v = value[0]
	}
	var got any
	_ = json.Unmarshal(c.Value, &got)
	return c.Field == field && c.Operator == operator && anyString(got) == v
}

func TestUnconfirmedPublicCommentValue(t *testing.T) {
	t.Parallel()
	// Doubt: that "comment_is_public is true" is "a public comment is in
	// the update"; Zendesk also has "requester_can_see_comment". Wrong,
	// the reply trigger never fires (or fires for private notes).
	if c := publicCommentCondition(); !condition(c, "comment_is_public", "is", "true") {
		t.Fatalf("%+v", c)
	}
}

func TestUnconfirmedSolvedOperator(t *testing.T) {
	t.Parallel()
	// Doubt: that the operator "value" is "changed to" for a status.
	// Wrong, Zendesk refuses the solved trigger when Provision creates it.
	if c := solvedCondition(); !condition(c, "status", "value", "solved") {
		t.Fatalf("%+v", c)
	}
}

func TestUnconfirmedRequesterFieldPresent(t *testing.T) {
	t.Parallel()
	// Doubt: the condition field "requester.custom_fields.<key>" and the
	// operator "present". Wrong, Zendesk refuses both triggers.
	if c := requesterFieldPresent("braze_external_id"); !condition(c, "requester.custom_fields.braze_external_id", "present") {
		t.Fatalf("%+v", c)
	}
}

func TestUnconfirmedStatusPlaceholderAnyCase(t *testing.T) {
	t.Parallel()
	// Doubt: how {{ticket.status}} renders ("Solved" or "solved"). Any case
	// is taken; a rendering that is not the status's name would make a
	// solved ticket's body without an event read as a reply.
	for in, want := range map[string]string{"Solved": "solved", " SOLVED ": "solved", "open": "open", "": ""} {
		if got := placeholderStatus(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
	r, err := ParseAgentReply([]byte(`{"ticket_id":"7","status":"Solved","external_id":"c"}`))
	if err != nil || r.Event != EventSolved || r.Status != "solved" {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestUnconfirmedUpdaterIsCurrentUser(t *testing.T) {
	t.Parallel()
	// Doubt: that {{current_user.id}} renders the id of the user who made
	// the update. Wrong, the bridge would not tell the requester's own
	// comment or its own echo by their author; left unrendered, the author
	// is unknown and the reply is sent.
	if body := TriggerBody(EventReply, ""); !strings.Contains(body, `"author_id": "{{current_user.id}}"`) {
		t.Fatalf("body:\n%s", body)
	}
	r, err := ParseAgentReply([]byte(`{"event":"reply","ticket_id":"7","external_id":"c","requester_id":"5","author_id":"8","comment":"Hi"}`))
	if err != nil || r.AuthorID != 8 || r.RequesterID != 5 || skipReason(r) != "" {
		t.Fatalf("%+v %v", r, err)
	}
	r, err = ParseAgentReply([]byte(`{"event":"reply","ticket_id":"7","external_id":"c","requester_id":"5","author_id":"{{current_user.id}}","comment":"Hi"}`))
	if err != nil || r.AuthorID != 0 || skipReason(r) != "" {
		t.Fatalf("unrendered author: %+v %v", r, err)
	}
}

func TestUnconfirmedUnescapedValuesRepaired(t *testing.T) {
	t.Parallel()
	// Doubt: whether Zendesk and Braze escape the values they put into a
	// JSON body. Raw control characters are repaired; a raw quote cannot
	// be, and the body is refused as malformed.
	in := "{\"a\":\"x\ny\x01\\\"\r\t\", \"b\"\n:\n1}"
	out := escapeControlInStrings([]byte(in))
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil || v["a"] != "x\ny\x01\"\r\t" || v["b"] != 1.0 {
		t.Errorf("%s: %v %v", out, v, err)
	}
	m, err := ParseInboundSMS("application/json", []byte("{\"external_id\":\"c\",\"message\":\"Line 1\nLine 2\"}"))
	if err != nil || m.Message != "Line 1\nLine 2" {
		t.Fatalf("raw line break: %+v %v", m, err)
	}
	if _, err := ParseInboundSMS("application/json", []byte(`{"external_id":"c","message":"say "hi""}`)); !errors.Is(err, webhook.ErrMalformed) {
		t.Fatalf("raw quote: %v", err)
	}
}

func TestUnconfirmedDispatchIDPerText(t *testing.T) {
	t.Parallel()
	// Doubt: that {{campaign.${dispatch_id}}} differs for each text and
	// stays on Braze's retries. Texts alike but for it are two deliveries;
	// without it (empty or unrendered) they are one within InboundWindow.
	if body := InboundBody(KindReply); !strings.Contains(body, `"message_id": "{{campaign.${dispatch_id}}}"`) {
		t.Fatalf("body:\n%s", body)
	}
	key := func(id string) string {
		t.Helper()
		m, err := ParseInboundSMS("application/json", []byte(`{"external_id":"c","ticket":"7","message":"OK","message_id":"`+id+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		return m.Key
	}
	if d1, again := key("d1"), key("d1"); d1 == key("d2") || d1 != again || key("") != key("{{campaign.${dispatch_id}}}") {
		t.Fatal("keys")
	}
}

func TestUnconfirmedSendMarkerVisibleOnExport(t *testing.T) {
	t.Parallel()
	// Doubt: that users/export/ids shows a trigger send's attributes by the
	// time Zendesk retries. Braze says only "usually 10 to 100 ms"; slower,
	// a send that went out reads as not processed, and Config.Delivery
	// decides (AtLeastOnce would send it twice).
	bz := brazetest.NewServer()
	defer bz.Close()
	campaign, err := bz.AddCampaign(brazetest.Campaign{Name: "reply", Message: ReplyMessageTemplate})
	if err != nil {
		t.Fatal(err)
	}
	bz.AddUser(brazetest.User{ExternalID: customer})
	bc, err := braze.NewClient(braze.WithBaseURL(bz.URL), braze.WithAPIKey(bz.APIKey()))
	if err != nil {
		t.Fatal(err)
	}
	b := &Flow{cfg: Config{Braze: bc, SendMarker: DefaultSendMarker}}
	r := &AgentReply{Key: "zd:inv-1", ExternalID: customer}
	if ok, err := b.probe(t.Context(), r); ok || err != nil {
		t.Fatalf("before the send: %v %v", ok, err)
	}
	if _, err := bc.Campaigns.TriggerSend(t.Context(), &braze.CampaignTriggerRequest{CampaignID: campaign,
		Recipients: []braze.Recipient{{ExternalUserID: customer, Attributes: map[string]any{DefaultSendMarker: r.Key}}}}); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.probe(t.Context(), r); !ok || err != nil {
		t.Fatalf("right after the send: %v %v", ok, err)
	}
	if ok, _ := b.probe(t.Context(), &AgentReply{Key: "zd:inv-2", ExternalID: customer}); ok {
		t.Fatal("another delivery's send taken for this one")
	}
	b.cfg.SendMarker = ""
	if ok, err := b.probe(t.Context(), r); ok || err != nil {
		t.Fatalf("without a marker: %v %v", ok, err)
	}
}

func TestUnconfirmedTicketOpenIsBoolean(t *testing.T) {
	t.Parallel()
	// Doubt: how Braze types zendesk_ticket_open, which the recipe sets to
	// the strings "true" and "false" and filters on as a boolean. The
	// bridge sends a boolean, and reads the recipe's strings.
	for _, open := range []bool{true, false} {
		if v, ok := ticketOpenValue(open).(bool); !ok || v != open {
			t.Fatalf("%v → %#v", open, ticketOpenValue(open))
		}
	}
	for solved, want := range map[bool]string{false: EventReply, true: EventSolved} {
		body := RecipeTriggerBody("c", "", solved, "")
		if r, err := ParseAgentReply([]byte(body)); err != nil || r.Event != want {
			t.Errorf("recipe body (solved %v): %+v %v", solved, r, err)
		}
	}
}

func TestUnconfirmedRecipeMessageShowsOneLine(t *testing.T) {
	t.Parallel()
	// Doubt: what the recipe's Liquid (Step 2.1) shows of a reply: one
	// element, msg[2], of the comment split at line breaks, which line
	// depending on how Zendesk renders the comment. The bridge's template
	// sends the whole message.
	for _, part := range []string{"{% assign body = {{api_trigger_properties.${msg_body}}} %}", "{% assign msg = body | split: \"\n\" %}", "{{msg[2]}}"} {
		if !strings.Contains(RecipeMessageTemplate, part) {
			t.Errorf("the recipe's template lacks %q", part)
		}
	}
	if strings.Count(RecipeMessageTemplate, "{{msg[") != 1 || ReplyMessageTemplate != "{{api_trigger_properties.${msg_body}}}" {
		t.Fatal("templates")
	}
}

func TestUnconfirmedZendeskRetryAfterCeiling(t *testing.T) {
	t.Parallel()
	// Doubt: that Zendesk retries a 503 only when its Retry-After is under
	// 60 s (third-party summaries of Zendesk's "Webhook retries"). Were the
	// ceiling lower, the bridge's 503s would not be retried, and a reply
	// whose Braze send failed would be lost.
	for d, want := range map[time.Duration]bool{DefaultRetryAfter: true, 59 * time.Second: true, time.Minute: false, time.Hour: false} {
		if got := zendeskRetriesAfter(d); got != want {
			t.Errorf("%v: %v, want %v", d, got, want)
		}
	}
	for d, refused := range map[time.Duration]bool{59 * time.Second: false, zendeskMaxRetryAfter: true} {
		_, err := New(Config{RetryAfter: d})
		got := slices.ContainsFunc(flow.Problems(err), func(p *flow.ConfigError) bool { return p.Field == "Config.RetryAfter" })
		if got != refused {
			t.Errorf("RetryAfter %v refused = %v, want %v (%v)", d, got, refused, err)
		}
	}
}
