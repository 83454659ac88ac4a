package webhook

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// HeaderSunshineAPIKey is the header in which Sunshine Conversations sends a
// webhook's shared secret, as its API specification documents it (openapi.yaml
// in https://github.com/zendesk/sunshine-conversations-api-spec).
const HeaderSunshineAPIKey = "X-API-Key"

// SunshineTypeConversationMessage is the Sunshine Conversations webhook
// trigger for a message posted in a conversation; see
// [SunshineEvent.ConversationMessage].
const SunshineTypeConversationMessage = "conversation:message"

// SunshineVerifier checks the X-API-Key header that Sunshine Conversations
// (Zendesk messaging) sends on every webhook call: the webhook's "secret",
// returned when the webhook is created and by a GET on it. Sunshine does not
// sign its webhooks. The comparison is constant-time (see
// [SharedSecretVerifier]) and accepts any of Secrets, so that a webhook can
// be replaced without downtime.
type SunshineVerifier struct {
	Secrets []string
}

// VerifyRequest implements [Verifier].
func (v SunshineVerifier) VerifyRequest(r *http.Request, body []byte) error {
	if !hasSecret(v.Secrets) {
		return fmt.Errorf("%w: SunshineVerifier has no secret", ErrNotConfigured)
	}
	return SharedSecretVerifier{Scheme: SchemeHeader, Header: HeaderSunshineAPIKey, Secrets: v.Secrets}.VerifyRequest(r, body)
}

// SunshineEnvelope is the body of a Sunshine Conversations webhook call
// (webhook version v2), as in the webhook example of its API specification
// (x-webhooks in openapi.yaml,
// https://github.com/zendesk/sunshine-conversations-api-spec). One call may
// carry several events, about different users and conversations.
type SunshineEnvelope struct {
	App     SunshineApp     `json:"app"`
	Webhook SunshineWebhook `json:"webhook"`
	Events  []SunshineEvent `json:"events"`
}

// SunshineApp identifies the Sunshine Conversations app.
type SunshineApp struct {
	ID string `json:"id"`
}

// SunshineWebhook identifies the webhook that sent the call.
type SunshineWebhook struct {
	ID      string `json:"id"`
	Version string `json:"version"` // "v2"
}

// SunshineEvent is one event of a Sunshine Conversations webhook call.
type SunshineEvent struct {
	// ID identifies the event across retries; the handler de-duplicates on
	// it.
	ID string `json:"id"`
	// CreatedAt is when the event happened (millisecond precision).
	CreatedAt time.Time `json:"createdAt"`
	// Type is the webhook trigger, e.g. "conversation:message".
	Type string `json:"type"`
	// Payload is the raw payload, whose shape depends on Type.
	Payload json.RawMessage `json:"payload"`

	// App and Webhook are copied from the envelope by [ParseSunshineEvents].
	App     SunshineApp     `json:"-"`
	Webhook SunshineWebhook `json:"-"`
}

// ParseSunshineEvents decodes the body of a Sunshine Conversations webhook
// call. It returns an error wrapping [ErrMalformed] when the body is not the
// expected JSON object. An event's payload is kept raw; decode it according
// to its Type ([SunshineEvent.ConversationMessage] for
// "conversation:message").
func ParseSunshineEvents(body []byte) (*SunshineEnvelope, error) {
	var env SunshineEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, malformed("sunshine envelope", err)
	}
	for i := range env.Events {
		ev := &env.Events[i]
		if string(ev.Payload) == "null" {
			ev.Payload = nil
		}
		ev.App, ev.Webhook = env.App, env.Webhook
	}
	return &env, nil
}

// ConversationMessage decodes the payload of a "conversation:message" event.
// It returns an error wrapping [ErrMalformed] when the event has another type
// or the payload does not decode.
func (e *SunshineEvent) ConversationMessage() (*SunshineConversationMessage, error) {
	if e.Type != SunshineTypeConversationMessage {
		return nil, fmt.Errorf("%w: sunshine event %s is a %q, not a %q", ErrMalformed, e.ID, e.Type, SunshineTypeConversationMessage)
	}
	var m SunshineConversationMessage
	if err := json.Unmarshal(e.Payload, &m); err != nil {
		return nil, malformed("sunshine "+e.Type+" payload", err)
	}
	return &m, nil
}

// SunshineConversationMessage is the payload of a "conversation:message"
// event ([SunshineTypeConversationMessage]).
type SunshineConversationMessage struct {
	Conversation SunshineConversation `json:"conversation"`
	Message      SunshineMessage      `json:"message"`
}

// SunshineConversation identifies the conversation of an event.
type SunshineConversation struct {
	ID string `json:"id"`
	// Type is "personal" or "sdkGroup".
	Type string `json:"type"`
	// ActiveSwitchboardIntegration is the integration in control of the
	// conversation (a bot, or Zendesk's agent workspace), when there is one.
	ActiveSwitchboardIntegration *SunshineSwitchboardIntegration `json:"activeSwitchboardIntegration,omitempty"`
}

// SunshineSwitchboardIntegration is a switchboard integration; Zendesk's
// agent workspace appears as name "zd-agentWorkspace", integration type
// "zd:agentWorkspace".
type SunshineSwitchboardIntegration struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	IntegrationID   string `json:"integrationId"`
	IntegrationType string `json:"integrationType"`
}

// SunshineMessage is a message of a conversation.
type SunshineMessage struct {
	ID       string          `json:"id"`
	Received time.Time       `json:"received"`
	Author   SunshineAuthor  `json:"author"`
	Content  SunshineContent `json:"content"`
	Source   SunshineSource  `json:"source"`
}

// SunshineAuthor is who wrote a message.
type SunshineAuthor struct {
	// Type is "user" (the end user) or "business".
	Type        string `json:"type"`
	UserID      string `json:"userId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	AvatarURL   string `json:"avatarUrl,omitempty"`
	// User is the author's user record, with Sunshine's user id and the
	// externalId your systems know them by; the webhook sends it in full
	// only with "include full user" (includeFullUser).
	User *SunshineUser `json:"user,omitempty"`
}

// SunshineUser is a Sunshine Conversations user.
type SunshineUser struct {
	ID            string `json:"id"`
	ExternalID    string `json:"externalId,omitempty"`
	Authenticated bool   `json:"authenticated,omitempty"`
}

// SunshineContent is a message's content.
type SunshineContent struct {
	// Type is "text", "image", "file", "carousel", "form", "formResponse",
	// "list", "location" or "template".
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	MediaURL string `json:"mediaUrl,omitempty"`
	AltText  string `json:"altText,omitempty"`
}

// SunshineSource is the channel a message came through.
type SunshineSource struct {
	// Type is the channel, e.g. "web", "telegram", "whatsapp", "api".
	Type              string `json:"type"`
	IntegrationID     string `json:"integrationId,omitempty"`
	OriginalMessageID string `json:"originalMessageId,omitempty"`
}
