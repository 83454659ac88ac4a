package babelforce

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// PasswordOption adjusts the OAuth password grant of [WithPassword].
type PasswordOption func(*passwordGrant) error

// passwordGrant is what [WithPassword] sends to POST /oauth/token.
type passwordGrant struct {
	username, password string
	clientID           string
	nonExpiring        bool
}

// WithPassword authenticates as a babelforce user (a manager) through the
// OAuth2 password grant: POST /oauth/token with the form
// grant_type=password&username=…&password=…&client_id=manager (babelforce's
// auth spec, static/openapi/auth.openapi.yaml in
// https://github.com/babelforce/manager-sdk). The name follows the grant's
// own name, "password", as that spec and the help center's curl call it.
//
// The token is fetched on the first call, cached, shared by every goroutine
// (concurrent callers wait for one fetch) and fetched again 60 s before it
// expires. One fetch, retries included, takes at most 30 s; a call waits
// for it no longer than its own context allows, and a fetch that every
// waiting call has given up on is cancelled. A token whose response has no
// expires_in is treated as valid for 3600 s, as babelforce's own Go SDK
// (https://github.com/babelforce/manager-sdk-go) does, unless
// [WithNonExpiringToken] asked for a non-expiring one. When the API answers
// 401 (a revoked token), the token is dropped and the call is sent once
// more with a new one (any method: a 401 was not processed); a second 401
// is returned.
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
		c.SetCredential("WithPassword", rest.Credential{
			Secrets: []string{password},
			Auth: func(rc *rest.Client) (rest.Authenticator, error) {
				c.tokens = rest.NewTokenCache(rc, g.fetch(rc), rest.TokenOptions{})
				return c.tokens, nil
			},
		})
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

// WithNonExpiringToken asks for a token that does not expire, as the help
// center's curl does with expires_in=-1, and treats a response without
// expires_in as such. Use it for a token handed to another system, such as
// the bearer token of a Zendesk webhook (see [Client.AccessToken]).
func WithNonExpiringToken() PasswordOption {
	return func(g *passwordGrant) error {
		g.nonExpiring = true
		return nil
	}
}

// defaultTokenLifetime is assumed when a token response has no expires_in
// and no non-expiring token was asked for (babelforce's Go SDK does the
// same).
const defaultTokenLifetime = 3600 * time.Second

// tokenResponse is babelforce's OAuthTokenResponse.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// fetch returns the grant's token request, sent through the client's own
// HTTP core: without credentials, outside the rate-limit budget, and
// retried like any idempotent call (asking twice for a token is harmless).
func (g *passwordGrant) fetch(rc *rest.Client) rest.TokenFetch {
	form := url.Values{
		"grant_type": {"password"},
		"username":   {g.username},
		"password":   {g.password},
		"client_id":  {g.clientID},
	}
	if g.nonExpiring {
		maps.Copy(form, nonExpiringTokenParams())
	}
	return func(ctx context.Context) (rest.Token, error) {
		tr, err := rest.Send[tokenResponse](ctx, rc, &rest.Request{
			Method:     http.MethodPost,
			Path:       "/oauth/token",
			Body:       form,
			NoAuth:     true,
			Idempotent: true,
		}, "")
		if err != nil {
			return rest.Token{}, err
		}
		if tr.AccessToken == "" {
			return rest.Token{}, errors.New("babelforce: POST /oauth/token: the response has no access_token")
		}
		tok := rest.Token{AccessToken: tr.AccessToken}
		switch {
		case tr.ExpiresIn > 0:
			tok.Expiry = rc.Now().Add(time.Duration(tr.ExpiresIn) * time.Second)
		case g.nonExpiring:
			// no expiry: the token is used until babelforce rejects it
		default:
			tok.Expiry = rc.Now().Add(defaultTokenLifetime)
		}
		return tok, nil
	}
}

// AccessToken returns the bearer token the client sends: the static token
// of [WithAccessToken], or the password grant's cached token (fetched now
// if there is none or it is about to expire). It is meant for handing
// babelforce's token to another system, such as the Authorization header
// of a Zendesk webhook that calls babelforce's /api/v1/webhook/zendesk (the
// help center's setup); use [WithNonExpiringToken] for that, or the other
// system's copy expires.
//
// ctx bounds the wait: [Client.AccessToken] returns ctx's error when it ends
// first, and fetches nothing when it has already ended.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	if c.tokens == nil {
		return c.staticToken, nil
	}
	return c.tokens.Token(ctx)
}
