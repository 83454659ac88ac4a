package conversations

import (
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// KeyKind is what owns an API key, told by its id's prefix
// (https://developer.zendesk.com/api-reference/conversations/#authentication).
// The kind decides the scope of access: an integration key cannot manage
// switchboards or integrations, and an app key cannot provision apps.
type KeyKind string

// The kinds of API key.
const (
	// KeyApp is an app key (app_…), made in Admin Center › Apps and
	// integrations › Conversations API: scope "app", every endpoint of
	// this package.
	KeyApp KeyKind = "app"
	// KeyIntegration is a custom integration's key (int_…), made on the
	// integration's page or with [IntegrationsService.CreateKey]: scope
	// "integration", users, conversations, messages, attachments,
	// switchboard actions and the integration's own webhooks, but not
	// switchboards, switchboard integrations or integrations.
	KeyIntegration KeyKind = "integration"
	// KeyAccount is a Sunshine Conversations account key (act_…), direct
	// accounts only: scope "account", everything.
	KeyAccount KeyKind = "account"
	// KeyServiceAccount is a service account's key (svc_…): scope
	// "account", limited to the apps it was given.
	KeyServiceAccount KeyKind = "serviceAccount"
	// KeyUnknown is a key id without a known prefix; it is sent as it is,
	// and a JWT for it claims the "app" scope.
	KeyUnknown KeyKind = ""
)

// KindOfKey returns the kind of an API key from its id's prefix: "app_",
// "int_", "act_" or "svc_"; any other id is [KeyUnknown].
func KindOfKey(keyID string) KeyKind {
	prefix, _, ok := strings.Cut(keyID, "_")
	if !ok {
		return KeyUnknown
	}
	switch prefix {
	case "app":
		return KeyApp
	case "int":
		return KeyIntegration
	case "act":
		return KeyAccount
	case "svc":
		return KeyServiceAccount
	}
	return KeyUnknown
}

// JWTScope returns the "scope" claim of a JWT signed with a key of kind
// k: "app", "account" or "integration" (see [WithJWT]).
func JWTScope(k KeyKind) string {
	switch k {
	case KeyAccount, KeyServiceAccount:
		return "account"
	case KeyIntegration:
		return integrationJWTScope()
	}
	return "app"
}

// signJWT returns the token [WithJWT] sends: header {"alg": "HS256",
// "typ": "JWT", "kid": keyID}, claims from jwtClaims, signed with secret.
func signJWT(keyID, secret string, kind KeyKind) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwtClaims(JWTScope(kind)))
	tok.Header["kid"] = keyID
	s, err := tok.SignedString([]byte(secret))
	if err != nil {
		return "", fmt.Errorf("signing the JWT: %v", err)
	}
	return s, nil
}
