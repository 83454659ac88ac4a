package escalation

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// Kinds of the report's items beside flow's.
const (
	KindIntegration            = "conversations integration"
	KindSwitchboardIntegration = "switchboard integration"
	KindSwitchboard            = "switchboard default"
	KindAPIKey                 = "conversations api key"
	KindAPIAccess              = "api token access"
	KindBMSForm                = "external connector"
)

// Defaults of [ProvisionConfig].
const (
	DefaultIntegrationName = "Dydu livechat"
	DefaultSwitchboardName = "deskbridge-dydu"
	DefaultKeyName         = "Dydu livechat"
)

// ProvisionConfig says what [Provision] sets up. Give BridgeURL to set up
// deskbridge's bridge ([Flow]), or DyduWebhookURL to set up the Zendesk
// side of Dydu's own connector, as Dydu's guide has an admin do by hand
// (https://docs-en.dydu.ai/livechat/zendesk-livechat-connector).
type ProvisionConfig struct {
	// Conversations is the client of the app, with an app-scoped key.
	// Required.
	Conversations *conversations.Client
	// Zendesk is the Support API client with the email and API token that
	// Dydu's form asks for (block 3). Required.
	Zendesk *zendesk.Client

	// BridgeURL is the bridge's public base URL: the integration's webhook
	// calls BridgeURL+[WebhookPath] with conversation:message,
	// conversation:typing and the switchboard's passControl and
	// releaseControl, and a switchboard integration for it becomes the
	// switchboard's default (so that the ticket is opened by passControl,
	// whose metadata sets the group), with the agent workspace as its next.
	BridgeURL string
	// DyduWebhookURL is the webhook URL Dydu's BMS shows ("URL du Webhook à
	// fournir à Zendesk"): the integration calls it with
	// conversation:message only, as Dydu's guide ticks, and the switchboard is
	// left to Dydu's connector.
	DyduWebhookURL string

	// Skills are the Dydu skills ("compétences"): a Zendesk group of the
	// same name is created for each that has none (the BMS "mettre à
	// jour" button). Empty: read from Dydu (Dydu's admin web services,
	// with dydu.WithAdminCredentials), when Dydu is set.
	Skills []string
	Dydu   *dydu.Client

	// Domain, ZendeskEmail and SenderIDVariable are printed in the BMS
	// form's blocks (the account's domain, e.g. dydu-32357.zendesk.com; the
	// email of the API token's owner; the identity mapping's variable).
	Domain, ZendeskEmail, SenderIDVariable string
	// IntegrationName and SwitchboardName find what Provision made on the
	// next run; defaults DefaultIntegrationName, DefaultSwitchboardName.
	IntegrationName, SwitchboardName string
	// KeyName is the display name of the app-scoped Conversations API key
	// Provision creates when Conversations holds an account key, and finds
	// on the next run; default DefaultKeyName.
	KeyName string

	// DryRun makes Provision read only: the report says what would be done.
	DryRun bool
	// Force is kept for the shape every flow's ProvisionConfig has; no
	// write-only credential is sent here.
	Force bool
}

func (pc *ProvisionConfig) check() error {
	p := flow.Collector{Flow: "escalation"}
	if pc.Conversations == nil {
		p.Add("ProvisionConfig.Conversations", "", "is nil", "build a client with conversations.NewClient and an app-scoped key")
	}
	if pc.Zendesk == nil {
		p.Add("ProvisionConfig.Zendesk", "", "is nil", "build a client with zendesk.NewClient and the email and API token Dydu's form takes")
	}
	switch {
	case pc.BridgeURL == "" && pc.DyduWebhookURL == "":
		p.Add("ProvisionConfig.BridgeURL", "", "and DyduWebhookURL are both empty",
			"give the bridge's public base URL, or the webhook URL Dydu's BMS shows for its own connector")
	case pc.BridgeURL != "" && pc.DyduWebhookURL != "":
		p.Add("ProvisionConfig.BridgeURL", pc.BridgeURL, "and DyduWebhookURL are both set", "give one: the bridge's URL, or Dydu's webhook URL")
	}
	for name, u := range map[string]string{"BridgeURL": pc.BridgeURL, "DyduWebhookURL": pc.DyduWebhookURL} {
		if u == "" {
			continue
		}
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			p.Add("ProvisionConfig."+name, u, "is not an http(s) URL", "give an absolute URL such as https://chat.example.com")
		}
	}
	pc.IntegrationName = cmp.Or(pc.IntegrationName, DefaultIntegrationName)
	pc.SwitchboardName = cmp.Or(pc.SwitchboardName, DefaultSwitchboardName)
	pc.KeyName = cmp.Or(pc.KeyName, DefaultKeyName)
	return p.Err()
}

