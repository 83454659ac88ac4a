package zendesktest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// apiError is an error answer in Zendesk's wire format.
type apiError struct {
	status int
	body   any    // marshalled as JSON
	text   string // text/plain body when body is nil
	header http.Header
}

func (e *apiError) Error() string {
	if e.text != "" {
		return strconv.Itoa(e.status) + " " + e.text
	}
	b, _ := json.Marshal(e.body)
	return strconv.Itoa(e.status) + " " + string(b)
}

// Zendesk's error envelope
// (https://developer.zendesk.com/api-reference/introduction/requests).
type errorBody struct {
	Error       string                    `json:"error"`
	Description string                    `json:"description,omitempty"`
	Details     map[string][]fieldProblem `json:"details,omitempty"`
}

type fieldProblem struct {
	Description string `json:"description"`
	Error       string `json:"error,omitempty"`
}

func errNotFound() *apiError {
	return &apiError{status: http.StatusNotFound, body: errorBody{Error: "RecordNotFound", Description: "Not found"}}
}

// errInvalid is Zendesk's 422 RecordInvalid with per-field details.
func errInvalid(details map[string][]fieldProblem) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, body: errorBody{Error: "RecordInvalid", Description: "Record validation errors", Details: details}}
}

// invalidField is errInvalid for one field. title is the human name Zendesk
// puts before the message ("Subject: cannot be blank").
func invalidField(field, title, msg, code string) *apiError {
	return errInvalid(map[string][]fieldProblem{field: {{Description: title + ": " + msg, Error: code}}})
}

// errBadRequest is a 400 with Zendesk's envelope. The codes the fake
// guesses for each kind of bad request are in unconfirmed.go.
func errBadRequest(code, desc string) *apiError {
	return &apiError{status: http.StatusBadRequest, body: errorBody{Error: code, Description: desc}}
}

// jsonAPIError is the JSON:API error document ({"errors": [{code, status,
// title, detail}]}, the Errors object of Zendesk's OpenAPI description);
// availabilityError (unconfirmed.go) says where the fake answers with it.
func jsonAPIError(status int, code, title, detail string) *apiError {
	return &apiError{status: status, body: map[string]any{"errors": []map[string]any{{
		"code": code, "status": strconv.Itoa(status), "title": title, "detail": detail,
	}}}}
}

// call is one API request being served.
type call struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	path string // the path as requested (with .json when given)
	user int64  // authenticated user id
	body []byte
}

type handler func(c *call) error

// route registers an authenticated API handler.
func (s *Server) route(pattern string, h handler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := &call{s: s, w: w, r: r, path: r.URL.Path}
		if p, ok := r.Context().Value(origPathKey{}).(string); ok {
			c.path = p
		}
		uid, scopes, err := s.authenticate(r)
		if err == nil && !scopes.allows(r.Method) {
			err = errForbidden()
		}
		if err == nil {
			c.user = uid
			c.body, err = readBody(r)
		}
		if err == nil {
			err = h(c)
		}
		if err != nil {
			c.fail(err)
		}
	})
}

// origPathKey carries the requested path (before ".json" was cut) in the
// request context.
type origPathKey struct{}

// serve strips the optional ".json" suffix and dispatches: Zendesk's own
// examples call the same endpoint with and without it
// (https://developer.zendesk.com/api-reference/voice/talk-partner-edition-api/reference/).
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if p, ok := strings.CutSuffix(r.URL.Path, ".json"); ok && p != "" {
		r = r.WithContext(context.WithValue(r.Context(), origPathKey{}, r.URL.Path))
		r.URL.Path = p
		r.URL.RawPath = ""
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		writeError(w, errUnknownEndpoint())
		return
	}
	s.mux.ServeHTTP(w, r) // sets the path values
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, errBadBody("could not read the request body")
	}
	if len(b) > maxBodyBytes {
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, text: "Request Entity Too Large"}
	}
	return b, nil
}

func (c *call) fail(err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: http.StatusInternalServerError, body: errorBody{Error: "InternalError", Description: err.Error()}}
	}
	writeError(c.w, ae)
}

func writeError(w http.ResponseWriter, ae *apiError) {
	for k, v := range ae.header {
		w.Header()[k] = v
	}
	if ae.body == nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(ae.status)
		_, _ = io.WriteString(w, ae.text)
		return
	}
	writeJSON(w, ae.status, ae.body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// marshal encodes v as JSON without escaping <, > and &.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func (c *call) json(status int, v any) error {
	writeJSON(c.w, status, v)
	return nil
}

