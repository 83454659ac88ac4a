package conversationstest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
	"github.com/golang-jwt/jwt/v5"
)

// principal is who a request authenticated as.
type principal struct {
	keyID string
	// integrationID is set for an integration key (scope integration).
	integrationID string
	// account is set for an account key (scope account).
	account bool
}

func (p principal) integration() bool { return p.integrationID != "" }

// call is one API request being served.
type call struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	body []byte
	who  principal
	// prefix is "/sc" when the request came through it.
	prefix string
}

// apiError is an error answer: the API's {"errors":[{code,title}]}.
type apiError struct {
	status int
	code   string
	title  string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.title) }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, "bad_request", fmt.Sprintf(format, args...)}
}

func notFound(code, title string) error { return &apiError{http.StatusNotFound, code, title} }

func forbidden(title string) error { return &apiError{http.StatusForbidden, "forbidden", title} }

var errUnauthorized = &apiError{http.StatusUnauthorized, "unauthorized", "Authorization is required"}

// scope says which keys may call a route.
type scope int

const (
	anyKey      scope = iota // integration, app and account keys
	appOnly                  // app and account keys; an integration key gets 403
	accountOnly              // account keys (account provisioning); others get 403
)

// handle registers a route; pattern is the path without the "/sc" prefix.
func (s *Server) handle(pattern string, sc scope, h func(c *call) error) {
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(callKey{}).(*call)
		c.r = r // with its path values
		if r.PathValue("appId") != s.AppID {
			c.fail(wrongApp())
			return
		}
		if sc == appOnly && c.who.integration() {
			c.fail(forbidden("This action requires an app key; an integration key cannot perform it"))
			return
		}
		if sc == accountOnly && !c.who.account {
			c.fail(forbidden("This action requires an account key; an app or integration key cannot perform it"))
			return
		}
		if err := h(c); err != nil {
			c.fail(err)
		}
	}))
}

// withBody serves h with the request's JSON body (required) decoded into
// a new T.
func withBody[T any](h func(c *call, in *T) error) func(*call) error {
	return func(c *call) error {
		in := new(T)
		if err := c.decode(in, false); err != nil {
			return err
		}
		return h(c, in)
	}
}

type callKey struct{}

