package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/dydu/escalation"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
)

// escalationSpec is the file's part for dydu/escalation: a Dydu bot hands
// a chat to Zendesk's agents through Sunshine Conversations, and back.
type escalationSpec struct {
	flowCommon    `yaml:",inline"`
	Dydu          string `yaml:"dydu"`
	Conversations string `yaml:"conversations"`
	Zendesk       string `yaml:"zendesk"`
	// WebhookSecrets are the secrets the Conversations integration's
	// webhook sends; empty: read from the integration apply made.
	WebhookSecrets []Secret `yaml:"webhook_secrets"`
	// Skills maps an escalating knowledge's id to its skill (the Zendesk
	// group of the same name); DefaultSkill is the skill of the others.
	Skills           map[int64]string `yaml:"skills"`
	DefaultSkill     string           `yaml:"default_skill"`
	SenderIDVariable string           `yaml:"sender_id_variable"`
	NameVariable     string           `yaml:"name_variable"`
	BotName          string           `yaml:"bot_name"`
	IntegrationName  string           `yaml:"integration_name"`
	RetryAfter       time.Duration    `yaml:"retry_after"`
	// Authorize authenticates the chat channel's users; without it the
	// channel is open to whoever knows a chat id, and tickets have an
	// anonymous requester.
	Authorize struct {
		// ChatKey verifies HMAC-signed chat tokens (see chatKey); at
		// least 32 bytes, shared by the site's server and the command.
		ChatKey Secret `yaml:"chat_key"`
	} `yaml:"authorize"`
}

func (s *escalationSpec) tenants() []tenantRef {
	return []tenantRef{{"dydu", s.Dydu, ""}, {"conversations", s.Conversations, ""}, {"zendesk", s.Zendesk, ""}}
}

func (s *escalationSpec) validate(c *Config, path string, ps *problems) {
	c.checkRef(ps, tenantRef{"dydu", s.Dydu, path + ".dydu"})
	c.checkRef(ps, tenantRef{"conversations", s.Conversations, path + ".conversations"})
	c.checkRef(ps, tenantRef{"zendesk", s.Zendesk, path + ".zendesk"})
	for i, sec := range s.WebhookSecrets {
		checkSecret(ps, fmt.Sprintf("%s.webhook_secrets[%d]", path, i), sec)
	}
	for id, skill := range s.Skills {
		if strings.TrimSpace(skill) == "" {
			ps.add(fmt.Sprintf("%s.skills.%d", path, id), "is an empty skill", "the skill's name (its Zendesk group), or leave the knowledge out")
		}
	}
	checkDuration(ps, path+".retry_after", s.RetryAfter)
	checkSecret(ps, path+".authorize.chat_key", s.Authorize.ChatKey)
}

type escalationRunner struct {
	s          *escalationSpec
	e          *env
	name, base string
	secrets    []string
	chatKey    []byte
}

func (s *escalationSpec) runner(e *env, name, base string) (flowRunner, error) {
	r := &escalationRunner{s: s, e: e, name: name, base: base}
	r.secrets = secretList(e, "flows."+name+".webhook_secrets", s.WebhookSecrets)
	r.chatKey = []byte(e.secrets.get("flows."+name+".authorize.chat_key", s.Authorize.ChatKey))
	if err := e.secrets.err(); err != nil {
		return nil, err
	}
	if s.Authorize.ChatKey != "" && len(r.chatKey) < minChatKey {
		return nil, fmt.Errorf("flow %s: authorize.chat_key is %d bytes, under the %d a signing key needs; generate one with: openssl rand -base64 32", name, len(r.chatKey), minChatKey)
	}
	return r, nil
}

func (r *escalationRunner) provisionConfig(dryRun, force bool) escalation.ProvisionConfig {
	var skills []string
	for _, s := range r.s.Skills {
		if !slices.Contains(skills, s) {
			skills = append(skills, s)
		}
	}
	if r.s.DefaultSkill != "" && !slices.Contains(skills, r.s.DefaultSkill) {
		skills = append(skills, r.s.DefaultSkill)
	}
	slices.Sort(skills)
	return escalation.ProvisionConfig{
		Conversations: r.e.conversations[r.s.Conversations], Zendesk: r.e.zendesk[r.s.Zendesk],
		BridgeURL: r.base, Skills: skills, Dydu: r.e.dydu[r.s.Dydu],
		SenderIDVariable: r.s.SenderIDVariable, IntegrationName: r.s.IntegrationName,
		DryRun: dryRun, Force: force,
	}
}

func (r *escalationRunner) provision(ctx context.Context, dryRun, force bool) (flow.Report, error) {
	if err := needBase(r.base, r.name); err != nil {
		return flow.Report{DryRun: dryRun}, err
	}
	return escalation.Provision(ctx, r.provisionConfig(dryRun, force))
}

func (r *escalationRunner) notes() string { return "" }

func (r *escalationRunner) start(ctx context.Context, st store.Store, onResult func(flow.Outcome)) (*running, error) {
	cc := r.e.conversations[r.s.Conversations]
	secrets := r.secrets
	if len(secrets) == 0 {
		rep, err := r.provision(ctx, true, false)
		if err != nil {
			return nil, fmt.Errorf("flow %s: finding its Conversations integration to read the webhook secret: %w", r.name, err)
		}
		sec, err := escalation.WebhookSecret(ctx, cc, rep)
		if err != nil {
			return nil, fmt.Errorf("flow %s: %w", r.name, err)
		}
		if sec == "" {
			return nil, fmt.Errorf("flow %s: %w: its Conversations integration does not exist yet; run deskbridge apply first, or give webhook_secrets", r.name, errNotApplied)
		}
		secrets = []string{sec}
	}
	cfg := escalation.Config{
		Dydu: r.e.dydu[r.s.Dydu], Conversations: cc, Zendesk: r.e.zendesk[r.s.Zendesk],
		WebhookSecrets: secrets, Skills: r.s.Skills, DefaultSkill: r.s.DefaultSkill,
		SenderIDVariable: r.s.SenderIDVariable, NameVariable: r.s.NameVariable, BotName: r.s.BotName, RetryAfter: r.s.RetryAfter,
		Store: st, Logger: r.e.log.With("flow", r.name),
		OnResult: func(res escalation.Result) { onResult(res.Outcome) },
	}
	if len(r.chatKey) > 0 {
		cfg.Authorize = chatKey{r.chatKey}.authorize
	} else {
		r.e.log.Warn("the chat channel is anonymous: whoever knows a chat id reads and posts in it, and tickets have an anonymous requester",
			"flow", r.name, "fix", `authorize: {chat_key: "${ESCALATION_CHAT_KEY}"} in flows.`+r.name+`, the key your site signs chat tokens with`)
	}
	f, err := escalation.New(cfg)
	if err != nil {
		return nil, err
	}
	zc := r.e.zendesk[r.s.Zendesk]
	return &running{handler: f.Handler(), check: f.Check, ready: []readinessCheck{zendeskReady(r.s.Zendesk, zc),
		dyduReady(r.s.Dydu, r.e.dydu[r.s.Dydu]), conversationsReady(r.s.Conversations, cc)},
		checked: []string{
			"zendesk " + r.s.Zendesk + ": the credential, and a group for every skill",
			"conversations " + r.s.Conversations + ": the app key, the integration's webhook and its secret, the switchboard",
			"dydu " + r.s.Dydu + ": the bot's servers answer for its id",
		}}, nil
}
