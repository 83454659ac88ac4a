package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// statussyncSpec is the file's part for babelforce/statussync: agent
// status Zendesk <-> babelforce.
type statussyncSpec struct {
	flowCommon `yaml:",inline"`
	Zendesk    string `yaml:"zendesk"`
	Babelforce string `yaml:"babelforce"`
	// ZendeskSecrets are the Zendesk webhook's signing secrets; empty:
	// read from Zendesk (the webhook apply made).
	ZendeskSecrets []Secret `yaml:"zendesk_secrets"`
	// AutomationSecret is the bearer secret of the babelforce automation
	// calling PATH/babelforce/presence (statussync.AutomationPath); empty: that path is not served and
	// the poller alone brings babelforce's changes back.
	AutomationSecret Secret `yaml:"automation_secret"`
	// PollInterval is the poller's interval ("off" turns it off); default
	// 15s.
	PollInterval durationOff `yaml:"poll_interval"`
	// Vault stores the Zendesk credential in babelforce's vault for
	// babelforce's own tasks (default true).
	Vault       *bool         `yaml:"vault"`
	WebhookName string        `yaml:"webhook_name"`
	RetryAfter  time.Duration `yaml:"retry_after"`
	EchoWindow  time.Duration `yaml:"echo_window"`
}

func (s *statussyncSpec) tenants() []tenantRef {
	return []tenantRef{{"zendesk", s.Zendesk, ""}, {"babelforce", s.Babelforce, ""}}
}

func (s *statussyncSpec) validate(c *Config, path string, ps *problems) {
	c.checkRef(ps, tenantRef{"zendesk", s.Zendesk, path + ".zendesk"})
	c.checkRef(ps, tenantRef{"babelforce", s.Babelforce, path + ".babelforce"})
	for i, sec := range s.ZendeskSecrets {
		checkSecret(ps, fmt.Sprintf("%s.zendesk_secrets[%d]", path, i), sec)
	}
	checkSecret(ps, path+".automation_secret", s.AutomationSecret)
	checkDuration(ps, path+".retry_after", s.RetryAfter)
	checkDuration(ps, path+".echo_window", s.EchoWindow)
	if s.RetryAfter >= time.Minute {
		ps.add(path+".retry_after", "is 60s or more, and Zendesk does not retry a 503 that asks for that long", "a duration under 60s, e.g. 5s")
	}
	if s.AutomationSecret == "" && s.PollInterval.off {
		ps.add(path+".poll_interval", "is off and there is no automation_secret: no babelforce change would reach Zendesk",
			`poll_interval: 15s, or automation_secret: "${STATUSSYNC_AUTOMATION_SECRET}"`)
	}
}

type statussyncRunner struct {
	s        *statussyncSpec
	e        *env
	name     string
	base     string
	zc       *zendesk.Client
	secrets  []string
	autoAuth string
}

func (s *statussyncSpec) runner(e *env, name, base string) (flowRunner, error) {
	r := &statussyncRunner{s: s, e: e, name: name, base: base, zc: e.zendesk[s.Zendesk]}
	r.secrets = secretList(e, "flows."+name+".zendesk_secrets", s.ZendeskSecrets)
	r.autoAuth = e.secrets.get("flows."+name+".automation_secret", s.AutomationSecret)
	return r, e.secrets.err()
}

func (r *statussyncRunner) provisionConfig(dryRun, force bool) statussync.ProvisionConfig {
	pc := statussync.ProvisionConfig{
		Zendesk: r.zc, Babelforce: r.e.babelforce[r.s.Babelforce],
		WebhookName: r.s.WebhookName, DryRun: dryRun, Force: force,
	}
	if r.base != "" {
		pc.Endpoint = r.base + statussync.ZendeskPath
	}
	if r.s.Vault == nil || *r.s.Vault {
		pc.ZendeskCredential = r.e.zendeskAuth[r.s.Zendesk]
	}
	return pc
}

func (r *statussyncRunner) provision(ctx context.Context, dryRun, force bool) (flow.Report, error) {
	if err := needBase(r.base, r.name); err != nil {
		return flow.Report{DryRun: dryRun}, err
	}
	return statussync.Provision(ctx, r.provisionConfig(dryRun, force))
}

func (r *statussyncRunner) notes() string { return "" }

func (r *statussyncRunner) start(ctx context.Context, st store.Store, onResult func(flow.Outcome)) (*running, error) {
	secrets := r.secrets
	if len(secrets) == 0 {
		sec, err := zendeskSigningSecret(ctx, r.name, func(ctx context.Context) (flow.Report, error) {
			return statussync.Provision(ctx, r.provisionConfig(true, false))
		}, func(ctx context.Context, rep flow.Report) (string, error) {
			return statussync.SigningSecret(ctx, r.zc, rep)
		})
		if err != nil {
			return nil, err
		}
		secrets = []string{sec}
	}
	cfg := statussync.Config{
		Zendesk: r.zc, Babelforce: r.e.babelforce[r.s.Babelforce],
		ZendeskSecrets: secrets, Store: st, Logger: r.e.log.With("flow", r.name),
		RetryAfter: r.s.RetryAfter, EchoWindow: r.s.EchoWindow,
		OnResult: func(res statussync.Result) { onResult(res.Outcome) },
	}
	if r.s.PollInterval.set && !r.s.PollInterval.off {
		cfg.PollInterval = r.s.PollInterval.d
	}
	if r.autoAuth != "" {
		cfg.AutomationAuth = webhook.SharedSecretVerifier{Secrets: []string{r.autoAuth}}
	}
	f, err := statussync.New(cfg)
	if err != nil {
		return nil, err
	}
	run := &running{handler: f.Handler(), check: f.Check}
	run.background = append(run.background, f.RunReconciler)
	if !r.s.PollInterval.off {
		run.background = append(run.background, f.RunPoller)
	}
	bc := r.e.babelforce[r.s.Babelforce]
	run.ready = []readinessCheck{zendeskReady(r.s.Zendesk, r.zc), babelforceReady(r.s.Babelforce, bc)}
	run.checked = []string{
		"zendesk " + r.s.Zendesk + ": the credential, an active agent-status webhook and its signing secret",
		"babelforce " + r.s.Babelforce + ": the credential, and a presence for every Zendesk status the mapping needs",
	}
	return run, nil
}

// errNotApplied says that a flow's webhook does not exist yet.
var errNotApplied = errors.New("not applied")

// zendeskSigningSecret reads the signing secret of a flow's Zendesk
// webhook: a dry-run Provision finds the webhook, read reads its secret.
func zendeskSigningSecret(ctx context.Context, name string, plan func(context.Context) (flow.Report, error), read func(context.Context, flow.Report) (string, error)) (string, error) {
	rep, err := plan(ctx)
	if err != nil {
		return "", fmt.Errorf("flow %s: finding its Zendesk webhook to read the signing secret: %w", name, err)
	}
	ch, ok := rep.Find(flow.SideZendesk, flow.KindWebhook, "")
	if !ok || ch.ID == "" {
		return "", fmt.Errorf("flow %s: %w: its Zendesk webhook does not exist yet, so its signing secret cannot be read; run deskbridge apply first, or give zendesk_secrets", name, errNotApplied)
	}
	sec, err := read(ctx, rep)
	if err != nil {
		return "", fmt.Errorf("flow %s: reading the signing secret of its Zendesk webhook: %w", name, err)
	}
	return sec, nil
}
