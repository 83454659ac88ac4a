package zendesk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
	"golang.org/x/oauth2"
)

// The credentials of a Zendesk client. API tokens and static OAuth tokens
// are sent as they are; every OAuth grant goes through the core's one token
// cache (rest.TokenCache): one token request at a time for all of a
// client's goroutines, each waiting no longer than its own context; the
// token renewed 60 s before it expires; a 401 to a cached token drops it
// and sends the request once more with a new one.
// https://support.zendesk.com/hc/en-us/articles/4408831452954 describes the
// credentials, https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/
// the token endpoint.

// tokenPath is the OAuth token endpoint, outside /api/v2.
const tokenPath = "/oauth/tokens"

// tokenTimeout bounds onRotate, as rest.DefaultTokenTimeout bounds a token
// request.
const tokenTimeout = rest.DefaultTokenTimeout

// sourceEarlyExpiry is how long before its expiry a [WithTokenSource] token
// is asked for again: oauth2's own token sources renew 10 s before expiry,
// and asking them earlier would only get the same token back.
const sourceEarlyExpiry = 10 * time.Second

// defaultScope is the scope asked for when [WithOAuthClientCredentials] is
// given none.
const defaultScope = "read write"

// WithAPIToken authenticates as the agent with the given email address and
// an API token (Admin Center > Apps and integrations > APIs > Zendesk API):
// Authorization: Basic base64("{email}/token:{token}").
//
// Zendesk is retiring API tokens
// (https://developer.zendesk.com/documentation/api-basics/authentication/oauth-migration/):
// new ones can no longer be created from 2026-10-27, and on 2027-04-30
// every remaining token is deactivated and all API calls made with one
// fail. Use OAuth ([WithOAuthClientCredentials] or
// [WithOAuthRefreshToken]) for anything meant to outlive that.
func WithAPIToken(email, token string) Option {
	return func(c *config) error {
		if err := rest.CheckCredential("API token email", email); err != nil {
			return err
		}
		if strings.Contains(email, ":") {
			return errors.New("API token email contains ':'")
		}
		if err := rest.CheckCredential("API token", token); err != nil {
			return err
		}
		c.SetCredential("WithAPIToken", rest.Basic(email+"/token", token))
		return nil
	}
}

// WithOAuthToken authenticates with a static OAuth access token
// (Authorization: Bearer). It is never renewed; for tokens that expire use
// [WithOAuthClientCredentials], [WithOAuthRefreshToken] or
// [WithTokenSource].
func WithOAuthToken(token string) Option {
	return func(c *config) error {
		if err := rest.CheckCredential("OAuth token", token); err != nil {
			return err
		}
		c.SetCredential("WithOAuthToken", rest.Bearer(token))
		return nil
	}
}

// WithTokenSource authenticates with the tokens of ts, for OAuth flows the
// caller runs itself. The client caches the token: ts is asked for one when
// there is none, 10 s before the last one expires, and after Zendesk
// answered 401 to it: the token is then dropped, ts asked again, and the
// request sent once more (a second 401 is returned).
//
// That resend helps only when ts then returns another token. A caching
// source does not: [oauth2.Config.TokenSource] (and
// clientcredentials.Config.TokenSource) return an
// [oauth2.ReuseTokenSource], which hands back the same token until its own
// expiry, revoked or not, so the resend carries the revoked token again and
// gets the second 401, and so does every call until that expiry. As the
// client caches, ts need not: give a source whose Token fetches a new token
// (a one-method type whose Token calls clientcredentials.Config.Token, for
// example), or one that learns of the revocation itself. For Zendesk's own
// grants, [WithOAuthClientCredentials] and [WithOAuthRefreshToken] fetch a
// new token after a 401 without help.
//
// ts.Token takes no context, so the client cannot cancel it: a call waits
// for ts no longer than its own context, but ts must bound its own fetch
// (an oauth2.Config's token source uses the HTTP client of the context it
// was made with: give that client a Timeout). While a call to ts has not
// returned, no second one is made.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) error {
		if ts == nil {
			return errors.New("token source is nil")
		}
		c.SetCredential("WithTokenSource", rest.Credential{Auth: func(rc *rest.Client) (rest.Authenticator, error) {
			return newSourceCache(rc, ts), nil
		}})
		return nil
	}
}

// newSourceCache is [WithTokenSource]'s token cache.
func newSourceCache(rc *rest.Client, ts oauth2.TokenSource) *rest.TokenCache {
	return rest.NewTokenCache(rc, func(context.Context) (rest.Token, error) {
		t, err := ts.Token()
		if err != nil {
			return rest.Token{}, err
		}
		return rest.Token{AccessToken: t.AccessToken, Expiry: t.Expiry}, nil
	}, rest.TokenOptions{EarlyExpiry: sourceEarlyExpiry})
}

