package smsbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
)

// ProvisionConfig says what [Provision] sets up.
type ProvisionConfig struct {
	// BridgeURL is the bridge's public base URL (where [Bridge.Handler] is
	// served, https in production): the Zendesk webhook calls
	// BridgeURL+[AgentReplyPath], and Braze's webhook campaigns
	// BridgeURL+[InboundSMSPath]. Required.
	BridgeURL string

	// Direct makes the Zendesk webhook call Braze's /campaigns/trigger/send
	// itself with the recipe's bodies, as the Zendesk Chat recipe does,
	// instead of calling the bridge. The bridge then only carries texts
	// from customers, and Braze's Liquid cuts the comment header (one line
	// of the message; see [RecipeMessageTemplate]).
	Direct bool
	// BrazeURL is the Braze REST endpoint ([braze.InstanceURL]) and
	// BrazeAPIKey a key with campaigns.trigger.send, which Zendesk sends as
	// a bearer token. Direct only.
	BrazeURL, BrazeAPIKey string
	// ReplyCampaignID and ClosingCampaignID are written into the trigger
	// bodies. Direct only (the bridge has its own).
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

// ProvisionAction says what [Provision] did with one item.
type ProvisionAction string

// Provision actions.
const (
	Created   ProvisionAction = "created"
	Updated   ProvisionAction = "updated"
	Unchanged ProvisionAction = "unchanged"
)

// ProvisionItem is one thing [Provision] looked after.
type ProvisionItem struct {
	Kind   string // "user field", "webhook", "trigger category", "trigger"
	Name   string
	ID     string
	Action ProvisionAction
	// Detail says what differed, for an update.
	Detail string
}

// ProvisionReport is what [Provision] did, and what is left to do by hand.
type ProvisionReport struct {
	Items []ProvisionItem
	// WebhookID is the Zendesk webhook's ID.
	WebhookID string
	// SigningSecret is the webhook's signing secret: the bridge's
	// Config.ZendeskSecrets. It is not in String().
	SigningSecret string
	// BrazeSetup is the Braze side, which Braze's API cannot create: the
	// campaigns' messages, the keyword, and the webhook campaigns with
	// their URL, headers and body (the secret left as a placeholder).
	BrazeSetup string
}

// Changed reports whether [Provision] created or updated anything.
func (r *ProvisionReport) Changed() bool {
	return slices.ContainsFunc(r.Items, func(it ProvisionItem) bool { return it.Action != Unchanged })
}

// String lists the items and what was done to each, and sums up.
func (r *ProvisionReport) String() string {
	var b strings.Builder
	counts := map[ProvisionAction]int{}
	for _, it := range r.Items {
		counts[it.Action]++
		fmt.Fprintf(&b, "  %-16s  %-28s  %-9s  id %s", it.Kind, it.Name, it.Action, it.ID)
		if it.Detail != "" {
			fmt.Fprintf(&b, "  (%s)", it.Detail)
		}
		b.WriteByte('\n')
	}
	if !r.Changed() {
		fmt.Fprintf(&b, "Nothing changed: all %d items were already set up.\n", len(r.Items))
	} else {
		fmt.Fprintf(&b, "%d items: %d created, %d updated, %d unchanged.\n", len(r.Items), counts[Created], counts[Updated], counts[Unchanged])
	}
	return b.String()
}

func (pc *ProvisionConfig) defaults() error {
	var errs []error
	if pc.BridgeURL == "" {
		errs = append(errs, errors.New("BridgeURL: the bridge's public base URL is required (Braze's webhook campaigns call it)"))
	} else if u, err := url.Parse(pc.BridgeURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("BridgeURL: %q is not an http(s) URL", pc.BridgeURL))
	}
	if pc.Direct {
		for _, f := range []struct{ v, name, why string }{
			{pc.BrazeURL, "BrazeURL", "the Braze REST endpoint Zendesk calls"},
			{pc.BrazeAPIKey, "BrazeAPIKey", "the Braze key Zendesk sends"},
			{pc.ReplyCampaignID, "ReplyCampaignID", "written into the reply trigger's body"},
			{pc.ClosingCampaignID, "ClosingCampaignID", "written into the solved trigger's body"},
		} {
			if strings.TrimSpace(f.v) == "" {
				errs = append(errs, fmt.Errorf("%s: required with Direct (%s)", f.name, f.why))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("smsbridge: invalid provision config: %w", errors.Join(errs...))
	}
	pc.UserField = cmp(pc.UserField, DefaultUserField)
	pc.WebhookName = cmp(pc.WebhookName, "Braze SMS bridge")
	pc.CategoryName = cmp(pc.CategoryName, "Braze SMS")
	pc.ReplyTriggerTitle = cmp(pc.ReplyTriggerTitle, "Reply by Braze SMS")
	pc.SolvedTriggerTitle = cmp(pc.SolvedTriggerTitle, "Braze SMS: ticket solved")
	pc.Keyword = strings.ToUpper(cmp(pc.Keyword, "SUPPORT"))
	pc.ClosingMessage = cmp(pc.ClosingMessage, DefaultClosingMessage)
	return nil
}

// Provision sets up the Zendesk side of the SMS bridge, idempotently: the
// Braze external ID user field, the webhook (to the bridge, or to Braze
// with Direct), a trigger category and its two triggers — an agent's
// public comment that did not come through the API on a ticket whose
// requester has a Braze external ID (the recipe's Step 3), and a ticket
// changed to solved (Step 4). Each is found by its name; what exists and
// matches is left alone, what differs is updated, what is missing is
// created. A second run changes nothing and says so.
//
// The report gives the webhook's signing secret (the bridge's
// ZendeskSecrets) and the Braze setup to do by hand.
func Provision(ctx context.Context, zc *zendesk.Client, pc ProvisionConfig) (*ProvisionReport, error) {
	if zc == nil {
		return nil, errors.New("smsbridge: Provision needs a *zendesk.Client")
	}
	if err := pc.defaults(); err != nil {
		return nil, err
	}
	rep := &ProvisionReport{}
	if err := provisionUserField(ctx, zc, &pc, rep); err != nil {
		return rep, err
	}
	hookID, err := provisionWebhook(ctx, zc, &pc, rep)
	if err != nil {
		return rep, err
	}
	rep.WebhookID = hookID
	if !pc.Direct {
		ss, err := zc.Webhooks.SigningSecret(ctx, hookID)
		if err != nil {
			return rep, fmt.Errorf("smsbridge: reading the webhook's signing secret: %w", err)
		}
		rep.SigningSecret = ss.Secret
	}
	catID, err := provisionCategory(ctx, zc, &pc, rep)
	if err != nil {
		return rep, err
	}
	replyBody, solvedBody := TriggerBody(EventReply, pc.UserField), TriggerBody(EventSolved, pc.UserField)
	if pc.Direct {
		replyBody = RecipeTriggerBody(pc.ReplyCampaignID, pc.UserField, false, "")
		solvedBody = RecipeTriggerBody(pc.ClosingCampaignID, pc.UserField, true, pc.ClosingMessage)
	}
	for _, t := range []zendesk.Trigger{
		{Title: pc.ReplyTriggerTitle, Description: "Sends an agent's public reply to the customer by SMS (Braze).",
			Conditions: zendesk.Conditions{All: []zendesk.Condition{publicCommentCondition(), zendesk.LoopGuard(), requesterFieldPresent(pc.UserField)}},
			Actions:    []zendesk.Action{zendesk.NotifyWebhook(hookID, replyBody)}},
		{Title: pc.SolvedTriggerTitle, Description: "Sends the closing SMS (Braze) when the ticket is solved.",
			Conditions: zendesk.Conditions{All: []zendesk.Condition{solvedCondition(), requesterFieldPresent(pc.UserField)}},
			Actions:    []zendesk.Action{zendesk.NotifyWebhook(hookID, solvedBody)}},
	} {
		t.Active = zendesk.Ptr(true)
		t.CategoryID = catID
		if err := provisionTrigger(ctx, zc, t, rep); err != nil {
			return rep, err
		}
	}
	rep.BrazeSetup = BrazeSetup(pc)
	return rep, nil
}

func provisionUserField(ctx context.Context, zc *zendesk.Client, pc *ProvisionConfig, rep *ProvisionReport) error {
	f, err := zc.UserFields.FindByKey(ctx, pc.UserField)
	switch {
	case err == nil:
		item := ProvisionItem{Kind: "user field", Name: pc.UserField, ID: fmt.Sprint(f.ID), Action: Unchanged}
		if f.Type != "" && f.Type != zendesk.FieldText {
			item.Detail = "its type is " + f.Type + ", not text; left as is"
		}
		rep.Items = append(rep.Items, item)
		return nil
	case !errors.Is(err, deskbridge.ErrNotFound):
		return fmt.Errorf("smsbridge: looking for user field %q: %w", pc.UserField, err)
	}
	f, err = zc.UserFields.Create(ctx, &zendesk.UserField{Type: zendesk.FieldText, Key: pc.UserField, Title: "Braze external ID",
		Description: "The customer's external ID in Braze; the SMS bridge sends replies to it."})
	if err != nil {
		return fmt.Errorf("smsbridge: creating user field %q: %w", pc.UserField, err)
	}
	rep.Items = append(rep.Items, ProvisionItem{Kind: "user field", Name: pc.UserField, ID: fmt.Sprint(f.ID), Action: Created})
	return nil
}

func provisionWebhook(ctx context.Context, zc *zendesk.Client, pc *ProvisionConfig, rep *ProvisionReport) (string, error) {
	want := &zendesk.Webhook{
		Name:          pc.WebhookName,
		Description:   "Agent replies and solved tickets, for the Braze SMS bridge.",
		Endpoint:      strings.TrimRight(pc.BridgeURL, "/") + AgentReplyPath,
		HTTPMethod:    http.MethodPost,
		RequestFormat: "json",
		Status:        zendesk.WebhookActive,
		Subscriptions: []string{zendesk.SubscriptionConditionalTicketEvents},
	}
	if pc.Direct {
		want.Endpoint = strings.TrimRight(pc.BrazeURL, "/") + "/campaigns/trigger/send"
		want.Authentication = zendesk.WebhookBearerToken(pc.BrazeAPIKey)
	}
	var found *zendesk.Webhook
	for w, err := range zc.Webhooks.List(ctx, &zendesk.WebhookListOptions{NameContains: pc.WebhookName}) {
		if err != nil {
			return "", fmt.Errorf("smsbridge: listing webhooks: %w", err)
		}
		if w.Name == pc.WebhookName {
			found = w
			break
		}
	}
	if found == nil {
		w, err := zc.Webhooks.Create(ctx, want)
		if err != nil {
			return "", fmt.Errorf("smsbridge: creating the webhook: %w", err)
		}
		rep.Items = append(rep.Items, ProvisionItem{Kind: "webhook", Name: pc.WebhookName, ID: w.ID, Action: Created})
		return w.ID, nil
	}
	if !slices.Contains(found.Subscriptions, zendesk.SubscriptionConditionalTicketEvents) {
		return "", fmt.Errorf("smsbridge: webhook %q (%s) is subscribed to Zendesk events, and a webhook cannot change how it is connected: rename or delete it", found.Name, found.ID)
	}
	var diffs []string
	diff := func(what, have, want string) {
		if !strings.EqualFold(have, want) {
			diffs = append(diffs, fmt.Sprintf("%s %q → %q", what, have, want))
		}
	}
	diff("endpoint", found.Endpoint, want.Endpoint)
	diff("method", found.HTTPMethod, want.HTTPMethod)
	diff("format", found.RequestFormat, want.RequestFormat)
	diff("status", found.Status, want.Status)
	// Credentials are not compared (Zendesk does not return them); only
	// whether the right kind is there.
	diff("authentication", authType(found.Authentication), authType(want.Authentication))
	item := ProvisionItem{Kind: "webhook", Name: pc.WebhookName, ID: found.ID, Action: Unchanged}
	if len(diffs) > 0 {
		if err := zc.Webhooks.Update(ctx, found.ID, want); err != nil {
			return "", fmt.Errorf("smsbridge: updating the webhook: %w", err)
		}
		item.Action, item.Detail = Updated, strings.Join(diffs, ", ")
	}
	rep.Items = append(rep.Items, item)
	return found.ID, nil
}

func authType(a *zendesk.WebhookAuthentication) string {
	if a == nil {
		return "none"
	}
	return a.Type
}

func provisionCategory(ctx context.Context, zc *zendesk.Client, pc *ProvisionConfig, rep *ProvisionReport) (string, error) {
	for c, err := range zc.TriggerCategories.List(ctx, nil) {
		if err != nil {
			return "", fmt.Errorf("smsbridge: listing trigger categories: %w", err)
		}
		if c.Name == pc.CategoryName {
			rep.Items = append(rep.Items, ProvisionItem{Kind: "trigger category", Name: c.Name, ID: c.ID, Action: Unchanged})
			return c.ID, nil
		}
	}
	c, err := zc.TriggerCategories.Create(ctx, &zendesk.TriggerCategory{Name: pc.CategoryName})
	if err != nil {
		return "", fmt.Errorf("smsbridge: creating trigger category %q: %w", pc.CategoryName, err)
	}
	rep.Items = append(rep.Items, ProvisionItem{Kind: "trigger category", Name: c.Name, ID: c.ID, Action: Created})
	return c.ID, nil
}

func provisionTrigger(ctx context.Context, zc *zendesk.Client, want zendesk.Trigger, rep *ProvisionReport) error {
	var found *zendesk.Trigger
	for t, err := range zc.Triggers.List(ctx, nil) {
		if err != nil {
			return fmt.Errorf("smsbridge: listing triggers: %w", err)
		}
		if t.Title == want.Title {
			found = t
			break
		}
	}
	if found == nil {
		t, err := zc.Triggers.Create(ctx, &want)
		if err != nil {
			return fmt.Errorf("smsbridge: creating trigger %q: %w", want.Title, err)
		}
		rep.Items = append(rep.Items, ProvisionItem{Kind: "trigger", Name: want.Title, ID: fmt.Sprint(t.ID), Action: Created})
		return nil
	}
	var diffs []string
	if found.Active != nil && !*found.Active {
		diffs = append(diffs, "inactive")
	}
	if found.CategoryID != want.CategoryID {
		diffs = append(diffs, "category")
	}
	if !sameConditions(found.Conditions, want.Conditions) {
		diffs = append(diffs, "conditions")
	}
	if !sameActions(found.Actions, want.Actions) {
		diffs = append(diffs, "actions")
	}
	item := ProvisionItem{Kind: "trigger", Name: want.Title, ID: fmt.Sprint(found.ID), Action: Unchanged}
	if len(diffs) > 0 {
		if _, err := zc.Triggers.Update(ctx, found.ID, &want); err != nil {
			return fmt.Errorf("smsbridge: updating trigger %q: %w", want.Title, err)
		}
		item.Action, item.Detail = Updated, strings.Join(diffs, ", ")
	}
	rep.Items = append(rep.Items, item)
	return nil
}

// sameConditions compares condition sets whatever their order and the
// JSON form of their values ("5" and 5 alike).
func sameConditions(a, b zendesk.Conditions) bool {
	key := func(cs []zendesk.Condition) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.Field + "\x00" + c.Operator + "\x00" + canonicalValue(c.Value)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a.All), key(b.All)) && slices.Equal(key(a.Any), key(b.Any))
}

// sameActions compares actions in order; a webhook body is compared as
// JSON when it is JSON, so that Zendesk's re-formatting does not count.
func sameActions(a, b []zendesk.Action) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Field != b[i].Field {
			return false
		}
		var va, vb []string
		if json.Unmarshal(a[i].Value, &va) == nil && json.Unmarshal(b[i].Value, &vb) == nil {
			if len(va) != len(vb) {
				return false
			}
			for j := range va {
				if compactJSON(va[j]) != compactJSON(vb[j]) {
					return false
				}
			}
			continue
		}
		if canonicalValue(a[i].Value) != canonicalValue(b[i].Value) {
			return false
		}
	}
	return true
}

func compactJSON(s string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) != nil {
		return strings.TrimSpace(s)
	}
	return b.String()
}

// canonicalValue prints a condition or action value: strings and numbers
// alike, lists joined.
func canonicalValue(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	if list, ok := v.([]any); ok {
		parts := make([]string, len(list))
		for i, e := range list {
			parts[i] = anyString(e)
		}
		return strings.Join(parts, "\x00")
	}
	return anyString(v)
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
