package main

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestChatKey(t *testing.T) {
	k := chatKey{[]byte(strings.Repeat("k", minChatKey))}
	ann := map[string]string{"mail": "ann@example.com", "name": "Ann"}
	tok := k.sign("chat-1", ann)
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
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"mail":"boss@example.com"}`)) + tok[strings.Index(tok, "."):]
	other := chatKey{[]byte(strings.Repeat("o", minChatKey))}
	for name, r := range map[string]*http.Request{
		"no token":           req("", ""),
		"not a token":        req("Bearer abc", ""),
		"another chat's":     req("Bearer "+k.sign("chat-2", ann), ""),
		"forged identity":    req("Bearer "+forged, ""),
		"another key's":      req("Bearer "+other.sign("chat-1", ann), ""),
		"bad base64":         req("Bearer !!!."+tok[strings.Index(tok, ".")+1:], ""),
		"basic, not bearer":  req("Basic "+tok, ""),
		"signed, not a JSON": req("Bearer "+base64.RawURLEncoding.EncodeToString([]byte("x"))+"."+k.mac("chat-1", []byte("x")), ""),
	} {
		if id, err := k.authorize(r, "chat-1"); err != errNoChatToken || id != nil {
			t.Errorf("%s: authorize = %v, %v; want refused", name, id, err)
		}
	}
}

// FuzzChatKey: no token panics the check, and a token accepted for one
// chat is refused for any other.
func FuzzChatKey(f *testing.F) {
	k := chatKey{[]byte(strings.Repeat("k", minChatKey))}
	f.Add(k.sign("c", map[string]string{"mail": "a@b.c"}), "c")
	f.Add(k.sign("c", nil), "c")
	f.Add("e30.x", "c")
	f.Fuzz(func(t *testing.T, tok, chat string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		if _, err := k.authorize(r, chat); err != nil {
			return
		}
		if _, err := k.authorize(r, chat+"x"); err == nil {
			t.Fatalf("the token of chat %q is accepted for chat %q", chat, chat+"x")
		}
	})
}