// WithOAuthClientCredentials authenticates server to server with a
// confidential OAuth client (Admin Center > Apps and integrations > APIs >
// OAuth clients): the client asks POST /oauth/tokens for an access token
// with grant_type client_credentials, caches it, and asks for a new one 60 s
// before it expires. Concurrent calls share one token request, bounded by
// 30 s; each call waits for it no longer than its own context, and a token
// request whose calls have all gone is cancelled. When Zendesk answers 401
// to a cached token (revoked), the token is dropped and the request is sent
// once more with a new one; a second 401 is returned.
//
// scopes are joined with spaces ("read", "write", "tickets:read", ...);
// none means "read write".
func WithOAuthClientCredentials(clientID, clientSecret string, scopes ...string) Option {
	return func(c *config) error {
		if err := rest.CheckCredential("OAuth client id", clientID); err != nil {
			return err
		}
		if err := rest.CheckCredential("OAuth client secret", clientSecret); err != nil {
			return err
		}
		scope, err := joinScopes(scopes)
		if err != nil {
			return err
		}
		req := tokenRequest{GrantType: "client_credentials", ClientID: clientID, ClientSecret: clientSecret, Scope: scope}
		c.SetCredential("WithOAuthClientCredentials", rest.Credential{
			Secrets: []string{clientSecret},
			Auth: func(rc *rest.Client) (rest.Authenticator, error) {
				return rest.NewTokenCache(rc, func(ctx context.Context) (rest.Token, error) {
					t, err := fetchToken(ctx, rc, &req, true)
					return t.cacheToken(), err
				}, rest.TokenOptions{}), nil
			},
		})
		return nil
	}
}

func joinScopes(scopes []string) (string, error) {
	if len(scopes) == 0 {
		return defaultScope, nil
	}
	for _, s := range scopes {
		if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return "", fmt.Errorf("OAuth scope %q is empty or has spaces; give one scope per argument", s)
		}
	}
	return strings.Join(scopes, " "), nil
}

// Token is an OAuth token pair as Zendesk issues it.
type Token struct {
	AccessToken  string
	RefreshToken string
	// Expiry is when AccessToken expires; zero means it does not.
	Expiry time.Time
	// RefreshTokenExpiry is when RefreshToken expires; zero when Zendesk did
	// not say.
	RefreshTokenExpiry time.Time
	// Scope is the space-separated scope Zendesk granted.
	Scope string
}

// cacheToken is the access token of t, as the core's cache keeps it.
func (t Token) cacheToken() rest.Token {
	return rest.Token{AccessToken: t.AccessToken, Expiry: t.Expiry}
}

// ErrRefreshTokenNotStored is matched (errors.Is) by the error of a call
// that renewed its OAuth token when the onRotate callback of
// [WithOAuthRefreshToken] failed. Zendesk invalidated the previous refresh
// token; the new one lives only in this process until it is stored.
var ErrRefreshTokenNotStored = errors.New("zendesk: the rotated OAuth refresh token could not be stored")

// WithOAuthRefreshToken authenticates with an OAuth access token that is
// renewed through the refresh-token grant (POST /oauth/tokens,
// grant_type refresh_token).
//
// Zendesk rotates the pair on every refresh and invalidates the previous
// refresh token, so the new pair must be stored before anything else
// happens: onRotate receives it (required). current is the pair the caller
// stored last; with an empty or expired AccessToken the first request
// refreshes at once.
//
// The access token is renewed 60 s before it expires, or after Zendesk
// answered 401 to it (revoked): the access token alone is dropped, the pair
// refreshed, and the request sent once more; a second 401 is returned. One
// refresh runs at a time and serves every request waiting for it, so a
// refresh token is never presented twice at once. The refresh is detached
// from the requests that wait for it (a refresh answer dropped because its
// caller left would leave the stored refresh token invalidated): the token
// request is bounded by 30 s, and each request waits no longer than its own
// context.
//
// onRotate runs while other requests of the client wait for the token, with
// a context that keeps the values of the request that started the refresh
// but not its cancellation, and a 30 s deadline of its own. It must not use
// this Client. When it fails, the new pair is kept in memory so that the
// process keeps working, the failure is logged at Error level, and the
// requests that waited for that refresh are not sent: they return an error
// matching [ErrRefreshTokenNotStored] and wrapping onRotate's error. Later
// requests use the new token without error; the caller should store the
// pair again (for example from its own retry).
func WithOAuthRefreshToken(clientID, clientSecret string, current Token, onRotate func(ctx context.Context, t Token) error) Option {
	return func(c *config) error {
		if err := rest.CheckCredential("OAuth client id", clientID); err != nil {
			return err
		}
		if err := rest.CheckCredential("OAuth client secret", clientSecret); err != nil {
			return err
		}
		if err := rest.CheckCredential("OAuth refresh token", current.RefreshToken); err != nil {
			return err
		}
		if onRotate == nil {
			return errors.New("onRotate is nil: Zendesk invalidates the old refresh token on every refresh, so the new one must be stored")
		}
		c.SetCredential("WithOAuthRefreshToken", rest.Credential{
			Secrets: []string{clientSecret, current.RefreshToken, current.AccessToken},
			Auth: func(rc *rest.Client) (rest.Authenticator, error) {
				r := &refresher{rc: rc, clientID: clientID, clientSecret: clientSecret, onRotate: onRotate, pair: current}
				return r.cache(), nil
			},
		})
		return nil
	}
}

