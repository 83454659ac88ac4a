package rest

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

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

// Reauthenticator is an Authenticator whose credential can go stale before
// it says so (a revoked OAuth token). On a 401 the core calls Invalidate
// with the time, on the wall clock, just after the failed attempt was
// authenticated: the authenticator drops the credential that attempt
// carried unless a newer one has replaced it since, and reports whether
// the next attempt will carry a different credential. If it will, the
// request is sent once more: a 401 means it was not processed, so any
// method is safe to resend.
type Reauthenticator interface {
	Authenticator
	Invalidate(authenticatedAt time.Time) bool
}

// TokenSourceAuth authenticates with the tokens of ts, asked for on every
// attempt. Wrap ts in oauth2.ReuseTokenSource so that a valid token is
// reused and one refresh serves concurrent callers. An attempt waits for
// the token no longer than its context allows; the fetch itself goes on for
// the callers that share it (oauth2.TokenSource takes no context, so a
// source must bound its own fetch).
func TokenSourceAuth(ts oauth2.TokenSource) Authenticator {
	return AuthFunc(func(req *http.Request) error {
		type result struct {
			tok *oauth2.Token
			err error
		}
		done := make(chan result, 1)
		go func() {
			tok, err := ts.Token()
			done <- result{tok, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-req.Context().Done():
			return req.Context().Err()
		}
		if r.err != nil {
			return r.err
		}
		if r.tok == nil || r.tok.AccessToken == "" {
			return errors.New("the token source returned an empty access token")
		}
		r.tok.SetAuthHeader(req)
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
		if st != nil {
			st.authAt = time.Now() // the wall clock, as credentials are stamped
		}
	}
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		budget := ""
		if st != nil {
			budget = st.budget
		}
		t.c.pacer.observe(budget, resp)
	}
	return resp, err
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}
