package babelforce

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// This file holds every behaviour of the client that rests on a guess:
// what babelforce does not document, or documents in two ways. Each guess
// is one function, tested in unconfirmed_test.go by a test that names the
// doubt. Sources: babelforce's OpenAPI specs, static/openapi/{auth,manager,
// task-automation}.openapi.yaml in https://github.com/babelforce/manager-sdk;
// its Go SDK, https://github.com/babelforce/manager-sdk-go; its help
// center, https://help.babelforce.com.

// defaultClientID is the client_id sent with the password grant.
//
// UNCONFIRMED: babelforce's Go SDK (auth.go, PasswordGrant) and the
// babelconnect SDK's authentication guide
// (https://github.com/babelforce/babelconnect-sdk) always send
// client_id=manager; the help center's curl
// (https://help.babelforce.com/hc/en-us/articles/6418329977108-Authentication-Best-Practice)
// sends none. Whether the server requires it is not documented.
func defaultClientID() string { return "manager" }

// nonExpiringTokenParams are the form fields that ask for a non-expiring
// token.
//
// UNCONFIRMED: expires_in=-1 comes from the curl of the help center's
// article on syncing the agent status from Zendesk
// (https://help.babelforce.com/hc/en-us/articles/17020396359954-Synching-the-agent-status-from-Zendesk-omnichannel-to-babelforce)
// only; it is not in the request schema of babelforce's auth spec, which
// does say that a non-expiring token's response omits expires_in.
func nonExpiringTokenParams() url.Values { return url.Values{"expires_in": {"-1"}} }

// setPresenceMethod is the method of the presence change.
//
// UNCONFIRMED: the manager spec has PUT /api/v2/agents/{id}/status only;
// some integrations are said to POST. PUT is sent.
func setPresenceMethod() string { return http.MethodPut }

// secretRefRoot is the root name of secret references in templates.
//
// UNCONFIRMED: the help center's vault article
// (https://help.babelforce.com/hc/en-us/articles/31324004490770-Using-a-task-template-with-different-secrets-stored-in-vault)
// and the status-sync article write {{secret.prefix.key}} (singular); the
// task-automation spec's mTLS note writes {{secrets.…}} (plural). The
// singular, which the status-sync article's working template uses, is
// returned.
func secretRefRoot() string { return "secret" }

// rateLimitHeaders names the headers read for babelforce's budget.
//
// UNCONFIRMED: babelforce documents no rate limits and no rate-limit
// headers (PostHog's babelforce source says: "Rate limits aren't
// documented publicly"). The common X-RateLimit-Limit and -Remaining pair
// is read when present, for [Client.RateLimit]; no reset header is read,
// because whether it would be seconds or an epoch is unknown and a misread
// epoch would hold requests for decades. A 429's Retry-After is honoured
// either way.
func rateLimitHeaders() rest.RateLimitHeaders {
	return rest.RateLimitHeaders{
		Limit:     []string{"X-RateLimit-Limit"},
		Remaining: []string{"X-RateLimit-Remaining"},
	}
}

// requestIDHeaders names the response headers read for the request id.
//
// UNCONFIRMED: babelforce documents no request id header; X-Request-Id,
// the common one, is read when present.
func requestIDHeaders() []string { return []string{"X-Request-Id"} }

// v2ErrorFields reads the code and message of a v2 (agents, presences)
// error body; oauthError says its "error" is an OAuth2 code, read as the
// code elsewhere, not as a message.
//
// UNCONFIRMED: the manager spec defines no v2 error schema. Its only
// message envelope is DefaultV2MessageResponse {"success": false,
// "message"}, and babelforce's Go SDK (errors.go, newAPIError) reads
// "code" and the first of "message", "error" and "detail", which its tests
// send as {"code":"NOT_FOUND","message":"…"}. So does this.
func v2ErrorFields(m map[string]json.RawMessage, oauthError bool) (code, message string) {
	errText := ""
	if !oauthError {
		errText = rest.JSONText(m["error"])
	}
	return rest.JSONText(m["code"]), rest.FirstOf(rest.JSONText(m["message"]), errText, rest.JSONText(m["detail"]))
}