// webhookTarget and triggers of the integration's webhook.
func (pc *ProvisionConfig) webhook() conversations.WebhookInput {
	if pc.DyduWebhookURL != "" {
		return conversations.WebhookInput{Target: pc.DyduWebhookURL, Triggers: []string{conversations.TriggerConversationMessage},
			IncludeFullUser: conversations.Bool(true), IncludeFullSource: conversations.Bool(true)}
	}
	return conversations.WebhookInput{Target: strings.TrimRight(pc.BridgeURL, "/") + WebhookPath,
		Triggers:        bridgeTriggers(),
		IncludeFullUser: conversations.Bool(true), IncludeFullSource: conversations.Bool(true)}
}

func bridgeTriggers() []string {
	return []string{"conversation:message", "conversation:typing", "switchboard:passControl", "switchboard:releaseControl"}
}

// Provision sets up the Zendesk side of the escalation, idempotently:
//
//   - checks that the Zendesk API email and token work (which needs "Allow
//     API token access" in Admin Center);
//   - the app-scoped Conversations API key of Dydu's form (block 2): the
//     client's own when it is an app key; with an account key (direct
//     Sunshine Conversations accounts), the app key named KeyName,
//     created when there is none, its secret shown in the report this
//     once and nowhere else (the client keeps it out of its errors and
//     logs); with another key, the report says to create one in Admin
//     Center › Apps and integrations › Conversations API › Create API key;
//   - the Conversations integration (custom) with its webhook, Include
//     full user and Include full source ticked;
//   - with BridgeURL, the bridge's switchboard integration, made the
//     switchboard's default with the agent workspace as its next;
//   - a Zendesk group for every skill that has none ([flow.EnsureGroup]);
//   - and the four blocks of Dydu's BMS form (Preferences › Livechat
//     settings › External connector), filled with what is known, as an
//     item to copy by hand.
//
// A second run changes nothing and says so; with DryRun nothing is
// written. Read the webhook's secret, the flow's Config.WebhookSecrets,
// with [WebhookSecret].
func Provision(ctx context.Context, pc ProvisionConfig) (flow.Report, error) {
	rep := flow.Report{DryRun: pc.DryRun, Force: pc.Force}
	if err := pc.check(); err != nil {
		return rep, err
	}
	cc, zc := pc.Conversations, pc.Zendesk
	if me, err := zc.Users.Me(ctx); err != nil {
		if errors.Is(err, deskbridge.ErrUnauthorized) || errors.Is(err, deskbridge.ErrForbidden) {
			return rep, &flow.ConfigError{Flow: "escalation", Field: "Zendesk API (block 3)", Problem: "the email and API token were refused: " + err.Error(),
				Fix: "check them, and tick Allow API token access in Admin Center › Apps and integrations › APIs › Zendesk API"}
		}
		return rep, fmt.Errorf("escalation: reading the Zendesk API user: %w", err)
	} else {
		rep.Add(flow.Change{Side: flow.SideZendesk, Kind: KindAPIAccess, Name: cmp.Or(me.Email, pc.ZendeskEmail), Action: flow.ActionUnchanged,
			Note: "the email and API token work (API token access is on)"})
		pc.ZendeskEmail = cmp.Or(pc.ZendeskEmail, me.Email)
	}
	if pc.BridgeURL == "" && !keyCanServe(cc.KeyKind()) {
		// Said before any step that the key may fail, so that the report
		// says what to do about it.
		_, _ = ensureAppKey(ctx, cc, pc, &rep) // adds the manual step; makes no call, fails never
	}
	integ, err := ensureIntegration(ctx, cc, pc, &rep)
	if err != nil {
		return rep, err
	}
	if pc.BridgeURL != "" {
		if err := ensureSwitchboard(ctx, cc, pc, integ, &rep); err != nil {
			return rep, err
		}
	}
	skills := pc.Skills
	if len(skills) == 0 && pc.Dydu != nil {
		comps, err := pc.Dydu.Admin.Competencies(ctx)
		if err != nil {
			return rep, fmt.Errorf("escalation: reading Dydu's skills (give ProvisionConfig.Skills instead): %w", err)
		}
		for _, c := range comps {
			skills = append(skills, c.Name)
		}
	}
	for _, s := range skills {
		if _, err := flow.EnsureGroup(ctx, zc, zendesk.Group{Name: s, Description: "Dydu skill " + s + ": escalations land here."}, &rep); err != nil {
			return rep, fmt.Errorf("escalation: %w", err)
		}
	}
	form := flow.Change{Side: flow.SideDydu, Kind: KindBMSForm, Name: "Preferences › Livechat settings › External connector",
		Action: flow.ActionManual}
	if pc.BridgeURL != "" {
		// deskbridge's bridge works with the client's own key: no app key
		// is made for a form nobody fills in (its secret would only reach
		// the output of an apply).
		rep.Add(flow.Change{Side: flow.SideConversations, Kind: KindAPIKey, Name: pc.KeyName, Action: flow.ActionSkipped,
			Note: "not needed by deskbridge's bridge; Dydu's own connector needs an app key: run Provision without BridgeURL, or create one in Admin Center"})
		form.Action = flow.ActionSkipped
		form.Note = "not needed by deskbridge's bridge; for Dydu's own connector, fill in:\n" + BMSForm(pc, cc.AppID(), integ.ID, conversations.APIKey{})
		rep.Add(form)
		return rep, nil
	}
	// The key last: a key created is shown once, in the form, so no step
	// that may fail comes between its creation and the report.
	var key conversations.APIKey
	if keyCanServe(cc.KeyKind()) {
		if key, err = ensureAppKey(ctx, cc, pc, &rep); err != nil {
			return rep, err
		}
	}
	form.Note = BMSForm(pc, cc.AppID(), integ.ID, key)
	rep.Add(form)
	return rep, nil
}

