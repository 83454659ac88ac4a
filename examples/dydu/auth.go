package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// chatSigner is the bridge's escalation.Config.Authorize: your site's
// server, which knows who signed in, gives the page a chat id and a token
// signed for that chat id and that user (Token); the page sends the token
// with every request of its chat (Authorization: Bearer …, or ?token=…
// for an EventSource, which sends no headers), and the bridge trusts only
// the identity the token carries, never the variables the browser posts.
//
// The token is base64url(identity JSON) "." base64url(HMAC-SHA256(key,
// chat id "\n" identity JSON)). The key (ESCALATION_CHAT_KEY, at least 32
// bytes) is shared by your site's server and the bridge alone.
type chatSigner struct{ key []byte }

// minChatKey is the shortest signing key taken: 256 bits.
const minChatKey = 32

// Token signs a chat id and the identity of its user ({"mail": …,
// "name": …}; nil for an anonymous visitor).
func (s chatSigner) Token(chat string, identity map[string]string) string {
	id, _ := json.Marshal(identity) // map keys sorted: one encoding
	return base64.RawURLEncoding.EncodeToString(id) + "." + s.mac(chat, id)
}

func (s chatSigner) mac(chat string, id []byte) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(chat))
	m.Write([]byte{'\n'})
	m.Write(id)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var errNoToken = errors.New("no token signed for this chat (Authorization: Bearer <token>, or ?token=)")

// Authorize checks the request's token against the chat id and returns
// the identity it signs.
func (s chatSigner) Authorize(r *http.Request, chat string) (map[string]string, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		tok = r.URL.Query().Get("token")
	}
	b64, mac, ok := strings.Cut(tok, ".")
	if !ok {
		return nil, errNoToken
	}
	id, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil || !hmac.Equal([]byte(mac), []byte(s.mac(chat, id))) {
		return nil, errNoToken
	}
	var identity map[string]string
	if err := json.Unmarshal(id, &identity); err != nil {
		return nil, errNoToken
	}
	return identity, nil
}
