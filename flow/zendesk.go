package flow

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
)

// EnsureWebhook looks after the Zendesk webhook named want.Name
// (https://developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks/).
// It compares the endpoint, the method and request format (POST and json
// when empty), the status (active when empty), the subscriptions (as a
// set), the custom headers, the description when want has one, and the
// kind of authentication (nil wants none). Credentials are write-only in
// Zendesk, so they are never compared nor shown: a webhook with the right
// kind of authentication is unchanged unless rep.Force is set, which
// re-sends them.
//
// A webhook cannot switch between event subscriptions and
// [zendesk.SubscriptionConditionalTicketEvents] (triggers); a webhook of
// the name connected the other way is an error matching
// deskbridge.ErrConflict, and nothing is changed.
//
// The returned webhook's ID is empty only in a dry run that would create
// it; read its signing secret with [SigningSecret].
func EnsureWebhook(ctx context.Context, zc *zendesk.Client, want zendesk.Webhook, rep *Report) (*zendesk.Webhook, error) {
	if err := check("EnsureWebhook", zc, rep); err != nil {
		return nil, err
	}
	if want.Name == "" || want.Endpoint == "" {
		return nil, fmt.Errorf("flow: EnsureWebhook: the webhook needs a Name (by which it is found) and an Endpoint: %w", deskbridge.ErrInvalid)
	}
	want.ID = ""
	want.HTTPMethod = strings.ToUpper(cmp(want.HTTPMethod, http.MethodPost))
	want.RequestFormat = cmp(want.RequestFormat, "json")
	want.Status = cmp(want.Status, zendesk.WebhookActive)
	var dupes int
	return ensure(ctx, rep, spec[zendesk.Webhook]{
		side: SideZendesk, kind: KindWebhook, name: want.Name, want: want,
		find: func(ctx context.Context) (*zendesk.Webhook, error) {
			var found *zendesk.Webhook
			for w, err := range zc.Webhooks.List(ctx, &zendesk.WebhookListOptions{NameContains: want.Name}) {
				if err != nil {
					return nil, err
				}
				if w.Name == want.Name {
					if found == nil {
						found = w
					}
					dupes++
				}
			}
			if found != nil && conditional(found.Subscriptions) != conditional(want.Subscriptions) {
				return nil, fmt.Errorf("the webhook (id %s) is connected to %s and cannot be switched to %s; give the flow's webhook another name, or delete that one: %w",
					found.ID, connection(found.Subscriptions), connection(want.Subscriptions), deskbridge.ErrConflict)
			}
			return found, nil
		},
		id: func(w *zendesk.Webhook) string { return w.ID },
		shown: shown("endpoint", quote(want.Endpoint), "method", want.HTTPMethod, "format", want.RequestFormat,
			"subscriptions", strings.Join(want.Subscriptions, ", "), "authentication", authKind(want.Authentication)),
		create: func(ctx context.Context) (*zendesk.Webhook, error) { return zc.Webhooks.Create(ctx, &want) },
		compare: func(have *zendesk.Webhook) ([]FieldDiff, []FieldDiff, string) {
			var d differ
			d.str("endpoint", have.Endpoint, want.Endpoint)
			d.raw("method", strings.ToUpper(have.HTTPMethod), want.HTTPMethod)
			d.raw("format", have.RequestFormat, want.RequestFormat)
			d.raw("status", have.Status, want.Status)
			d.raw("subscriptions", setText(have.Subscriptions), setText(want.Subscriptions))
			d.raw("custom headers", headersText(have.CustomHeaders), headersText(want.CustomHeaders))
			d.strIfSet("description", have.Description, want.Description)
			d.raw("authentication", authKind(have.Authentication), authKind(want.Authentication))
			var notes []string
			if want.Authentication != nil {
				if rep.Force && len(d.diffs) == 0 {
					d.diffs = append(d.diffs, FieldDiff{Field: "authentication", Old: authKind(have.Authentication), New: authKind(want.Authentication) + " (re-sent: Force)"})
				} else if len(d.diffs) == 0 {
					notes = append(notes, "credentials not compared: Zendesk does not show them (Force re-sends them)")
				}
			}
			if dupes > 1 {
				notes = append(notes, fmt.Sprintf("%d webhooks have this name; the first listed (id %s) is the one looked after", dupes, have.ID))
			}
			return d.diffs, nil, strings.Join(notes, "\n")
		},
		update: func(ctx context.Context, have *zendesk.Webhook) (*zendesk.Webhook, error) {
			if err := zc.Webhooks.Update(ctx, have.ID, &want); err != nil {
				return nil, err
			}
			got := want
			got.ID = have.ID
			return &got, nil
		},
	})
}

// SigningSecret returns the signing secret of the webhook with id, for
// webhook.ZendeskVerifier. An empty id (a dry run that would create the
// webhook) returns "" and no error.
func SigningSecret(ctx context.Context, zc *zendesk.Client, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	if zc == nil {
		return "", fmt.Errorf("flow: SigningSecret needs a *zendesk.Client: %w", deskbridge.ErrInvalid)
	}
	ss, err := zc.Webhooks.SigningSecret(ctx, id)
	if err != nil {
		return "", fmt.Errorf("flow: reading the signing secret of the Zendesk webhook %s: %w", id, err)
	}
	return ss.Secret, nil
}

