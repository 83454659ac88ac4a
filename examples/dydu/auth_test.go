package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/dydu/escalation"
)

// ESCALATION_CHAT_KEY: a short key is refused with the limit named, a
// good one is the bridge's signing key, none leaves the chats anonymous.
func TestChatKey(t *testing.T) {
	env := map[string]string{"DYDU_BOT_ID": "f1871fe8-cdea-4695-9ea6-529a4e9460dc", "DYDU_SERVERS": "https://app1.dydu-priv.com",
		"ZENDESK_SUBDOMAIN": "acme", "ZENDESK_EMAIL": "admin@acme.example", "ZENDESK_API_TOKEN": "tok", "SUNCO_APP_ID": "app1",
		"SUNCO_KEY_ID": "app_1", "SUNCO_KEY_SECRET": "s", "SUNCO_WEBHOOK_SECRET": "w"}
	getenv := func(k string) string { return env[k] }
	if cfg, err := loadConfig(getenv, false); err != nil || cfg.chatKey != nil {
		t.Fatalf("no key: %v, chatKey %q", err, cfg.chatKey)
	}
	env["ESCALATION_CHAT_KEY"] = "short"
	if _, err := loadConfig(getenv, false); err == nil || !strings.Contains(err.Error(), "ESCALATION_CHAT_KEY has 5 bytes: use 32 or more") || strings.Contains(err.Error(), "short") {
		t.Fatalf("a short key: %v", err)
	}
	key := strings.Repeat("k", escalation.MinChatKey)
	env["ESCALATION_CHAT_KEY"] = key
	if cfg, err := loadConfig(getenv, false); err != nil || string(cfg.chatKey) != key {
		t.Fatalf("a good key: %v", err)
	}
}

// A site's server not written in Go signs as main's documentation says;
// the bridge's Authorize (escalation.ChatSigner with the same key) takes
// that token as a bearer and as ?token= (an EventSource's), and refuses
// it for another chat.
func TestDocumentedTokenFormat(t *testing.T) {
	key := []byte(strings.Repeat("k", escalation.MinChatKey))
	chat, other := escalation.NewChatID(), escalation.NewChatID()
	identity := `{"mail":"jeanne@example.org","name":"Jeanne Martin"}`
	m := hmac.New(sha256.New, key)
	m.Write([]byte(chat + "\n" + identity))
	tok := base64.RawURLEncoding.EncodeToString([]byte(identity)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))

	authorize := escalation.ChatSigner{Key: key}.Authorize
	bearer := httptest.NewRequest("GET", "/chats/"+chat+"/messages", nil)
	bearer.Header.Set("Authorization", "Bearer "+tok)
	query := httptest.NewRequest("GET", "/chats/"+chat+"/events?token="+tok, nil)
	for name, req := range map[string]*http.Request{"bearer": bearer, "?token=": query} {
		if id, err := authorize(req, chat); err != nil || id["mail"] != "jeanne@example.org" || id["name"] != "Jeanne Martin" {
			t.Errorf("%s: %v %v", name, id, err)
		}
	}
	if _, err := authorize(bearer, other); err == nil {
		t.Error("a token taken for another chat")
	}
}
