package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/dydu/escalation"
)

func TestChatKey(t *testing.T) {
	k := chatKey{[]byte(strings.Repeat("k", minChatKey))}
	ann := map[string]string{"mail": "ann@example.com", "name": "Ann"}
	tok := k.sign("chat-1", ann)
	// The format, read again by hand: a site signing for examples/dydu
	// signs for the command.
	if want := b64(`{"mail":"ann@example.com","name":"Ann"}`) + "." + mac(k.key, "chat-1", `{"mail":"ann@example.com","name":"Ann"}`); tok != want {
		t.Fatalf("sign = %s, want %s", tok, want)
	}
	req := func(header, query string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/escalation/chats/chat-1/events"+query, nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		return r
	}
	for _, r := range []*http.Request{req("Bearer "+tok, ""), req("", "?token="+tok)} {
		id, err := k.authorize(r, "chat-1")
		if err != nil || id["mail"] != "ann@example.com" || id["name"] != "Ann" {
			t.Errorf("authorize = %v, %v", id, err)
		}
	}
	// An anonymous visitor's token signs null: no identity, no error.
	if id, err := k.authorize(req("Bearer "+k.sign("chat-1", nil), ""), "chat-1"); err != nil || id != nil {
		t.Errorf("anonymous token: %v, %v", id, err)
	}
	forged := b64(`{"mail":"boss@example.com"}`) + tok[strings.Index(tok, "."):]
	other := chatKey{[]byte(strings.Repeat("o", minChatKey))}
	for name, r := range map[string]*http.Request{
		"no token":           req("", ""),
		"not a token":        req("Bearer abc", ""),
		"another chat's":     req("Bearer "+k.sign("chat-2", ann), ""),
		"forged identity":    req("Bearer "+forged, ""),
		"another key's":      req("Bearer "+other.sign("chat-1", ann), ""),
		"bad base64":         req("Bearer !!!."+tok[strings.Index(tok, ".")+1:], ""),
		"basic, not bearer":  req("Basic "+tok, ""),
		"signed, not a JSON": req("Bearer "+b64("x")+"."+mac(k.key, "chat-1", "x"), ""),
	} {
		if id, err := k.authorize(r, "chat-1"); !errors.Is(err, escalation.ErrChatToken) || id != nil {
			t.Errorf("%s: authorize = %v, %v; want refused", name, id, err)
		}
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// mac is the token's MAC: base64url(HMAC-SHA256(key, chat "\n" id)).
func mac(key []byte, chat, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(chat + "\n" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