func (s *Server) routes() {
	const app = "/v2/apps/{appId}"
	const conv = app + "/conversations/{conversationId}"
	const integ = app + "/integrations/{integrationId}"
	const sb = app + "/switchboards/{switchboardId}"
	s.handle("GET "+app, appOnly, s.getApp)
	s.handle("POST "+app+"/keys", accountOnly, withBody(s.createAppKey))
	s.handle("GET "+app+"/keys", accountOnly, s.listAppKeys)
	s.handle("GET "+app+"/keys/{keyId}", accountOnly, s.getAppKey)
	s.handle("DELETE "+app+"/keys/{keyId}", accountOnly, s.deleteAppKey)

	s.handle("POST "+app+"/users", anyKey, withBody(s.createUser))
	s.handle("GET "+app+"/users", anyKey, s.listUsers)
	s.handle("GET "+app+"/users/{userId}", anyKey, s.getUser)
	s.handle("PATCH "+app+"/users/{userId}", anyKey, withBody(s.updateUser))
	s.handle("DELETE "+app+"/users/{userId}", anyKey, s.deleteUser)
	s.handle("DELETE "+app+"/users/{userId}/personalinformation", anyKey, s.deletePersonalInformation)
	s.handle("POST "+app+"/users/{userId}/sync", anyKey, s.syncUser)

	s.handle("POST "+app+"/conversations", anyKey, withBody(s.createConversation))
	s.handle("GET "+app+"/conversations", anyKey, s.listConversations)
	s.handle("GET "+conv, anyKey, s.getConversation)
	s.handle("PATCH "+conv, anyKey, withBody(s.updateConversation))
	s.handle("DELETE "+conv, anyKey, s.deleteConversation)
	s.handle("POST "+conv+"/join", anyKey, withBody(s.joinConversation))
	s.handle("POST "+conv+"/leave", anyKey, withBody(s.leaveConversation))
	s.handle("GET "+conv+"/participants", anyKey, s.listParticipants)
	s.handle("POST "+conv+"/messages", anyKey, withBody(s.postMessage))
	s.handle("GET "+conv+"/messages", anyKey, s.listMessages)
	s.handle("DELETE "+conv+"/messages", anyKey, s.deleteAllMessages)
	s.handle("DELETE "+conv+"/messages/{messageId}", anyKey, s.deleteMessage)
	s.handle("POST "+conv+"/activity", anyKey, withBody(s.postActivity))
	s.handle("POST "+conv+"/passControl", anyKey, s.passControl)
	s.handle("POST "+conv+"/offerControl", anyKey, s.offerControl)
	s.handle("POST "+conv+"/acceptControl", anyKey, s.acceptControl)
	s.handle("POST "+conv+"/releaseControl", anyKey, s.releaseControl)

	s.handle("POST "+app+"/attachments", anyKey, s.uploadAttachment)
	s.handle("POST "+app+"/attachments/remove", anyKey, withBody(s.removeAttachment))

	s.handle("POST "+app+"/integrations", appOnly, withBody(s.createIntegration))
	s.handle("GET "+app+"/integrations", appOnly, s.listIntegrations)
	s.handle("GET "+integ, appOnly, s.getIntegration)
	s.handle("PATCH "+integ, appOnly, withBody(s.updateIntegration))
	s.handle("DELETE "+integ, appOnly, s.deleteIntegration)
	s.handle("POST "+integ+"/keys", appOnly, withBody(s.createIntegrationKey))
	s.handle("GET "+integ+"/keys", appOnly, s.listIntegrationKeys)
	s.handle("GET "+integ+"/keys/{keyId}", appOnly, s.getIntegrationKey)
	s.handle("DELETE "+integ+"/keys/{keyId}", appOnly, s.deleteIntegrationKey)
	s.handle("POST "+integ+"/webhooks", anyKey, withBody(s.createWebhook))
	s.handle("GET "+integ+"/webhooks", anyKey, s.listWebhooks)
	s.handle("GET "+integ+"/webhooks/{webhookId}", anyKey, s.getWebhook)
	s.handle("PATCH "+integ+"/webhooks/{webhookId}", anyKey, withBody(s.updateWebhook))
	s.handle("DELETE "+integ+"/webhooks/{webhookId}", anyKey, s.deleteWebhook)

	s.handle("GET "+app+"/switchboards", appOnly, s.listSwitchboards)
	s.handle("POST "+app+"/switchboards", appOnly, s.createSwitchboard)
	s.handle("PATCH "+sb, appOnly, withBody(s.updateSwitchboard))
	s.handle("DELETE "+sb, appOnly, s.deleteSwitchboard)
	s.handle("GET "+sb+"/switchboardIntegrations", appOnly, s.listSwitchboardIntegrations)
	s.handle("POST "+sb+"/switchboardIntegrations", appOnly, withBody(s.createSwitchboardIntegration))
	s.handle("PATCH "+sb+"/switchboardIntegrations/{switchboardIntegrationId}", appOnly, withBody(s.updateSwitchboardIntegration))
	s.handle("DELETE "+sb+"/switchboardIntegrations/{switchboardIntegrationId}", appOnly, s.deleteSwitchboardIntegration)
}

// serve is the fake's handler behind the shared base: media URLs, then
// authentication, then the routes.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if isMediaPath(r.URL.Path) {
		s.serveMedia(w, r)
		return
	}
	c := &call{s: s, w: w, r: r}
	if p, ok := strings.CutPrefix(r.URL.Path, "/sc"); ok && strings.HasPrefix(p, "/") {
		r2 := r.Clone(r.Context())
		r2.URL.Path = p
		r2.URL.RawPath = ""
		r = r2
		c.r = r
		c.prefix = "/sc"
	}
	who, err := s.authenticate(r)
	if err != nil {
		c.fail(err)
		return
	}
	c.who = who
	body, err := readBody(r, s.cfg.maxAttachment)
	if err != nil {
		c.fail(err)
		return
	}
	c.body = body
	if _, pattern := s.mux.Handler(r); pattern == "" {
		c.fail(notFound("not_found", "Resource not found"))
		return
	}
	s.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
}

