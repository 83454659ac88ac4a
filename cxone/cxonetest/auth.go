package cxonetest

import (
	"crypto/subtle"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Paths of the discovery documents and the token endpoint, as CXone's
// agent SDK reads them (https://github.com/nice-devone/nice-cxone-agent-sdk,
// auth-sdk cxone-auth.js and common-sdk cxone-configuration.js) on
// https://cxone.niceincontact.com.
const (
	openIDPath    = "/.well-known/openid-configuration"
	discoveryPath = "/.well-known/cxone-configuration"
	tokenPath     = "/auth/token"
)

// openIDConfiguration answers GET /.well-known/openid-configuration: the
// OpenID Connect Discovery 1.0 document, whose token_endpoint the SDK
// reads.
func (s *Server) openIDConfiguration(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.URL,
		"token_endpoint":                        s.URL + tokenPath,
		"grant_types_supported":                 []string{"password", "refresh_token"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
		"response_types_supported":              []string{"token", "id_token"},
	})
}

// cxoneConfiguration answers GET
// /.well-known/cxone-configuration?tenantId=, unauthenticated: where the
// tenant's APIs are. api_endpoint is the fake's URL.
func (s *Server) cxoneConfiguration(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenantId")
	switch {
	case tenant == "":
		apiError(w, http.StatusBadRequest, "invalid_request", "tenantId is required")
		return
	case tenant != s.TenantID:
		apiError(w, http.StatusNotFound, "tenant_not_found", "no tenant has this tenantId")
		return
	}
	writeJSON(w, http.StatusOK, discoveryDocument(s.URL))
}

// token answers POST /auth/token: the password grant (the access key id
// and secret as username and password) and the refresh_token grant, with
// the client id and secret in the form (client_secret_post) or as HTTP
// Basic (client_secret_basic), as CXone's portal and public samples show
// (https://developer.niceincontact.com/Documentation/APIAuthenticationAndAuthorization).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		apiError(w, http.StatusBadRequest, "invalid_request", "the token request must be a form (application/x-www-form-urlencoded)")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		apiError(w, http.StatusBadRequest, "invalid_request", "the form could not be parsed")
		return
	}
	form := r.PostForm
	if !s.clientAuthenticated(w, r) {
		return
	}
	switch gt := form.Get("grant_type"); gt {
	case "password":
		user, pass := form.Get("username"), form.Get("password")
		if user == "" || pass == "" {
			apiError(w, http.StatusBadRequest, "invalid_request", "username and password are required")
			return
		}
		if !equal(user, s.AccessKeyID) || !equal(pass, s.AccessKeySecret) {
			apiError(w, http.StatusBadRequest, "invalid_grant", "the access key id or secret is wrong")
			return
		}
	case "refresh_token":
		rt := form.Get("refresh_token")
		s.mu.Lock()
		exp, ok := s.refresh[rt]
		if ok {
			delete(s.refresh, rt) // one use
		}
		s.mu.Unlock()
		if rt == "" || !ok || !s.now().Before(exp) {
			apiError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is unknown, used or expired")
			return
		}
	case "":
		apiError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	default:
		apiError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be password or refresh_token")
		return
	}
	access, id, refresh := s.issue()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":      access,
		"token_type":        "Bearer",
		"expires_in":        int64(s.cfg.tokenLifetime / time.Second),
		"refresh_token":     refresh,
		"id_token":          id,
		"issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
	})
}

// clientAuthenticated checks the client id and secret, from the form or
// from HTTP Basic (one of the two, not both: RFC 6749 §2.3), answering 401
// invalid_client when they are missing or wrong.
func (s *Server) clientAuthenticated(w http.ResponseWriter, r *http.Request) bool {
	id, secret, basic := r.BasicAuth()
	inForm := r.PostForm.Has("client_id") || r.PostForm.Has("client_secret")
	switch {
	case basic && inForm:
		apiError(w, http.StatusBadRequest, "invalid_request", "the client authenticated twice: in the form and as HTTP Basic")
		return false
	case !basic:
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id == "" || secret == "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="cxone"`)
		apiError(w, http.StatusUnauthorized, "invalid_client", "client_id and client_secret are required, in the form or as HTTP Basic")
		return false
	}
	if !equal(id, s.ClientID) || !equal(secret, s.ClientSecret) {
		apiError(w, http.StatusUnauthorized, "invalid_client", "the client id or secret is wrong")
		return false
	}
	return true
}

// IssueToken returns a new access token the API accepts, as if the
// password grant had issued it, valid for the token lifetime. Use it for
// raw HTTP calls.
func (s *Server) IssueToken() string {
	access, _, _ := s.issue()
	return access
}

// issue mints an access token, an id token and a refresh token.
func (s *Server) issue() (access, id, refresh string) {
	now := s.now()
	exp := now.Add(s.cfg.tokenLifetime)
	claims := func(kind string) jwt.MapClaims {
		c := tokenClaims(s.TenantID, DefaultBusinessUnitID)
		c["iss"] = s.URL
		c["sub"] = "user:" + s.AccessKeyID
		c["aud"] = s.ClientID
		c["iat"] = now.Unix()
		c["exp"] = exp.Unix()
		c["jti"] = newUUID()
		c["token_use"] = kind
		return c
	}
	access, _ = jwt.NewWithClaims(jwt.SigningMethodHS256, claims("access")).SignedString(s.key)
	id, _ = jwt.NewWithClaims(jwt.SigningMethodHS256, claims("id")).SignedString(s.key)
	refresh = base64URL(randomBytes(32))
	s.mu.Lock()
	s.tokens[access] = exp
	s.refresh[refresh] = now.Add(refreshLifetime())
	s.mu.Unlock()
	return access, id, refresh
}

// RevokeTokens invalidates every token issued so far, as deleting the
// access key would; the API answers 401 to them.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	clear(s.tokens)
	clear(s.refresh)
	s.mu.Unlock()
}

// authenticated requires a valid bearer token.
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
			unauthorized(w, "the request has no bearer token")
			return
		}
		s.mu.Lock()
		exp, known := s.tokens[tok]
		s.mu.Unlock()
		switch {
		case !known:
			unauthorized(w, "the bearer token is not one this tenant issued, or it was revoked")
			return
		case !s.now().Before(exp):
			unauthorized(w, "the bearer token has expired")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
