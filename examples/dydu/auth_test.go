package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/dydu/escalation"
)

func TestChatSigner(t *testing.T) {
	s := chatSigner{key: []byte(strings.Repeat("k", minChatKey))}
	chat, other := escalation.NewChatID(), escalation.NewChatID()
	tok := s.Token(chat, map[string]string{"mail": "jeanne@example.org"})
	req := func(q, bearer string) (map[string]string, error) {
		r := httptest.NewRequest("GET", "/chats/"+chat+"/events"+q, nil)
		if bearer != "" {
			r.Header.Set("Authorization", "Bearer "+bearer)
		}
		return s.Authorize(r, chat)
	}
	if id, err := req("", tok); err != nil || id["mail"] != "jeanne@example.org" {
		t.Fatalf("bearer: %v %v", id, err)
	}
	if id, err := req("?token="+tok, ""); err != nil || id["mail"] != "jeanne@example.org" {
		t.Fatalf("?token=: %v %v", id, err)
	}
	// Another chat's token, an identity swapped under a valid MAC, another
	// key, nothing: refused.
	_, mac, _ := strings.Cut(tok, ".")
	forged, _, _ := strings.Cut(s.Token(chat, map[string]string{"mail": "ceo@victim.com"}), ".")
	for name, bad := range map[string]string{
		"other chat": s.Token(other, map[string]string{"mail": "jeanne@example.org"}),
		"swapped":    forged + "." + mac,
		"other key":  chatSigner{key: []byte(strings.Repeat("x", minChatKey))}.Token(chat, nil),
		"none":       "",
		"garbage":    "a.b.c",
	} {
		if _, err := req("", bad); err == nil {
			t.Errorf("%s: taken", name)
		}
	}
	env := map[string]string{"ESCALATION_CHAT_KEY": "short"}
	if _, err := loadConfig(func(k string) string { return env[k] }, false); err == nil || !strings.Contains(err.Error(), "ESCALATION_CHAT_KEY has 5 bytes") {
		t.Fatalf("a short key: %v", err)
	}
}
