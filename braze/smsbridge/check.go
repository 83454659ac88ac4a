package smsbridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Check reads both accounts and says what is misconfigured, each problem a
// [*flow.ConfigError] with what to fix, all of them joined (walk them with
// [flow.Problems]); nil means everything it can see is in place:
//
//   - Zendesk: the client's credentials (its own user), the Braze
//     external ID user field (Config.UserField), an active webhook to
//     [AgentReplyPath] whose signing secret is one of
//     Config.ZendeskSecrets, and an active trigger that calls it;
//   - Braze: the API key, through users/export/ids (the send marker's
//     probe needs it; a key refused there is reported, a key that lacks
//     only that permission too unless Config.SendMarker is "-").
//
// Braze's API cannot show campaigns, so the campaign IDs and the webhook
// campaigns are not checked. A side that cannot be read (a network error,
// a 5xx) is reported as such, not as a misconfiguration.
func (f *Flow) Check(ctx context.Context) error {
	p := flow.Collector{Flow: "smsbridge"}
	r := flow.CheckReader{Problems: &p}
	if _, err := f.cfg.Zendesk.Users.Me(ctx); r.Read("Config.Zendesk", err) {
		f.checkZendesk(ctx, &r)
	}
	if f.cfg.SendMarker != "" {
		_, err := f.cfg.Braze.Users.ExportIDs(ctx, &braze.ExportIDsRequest{ExternalIDs: []string{"smsbridge-check"}, FieldsToExport: []string{"external_id"}})
		r.Read("Config.Braze", err)
	}
	return r.Err()
}

// checkZendesk checks the Zendesk side once the client's credentials work.
func (f *Flow) checkZendesk(ctx context.Context, r *flow.CheckReader) {
	zc, p := f.cfg.Zendesk, r.Problems
	field, err := zc.UserFields.FindByKey(ctx, f.cfg.UserField)
	switch {
	case errors.Is(err, deskbridge.ErrNotFound):
		p.Add(fmt.Sprintf("Zendesk user field %q", f.cfg.UserField), "", "does not exist", "run Provision, or set Config.UserField to the field's key")
	case !r.Read("Config.Zendesk", err):
	case field.Active != nil && !*field.Active:
		p.Add(fmt.Sprintf("Zendesk user field %q", f.cfg.UserField), "", "is inactive", "activate it in Admin Center > People > Configuration > User fields")
	}

	var hooks []*zendesk.Webhook
	for w, err := range zc.Webhooks.List(ctx, nil) {
		if !r.Read("Config.Zendesk", err) {
			return
		}
		if strings.HasSuffix(strings.TrimRight(w.Endpoint, "/"), AgentReplyPath) {
			hooks = append(hooks, w)
		}
	}
	if len(hooks) == 0 {
		p.Add("Zendesk webhook", "", "no webhook calls "+AgentReplyPath, "run Provision with the flow's public URL")
		return
	}
	var called []string
	for _, w := range hooks {
		field := fmt.Sprintf("Zendesk webhook %q", w.Name)
		if w.Status != "" && w.Status != zendesk.WebhookActive {
			p.Add(field, w.Status, "is not active, so no agent reply reaches the flow", "run Provision, or activate it in Admin Center > Apps and integrations > Webhooks")
			continue
		}
		if !r.CheckSigningSecret(ctx, zc, w, "Config.ZendeskSecrets", f.cfg.ZendeskSecrets) {
			return
		}
		called = append(called, w.ID)
	}
	if len(called) == 0 {
		return
	}
	for t, err := range zc.Triggers.List(ctx, nil) {
		if !r.Read("Config.Zendesk", err) {
			return
		}
		if t.Active != nil && !*t.Active {
			continue
		}
		for _, a := range t.Actions {
			if a.Field == "notification_webhook" && slices.ContainsFunc(called, func(id string) bool { return strings.Contains(string(a.Value), `"`+id+`"`) }) {
				return
			}
		}
	}
	p.Add("Zendesk triggers", "", "no active trigger calls the flow's webhook, so no agent reply reaches the flow", "run Provision")
}
