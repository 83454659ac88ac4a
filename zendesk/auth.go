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

// tokenEarlyExpiry is how long before its expiry an OAuth access token is
// renewed, so that a request never leaves with a token that dies on the way.
// The babelforce client uses the same margin.
const tokenEarlyExpiry = 60 * time.Second

// tokenTimeout bounds one call to the token endpoint (with its retries), and
// separately the onRotate callback, as in the babelforce client. A token
// fetch is shared by the calls that need it and detached from each of them:
// a refresh that reached Zendesk and whose answer was dropped because its
// caller left would leave the stored refresh token invalidated. Each call
// waits for it no longer than its own context.
const tokenTimeout = 30 * time.Second

// tokenPath is the OAuth token endpoint, outside /api/v2.
const tokenPath = "/oauth/tokens"

// defaultScope is the scope asked for when WithOAuthClientCredentials is
// given none.
const defaultScope = "read write"

// authBuilder is what a credential option leaves in the config: the secrets
// to scrub, and how to build the authenticator once the token client exists.
type authBuilder struct {
	secrets []string
	build   func(env *authEnv) (rest.Authenticator, error)
}

// authEnv is what an authenticator may use: the unauthenticated client for
// the token endpoint, the logger, and the set of credentials both clients
// scrub from errors and logs, to which tokens learnt at run time are added
// (a refresh token travels in no header the core would see).
type authEnv struct {
	tokens  *rest.Client
	logger  *slog.Logger
	secrets *rest.Secrets
}

func (c *config) setCredential(name string, secrets []string, build func(*authEnv) (rest.Authenticator, error)) {
	c.creds = append(c.creds, name)
	c.auth = authBuilder{secrets: secrets, build: build}
}

func checkCredential(what, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("%s has control characters", what)
	}
	return nil
}

// WithAPIToken authenticates as the agent with the given email address and
// an API token (Admin Center > Apps and integrations > APIs > Zendesk API):
// Authorization: Basic base64("{email}/token:{token}").
//
// Zendesk is retiring API tokens: new ones can no longer be created from
// 2026-10-27, and on 2027-04-30 every remaining token is deactivated and all
// API calls made with one fail. Use OAuth (WithOAuthClientCredentials or
// WithOAuthRefreshToken) for anything meant to outlive that.
func WithAPIToken(email, token string) Option {
	return func(c *config) error {
		if err := checkCredential("API token email", email); err != nil {
			return err
		}
		if strings.Contains(email, ":") {
			return errors.New("API token email contains ':'")
		}
		if err := checkCredential("API token", token); err != nil {
			return err
		}
		c.setCredential("WithAPIToken", []string{token}, func(*authEnv) (rest.Authenticator, error) {
			return rest.BasicAuth(email+"/token", token), nil
		})
		return nil
	}
}

// WithOAuthToken authenticates with a static OAuth access token
// (Authorization: Bearer). It is never renewed; for tokens that expire use
// WithOAuthClientCredentials, WithOAuthRefreshToken or WithTokenSource.
func WithOAuthToken(token string) Option {
	return func(c *config) error {
		if err := checkCredential("OAuth token", token); err != nil {
			return err
		}
		c.setCredential("WithOAuthToken", []string{token}, func(*authEnv) (rest.Authenticator, error) {
			return rest.BearerToken(token), nil
		})
		return nil
	}
}

// WithTokenSource authenticates with the tokens of ts, for OAuth flows the
// caller runs itself. ts is wrapped in oauth2.ReuseTokenSource, so it is
// asked for a token only when the last one has expired, or after Zendesk
// answered 401 to it: the token is then dropped, ts asked again, and the
// request sent once more (a second 401 is returned). A call waits for ts no
// longer than its context; ts must bound its own fetch.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) error {
		if ts == nil {
			return errors.New("token source is nil")
		}
		c.setCredential("WithTokenSource", nil, func(*authEnv) (rest.Authenticator, error) {
			return newCachedSourceAuth(ts, 0), nil
		})
		return nil
	}
}

