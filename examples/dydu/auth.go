package main

import (
	"net/http"

	"github.com/deskbridge/deskbridge/dydu/escalation"
)

// chatSigner is the bridge's escalation.Config.Authorize: your site's
// server, which knows who signed in, gives the page a chat id and a token
// signed for that chat id and that user (Token); the page sends the token
// with every request of its chat (Authorization: Bearer …, or ?token=…
// for an EventSource, which sends no headers), and the bridge trusts only
// the identity the token carries, never the variables the browser posts.
//
// The token is escalation.ChatSigner's: base64url(identity JSON) "."
// base64url(HMAC-SHA256(key, chat id "\n" identity JSON)). The key
// (ESCALATION_CHAT_KEY, at least 32 bytes) is shared by your site's server
// and the bridge alone.
type chatSigner struct{ key []byte }

// minChatKey is the shortest signing key taken: 256 bits.
const minChatKey = escalation.MinChatKey

// Token signs a chat id and the identity of its user ({"mail": …,
// "name": …}; nil for an anonymous visitor). The key is checked at load
// (minChatKey); were it short, the token would be "", which every chat
// refuses.
func (s chatSigner) Token(chat string, identity map[string]string) string {
	tok, _ := escalation.ChatSigner{Key: s.key}.Sign(chat, identity)
	return tok
}

// Authorize checks the request's token against the chat id and returns
// the identity it signs.
func (s chatSigner) Authorize(r *http.Request, chat string) (map[string]string, error) {
	return escalation.ChatSigner{Key: s.key}.Authorize(r, chat)
}
