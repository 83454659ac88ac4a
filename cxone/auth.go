package cxone

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/golang-jwt/jwt/v5"
)

// GrantOption adjusts the password grant of [WithAccessKey].
type GrantOption func(*accessKeyGrant) error

// accessKeyGrant is what [WithAccessKey] sends to the token endpoint.
type accessKeyGrant struct {
	accessKeyID, accessKeySecret string
	clientID, clientSecret       string
	basic                        bool // client credentials as HTTP Basic, not in the form

	client *Client                // set by NewClient, before any fetch
	tokens *rest.TokenCache       // built with the discovery host's client
	idTok  atomic.Pointer[string] // the last fetch's id_token
}

// WithAccessKey authenticates as a CXone API user through the OAuth2
// password grant that CXone requires of back-end applications
// (https://developer.niceincontact.com/Documentation/APIAuthenticationAndAuthorization):
// the user's access key id and secret are the grant's username and
// password, and the client id and secret are those NICE issued when the
// application was registered. The token endpoint is the token_endpoint of
// the OpenID configuration at /.well-known/openid-configuration.
//
// The client id and secret go in the form body (client_secret_post) unless
// [WithClientSecretBasic] sends them as HTTP Basic instead.
//
// The token is fetched on the first call, cached, shared by every
// goroutine (concurrent callers wait for one fetch) and fetched again 5
// minutes before it expires, as CXone's agent SDK does (CXone's tokens last
// about an hour), or a quarter of its lifetime before, for a token that
// lives less than 20 minutes. A 401 from the API drops the token and sends the call
// once more with a new one.
func WithAccessKey(accessKeyID, accessKeySecret, clientID, clientSecret string, opts ...GrantOption) Option {
	return func(c *config) error {
		for what, v := range map[string]string{"access key id": accessKeyID, "access key secret": accessKeySecret, "client id": clientID, "client secret": clientSecret} {
			if err := rest.CheckCredential(what, v); err != nil {
				return err
			}
		}
		g := &accessKeyGrant{accessKeyID: accessKeyID, accessKeySecret: accessKeySecret, clientID: clientID, clientSecret: clientSecret, basic: defaultClientSecretBasic()}
		for _, opt := range opts {
			if opt == nil {
				continue
			}
			if err := opt(g); err != nil {
				return err
			}
		}
		pair := clientID + ":" + clientSecret
		c.SetCredential("WithAccessKey", rest.Credential{
			Secrets: []string{accessKeySecret, clientSecret, pair, base64.StdEncoding.EncodeToString([]byte(pair))},
			Auth: func(rc *rest.Client) (rest.Authenticator, error) {
				if g.tokens == nil {
					// The first client built is the discovery host's: the
					// cache lives there, and fetches through it.
					g.tokens = rest.NewTokenCache(rc, g.fetch, rest.TokenOptions{EarlyExpiry: tokenEarlyExpiry})
					return g.tokens, nil
				}
				return &sharedTokens{tokens: g.tokens, secrets: rc.Secrets()}, nil
			},
		})
		c.grant = g
		return nil
	}
}

// WithClientSecretBasic sends the client id and secret as HTTP Basic
// authentication (client_secret_basic) instead of in the form body.
func WithClientSecretBasic() GrantOption {
	return func(g *accessKeyGrant) error {
		g.basic = true
		return nil
	}
}

// WithClientSecretPost sends the client id and secret in the form body
// (client_secret_post), the default.
func WithClientSecretPost() GrantOption {
	return func(g *accessKeyGrant) error {
		g.basic = false
		return nil
	}
}

// tokenEarlyExpiry renews a token this long before it expires: CXone's
// agent SDK refreshes 5 minutes early (cxone-auth.js,
// TOKEN_EXPIREIN_BUFFER), or a quarter of its lifetime before for a token
// that lives less than four times that (see cacheExpiry).
const tokenEarlyExpiry = 5 * time.Minute

