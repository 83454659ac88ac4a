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
// expected JSON object. An event's payload is kept raw, so that one event
// of a type this package does not know, or of a shape it does not expect,
// does not refuse the others of the call; decode it with
// [SunshineEvent.TypedPayload] or the accessor of its type
// ([SunshineEvent.ConversationMessage] for "conversation:message").
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
