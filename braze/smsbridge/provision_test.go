package smsbridge

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/braze/brazetest"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func newZendesk(t *testing.T, opts ...zendesktest.Option) (*zendesktest.Server, *zendesk.Client) {
	t.Helper()
	zd := zendesktest.NewServer(append([]zendesktest.Option{zendesktest.WithDeliverySleep(zendesktest.NoSleep)}, opts...)...)
	t.Cleanup(zd.Close)
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithAPIToken(zd.Email, zd.APIToken), zendesk.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return zd, zc
}

func actions(r *ProvisionReport) []string {
	var out []string
	for _, it := range r.Items {
		out = append(out, it.Kind+"/"+string(it.Action))
	}
	return out
}

func TestProvisionIsIdempotent(t *testing.T) {
	t.Parallel()
	zd, zc := newZendesk(t)
	pc := ProvisionConfig{BridgeURL: "https://sms.example.com/"}
	first, err := Provision(t.Context(), zc, pc)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"user field/created", "webhook/created", "trigger category/created", "trigger/created", "trigger/created"}
	if got := actions(first); !slices.Equal(got, want) || !first.Changed() {
		t.Errorf("first run: %v", got)
	}
	if first.SigningSecret == "" || first.SigningSecret != mustSecret(t, zd, first.WebhookID) {
		t.Errorf("signing secret %q", first.SigningSecret)
	}
	if strings.Contains(first.String(), first.SigningSecret) {
		t.Error("String() shows the signing secret")
	}

	// What Zendesk holds is what the recipe describes.
	hooks := zd.Webhooks()
	if len(hooks) != 1 || hooks[0].Endpoint != "https://sms.example.com"+AgentReplyPath || !slices.Equal(hooks[0].Subscriptions, []string{"conditional_ticket_events"}) {
		t.Errorf("webhook: %+v", hooks)
	}
	trs := zd.Triggers()
	if len(trs) != 2 {
		t.Fatalf("%d triggers", len(trs))
	}
	conds := func(tr zendesktest.Trigger) []string {
		var out []string
		for _, c := range tr.Conditions.All {
			out = append(out, c.Field+" "+c.Operator+" "+strings.Trim(string(c.Value), `"`))
		}
		return out
	}
	if got := conds(trs[0]); !slices.Equal(got, []string{"comment_is_public is true", "current_via_id is_not 5", "requester.custom_fields.braze_external_id present "}) {
		t.Errorf("reply trigger conditions: %q", got)
	}
	if got := conds(trs[1]); !slices.Equal(got, []string{"status value solved", "requester.custom_fields.braze_external_id present "}) {
		t.Errorf("solved trigger conditions: %q", got)
	}
	var action []string
	if err := json.Unmarshal(trs[0].Actions[0].Value, &action); err != nil || action[0] != first.WebhookID || action[1] != TriggerBody(EventReply, "") {
		t.Errorf("reply trigger action: %s", trs[0].Actions[0].Value)
	}
	if cats := zd.TriggerCategories(); len(cats) != 1 || trs[0].CategoryID == nil || *trs[0].CategoryID != cats[0].ID {
		t.Errorf("category: %+v", cats)
	}

	second, err := Provision(t.Context(), zc, pc)
	if err != nil {
		t.Fatal(err)
	}
	if second.Changed() || !strings.Contains(second.String(), "Nothing changed: all 5 items were already set up.") {
		t.Errorf("second run:\n%s", second)
	}
	if second.SigningSecret != first.SigningSecret || second.WebhookID != first.WebhookID {
		t.Error("the second run returned another webhook")
	}
	if len(zd.Webhooks()) != 1 || len(zd.Triggers()) != 2 || len(zd.TriggerCategories()) != 1 {
		t.Error("the second run created something")
	}
}

func mustSecret(t *testing.T, zd *zendesktest.Server, id string) string {
	t.Helper()
	s, ok := zd.WebhookSecret(id)
	if !ok {
		t.Fatalf("no webhook %s", id)
	}
	return s
}

