package statussync

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/flow"
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
	// Zendesk and Babelforce are the clients of the two accounts to set
	// up. Required.
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

	// DryRun makes Provision read only: nothing is created or updated (no
	// babelforce token is fetched either), and the report says what would
	// be.
	DryRun bool
	// Force re-sends the write-only credentials (the webhook's bearer token
	// and the vault secret) even when they are present: neither API shows
	// them, so a run cannot tell whether they changed.
	Force bool
}

// defaults checks pc and fills in the defaults; the error joins every
// problem, each a [*flow.ConfigError].
func (pc *ProvisionConfig) defaults() error {
	p := flow.Collector{Flow: flowName}
	if pc.Zendesk == nil {
		p.Add("ProvisionConfig.Zendesk", "", "is nil", "build a client with zendesk.NewClient")
	}
	if pc.Babelforce == nil {
		p.Add("ProvisionConfig.Babelforce", "", "is nil", "build a client with babelforce.NewClient")
	}
	p.Include(pc.Mapping.Validate())
	if pc.Endpoint != "" {
		u, err := url.Parse(pc.Endpoint)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.Add("ProvisionConfig.Endpoint", pc.Endpoint, "is not an http(s) URL",
				"give the public URL of the flow's ZendeskHandler, such as https://flows.example.com/zendesk, or leave it empty to point the webhook at babelforce")
		}
	}
	if c := pc.ZendeskCredential; c != "" && !strings.HasPrefix(c, "Basic ") && !strings.HasPrefix(c, "Bearer ") {
		p.Add("ProvisionConfig.ZendeskCredential", "", `does not start with "Basic " or "Bearer "`,
			"build it with statussync.BasicCredential or statussync.BearerCredential")
	}
	if err := p.Err(); err != nil {
		return err
	}
	if pc.WebhookName == "" {
		pc.WebhookName = DefaultWebhookName
	}
	return nil
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
// idempotently, through the shared helpers of package flow:
//
//  1. the Zendesk webhook (WebhookName) subscribed to [AgentEvents]
//     ([flow.EnsureWebhook]), pointing at the flow's handler (Endpoint) or
//     at babelforce's own endpoint with a babelforce bearer token;
//  2. the Zendesk credential in babelforce's vault ([SecretPrefix],
//     [SecretKey]; kind [flow.KindSecret]), when ZendeskCredential is
//     given;
//  3. a red presence in babelforce (kind [flow.KindPresence]) for every
//     Zendesk state and unified status that maps to one that is missing
//     ("create the same red statuses").
//
// Each is found by its name; what exists and matches is left alone, what
// differs is updated, what is missing is created. A second run changes
// nothing and says so ([flow.Report.Changed] is false); with DryRun
// nothing is written and only GET requests are sent. Credentials are
// never read back, so a present one is left alone unless Force is set. On
// error the report holds what was done so far. Read the webhook's signing
// secret, the flow's Config.ZendeskSecrets, with [SigningSecret].
func Provision(ctx context.Context, pc ProvisionConfig) (flow.Report, error) {
	rep := flow.Report{DryRun: pc.DryRun, Force: pc.Force}
	if err := pc.defaults(); err != nil {
		return rep, err
	}
	m := pc.Mapping.withDefaults()
	if err := provisionWebhook(ctx, pc, &rep); err != nil {
		return rep, err
	}
	if err := provisionSecret(ctx, pc, &rep); err != nil {
		return rep, err
	}
	if err := provisionPresences(ctx, pc, m, &rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// SigningSecret returns the signing secret of the Zendesk webhook that rep
// (a report of [Provision]) looked after: the flow's
// Config.ZendeskSecrets. It returns "" after a dry run that would create
// the webhook.
func SigningSecret(ctx context.Context, zc *zendesk.Client, rep flow.Report) (string, error) {
	ch, ok := rep.Find(flow.SideZendesk, flow.KindWebhook, "")
	if !ok {
		return "", errors.New("statussync: the report holds no Zendesk webhook")
	}
	return flow.SigningSecret(ctx, zc, ch.ID)
}

// dryRunToken stands for the babelforce token in a dry run, which fetches
// none: only the kind of a webhook's authentication is compared.
const dryRunToken = "dry-run"

func provisionWebhook(ctx context.Context, pc ProvisionConfig, rep *flow.Report) error {
	endpoint := pc.Endpoint
	want := zendesk.Webhook{
		Name:          pc.WebhookName,
		Description:   "Agent status changes for babelforce (deskbridge statussync)",
		HTTPMethod:    "POST",
		RequestFormat: "json",
		Status:        zendesk.WebhookActive,
		Subscriptions: AgentEvents(),
	}
	if endpoint == "" {
		domain := pc.ZendeskDomain
		if domain == "" {
			if u, err := url.Parse(pc.Zendesk.BaseURL()); err == nil {
				domain = u.Host
			}
		}
		endpoint = BabelforceEndpoint(pc.Babelforce.BaseURL(), domain)
		tok := pc.BabelforceToken
		switch {
		case tok != "":
		case pc.DryRun:
			tok = dryRunToken
		default:
			var err error
			if tok, err = pc.Babelforce.AccessToken(ctx); err != nil {
				return fmt.Errorf("statussync: getting a babelforce token for the Zendesk webhook: %w", err)
			}
		}
		want.Authentication = zendesk.WebhookBearerToken(tok)
	}
	want.Endpoint = endpoint
	if _, err := flow.EnsureWebhook(ctx, pc.Zendesk, want, rep); err != nil {
		return fmt.Errorf("statussync: %w", err)
	}
	return nil
}

func provisionSecret(ctx context.Context, pc ProvisionConfig, rep *flow.Report) error {
	ch := flow.Change{Side: flow.SideBabelforce, Kind: flow.KindSecret, Name: SecretPrefix + "." + SecretKey}
	if pc.ZendeskCredential == "" {
		ch.Action, ch.Note = flow.ActionSkipped, "no ZendeskCredential given"
		rep.Add(ch)
		return nil
	}
	keys, err := pc.Babelforce.Secrets.Keys(ctx, SecretPrefix)
	if err != nil && !errors.Is(err, deskbridge.ErrNotFound) {
		return fmt.Errorf("statussync: reading babelforce's secret keys: %w", err)
	}
	exists := slices.Contains(keys, SecretKey)
	if exists && !pc.Force {
		ch.Action, ch.Note = flow.ActionUnchanged, "present (babelforce does not show values; Force re-sends it)"
		rep.Add(ch)
		return nil
	}
	ch.Action, ch.Note = flow.ActionCreated, "templates read it as "+babelforce.SecretRef(SecretPrefix, SecretKey)
	if exists {
		ch.Action, ch.Note = flow.ActionUpdated, "re-sent (Force)"
		ch.Diff = []flow.FieldDiff{{Field: "value", Old: "(not shown)", New: "(not shown; re-sent: Force)"}}
	}
	if !rep.DryRun {
		if err := pc.Babelforce.Secrets.Update(ctx, SecretPrefix, map[string]string{SecretKey: pc.ZendeskCredential}); err != nil {
			return fmt.Errorf("statussync: storing the Zendesk credential in babelforce: %w", err)
		}
	}
	rep.Add(ch)
	return nil
}

func provisionPresences(ctx context.Context, pc ProvisionConfig, m Mapping, rep *flow.Report) error {
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
		ch := flow.Change{Side: flow.SideBabelforce, Kind: flow.KindPresence, Name: target}
		if p := findPresence(presences, target); p != nil {
			ch.Action, ch.Note = flow.ActionUnchanged, fmt.Sprintf("for Zendesk %q", zname)
			if NormalizeName(p.Name) != k {
				ch.Note += fmt.Sprintf(" (found by label as %q)", p.Name)
			}
			rep.Add(ch)
			continue
		}
		label := zname
		if _, overridden := m.lookup(m.Presences, NormalizeName(zname)); overridden {
			label = target
		}
		ch.Action = flow.ActionCreated
		ch.Diff = []flow.FieldDiff{{Field: "label", New: strconv.Quote(label)}, {Field: "colour", New: "red"}}
		ch.Note = fmt.Sprintf("for Zendesk %q", zname)
		if !rep.DryRun {
			p, err := pc.Babelforce.Presences.Create(ctx, &babelforce.PresenceCreate{Label: label})
			if err != nil {
				return fmt.Errorf("statussync: creating the babelforce presence %q: %w", label, err)
			}
			presences = append(presences, p)

			if NormalizeName(p.Name) != k {
				ch.Note += fmt.Sprintf("; babelforce named it %q, which the flow finds by its label", p.Name)
			}
		}
		rep.Add(ch)
	}
	return nil
}
