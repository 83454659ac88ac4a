package statussync

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Provisioning defaults and names.
const (
	// DefaultWebhookName names the Zendesk webhook [Provision] creates; a
	// webhook of that name is the one a later run finds and updates.
	DefaultWebhookName = "deskbridge statussync"
	// SecretPrefix and SecretKey are where [Provision] stores the Zendesk
	// credential in babelforce's vault, as the status-sync article does;
	// babelforce's templates read it as {{secret.zendesk.webhook}}.
	SecretPrefix = "zendesk"
	SecretKey    = "webhook"
)

// AgentEvents returns the event types the webhook subscribes to:
// agent.state_changed and agent.unified_state_changed.
func AgentEvents() []string {
	return []string{zendesk.EventAgentStateChanged, zendesk.EventAgentUnifiedStateChanged}
}

// ProvisionConfig says what [Provision] sets up.
type ProvisionConfig struct {
	Zendesk    *zendesk.Client
	Babelforce *babelforce.Client
	// Mapping decides which red presences babelforce needs: the one each
	// Zendesk state and status maps to. The zero value is the default
	// mapping (see [Mapping]).
	Mapping Mapping
	// WebhookName names the Zendesk webhook (default DefaultWebhookName).
	WebhookName string
	// Endpoint is the public URL of the flow's ZendeskHandler. Empty points
	// the webhook at babelforce's own endpoint instead, as the status-sync
	// article does:
	// {babelforce}/api/v1/webhook/zendesk?templateId=webhook_map_talk_status
	// &domain={ZendeskDomain}, with a babelforce bearer token.
	Endpoint string
	// ZendeskDomain is the account's domain for babelforce's endpoint;
	// empty means the host of the Zendesk client's base URL.
	ZendeskDomain string
	// BabelforceToken is the bearer token Zendesk sends to babelforce's
	// endpoint; empty means Babelforce.AccessToken (build that client with
	// babelforce.WithNonExpiringToken, or the token Zendesk keeps expires).
	BabelforceToken string
	// ZendeskCredential is the Authorization value babelforce's own tasks
	// use to call Zendesk ("Basic …", see BasicCredential, or "Bearer …"),
	// stored in babelforce's vault at SecretPrefix.SecretKey. Empty skips
	// the vault.
	ZendeskCredential string
	// Force re-sends the write-only credentials (the webhook's bearer token
	// and the vault secret) even when they are present: neither API shows
	// them, so a run cannot tell whether they changed.
	Force bool
}

// ActionResult is what [Provision] did to one item.
type ActionResult string

// Action results.
const (
	ActionCreated   ActionResult = "created"
	ActionUpdated   ActionResult = "updated"
	ActionUnchanged ActionResult = "unchanged"
	ActionSkipped   ActionResult = "skipped"
)

// ProvisionAction is one item [Provision] looked at.
type ProvisionAction struct {
	// Item names it, e.g. `Zendesk webhook "deskbridge statussync"`.
	Item   string
	Result ActionResult
	// Detail says what changed or why nothing did.
	Detail string
}

// ProvisionReport is what [Provision] did.
type ProvisionReport struct {
	Actions []ProvisionAction
	// WebhookID is the Zendesk webhook's id and Endpoint where it points.
	WebhookID, Endpoint string
	// SigningSecret is the webhook's signing secret, for
	// Config.ZendeskSecrets when Endpoint is the flow's.
	SigningSecret string
}

// Changed reports whether anything was created or updated.
func (r *ProvisionReport) Changed() bool {
	return slices.ContainsFunc(r.Actions, func(a ProvisionAction) bool {
		return a.Result == ActionCreated || a.Result == ActionUpdated
	})
}

// String formats the report as a table and a summary line.
func (r *ProvisionReport) String() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, a := range r.Actions {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", a.Item, a.Result, a.Detail)
	}
	tw.Flush()
	if r.Changed() {
		counts := map[ActionResult]int{}
		for _, a := range r.Actions {
			counts[a.Result]++
		}
		fmt.Fprintf(&b, "  %d created, %d updated, %d unchanged, %d skipped\n",
			counts[ActionCreated], counts[ActionUpdated], counts[ActionUnchanged], counts[ActionSkipped])
	} else {
		fmt.Fprintf(&b, "  nothing to change: all %d items are as wanted\n", len(r.Actions))
	}
	return b.String()
}

