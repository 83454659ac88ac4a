package conversations

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strings"

	"github.com/deskbridge/deskbridge"
)

// Integration is an integration of the app: a channel, or a custom
// integration (Type "custom") whose webhooks receive the app's events.
// Other types carry more fields than these; they are not read.
type Integration struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Status      string    `json:"status,omitempty"`
	DisplayName string    `json:"displayName,omitempty"`
	Webhooks    []Webhook `json:"webhooks,omitempty"`
}

// IntegrationCustom is the type of a custom integration.
const IntegrationCustom = "custom"

// CustomIntegration is a custom integration to create: a name, and the
// one webhook it starts with (more are added with
// [WebhooksService.Create]).
type CustomIntegration struct {
	DisplayName string
	Webhook     WebhookInput
}

// APIKey is an API key. Secret is only given when the key is created:
// store it then.
type APIKey struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName,omitempty"`
	Secret      string `json:"secret,omitempty"`
}

// IntegrationsService manages the app's integrations and the API keys of
// custom integrations
// (https://developer.zendesk.com/api-reference/conversations/#tag/Integrations,
// #tag/CustomIntegrationApiKeys). It needs an app key: an integration key is
// refused (403).
type IntegrationsService service

// CreateCustom creates a custom integration with its webhook: POST
// /v2/apps/{appId}/integrations with {"type": "custom", "displayName", "webhooks":
// [webhook]}. The webhook's Secret, which signs what it delivers
// (X-API-Key), is in the answer: store it.
func (s *IntegrationsService) CreateCustom(ctx context.Context, in *CustomIntegration) (*Integration, error) {
	const op = "Integrations.CreateCustom"
	if in == nil {
		return nil, invalid(op, "integration", "is nil")
	}
	if err := checkWebhook(op, &in.Webhook, true); err != nil {
		return nil, err
	}
	body := struct {
		Type        string         `json:"type"`
		DisplayName string         `json:"displayName,omitempty"`
		Webhooks    []WebhookInput `json:"webhooks"`
	}{IntegrationCustom, in.DisplayName, []WebhookInput{in.Webhook}}
	integ, err := send[Integration](ctx, s.client, &call{op: op, method: http.MethodPost, path: s.client.appPath("/integrations"), body: body}, "integration")
	if integ != nil {
		for _, w := range integ.Webhooks {
			s.client.rest.Secrets().Add(w.Secret) // never echoed in an error
		}
	}
	return integ, err
}

// IntegrationListOptions filter and page the integrations.
type IntegrationListOptions struct {
	// Types keeps the integrations of these types ("custom", "web"…).
	Types []string
	PageOptions
}

func (s *IntegrationsService) listing(o *IntegrationListOptions) listing[Integration] {
	var opts IntegrationListOptions
	if o != nil {
		opts = *o
	}
	q := url.Values{}
	if len(opts.Types) > 0 {
		q.Set("filter[types]", strings.Join(opts.Types, ","))
	}
	return newListing[Integration](s.client, "Integrations.List", s.client.appPath("/integrations"), q, &opts.PageOptions, "integrations", true)
}

// List walks the app's integrations: GET /v2/apps/{appId}/integrations.
func (s *IntegrationsService) List(ctx context.Context, o *IntegrationListOptions) iter.Seq2[Integration, error] {
	return s.listing(o).all(ctx)
}

// ListPage returns one page of the app's integrations; its Next goes in
// the options' After.
func (s *IntegrationsService) ListPage(ctx context.Context, o *IntegrationListOptions) (*deskbridge.Page[Integration], error) {
	return s.listing(o).page(ctx)
}

// Get returns an integration: GET /v2/apps/{appId}/integrations/{id}.
func (s *IntegrationsService) Get(ctx context.Context, id string) (*Integration, error) {
	const op = "Integrations.Get"
	if err := need(op, "id", id); err != nil {
		return nil, err
	}
	return get[Integration](ctx, s.client, op, s.client.appPath("/integrations/%s", id), "integration")
}

// Rename changes a custom integration's display name, the one field of it
// that can change: PATCH /v2/apps/{appId}/integrations/{id}.
func (s *IntegrationsService) Rename(ctx context.Context, id, displayName string) (*Integration, error) {
	const op = "Integrations.Rename"
	if err := need(op, "id", id); err != nil {
		return nil, err
	}
	if err := need(op, "displayName", displayName); err != nil {
		return nil, err
	}
	body := struct {
		DisplayName string `json:"displayName"`
	}{displayName}
	return send[Integration](ctx, s.client, &call{op: op, method: http.MethodPatch, path: s.client.appPath("/integrations/%s", id), body: body, idempotent: true}, "integration")
}

// Delete deletes an integration: DELETE /v2/apps/{appId}/integrations/{id}.
func (s *IntegrationsService) Delete(ctx context.Context, id string) error {
	const op = "Integrations.Delete"
	if err := need(op, "id", id); err != nil {
		return err
	}
	return s.client.del(ctx, op, s.client.appPath("/integrations/%s", id))
}

// CreateKey creates an API key of a custom integration (at most 10 per
// integration): POST /v2/apps/{appId}/integrations/{id}/keys. The answer
// holds the secret: store it.
func (s *IntegrationsService) CreateKey(ctx context.Context, integrationID, displayName string) (*APIKey, error) {
	const op = "Integrations.CreateKey"
	if err := need(op, "integrationID", integrationID); err != nil {
		return nil, err
	}
	return s.client.createKey(ctx, op, s.client.appPath("/integrations/%s/keys", integrationID), displayName)
}

// ListKeys returns the API keys of a custom integration, without their
// secrets: GET /v2/apps/{appId}/integrations/{id}/keys.
func (s *IntegrationsService) ListKeys(ctx context.Context, integrationID string) ([]APIKey, error) {
	const op = "Integrations.ListKeys"
	if err := need(op, "integrationID", integrationID); err != nil {
		return nil, err
	}
	return s.client.listKeys(ctx, op, s.client.appPath("/integrations/%s/keys", integrationID))
}

// GetKey returns an API key of a custom integration: GET
// /v2/apps/{appId}/integrations/{id}/keys/{keyId}.
func (s *IntegrationsService) GetKey(ctx context.Context, integrationID, keyID string) (*APIKey, error) {
	const op = "Integrations.GetKey"
	if err := need(op, "integrationID", integrationID); err != nil {
		return nil, err
	}
	if err := need(op, "keyID", keyID); err != nil {
		return nil, err
	}
	return get[APIKey](ctx, s.client, op, s.client.appPath("/integrations/%s/keys/%s", integrationID, keyID), "key")
}

// DeleteKey revokes an API key of a custom integration: DELETE
// /v2/apps/{appId}/integrations/{id}/keys/{keyId}.
func (s *IntegrationsService) DeleteKey(ctx context.Context, integrationID, keyID string) error {
	const op = "Integrations.DeleteKey"
	if err := need(op, "integrationID", integrationID); err != nil {
		return err
	}
	if err := need(op, "keyID", keyID); err != nil {
		return err
	}
	return s.client.del(ctx, op, s.client.appPath("/integrations/%s/keys/%s", integrationID, keyID))
}
