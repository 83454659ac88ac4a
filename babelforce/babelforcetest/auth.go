package babelforcetest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"mime"
	"net/http"
	"strings"
	"time"
)

// token answers POST /oauth/token, the password grant (babelforce's auth
// spec, static/openapi/auth.openapi.yaml in
// https://github.com/babelforce/manager-sdk): a form with
// grant_type=password, username, password and, optionally, client_id
// (clientRefused) and expires_in=-1 for a token that does not expire
// (asksNonExpiring), whose response has no expires_in.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the token request must be a form (application/x-www-form-urlencoded)")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the form could not be parsed")
		return
	}
	form := r.PostForm
	switch gt := form.Get("grant_type"); gt {
	case "password":
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "the fake supports the password grant only, not "+gt)
		return
	}
	if clientRefused(w, form.Get("client_id")) {
		return
	}
	user, pass := form.Get("username"), form.Get("password")
	if user == "" || pass == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "username and password are required")
		return
	}
	if subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.username)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.password)) != 1 {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Bad credentials")
		return
	}
	nonExpiring := asksNonExpiring(form)
	tok := s.IssueToken(nonExpiring)
	body := map[string]any{"access_token": tok, "token_type": "bearer", "scope": "*", "client_id": DefaultClientID}
	if !nonExpiring {
		body["expires_in"] = int64(s.cfg.tokenLifetime / time.Second)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, body)
}

// IssueToken returns a new bearer token that the API accepts, as if the
// password grant had issued it: non-expiring, or valid for the token
// lifetime. Use it for raw HTTP calls, or as the bearer token of a Zendesk
// webhook that calls the fake.
func (s *Server) IssueToken(nonExpiring bool) string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	tok := "bft_" + hex.EncodeToString(b)
	var exp time.Time
	if !nonExpiring {
		exp = s.now().Add(s.cfg.tokenLifetime)
	}
	s.mu.Lock()
	s.tokens[tok] = exp
	s.mu.Unlock()
	return tok
}

// RevokeTokens invalidates every token issued so far, as a password change
// would; the API answers 401 to them.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}

// authenticated requires a valid bearer token (writeUnauthorized answers
// the others).
func (s *Server) authenticated(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
			writeUnauthorized(w, noToken)
			return
		}
		s.mu.Lock()
		exp, known := s.tokens[tok]
		s.mu.Unlock()
		switch {
		case !known:
			writeUnauthorized(w, unknownToken)
			return
		case !exp.IsZero() && !s.now().Before(exp):
			writeUnauthorized(w, expiredToken)
			return
		}
		next(w, r)
	})
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
