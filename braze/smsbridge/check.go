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
	var unreachable []error
	read := func(side string, err error) bool {
		switch {
		case err == nil:
			return true
		case errors.Is(err, deskbridge.ErrUnauthorized), errors.Is(err, deskbridge.ErrForbidden):
			p.Add("Config."+side, "", "its credentials were refused: "+err.Error(), "give the client a valid key or token with the permissions the package documentation lists")
		default:
			unreachable = append(unreachable, fmt.Errorf("smsbridge: reading %s: %w", side, err))
		}
		return false
	}

	zc := f.cfg.Zendesk
	if _, err := zc.Users.Me(ctx); read("Zendesk", err) {
		f.checkZendesk(ctx, &p, read)
	}
	if f.cfg.SendMarker != "" {
		_, err := f.cfg.Braze.Users.ExportIDs(ctx, &braze.ExportIDsRequest{ExternalIDs: []string{"smsbridge-check"}, FieldsToExport: []string{"external_id"}})
		read("Braze", err)
	}
	return errors.Join(append(unreachable, p.Err())...)
}

// checkZendesk checks the Zendesk side once the client's credentials work.
func (f *Flow) checkZendesk(ctx context.Context, p *flow.Collector, read func(string, error) bool) {
	zc := f.cfg.Zendesk
	field, err := zc.UserFields.FindByKey(ctx, f.cfg.UserField)
	switch {
	case errors.Is(err, deskbridge.ErrNotFound):
		p.Add(fmt.Sprintf("Zendesk user field %q", f.cfg.UserField), "", "does not exist", "run Provision, or set Config.UserField to the field's key")
	case !read("Zendesk", err):
	case field.Active != nil && !*field.Active:
		p.Add(fmt.Sprintf("Zendesk user field %q", f.cfg.UserField), "", "is inactive", "activate it in Admin Center > People > Configuration > User fields")
	}

	var hooks []*zendesk.Webhook
	for w, err := range zc.Webhooks.List(ctx, nil) {
		if !read("Zendesk", err) {
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
		ss, err := zc.Webhooks.SigningSecret(ctx, w.ID)
		if !read("Zendesk", err) {
			return
		}
		if !slices.Contains(f.cfg.ZendeskSecrets, ss.Secret) {
			p.Add(field, "", "signs with a secret that is not in Config.ZendeskSecrets: the flow would answer its calls 401",
				"add the webhook's signing secret (smsbridge.SigningSecret, or Admin Center) to Config.ZendeskSecrets")
		}
		called = append(called, w.ID)
	}
	if len(called) == 0 {
		return
	}
	for t, err := range zc.Triggers.List(ctx, nil) {
		if !read("Zendesk", err) {
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