// ensureAppKey looks after the app-scoped Conversations API key that
// Dydu's form asks for (block 2) and returns it: the client's own key when
// it is an app key; with an account key, the app key named pc.KeyName,
// created when there is none (its secret is in the answer, which the
// report shows this once); else nothing, and the report says to create
// one in Admin Center.
func ensureAppKey(ctx context.Context, cc *conversations.Client, pc ProvisionConfig, rep *flow.Report) (conversations.APIKey, error) {
	ch := flow.Change{Side: flow.SideConversations, Kind: KindAPIKey, Name: pc.KeyName, Action: flow.ActionUnchanged}
	switch k := cc.KeyKind(); k {
	case conversations.KeyApp:
		ch.Name, ch.ID = "app key", cc.KeyID()
		ch.Note = "the client's own key is app-scoped; Dydu's form takes its id (block 2) and its secret"
		rep.Add(ch)
		return conversations.APIKey{ID: cc.KeyID()}, nil
	case conversations.KeyAccount, conversations.KeyServiceAccount:
	default:
		ch.Name, ch.Action = "app key", flow.ActionManual
		ch.Note = fmt.Sprintf("the client's key is of kind %q; Dydu and the bridge need an app-scoped key (switchboard reads): "+
			"create one in Admin Center › Apps and integrations › Conversations API › Create API key", k)
		rep.Add(ch)
		return conversations.APIKey{}, nil
	}
	keys, err := cc.AppKeys.List(ctx)
	if err != nil {
		return conversations.APIKey{}, fmt.Errorf("escalation: listing the app's Conversations API keys: %w", err)
	}
	for _, k := range keys {
		if k.DisplayName == pc.KeyName {
			ch.ID = k.ID
			ch.Note = "its secret was shown when it was created; if it is lost, delete the key and run again"
			rep.Add(ch)
			return k, nil
		}
	}
	ch.Action, ch.Diff = flow.ActionCreated, []flow.FieldDiff{{Field: "displayName", New: pc.KeyName}, {Field: "scope", New: "app"}}
	if rep.DryRun {
		ch.Note = "its secret will be shown once, in Dydu's form below (block 2)"
		rep.Add(ch)
		return conversations.APIKey{}, nil
	}
	k, err := cc.AppKeys.Create(ctx, pc.KeyName)
	if err != nil {
		return conversations.APIKey{}, fmt.Errorf("escalation: creating the app's Conversations API key %q: %w", pc.KeyName, err)
	}
	ch.ID = k.ID
	ch.Note = "its secret is in Dydu's form below (block 2), shown this once as Sunshine Conversations shows it once: copy it now"
	rep.Add(ch)
	return *k, nil
}

