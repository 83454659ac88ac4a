package main

import (
	"context"
	"fmt"
	"time"

	"github.com/deskbridge/deskbridge/braze/smsbridge"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
)

// smsbridgeSpec is the file's part for braze/smsbridge: ticket comments
// <-> SMS through Braze.
type smsbridgeSpec struct {
	flowCommon `yaml:",inline"`
	Zendesk    string `yaml:"zendesk"`
	Braze      string `yaml:"braze"`
	// ReplyCampaignID carries agent replies (an API-triggered SMS
	// campaign); ClosingCampaignID the closing SMS of a solved ticket.
	ReplyCampaignID   string `yaml:"reply_campaign_id"`
	ClosingCampaignID string `yaml:"closing_campaign_id"`
	ClosingMessage    string `yaml:"closing_message"`
	// ZendeskSecrets are the Zendesk webhook's signing secrets; empty:
	// read from Zendesk. BrazeSecrets are what Braze's webhook campaigns
	// send as a bearer token (required).
	ZendeskSecrets []Secret `yaml:"zendesk_secrets"`
	BrazeSecrets   []Secret `yaml:"braze_secrets"`
	UserField      string   `yaml:"user_field"`
	Keyword        string   `yaml:"keyword"`
	// Delivery is at-most-once (default) or at-least-once.
	Delivery   string        `yaml:"delivery"`
	RetryAfter time.Duration `yaml:"retry_after"`
}

func (s *smsbridgeSpec) tenants() []tenantRef {
	return []tenantRef{{"zendesk", s.Zendesk, ""}, {"braze", s.Braze, ""}}
}

func (s *smsbridgeSpec) validate(c *Config, path string, ps *problems) {
	c.checkRef(ps, tenantRef{"zendesk", s.Zendesk, path + ".zendesk"})
	c.checkRef(ps, tenantRef{"braze", s.Braze, path + ".braze"})
	if s.ReplyCampaignID == "" {
		ps.add(path, "has no reply_campaign_id", "reply_campaign_id: the ID of the API-triggered SMS campaign that carries agent replies (deskbridge apply prints the Braze setup)")
	}
	for i, sec := range s.ZendeskSecrets {
		checkSecret(ps, fmt.Sprintf("%s.zendesk_secrets[%d]", path, i), sec)
	}
	if len(s.BrazeSecrets) == 0 {
		ps.add(path, "has no braze_secrets", `braze_secrets: ["${SMSBRIDGE_BRAZE_SECRET}"], the bearer secret Braze's webhook campaigns send`)
	}
	for i, sec := range s.BrazeSecrets {
		checkSecret(ps, fmt.Sprintf("%s.braze_secrets[%d]", path, i), sec)
	}
	switch s.Delivery {
	case "", "at-most-once", "at-least-once":
	default:
		ps.add(path+".delivery", fmt.Sprintf("%q is not a delivery policy", s.Delivery), "at-most-once (the default) or at-least-once")
	}
	checkDuration(ps, path+".retry_after", s.RetryAfter)
}

type smsbridgeRunner struct {
	s                 *smsbridgeSpec
	e                 *env
	name, base        string
	zdSecrets, brazes []string
}

func (s *smsbridgeSpec) runner(e *env, name, base string) (flowRunner, error) {
	r := &smsbridgeRunner{s: s, e: e, name: name, base: base}
	r.zdSecrets = secretList(e, "flows."+name+".zendesk_secrets", s.ZendeskSecrets)
	r.brazes = secretList(e, "flows."+name+".braze_secrets", s.BrazeSecrets)
	return r, e.secrets.err()
}

func (r *smsbridgeRunner) provisionConfig(dryRun, force bool) smsbridge.ProvisionConfig {
	return smsbridge.ProvisionConfig{Zendesk: r.e.zendesk[r.s.Zendesk], BridgeURL: r.base, UserField: r.s.UserField,
		Keyword: r.s.Keyword, DryRun: dryRun, Force: force}
}

func (r *smsbridgeRunner) provision(ctx context.Context, dryRun, force bool) (flow.Report, error) {
	if err := needBase(r.base, r.name); err != nil {
		return flow.Report{DryRun: dryRun}, err
	}
	return smsbridge.Provision(ctx, r.provisionConfig(dryRun, force))
}

func (r *smsbridgeRunner) notes() string {
	if r.base == "" {
		return ""
	}
	return smsbridge.BrazeSetup(r.provisionConfig(false, false))
}

func (r *smsbridgeRunner) start(ctx context.Context, st store.Store, onResult func(flow.Outcome)) (*running, error) {
	zc := r.e.zendesk[r.s.Zendesk]
	secrets := r.zdSecrets
	if len(secrets) == 0 {
		sec, err := zendeskSigningSecret(ctx, r.name, func(ctx context.Context) (flow.Report, error) {
			return r.provision(ctx, true, false)
		}, func(ctx context.Context, rep flow.Report) (string, error) {
			return smsbridge.SigningSecret(ctx, zc, rep)
		})
		if err != nil {
			return nil, err
		}
		secrets = []string{sec}
	}
	delivery := smsbridge.AtMostOnce
	if r.s.Delivery == "at-least-once" {
		delivery = smsbridge.AtLeastOnce
	}
	f, err := smsbridge.New(smsbridge.Config{
		Zendesk: zc, Braze: r.e.braze[r.s.Braze],
		ReplyCampaignID: r.s.ReplyCampaignID, ClosingCampaignID: r.s.ClosingCampaignID, ClosingMessage: r.s.ClosingMessage,
		ZendeskSecrets: secrets, BrazeAuth: webhook.SharedSecretVerifier{Secrets: r.brazes}, UserField: r.s.UserField,
		Delivery: delivery, RetryAfter: r.s.RetryAfter, Store: st, Logger: r.e.log.With("flow", r.name),
		OnResult: func(res smsbridge.Result) { onResult(res.Outcome) },
	})
	if err != nil {
		return nil, err
	}
	return &running{handler: f.Handler(), check: f.Check,
		ready: []readinessCheck{zendeskReady(r.s.Zendesk, zc), brazeReady(r.s.Braze, r.e.braze[r.s.Braze])},
		checked: []string{
			"zendesk " + r.s.Zendesk + ": the credential, the Braze external ID user field, the agent-reply webhook, its signing secret and its trigger",
			"braze " + r.s.Braze + ": the API key (users/export/ids); Braze's API shows no campaigns, so their IDs are not checked",
		}}, nil
}
