package brightpatterntest

import (
	"context"
	"crypto/rand"
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

// Defaults of a new Server; each has an option to change it.
const (
	// DefaultTenantURL is the tenant's domain, as the Contact Center
	// Administrator shows it (https://help.brightpattern.com/5.2:Mobile-web-api-specification/GeneralInformation).
	DefaultTenantURL = "deskbridge.brightpattern.com"
	// DefaultClientID and DefaultClientSecret are the Configuration API
	// credentials: a user's login id and its API secret.
	DefaultClientID     = "api.admin"
	DefaultClientSecret = "brightpatterntest-api-secret"
	// DefaultAppID is the id of the Messaging/Chat scenario entry the chat
	// API accepts in its Authorization header.
	DefaultAppID = "deskbridge-chat"
	// DefaultPollHold is how long a long poll of a chat's events is held
	// when there is nothing to answer: Bright Pattern holds it "5–15 s".
	DefaultPollHold = 10 * time.Second
	// MaxBodySize is the largest request body the fake reads; a larger one
	// gets 413. Bright Pattern documents no limit: this is the fake's own.
	MaxBodySize = 1 << 20
	// MaxRuns is how many scenario runs the fake keeps; older ones go first.
	MaxRuns = 10000
)

// Option configures a Server.
type Option func(*config)

type config struct {
	now          func() time.Time
	tenant       string
	clientID     string
	clientSecret string
	appID        string
	rateN        int
	rateWindow   time.Duration
	pollHold     time.Duration
	pollWait     func(ctx context.Context, d time.Duration) error
	scenario     []FetchURL
	fetchClient  *http.Client
}

// WithClock replaces time.Now for token expiry, timestamps, the request
// log and the rate-limit windows.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithTenantURL sets the tenant's domain (default [DefaultTenantURL]): the
// tenant a token request must name, and the tenantUrl query parameter the
// chat API accepts.
func WithTenantURL(tenant string) Option { return func(c *config) { c.tenant = tenant } }

// WithCredentials sets the Configuration API's client credentials.
func WithCredentials(clientID, clientSecret string) Option {
	return func(c *config) { c.clientID, c.clientSecret = clientID, clientSecret }
}

// WithAppID sets the chat scenario entry id the chat API accepts.
func WithAppID(appID string) Option { return func(c *config) { c.appID = appID } }

// WithRateLimit limits the API to n requests per window from the start
// (see [Server.SetRateLimit]).
func WithRateLimit(n int, window time.Duration) Option {
	return func(c *config) { c.rateN, c.rateWindow = n, window }
}

// WithPollHold sets how long a long poll with nothing to answer is held
// (default [DefaultPollHold]).
func WithPollHold(d time.Duration) Option { return func(c *config) { c.pollHold = d } }

// WithPollWait replaces the wait that holds a long poll: it is called with
// the poll's context and the hold, and the poll answers, empty, when it
// returns (or earlier, when an event arrives or the client goes). A test
// gives one it releases itself, so that it holds a poll as long as it
// likes without waiting for real time; testkit.Clock.Sleep answers at
// once. Default: a real timer.
func WithPollWait(wait func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) { c.pollWait = wait }
}

// WithScenario sets the Fetch URL blocks an arriving interaction runs
// through, as [Server.SetScenario] does.
func WithScenario(blocks ...FetchURL) Option {
	return func(c *config) { c.scenario = append([]FetchURL(nil), blocks...) }
}

// WithFetchClient sets the HTTP client the Fetch URL blocks call with (an
// httptest TLS server's client, say). Each block's timeout still applies.
func WithFetchClient(hc *http.Client) Option { return func(c *config) { c.fetchClient = hc } }

// Server is a fake Bright Pattern Contact Center tenant served over HTTP on
// a loopback port: the Configuration API's token endpoint and users, the
// mobile/web chat API with long-polled events, and a scenario driver that
// calls out the way a Fetch URL block does. Create it with [NewServer] and
// Close it when done. Its methods are safe for concurrent use.
type Server struct {
	// URL stands for the tenant's host, https://<tenant>.brightpattern.com:
	// the Configuration API is under URL+"/configapi/v2/" and the chat API
	// under URL+"/clientweb/api/v1/".
	URL string
	// TenantURL is the tenant's domain, e.g. "deskbridge.brightpattern.com",
	// as a token request's tenant and the chat API's tenantUrl name it.
	TenantURL string
	// ClientID and ClientSecret are the Configuration API's credentials
	// for the client credentials grant.
	ClientID     string
	ClientSecret string
	// AppID is the chat scenario entry id the chat API accepts.
	AppID string

	cfg  config
	base *fakeserver.Base
	mux  *http.ServeMux

	mu        sync.Mutex
	users     map[string]*User  // by loginId
	byEmail   map[string]string // lower-cased email -> loginId
	tokens    map[string]time.Time
	chats     map[string]*chat
	active    map[string]string // appId + "\x00" + clientId -> chat id
	available bool
	scenario  []FetchURL
	runs      []ScenarioRun
}