func conditional(subs []string) bool {
	return slices.Contains(subs, zendesk.SubscriptionConditionalTicketEvents)
}

func connection(subs []string) string {
	if conditional(subs) {
		return "triggers (conditional_ticket_events)"
	}
	return "event subscriptions"
}

// authKind shows a webhook's authentication by its type only: credentials
// are never shown.
func authKind(a *zendesk.WebhookAuthentication) string {
	if a == nil || a.Type == "" {
		return "none"
	}
	return a.Type
}

func setText(s []string) string {
	s = slices.Clone(s)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), ", ")
}

// headersText shows custom headers by name only: a value may be a
// credential someone put there.
func headersText(h map[string]string) string {
	keys := slices.Sorted(maps.Keys(h))
	for i, k := range keys {
		keys[i] = k + ": " + strconv.Itoa(len(h[k])) + " bytes"
	}
	return strings.Join(keys, ", ")
}

// EnsureTriggerCategory looks after the trigger category named want.Name
// (https://developer.zendesk.com/api-reference/ticketing/business-rules/trigger_categories/),
// comparing its position when want has one.
func EnsureTriggerCategory(ctx context.Context, zc *zendesk.Client, want zendesk.TriggerCategory, rep *Report) (*zendesk.TriggerCategory, error) {
	if err := check("EnsureTriggerCategory", zc, rep); err != nil {
		return nil, err
	}
	if want.Name == "" {
		return nil, fmt.Errorf("flow: EnsureTriggerCategory: the category needs a Name (by which it is found): %w", deskbridge.ErrInvalid)
	}
	want.ID = ""
	return ensure(ctx, rep, spec[zendesk.TriggerCategory]{
		side: SideZendesk, kind: KindTriggerCategory, name: want.Name, want: want,
		find: func(ctx context.Context) (*zendesk.TriggerCategory, error) {
			for c, err := range zc.TriggerCategories.List(ctx, nil) {
				if err != nil {
					return nil, err
				}
				if c.Name == want.Name {
					return c, nil
				}
			}
			return nil, nil
		},
		id: func(c *zendesk.TriggerCategory) string { return c.ID },
		create: func(ctx context.Context) (*zendesk.TriggerCategory, error) {
			return zc.TriggerCategories.Create(ctx, &want)
		},
		compare: func(have *zendesk.TriggerCategory) ([]FieldDiff, []FieldDiff, string) {
			var d differ
			if want.Position != nil {
				d.raw("position", intText(have.Position), intText(want.Position))
			}
			return d.diffs, nil, ""
		},
		update: func(ctx context.Context, have *zendesk.TriggerCategory) (*zendesk.TriggerCategory, error) {
			return zc.TriggerCategories.Update(ctx, have.ID, &zendesk.TriggerCategory{Position: want.Position})
		},
	})
}

