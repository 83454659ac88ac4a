package escalation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// Check reads every side and says what is misconfigured, each problem a
// [*flow.ConfigError] with what to fix, all of them joined (walk them
// with [flow.Problems]); nil means everything it can see is in place:
//
//   - Zendesk: the client's credentials (refused when the token is wrong
//     or API token access is off), and a group for every skill of
//     Config.Skills and Config.DefaultSkill;
//   - Sunshine Conversations: an app-scoped key, a custom integration
//     whose webhook calls [WebhookPath] with the triggers the bridge needs
//     and a secret in Config.WebhookSecrets, and the switchboard's default
//     integration not being the agent workspace (else the user's first
//     message opens the ticket before passControl can set its group);
//   - Dydu: the bot's servers answer for its UUID, asked without opening
//     a dialog (see dyduProbe in unconfirmed.go).
//
// A side that cannot be read (a network error, a 5xx) is an error beside
// the problems (see [flow.CheckReader]), not a misconfiguration.
func (f *Flow) Check(ctx context.Context) error {
	p := flow.Collector{Flow: "escalation"}
	r := flow.CheckReader{Problems: &p}
	if _, err := f.cfg.Zendesk.Users.Me(ctx); refused(err) {
		// API token access off is refused as a wrong token is: say where
		// to look, beyond the reader's general fix.
		p.Add("Config.Zendesk", "", "its credentials were refused: "+err.Error(),
			"check the email and API token, and tick Allow API token access in Admin Center › Apps and integrations › APIs › Zendesk API")
	} else if r.Read("Config.Zendesk", err) {
		f.checkGroups(ctx, &r)
	}
	f.checkConversations(ctx, &r)
	switch err := dyduProbe(ctx, f.cfg.Dydu); {
	case errors.Is(err, deskbridge.ErrNotFound):
		p.Add("Config.Dydu", f.cfg.Dydu.BotID(), "no bot with this UUID answers on "+strings.Join(f.cfg.Dydu.Servers(), ", ")+": "+err.Error(),
			"copy the bot's UUID from the BMS (Preferences › Api › API access) and its servers from the chatbox's bot.json")
	default:
		r.Read("Config.Dydu", err)
	}
	return r.Err()
}

// refused reports whether err is credentials the vendor refused.
func refused(err error) bool {
	return errors.Is(err, deskbridge.ErrUnauthorized) || errors.Is(err, deskbridge.ErrForbidden)
}

// checkGroups reports the skills that have no Zendesk group.
func (f *Flow) checkGroups(ctx context.Context, r *flow.CheckReader) {
	for _, s := range f.skills() {
		_, err := f.cfg.Zendesk.Groups.FindByName(ctx, s)
		if errors.Is(err, deskbridge.ErrNotFound) {
			r.Problems.Add(fmt.Sprintf("Zendesk group %q", s), "", "does not exist, so escalations with this skill open tickets without a group",
				"run Provision with the skill, or create the group in Admin Center › People › Groups")
			continue
		}
		if !r.Read("Config.Zendesk", err) {
			return
		}
	}
}

// skills lists the configured skills, sorted, once each.
func (f *Flow) skills() []string {
	var out []string
	for _, s := range f.cfg.Skills {
		out = append(out, s)
	}
	if f.cfg.DefaultSkill != "" {
		out = append(out, f.cfg.DefaultSkill)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func (f *Flow) checkConversations(ctx context.Context, r *flow.CheckReader) {
	cc, p := f.cfg.Conversations, r.Problems
	if k := cc.KeyKind(); k != conversations.KeyApp {
		p.Add("Config.Conversations", string(k), "is not built with an app-scoped key: the switchboard cannot be read",
			"create one in Admin Center › Apps and integrations › Conversations API › Create API key")
		return
	}
	found := false
	for in, err := range cc.Integrations.List(ctx, &conversations.IntegrationListOptions{Types: []string{conversations.IntegrationCustom}}) {
		if !r.Read("Config.Conversations", err) {
			return
		}
		hooks, err := cc.Webhooks.List(ctx, in.ID)
		if !r.Read("Config.Conversations", err) {
			return
		}
		for _, w := range hooks {
			if !strings.HasSuffix(strings.TrimRight(w.Target, "/"), WebhookPath) {
				continue
			}
			found = true
			field := fmt.Sprintf("Conversations integration %q", in.DisplayName)
			for _, t := range bridgeTriggers() {
				if !slices.Contains(w.Triggers, t) {
					p.Add(field, t, "its webhook is not subscribed to this trigger", "run Provision")
				}
			}
			if w.Secret != "" && !slices.Contains(f.cfg.WebhookSecrets, w.Secret) {
				p.Add(field, "", "its webhook sends a secret that is not in Config.WebhookSecrets: the flow would answer its calls 401",
					"add the secret (escalation.WebhookSecret, or Admin Center) to Config.WebhookSecrets")
			}
		}
	}
	if !found {
		p.Add("Conversations webhook", "", "no integration's webhook calls "+WebhookPath+", so no agent message reaches the flow",
			"run Provision with the bridge's public URL")
	}
	sbs, err := cc.Switchboards.List(ctx)
	if !r.Read("Config.Conversations", err) || len(sbs) == 0 {
		return
	}
	sis, err := cc.SwitchboardIntegrations.List(ctx, sbs[0].ID)
	if !r.Read("Config.Conversations", err) {
		return
	}
	for _, si := range sis {
		if si.ID == sbs[0].DefaultSwitchboardIntegrationID && (si.Name == f.cfg.AgentWorkspace || si.IntegrationType == "zd:agentWorkspace") {
			p.Add("Conversations switchboard", si.Name, "its default integration is the agent workspace: the ticket would open before passControl sets its group",
				"run Provision, which makes the bridge's integration the default")
		}
	}
}