// created answers 201 with a Location header, as Zendesk does.
func (c *call) created(location string, v any) error {
	if location != "" {
		c.w.Header().Set("Location", location)
	}
	return c.json(http.StatusCreated, v)
}

func (c *call) noContent() error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// decode decodes the JSON body into v; a missing or malformed body is a
// 400. Keys match v's JSON names exactly, as Zendesk's do ("property names
// are case-sensitive", https://developer.zendesk.com/api-reference/introduction/requests):
// {"TICKET": {...}} or {"ticket": {"Subject": ...}} set nothing.
func (c *call) decode(v any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return errBadBody("the request body is empty")
	}
	if err := fakeserver.DecodeJSON(c.body, v); err != nil {
		return errBadBody("the request body is not valid JSON: " + err.Error())
	}
	return nil
}

// decodeEnvelope decodes a body whose members sit in a required envelope
// named name ({"ticket": {...}}); missing reports, after decoding, whether
// the envelope was absent (or null). An empty body misses it too.
func (c *call) decodeEnvelope(name string, v any, missing func() bool) error {
	if len(bytes.TrimSpace(c.body)) > 0 {
		if err := c.decode(v); err != nil {
			return err
		}
	}
	if missing() {
		return errParameterMissing(name)
	}
	return nil
}

func (c *call) pathID(name string) (int64, error) {
	n, err := strconv.ParseInt(c.r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, errNotFound()
	}
	return n, nil
}

// ids parses the "ids" query parameter (comma separated).
func (c *call) ids() ([]int64, error) {
	raw := c.r.URL.Query().Get("ids")
	if raw == "" {
		return nil, errBadParameter("ids is required")
	}
	var out []int64
	for _, p := range strings.Split(raw, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil {
			return nil, errBadParameter("ids must be a comma-separated list of integers")
		}
		out = append(out, n)
	}
	return out, nil
}

// tokenScopes is what a credential may do.
type tokenScopes struct{ read, write bool }

func (t tokenScopes) allows(method string) bool {
	if method == http.MethodGet || method == http.MethodHead {
		return t.read
	}
	return t.write
}

// authenticate checks the Authorization header: Basic
// "email/token:api_token" for the default credentials, or a Bearer access
// token from /oauth/tokens that has not expired.
func (s *Server) authenticate(r *http.Request) (int64, tokenScopes, error) {
	auth := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(auth, " ")
	switch strings.ToLower(scheme) {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		if err != nil {
			return 0, tokenScopes{}, errUnauthorized()
		}
		user, pass, _ := strings.Cut(string(raw), ":")
		email, isToken := strings.CutSuffix(user, "/token")
		if isToken && strings.EqualFold(email, s.Email) && pass == s.APIToken && s.APIToken != "" {
			return s.AdminID, tokenScopes{read: true, write: true}, nil
		}
	case "bearer":
		if uid, scopes, ok := s.st.checkAccessToken(strings.TrimSpace(cred), s.now()); ok {
			return uid, scopes, nil
		}
	}
	return 0, tokenScopes{}, errUnauthorized()
}

// flexInt decodes a JSON number or a string of digits.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	s = strings.Trim(s, `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return errors.New("not an integer: " + string(b))
	}
	*f = flexInt(n)
	return nil
}

// nullInt is an optional, nullable integer in an update body: Set says the
// key was present, Null that it was null.
type nullInt struct {
	Set, Null bool
	V         int64
}

func (n *nullInt) UnmarshalJSON(b []byte) error {
	n.Set = true
	if strings.TrimSpace(string(b)) == "null" {
		n.Null = true
		return nil
	}
	var f flexInt
	if err := f.UnmarshalJSON(b); err != nil {
		return err
	}
	n.V = int64(f)
	return nil
}

func (n nullInt) ptr() *int64 {
	if n.Null {
		return nil
	}
	v := n.V
	return &v
}

// nullString is an optional, nullable string in an update body.
type nullString struct {
	Set, Null bool
	V         string
}

func (n *nullString) UnmarshalJSON(b []byte) error {
	n.Set = true
	if strings.TrimSpace(string(b)) == "null" {
		n.Null = true
		return nil
	}
	return json.Unmarshal(b, &n.V)
}

func (n nullString) ptr() *string {
	if n.Null {
		return nil
	}
	v := n.V
	return &v
}

func ptr[T any](v T) *T { return &v }