// keyCanServe reports whether a client key of kind k gives Dydu's form
// its app key: it is one, or it can make one.
func keyCanServe(k conversations.KeyKind) bool {
	return k == conversations.KeyApp || k == conversations.KeyAccount || k == conversations.KeyServiceAccount
}

// ensureIntegration looks after the custom integration and its webhook.
func ensureIntegration(ctx context.Context, cc *conversations.Client, pc ProvisionConfig, rep *flow.Report) (*conversations.Integration, error) {
	want := pc.webhook()
	var have *conversations.Integration
	for in, err := range cc.Integrations.List(ctx, &conversations.IntegrationListOptions{Types: []string{conversations.IntegrationCustom}}) {
		if err != nil {
			return nil, fmt.Errorf("escalation: listing the Conversations integrations: %w", err)
		}
		if in.DisplayName == pc.IntegrationName {
			have = &in
			break
		}
	}
	ch := flow.Change{Side: flow.SideConversations, Kind: KindIntegration, Name: pc.IntegrationName}
	shown := []flow.FieldDiff{{Field: "webhook", New: want.Target}, {Field: "triggers", New: strings.Join(want.Triggers, ", ")},
		{Field: "includeFullUser", New: "true"}, {Field: "includeFullSource", New: "true"}}
	if have == nil {
		ch.Action, ch.Diff = flow.ActionCreated, shown
		if rep.DryRun {
			rep.Add(ch)
			return &conversations.Integration{DisplayName: pc.IntegrationName}, nil
		}
		in, err := cc.Integrations.CreateCustom(ctx, &conversations.CustomIntegration{DisplayName: pc.IntegrationName, Webhook: want})
		if err != nil {
			return nil, fmt.Errorf("escalation: creating the Conversations integration %q: %w", pc.IntegrationName, err)
		}
		ch.ID = in.ID
		rep.Add(ch)
		return in, nil
	}
	ch.ID = have.ID
	hooks, err := cc.Webhooks.List(ctx, have.ID)
	if err != nil {
		return nil, fmt.Errorf("escalation: reading the webhooks of %q: %w", pc.IntegrationName, err)
	}
	var hook *conversations.Webhook
	for i := range hooks {
		if hooks[i].Target == want.Target {
			hook = &hooks[i]
		}
	}
	if hook == nil && len(hooks) > 0 {
		hook = &hooks[0]
	}
	if hook == nil {
		ch.Action, ch.Diff = flow.ActionUpdated, []flow.FieldDiff{{Field: "webhook", New: want.Target}}
		if !rep.DryRun {
			if _, err := cc.Webhooks.Create(ctx, have.ID, &want); err != nil {
				return nil, fmt.Errorf("escalation: adding the webhook to %q: %w", pc.IntegrationName, err)
			}
		}
		rep.Add(ch)
		return have, nil
	}
	var diffs []flow.FieldDiff
	if hook.Target != want.Target {
		diffs = append(diffs, flow.FieldDiff{Field: "webhook", Old: hook.Target, New: want.Target})
	}
	ht, wt := slices.Sorted(slices.Values(hook.Triggers)), slices.Sorted(slices.Values(want.Triggers))
	if !slices.Equal(ht, wt) {
		diffs = append(diffs, flow.FieldDiff{Field: "triggers", Old: strings.Join(ht, ", "), New: strings.Join(wt, ", ")})
	}
	if !hook.IncludeFullUser {
		diffs = append(diffs, flow.FieldDiff{Field: "includeFullUser", Old: "false", New: "true"})
	}
	if !hook.IncludeFullSource {
		diffs = append(diffs, flow.FieldDiff{Field: "includeFullSource", Old: "false", New: "true"})
	}
	ch.Action = flow.ActionUnchanged
	if len(diffs) > 0 {
		ch.Action, ch.Diff = flow.ActionUpdated, diffs
		if !rep.DryRun {
			if _, err := cc.Webhooks.Update(ctx, have.ID, hook.ID, &want); err != nil {
				return nil, fmt.Errorf("escalation: updating the webhook of %q: %w", pc.IntegrationName, err)
			}
		}
	}
	rep.Add(ch)
	return have, nil
}

