package cxonetest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// DefaultBusinessUnitID is the business unit every answer names
// (businessUnitId) and the token's icBUId claim.
const DefaultBusinessUnitID = 4600123

// DefaultTokenLifetime is how long a token lasts unless
// [WithTokenLifetime] says otherwise: an hour, as CXone's FAQ says of
// password tokens (https://developer.niceincontact.com/FAQ).
const DefaultTokenLifetime = time.Hour

// DefaultWarehouseDelay is how long after a contact closes it appears in
// the Reporting API, unless [WithWarehouseDelay] says otherwise (see the
// package's unconfirmed facts).
const DefaultWarehouseDelay = 2 * time.Minute

const maxBodyBytes = 1 << 20

// Option configures a [Server].
type Option func(*config)

type config struct {
	tenantID                     string
	accessKeyID, accessKeySecret string
	clientID, clientSecret       string
	tokenLifetime                time.Duration
	warehouseDelay               time.Duration
	listInACW                    bool
	rateN                        int
	rateWindow                   time.Duration
	now                          func() time.Time
	after                        func(time.Duration) <-chan time.Time
}

// WithTenantID sets the tenant id (default: a random UUID).
func WithTenantID(id string) Option { return func(c *config) { c.tenantID = id } }

// WithAccessKey sets the API user's access key id and secret, the
// password grant's username and password (default: random ones).
func WithAccessKey(id, secret string) Option {
	return func(c *config) { c.accessKeyID, c.accessKeySecret = id, secret }
}

// WithClientCredentials sets the registered application's client id and
// secret (default: random ones).
func WithClientCredentials(id, secret string) Option {
	return func(c *config) { c.clientID, c.clientSecret = id, secret }
}

// WithTokenLifetime sets the expires_in of the tokens the fake issues
// (default [DefaultTokenLifetime]).
func WithTokenLifetime(d time.Duration) Option { return func(c *config) { c.tokenLifetime = d } }

// WithWarehouseDelay sets how long after it closes a contact (or a
// change to a closed contact) reaches the Reporting API: GET
// /contacts/completed and GET /contacts/{contactId} (default
// [DefaultWarehouseDelay]; 0 for at once).
func WithWarehouseDelay(d time.Duration) Option {
	return func(c *config) { c.warehouseDelay = max(d, 0) }
}

// WithListingInACW makes a voice contact whose call has ended reach the
// Reporting API while its agent is still in after-call work: listed in GET
// /contacts/completed and served by GET /contacts/{contactId} after the
// warehousing delay with isActive true and state ACW, its closed version
// (disposition and all) following once [Server.FinishACW] ends the work.
// The Reporting API's two fields dateContactWarehoused and
// dateACWWarehoused suggest that CXone may warehouse a contact before its
// after-call work; whether it lists it as completed then is not published,
// so the default is not to (the contact appears once closed).
func WithListingInACW() Option { return func(c *config) { c.listInACW = true } }

// WithRateLimit limits the API (not discovery nor the token endpoint) to
// n requests per window in fixed windows; past it the fake answers 429
// (see [Server.SetRateLimit]).
func WithRateLimit(n int, window time.Duration) Option {
	return func(c *config) { c.rateN, c.rateWindow = n, window }
}

// WithClock replaces time.Now for token expiry, timestamps, the
// warehousing delay and rate-limit windows.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithAfter replaces time.After for the get-next-event long poll, so that
// a test sees the 304 of a 60-second wait at once. The function gets the
// timeout the poll asked for.
func WithAfter(after func(time.Duration) <-chan time.Time) Option {
	return func(c *config) { c.after = after }
}

// Server is an in-memory CXone tenant served over HTTP: discovery, the
// OpenID configuration, the token endpoint, the ACD APIs and media
// playback, and a simulated contact center that a test or a demo drives
// (see the package documentation). It is safe for concurrent use and
// needs no testing package. Create it with [NewServer] and [Server.Close]
// it when done.
type Server struct {
	// URL is the base URL of every CXone host the fake plays: the
	// discovery host (pass it to cxone.WithBaseURL), the token endpoint's
	// host and the API endpoint (the api_endpoint of discovery).
	URL string
	// TenantID is the tenant, in the tokens' tenantId claim and the
	// tenantId discovery takes.
	TenantID string
	// AccessKeyID and AccessKeySecret are the API user's access key, the
	// password grant's username and password.
	AccessKeyID, AccessKeySecret string
	// ClientID and ClientSecret are the registered application's, sent in
	// the token request's body or as HTTP Basic.
	ClientID, ClientSecret string

	cfg  config
	base *fakeserver.Base
	key  []byte // signs the tokens

	mu      sync.Mutex
	tokens  map[string]time.Time // access token → expiry
	refresh map[string]time.Time // refresh token → expiry
	center
}

