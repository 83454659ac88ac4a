package brightpattern

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// tokenPath is the Configuration API's token endpoint
// (https://help.brightpattern.com/5.2:Host-and-services-management-api-specification/RequestAccessToken).
const tokenPath = "/configapi/v2/oauth/token"

// configCredential is the Configuration API's credential: a static bearer
// token, or the client-credentials grant through the core's token cache.
func (c *Client) configCredential(cc *configCred) rest.Credential {
	if cc.token != "" {
		return rest.Bearer(cc.token)
	}
	return rest.Credential{
		Secrets: []string{cc.secret},
		Auth: func(rc *rest.Client) (rest.Authenticator, error) {
			return rest.NewTokenCache(rc, func(ctx context.Context) (rest.Token, error) {
				return fetchToken(ctx, rc, cc, c.tenant)
			}, rest.TokenOptions{}), nil
		},
	}
}

// TokenResponse is the token endpoint's answer:
// {"access_token", "token_type": "Bearer", "expires_in": "3599"}. Bright
// Pattern's example writes expires_in as a string; a number is read too.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type,omitempty"`
	// ExpiresIn is the token's lifetime in seconds; 0 when the answer had
	// none.
	ExpiresIn int64 `json:"-"`
}

// parseTokenResponse reads the token endpoint's answer.
func parseTokenResponse(body []byte) (*TokenResponse, error) {
	var raw struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("the token response is not a JSON object: %w", err)
	}
	tok := strings.TrimSpace(raw.AccessToken)
	if tok == "" {
		return nil, errors.New("the token response has no access_token")
	}
	if strings.ContainsFunc(tok, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return nil, errors.New("the token response's access_token has spaces or control characters")
	}
	tr := &TokenResponse{AccessToken: tok, TokenType: raw.TokenType}
	n, err := flexSeconds(raw.ExpiresIn)
	if err != nil {
		return nil, fmt.Errorf("the token response's expires_in: %w", err)
	}
	tr.ExpiresIn = n
	return tr, nil
}

// flexSeconds reads a count of seconds written as a JSON number or a
// string of digits; absent or null is 0. A negative count is 0.
func flexSeconds(raw json.RawMessage) (int64, error) {
	return flexInt(raw, 1e12, "a number of seconds")
}

// flexInt reads a whole number up to limit written as a JSON number or a
// string; absent, null or "" is 0, a negative number is 0. what names it
// in the error.
func flexInt(raw json.RawMessage, limit float64, what string) (int64, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, nil
	}
	if s[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > limit {
		return 0, fmt.Errorf("%q is not %s", rest.Snippet([]byte(s), 40), what)
	}
	return max(int64(f), 0), nil
}

// fetchToken runs the client-credentials grant once, as a form, without
// credentials of its own and outside the rate-limit budget; it is safe to
// replay (asking twice for a token is harmless).
func fetchToken(ctx context.Context, rc *rest.Client, cc *configCred, tenant string) (rest.Token, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {cc.loginID},
		"client_secret": {cc.secret},
		"tenant":        {tenant},
	}
	var body []byte
	issued := rc.Now()
	if _, err := rc.Do(ctx, &rest.Request{Method: http.MethodPost, Path: tokenPath, Body: form, NoAuth: true, Idempotent: true}, &body); err != nil {
		return rest.Token{}, err
	}
	tr, err := parseTokenResponse(body)
	if err != nil {
		return rest.Token{}, fmt.Errorf("brightpattern: POST %s: %w", tokenPath, err)
	}
	lifetime := time.Duration(tr.ExpiresIn) * time.Second
	if lifetime <= 0 {
		lifetime = defaultTokenLifetime()
	}
	return rest.Token{AccessToken: tr.AccessToken, Expiry: issued.Add(lifetime)}, nil
}