// cacheExpiry is the expiry handed to the token cache for a token fetched
// at now that lives lifetime. The cache renews tokenEarlyExpiry before
// the expiry it holds; a token living less than that would be renewed on
// every call (a 4-minute token: a token request per call), so the early
// renewal is capped at a quarter of the lifetime, by moving the expiry the
// cache holds that much later. An hour's token keeps its real expiry.
func cacheExpiry(now time.Time, lifetime time.Duration) time.Time {
	early := min(tokenEarlyExpiry, lifetime/4)
	return now.Add(lifetime - early + tokenEarlyExpiry)
}

// TokenResponse is the token endpoint's answer (the agent SDK's
// auth-token.js model).
type TokenResponse struct {
	AccessToken     string `json:"access_token"`
	TokenType       string `json:"token_type,omitempty"`
	ExpiresIn       int64  `json:"expires_in,omitempty"`
	RefreshToken    string `json:"refresh_token,omitempty"`
	IDToken         string `json:"id_token,omitempty"`
	IssuedTokenType string `json:"issued_token_type,omitempty"`
}

// parseTokenResponse reads a token endpoint's answer.
func parseTokenResponse(body []byte) (*TokenResponse, error) {
	var tr TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return nil, fmt.Errorf("the token response is not a JSON object: %w", err)
	}
	if strings.TrimSpace(tr.AccessToken) == "" {
		return nil, errors.New("the token response has no access_token")
	}
	if strings.ContainsFunc(tr.AccessToken, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return nil, errors.New("the token response's access_token has spaces or control characters")
	}
	if tr.ExpiresIn < 0 {
		tr.ExpiresIn = 0
	}
	return &tr, nil
}

// fetch runs the password grant once: through the client of the token
// endpoint's host, without credentials of its own, outside the rate-limit
// budget, retried like an idempotent call (asking twice for a token is
// harmless).
func (g *accessKeyGrant) fetch(ctx context.Context) (rest.Token, error) {
	c := g.client
	oc, err := c.openID.get(ctx, c.readOpenID)
	if err != nil {
		return rest.Token{}, err
	}
	form := url.Values{
		"grant_type": {"password"},
		"username":   {g.accessKeyID},
		"password":   {g.accessKeySecret},
	}
	req := &rest.Request{Method: http.MethodPost, Path: oc.tokenPath, Body: form, NoAuth: true, Idempotent: true}
	if g.basic {
		req.Header = http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(g.clientID+":"+g.clientSecret))}}
	} else {
		form.Set("client_id", g.clientID)
		form.Set("client_secret", g.clientSecret)
	}
	var body []byte
	if _, err := oc.rc.Do(ctx, req, &body); err != nil {
		return rest.Token{}, err
	}
	tr, err := parseTokenResponse(body)
	if err != nil {
		return rest.Token{}, fmt.Errorf("cxone: POST %s: %w", oc.tokenPath, err)
	}
	if tr.IDToken != "" {
		c.root.Secrets().Add(tr.IDToken)
	}
	if tr.RefreshToken != "" {
		c.root.Secrets().Add(tr.RefreshToken)
	}
	id := tr.IDToken
	g.idTok.Store(&id)
	lifetime := time.Duration(tr.ExpiresIn) * time.Second
	if lifetime <= 0 {
		lifetime = defaultTokenLifetime()
	}
	return rest.Token{AccessToken: tr.AccessToken, Expiry: cacheExpiry(c.root.Now(), lifetime)}, nil
}

// sharedTokens authenticates the requests of another host's client with
// the discovery host's token cache, and teaches that client's scrubber
// every token it sends.
type sharedTokens struct {
	tokens  *rest.TokenCache
	secrets *rest.Secrets
	mu      sync.Mutex
	taught  string
}

// Authenticate sets "Authorization: Bearer <token>" on req.
func (a *sharedTokens) Authenticate(req *http.Request) error {
	tok, err := a.tokens.Token(req.Context())
	if err != nil {
		return err
	}
	a.mu.Lock()
	if a.taught != tok {
		a.secrets.Add(tok)
		a.taught = tok
	}
	a.mu.Unlock()
	req.Header["Authorization"] = []string{"Bearer " + tok}
	return nil
}

// Invalidate drops the token a request got a 401 with.
func (a *sharedTokens) Invalidate(sent *http.Request) { a.tokens.Invalidate(sent) }

