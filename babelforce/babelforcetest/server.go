package babelforcetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// Default credentials and account of a new [Server].
const (
	DefaultUsername = "manager@babelforcetest.example"
	DefaultPassword = "babelforcetest-password"
	// DefaultClientID is the OAuth client_id the token endpoint accepts
	// (besides none at all).
	DefaultClientID = "manager"
	// DefaultCustomerID is the account (customer_id) of tasks: the one of
	// the test response in babelforce's status-sync article, in
	// babelforce's wire form (see ids.go).
	DefaultCustomerID = "6c2a2f9e6dbd4fc1b9d3cde3c7a6e80d"
)

const maxBodyBytes = 1 << 20

// Option configures a [Server].
type Option func(*config)

type config struct {
	username, password string
	tokenLifetime      time.Duration
	rateN              int
	rateWindow         time.Duration
	now                func() time.Time
	templates          bool
}

// WithCredentials sets the manager's username and password for the password
// grant.
func WithCredentials(username, password string) Option {
	return func(c *config) { c.username, c.password = username, password }
}

// WithTokenLifetime sets the expires_in of tokens not asked to be
// non-expiring (default [DefaultTokenLifetime]).
func WithTokenLifetime(d time.Duration) Option { return func(c *config) { c.tokenLifetime = d } }

// WithRateLimit limits the API (not the token endpoint) to n requests per
// window in fixed windows, with rate-limit headers on every response and a
// 429 past the limit (see [Server.SetRateLimit]). Without it the fake does
// not limit and sends no rate-limit headers.
func WithRateLimit(n int, window time.Duration) Option {
	return func(c *config) { c.rateN, c.rateWindow = n, window }
}

// WithClock replaces time.Now for token expiry, timestamps, task created_at
// and rate-limit windows.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithoutTemplates turns off the execution of the status-sync article's
// template ([StatusSyncTemplate]): webhook tasks are recorded and left
// Scheduled, and no presence changes.
func WithoutTemplates() Option { return func(c *config) { c.templates = false } }

// Server is an in-memory babelforce environment served over HTTP: the
// password grant, agents with their presences and status history, presences,
// v3 tasks, the secrets vault and the Zendesk webhook endpoint. It is safe
// for concurrent use and needs no testing package, so demo programs can run
// it. Create it with [NewServer] and [Server.Close] it when done.
type Server struct {
	// URL is the base URL, e.g. "http://127.0.0.1:41234": pass it to
	// babelforce.WithBaseURL.
	URL string
	// Username and Password are the manager's credentials for
	// babelforce.WithPassword.
	Username, Password string
	// CustomerID is the account id of the tasks the fake creates.
	CustomerID string

	cfg  config
	base *fakeserver.Base

	mu     sync.Mutex
	tokens map[string]time.Time // token → expiry (zero: never)
	state
	history []PresenceChange
	secrets map[string]map[string]string
	hooks   []func(PresenceChange)
}

// NewServer starts a fake babelforce environment with the default
// credentials and two presences: the green "available" and the red "busy".
func NewServer(opts ...Option) *Server {
	cfg := config{
		username:      DefaultUsername,
		password:      DefaultPassword,
		tokenLifetime: DefaultTokenLifetime,
		now:           time.Now,
		templates:     true,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	s := &Server{
		Username:   cfg.username,
		Password:   cfg.password,
		CustomerID: DefaultCustomerID,
		cfg:        cfg,
		tokens:     map[string]time.Time{},
		state:      newState(),
		secrets:    map[string]map[string]string{},
	}
	s.addPresenceLocked(&presence{Name: "available", Label: "Available", Available: true, BuiltIn: true})
	s.addPresenceLocked(&presence{Name: "busy", Label: "Busy", BuiltIn: true})
	s.base = fakeserver.Start(fakeserver.Spec{
		Routes:     s.routes(),
		WriteLimit: writeRateLimit,
		Unlimited:  func(r *http.Request) bool { return r.URL.Path == "/oauth/token" },
		RedactBody: redactBody,
		Limit:      cfg.rateN,
		Window:     cfg.rateWindow,
		Now:        cfg.now,
	})
	s.URL = s.base.URL
	return s
}

// Close shuts the server down, waiting for the requests in flight.
func (s *Server) Close() { s.base.Close() }

// Client returns an HTTP client suitable for talking to the fake.
func (s *Server) Client() *http.Client { return s.base.Client() }

// InjectFault queues f; faults apply in the order they were injected.
func (s *Server) InjectFault(f deskbridgetest.Fault) { s.base.InjectFault(f) }

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() { s.base.ClearFaults() }

// Requests returns the request log, oldest first, credentials redacted.
func (s *Server) Requests() []deskbridgetest.Request { return s.base.Requests() }

// RequestCount returns how many logged requests had the method ("" for
// any) and a path starting with prefix.
func (s *Server) RequestCount(method, prefix string) int { return s.base.RequestCount(method, prefix) }

// ResetRequests empties the request log.
func (s *Server) ResetRequests() { s.base.ResetRequests() }

// SetRateLimit limits the API (not the token endpoint) to n requests per
// window, in fixed windows, or removes the limit when n or window is not
// positive. A new limit starts a new window.
func (s *Server) SetRateLimit(n int, window time.Duration) { s.base.SetRateLimit(n, window) }

// TokenRequests returns how many token requests the fake received.
func (s *Server) TokenRequests() int { return s.base.RequestCount(http.MethodPost, "/oauth/token") }

func (s *Server) now() time.Time { return s.cfg.now().UTC() }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", s.token)
	api := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.authenticated(h)) }

	api("GET /api/v2/agents", s.listAgents)
	api("POST /api/v2/agents", s.createAgent)
	api("GET /api/v2/agents/{id}", refuseHyphenatedID(s.getAgent))
	api("PUT /api/v2/agents/{id}", refuseHyphenatedID(s.updateAgent))
	api("DELETE /api/v2/agents/{id}", refuseHyphenatedID(s.deleteAgent))
	api("GET /api/v2/agents/{id}/status", refuseHyphenatedID(s.getStatus))
	api("PUT /api/v2/agents/{id}/status", refuseHyphenatedID(s.putStatus))
	api("GET /api/v2/agents/presence/available", s.listPresences)
	api("POST /api/v2/agents/presence/available", s.createPresence)
	api("GET /api/v2/agents/presence/available/{name}", s.getPresence)
	api("DELETE /api/v2/agents/presence/available/{name}", s.deletePresence)

	api("GET /api/v3/tasks", s.listTasks)
	api("GET /api/v3/tasks/{id}", refuseHyphenatedID(s.getTask))
	api("GET /api/v3/tasks/configurations/secrets", s.listPrefixes)
	api("GET /api/v3/tasks/configurations/secrets/{prefix}", s.listKeys)
	api("POST /api/v3/tasks/configurations/secrets/{prefix}", s.storeSecrets)
	api("PATCH /api/v3/tasks/configurations/secrets/{prefix}", s.storeSecrets)
	api("DELETE /api/v3/tasks/configurations/secrets/{prefix}", s.deleteSecrets)

	api("POST /api/v1/webhook/zendesk", s.zendeskWebhook)

	mux.HandleFunc("/", unknownRoute)
	return mux
}

