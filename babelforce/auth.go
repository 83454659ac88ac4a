package babelforce

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
	"golang.org/x/oauth2"
)

// PasswordOption adjusts the OAuth password grant of WithPassword.
type PasswordOption func(*passwordGrant) error

type passwordGrant struct {
	username, password string
	clientID           string
	nonExpiring        bool
}

// WithPassword authenticates as a babelforce user (a manager) through the
// OAuth2 password grant: POST /oauth/token with the form
// grant_type=password&username=…&password=…&client_id=manager. The name
// follows the grant's own name, "password", as babelforce's auth spec and
// the seed's curl call it.
//
// The token is fetched on the first call, cached, shared by every goroutine
// (concurrent callers wait for one fetch) and fetched again 60 s before it
// expires, as the zendesk client does. One fetch, retries included, takes
// at most 30 s; a call waits for it no longer than its own context allows,
// while the fetch goes on for the calls that share it. A token whose response has no expires_in is treated as valid for
// 3600 s, as babelforce's own Go SDK does, unless WithNonExpiringToken asked
// for a non-expiring one. When the API answers 401 (a revoked token), the
// token is dropped and the call is sent once more with a new one (any
// method: a 401 was not processed); a second 401 is returned.
func WithPassword(username, password string, opts ...PasswordOption) Option {
	return func(c *config) error {
		if strings.TrimSpace(username) == "" || password == "" {
			return errors.New("password grant: username and password must not be empty")
		}
		g := &passwordGrant{username: username, password: password, clientID: defaultClientID()}
		for _, opt := range opts {
			if opt == nil {
				continue
			}
			if err := opt(g); err != nil {
				return err
			}
		}
		c.password = g
		c.creds++
		return nil
	}
}

// WithClientID replaces the client_id sent with the password grant
// ("manager" by default).
func WithClientID(id string) PasswordOption {
	return func(g *passwordGrant) error {
		if strings.TrimSpace(id) == "" {
			return errors.New("password grant: client id is empty")
		}
		g.clientID = id
		return nil
	}
}

// WithNonExpiringToken asks for a token that does not expire, as the seed's
// curl does with expires_in=-1, and treats a response without expires_in as
// such. Use it for a token handed to another system, such as the bearer
// token of a Zendesk webhook (see Client.AccessToken).
func WithNonExpiringToken() PasswordOption {
	return func(g *passwordGrant) error {
		g.nonExpiring = true
		return nil
	}
}

// defaultClientID is the client_id sent with the password grant.
//
// UNCONFIRMED: babelforce's Go SDK and babelconnect guide always send
// client_id=manager; the help center's curl sends none. Whether the server
// requires it is not documented (notes A2.1).
func defaultClientID() string { return "manager" }

// nonExpiringTokenParams are the form fields that ask for a non-expiring
// token.
//
// UNCONFIRMED: expires_in=-1 comes from the seed's curl only; it is not in
// the request schema of babelforce's auth spec, which does say that a
// non-expiring token's response omits expires_in (notes A2.1).
func nonExpiringTokenParams() url.Values { return url.Values{"expires_in": {"-1"}} }

// defaultTokenLifetime is assumed when a token response has no expires_in
// and no non-expiring token was asked for (babelforce's Go SDK does the same).
const defaultTokenLifetime = time.Hour

// earlyExpiry is how long before its expiry a token is replaced, so that
// no request leaves with a token that dies on the way. The zendesk client
// uses the same margin; babelforce's own Go SDK uses 30 s.
const earlyExpiry = 60 * time.Second

// tokenTimeout bounds one token fetch (with its retries), as in the zendesk
// client. oauth2.TokenSource has no context, so a fetch is not cancelled by
// the caller that started it: other callers wait for the same token. Each
// caller waits no longer than its own context (rest.TokenSourceAuth,
// Client.AccessToken).
const tokenTimeout = 30 * time.Second

// tokenResponse is babelforce's OAuthTokenResponse.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// passwordTokenSource fetches a token with the password grant through the
// client's own HTTP core (unauthenticated, retried like any idempotent call:
// asking twice for a token is harmless).
type passwordTokenSource struct {
	grant *passwordGrant
	c     *Client
	now   func() time.Time
}