// ensureSwitchboard looks after the bridge's switchboard integration and
// makes it the switchboard's default.
func ensureSwitchboard(ctx context.Context, cc *conversations.Client, pc ProvisionConfig, integ *conversations.Integration, rep *flow.Report) error {
	sbs, err := cc.Switchboards.List(ctx)
	if err != nil {
		return fmt.Errorf("escalation: reading the switchboard: %w", err)
	}
	if len(sbs) == 0 {
		rep.Add(flow.Change{Side: flow.SideConversations, Kind: KindSwitchboard, Name: "switchboard", Action: flow.ActionManual,
			Note: "the app has no switchboard: turn on messaging in Admin Center (Channels › Messaging) so that the agent workspace is in one"})
		return nil
	}
	sb := sbs[0]
	sis, err := cc.SwitchboardIntegrations.List(ctx, sb.ID)
	if err != nil {
		return fmt.Errorf("escalation: reading the switchboard integrations: %w", err)
	}
	var aw, mine *conversations.SwitchboardIntegration
	for i := range sis {
		switch {
		case sis[i].Name == conversations.AgentWorkspaceName || sis[i].IntegrationType == "zd:agentWorkspace":
			aw = &sis[i]
		case sis[i].Name == pc.SwitchboardName:
			mine = &sis[i]
		}
	}
	awID := ""
	if aw != nil {
		awID = aw.ID
	}
	ch := flow.Change{Side: flow.SideConversations, Kind: KindSwitchboardIntegration, Name: pc.SwitchboardName}
	switch {
	case mine == nil:
		ch.Action, ch.Diff = flow.ActionCreated, []flow.FieldDiff{{Field: "integrationId", New: integ.ID}, {Field: "deliverStandbyEvents", New: "true"},
			{Field: "next", New: conversations.AgentWorkspaceName}}
		if !rep.DryRun {
			si, err := cc.SwitchboardIntegrations.Create(ctx, sb.ID, &conversations.SwitchboardIntegrationCreate{Name: pc.SwitchboardName,
				IntegrationID: integ.ID, DeliverStandbyEvents: true, NextSwitchboardIntegrationID: awID})
			if err != nil {
				return fmt.Errorf("escalation: creating the switchboard integration %q: %w", pc.SwitchboardName, err)
			}
			mine = si
			ch.ID = si.ID
		}
	default:
		ch.ID, ch.Action = mine.ID, flow.ActionUnchanged
		if !mine.DeliverStandbyEvents || mine.NextSwitchboardIntegrationID != awID {
			ch.Action = flow.ActionUpdated
			ch.Diff = []flow.FieldDiff{{Field: "deliverStandbyEvents", Old: fmt.Sprint(mine.DeliverStandbyEvents), New: "true"},
				{Field: "next", Old: mine.NextSwitchboardIntegrationID, New: awID}}
			if !rep.DryRun {
				if _, err := cc.SwitchboardIntegrations.Update(ctx, sb.ID, mine.ID, &conversations.SwitchboardIntegrationUpdate{
					DeliverStandbyEvents: conversations.Bool(true), NextSwitchboardIntegrationID: &awID}); err != nil {
					return fmt.Errorf("escalation: updating the switchboard integration %q: %w", pc.SwitchboardName, err)
				}
			}
		}
	}
	rep.Add(ch)
	def := flow.Change{Side: flow.SideConversations, Kind: KindSwitchboard, Name: "default integration", ID: sb.ID, Action: flow.ActionUnchanged}
	if mine == nil || sb.DefaultSwitchboardIntegrationID != mine.ID {
		def.Action = flow.ActionUpdated
		def.Diff = []flow.FieldDiff{{Field: "defaultSwitchboardIntegrationId", Old: sb.DefaultSwitchboardIntegrationID, New: pc.SwitchboardName}}
		def.Note = "the bot's integration answers first, so that passControl's metadata (group, first message) opens the ticket"
		if !rep.DryRun && mine != nil {
			id := mine.ID
			if _, err := cc.Switchboards.Update(ctx, sb.ID, &conversations.SwitchboardUpdate{DefaultSwitchboardIntegrationID: &id}); err != nil {
				return fmt.Errorf("escalation: making %q the switchboard's default: %w", pc.SwitchboardName, err)
			}
		}
	}
	rep.Add(def)
	return nil
}

