package brightpattern

import (
	"errors"
	"net"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/zendesk"
)

// This file holds every behaviour of the package that rests on a guess:
// what Bright Pattern or Zendesk do not document. Each guess is one
// function, tested in unconfirmed_test.go by a test that names the doubt.
// Sources: Bright Pattern's API specifications at
// https://help.brightpattern.com (Mobile-web-api-specification,
// User-management-api-specification,
// Host-and-services-management-api-specification), its guide "Accessing
// Zendesk Data from Scenarios"
// (https://help.brightpattern.com/5.19:Zendesk-integration-guide/AccessingZendeskDatafromScenarios),
// and Zendesk's API reference (https://developer.zendesk.com/api-reference/).

// rateLimitHeaders names the headers read for Bright Pattern's budget.
//
// UNCONFIRMED: Bright Pattern documents no rate limits and no rate-limit
// headers. None is read; a 429's Retry-After is honoured either way.
func rateLimitHeaders() rest.RateLimitHeaders { return rest.RateLimitHeaders{} }

// requestIDHeaders names the response headers read for the request id.
//
// UNCONFIRMED: Bright Pattern documents no request id header; the common
// X-Request-Id is read when present.
func requestIDHeaders() []string { return []string{"X-Request-Id"} }

// defaultTokenLifetime is how long a Configuration API token is taken to
// live when the token answer gives no expires_in.
//
// UNCONFIRMED: the Request Access Token page's example answers
// "expires_in": "3599" (a string); nothing says whether it may be absent.
// An hour, as in the example, is assumed.
func defaultTokenLifetime() time.Duration { return 3599 * time.Second }

// sendTenantURLParam reports whether chat requests carry
// tenantUrl=<tenant URL>.
//
// UNCONFIRMED: the chat API's pages write every path with ?tenantUrl= and
// the General Information page says the parameter is needed "if the
// request was not sent to the tenant's domain"; whether the tenant's own
// domain minds it is not said. It is always sent: harmless when the
// request goes to the tenant's domain, needed when it goes through a
// service provider's host.
func sendTenantURLParam() bool { return true }

// eventKey is the JSON key that carries a chat event's type.
//
// UNCONFIRMED: the Client Events and Server Events pages name the types
// (chat_session_message…) and their fields; the key holding the type in
// the captured copies is "event", which is what is sent and read.
func eventKey() string { return "event" }

// anonymousUser reports whether GET /api/v2/users/me answered with the
// anonymous user, which Zendesk does, instead of a 401, when a request's
// credentials were not used.
//
// UNCONFIRMED: Zendesk documents users/me as returning the authenticated
// user; a public client's issue (node-zendesk #152) reports that with a
// wrong username "user/me returns a guest user" while other endpoints
// answer 401. A user without an id is taken as that anonymous user.
func anonymousUser(u *zendesk.User) bool { return u == nil || u.ID == 0 }

// privilegedRole reports whether a Zendesk role may act for scenarios.
//
// UNCONFIRMED: the guide asks for an account with "sufficient privileges
// to access all data that may be used"; which role suffices is not said.
// Agents and admins pass (an agent's custom role may still restrict it);
// end users do not, as they can read only their own requests.
func privilegedRole(role string) bool {
	return role == zendesk.RoleAgent || role == zendesk.RoleAdmin
}

// tokenAccessDisabled reports whether Zendesk refused an API token because
// Token Access is off (Admin Center > Apps and integrations > APIs >
// Zendesk API).
//
// UNCONFIRMED: Zendesk does not document its answer in that case. An API
// token refused with a 401 or 403 whose message speaks of token access
// being disabled or not enabled is taken as it; a plain "Couldn't
// authenticate you" is a bad credential (whose fix also says to check
// Token Access, since the two may look alike).
func tokenAccessDisabled(err error) bool {
	var apiErr *deskbridge.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 && apiErr.StatusCode != 403 {
		return false
	}
	text := strings.ToLower(apiErr.Code + " " + apiErr.Message)
	return strings.Contains(text, "token") && (strings.Contains(text, "disabled") || strings.Contains(text, "not enabled"))
}

// unknownSubdomain reports whether the Test connection's failure means
// there is no Zendesk account at the URL.
//
// UNCONFIRMED: Zendesk does not document what an unknown subdomain
// answers. Taken as such: a 404 to GET /api/v2/users/me (which exists on
// every account), a redirect away from the account's host (refused by the
// client; Zendesk is said to redirect unknown subdomains to its own site),
// and a host name that does not resolve.
func unknownSubdomain(err error) bool {
	var apiErr *deskbridge.APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode == 404
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return true
	}
	return err != nil && strings.Contains(err.Error(), "refusing to follow a redirect")
}

// passwordGrantBody is the JSON body of Zendesk's password grant.
//
// UNCONFIRMED: Zendesk's grant-type token reference lists
// authorization_code, refresh_token and client_credentials and calls the
// password grant deprecated without showing its body; the field names are
// RFC 6749's (grant_type password, username, password) beside Zendesk's
// client_id, client_secret and scope.
func passwordGrantBody(clientID, clientSecret, username, password, scope string) map[string]string {
	return map[string]string{
		"grant_type":    "password",
		"client_id":     clientID,
		"client_secret": clientSecret,
		"username":      username,
		"password":      password,
		"scope":         scope,
	}
}

// userPhoneLogin is the login id of a user Export User Phone Numbers
// lists, given the values under "loginId" and "login_id".
//
// UNCONFIRMED: the 5.2 page's parameter table names it "login_id" and
// its example "loginId"; the 3.18 example "login_id"
// (https://help.brightpattern.com/5.2:User-management-api-specification/ExportUserPhoneNumbers).
// Either is read, "loginId" first.
func userPhoneLogin(loginID, loginIDSnake string) string {
	if loginID != "" {
		return loginID
	}
	return loginIDSnake
}