// NewServer starts a fake tenant with no users, chat available, and the
// scenario of [WithScenario] (none by default).
func NewServer(opts ...Option) *Server {
	cfg := config{
		now:          time.Now,
		tenant:       DefaultTenantURL,
		clientID:     DefaultClientID,
		clientSecret: DefaultClientSecret,
		appID:        DefaultAppID,
		pollHold:     DefaultPollHold,
		pollWait:     realWait,
		fetchClient:  &http.Client{},
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	s := &Server{
		TenantURL: cfg.tenant, ClientID: cfg.clientID, ClientSecret: cfg.clientSecret, AppID: cfg.appID,
		cfg: cfg, mux: http.NewServeMux(),
		users: map[string]*User{}, byEmail: map[string]string{}, tokens: map[string]time.Time{},
		chats: map[string]*chat{}, active: map[string]string{}, available: true,
		scenario: cfg.scenario,
	}
	s.routes()
	s.base = fakeserver.Start(fakeserver.Spec{
		Routes:     s.mux,
		WriteLimit: writeRateLimit,
		Unlimited:  func(r *http.Request) bool { return r.URL.Path == tokenPath },
		RedactBody: s.redactBody,
		Limit:      cfg.rateN,
		Window:     cfg.rateWindow,
		Now:        cfg.now,
	})
	s.URL = s.base.URL
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("POST "+tokenPath, s.token)
	s.mux.HandleFunc("GET /configapi/v2/user/{loginId}", s.getUser)
	s.mux.HandleFunc("GET /configapi/v2/phone/user", s.listUserPhones)
	s.mux.HandleFunc("GET "+chatPrefix+"availability", s.availability)
	s.mux.HandleFunc("POST "+chatPrefix+"chats", s.startChat)
	s.mux.HandleFunc("POST "+chatPrefix+"chats/{chatId}/events", s.sendEvents)
	s.mux.HandleFunc("GET "+chatPrefix+"chats/{chatId}/events", s.pollEvents)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeNotFound(w, r)
	})
}

// realWait holds a poll for d, or until ctx ends.
func realWait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close shuts the server down, releasing the long polls in flight.
func (s *Server) Close() {
	s.mu.Lock()
	for _, c := range s.chats {
		c.wake()
	}
	s.mu.Unlock()
	s.base.Close()
}

// Client returns an HTTP client suitable for talking to the fake.
func (s *Server) Client() *http.Client { return s.base.Client() }

func (s *Server) now() time.Time { return s.cfg.now().UTC() }

// Fault is a failure injected into the fake's answers: an error status, a
// latency, a dropped connection, or a request carried out before its
// answer is lost. It is [deskbridgetest.Fault], the same in every
// deskbridge fake; its fields are documented there.
type Fault = deskbridgetest.Fault

// Request is one request the fake received, as its log keeps it,
// credentials redacted. It is [deskbridgetest.Request], the same in every
// deskbridge fake; its fields are documented there.
type Request = deskbridgetest.Request

// Attempt is one try of an outbound call; a [BlockRun] records its call
// as one. It is [deskbridgetest.Attempt], the same in every deskbridge
// fake; its fields are documented there.
type Attempt = deskbridgetest.Attempt

// InjectFault queues a fault; faults apply in the order they were added.
func (s *Server) InjectFault(f Fault) { s.base.InjectFault(f) }

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() { s.base.ClearFaults() }

// Requests returns the requests received so far, oldest first, with the
// Authorization header, the client secret and every issued token redacted.
func (s *Server) Requests() []Request { return s.base.Requests() }

// RequestCount counts the logged requests with method ("" for any) on a
// path starting with prefix, such as "/clientweb/api/v1/chats".
func (s *Server) RequestCount(method, prefix string) int { return s.base.RequestCount(method, prefix) }

// ResetRequests empties the request log.
func (s *Server) ResetRequests() { s.base.ResetRequests() }

// SetRateLimit limits the API to n requests per window (fixed windows);
// 0 removes the limit. The token endpoint is not limited. Bright Pattern
// documents neither its limits nor a header; past the limit the fake
// answers as writeRateLimited (unconfirmed.go) says.
func (s *Server) SetRateLimit(n int, window time.Duration) { s.base.SetRateLimit(n, window) }

// SetAvailability sets what the chat API's availability answers:
// "available" when true, "notAvailable" when false.
func (s *Server) SetAvailability(available bool) {
	s.mu.Lock()
	s.available = available
	s.mu.Unlock()
}

// redactBody is the log's redaction: credentials by name, then the client
// secret and every issued token wherever else they appear.
func (s *Server) redactBody(r *http.Request, body []byte) []byte {
	out := fakeserver.RedactBody(r.Header.Get("Content-Type"), body)
	s.mu.Lock()
	secrets := make([]string, 0, len(s.tokens)+1)
	secrets = append(secrets, s.ClientSecret)
	for t := range s.tokens {
		secrets = append(secrets, t)
	}
	s.mu.Unlock()
	for _, k := range secrets {
		if len(k) >= 8 && strings.Contains(string(out), k) {
			out = []byte(strings.ReplaceAll(string(out), k, fakeserver.Redacted))
		}
	}
	return out
}

// randomHex returns n random bytes as lower-case hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("brightpatterntest: crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

// randomUUID returns a random version 4 UUID in its 8-4-4-4-12 form.
func randomUUID() string {
	h := randomHex(16)
	b := []byte(h)
	b[12] = '4'
	b[16] = "89ab"[int(b[16])%4]
	return string(b[0:8]) + "-" + string(b[8:12]) + "-" + string(b[12:16]) + "-" + string(b[16:20]) + "-" + string(b[20:32])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// readBody reads r's body up to MaxBodySize; it answers 413 and reports
// false when the body is larger.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodySize+1))
	if len(body) > MaxBodySize {
		writeTooLarge(w)
		return nil, false
	}
	if err != nil {
		writeBadRequest(w, "could not read the request body")
		return nil, false
	}
	return body, true
}