// BasicCredential returns the "Basic …" Authorization value of a Zendesk
// API token, for [ProvisionConfig].ZendeskCredential.
func BasicCredential(email, apiToken string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(email+"/token:"+apiToken))
}

// BearerCredential returns the "Bearer …" Authorization value of a Zendesk
// OAuth access token, for [ProvisionConfig].ZendeskCredential.
func BearerCredential(token string) string { return "Bearer " + token }

// BabelforceEndpoint returns the URL of babelforce's Zendesk webhook
// endpoint that runs the status-sync article's template, for the
// environment at baseURL ([babelforce.Client.BaseURL]) and the Zendesk
// domain (as [ZendeskDomainParam]).
func BabelforceEndpoint(baseURL, zendeskDomain string) string {
	u := strings.TrimRight(baseURL, "/") + "/api/v1/webhook/zendesk?templateId=" + url.QueryEscape(babelforce.StatusSyncTemplate)
	if zendeskDomain != "" {
		u += "&" + ZendeskDomainParam + "=" + url.QueryEscape(zendeskDomain)
	}
	return u
}

// Provision sets up what the status-sync article does by hand,
// idempotently:
//
//  1. the Zendesk webhook (WebhookName) subscribed to [AgentEvents], pointing
//     at the flow's handler (Endpoint) or at babelforce's own endpoint
//     with a babelforce bearer token;
//  2. the Zendesk credential in babelforce's vault ([SecretPrefix],
//     [SecretKey]), when ZendeskCredential is given;
//  3. a red presence in babelforce for every Zendesk state and unified
//     status that maps to one that is missing ("create the same red
//     statuses").
//
// It reads before it writes, so a second run changes nothing and says so
// ([ProvisionReport.Changed] is false). Credentials are never read back, so
// a present one is left alone unless Force is set. On error the report
// holds what was done so far.
func Provision(ctx context.Context, pc ProvisionConfig) (*ProvisionReport, error) {
	rep := &ProvisionReport{}
	if pc.Zendesk == nil || pc.Babelforce == nil {
		return rep, fmt.Errorf("statussync: Provision needs a Zendesk and a babelforce client: %w", deskbridge.ErrInvalid)
	}
	if err := pc.Mapping.Validate(); err != nil {
		return rep, err
	}
	m := pc.Mapping.withDefaults()
	if pc.WebhookName == "" {
		pc.WebhookName = DefaultWebhookName
	}
	if pc.Endpoint != "" {
		u, err := url.Parse(pc.Endpoint)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return rep, fmt.Errorf("statussync: Provision: Endpoint %q is not an http(s) URL: %w", pc.Endpoint, deskbridge.ErrInvalid)
		}
	}
	if c := pc.ZendeskCredential; c != "" && !strings.HasPrefix(c, "Basic ") && !strings.HasPrefix(c, "Bearer ") {
		return rep, fmt.Errorf(`statussync: Provision: ZendeskCredential must start with "Basic " or "Bearer " (see BasicCredential): %w`, deskbridge.ErrInvalid)
	}
	if err := provisionWebhook(ctx, pc, rep); err != nil {
		return rep, err
	}
	if err := provisionSecret(ctx, pc, rep); err != nil {
		return rep, err
	}
	if err := provisionPresences(ctx, pc, m, rep); err != nil {
		return rep, err
	}
	return rep, nil
}

