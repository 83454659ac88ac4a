package rest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Authenticator sets credentials on one attempt of a request. The core
// calls it before the first attempt and again before each retry, so a
// token renewed between attempts is used; the request is the core's own,
// not yet sent, so Authenticate sets headers on it directly.
type Authenticator interface {
	Authenticate(req *http.Request) error
}

// Reauthenticator is an Authenticator whose credential can go stale before
// it says so (a revoked OAuth token). On a 401 the core calls Invalidate
// with the attempt that got it: the authenticator drops the credential
// that attempt carried, if it still holds that one (not one that replaced
// it since, after a concurrent 401 or a renewal), so that the next attempt
// carries another. The request is then sent once more: a 401 means it was
// not processed, so any method is safe to resend.
type Reauthenticator interface {
	Authenticator
	Invalidate(sent *http.Request)
}

// staticAuth sets one Authorization value, computed once.
type staticAuth string

func (a staticAuth) Authenticate(req *http.Request) error {
	req.Header["Authorization"] = []string{string(a)}
	return nil
}

// Static returns a credential that sends the same Authorization value on
// every request; secrets are the parts of it to scrub besides the value
// itself (the token, the password).
func Static(authorization string, secrets ...string) Credential {
	return Credential{
		Secrets: append([]string{authorization}, secrets...),
		Auth:    func(*Client) (Authenticator, error) { return staticAuth(authorization), nil },
	}
}

// Basic returns a credential for HTTP Basic authentication. The password,
// the user:password pair and their base64 are scrubbed.
func Basic(username, password string) Credential {
	pair := username + ":" + password
	encoded := base64.StdEncoding.EncodeToString([]byte(pair))
	return Static("Basic "+encoded, encoded, pair, password)
}

// Bearer returns a credential for a static bearer token.
func Bearer(token string) Credential {
	return Static("Bearer "+token, token)
}

// authError marks a failure to obtain credentials: the request was not
// sent, and retrying it here would not help.
type authError struct{ err error }

func (e *authError) Error() string { return "authenticating: " + e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

func isAuthError(err error) bool {
	var ae *authError
	return errors.As(err, &ae)
}

// errRedirect is the cause of a refused redirect.
var errRedirect = errors.New("refusing to follow a redirect away from the base URL")

// errTooManyRedirects stops a redirect loop.
var errTooManyRedirects = errors.New("stopped after 10 redirects")

// checkRedirect keeps every request below the base URL, as the requests
// the core builds are: a redirect to another scheme, host or path prefix
// is not followed. Go's client would drop the Authorization header on
// another host, but re-send the body of a 307 or 308 (a token request's
// client secret or password), and keep both on the same host behind a
// shared proxy (https://proxy/tenant-a to /tenant-b). next is the caller's
// own CheckRedirect, if any.
func checkRedirect(base *url.URL, basePath string, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if !sameOrigin(req.URL, base) || basePath != "" && !strings.HasPrefix(req.URL.EscapedPath(), basePath+"/") {
			return fmt.Errorf("%w (%s)", errRedirect, req.URL.Redacted())
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errTooManyRedirects
		}
		return nil
	}
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}