// openIDConfig is what the client uses of the OpenID configuration: the
// token endpoint, as a path (or URL) for the client rc.
type openIDConfig struct {
	tokenPath string
	rc        *rest.Client
}

// readOpenID reads /.well-known/openid-configuration on the discovery host
// and checks its token endpoint.
func (c *Client) readOpenID(ctx context.Context) (*openIDConfig, error) {
	var body []byte
	if _, err := c.root.Do(ctx, &rest.Request{Path: "/.well-known/openid-configuration", NoAuth: true}, &body); err != nil {
		return nil, err
	}
	tokenURL, err := parseOpenIDConfig(body)
	if err != nil {
		return nil, fmt.Errorf("cxone: GET /.well-known/openid-configuration: %w", err)
	}
	return c.routeTokenEndpoint(tokenURL)
}

// parseOpenIDConfig returns the token_endpoint of an OpenID configuration,
// as a URL not yet checked against the hosts it may name.
func parseOpenIDConfig(body []byte) (*url.URL, error) {
	var doc struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("the answer is not a JSON object: %w", err)
	}
	if doc.TokenEndpoint == "" {
		return nil, errors.New("the answer has no token_endpoint")
	}
	u, err := url.Parse(doc.TokenEndpoint)
	if err != nil || !u.IsAbs() {
		return nil, fmt.Errorf("token_endpoint %q is not an absolute URL", clip(doc.TokenEndpoint))
	}
	return u, nil
}

// routeTokenEndpoint picks the client that may send the password to the
// token endpoint u, refusing any host but CXone's (or, with WithBaseURL,
// the base URL: a CXone token endpoint's path is then sent there).
func (c *Client) routeTokenEndpoint(u *url.URL) (*openIDConfig, error) {
	base := c.rootURL()
	if below(u, base) {
		return &openIDConfig{tokenPath: u.String(), rc: c.root}, nil
	}
	if err := checkCXoneURL(u); err != nil {
		return nil, fmt.Errorf("cxone: refusing the token endpoint %q of the OpenID configuration, which would receive the access key secret: %w", clip(u.String()), err)
	}
	if c.fixed {
		return &openIDConfig{tokenPath: u.EscapedPath(), rc: c.root}, nil
	}
	rc, err := c.hostClient(u.Scheme + "://" + u.Host)
	if err != nil {
		return nil, err
	}
	return &openIDConfig{tokenPath: u.String(), rc: rc}, nil
}

// TenantID returns the tenant the client works for: the one of
// [WithTenant], else the tenantId claim of the token (its id_token, else
// its access token), which it fetches if needed.
func (c *Client) TenantID(ctx context.Context) (string, error) {
	if conn := c.conn.peek(); conn != nil {
		return conn.tenant, nil
	}
	return c.tenantID(ctx)
}

func (c *Client) tenantID(ctx context.Context) (string, error) {
	if c.tenant != "" {
		return c.tenant, nil
	}
	access, err := c.AccessToken(ctx)
	if err != nil {
		return "", err
	}
	var idTok string
	if c.grant != nil {
		if p := c.grant.idTok.Load(); p != nil {
			idTok = *p
		}
	}
	if t, ok := tenantFromTokens(idTok, access); ok {
		return t, nil
	}
	return "", invalidf("the token carries no %s claim to find the tenant by; give WithTenant", tenantClaim())
}

// tenantFromTokens reads the tenant id claim of the first token that is a
// JWT carrying one. The signature is not checked: the token came from the
// token endpoint over TLS, and the tenant id only selects which discovery
// document to read, whose answer is checked on its own.
func tenantFromTokens(tokens ...string) (string, bool) {
	p := jwt.NewParser()
	for _, tok := range tokens {
		if tok == "" || len(tok) > 64<<10 {
			continue
		}
		claims := jwt.MapClaims{}
		if _, _, err := p.ParseUnverified(tok, claims); err != nil {
			continue
		}
		if s, ok := claims[tenantClaim()].(string); ok && tenantPattern.MatchString(s) {
			return s, true
		}
	}
	return "", false
}

// clip shortens a value quoted in an error.
func clip(s string) string { return rest.Snippet([]byte(s), 120) }
