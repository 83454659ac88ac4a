package escalation

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// MinChatKey is the shortest [ChatSigner] key taken, in bytes: 256 bits.
const MinChatKey = 32

// ErrChatToken is every refusal of a chat token by [ChatSigner]: no
// token, not a token, or a token signed for another chat, another
// identity or with another key. It is one error so that it tells a caller
// without the key nothing about why.
var ErrChatToken = errors.New("escalation: no token signed for this chat (Authorization: Bearer <token>, or ?token=)")

// ChatSigner signs and verifies chat tokens, the server-side identity of
// the user's channel: your site's server, which knows who signed in, gives
// the page a chat id ([NewChatID]) and a token signed for that chat and
// that user ([ChatSigner.Sign]); the page sends the token with every
// request of its chat (Authorization: Bearer <token>, or ?token= for an
// EventSource, which sends no headers); the bridge, with
// [ChatSigner.Authorize] as [Config].Authorize, trusts only the identity
// the token carries, never the variables the browser posts.
//
// A token is base64url(identity JSON) "." base64url(HMAC-SHA256(Key,
// chat id "\n" identity JSON)), unpadded, the identity JSON with its keys
// sorted ({"mail":…,"name":…}) or null for an anonymous visitor. The
// command cmd/deskbridge (authorize.chat_key) and examples/dydu
// (ESCALATION_CHAT_KEY) verify this format.
type ChatSigner struct {
	// Key is the HMAC-SHA256 key, shared by your site's server and the
	// bridge alone: MinChatKey bytes or more, random (openssl rand
	// -base64 32).
	Key []byte
}

// checkKey refuses a key too short to sign with, naming the limit and
// never the key.
func (s ChatSigner) checkKey() error {
	if len(s.Key) < MinChatKey {
		return fmt.Errorf("escalation: ChatSigner.Key has %d bytes, under the %d (MinChatKey) a signing key needs; generate one with: openssl rand -base64 32",
			len(s.Key), MinChatKey)
	}
	return nil
}

// Sign returns the token of chat for identity (the user's identity
// variables, such as {"mail": …, "name": …}; nil for an anonymous
// visitor). Its only error is a Key under [MinChatKey] bytes.
func (s ChatSigner) Sign(chat string, identity map[string]string) (string, error) {
	if err := s.checkKey(); err != nil {
		return "", err
	}
	id, _ := json.Marshal(identity) // a map[string]string always encodes, its keys sorted: one encoding
	return base64.RawURLEncoding.EncodeToString(id) + "." + s.mac(chat, id), nil
}

func (s ChatSigner) mac(chat string, id []byte) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(chat))
	m.Write([]byte{'\n'})
	m.Write(id)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Verify checks that token was signed for chat with Key and returns the
// identity it carries (nil for an anonymous visitor's). A token it refuses
// gives [ErrChatToken]; a Key under [MinChatKey] bytes, an error saying so.
func (s ChatSigner) Verify(chat, token string) (map[string]string, error) {
	if err := s.checkKey(); err != nil {
		return nil, err
	}
	b64, mac, ok := strings.Cut(token, ".")
	if !ok {
		return nil, ErrChatToken
	}
	id, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil || !hmac.Equal([]byte(mac), []byte(s.mac(chat, id))) {
		return nil, ErrChatToken
	}
	var identity map[string]string
	if err := json.Unmarshal(id, &identity); err != nil {
		return nil, ErrChatToken
	}
	return identity, nil
}

// Authorize is [Config].Authorize: it verifies the token of r (its
// Authorization: Bearer header, else its token query parameter) for chat,
// as [ChatSigner.Verify] does.
func (s ChatSigner) Authorize(r *http.Request, chat string) (map[string]string, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		tok = r.URL.Query().Get("token")
	}
	return s.Verify(chat, tok)
}
