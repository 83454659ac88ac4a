package zendesk

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// WebhooksService manages outbound webhooks: HTTP requests Zendesk sends on
// events it emits (agent status changes, ...) or from trigger actions. Use
// package webhook to verify and decode what they deliver.
type WebhooksService service

// Webhook statuses, subscription and event types.
const (
	WebhookActive   = "active"
	WebhookInactive = "inactive"

	// SubscriptionConditionalTicketEvents connects a webhook to triggers and
	// automations ([NotifyWebhook]) instead of event types. It must be the
	// only subscription, and a webhook cannot switch between the two kinds
	// after creation.
	SubscriptionConditionalTicketEvents = "conditional_ticket_events"

	// Event types a webhook can subscribe to (http_method POST, request
	// format json).
	EventAgentStateChanged        = "zen:event-type:agent.state_changed"
	EventAgentUnifiedStateChanged = "zen:event-type:agent.unified_state_changed"
	EventAgentWorkItemAdded       = "zen:event-type:agent.work_item_added"
	EventAgentWorkItemRemoved     = "zen:event-type:agent.work_item_removed"
	EventTicketCommentAdded       = "zen:event-type:ticket.comment_added"
	EventTicketStatusChanged      = "zen:event-type:ticket.status_changed"
)

// Webhook is an outbound webhook. The same struct is read and sent (to
// Create and Update): zero fields are left out.
type Webhook struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// Endpoint is the URL Zendesk calls.
	Endpoint string `json:"endpoint,omitempty"`
	// HTTPMethod is GET, POST, PUT, PATCH or DELETE (POST for event
	// subscriptions).
	HTTPMethod string `json:"http_method,omitempty"`
	// RequestFormat is json, xml or form_encoded (json for event
	// subscriptions).
	RequestFormat string `json:"request_format,omitempty"`
	// Status is [WebhookActive] or [WebhookInactive].
	Status string `json:"status,omitempty"`
	// Subscriptions lists event types, or only
	// [SubscriptionConditionalTicketEvents].
	Subscriptions []string `json:"subscriptions,omitempty"`
	// Authentication is how Zendesk authenticates to the endpoint.
	Authentication *WebhookAuthentication `json:"authentication,omitempty"`
	// CustomHeaders are extra, non-credential headers (HTTPS endpoints
	// only).
	CustomHeaders  map[string]string `json:"custom_headers,omitempty"`
	SigningSecret  *SigningSecret    `json:"signing_secret,omitempty"`
	ExternalSource json.RawMessage   `json:"external_source,omitempty"`
	CreatedAt      time.Time         `json:"created_at,omitzero"`
	// CreatedBy is a user id as a string; "-1" is Zendesk itself.
	CreatedBy string    `json:"created_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// WebhookAuthentication is how a webhook authenticates its requests. Build
// it with [WebhookBasicAuth], [WebhookBearerToken] or [WebhookAPIKey].
type WebhookAuthentication struct {
	// Type is basic_auth, bearer_token or api_key.
	Type string `json:"type"`
	// Data holds the credentials; Zendesk does not return them.
	Data json.RawMessage `json:"data,omitempty"`
	// AddPosition is where they go: "header".
	AddPosition string `json:"add_position,omitempty"`
}

// SigningSecret is the secret Zendesk signs a webhook's requests with
// (base64 HMAC-SHA256 of timestamp + body; see package webhook).
type SigningSecret struct {
	Algorithm string `json:"algorithm,omitempty"`
	Secret    string `json:"secret"`
}

// WebhookBasicAuth authenticates a webhook's requests with HTTP Basic
// credentials.
func WebhookBasicAuth(username, password string) *WebhookAuthentication {
	return webhookAuth("basic_auth", map[string]string{"username": username, "password": password})
}

// WebhookBearerToken authenticates a webhook's requests with
// "Authorization: Bearer <token>" (for example a Braze REST API key, or a
// babelforce access token).
func WebhookBearerToken(token string) *WebhookAuthentication {
	return webhookAuth("bearer_token", bearerTokenData(token))
}

// WebhookAPIKey authenticates a webhook's requests with an API key sent in
// the header named header.
func WebhookAPIKey(header, value string) *WebhookAuthentication {
	return webhookAuth("api_key", apiKeyData(header, value))
}

func webhookAuth(typ string, data map[string]string) *WebhookAuthentication {
	raw, _ := json.Marshal(data) // a map of strings always marshals
	return &WebhookAuthentication{Type: typ, Data: raw, AddPosition: "header"}
}

// List iterates over the account's webhooks (cursor pagination; the path
// and filters are guesses, see unconfirmed.go). opts may be nil; it is
// copied, never modified.
func (s *WebhooksService) List(ctx context.Context, opts *WebhookListOptions) iter.Seq2[*Webhook, error] {
	return webhooksList(opts).all(ctx, s.client)
}

// ListPage returns one page of webhooks; put its Next into opts.After to
// fetch the next.
func (s *WebhooksService) ListPage(ctx context.Context, opts *WebhookListOptions) (*deskbridge.Page[*Webhook], error) {
	return webhooksList(opts).page(ctx, s.client)
}

func webhooksList(opts *WebhookListOptions) listing[*Webhook] {
	o := copyOpts(opts)
	return cursorList[*Webhook](webhooksListPath(), &o.CursorOptions, &o, "webhooks")
}

type webhookEnvelope struct {
	Webhook *Webhook `json:"webhook"`
}

// Get returns the webhook with id.
func (s *WebhooksService) Get(ctx context.Context, id string) (*Webhook, error) {
	if id == "" {
		return nil, invalid("webhook id is empty")
	}
	return rest.Get[Webhook](ctx, s.client.rest, rest.Pathf("/api/v2/webhooks/%s", id), nil, "webhook")
}

// Create creates a webhook. Name and Endpoint are required; HTTPMethod,
// RequestFormat and Status default to POST, json and active (w itself is
// not modified).
func (s *WebhooksService) Create(ctx context.Context, w *Webhook) (*Webhook, error) {
	if w == nil || w.Name == "" || w.Endpoint == "" {
		return nil, invalid("a webhook needs a name and an endpoint")
	}
	return rest.Send[Webhook](ctx, s.client.rest, &rest.Request{Method: http.MethodPost, Path: "/api/v2/webhooks", Body: &webhookEnvelope{withWebhookDefaults(w)}}, "webhook")
}

// withWebhookDefaults copies w for sending: defaults filled in, read-only
// fields (as returned by Get) left out.
func withWebhookDefaults(w *Webhook) *Webhook {
	in := *w
	in.ID, in.CreatedBy, in.UpdatedBy = "", "", ""
	in.CreatedAt, in.UpdatedAt = time.Time{}, time.Time{}
	in.SigningSecret, in.ExternalSource = nil, nil
	if in.HTTPMethod == "" {
		in.HTTPMethod = http.MethodPost
	}
	if in.RequestFormat == "" {
		in.RequestFormat = "json"
	}
	if in.Status == "" {
		in.Status = WebhookActive
	}
	return &in
}

// Update replaces the webhook with id (PUT: give the whole webhook; read it
// with Get first to change one field: read-only fields are not sent).
// Zendesk answers without a body.
func (s *WebhooksService) Update(ctx context.Context, id string, w *Webhook) error {
	if id == "" {
		return invalid("webhook id is empty")
	}
	if w == nil || w.Name == "" || w.Endpoint == "" {
		return invalid("a webhook needs a name and an endpoint")
	}
	_, err := s.client.rest.Do(ctx, &rest.Request{Method: http.MethodPut, Path: rest.Pathf("/api/v2/webhooks/%s", id), Body: &webhookEnvelope{withWebhookDefaults(w)}}, nil)
	return err
}

// Delete deletes the webhook with id.
func (s *WebhooksService) Delete(ctx context.Context, id string) error {
	if id == "" {
		return invalid("webhook id is empty")
	}
	return s.client.delete(ctx, rest.Pathf("/api/v2/webhooks/%s", id))
}

// SigningSecret returns the secret the webhook's requests are signed with,
// for webhook.ZendeskVerifier.
func (s *WebhooksService) SigningSecret(ctx context.Context, id string) (*SigningSecret, error) {
	if id == "" {
		return nil, invalid("webhook id is empty")
	}
	return rest.Get[SigningSecret](ctx, s.client.rest, rest.Pathf("/api/v2/webhooks/%s/signing_secret", id), nil, "signing_secret")
}

// ResetSigningSecret replaces the webhook's signing secret and returns the
// new one. Requests signed with the old secret may still be in flight: keep
// both in webhook.ZendeskVerifier.Secrets for a while. Not replayed after a
// 5xx (a second reset would invalidate the secret the first returned).
func (s *WebhooksService) ResetSigningSecret(ctx context.Context, id string) (*SigningSecret, error) {
	if id == "" {
		return nil, invalid("webhook id is empty")
	}
	return rest.Send[SigningSecret](ctx, s.client.rest, &rest.Request{Method: http.MethodPost, Path: signingSecretResetPath(id)}, "signing_secret")
}

// WebhookTest is a request Zendesk sends once to an endpoint, to check a
// webhook before (or after) saving it.
type WebhookTest struct {
	Endpoint       string                 `json:"endpoint"`
	HTTPMethod     string                 `json:"http_method"`
	RequestFormat  string                 `json:"request_format"`
	Headers        map[string]string      `json:"headers,omitempty"`
	Payload        string                 `json:"payload,omitempty"`
	Authentication *WebhookAuthentication `json:"authentication,omitempty"`
}

// WebhookTestResult is what the endpoint answered to the test request.
type WebhookTestResult struct {
	// Status is the endpoint's HTTP status.
	Status int
	// Headers and Payload are the endpoint's response headers and body as
	// Zendesk reports them.
	Headers json.RawMessage
	Payload string
	// Raw is Zendesk's whole answer.
	Raw json.RawMessage
}

// Test asks Zendesk to send t to its endpoint now and reports the answer.
// webhookID names an existing webhook whose settings (authentication,
// signing) Zendesk applies; empty tests t alone.
func (s *WebhooksService) Test(ctx context.Context, webhookID string, t *WebhookTest) (*WebhookTestResult, error) {
	if t == nil || t.Endpoint == "" {
		return nil, invalid("a webhook test needs an endpoint")
	}
	var q any
	if webhookID != "" {
		q = &struct {
			WebhookID string `url:"webhook_id"`
		}{webhookID}
	}
	var raw []byte
	if _, err := s.client.rest.Do(ctx, &rest.Request{Method: http.MethodPost, Path: "/api/v2/webhooks/test", Query: q, Body: webhookTestBody(t)}, &raw); err != nil {
		return nil, err
	}
	return parseWebhookTestResult(raw), nil
}
