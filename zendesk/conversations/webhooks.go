package conversations

import (
	"context"
	"net/http"
	"net/url"
)

// Webhook triggers: the events a webhook subscribes to (case-sensitive;
// https://developer.zendesk.com/api-reference/conversations/#tag/Webhooks).
const (
	TriggerConversationMessage            = "conversation:message"
	TriggerConversationCreate             = "conversation:create"
	TriggerConversationRead               = "conversation:read"
	TriggerConversationTyping             = "conversation:typing"
	TriggerConversationJoin               = "conversation:join"
	TriggerConversationLeave              = "conversation:leave"
	TriggerConversationRemove             = "conversation:remove"
	TriggerConversationPostback           = "conversation:postback"
	TriggerMessageDeliveryChannel         = "conversation:message:delivery:channel"
	TriggerMessageDeliveryUser            = "conversation:message:delivery:user"
	TriggerMessageDeliveryFailure         = "conversation:message:delivery:failure"
	TriggerSwitchboardPassControl         = "switchboard:passControl"
	TriggerSwitchboardPassControlFailure  = "switchboard:passControl:failure"
	TriggerSwitchboardOfferControl        = "switchboard:offerControl"
	TriggerSwitchboardOfferControlFailure = "switchboard:offerControl:failure"
	TriggerSwitchboardAcceptControl       = "switchboard:acceptControl"
	TriggerSwitchboardAcceptControlFail   = "switchboard:acceptControl:failure"
	TriggerSwitchboardReleaseControl      = "switchboard:releaseControl"
	TriggerUserMerge                      = "user:merge"
	TriggerUserUpdate                     = "user:update"
	TriggerUserRemove                     = "user:remove"
	TriggerClientAdd                      = "client:add"
	TriggerClientUpdate                   = "client:update"
	TriggerClientRemove                   = "client:remove"
)

// Webhook is a webhook of an integration: the API posts the events of its
// Triggers to Target, with the header X-API-Key set to Secret (the webhook
// package verifies it).
type Webhook struct {
	ID      string `json:"id"`
	Version string `json:"version,omitempty"`
	Target  string `json:"target"`
	// Triggers are the events it receives (Trigger* constants).
	Triggers []string `json:"triggers"`
	// Secret is what deliveries carry in X-API-Key.
	Secret string `json:"secret,omitempty"`
	// IncludeFullUser puts the whole user in message events;
	// IncludeFullSource the client and device in their source.
	IncludeFullUser   bool `json:"includeFullUser,omitempty"`
	IncludeFullSource bool `json:"includeFullSource,omitempty"`
}

// WebhookInput creates a webhook (Target and Triggers required) or
// changes the fields it sets.
type WebhookInput struct {
	Target            string   `json:"target,omitempty"`
	Triggers          []string `json:"triggers,omitempty"`
	IncludeFullUser   *bool    `json:"includeFullUser,omitempty"`
	IncludeFullSource *bool    `json:"includeFullSource,omitempty"`
}

// Bool returns a pointer to v, for the optional booleans of inputs.
func Bool(v bool) *bool { return &v }

// checkWebhook refuses a webhook without a valid https target or, on
// create, without triggers.
func checkWebhook(op string, w *WebhookInput, create bool) error {
	if create || w.Target != "" {
		u, err := url.Parse(w.Target)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return invalid(op, "webhook.target", "%q is not an http(s) URL", w.Target)
		}
	}
	if create && len(w.Triggers) == 0 {
		return invalid(op, "webhook.triggers", "is empty; name the events to receive (TriggerConversationMessage…)")
	}
	return nil
}

// WebhooksService manages the webhooks of an integration (at most 10 per
// app)
// (https://developer.zendesk.com/api-reference/conversations/#tag/Webhooks).
// An integration key manages its own integration's webhooks.
type WebhooksService service

// Create adds a webhook to an integration: POST
// /v2/apps/{appId}/integrations/{integrationId}/webhooks. Its Secret is in
// the answer.
func (s *WebhooksService) Create(ctx context.Context, integrationID string, w *WebhookInput) (*Webhook, error) {
	const op = "Webhooks.Create"
	if err := need(op, "integrationID", integrationID); err != nil {
		return nil, err
	}
	if w == nil {
		return nil, invalid(op, "webhook", "is nil")
	}
	if err := checkWebhook(op, w, true); err != nil {
		return nil, err
	}
	hook, err := send[Webhook](ctx, s.client, &call{op: op, method: http.MethodPost, path: s.client.appPath("/integrations/%s/webhooks", integrationID), body: w}, "webhook")
	if hook != nil {
		s.client.rest.Secrets().Add(hook.Secret) // never echoed in an error
	}
	return hook, err
}

// List returns the webhooks of an integration: GET
// /v2/apps/{appId}/integrations/{integrationId}/webhooks.
func (s *WebhooksService) List(ctx context.Context, integrationID string) ([]Webhook, error) {
	const op = "Webhooks.List"
	if err := need(op, "integrationID", integrationID); err != nil {
		return nil, err
	}
	l, err := get[[]Webhook](ctx, s.client, op, s.client.appPath("/integrations/%s/webhooks", integrationID), "webhooks")
	if err != nil {
		return nil, err
	}
	return *l, nil
}

// Get returns a webhook, with its Secret: GET
// /v2/apps/{appId}/integrations/{integrationId}/webhooks/{webhookId}.
func (s *WebhooksService) Get(ctx context.Context, integrationID, webhookID string) (*Webhook, error) {
	const op = "Webhooks.Get"
	if err := need(op, "integrationID", integrationID); err != nil {
		return nil, err
	}
	if err := need(op, "webhookID", webhookID); err != nil {
		return nil, err
	}
	return get[Webhook](ctx, s.client, op, s.client.appPath("/integrations/%s/webhooks/%s", integrationID, webhookID), "webhook")
}

// Update changes the fields w sets: PATCH
// /v2/apps/{appId}/integrations/{integrationId}/webhooks/{webhookId}.
func (s *WebhooksService) Update(ctx context.Context, integrationID, webhookID string, w *WebhookInput) (*Webhook, error) {
	const op = "Webhooks.Update"
	if err := need(op, "integrationID", integrationID); err != nil {
		return nil, err
	}
	if err := need(op, "webhookID", webhookID); err != nil {
		return nil, err
	}
	if w == nil {
		return nil, invalid(op, "webhook", "is nil")
	}
	if err := checkWebhook(op, w, false); err != nil {
		return nil, err
	}
	return send[Webhook](ctx, s.client, &call{op: op, method: http.MethodPatch, path: s.client.appPath("/integrations/%s/webhooks/%s", integrationID, webhookID), body: w, idempotent: true}, "webhook")
}

// Delete deletes a webhook: DELETE
// /v2/apps/{appId}/integrations/{integrationId}/webhooks/{webhookId}.
func (s *WebhooksService) Delete(ctx context.Context, integrationID, webhookID string) error {
	const op = "Webhooks.Delete"
	if err := need(op, "integrationID", integrationID); err != nil {
		return err
	}
	if err := need(op, "webhookID", webhookID); err != nil {
		return err
	}
	return s.client.del(ctx, op, s.client.appPath("/integrations/%s/webhooks/%s", integrationID, webhookID))
}
