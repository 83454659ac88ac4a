package zendesktest

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// POST /oauth/tokens
// (https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/):
// grant types client_credentials and refresh_token, with the documented
// JSON body (and the encodings parseTokenRequest guesses, in
// unconfirmed.go). authorization_code and password grants are not
// modelled and answer unsupported_grant_type; errors are oauthError's
// (unconfirmed.go). expires_in and refresh_token_expires_in are checked
// against the reference's bounds.
//
// A refresh returns a new access and refresh token and invalidates the old
// pair (as that reference and
// https://support.zendesk.com/hc/en-us/articles/9182123625370 say); which
// grants return a refresh token is grantIssuesRefreshToken's guess.

type tokenRequest struct {
	GrantType             string  `json:"grant_type"`
	ClientID              string  `json:"client_id"`
	ClientSecret          string  `json:"client_secret"`
	Scope                 string  `json:"scope"`
	RefreshToken          string  `json:"refresh_token"`
	ExpiresIn             flexInt `json:"expires_in"`
	RefreshTokenExpiresIn flexInt `json:"refresh_token_expires_in"`
}

type tokenResponse struct {
	AccessToken           string `json:"access_token"`
	TokenType             string `json:"token_type"`
	Scope                 string `json:"scope"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token,omitempty"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in,omitempty"`
}

func (s *Server) oauthTokens(w http.ResponseWriter, r *http.Request) {
	resp, err := s.issueToken(r)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) issueToken(r *http.Request) (*tokenResponse, *apiError) {
	body, err := readBody(r)
	if err != nil {
		return nil, oauthError(http.StatusBadRequest, "invalid_request", "could not read the request body")
	}
	req, perr := parseTokenRequest(r, body)
	if perr != nil {
		return nil, perr
	}
	switch req.GrantType {
	case "client_credentials", "refresh_token":
	case "":
		return nil, oauthError(http.StatusBadRequest, "invalid_request", "grant_type is required")
	default:
		return nil, oauthError(http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.")
	}
	lifetime := s.cfg.tokenLifetime
	if req.ExpiresIn != 0 {
		if req.ExpiresIn <= 300 || req.ExpiresIn >= 172800 {
			return nil, oauthError(http.StatusBadRequest, "invalid_request", "expires_in must be more than 300 and less than 172800 seconds")
		}
		lifetime = time.Duration(req.ExpiresIn) * time.Second
	}
	refreshLifetime := defaultRefreshLifetime
	if req.RefreshTokenExpiresIn != 0 {
		n := time.Duration(req.RefreshTokenExpiresIn) * time.Second
		if n < 7*24*time.Hour && n <= lifetime || n >= 90*24*time.Hour {
			return nil, oauthError(http.StatusBadRequest, "invalid_request", "refresh_token_expires_in is out of range")
		}
		refreshLifetime = n
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	client, ok := st.oauthClients[req.ClientID]
	if !ok || req.ClientSecret != client.secret {
		return nil, oauthError(http.StatusUnauthorized, "invalid_client", "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
	}
	now := s.now()
	scope := req.Scope
	if req.GrantType == "refresh_token" {
		old, ok := st.refresh[req.RefreshToken]
		if !ok || old.clientID != client.id || !now.Before(old.refreshExpires) {
			return nil, oauthError(http.StatusBadRequest, "invalid_grant", "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.")
		}
		delete(st.refresh, old.refresh)
		delete(st.access, old.access)
		if scope == "" {
			scope = old.scope
		}
	}
	if scope == "" {
		scope = "read write"
	}
	scopes, ok := parseScopes(scope)
	if !ok {
		return nil, oauthError(http.StatusBadRequest, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
	}
	t := &tokenRec{
		access: randomHex(32), clientID: client.id, userID: client.userID,
		scopes: scopes, scope: scope, expires: now.Add(lifetime),
	}
	st.access[t.access] = t
	resp := &tokenResponse{AccessToken: t.access, TokenType: "bearer", Scope: scope, ExpiresIn: int64(lifetime / time.Second)}
	if grantIssuesRefreshToken(req.GrantType) {
		t.refresh, t.refreshExpires = randomHex(32), now.Add(refreshLifetime)
		st.refresh[t.refresh] = t
		resp.RefreshToken, resp.RefreshTokenExpiresIn = t.refresh, int64(refreshLifetime/time.Second)
	}
	return resp, nil
}

// parseScopes reads a space-separated scope list: "read", "write", and
// "resource:read" / "resource:write" (which the fake does not narrow to the
// resource).
func parseScopes(scope string) (tokenScopes, bool) {
	var t tokenScopes
	for _, f := range strings.Fields(scope) {
		switch {
		case f == "read" || strings.HasSuffix(f, ":read"):
			t.read = true
		case f == "write" || strings.HasSuffix(f, ":write"):
			t.write = true
		case f == "impersonate":
		default:
			return t, false
		}
	}
	return t, t.read || t.write
}

// AddOAuthClient registers another OAuth client; its tokens act as the
// admin user.
func (s *Server) AddOAuthClient(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.oauthClients[id] = &oauthClient{id: id, secret: secret, userID: s.AdminID}
}

// ExpireAccessTokens makes every access token issued so far expired (their
// refresh tokens stay valid), so a test can see a client refresh.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.now().Add(-time.Second)
	for _, t := range s.st.access {
		t.expires = past
	}
}

// basicAuth builds a Basic Authorization value.
func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}
