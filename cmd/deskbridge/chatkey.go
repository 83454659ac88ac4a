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

// chatKey verifies the chat tokens of the escalation flow's HTTP channel
// (escalation.Config.Authorize), as the file's escalation authorize.chat_key
// asks: the site's server, which knows who signed in, gives the page a
// chat id and a token signed for that chat and that user; the page sends
// it with every request of the chat (Authorization: Bearer <token>, or
// ?token= for an EventSource, which sends no headers); the flow trusts the
// identity the token carries, never the variables the browser posts.
//
// A token is base64url(identity JSON) "." base64url(HMAC-SHA256(key,
// chat id "\n" identity JSON)), the identity {"mail": …, "name": …} or
// null for an anonymous visitor: the format of examples/dydu, so a site
// signing for that example signs for the command too.
type chatKey struct{ key []byte }

// minChatKey is the shortest chat key taken: 256 bits.
const minChatKey = 32

var errNoChatToken = errors.New("no token signed for this chat (Authorization: Bearer <token>, or ?token=)")

// sign returns the token of chat for identity (what the site's server
// does; the tests use it).
func (k chatKey) sign(chat string, identity map[string]string) string {
	id, _ := json.Marshal(identity) // map keys sorted: one encoding
	return base64.RawURLEncoding.EncodeToString(id) + "." + k.mac(chat, id)
}

func (k chatKey) mac(chat string, id []byte) string {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte(chat))
	m.Write([]byte{'\n'})
	m.Write(id)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// authorize checks the request's token against chat and returns the
// identity it signs. Every refusal is the same error: it tells a caller
// without the key nothing about why.
func (k chatKey) authorize(r *http.Request, chat string) (map[string]string, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		tok = r.URL.Query().Get("token")
	}
	b64, mac, ok := strings.Cut(tok, ".")
	if !ok {
		return nil, errNoChatToken
	}
	id, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil || !hmac.Equal([]byte(mac), []byte(k.mac(chat, id))) {
		return nil, errNoChatToken
	}
	var identity map[string]string
	if err := json.Unmarshal(id, &identity); err != nil {
		return nil, errNoChatToken
	}
	return identity, nil
}
