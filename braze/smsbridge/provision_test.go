package smsbridge

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/braze/brazetest"
	"github.com/deskbridge/deskbridge/flow"
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

func actions(r flow.Report) []string {
	var out []string
	for _, c := range r.Changes {
		out = append(out, c.Kind+"/"+string(c.Action))
	}
	return out
}

// webhookID returns the id of the webhook a report looked after.
func webhookID(t *testing.T, r flow.Report) string {
	t.Helper()
	ch, ok := r.Find(flow.SideZendesk, flow.KindWebhook, "")
	if !ok {
		t.Fatalf("no webhook in the report:\n%s", r)
	}
	return ch.ID
}

const brazeSkipped = KindBrazeSetup + "/skipped"

func TestProvisionIsIdempotent(t *testing.T) {
	t.Parallel()
	zd, zc := newZendesk(t)
	pc := ProvisionConfig{Zendesk: zc, BridgeURL: "https://sms.example.com/"}

	// A dry run says what it would do, and does nothing.
	plan, err := Provision(t.Context(), ProvisionConfig{Zendesk: zc, BridgeURL: pc.BridgeURL, DryRun: true})
	want := []string{"user field/created", "webhook/created", "trigger category/created", "trigger/created", "trigger/created", brazeSkipped}
	if err != nil || !slices.Equal(actions(plan), want) || !plan.DryRun || !strings.Contains(plan.String(), "Plan: 5 to create") {
		t.Errorf("dry run: %v %v\n%s", err, actions(plan), plan)
	}
	if len(zd.Webhooks())+len(zd.Triggers())+len(zd.TriggerCategories()) != 0 {
		t.Error("the dry run created something")
	}

	first, err := Provision(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(first); !slices.Equal(got, want) || !first.Changed() {
		t.Errorf("first run: %v", got)
	}
	secret, err := SigningSecret(t.Context(), zc, first)
	if err != nil || secret == "" || secret != mustSecret(t, zd, webhookID(t, first)) {
		t.Errorf("signing secret %q %v", secret, err)
	}
	if strings.Contains(first.String(), secret) {
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
	if err := json.Unmarshal(trs[0].Actions[0].Value, &action); err != nil || action[0] != webhookID(t, first) || action[1] != TriggerBody(EventReply, "") {
		t.Errorf("reply trigger action: %s", trs[0].Actions[0].Value)
	}
	if cats := zd.TriggerCategories(); len(cats) != 1 || trs[0].CategoryID == nil || *trs[0].CategoryID != cats[0].ID {
		t.Errorf("category: %+v", cats)
	}

	second, err := Provision(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	if second.Changed() || !strings.Contains(second.String(), "No changes: all 5 items are as wanted (1 skipped).") {
		t.Errorf("second run:\n%s", second)
	}
	if webhookID(t, second) != webhookID(t, first) {
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
	pc := ProvisionConfig{Zendesk: zc, BridgeURL: "https://sms.example.com"}
	first, err := Provision(t.Context(), pc)
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
	rep, err := Provision(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"user field/unchanged", "webhook/updated", "trigger category/unchanged", "trigger/updated", "trigger/unchanged", brazeSkipped}
	if got := actions(rep); !slices.Equal(got, want) {
		t.Errorf("repair run: %v\n%s", got, rep)
	}
	var fields []string
	for _, d := range rep.Changes[3].Diff {
		fields = append(fields, d.Field)
	}
	if len(fields) == 0 {
		t.Errorf("trigger diff empty:\n%s", rep)
	}
	if !strings.Contains(rep.String(), "sms2.example.com") || zd.Webhooks()[0].Endpoint != "https://sms2.example.com"+AgentReplyPath {
		t.Errorf("webhook:\n%s", rep)
	}
	if webhookID(t, rep) != webhookID(t, first) {
		t.Error("a new webhook was created")
	}
	if again, _ := Provision(t.Context(), pc); again.Changed() {
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
	pc := ProvisionConfig{Zendesk: zc, BridgeURL: "https://sms.example.com", Direct: true, BrazeURL: bz.URL, BrazeAPIKey: bz.APIKey(),
		ReplyCampaignID: reply, ClosingCampaignID: closing}
	if _, err := Provision(t.Context(), pc); err != nil {
		t.Fatal(err)
	}
	hook := zd.Webhooks()[0]
	if hook.Endpoint != bz.URL+"/campaigns/trigger/send" || hook.Authentication == nil || hook.Authentication.Type != "bearer_token" {
		t.Errorf("webhook: %+v", hook)
	}
	if setup := BrazeSetup(pc); !strings.Contains(setup, "split:") {
		t.Errorf("the Braze setup lacks the recipe's Liquid:\n%s", setup)
	}
	if again, _ := Provision(t.Context(), pc); again.Changed() {
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
		{ProvisionConfig{Zendesk: zc}, []string{"ProvisionConfig.BridgeURL"}},
		{ProvisionConfig{Zendesk: zc, BridgeURL: "ftp://x"}, []string{"ProvisionConfig.BridgeURL"}},
		{ProvisionConfig{Zendesk: zc, BridgeURL: "https://x", Direct: true}, []string{"ProvisionConfig.BrazeURL", "ProvisionConfig.BrazeAPIKey",
			"ProvisionConfig.ReplyCampaignID", "ProvisionConfig.ClosingCampaignID"}},
		{ProvisionConfig{BridgeURL: "https://x"}, []string{"ProvisionConfig.Zendesk"}},
	} {
		_, err := Provision(t.Context(), tc.pc)
		var got []string
		for _, p := range flow.Problems(err) {
			got = append(got, p.Field)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: problems %q, want %q (%v)", tc.pc, got, tc.want, err)
		}
	}
	// A webhook of that name that serves Zendesk events cannot be reused.
	if _, _, err := zd.AddWebhook(zendesktest.Webhook{Name: "Braze SMS bridge", Endpoint: "https://x/y", Subscriptions: []string{"zen:event-type:agent.state_changed"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Provision(t.Context(), ProvisionConfig{Zendesk: zc, BridgeURL: "https://x"}); !errors.Is(err, deskbridge.ErrConflict) {
		t.Errorf("event webhook reused: %v", err)
	}
	// Zendesk failing is reported.
	zd.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: "/api/v2/user_fields", Status: http.StatusForbidden})
	if _, err := Provision(t.Context(), ProvisionConfig{Zendesk: zc, BridgeURL: "https://x", WebhookName: "other"}); !errors.Is(err, deskbridge.ErrForbidden) {
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