func (s *passwordTokenSource) Token() (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), tokenTimeout)
	defer cancel()
	form := url.Values{
		"grant_type": {"password"},
		"username":   {s.grant.username},
		"password":   {s.grant.password},
		"client_id":  {s.grant.clientID},
	}
	if s.grant.nonExpiring {
		for k, v := range nonExpiringTokenParams() {
			form[k] = v
		}
	}
	var tr tokenResponse
	_, err := s.c.rest.Do(ctx, &rest.Request{
		Method:     http.MethodPost,
		Path:       "/oauth/token",
		Body:       form,
		NoAuth:     true,
		Idempotent: true,
	}, &tr)
	if err != nil {
		return nil, err
	}
	if tr.AccessToken == "" {
		return nil, errors.New("babelforce: POST /oauth/token: the response has no access_token")
	}
	tok := &oauth2.Token{AccessToken: tr.AccessToken, TokenType: "Bearer", RefreshToken: tr.RefreshToken}
	switch {
	case tr.ExpiresIn > 0:
		tok.Expiry = s.now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	case s.grant.nonExpiring:
		// no expiry: the token is reused until babelforce rejects it
	default:
		tok.Expiry = s.now().Add(defaultTokenLifetime)
	}
	return tok, nil
}

// tokenAuth is the rest.Reauthenticator of the password grant: a cached
// token shared by every goroutine, which the core drops on a 401 (a revoked
// token) before it resends the request once.
type tokenAuth struct {
	src *passwordTokenSource

	mu     sync.Mutex
	gen    uint64             // the cache's generation, so that a late fetch of a dropped cache is ignored
	reuse  oauth2.TokenSource // the cache: fetches one token for all callers, anew before expiry
	issued time.Time          // when the cache's current token was fetched; zero before the first
}

var _ rest.Reauthenticator = (*tokenAuth)(nil)

func newTokenAuth(g *passwordGrant, c *Client) *tokenAuth {
	a := &tokenAuth{src: &passwordTokenSource{grant: g, c: c, now: time.Now}}
	a.mu.Lock()
	a.resetLocked()
	a.mu.Unlock()
	return a
}

// resetLocked replaces the cache with an empty one. a.mu is held.
func (a *tokenAuth) resetLocked() {
	a.gen++
	gen := a.gen
	fetch := tokenSourceFunc(func() (*oauth2.Token, error) {
		tok, err := a.src.Token()
		if err == nil {
			a.mu.Lock()
			if a.gen == gen {
				// Before the token is handed out, so that every attempt
				// that carries it is stamped later.
				a.issued = time.Now()
			}
			a.mu.Unlock()
		}
		return tok, err
	})
	a.reuse = oauth2.ReuseTokenSourceWithExpiry(nil, fetch, earlyExpiry)
	a.issued = time.Time{}
}

func (a *tokenAuth) current() (oauth2.TokenSource, uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reuse, a.gen
}

// Token returns the cached token, fetching one when there is none.
func (a *tokenAuth) Token() (*oauth2.Token, error) {
	ts, _ := a.current()
	return ts.Token()
}

// Authenticate sets the bearer token on one attempt. The attempt waits for
// a token no longer than its context allows. A token whose cache was
// dropped while the attempt waited for it (another call's 401) is not
// sent: the attempt takes the new cache's token, so that its own 401, if
// any, cannot be mistaken for one to the new token.
func (a *tokenAuth) Authenticate(req *http.Request) error {
	for range 3 {
		ts, gen := a.current()
		if err := rest.TokenSourceAuth(ts).Authenticate(req); err != nil {
			return err
		}
		if _, now := a.current(); now == gen {
			return nil
		}
	}
	return nil // dropped three times in a row: send the last token anyway
}

// Invalidate is called by the core after a 401 to an attempt authenticated
// at authenticatedAt. It drops the cached token unless a newer one has
// replaced it since (another caller's 401, or a renewal), so that
// concurrent 401s cost one token request. The next attempt always carries
// another token: the newer one, or one fetched anew.
func (a *tokenAuth) Invalidate(authenticatedAt time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.issued.IsZero() || a.issued.After(authenticatedAt) {
		return true // already dropped, or replaced since that attempt
	}
	a.resetLocked()
	return true
}

type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }

// AccessToken returns the bearer token the client sends: the static token
// of WithAccessToken, or the password grant's cached token (fetched now if
// there is none). It is meant for handing babelforce's token to another
// system, such as the Authorization header of a Zendesk webhook that calls
// babelforce's /api/v1/webhook/zendesk (the seed's setup); use
// WithNonExpiringToken for that, or the other system's copy expires.
//
// ctx bounds the wait: AccessToken returns ctx's error when it ends first
// (and fetches nothing when it has already ended). The fetch itself, shared
// with concurrent callers, goes on, for at most 30 s.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	if c.auth == nil {
		return c.staticToken, nil
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	type result struct {
		tok *oauth2.Token
		err error
	}
	ch := make(chan result, 1)
	go func() {
		tok, err := c.auth.Token()
		ch <- result{tok, err}
	}()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case r := <-ch:
		if r.err != nil {
			return "", r.err
		}
		return r.tok.AccessToken, nil
	}
}