// refresher holds the rotating pair of [WithOAuthRefreshToken]; the core's
// cache holds the access token and runs one fetch (one refresh) at a time.
type refresher struct {
	rc           *rest.Client
	clientID     string
	clientSecret string
	onRotate     func(context.Context, Token) error

	mu   sync.Mutex
	pair Token // the refresh token the next refresh presents
}

// cache returns the token cache over r, holding the caller's access token
// when it gave one. The cache is detached: a refresh runs to its end when
// the requests that waited for it have gone.
func (r *refresher) cache() *rest.TokenCache {
	tc := rest.NewTokenCache(r.rc, r.refresh, rest.TokenOptions{Detached: true})
	if r.pair.AccessToken != "" {
		tc.Set(r.pair.cacheToken())
	}
	return tc
}

// refresh is the cache's fetch: it refreshes and rotates the pair, stores
// it through onRotate, and returns the new access token; with an error
// matching [ErrRefreshTokenNotStored] when onRotate failed, so that the cache
// keeps the token and the requests that waited for it get the error. ctx
// keeps the values of the request that started the refresh, not its
// cancellation.
func (r *refresher) refresh(ctx context.Context) (rest.Token, error) {
	r.mu.Lock()
	cur := r.pair
	r.mu.Unlock()
	next, err := fetchToken(ctx, r.rc, &tokenRequest{
		GrantType:    "refresh_token",
		ClientID:     r.clientID,
		ClientSecret: r.clientSecret,
		RefreshToken: cur.RefreshToken,
	}, false)
	if err != nil {
		return rest.Token{}, err
	}
	if next.RefreshToken == "" {
		// Not rotated after all: the old refresh token stays valid.
		next.RefreshToken = cur.RefreshToken
		next.RefreshTokenExpiry = cur.RefreshTokenExpiry
	}
	r.mu.Lock()
	r.pair = next
	r.mu.Unlock()

	storeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenTimeout)
	defer cancel()
	if err := r.onRotate(storeCtx, next); err != nil {
		rerr := &rotationError{cause: err, msg: r.rc.Secrets().Scrub(err.Error())}
		r.rc.Logger().LogAttrs(ctx, slog.LevelError, "zendesk: OAuth refresh token rotated but not stored; the new pair lives only in this process",
			slog.String("vendor", vendor.Name), slog.String("error", rerr.msg))
		return next.cacheToken(), rerr
	}
	return next.cacheToken(), nil
}

// rotationError is returned when onRotate failed. Its text is scrubbed of
// the new tokens (the callback's error might quote them); the callback's
// error itself is reachable through errors.As / errors.Is.
type rotationError struct {
	cause error
	msg   string
}

func (e *rotationError) Error() string {
	return ErrRefreshTokenNotStored.Error() + " (the new pair is kept in memory only): " + e.msg
}

func (e *rotationError) Unwrap() []error { return []error{ErrRefreshTokenNotStored, e.cause} }

// tokenRequest is the JSON body of POST /oauth/tokens.
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// tokenResponse is its answer.
type tokenResponse struct {
	AccessToken           string `json:"access_token"`
	TokenType             string `json:"token_type"`
	Scope                 string `json:"scope"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
}

func (r *tokenResponse) token(issued time.Time) Token {
	t := Token{AccessToken: r.AccessToken, RefreshToken: r.RefreshToken, Scope: r.Scope}
	if r.ExpiresIn > 0 {
		t.Expiry = issued.Add(time.Duration(r.ExpiresIn) * time.Second)
	}
	if r.RefreshTokenExpiresIn > 0 {
		t.RefreshTokenExpiry = issued.Add(time.Duration(r.RefreshTokenExpiresIn) * time.Second)
	}
	return t
}

// fetchToken calls POST /oauth/tokens without credentials, through the
// client itself. A client-credentials request is safe to replay after a
// 5xx; a refresh is not (a replay would present a refresh token the first
// attempt may have invalidated). The tokens it gets are scrubbed from every
// later error and log record of the client.
func fetchToken(ctx context.Context, rc *rest.Client, body *tokenRequest, replayable bool) (Token, error) {
	var out tokenResponse
	issued := rc.Now()
	_, err := rc.Do(ctx, &rest.Request{
		Method:     http.MethodPost,
		Path:       tokenPath,
		Body:       body,
		NoAuth:     true,
		Idempotent: replayable,
	}, &out)
	if err != nil {
		return Token{}, err
	}
	rc.Secrets().Add(out.AccessToken, out.RefreshToken)
	if out.AccessToken == "" {
		return Token{}, errors.New("zendesk: POST /oauth/tokens: the response has no access_token")
	}
	return out.token(issued), nil
}