// Fault is a failure injected into the fake's answers: an error status, a
// latency, a dropped connection, or a request carried out before its
// answer is lost. It is [deskbridgetest.Fault], the same in every
// deskbridge fake; its fields are documented there.
type Fault = deskbridgetest.Fault

// Request is one request the fake received, as its log keeps it. It is
// [deskbridgetest.Request], the same in every deskbridge fake; its fields
// are documented there.
//
// Nothing secret is kept in the log: the Authorization header, the password
// (and any token) of a token request's form, and every value sent to the
// secrets vault read "[redacted]". [Server.Secret] and [Server.Secrets]
// return the stored values for assertions.
type Request = deskbridgetest.Request

// secretsPath is the root of the secrets vault.
const secretsPath = "/api/v3/tasks/configurations/secrets"

// redactBody is the request log's redaction: the values of any body sent
// under the secrets vault (their keys are arbitrary, so none can be
// recognised by name), and credentials by name elsewhere
// (fakeserver.RedactBody: the token request's password).
func redactBody(r *http.Request, body []byte) []byte {
	if p := path.Clean("/" + r.URL.Path); p == secretsPath || strings.HasPrefix(p, secretsPath+"/") {
		if len(body) == 0 {
			return body
		}
		var keys []string
		if json.Unmarshal(body, &keys) == nil {
			return body // DELETE's list of keys: names, not values
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) != nil {
			// Not an object the vault would store, but it may still hold
			// a secret: keep none of it.
			return []byte(fakeserver.Redacted)
		}
		return fakeserver.RedactJSONValues(body)
	}
	return fakeserver.RedactBody(r.Header.Get("Content-Type"), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// isV3 reports a path answered with the v3 error envelope (the task
// automation platform and the Zendesk webhook).
func isV3(path string) bool {
	return strings.HasPrefix(path, "/api/v3/") || strings.HasPrefix(path, "/api/v1/")
}

// apiError answers with the error envelope of the path's API: v3
// {"error_message", "error_detail"} (the task-automation spec's
// ErrorResponse), else the v2 body of v2ErrorBody, whose one message is
// the detail when there is one.
func apiError(w http.ResponseWriter, r *http.Request, status int, message, detail string) {
	if isV3(r.URL.Path) {
		body := map[string]string{"error_message": message}
		if detail != "" { // optional in ErrorResponse: absent, not ""
			body["error_detail"] = detail
		}
		writeJSON(w, status, body)
		return
	}
	if detail != "" {
		message = detail
	}
	writeJSON(w, status, v2ErrorBody(message))
}

// readJSON decodes the request body into v, answering 400 when it cannot.
// Keys match field names exactly (fakeserver.DecodeJSON): babelforce reads
// "name", and a "NAME" sets nothing, where encoding/json would take it.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil || len(body) > maxBodyBytes {
		apiError(w, r, http.StatusBadRequest, "Bad Request", "the body could not be read or is too large")
		return false
	}
	if err := fakeserver.DecodeJSON(body, v); err != nil {
		apiError(w, r, http.StatusBadRequest, "Bad Request", fmt.Sprintf("the body is not valid JSON: %v", err))
		return false
	}
	return true
}
