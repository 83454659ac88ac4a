package smsbridge

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
)

// ProvisionConfig says what [Provision] sets up.
type ProvisionConfig struct {
	// Zendesk is the client of the Zendesk account to set up. Required.
	Zendesk *zendesk.Client
	// BridgeURL is the flow's public base URL (where [Flow.Handler] is
	// served, https in production): the Zendesk webhook calls
	// BridgeURL+[AgentReplyPath], and Braze's webhook campaigns
	// BridgeURL+[InboundSMSPath]. Required.
	BridgeURL string

	// DryRun makes Provision read only: nothing is created or updated, and
	// the report says what would be.
	DryRun bool
	// Force re-sends the Direct webhook's bearer token although Zendesk
	// cannot show whether it changed.
	Force bool

	// Direct makes the Zendesk webhook call Braze's /campaigns/trigger/send
	// itself with the recipe's bodies, as the Zendesk Chat recipe does,
	// instead of calling the flow. The flow then only carries texts
	// from customers, and Braze's Liquid cuts the comment header (one line
	// of the message; see [RecipeMessageTemplate]).
	Direct bool
	// BrazeURL is the Braze REST endpoint ([braze.InstanceURL]) and
	// BrazeAPIKey a key with campaigns.trigger.send, which Zendesk sends as
	// a bearer token. Direct only.
	BrazeURL, BrazeAPIKey string
	// ReplyCampaignID and ClosingCampaignID are written into the trigger
	// bodies. Direct only (the flow has its own).
	ReplyCampaignID, ClosingCampaignID string
	// ClosingMessage is the closing SMS text of the direct solved trigger;
	// default [DefaultClosingMessage].
	ClosingMessage string

	// UserField is the key of the Braze external ID user field; default
	// DefaultUserField.
	UserField string
	// Names of what [Provision] creates, by which it finds them on the next
	// run: defaults "Braze SMS bridge", "Braze SMS", "Reply by Braze SMS"
	// and "Braze SMS: ticket solved".
	WebhookName, CategoryName, ReplyTriggerTitle, SolvedTriggerTitle string
	// Keyword opens a conversation by SMS; default "SUPPORT". It is only
	// printed in the Braze setup.
	Keyword string
}

// KindBrazeSetup is the kind of the report's one Braze item: the
// campaigns and keyword that Braze's API cannot create ([BrazeSetup]).
const KindBrazeSetup = "campaigns and keyword"

