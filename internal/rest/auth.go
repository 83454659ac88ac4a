package rest

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Authenticator sets credentials on one attempt of a request. It is called
// for every attempt, so a token that expired between attempts is renewed.
type Authenticator interface {
	Authenticate(req *http.Request) error
}

// AuthFunc adapts a function to Authenticator.
type AuthFunc func(req *http.Request) error

// Authenticate calls f.
func (f AuthFunc) Authenticate(req *http.Request) error { return f(req) }

// BasicAuth authenticates with HTTP Basic credentials.
func BasicAuth(username, password string) Authenticator {
	value := "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
	return AuthFunc(func(req *http.Request) error {
		req.Header.Set("Authorization", value)
		return nil
	})
}

// BearerToken authenticates with a static bearer token.
func BearerToken(token string) Authenticator {
	value := "Bearer " + token
	return AuthFunc(func(req *http.Request) error {
		req.Header.Set("Authorization", value)
		return nil
	})
}

// TokenSourceAuth authenticates with the tokens of ts, asked for on every
// attempt. Wrap ts in oauth2.ReuseTokenSource so that a valid token is
// reused and one refresh serves concurrent callers.
func TokenSourceAuth(ts oauth2.TokenSource) Authenticator {
	return AuthFunc(func(req *http.Request) error {
		tok, err := ts.Token()
		if err != nil {
			return err
		}
		if tok.AccessToken == "" {
			return errors.New("the token source returned an empty access token")
		}
		tok.SetAuthHeader(req)
		return nil
	})
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

// transport authenticates requests bound for the base URL's origin, and
// feeds every response's rate-limit headers to the pacer.
type transport struct {
	next http.RoundTripper
	c    *Client
	auth Authenticator
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := stateFrom(req.Context())
	if st != nil {
		st.start = t.c.now()
	}
	// Credentials go only to the base URL's origin: a redirect elsewhere
	// is followed without them.
	if t.auth != nil && (st == nil || !st.noAuth) && sameOrigin(req.URL, t.c.base) {
		req = req.Clone(req.Context()) // a RoundTripper must not modify its request
		if err := t.auth.Authenticate(req); err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, &authError{err: err}
		}
		t.c.secrets.addAuthorization(req.Header.Get("Authorization"))
	}
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		t.c.pacer.observe(resp)
	}
	return resp, err
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}
