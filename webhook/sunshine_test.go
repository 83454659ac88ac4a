package webhook

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSunshineVerifier(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		secrets []string
		key     string // "" means no header
		want    error
	}{
		{"valid", []string{"sc-secret"}, "sc-secret", nil},
		{"second secret", []string{"old", "sc-secret"}, "sc-secret", nil},
		{"wrong", []string{"sc-secret"}, "sc-secreT", ErrSignatureMismatch},
		{"missing", []string{"sc-secret"}, "", ErrMissingSignature},
		{"no secret", nil, "sc-secret", ErrNotConfigured},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/sunshine", nil)
			if tc.key != "" {
				r.Header.Set("x-api-key", tc.key)
			}
			err := SunshineVerifier{Secrets: tc.secrets}.VerifyRequest(r, nil)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("VerifyRequest = %v, want %v", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "sc-secret") {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

// TestParseSunshineEventsSpecExample parses the webhook example of the
// Sunshine Conversations API specification (x-webhooks in openapi.yaml,
// version 17.12.1, https://github.com/zendesk/sunshine-conversations-api-spec).
func TestParseSunshineEventsSpecExample(t *testing.T) {
	t.Parallel()
	env, err := ParseSunshineEvents(readTestdata(t, "sunshine_conversation_message.json"))
	if err != nil {
		t.Fatal(err)
	}
	if env.App.ID != "5ebee0975ac5304b664a12fa" || env.Webhook.ID != "5f4eaef81e3dcc117c7ba48a" || env.Webhook.Version != "v2" {
		t.Errorf("envelope = %+v", env)
	}
	if len(env.Events) != 1 {
		t.Fatalf("%d events, want 1", len(env.Events))
	}
	ev := env.Events[0]
	if ev.ID != "5f74a0d52b5315fc007e798a" || ev.Type != SunshineTypeConversationMessage ||
		!ev.CreatedAt.Equal(time.Date(2020, 9, 30, 15, 14, 29, 834e6, time.UTC)) || ev.App != env.App || ev.Webhook != env.Webhook {
		t.Errorf("event = %+v", ev)
	}
	m, err := ev.ConversationMessage()
	if err != nil {
		t.Fatal(err)
	}
	if m.Conversation.ID != "f52b01137aa6c250bc7251fa" || m.Conversation.Type != "personal" ||
		m.Conversation.ActiveSwitchboardIntegration == nil || m.Conversation.ActiveSwitchboardIntegration.Name != "bot" ||
		m.Conversation.ActiveSwitchboardIntegration.IntegrationType != "custom" {
		t.Errorf("conversation = %+v", m.Conversation)
	}
	msg := m.Message
	if msg.Author.Type != "user" || msg.Author.DisplayName != "Steve Rogers" || msg.Author.User == nil ||
		msg.Author.User.ExternalID != "912382197" || !msg.Author.User.Authenticated {
		t.Errorf("author = %+v", msg.Author)
	}
	if msg.Content.Type != "text" || msg.Content.Text != "hello" {
		t.Errorf("content = %+v", msg.Content)
	}
	if msg.Source.Type != "telegram" || msg.Source.OriginalMessageID != "374" {
		t.Errorf("source = %+v", msg.Source)
	}
	if !msg.Received.Equal(time.Date(2020, 9, 30, 18, 0, 56, 820e6, time.UTC)) {
		t.Errorf("received = %v", msg.Received)
	}
}

func TestParseSunshineEventsMalformed(t *testing.T) {
	t.Parallel()
	for _, body := range []string{``, `[]`, `{"events":{}}`, `{"events":[{"createdAt":"now"}]}`, `{"app":{"id":1}}`} {
		if _, err := ParseSunshineEvents([]byte(body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseSunshineEvents(%q) = %v, want ErrMalformed", body, err)
		}
	}
	env, err := ParseSunshineEvents([]byte(`{"events":[{"id":"a","type":"conversation:read","payload":null}]}`))
	if err != nil || env.Events[0].Payload != nil {
		t.Fatalf("null payload: %+v, %v", env, err)
	}
	if _, err := env.Events[0].ConversationMessage(); !errors.Is(err, ErrMalformed) {
		t.Errorf("ConversationMessage of a conversation:read = %v, want ErrMalformed", err)
	}
	env.Events[0].Type = SunshineTypeConversationMessage
	if _, err := env.Events[0].ConversationMessage(); !errors.Is(err, ErrMalformed) {
		t.Errorf("ConversationMessage without payload = %v, want ErrMalformed", err)
	}
}