func (pc *ProvisionConfig) defaults() error {
	p := flow.Collector{Flow: "smsbridge"}
	if pc.BridgeURL == "" {
		p.Add("ProvisionConfig.BridgeURL", "", "is empty", "give the flow's public base URL, which Zendesk's webhook and Braze's webhook campaigns call")
	} else if u, err := url.Parse(pc.BridgeURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		p.Add("ProvisionConfig.BridgeURL", pc.BridgeURL, "is not an http(s) URL", "give a base URL such as https://sms.example.com")
	}
	if pc.Direct {
		for _, f := range []struct{ v, name, why string }{
			{pc.BrazeURL, "BrazeURL", "the Braze REST endpoint Zendesk calls"},
			{pc.BrazeAPIKey, "BrazeAPIKey", "the Braze key Zendesk sends"},
			{pc.ReplyCampaignID, "ReplyCampaignID", "written into the reply trigger's body"},
			{pc.ClosingCampaignID, "ClosingCampaignID", "written into the solved trigger's body"},
		} {
			if strings.TrimSpace(f.v) == "" {
				p.Add("ProvisionConfig."+f.name, "", "is empty while Direct is set", "give "+f.why)
			}
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	pc.UserField = cmp.Or(pc.UserField, DefaultUserField)
	pc.WebhookName = cmp.Or(pc.WebhookName, "Braze SMS bridge")
	pc.CategoryName = cmp.Or(pc.CategoryName, "Braze SMS")
	pc.ReplyTriggerTitle = cmp.Or(pc.ReplyTriggerTitle, "Reply by Braze SMS")
	pc.SolvedTriggerTitle = cmp.Or(pc.SolvedTriggerTitle, "Braze SMS: ticket solved")
	pc.Keyword = strings.ToUpper(cmp.Or(pc.Keyword, "SUPPORT"))
	pc.ClosingMessage = cmp.Or(pc.ClosingMessage, DefaultClosingMessage)
	return nil
}

// Provision sets up the Zendesk side of the SMS bridge, idempotently,
// through the shared helpers of package flow: the Braze external ID user
// field ([flow.EnsureUserField]), the webhook to the flow, or to Braze with
// Direct ([flow.EnsureWebhook]), a trigger category and its two triggers
// ([flow.EnsureTriggerCategory], [flow.EnsureTrigger]) — an agent's public
// comment that did not come through the API on a ticket whose requester
// has a Braze external ID (the recipe's Step 3), and a ticket changed to
// solved (Step 4). Each is found by its name; what exists and matches is
// left alone, what differs is updated, what is missing is created. A
// second run changes nothing and says so; with DryRun nothing is written.
//
// The report ends with the Braze side, which Braze's API cannot create
// (skipped: print [BrazeSetup] and follow it). Read the webhook's signing
// secret, the flow's Config.ZendeskSecrets, with [SigningSecret].
func Provision(ctx context.Context, pc ProvisionConfig) (flow.Report, error) {
	rep := flow.Report{DryRun: pc.DryRun, Force: pc.Force}
	if pc.Zendesk == nil {
		return rep, &flow.ConfigError{Flow: "smsbridge", Field: "ProvisionConfig.Zendesk", Problem: "is nil", Fix: "build a client with zendesk.NewClient"}
	}
	if err := pc.defaults(); err != nil {
		return rep, err
	}
	zc := pc.Zendesk
	if _, err := flow.EnsureUserField(ctx, zc, zendesk.UserField{Type: zendesk.FieldText, Key: pc.UserField, Title: "Braze external ID",
		Description: "The customer's external ID in Braze; the SMS bridge sends replies to it."}, &rep); err != nil {
		return rep, fmt.Errorf("smsbridge: %w", err)
	}
	hook := zendesk.Webhook{
		Name:          pc.WebhookName,
		Description:   "Agent replies and solved tickets, for the Braze SMS bridge.",
		Endpoint:      strings.TrimRight(pc.BridgeURL, "/") + AgentReplyPath,
		Subscriptions: []string{zendesk.SubscriptionConditionalTicketEvents},
	}
	if pc.Direct {
		hook.Endpoint = strings.TrimRight(pc.BrazeURL, "/") + "/campaigns/trigger/send"
		hook.Authentication = zendesk.WebhookBearerToken(pc.BrazeAPIKey)
	}
	wh, err := flow.EnsureWebhook(ctx, zc, hook, &rep)
	if err != nil {
		return rep, fmt.Errorf("smsbridge: %w", err)
	}
	cat, err := flow.EnsureTriggerCategory(ctx, zc, zendesk.TriggerCategory{Name: pc.CategoryName}, &rep)
	if err != nil {
		return rep, fmt.Errorf("smsbridge: %w", err)
	}
	replyBody, solvedBody := TriggerBody(EventReply, pc.UserField), TriggerBody(EventSolved, pc.UserField)
	if pc.Direct {
		replyBody = RecipeTriggerBody(pc.ReplyCampaignID, pc.UserField, false, "")
		solvedBody = RecipeTriggerBody(pc.ClosingCampaignID, pc.UserField, true, pc.ClosingMessage)
	}
	for _, t := range []zendesk.Trigger{
		{Title: pc.ReplyTriggerTitle, Description: "Sends an agent's public reply to the customer by SMS (Braze).",
			Conditions: zendesk.Conditions{All: []zendesk.Condition{publicCommentCondition(), zendesk.LoopGuard(), requesterFieldPresent(pc.UserField)}},
			Actions:    []zendesk.Action{zendesk.NotifyWebhook(wh.ID, replyBody)}},
		{Title: pc.SolvedTriggerTitle, Description: "Sends the closing SMS (Braze) when the ticket is solved.",
			Conditions: zendesk.Conditions{All: []zendesk.Condition{solvedCondition(), requesterFieldPresent(pc.UserField)}},
			Actions:    []zendesk.Action{zendesk.NotifyWebhook(wh.ID, solvedBody)}},
	} {
		t.Active = zendesk.Ptr(true)
		t.CategoryID = cat.ID // empty in a dry run that would create the category
		if _, err := flow.EnsureTrigger(ctx, zc, t, &rep); err != nil {
			return rep, fmt.Errorf("smsbridge: %w", err)
		}
	}
	rep.Add(flow.Change{Side: flow.SideBraze, Kind: KindBrazeSetup, Name: "Braze SMS bridge", Action: flow.ActionSkipped,
		Note: "Braze's API cannot create campaigns or keywords: follow smsbridge.BrazeSetup in the Braze dashboard"})
	return rep, nil
}

// SigningSecret returns the signing secret of the Zendesk webhook that rep
// (a report of [Provision]) looked after: the flow's
// Config.ZendeskSecrets. It returns "" after a dry run that would create
// the webhook, and after a Direct run (Zendesk then calls Braze, not the
// flow).
func SigningSecret(ctx context.Context, zc *zendesk.Client, rep flow.Report) (string, error) {
	ch, ok := rep.Find(flow.SideZendesk, flow.KindWebhook, "")
	if !ok {
		return "", errors.New("smsbridge: the report holds no Zendesk webhook")
	}
	return flow.SigningSecret(ctx, zc, ch.ID)
}

// BrazeSetup returns the Braze side of the bridge as text for a person to
// follow in the Braze dashboard: the SMS campaigns' messages, the keyword
// category, and the two webhook campaigns with URL, method, headers and
// body. The secret is left as a placeholder.
func BrazeSetup(pc ProvisionConfig) string {
	_ = pc.defaults() // only the defaults matter here
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("Braze setup (Braze's API cannot create campaigns; do this in the Braze dashboard)\n\n")
	message := ReplyMessageTemplate
	if pc.Direct {
		message = RecipeMessageTemplate
	}
	w("1. SMS campaign \"Zendesk agent reply\": delivery API-Triggered; Delivery Controls: re-eligibility on.\n")
	w("   Message:\n%s\n", indent(message, "     "))
	w("   Its campaign ID is the bridge's reply campaign (BRAZE_REPLY_CAMPAIGN_ID).\n\n")
	w("2. SMS campaign \"Zendesk ticket closed\": delivery API-Triggered; re-eligibility on.\n")
	w("   Message:\n%s\n", indent(ReplyMessageTemplate, "     "))
	w("   Its campaign ID is the bridge's closing campaign (BRAZE_CLOSING_CAMPAIGN_ID).\n\n")
	w("3. SMS keyword category (Audience > your SMS subscription group > Add custom keyword):\n")
	w("   category \"ZendeskSMS\", keyword %s, reply e.g. \"An agent will answer you shortly.\"\n\n", pc.Keyword)
	for i, c := range BrazeWebhookCampaigns(pc.BridgeURL, pc.Keyword, "Bearer <the bridge's Braze webhook secret>") {
		w("%d. Webhook campaign %q\n", i+4, c.Name)
		w("   Delivery: Action-Based, trigger \"Send an SMS Inbound Message\", your SMS subscription group, ")
		if c.Keyword != "" {
			w("keyword category \"ZendeskSMS\" (%s)", c.Keyword)
		} else {
			w("keyword category \"Other\"")
		}
		w("; Delivery Controls: re-eligibility on.\n")
		if c.AudienceAttribute != "" {
			w("   Audience: custom attribute %s is true.\n", c.AudienceAttribute)
		}
		w("   Webhook URL:  %s\n   HTTP method:  %s\n   Request headers:\n", c.URL, c.Method)
		for _, k := range []string{"Content-Type", "Authorization"} {
			w("     %s: %s\n", k, c.Header.Get(k))
		}
		w("   Request body (JSON key/value pairs; as raw text, add | json_escape inside each tag):\n%s\n\n", indent(c.Body, "     "))
	}
	return b.String()
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
