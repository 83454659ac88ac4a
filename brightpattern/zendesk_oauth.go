package brightpattern

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/zendesk"
	"golang.org/x/oauth2"
)

// The Zendesk OAuth password grant, which the zendesk client does not
// offer (Zendesk deprecates it): POST /oauth/tokens
// (https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/)
// through a core client of its own. The zendesk client caches the token it
// returns (zendesk.WithTokenSource): the source fetches a new token each
// time it is asked, which is when the client has none, when it expires, and
// after Zendesk answered 401 to it.

// zendeskTokenPath is Zendesk's token endpoint, outside /api/v2.
const zendeskTokenPath = "/oauth/tokens"

// zendeskTokenVendor declares the token endpoint for the password grant's
// own core client. Its errors are *zendesk.Error values, as the zendesk
// client's own token requests give.
var zendeskTokenVendor = &rest.Vendor{
	Name:        "zendesk",
	Header:      http.Header{"Accept": {"application/json"}},
	DecodeError: decodeZendeskTokenError,
}

// decodeZendeskTokenError reads an OAuth error of the token endpoint
// ({"error", "error_description"}) into a *zendesk.Error.
func decodeZendeskTokenError(info *rest.ErrorInfo) error {
	e := &zendesk.Error{APIError: info.APIError}
	if !info.NotSent {
		e.Code, e.Message = readErrorBody(info.Body)
	}
	return e
}

// passwordSource is an oauth2.TokenSource running the password grant.
type passwordSource struct {
	rc    *rest.Client
	grant PasswordGrant
	scope string
}

// newPasswordSource builds the source for an account whose base URL is
// base.
func newPasswordSource(base string, hc *http.Client, g PasswordGrant) (*passwordSource, error) {
	scope := "read write"
	if len(g.Scopes) > 0 {
		for _, s := range g.Scopes {
			if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
				return nil, fmt.Errorf("OAuth scope %q is empty or has spaces; give one scope per element", s)
			}
		}
		scope = strings.Join(g.Scopes, " ")
	}
	var s rest.Settings
	if err := s.SetBaseURL(base); err != nil {
		return nil, err
	}
	if hc != nil {
		if err := s.SetHTTPClient(hc); err != nil {
			return nil, err
		}
	}
	rc, err := rest.NewClient(zendeskTokenVendor, &s)
	if err != nil {
		return nil, err
	}
	rc.Secrets().Add(g.Password, g.ClientSecret)
	return &passwordSource{rc: rc, grant: g, scope: scope}, nil
}

// Token runs the grant once, bounded by rest.DefaultTokenTimeout (a token
// source gets no context).
func (p *passwordSource) Token() (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), rest.DefaultTokenTimeout)
	defer cancel()
	t, err := p.fetch(ctx)
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer", RefreshToken: t.RefreshToken, Expiry: t.Expiry}, nil
}

// zendeskTokenResponse is the token endpoint's answer.
type zendeskTokenResponse struct {
	AccessToken           string `json:"access_token"`
	TokenType             string `json:"token_type"`
	Scope                 string `json:"scope"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
}

// fetch posts the grant; it is safe to replay (a second token does no
// harm).
func (p *passwordSource) fetch(ctx context.Context) (zendesk.Token, error) {
	var out zendeskTokenResponse
	issued := p.rc.Now()
	body := passwordGrantBody(p.grant.ClientID, p.grant.ClientSecret, p.grant.Username, p.grant.Password, p.scope)
	if _, err := p.rc.Do(ctx, &rest.Request{Method: http.MethodPost, Path: zendeskTokenPath, Body: body, NoAuth: true, Idempotent: true}, &out); err != nil {
		return zendesk.Token{}, err
	}
	p.rc.Secrets().Add(out.AccessToken, out.RefreshToken)
	if strings.TrimSpace(out.AccessToken) == "" {
		return zendesk.Token{}, errors.New("zendesk: POST /oauth/tokens: the response has no access_token")
	}
	t := zendesk.Token{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken, Scope: out.Scope}
	if out.ExpiresIn > 0 {
		t.Expiry = issued.Add(time.Duration(out.ExpiresIn) * time.Second)
	}
	if out.RefreshTokenExpiresIn > 0 {
		t.RefreshTokenExpiry = issued.Add(time.Duration(out.RefreshTokenExpiresIn) * time.Second)
	}
	return t, nil
}

// RequestToken does what Bright Pattern's "Request token" button does:
// it asks the Zendesk account at accountURL ("https://acme.zendesk.com",
// "acme.zendesk.com" or "acme") for an OAuth access token through the
// password grant, and returns it, for an [OAuthToken] account. hc sends the
// request (nil: a default client).
//
// Zendesk calls the password grant "deprecated and highly discouraged" and
// is switching password access off
// (https://support.zendesk.com/hc/en-us/articles/9941874259354); use
// [ClientCredentials], or a token an admin creates, instead. A refused
// grant is a *zendesk.Error: invalid_client for a wrong client id or
// secret, invalid_grant for a wrong username or password (both match
// deskbridge.ErrUnauthorized), unsupported_grant_type once Zendesk no
// longer accepts it.
func RequestToken(ctx context.Context, accountURL string, g PasswordGrant, hc *http.Client) (zendesk.Token, error) {
	if ps := g.problems(); len(ps) > 0 {
		return zendesk.Token{}, refusef("password grant: %s", strings.Join(ps, "; "))
	}
	_, base, err := zendeskTarget(accountURL)
	if err != nil {
		return zendesk.Token{}, refusef("Zendesk URL %q %v", accountURL, err)
	}
	src, err := newPasswordSource(base, hc, g)
	if err != nil {
		return zendesk.Token{}, refusef("%v", err)
	}
	return src.fetch(ctx)
}
