package escalation

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/store"
)

// An anonymous visitor cannot choose the ticket's requester: variables
// posted by the browser never set the identity, with or without
// Config.Authorize; the identity the server vouches for does.
func TestBrowserCannotChooseRequester(t *testing.T) {
	for _, withAuthorize := range []bool{true, false} {
		e := newEnv(t, 0, store.NewMemory())
		e.addFlow(func(c *Config) {
			c.NameVariable = "name"
			if !withAuthorize {
				c.Authorize = nil
			}
		})
		chat := NewChatID()
		for i, text := range []string{"Quels sont vos horaires ?", "J'ai une question sur mon chien"} {
			if code, body := e.post("/chats/"+chat+"/messages", "application/json",
				[]byte(`{"id":"m`+string(rune('1'+i))+`","text":"`+text+`","variables":{"mail":"ceo@victim.com","name":"The CEO","lang":"fr"}}`)); code != 200 {
				t.Fatalf("authorize %v: %d %v", withAuthorize, code, body)
			}
		}
		conv := e.conv(chat)
		h, _ := e.cf.HandOff(conv)
		if h.Ticket.RequesterEmail == "ceo@victim.com" || strings.Contains(h.Ticket.RequesterName, "CEO") {
			t.Fatalf("authorize %v: the browser chose the requester: %q <%s>", withAuthorize, h.Ticket.RequesterName, h.Ticket.RequesterEmail)
		}
		if u, ok := e.cf.User(userExternalID(chat)); !ok || len(u.Profile.Email) > 0 || u.Profile.GivenName != "" {
			t.Fatalf("authorize %v: Sunshine user %+v", withAuthorize, u)
		}
		st, _ := e.flows[0].loadChat(t.Context(), chat)
		if st.Vars["lang"] != "fr" || st.Vars["mail"] != "" || len(st.Identity) != 0 {
			t.Fatalf("authorize %v: variables %v identity %v", withAuthorize, st.Vars, st.Identity)
		}
	}
	// The server's word sets the identity, over the browser's.
	e := newEnv(t, 1, store.NewMemory())
	chat := NewChatID()
	e.login(chat, map[string]string{"mail": "jeanne@example.org"})
	for i, text := range []string{"Quels sont vos horaires ?", "J'ai une question sur mon chien"} {
		if code, body := e.post("/chats/"+chat+"/messages", "application/json",
			[]byte(`{"id":"m`+string(rune('1'+i))+`","text":"`+text+`","variables":{"mail":"ceo@victim.com"}}`)); code != 200 {
			t.Fatalf("%d %v", code, body)
		}
	}
	if h, _ := e.cf.HandOff(e.conv(chat)); h.Ticket.RequesterEmail != "jeanne@example.org" {
		t.Fatalf("requester <%s>, want the session's", h.Ticket.RequesterEmail)
	}
}

// signChat is the test's chat credential: an HMAC of the chat id.
func signChat(key []byte, chat string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(chat))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Config.Authorize guards every route of the user's channel: without the
// chat's credential a request is refused 403 before anything is done,
// and the refusal does not echo Authorize's error.
func TestAuthorizeGuardsEveryRoute(t *testing.T) {
	key := []byte("test signing key")
	e := newEnv(t, 0, store.NewMemory())
	e.addFlow(func(c *Config) {
		c.Authorize = func(r *http.Request, chat string) (map[string]string, error) {
			tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if tok == "" {
				tok = r.URL.Query().Get("token") // EventSource sends no headers
			}
			if !hmac.Equal([]byte(tok), []byte(signChat(key, chat))) {
				return nil, errors.New("secret-detail: bad token")
			}
			return map[string]string{"mail": "jeanne@example.org"}, nil
		}
	})
	chat, other := NewChatID(), NewChatID()
	routes := []struct{ method, path, ct, body string }{
		{"POST", "/chats/%s/messages", "application/json", `{"id":"m1","text":"Bonjour"}`},
		{"POST", "/chats/%s/typing", "application/json", `{"typing":true}`},
		{"POST", "/chats/%s/files?id=f1&name=a.png", "image/png", "png"},
		{"GET", "/chats/%s/messages?wait=0", "", ""},
		{"GET", "/chats/%s/events", "", ""},
	}
	for _, rt := range routes {
		for _, cred := range []string{"", signChat(key, other), "forged"} {
			hdr := http.Header{}
			if cred != "" {
				hdr.Set("Authorization", "Bearer "+cred)
			}
			resp, body := e.send(rt.method, strings.Replace(rt.path, "%s", chat, 1), rt.ct, strings.NewReader(rt.body), hdr)
			if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "secret-detail") || !strings.Contains(body, "not allowed") {
				t.Fatalf("%s %s with %q: %d %s", rt.method, rt.path, cred, resp.StatusCode, body)
			}
		}
	}
	if len(e.dy.Requests()) != 0 {
		t.Fatalf("a refused request reached Dydu: %d requests", len(e.dy.Requests()))
	}
	hdr := http.Header{"Authorization": {"Bearer " + signChat(key, chat)}}
	if resp, body := e.send("POST", "/chats/"+chat+"/messages", "application/json", strings.NewReader(`{"id":"m1","text":"Bonjour"}`), hdr); resp.StatusCode != 200 {
		t.Fatalf("with the chat's credential: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.send("GET", "/chats/"+chat+"/messages?wait=0&token="+signChat(key, chat), "", nil, nil); resp.StatusCode != 200 ||
		!strings.Contains(body, "Bonjour") {
		t.Fatalf("reading with the token: %d %s", resp.StatusCode, body)
	}
}

// Chat ids hold at least 128 bits: short ones, and hex ones under 32
// digits, are refused with how to make one.
func TestChatIDStrength(t *testing.T) {
	for id, want := range map[string]bool{
		"chat0001":                             false, // 8 characters: guessable
		"abcdefghijklmnopqrstu":                false, // 21
		"abcdefghijklmnopqrstuv":               true,  // 22 base64url: 132 bits
		"0123456789abcdef0123456789abcde":      false, // 31 hex digits: 124 bits
		"0123456789abcdef0123456789abcdef":     true,  // 32 hex digits
		"0123456789-abcdef-0123456789-abcde":   false, // dashes add no bits
		"550e8400-e29b-41d4-a716-446655440000": true,  // a UUID
		"abcdefghijklmnopqrstuv/":              false,
		strings.Repeat("a", 65):                false,
	} {
		if got := validChat(id); got != want {
			t.Errorf("validChat(%q) = %v, want %v", id, got, want)
		}
	}
	seen := map[string]bool{}
	for range 100 {
		id := NewChatID()
		if !validChat(id) || len(id) != 32 || seen[id] {
			t.Fatalf("NewChatID() = %q", id)
		}
		seen[id] = true
	}
	e := newEnv(t, 1, store.NewMemory())
	code, body := e.say("chat0001", "m1", "Bonjour", nil)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body["error"].(string), "NewChatID") {
		t.Fatalf("an 8-character chat id: %d %v", code, body)
	}
}