// readBody returns the request body, refusing one over the API's limits:
// 100 KB for JSON, the attachment limit for a multipart upload.
func readBody(r *http.Request, maxUpload int64) ([]byte, error) {
	var buf bytes.Buffer
	if r.Body == nil {
		return nil, nil
	}
	limit := int64(MaxBodySize)
	multipart := strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/")
	if multipart {
		limit = maxUpload + 64*1024 // the file, plus its part headers
	}
	n, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, limit+1))
	if err != nil && !errors.As(err, new(*http.MaxBytesError)) {
		return nil, badRequest("could not read the request body: %v", err)
	}
	if n > limit || err != nil {
		if multipart {
			return nil, tooLarge(fmt.Sprintf("File exceeds the maximum size of %d bytes", maxUpload))
		}
		return nil, tooLarge(fmt.Sprintf("Request body exceeds the maximum size of %d bytes (100 KB)", MaxBodySize))
	}
	return buf.Bytes(), nil
}

// authenticate checks Basic (key id and secret) or Bearer (a JWT signed
// with HS256 by a key's secret, its id in the kid header, a scope claim).
func (s *Server) authenticate(r *http.Request) (principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return principal{}, errUnauthorized
	}
	if id, secret, ok := r.BasicAuth(); ok {
		s.mu.Lock()
		k, found := s.st.keys[id]
		var rec keyRec
		if found {
			rec = *k
		}
		s.mu.Unlock()
		if !found || subtle.ConstantTimeCompare([]byte(secret), []byte(rec.key.Secret)) != 1 {
			return principal{}, errUnauthorized
		}
		return principal{keyID: id, integrationID: rec.integrationID, account: rec.account}, nil
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return principal{}, errUnauthorized
	}
	return s.verifyJWT(strings.TrimSpace(token))
}

// verifyJWT checks a JWT as the API does: HS256 only, signed with the
// secret of the key its kid names, with the scope claim of that key's kind.
func (s *Server) verifyJWT(token string) (principal, error) {
	var rec keyRec
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		s.mu.Lock()
		k, ok := s.st.keys[kid]
		if ok {
			rec = *k
		}
		s.mu.Unlock()
		if !ok {
			return nil, errors.New("unknown kid")
		}
		return []byte(rec.key.Secret), nil
	}, jwt.WithValidMethods([]string{"HS256"}))
	if err != nil {
		return principal{}, errUnauthorized
	}
	want := "app"
	switch {
	case rec.integrationID != "":
		want = integrationJWTScope()
	case rec.account:
		want = "account"
	}
	if sc, _ := claims["scope"].(string); sc != want {
		return principal{}, errUnauthorized
	}
	return principal{keyID: rec.key.ID, integrationID: rec.integrationID, account: rec.account}, nil
}

// fail writes err as the API's error body.
func (c *call) fail(err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{http.StatusInternalServerError, "internal_error", err.Error()}
	}
	writeErrors(c.w, ae)
}

func writeErrors(w http.ResponseWriter, ae *apiError) {
	writeJSON(w, ae.status, map[string]any{"errors": []map[string]string{{"code": ae.code, "title": ae.title}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"code":"internal_error","title":"could not encode the answer"}]}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (c *call) json(status int, v any) error {
	writeJSON(c.w, status, v)
	return nil
}

// decode reads the JSON body into v with keys matched exactly; an empty
// body is refused unless optional.
func (c *call) decode(v any, optional bool) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		if optional {
			return nil
		}
		return badRequest("request body is required")
	}
	if ct := c.r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return badRequest("content-type must be application/json")
	}
	if err := fakeserver.DecodeJSON(c.body, v); err != nil {
		return badRequest("invalid JSON body: %s", jsonProblem(err))
	}
	return nil
}

// jsonProblem names a decoding problem without echoing the body.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s should be %s", te.Field, jsonTypeName(te.Type.Kind().String()))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at offset %d", se.Offset)
	}
	return "malformed JSON"
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "struct", "map":
		return "an object"
	case "slice":
		return "an array"
	}
	return "a number"
}

// serveMedia serves an attachment's bytes at its media URL (public
// access, no credentials).
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/sc")
	s.mu.Lock()
	a, ok := s.st.attachments[path]
	var data []byte
	var mediaType string
	if ok {
		data, mediaType = a.Data, a.MediaType
	}
	s.mu.Unlock()
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		writeErrors(w, &apiError{http.StatusNotFound, "not_found", "Attachment not found"})
		return
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(data)
	}
}

// AppDisplayName is the display name of the fake's app.
const AppDisplayName = "deskbridge fake"

func (s *Server) getApp(c *call) error {
	return c.json(http.StatusOK, map[string]any{"app": map[string]any{"id": s.AppID, "displayName": AppDisplayName}})
}
