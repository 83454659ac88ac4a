package brightpattern

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
)

// What a failed Test connection is about; a [*ConnectionError] matches one
// of them (errors.Is) when Zendesk's answer says which.
var (
	// ErrBadCredentials: Zendesk refused the credentials (a wrong or
	// revoked API token or OAuth token, a wrong username, a wrong OAuth
	// client id or secret, a wrong password).
	ErrBadCredentials = errors.New("brightpattern: Zendesk refused the integration account's credentials")
	// ErrTokenAccessDisabled: the account's API token was refused because
	// Token Access is off in Zendesk.
	ErrTokenAccessDisabled = errors.New("brightpattern: Zendesk API token access is disabled")
	// ErrUnknownSubdomain: there is no Zendesk account at the URL.
	ErrUnknownSubdomain = errors.New("brightpattern: no Zendesk account at the integration account's URL")
	// ErrNotPrivileged: the credentials work, but the user they act for
	// may not read what scenarios need (an end user, a missing scope).
	ErrNotPrivileged = errors.New("brightpattern: the Zendesk user lacks the privileges scenarios need")
)

// ConnectionError is a failed Test connection of one integration account:
// what is wrong and what to do, in words for the administrator, plus the
// kind (one of ErrBadCredentials, ErrTokenAccessDisabled,
// ErrUnknownSubdomain, ErrNotPrivileged; nil when Zendesk failed otherwise,
// e.g. unreachable or rate limited) and the zendesk client's error. No
// field holds a credential.
type ConnectionError struct {
	// Account names the integration account; URL is its Zendesk URL.
	Account, URL string
	// Kind is what the failure is about, or nil.
	Kind error
	// Problem says what is wrong; Fix what to do about it.
	Problem, Fix string
	// Err is the zendesk client's error, or nil when Zendesk answered but
	// the answer was not good enough (an end user).
	Err error
}

// Error renders the failure on one line:
//
//	brightpattern: integration account "support" (https://acme.zendesk.com): Zendesk refused the API token or the username; fix: … (zendesk: GET /api/v2/users/me: 401 …)
func (e *ConnectionError) Error() string {
	var b strings.Builder
	b.WriteString("brightpattern: integration account ")
	b.WriteString(quote(e.Account))
	if e.URL != "" {
		b.WriteString(" (" + e.URL + ")")
	}
	b.WriteString(": " + e.Problem)
	if e.Fix != "" {
		b.WriteString("; fix: " + e.Fix)
	}
	if e.Err != nil {
		b.WriteString(" (" + e.Err.Error() + ")")
	}
	return b.String()
}