func TestProvisionRepairs(t *testing.T) {
	t.Parallel()
	zd, zc := newZendesk(t)
	pc := ProvisionConfig{BridgeURL: "https://sms.example.com"}
	first, err := Provision(t.Context(), zc, pc)
	if err != nil {
		t.Fatal(err)
	}
	// Someone edits the reply trigger (drops the loop guard) and moves the
	// bridge.
	for tr, err := range zc.Triggers.List(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if tr.Title == "Reply by Braze SMS" {
			tr.Conditions.All = tr.Conditions.All[:1]
			tr.Active = zendesk.Ptr(false)
			if _, err := zc.Triggers.Update(t.Context(), tr.ID, tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	pc.BridgeURL = "https://sms2.example.com"
	rep, err := Provision(t.Context(), zc, pc)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"user field/unchanged", "webhook/updated", "trigger category/unchanged", "trigger/updated", "trigger/unchanged"}
	if got := actions(rep); !slices.Equal(got, want) {
		t.Errorf("repair run: %v\n%s", got, rep)
	}
	if d := rep.Items[3].Detail; d != "inactive, conditions" {
		t.Errorf("trigger detail %q", d)
	}
	if !strings.Contains(rep.Items[1].Detail, "sms2.example.com") || zd.Webhooks()[0].Endpoint != "https://sms2.example.com"+AgentReplyPath {
		t.Errorf("webhook: %+v", rep.Items[1])
	}
	if rep.WebhookID != first.WebhookID {
		t.Error("a new webhook was created")
	}
	if again, _ := Provision(t.Context(), zc, pc); again.Changed() {
		t.Errorf("third run changed: %v", actions(again))
	}
}

func TestProvisionDirectMode(t *testing.T) {
	t.Parallel()
	// Zendesk calls Braze itself, as the recipe does.
	bz := brazetest.NewServer()
	t.Cleanup(bz.Close)
	reply, _ := bz.AddCampaign(brazetest.Campaign{Name: "reply", Message: "{{api_trigger_properties.${msg_body}}}"})
	closing, _ := bz.AddCampaign(brazetest.Campaign{Name: "closing", Message: "{{api_trigger_properties.${msg_body}}}"})
	bz.AddUser(brazetest.User{ExternalID: customer})
	zd, zc := newZendesk(t)
	pc := ProvisionConfig{BridgeURL: "https://sms.example.com", Direct: true, BrazeURL: bz.URL, BrazeAPIKey: bz.APIKey(),
		ReplyCampaignID: reply, ClosingCampaignID: closing}
	rep, err := Provision(t.Context(), zc, pc)
	if err != nil {
		t.Fatal(err)
	}
	if rep.SigningSecret != "" {
		t.Error("direct mode returned a signing secret the bridge does not need")
	}
	hook := zd.Webhooks()[0]
	if hook.Endpoint != bz.URL+"/campaigns/trigger/send" || hook.Authentication == nil || hook.Authentication.Type != "bearer_token" {
		t.Errorf("webhook: %+v", hook)
	}
	if !strings.Contains(rep.BrazeSetup, "split:") {
		t.Errorf("the Braze setup lacks the recipe's Liquid:\n%s", rep.BrazeSetup)
	}
	if again, _ := Provision(t.Context(), zc, pc); again.Changed() {
		t.Errorf("second run changed: %v", actions(again))
	}

	// A customer's ticket, an agent's reply and a solve go straight to
	// Braze with the recipe's bodies.
	agent := zd.AddAgent("Ann Agent", "ann@example.com")
	u := zd.AddUser(zendesktest.User{Name: "Chloé"})
	if err := zd.SetUserField(u.ID, DefaultUserField, customer); err != nil {
		t.Fatal(err)
	}
	tk, err := zc.Tickets.Create(t.Context(), &zendesk.TicketInput{Subject: "x", RequesterID: u.ID, Comment: zendesk.PublicComment("help")})
	if err != nil {
		t.Fatal(err)
	}
	if err := zd.AgentReply(tk.ID, agent, "On it\nline 2", true); err != nil {
		t.Fatal(err)
	}
	if _, err := zd.AgentUpdate(tk.ID, agent, zendesktest.AgentUpdate{Status: "solved"}); err != nil {
		t.Fatal(err)
	}
	if err := zd.WaitDeliveries(t.Context()); err != nil {
		t.Fatal(err)
	}
	sends := bz.Sends()
	if len(sends) != 2 {
		t.Fatalf("sends: %+v\ndeliveries: %+v", sends, zd.Deliveries())
	}
	if body, _ := sends[0].TriggerProperties["msg_body"].(string); ExtractMessage(body) != "On it\nline 2" || sends[0].CampaignID != reply ||
		sends[0].Attributes[AttrTicketOpen] != "true" {
		t.Errorf("reply send: %+v", sends[0])
	}
	if sends[1].CampaignID != closing || sends[1].Message != DefaultClosingMessage || sends[1].Attributes[AttrTicketOpen] != "false" {
		t.Errorf("closing send: %+v", sends[1])
	}
}

func TestProvisionErrors(t *testing.T) {
	t.Parallel()
	zd, zc := newZendesk(t)
	for _, tc := range []struct {
		pc   ProvisionConfig
		want []string
	}{
		{ProvisionConfig{}, []string{"BridgeURL: the bridge's public base URL is required"}},
		{ProvisionConfig{BridgeURL: "ftp://x"}, []string{`"ftp://x" is not an http(s) URL`}},
		{ProvisionConfig{BridgeURL: "https://x", Direct: true}, []string{"BrazeURL: required with Direct", "BrazeAPIKey", "ReplyCampaignID", "ClosingCampaignID"}},
	} {
		_, err := Provision(t.Context(), zc, tc.pc)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %v lacks %q", tc.pc, err, w)
			}
		}
	}
	if _, err := Provision(t.Context(), nil, ProvisionConfig{BridgeURL: "https://x"}); err == nil {
		t.Error("nil client accepted")
	}
	// A webhook of that name that serves Zendesk events cannot be reused.
	if _, _, err := zd.AddWebhook(zendesktest.Webhook{Name: "Braze SMS bridge", Endpoint: "https://x/y", Subscriptions: []string{"zen:event-type:agent.state_changed"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Provision(t.Context(), zc, ProvisionConfig{BridgeURL: "https://x"}); err == nil || !strings.Contains(err.Error(), "subscribed to Zendesk events") {
		t.Errorf("event webhook reused: %v", err)
	}
	// Zendesk failing is reported.
	zd.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: "/api/v2/user_fields", Status: http.StatusForbidden})
	if _, err := Provision(t.Context(), zc, ProvisionConfig{BridgeURL: "https://x", WebhookName: "other"}); err == nil || !strings.Contains(err.Error(), "user field") {
		t.Errorf("error: %v", err)
	}
}

func TestBrazeSetupText(t *testing.T) {
	t.Parallel()
	s := BrazeSetup(ProvisionConfig{BridgeURL: "https://sms.example.com", Keyword: "help2"})
	for _, want := range []string{
		"{{api_trigger_properties.${msg_body}}}",
		"keyword HELP2",
		"Webhook URL:  https://sms.example.com" + InboundSMSPath,
		"HTTP method:  POST",
		"Content-Type: application/json",
		"Authorization: Bearer <the bridge's Braze webhook secret>",
		`"message": "{{sms.${inbound_message_body}}}"`,
		`"ticket": "{{custom_attribute.${zendesk_ticket}}}"`,
		"Audience: custom attribute zendesk_ticket_open is true.",
		`keyword category "Other"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Braze setup lacks %q:\n%s", want, s)
		}
	}
}

func TestBodiesAreJSON(t *testing.T) {
	t.Parallel()
	for _, b := range []string{
		TriggerBody(EventReply, ""), TriggerBody(EventSolved, "x"),
		RecipeTriggerBody("c", "", false, ""), RecipeTriggerBody("c", "", true, `Bye "now"`),
		InboundBody(KindSupport), InboundBody(KindReply),
	} {
		if !json.Valid([]byte(b)) {
			t.Errorf("not JSON: %s", b)
		}
	}
}

func TestSameConditions(t *testing.T) {
	t.Parallel()
	a := zendesk.Conditions{All: []zendesk.Condition{zendesk.Cond("current_via_id", "is_not", "5"), zendesk.Cond("x", "present")}}
	b := zendesk.Conditions{All: []zendesk.Condition{{Field: "x", Operator: "present"}, {Field: "current_via_id", Operator: "is_not", Value: json.RawMessage("5")}}}
	if !sameConditions(a, b) {
		t.Error("same conditions in another order and form differ")
	}
	b.Any = []zendesk.Condition{zendesk.Cond("y", "is", "z")}
	if sameConditions(a, b) {
		t.Error("different conditions are the same")
	}
	act := []zendesk.Action{zendesk.NotifyWebhook("h", `{"a": 1}`)}
	if !sameActions(act, []zendesk.Action{zendesk.NotifyWebhook("h", "{\"a\":1}")}) ||
		sameActions(act, []zendesk.Action{zendesk.NotifyWebhook("h", `{"a":2}`)}) ||
		sameActions(act, nil) || !sameActions([]zendesk.Action{zendesk.Act("status", "open")}, []zendesk.Action{zendesk.Act("status", "open")}) {
		t.Error("sameActions")
	}
}