// WithOAuthClientCredentials authenticates server to server with a
// confidential OAuth client (Admin Center > Apps and integrations > APIs >
// OAuth clients): the client asks POST /oauth/tokens for an access token
// with grant_type client_credentials, caches it, and asks for a new one 60 s
// before it expires. Concurrent calls share one token request, bounded by
// 30 s; each call waits for it no longer than its own context. When Zendesk
// answers 401 to a cached token (revoked), the token is dropped and the
// request is sent once more with a new one; a second 401 is returned.
//
// scopes are joined with spaces ("read", "write", "tickets:read", ...);
// none means "read write".
func WithOAuthClientCredentials(clientID, clientSecret string, scopes ...string) Option {
	return func(c *config) error {
		if err := checkCredential("OAuth client id", clientID); err != nil {
			return err
		}
		if err := checkCredential("OAuth client secret", clientSecret); err != nil {
			return err
		}
		scope, err := joinScopes(scopes)
		if err != nil {
			return err
		}
		req := tokenRequest{GrantType: "client_credentials", ClientID: clientID, ClientSecret: clientSecret, Scope: scope}
		c.setCredential("WithOAuthClientCredentials", []string{clientSecret}, func(env *authEnv) (rest.Authenticator, error) {
			return newCachedSourceAuth(&clientCredentialsSource{env: env, req: req}, tokenEarlyExpiry), nil
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

// ErrRefreshTokenNotStored is matched (errors.Is) by the error of a call
// that renewed its OAuth token when the onRotate callback of
// WithOAuthRefreshToken failed. Zendesk invalidated the previous refresh
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
// matching ErrRefreshTokenNotStored and wrapping onRotate's error. Later
// requests use the new token without error; the caller should store the
// pair again (for example from its own retry).
func WithOAuthRefreshToken(clientID, clientSecret string, current Token, onRotate func(ctx context.Context, t Token) error) Option {
	return func(c *config) error {
		if err := checkCredential("OAuth client id", clientID); err != nil {
			return err
		}
		if err := checkCredential("OAuth client secret", clientSecret); err != nil {
			return err
		}
		if err := checkCredential("OAuth refresh token", current.RefreshToken); err != nil {
			return err
		}
		if onRotate == nil {
			return errors.New("onRotate is nil: Zendesk invalidates the old refresh token on every refresh, so the new one must be stored")
		}
		secrets := []string{clientSecret, current.RefreshToken, current.AccessToken}
		c.setCredential("WithOAuthRefreshToken", secrets, func(env *authEnv) (rest.Authenticator, error) {
			return &refreshSource{
				env: env, clientID: clientID, clientSecret: clientSecret,
				onRotate: onRotate, tok: current, now: time.Now,
			}, nil
		})
		return nil
	}
}

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

// fetchToken calls POST /oauth/tokens without credentials. A
// client-credentials request is safe to replay after a 5xx; a refresh is
// not (a replay would present a refresh token the first attempt may have
// invalidated).
func (env *authEnv) fetchToken(ctx context.Context, body *tokenRequest, replayable bool) (Token, error) {
	var out tokenResponse
	issued := time.Now()
	_, err := env.tokens.Do(ctx, &rest.Request{
		Method:     http.MethodPost,
		Path:       tokenPath,
		Body:       body,
		NoAuth:     true,
		Idempotent: replayable,
	}, &out)
	if err != nil {
		return Token{}, err
	}
	if out.AccessToken == "" {
		return Token{}, errors.New("zendesk: POST /oauth/tokens: the response has no access_token")
	}
	env.secrets.Add(out.AccessToken)
	env.secrets.Add(out.RefreshToken)
	return out.token(issued), nil
}

// clientCredentialsSource asks for a new token on every call; it sits under
// oauth2.ReuseTokenSourceWithExpiry, which calls it once per expiry for all
// goroutines.
type clientCredentialsSource struct {
	env *authEnv
	req tokenRequest
}

func (s *clientCredentialsSource) Token() (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), tokenTimeout)
	defer cancel()
	t, err := s.env.fetchToken(ctx, &s.req, true)
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer", Expiry: t.Expiry}, nil
}

// cachedSourceAuth authenticates with the tokens of a source, through
// oauth2.ReuseTokenSourceWithExpiry (one fetch for all goroutines, renewed
// early by the given margin; each attempt waits for it no longer than its
// context, see rest.TokenSourceAuth). It is a rest.Reauthenticator: after a
// 401 the core calls Invalidate, which drops the cache, and resends once.
type cachedSourceAuth struct {
	inner oauth2.TokenSource
	early time.Duration

	mu    sync.Mutex
	gen   uint64             // the cache's generation, bumped by every drop
	cache rest.Authenticator // over a ReuseTokenSource of generation gen
	// issued is when the cache last got a token from inner (wall clock,
	// as the core stamps attempts); zero before its first.
	issued time.Time
}

func newCachedSourceAuth(inner oauth2.TokenSource, early time.Duration) *cachedSourceAuth {
	a := &cachedSourceAuth{inner: inner, early: early}
	a.reset()
	return a
}

// reset starts a new, empty cache. a.mu is held, or a not yet shared.
func (a *cachedSourceAuth) reset() {
	a.gen++
	a.issued = time.Time{}
	gen := a.gen
	fetch := sourceFunc(func() (*oauth2.Token, error) {
		tok, err := a.inner.Token()
		if err == nil {
			a.mu.Lock()
			if a.gen == gen { // a dropped cache's late fetch says nothing
				a.issued = time.Now()
			}
			a.mu.Unlock()
		}
		return tok, err
	})
	a.cache = rest.TokenSourceAuth(oauth2.ReuseTokenSourceWithExpiry(nil, fetch, a.early))
}

// Authenticate sets the cached token, fetching one when there is none. A
// token dropped while it was being obtained is not sent: the new cache's
// token is asked for instead (a few times at most), so that every attempt
// authenticated after a drop carries a token obtained after it.
func (a *cachedSourceAuth) Authenticate(req *http.Request) error {
	for range 3 {
		a.mu.Lock()
		cache, gen := a.cache, a.gen
		a.mu.Unlock()
		if err := cache.Authenticate(req); err != nil {
			return err
		}
		a.mu.Lock()
		current := a.gen == gen
		a.mu.Unlock()
		if current {
			break
		}
	}
	return nil
}

// Invalidate implements rest.Reauthenticator. An attempt authenticated at
// authenticatedAt was answered 401: the cached token is dropped if it was
// obtained before then, so it is the one the attempt carried (or, in a rare
// interleaving, a newer one, which then costs one more token request);
// a token obtained since, or none yet, is left for the next attempt. Either
// way the next attempt carries a token obtained after the failed one, so it
// reports true. (With WithTokenSource the source may hand back the same
// token; the resend then gets the same 401, which is returned.)
func (a *cachedSourceAuth) Invalidate(authenticatedAt time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.issued.IsZero() && !a.issued.After(authenticatedAt) {
		a.reset()
	}
	return true
}

type sourceFunc func() (*oauth2.Token, error)

func (f sourceFunc) Token() (*oauth2.Token, error) { return f() }

// refreshSource holds the rotating pair of WithOAuthRefreshToken. It is its
// own cache rather than an oauth2.ReuseTokenSource because it must tell the
// requests that waited for a refresh that the new pair was not stored, and
// because storing must follow the caller's context values.
//
// One refresh runs at a time (flight): the requests that need a token
// while it runs wait for it, each no longer than its own context, and the
// refresh goes on without them.
type refreshSource struct {
	env          *authEnv
	clientID     string
	clientSecret string
	onRotate     func(context.Context, Token) error
	now          func() time.Time

	mu  sync.Mutex
	tok Token
	// issued is when tok was obtained here (wall clock, as the core stamps
	// attempts); zero for the caller's pair.
	issued time.Time
	// flight is the refresh in progress, nil when none.
	flight *refreshFlight
}

// refreshFlight is one refresh; token and err are set before done closes.
type refreshFlight struct {
	done  chan struct{}
	token string
	err   error
}

// Invalidate implements rest.Reauthenticator: an attempt authenticated at
// authenticatedAt was answered 401. The access token is dropped, unless it
// was obtained since, so that the next attempt refreshes the pair; the
// refresh token is kept. The next attempt always carries a different
// access token (or fails to get one), so it reports true.
func (s *refreshSource) Invalidate(authenticatedAt time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.issued.After(authenticatedAt) {
		s.tok.AccessToken = ""
	}
	return true
}

func (s *refreshSource) Authenticate(req *http.Request) error {
	tok, err := s.token(req.Context())
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// valid reports whether the access token can be used as it is. s.mu is
// held.
func (s *refreshSource) valid() bool {
	return s.tok.AccessToken != "" && (s.tok.Expiry.IsZero() || s.now().Add(tokenEarlyExpiry).Before(s.tok.Expiry))
}

// token returns a valid access token, waiting for the refresh in progress,
// or starting one, when the current token is missing or about to expire. It
// waits no longer than ctx.
func (s *refreshSource) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.flight == nil {
		if s.valid() {
			tok := s.tok.AccessToken
			s.mu.Unlock()
			return tok, nil
		}
		if err := ctx.Err(); err != nil {
			s.mu.Unlock()
			return "", err // start no refresh for a caller already gone
		}
		s.flight = &refreshFlight{done: make(chan struct{})}
		go s.refresh(context.WithoutCancel(ctx), s.flight)
	}
	f := s.flight
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// refresh runs flight f: it refreshes and rotates the pair, stores it
// through onRotate, and then lets the waiting requests go. ctx carries the
// values of the request that started it, not its cancellation.
func (s *refreshSource) refresh(ctx context.Context, f *refreshFlight) {
	defer func() {
		s.mu.Lock()
		s.flight = nil
		s.mu.Unlock()
		close(f.done)
	}()
	s.mu.Lock()
	cur := s.tok
	s.mu.Unlock()

	fetchCtx, cancel := context.WithTimeout(ctx, tokenTimeout)
	next, err := s.env.fetchToken(fetchCtx, &tokenRequest{
		GrantType:    "refresh_token",
		ClientID:     s.clientID,
		ClientSecret: s.clientSecret,
		RefreshToken: cur.RefreshToken,
	}, false)
	cancel()
	if err != nil {
		f.err = err
		return
	}
	if next.RefreshToken == "" {
		// Not rotated after all: the old refresh token stays valid.
		next.RefreshToken = cur.RefreshToken
		next.RefreshTokenExpiry = cur.RefreshTokenExpiry
	}
	s.mu.Lock()
	s.tok, s.issued = next, time.Now()
	s.mu.Unlock()

	storeCtx, cancel := context.WithTimeout(ctx, tokenTimeout)
	defer cancel()
	if err := s.onRotate(storeCtx, next); err != nil {
		rerr := &rotationError{cause: err, msg: s.env.secrets.Scrub(err.Error())}
		s.env.logger.LogAttrs(ctx, slog.LevelError, "zendesk: OAuth refresh token rotated but not stored; the new pair lives only in this process",
			slog.String("vendor", "zendesk"), slog.String("error", rerr.msg))
		f.err = rerr
		return
	}
	f.token = next.AccessToken
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