// Unwrap returns Kind and Err, those that are set.
func (e *ConnectionError) Unwrap() []error {
	var out []error
	for _, err := range []error{e.Kind, e.Err} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

func quote(s string) string { return `"` + s + `"` }

// testCall is the Test connection call: GET /api/v2/users/me.
func testCall(ctx context.Context, zc *zendesk.Client) (*zendesk.User, error) {
	return zc.Users.Me(ctx)
}

// classify turns the Test connection's outcome into a ConnectionError, or
// nil when the account works.
func classify(e *accountEntry, u *zendesk.User, err error) *ConnectionError {
	ce := &ConnectionError{Account: e.acct.Name, URL: e.base, Err: err}
	apiToken := false
	if _, ok := e.acct.Auth.(APIToken); ok {
		apiToken = true
	}
	if err == nil {
		switch {
		case anonymousUser(u):
			ce.Kind = ErrBadCredentials
			ce.Problem = "Zendesk answered as the anonymous user: it did not accept the credentials"
			ce.Fix = credentialsFix(e.acct.Auth)
		case !privilegedRole(u.Role):
			ce.Kind = ErrNotPrivileged
			ce.Problem = "the credentials act for " + quote(u.Email) + ", whose role is " + quote(u.Role) + ": an end user cannot read the tickets and users scenarios need"
			ce.Fix = "use the credentials of an agent or admin with access to all data the IVR and routing use"
		default:
			return nil
		}
		return ce
	}
	var ze *zendesk.Error
	var apiErr *deskbridge.APIError
	switch {
	case errors.As(err, &ze) && ze.Path == zendeskTokenPath:
		tokenEndpointProblem(ce, ze)
	case apiToken && tokenAccessDisabled(err):
		ce.Kind = ErrTokenAccessDisabled
		ce.Problem = "Zendesk refused the API token because Token Access is disabled"
		ce.Fix = "enable Token Access in Zendesk Admin Center > Apps and integrations > APIs > Zendesk API, or use an OAuth authorization"
	case unknownSubdomain(err):
		ce.Kind = ErrUnknownSubdomain
		ce.Problem = "there is no Zendesk account at this URL"
		ce.Fix = "check the URL: it is the Zendesk domain URL, https://<subdomain>.zendesk.com"
	case errors.Is(err, deskbridge.ErrUnauthorized):
		ce.Kind = ErrBadCredentials
		ce.Problem = "Zendesk refused the " + e.acct.Auth.kind()
		ce.Fix = credentialsFix(e.acct.Auth)
	case errors.Is(err, deskbridge.ErrForbidden):
		ce.Kind = ErrNotPrivileged
		ce.Problem = "the credentials work but may not read the user they act for: the user or the token's scopes lack privileges"
		ce.Fix = "use an agent or admin, and OAuth scopes read and write"
	case errors.As(err, &apiErr):
		ce.Problem = "Zendesk answered " + http.StatusText(apiErr.StatusCode)
		ce.Fix = "try again later; if it persists, check Zendesk's status page"
	default:
		ce.Problem = "Zendesk could not be reached"
		ce.Fix = "check the URL and the network between this service and Zendesk"
	}
	return ce
}

// tokenEndpointProblem explains a refused OAuth token request.
func tokenEndpointProblem(ce *ConnectionError, ze *zendesk.Error) {
	switch ze.Code {
	case "invalid_client":
		ce.Kind = ErrBadCredentials
		ce.Problem = "Zendesk refused the OAuth client id or secret"
		ce.Fix = "copy the client's Unique Identifier and Secret from Zendesk Admin Center > Apps and integrations > APIs > OAuth clients"
	case "invalid_grant":
		ce.Kind = ErrBadCredentials
		ce.Problem = "Zendesk refused the username or password of the password grant"
		ce.Fix = "check the Zendesk user's credentials, or better, switch to ClientCredentials: Zendesk is retiring password access"
	case "unsupported_grant_type":
		ce.Kind = ErrBadCredentials
		ce.Problem = "Zendesk no longer accepts this grant type"
		ce.Fix = "use ClientCredentials, or an OAuthToken an admin created"
	case "invalid_scope":
		ce.Kind = ErrNotPrivileged
		ce.Problem = "Zendesk refused the OAuth scopes asked for"
		ce.Fix = "ask for scopes the OAuth client may have: read and write"
	default:
		if errors.Is(ze, deskbridge.ErrNotFound) {
			ce.Kind = ErrUnknownSubdomain
			ce.Problem = "there is no Zendesk token endpoint at this URL"
			ce.Fix = "check the URL: it is the Zendesk domain URL, https://<subdomain>.zendesk.com"
			return
		}
		ce.Problem = "Zendesk refused the OAuth token request"
		ce.Fix = "check the OAuth client and its grant"
	}
}

// credentialsFix says where each authorization's values come from.
func credentialsFix(c Credentials) string {
	switch c.(type) {
	case APIToken:
		return "check the API token (Zendesk Admin Center > Apps and integrations > APIs > Zendesk API: it must be active, and Token Access enabled) and that Username is the email of an active Zendesk agent"
	case OAuthToken:
		return "the OAuth access token is wrong, expired or revoked: request a new one"
	default:
		return "check the OAuth client's Unique Identifier and Secret in Zendesk Admin Center > Apps and integrations > APIs > OAuth clients"
	}
}

// joinErrors is errors.Join, nil for none and the error itself for one.
func joinErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}