func provisionWebhook(ctx context.Context, pc ProvisionConfig, rep *ProvisionReport) error {
	item := fmt.Sprintf("Zendesk webhook %q", pc.WebhookName)
	toBabelforce := pc.Endpoint == ""
	endpoint := pc.Endpoint
	if toBabelforce {
		domain := pc.ZendeskDomain
		if domain == "" {
			if u, err := url.Parse(pc.Zendesk.BaseURL()); err == nil {
				domain = u.Host
			}
		}
		endpoint = BabelforceEndpoint(pc.Babelforce.BaseURL(), domain)
	}
	rep.Endpoint = endpoint
	want := &zendesk.Webhook{
		Name:          pc.WebhookName,
		Description:   "Agent status changes for babelforce (deskbridge statussync)",
		Endpoint:      endpoint,
		HTTPMethod:    "POST",
		RequestFormat: "json",
		Status:        zendesk.WebhookActive,
		Subscriptions: AgentEvents(),
	}
	auth := func() error {
		if !toBabelforce {
			return nil
		}
		tok := pc.BabelforceToken
		if tok == "" {
			var err error
			if tok, err = pc.Babelforce.AccessToken(ctx); err != nil {
				return fmt.Errorf("statussync: getting a babelforce token for the Zendesk webhook: %w", err)
			}
		}
		want.Authentication = zendesk.WebhookBearerToken(tok)
		return nil
	}

	var found *zendesk.Webhook
	for w, err := range pc.Zendesk.Webhooks.List(ctx, &zendesk.WebhookListOptions{NameContains: pc.WebhookName}) {
		if err != nil {
			return fmt.Errorf("statussync: listing Zendesk webhooks: %w", err)
		}
		if w.Name == pc.WebhookName {
			found = w
			break
		}
	}
	if found == nil {
		if err := auth(); err != nil {
			return err
		}
		w, err := pc.Zendesk.Webhooks.Create(ctx, want)
		if err != nil {
			return fmt.Errorf("statussync: creating the Zendesk webhook: %w", err)
		}
		rep.WebhookID = w.ID
		rep.Actions = append(rep.Actions, ProvisionAction{Item: item, Result: ActionCreated, Detail: "→ " + endpoint})
	} else {
		rep.WebhookID = found.ID
		if slices.Contains(found.Subscriptions, zendesk.SubscriptionConditionalTicketEvents) {
			return fmt.Errorf("statussync: the Zendesk webhook %q (%s) is connected to triggers and cannot subscribe to agent events: rename ProvisionConfig.WebhookName or delete that webhook: %w",
				pc.WebhookName, found.ID, deskbridge.ErrConflict)
		}
		var diffs []string
		if found.Endpoint != endpoint {
			diffs = append(diffs, "endpoint")
		}
		if !sameSet(found.Subscriptions, want.Subscriptions) {
			diffs = append(diffs, "subscriptions")
		}
		if !strings.EqualFold(found.HTTPMethod, "POST") || !strings.EqualFold(found.RequestFormat, "json") {
			diffs = append(diffs, "method or format")
		}
		if found.Status != zendesk.WebhookActive {
			diffs = append(diffs, "status")
		}
		if toBabelforce && (found.Authentication == nil || found.Authentication.Type != "bearer_token") {
			diffs = append(diffs, "authentication")
		}
		if toBabelforce && pc.Force && len(diffs) == 0 {
			diffs = append(diffs, "bearer token (Force)")
		}
		if len(diffs) == 0 {
			detail := "→ " + endpoint
			if toBabelforce {
				detail += " (bearer token not compared: Zendesk does not show it; Force re-sends it)"
			}
			rep.Actions = append(rep.Actions, ProvisionAction{Item: item, Result: ActionUnchanged, Detail: detail})
		} else {
			if err := auth(); err != nil {
				return err
			}
			if !toBabelforce {
				want.Authentication = found.Authentication
			}
			if err := pc.Zendesk.Webhooks.Update(ctx, found.ID, want); err != nil {
				return fmt.Errorf("statussync: updating the Zendesk webhook %s: %w", found.ID, err)
			}
			rep.Actions = append(rep.Actions, ProvisionAction{Item: item, Result: ActionUpdated, Detail: strings.Join(diffs, ", ") + " → " + endpoint})
		}
	}
	ss, err := pc.Zendesk.Webhooks.SigningSecret(ctx, rep.WebhookID)
	if err != nil {
		return fmt.Errorf("statussync: reading the Zendesk webhook's signing secret: %w", err)
	}
	rep.SigningSecret = ss.Secret
	return nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func provisionSecret(ctx context.Context, pc ProvisionConfig, rep *ProvisionReport) error {
	item := fmt.Sprintf("babelforce secret %s.%s", SecretPrefix, SecretKey)
	if pc.ZendeskCredential == "" {
		rep.Actions = append(rep.Actions, ProvisionAction{Item: item, Result: ActionSkipped, Detail: "no ZendeskCredential given"})
		return nil
	}
	keys, err := pc.Babelforce.Secrets.Keys(ctx, SecretPrefix)
	if err != nil && !errors.Is(err, deskbridge.ErrNotFound) {
		return fmt.Errorf("statussync: reading babelforce's secret keys: %w", err)
	}
	exists := slices.Contains(keys, SecretKey)
	if exists && !pc.Force {
		rep.Actions = append(rep.Actions, ProvisionAction{Item: item, Result: ActionUnchanged,
			Detail: "present (babelforce does not show values; Force re-sends it)"})
		return nil
	}
	if err := pc.Babelforce.Secrets.Update(ctx, SecretPrefix, map[string]string{SecretKey: pc.ZendeskCredential}); err != nil {
		return fmt.Errorf("statussync: storing the Zendesk credential in babelforce: %w", err)
	}
	res, detail := ActionCreated, "stored; templates read it as "+babelforce.SecretRef(SecretPrefix, SecretKey)
	if exists {
		res, detail = ActionUpdated, "re-sent (Force)"
	}
	rep.Actions = append(rep.Actions, ProvisionAction{Item: item, Result: res, Detail: detail})
	return nil
}

func provisionPresences(ctx context.Context, pc ProvisionConfig, m Mapping, rep *ProvisionReport) error {
	var statuses []*zendesk.UnifiedStatus
	for s, err := range pc.Zendesk.Availability.Statuses(ctx, nil) {
		if err != nil {
			return fmt.Errorf("statussync: reading Zendesk's unified statuses: %w", err)
		}
		statuses = append(statuses, s)
	}
	presences, err := pc.Babelforce.Presences.List(ctx)
	if err != nil {
		return fmt.Errorf("statussync: reading babelforce presences: %w", err)
	}
	// Every name that reaches babelforce: the channel states, then each
	// status (defaults share the states' names).
	names := slices.Clone(channelStates)
	for _, s := range statuses {
		if !slices.ContainsFunc(names, func(n string) bool { return NormalizeName(n) == NormalizeName(s.Name) }) {
			names = append(names, s.Name)
		}
	}
	done := map[string]bool{}
	for _, zname := range names {
		target := m.Presence(zname)
		k := NormalizeName(target)
		if k == babelforce.AvailablePresence || done[k] {
			continue
		}
		done[k] = true
		item := fmt.Sprintf("babelforce presence %q", target)
		if p := findPresence(presences, target); p != nil {
			detail := fmt.Sprintf("for Zendesk %q", zname)
			if NormalizeName(p.Name) != k {
				detail += fmt.Sprintf(" (found by label as %q)", p.Name)
			}
			rep.Actions = append(rep.Actions, ProvisionAction{Item: item, Result: ActionUnchanged, Detail: detail})
			continue
		}
		label := zname
		if _, overridden := m.lookup(m.Presences, NormalizeName(zname)); overridden {
			label = target
		}
		p, err := pc.Babelforce.Presences.Create(ctx, &babelforce.PresenceCreate{Label: label})
		if err != nil {
			return fmt.Errorf("statussync: creating the babelforce presence %q: %w", label, err)
		}
		presences = append(presences, p)
		detail := fmt.Sprintf("red, label %q, for Zendesk %q", label, zname)
		if NormalizeName(p.Name) != k {
			detail += fmt.Sprintf("; babelforce named it %q, which the flow finds by its label", p.Name)
		}
		rep.Actions = append(rep.Actions, ProvisionAction{Item: item, Result: ActionCreated, Detail: detail})
	}
	return nil
}
