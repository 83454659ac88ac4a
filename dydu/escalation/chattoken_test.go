package escalation

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// The format is the one cmd/deskbridge and examples/dydu shipped before
// it moved here: these tokens were signed by their code, byte for byte.
func TestChatSignerFormat(t *testing.T) {
	s := ChatSigner{Key: []byte("a secret of 32 bytes or more, from your vault")}
	const chat = "f1VgF0vQm3Q2w1n1xK8pYw2rT7aZc9Hd"
	for _, c := range []struct {
		identity map[string]string
		want     string
	}{
		{map[string]string{"name": "Jeanne Martin", "mail": "jeanne@example.org"},
			"eyJtYWlsIjoiamVhbm5lQGV4YW1wbGUub3JnIiwibmFtZSI6IkplYW5uZSBNYXJ0aW4ifQ.rWibHiioJC_QKBBkMNrynQ3wSEW947j3BA1oXIbhM5s"},
		{nil, "bnVsbA.eBIJwwV7J8jdPr_k87Z-cV6i5Ix7ikJFKgDYHAVlnhM"},
	} {
		tok, err := s.Sign(chat, c.identity)
		if err != nil || tok != c.want {
			t.Errorf("Sign(%v) = %q, %v; want %q", c.identity, tok, err, c.want)
		}
		id, err := s.Verify(chat, c.want)
		if err != nil || len(id) != len(c.identity) || id["mail"] != c.identity["mail"] || id["name"] != c.identity["name"] {
			t.Errorf("Verify(%q) = %v, %v; want %v", c.want, id, err, c.identity)
		}
	}
}

func TestChatSignerRefuses(t *testing.T) {
	s := ChatSigner{Key: []byte(strings.Repeat("k", MinChatKey))}
	chat := NewChatID()
	tok, _ := s.Sign(chat, map[string]string{"mail": "jeanne@example.org"})
	_, mac, _ := strings.Cut(tok, ".")
	swapped, _ := s.Sign(chat, map[string]string{"mail": "ceo@victim.com"})
	swapped, _, _ = strings.Cut(swapped, ".")
	otherChat, _ := s.Sign(NewChatID(), map[string]string{"mail": "jeanne@example.org"})
	otherKey, _ := ChatSigner{Key: []byte(strings.Repeat("x", MinChatKey))}.Sign(chat, nil)
	for name, bad := range map[string]string{
		"none": "", "no dot": "abc", "garbage": "a.b.c", "bad base64": "!!!." + mac,
		"other chat": otherChat, "swapped identity": swapped + "." + mac, "other key": otherKey,
		"signed, not an identity": "Ingi." + s.mac(chat, []byte(`"x"`)),
	} {
		if id, err := s.Verify(chat, bad); !errors.Is(err, ErrChatToken) || id != nil {
			t.Errorf("%s: Verify = %v, %v; want ErrChatToken", name, id, err)
		}
	}
	// Authorize reads the bearer token, else ?token=, and nothing else.
	for name, c := range map[string]struct{ header, query string }{
		"bearer": {"Bearer " + tok, ""}, "query": {"", "?token=" + tok}, "basic, not bearer": {"Basic " + tok, ""},
	} {
		r := httptest.NewRequest("GET", "/chats/"+chat+"/events"+c.query, nil)
		if c.header != "" {
			r.Header.Set("Authorization", c.header)
		}
		id, err := s.Authorize(r, chat)
		if ok := name != "basic, not bearer"; ok != (err == nil) || ok && id["mail"] != "jeanne@example.org" {
			t.Errorf("%s: Authorize = %v, %v", name, id, err)
		}
	}
}

// A short key signs and verifies nothing, and says why without the key.
func TestChatSignerShortKey(t *testing.T) {
	s := ChatSigner{Key: []byte("short secret")}
	if tok, err := s.Sign("c", nil); tok != "" || err == nil || !strings.Contains(err.Error(), "12 bytes, under the 32 (MinChatKey)") || strings.Contains(err.Error(), "short secret") {
		t.Errorf("Sign = %q, %v", tok, err)
	}
	if _, err := s.Verify("c", "bnVsbA.x"); err == nil || errors.Is(err, ErrChatToken) || !strings.Contains(err.Error(), "MinChatKey") {
		t.Errorf("Verify: %v", err)
	}
	if _, err := (ChatSigner{}).Sign("c", nil); err == nil {
		t.Error("a nil key signed")
	}
}

// FuzzChatSigner: any token a browser sends for any chat: no panic; a
// token taken for one chat is refused for any other, carries the MAC
// signed for it and the identity signed with it; and what Sign signs,
// Verify gives back.
func FuzzChatSigner(f *testing.F) {
	s := ChatSigner{Key: []byte(strings.Repeat("k", MinChatKey))}
	good, _ := s.Sign("c", map[string]string{"mail": "a@b.c"})
	anon, _ := s.Sign("c", nil)
	for _, seed := range []string{good, anon, "", ".", "a.b", "e30.", "e30.x", good + "x", "bnVsbA." + strings.Repeat("A", 43)} {
		f.Add(seed, "c", "a@b.c")
	}
	f.Fuzz(func(t *testing.T, tok, chat, mail string) {
		if id, err := s.Verify(chat, tok); err == nil {
			if _, err := s.Verify(chat+"x", tok); err == nil {
				t.Fatalf("the token of chat %q is taken for chat %q", chat, chat+"x")
			}
			again, err := s.Sign(chat, id)
			_, mac, _ := strings.Cut(tok, ".")
			if _, againMAC, _ := strings.Cut(again, "."); err != nil || againMAC != mac {
				t.Fatalf("took %q as %v, which signs as %q", tok, id, again)
			}
		} else if !errors.Is(err, ErrChatToken) {
			t.Fatalf("Verify: %v, want ErrChatToken", err)
		}
		identity := map[string]string{"mail": mail}
		signed, err := s.Sign(chat, identity)
		if err != nil {
			t.Fatal(err)
		}
		// (JSON carries invalid UTF-8 replaced: only a valid mail comes back as is.)
		if id, err := s.Verify(chat, signed); err != nil || len(id) != 1 || utf8.ValidString(mail) && id["mail"] != mail {
			t.Fatalf("Verify(Sign(%q, %v)) = %v, %v", chat, identity, id, err)
		}
	})
}