func intText(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

// EnsureTrigger looks after the ticket trigger titled want.Title
// (https://developer.zendesk.com/api-reference/ticketing/business-rules/triggers/).
// It compares the conditions (as sets: their order does not matter), the
// actions (in order), and, when want sets them, the active flag, the
// category and the description. Values are compared in a canonical form,
// so that Zendesk's re-formatting is not a change: "5" and 5 alike, a
// one-element list and its element alike, a webhook body compared as
// compacted JSON.
func EnsureTrigger(ctx context.Context, zc *zendesk.Client, want zendesk.Trigger, rep *Report) (*zendesk.Trigger, error) {
	if err := check("EnsureTrigger", zc, rep); err != nil {
		return nil, err
	}
	if want.Title == "" {
		return nil, fmt.Errorf("flow: EnsureTrigger: the trigger needs a Title (by which it is found): %w", deskbridge.ErrInvalid)
	}
	if len(want.Conditions.All)+len(want.Conditions.Any) == 0 || len(want.Actions) == 0 {
		return nil, fmt.Errorf("flow: EnsureTrigger: trigger %q needs conditions and actions: %w", want.Title, deskbridge.ErrInvalid)
	}
	want.ID = 0
	return ensure(ctx, rep, spec[zendesk.Trigger]{
		side: SideZendesk, kind: KindTrigger, name: want.Title, want: want,
		find: func(ctx context.Context) (*zendesk.Trigger, error) {
			for t, err := range zc.Triggers.List(ctx, nil) {
				if err != nil {
					return nil, err
				}
				if t.Title == want.Title {
					return t, nil
				}
			}
			return nil, nil
		},
		id: func(t *zendesk.Trigger) string { return idText(t.ID) },
		shown: shown("category", want.CategoryID, "conditions.all", conditionsText(want.Conditions.All),
			"conditions.any", conditionsText(want.Conditions.Any), "actions", actionsText(want.Actions)),
		create: func(ctx context.Context) (*zendesk.Trigger, error) { return zc.Triggers.Create(ctx, &want) },
		compare: func(have *zendesk.Trigger) ([]FieldDiff, []FieldDiff, string) {
			var d differ
			d.boolIfSet("active", have.Active, want.Active, true)
			d.strIfSet("category", have.CategoryID, want.CategoryID)
			d.strIfSet("description", have.Description, want.Description)
			d.raw("conditions.all", conditionsText(have.Conditions.All), conditionsText(want.Conditions.All))
			d.raw("conditions.any", conditionsText(have.Conditions.Any), conditionsText(want.Conditions.Any))
			d.raw("actions", actionsText(have.Actions), actionsText(want.Actions))
			return d.diffs, nil, ""
		},
		update: func(ctx context.Context, have *zendesk.Trigger) (*zendesk.Trigger, error) {
			return zc.Triggers.Update(ctx, have.ID, &want)
		},
	})
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// EnsureUserField looks after the custom user field with key want.Key
// (https://developer.zendesk.com/api-reference/ticketing/users/user_fields/),
// creating it when missing (type text when want.Type is empty). An existing
// field whose title, description, active flag or validation pattern differ
// from what want sets is updated; one of another type is reported as
// [ActionManual] and left alone, since Zendesk cannot change a field's type.
func EnsureUserField(ctx context.Context, zc *zendesk.Client, want zendesk.UserField, rep *Report) (*zendesk.UserField, error) {
	if err := check("EnsureUserField", zc, rep); err != nil {
		return nil, err
	}
	if want.Key == "" || want.Title == "" {
		return nil, fmt.Errorf("flow: EnsureUserField: the field needs a Key (by which it is found) and a Title: %w", deskbridge.ErrInvalid)
	}
	want.ID = 0
	want.Type = cmp(want.Type, zendesk.FieldText)
	return ensure(ctx, rep, spec[zendesk.UserField]{
		side: SideZendesk, kind: KindUserField, name: want.Key, want: want,
		find: func(ctx context.Context) (*zendesk.UserField, error) {
			f, err := zc.UserFields.FindByKey(ctx, want.Key)
			if errors.Is(err, deskbridge.ErrNotFound) {
				return nil, nil
			}
			return f, err
		},
		id:     func(f *zendesk.UserField) string { return idText(f.ID) },
		shown:  shown("type", want.Type, "title", quote(want.Title)),
		create: func(ctx context.Context) (*zendesk.UserField, error) { return zc.UserFields.Create(ctx, &want) },
		compare: func(have *zendesk.UserField) ([]FieldDiff, []FieldDiff, string) {
			var d, m differ
			m.raw("type", cmp(have.Type, zendesk.FieldText), want.Type)
			d.strIfSet("title", have.Title, want.Title)
			d.strIfSet("description", have.Description, want.Description)
			d.boolIfSet("active", have.Active, want.Active, true)
			d.strIfSet("regexp_for_validation", have.RegexpForValidation, want.RegexpForValidation)
			return d.diffs, m.diffs, ""
		},
		update: func(ctx context.Context, have *zendesk.UserField) (*zendesk.UserField, error) {
			return zc.UserFields.Update(ctx, have.ID, &want)
		},
		manualNote: "change it in Admin Center > People > Configuration > User fields (a field's type cannot change: create a field with another key instead)",
	})
}

// EnsureGroup looks after the agent group named want.Name
// (https://developer.zendesk.com/api-reference/ticketing/groups/groups/),
// creating it when missing, and updating the description and visibility of
// an existing one when want sets them and they differ.
func EnsureGroup(ctx context.Context, zc *zendesk.Client, want zendesk.Group, rep *Report) (*zendesk.Group, error) {
	if err := check("EnsureGroup", zc, rep); err != nil {
		return nil, err
	}
	if want.Name == "" {
		return nil, fmt.Errorf("flow: EnsureGroup: the group needs a Name (by which it is found): %w", deskbridge.ErrInvalid)
	}
	want.ID = 0
	return ensure(ctx, rep, spec[zendesk.Group]{
		side: SideZendesk, kind: KindGroup, name: want.Name, want: want,
		find: func(ctx context.Context) (*zendesk.Group, error) {
			g, err := zc.Groups.FindByName(ctx, want.Name)
			if errors.Is(err, deskbridge.ErrNotFound) {
				return nil, nil
			}
			return g, err
		},
		id:     func(g *zendesk.Group) string { return idText(g.ID) },
		shown:  shown("description", quote(want.Description)),
		create: func(ctx context.Context) (*zendesk.Group, error) { return zc.Groups.Create(ctx, &want) },
		compare: func(have *zendesk.Group) ([]FieldDiff, []FieldDiff, string) {
			var d differ
			d.strIfSet("description", have.Description, want.Description)
			d.boolIfSet("is_public", have.IsPublic, want.IsPublic, true)
			return d.diffs, nil, ""
		},
		update: func(ctx context.Context, have *zendesk.Group) (*zendesk.Group, error) {
			return zc.Groups.Update(ctx, have.ID, &want)
		},
	})
}

// cmp returns s, or def when s is empty.
func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