// WebhookSecret returns the secret the integration's webhook sends as
// X-API-Key (the flow's Config.WebhookSecrets), read from the integration
// a report of [Provision] looked after. It returns "" after a dry run that
// would create it.
func WebhookSecret(ctx context.Context, cc *conversations.Client, rep flow.Report) (string, error) {
	ch, ok := rep.Find(flow.SideConversations, KindIntegration, "")
	if !ok {
		return "", errors.New("escalation: the report holds no Conversations integration")
	}
	if ch.ID == "" {
		return "", nil
	}
	in, err := cc.Integrations.Get(ctx, ch.ID)
	if err != nil {
		return "", fmt.Errorf("escalation: reading the integration: %w", err)
	}
	for _, w := range in.Webhooks {
		if w.Secret != "" {
			return w.Secret, nil
		}
	}
	hooks, err := cc.Webhooks.List(ctx, ch.ID)
	if err != nil {
		return "", fmt.Errorf("escalation: reading the integration's webhooks: %w", err)
	}
	for _, w := range hooks {
		if w.Secret != "" {
			return w.Secret, nil
		}
	}
	return "", errors.New("escalation: the integration's webhook shows no secret (Admin Center shows it once, at creation)")
}

// BMSForm returns the four blocks of Dydu's BMS form (Preferences ›
// Livechat settings › External connector), as the form asks for them,
// filled with what is known: key is the app-scoped Conversations API key
// (block 2), whose Secret is printed only when it is set (a key
// [Provision] has just created, whose secret Sunshine Conversations shows
// this once). Other secrets are never printed: their place says where to
// copy them from.
func BMSForm(pc ProvisionConfig, appID, integrationID string, key conversations.APIKey) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	or := func(v, placeholder string) string { return cmp.Or(v, "<"+placeholder+">") }
	w("1. Obligatoire – Connecteur Zendesk")
	w("   Nom de domaine : %s", or(pc.Domain, "your subdomain.zendesk.com"))
	w("   App id         : %s", or(appID, "the app id"))
	w("   Integration id : %s", or(integrationID, "the integration id, once created"))
	w("2. Obligatoire – Clé api de conversations")
	w("   Key id         : %s", or(key.ID, "the id of an app-scoped Conversations API key (Admin Center › Apps and integrations › Conversations API)"))
	w("   Secret key     : %s", or(key.Secret, "its secret, shown once when it was created"))
	w("3. Obligatoire – Zendesk api")
	w("   Adresse mail   : %s", or(pc.ZendeskEmail, "the email of the API token's owner"))
	w("   Token api      : <the API token (Admin Center › Apps and integrations › APIs › Zendesk API)>")
	w("4. Optionnel – Correspondance de l'identité")
	b.WriteString(fmt.Sprintf("   Sender id      : %s", or(pc.SenderIDVariable, "the name of a Dydu variable, e.g. mail")))
	return b.String()
}