// NewServer starts a fake CXone tenant with random credentials and an
// empty contact center: add agents, teams, skills and dispositions with
// the Add methods.
func NewServer(opts ...Option) *Server {
	cfg := config{
		tokenLifetime:  DefaultTokenLifetime,
		warehouseDelay: DefaultWarehouseDelay,
		now:            time.Now,
		after:          time.After,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.tenantID == "" {
		cfg.tenantID = newUUID()
	}
	if cfg.accessKeyID == "" {
		cfg.accessKeyID = strings.ToUpper(randomHex(16))
	}
	if cfg.accessKeySecret == "" {
		// Standard base64 with padding: an "=" the form must escape.
		cfg.accessKeySecret = base64.StdEncoding.EncodeToString(randomBytes(31))
	}
	if cfg.clientID == "" {
		cfg.clientID = "cxonetest-" + randomHex(6) + "@deskbridge"
	}
	if cfg.clientSecret == "" {
		cfg.clientSecret = base64.RawURLEncoding.EncodeToString(randomBytes(24))
	}
	s := &Server{
		TenantID:        cfg.tenantID,
		AccessKeyID:     cfg.accessKeyID,
		AccessKeySecret: cfg.accessKeySecret,
		ClientID:        cfg.clientID,
		ClientSecret:    cfg.clientSecret,
		cfg:             cfg,
		key:             randomBytes(32),
		tokens:          map[string]time.Time{},
		refresh:         map[string]time.Time{},
	}
	s.center.init()
	s.base = fakeserver.Start(fakeserver.Spec{
		Routes:     s.routes(),
		WriteLimit: writeRateLimit,
		Unlimited:  unlimited,
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
func (s *Server) InjectFault(f Fault) { s.base.InjectFault(f) }

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() { s.base.ClearFaults() }

// Requests returns the request log, oldest first, credentials redacted.
func (s *Server) Requests() []Request { return s.base.Requests() }

// RequestCount returns how many logged requests had the method ("" for
// any) and a path starting with prefix.
func (s *Server) RequestCount(method, prefix string) int { return s.base.RequestCount(method, prefix) }

// ResetRequests empties the request log.
func (s *Server) ResetRequests() { s.base.ResetRequests() }

// SetRateLimit limits the API (not discovery nor the token endpoint) to n
// requests per window, in fixed windows, or removes the limit when n or
// window is not positive.
func (s *Server) SetRateLimit(n int, window time.Duration) { s.base.SetRateLimit(n, window) }

// TokenRequests returns how many token requests the fake received.
func (s *Server) TokenRequests() int { return s.base.RequestCount(http.MethodPost, tokenPath) }

// Fault is a failure injected into the fake's answers: an error status, a
// latency, a dropped connection, or a request carried out before its
// answer is lost. It is [deskbridgetest.Fault], the same in every
// deskbridge fake; its fields are documented there.
type Fault = deskbridgetest.Fault

// Request is one request the fake received, as its log keeps it. It is
// [deskbridgetest.Request], the same in every deskbridge fake; its fields
// are documented there. The Authorization header and the token request's
// password, client_secret and refresh_token read "[redacted]".
type Request = deskbridgetest.Request

// Attempt is one try of a webhook delivery. It is [deskbridgetest.Attempt],
// the same in every deskbridge fake; its fields are documented there.
// CXone delivers no webhooks, so this fake records none; the alias is here
// for the shape every fake shares.
type Attempt = deskbridgetest.Attempt

// ErrorListFault returns a fault that answers status with the error list
// of CXone's Digital Engagement APIs, {"errors": [{"field", "message",
// "parameters", "errorCode"}], "uid"}, for a test of a client's reading of
// that shape (the ACD APIs this fake serves answer the OAuth style).
func ErrorListFault(method, path string, status int, field, message, errorCode string) Fault {
	body, _ := json.Marshal(map[string]any{
		"errors": []map[string]any{{"field": field, "message": message, "parameters": map[string]any{}, "errorCode": errorCode}},
		"uid":    newUUID(),
	})
	return Fault{Method: method, Path: path, Status: status, Body: string(body),
		Header: http.Header{"Content-Type": {"application/json"}}}
}

func (s *Server) now() time.Time { return s.cfg.now().UTC() }

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "&" in a _links URL stays "&"
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimRight(buf.Bytes(), "\n"))
}

// apiError answers CXone's OAuth-style error body, {"error",
// "error_description"}.
func apiError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// readJSON decodes the request body into v, keys matched exactly,
// answering 400 when it cannot. An empty body leaves v as it is.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil || len(body) > maxBodyBytes {
		apiError(w, http.StatusBadRequest, "InvalidRequest", "the body could not be read or is larger than 1 MiB")
		return false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return true
	}
	if err := fakeserver.DecodeJSON(body, v); err != nil {
		apiError(w, http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("the body is not the JSON expected: %v", err))
		return false
	}
	return true
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

// newUUID returns a random (version 4) UUID, CXone's form of tenant and
// session ids.
func newUUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
