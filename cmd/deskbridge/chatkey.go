package main

import (
	"net/http"

	"github.com/deskbridge/deskbridge/dydu/escalation"
)

// chatKey verifies the chat tokens of the escalation flow's HTTP channel
// (escalation.Config.Authorize), as the file's escalation authorize.chat_key
// asks: the site's server, which knows who signed in, gives the page a
// chat id and a token signed for that chat and that user; the page sends
// it with every request of the chat (Authorization: Bearer <token>, or
// ?token= for an EventSource, which sends no headers); the flow trusts the
// identity the token carries, never the variables the browser posts.
//
// The token format is escalation.ChatSigner's (the one examples/dydu
// verifies too, so a site signing for that example signs for the command).
type chatKey struct{ key []byte }

// minChatKey is the shortest chat key taken: 256 bits.
const minChatKey = escalation.MinChatKey

// sign returns the token of chat for identity (what the site's server
// does; the demo and the tests use it). Its key is checked at load
// (minChatKey); were it short, the token would be "", which every chat
// refuses.
func (k chatKey) sign(chat string, identity map[string]string) string {
	tok, _ := escalation.ChatSigner{Key: k.key}.Sign(chat, identity)
	return tok
}

// authorize checks the request's token against chat and returns the
// identity it signs. Every refusal is escalation.ErrChatToken: it tells a
// caller without the key nothing about why.
func (k chatKey) authorize(r *http.Request, chat string) (map[string]string, error) {
	return escalation.ChatSigner{Key: k.key}.Authorize(r, chat)
}
