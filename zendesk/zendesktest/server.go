package zendesktest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// Default credentials of a new Server. Tests may use them directly or read
// Server.Email, Server.APIToken, Server.OAuthClientID and
// Server.OAuthClientSecret.
const (
	DefaultEmail             = "admin@example.com"
	DefaultAPIToken          = "zendesktest-api-token"
	DefaultOAuthClientID     = "zendesktest"
	DefaultOAuthClientSecret = "zendesktest-oauth-secret"
	DefaultAccountID         = 1234567
)

// Default statuses of the unified agent status API
// (https://developer.zendesk.com/api-reference/agent-availability/unified-agent-status-api/).
const (
	StatusOffline       int64 = 2
	StatusOnline        int64 = 3
	StatusAway          int64 = 4
	StatusTransfersOnly int64 = 5
)

// Via ids the fake uses
// (https://developer.zendesk.com/documentation/ticketing/reference-guides/via-types).
const (
	ViaWebForm              = 0
	ViaMail                 = 4
	ViaWebService           = 5
	ViaRule                 = 8
	ViaChat                 = 29
	ViaAPIVoicemail         = 44
	ViaAPIPhoneCallInbound  = 45
	ViaAPIPhoneCallOutbound = 46
	ViaAnyChannel           = 55
)

const (
	defaultRefreshLifetime    = 30 * 24 * time.Hour
	maxPendingDeliveries      = 10000
	maxBodyBytes              = 10 << 20
	rateLimitExceededBodyText = "Number of allowed API requests per minute exceeded"
)

// Option configures a Server.
type Option func(*config)

type config struct {
	accountID       int64
	email, apiToken string
	oauthID         string
	oauthSecret     string
	tokenLifetime   time.Duration
	rateN           int
	rateWindow      time.Duration
	now             func() time.Time
	deliveryTimeout time.Duration
	deliverySleep   func(ctx context.Context, d time.Duration) error
	deliveryClient  *http.Client
}

// WithAccountID sets the account id sent in webhook envelopes and the
// x-zendesk-account-id header (default [DefaultAccountID]).
func WithAccountID(id int64) Option { return func(c *config) { c.accountID = id } }

// WithCredentials sets the admin's email and API token (Basic
// "email/token:token").
func WithCredentials(email, apiToken string) Option {
	return func(c *config) { c.email, c.apiToken = email, apiToken }
}

// WithOAuthClient sets the default OAuth client's identifier and secret.
func WithOAuthClient(id, secret string) Option {
	return func(c *config) { c.oauthID, c.oauthSecret = id, secret }
}

// WithTokenLifetime sets how long access tokens issued by /oauth/tokens live
// when the request does not ask for an expires_in (default 30 minutes, the
// default Zendesk announced for new global clients; a guess kept in
// unconfirmed.go).
func WithTokenLifetime(d time.Duration) Option { return func(c *config) { c.tokenLifetime = d } }

// WithRateLimit limits the API to n requests per window (fixed windows),
// with Zendesk's rate-limit headers on every response and a 429 past the
// limit. Without it the fake does not limit and sends no rate-limit headers.
func WithRateLimit(n int, window time.Duration) Option {
	return func(c *config) { c.rateN, c.rateWindow = n, window }
}

// WithClock replaces time.Now for timestamps, token expiry, the rate limit
// windows and webhook signature timestamps.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithDeliveryTimeout sets how long one webhook delivery attempt may take
// before it counts as a timeout (default 12 s, as third-party summaries of
// https://developer.zendesk.com/api-reference/webhooks/introduction say
// Zendesk does; a guess kept in unconfirmed.go).
func WithDeliveryTimeout(d time.Duration) Option { return func(c *config) { c.deliveryTimeout = d } }

// WithDeliverySleep replaces the wait between delivery attempts. Tests pass
// a function that returns at once; the waits are still recorded.
func WithDeliverySleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) { c.deliverySleep = sleep }
}

// NoSleep is a delivery sleep function that does not wait; use it with
// [WithDeliverySleep] so that retried deliveries finish at once.
func NoSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// WithDeliveryClient sets the HTTP client used for webhook deliveries (for
// example an httptest TLS server's client). Its Timeout is replaced by the
// delivery timeout.
func WithDeliveryClient(c *http.Client) Option { return func(cf *config) { cf.deliveryClient = c } }

// Server is an in-memory Zendesk account served over HTTP. It is safe for
// concurrent use. Create it with [NewServer] and Close it when done.
type Server struct {
	// URL is the base URL of the fake, e.g. "http://127.0.0.1:41234"; the
	// API is under URL+"/api/v2" and the token endpoint at URL+"/oauth/tokens".
	URL string
	// Email and APIToken authenticate as the admin user AdminID with
	// Basic "Email/token:APIToken".
	Email    string
	APIToken string
	// OAuthClientID and OAuthClientSecret identify the default OAuth client
	// (grant types client_credentials and refresh_token).
	OAuthClientID     string
	OAuthClientSecret string
	// AccountID is the Zendesk account id.
	AccountID int64
	// AdminID is the id of the admin user the default credentials and the
	// OAuth clients act as.
	AdminID int64

	cfg  config
	base *fakeserver.Base
	mux  *http.ServeMux

	mu sync.Mutex
	st *state

	dl *deliveries
}

// NewServer starts a fake Zendesk account with an admin user, the default
// credentials and OAuth client, and the four default unified statuses.
func NewServer(opts ...Option) *Server {
	cfg := config{
		accountID:       DefaultAccountID,
		email:           DefaultEmail,
		apiToken:        DefaultAPIToken,
		oauthID:         DefaultOAuthClientID,
		oauthSecret:     DefaultOAuthClientSecret,
		tokenLifetime:   defaultTokenLifetime,
		now:             time.Now,
		deliveryTimeout: defaultDeliveryTimeout,
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		Email:             cfg.email,
		APIToken:          cfg.apiToken,
		OAuthClientID:     cfg.oauthID,
		OAuthClientSecret: cfg.oauthSecret,
		AccountID:         cfg.accountID,
		cfg:               cfg,
		mux:               http.NewServeMux(),
	}
	s.routes()
	s.st = newState(s)
	s.dl = newDeliveries(s)
	s.base = fakeserver.Start(fakeserver.Spec{
		Routes:     http.HandlerFunc(s.serve),
		WriteLimit: writeRateLimit,
		Unlimited:  func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/oauth/") },
		Limit:      cfg.rateN,
		Window:     cfg.rateWindow,
		Now:        cfg.now,
	})
	s.URL = s.base.URL
	return s
}

// Close stops the deliveries in flight, then shuts the server down.
func (s *Server) Close() {
	s.dl.close()
	s.base.Close()
}

// Client returns an HTTP client suitable for talking to the fake.
func (s *Server) Client() *http.Client { return s.base.Client() }

func (s *Server) now() time.Time { return s.cfg.now().UTC() }

// stamp is now to the second, as Zendesk's timestamps are.
func (s *Server) stamp() time.Time { return s.now().Truncate(time.Second) }

// SetRateLimit limits the API to n requests per window (fixed windows),
// or removes the limit when n or window is not positive; a new limit
// starts a new window. The token endpoint is never limited.
func (s *Server) SetRateLimit(n int, window time.Duration) { s.base.SetRateLimit(n, window) }

// writeRateLimit writes Zendesk's rate-limit headers
// (https://developer.zendesk.com/api-reference/introduction/rate-limits):
// X-Rate-Limit and X-Rate-Limit-Remaining, plus the ticketing API's
// ratelimit-limit, ratelimit-remaining and ratelimit-reset (whole seconds,
// rounded up). Over the limit it answers 429 with Retry-After and the
// text/plain body Zendesk was seen to send
// (https://support.zendesk.com/hc/en-us/community/posts/4600766234138).
//
// Zendesk's windows are a minute long. A test that sets a window shorter
// than a second gets the reset in fractional seconds ("0.15"), which
// deskbridge's client reads; in whole seconds every spent budget would cost
// that test a full second.
func writeRateLimit(w http.ResponseWriter, st fakeserver.LimitState) {
	h := w.Header()
	limit, remaining := strconv.Itoa(st.Limit), strconv.Itoa(st.Remaining)
	reset := strconv.Itoa(ceilSeconds(st.ResetIn))
	if st.Window < time.Second {
		reset = strconv.FormatFloat(max(st.ResetIn, time.Millisecond).Seconds(), 'f', 3, 64)
	}
	h.Set("X-Rate-Limit", limit)
	h.Set("X-Rate-Limit-Remaining", remaining)
	h.Set("ratelimit-limit", limit)
	h.Set("ratelimit-remaining", remaining)
	h.Set("ratelimit-reset", reset)
	if st.Limited {
		h.Set("Retry-After", reset)
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(rateLimitExceededBodyText))
	}
}

func ceilSeconds(d time.Duration) int {
	n := int(math.Ceil(d.Seconds()))
	if n < 1 {
		n = 1
	}
	return n
}

// Fault is a failure injected into the fake's answers: an error status, a
// latency, a dropped connection, or a request carried out before its
// answer is lost. It is [deskbridgetest.Fault], the same in every
// deskbridge fake; its fields are documented there.
type Fault = deskbridgetest.Fault

// InjectFault queues a fault; faults apply in the order they were injected.
func (s *Server) InjectFault(f Fault) { s.base.InjectFault(f) }

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() { s.base.ClearFaults() }

// Request is one request the fake received, as its log keeps it,
// credentials redacted. It is [deskbridgetest.Request], the same in every
// deskbridge fake; its fields are documented there.
type Request = deskbridgetest.Request

// Requests returns the request log, oldest first. Credentials are
// redacted: the Authorization header, and in bodies the values of
// client_secret, refresh_token, access_token, password, token and secret
// and of a webhook's authentication data (but an api_key's header name).
func (s *Server) Requests() []Request { return s.base.Requests() }

// RequestCount returns how many logged requests had the method ("" for
// any) and a path starting with prefix.
func (s *Server) RequestCount(method, prefix string) int { return s.base.RequestCount(method, prefix) }

// ResetRequests empties the request log.
func (s *Server) ResetRequests() { s.base.ResetRequests() }

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomSecret returns a signing secret shaped like Zendesk's (32 random
// bytes, URL-safe base64 with padding).
func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.URLEncoding.EncodeToString(b)
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newULID returns a ULID-like id (26 Crockford base32 characters: 48 bits
// of milliseconds, 80 random bits), the shape of Zendesk's webhook and
// event ids.
func newULID(t time.Time) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:])
	// 128 bits -> 26 chars of 5 bits (the first char carries 3 bits).
	var out [26]byte
	var acc uint64
	var bits uint
	j := 25
	for i := 15; i >= 0; i-- {
		acc |= uint64(b[i]) << bits
		bits += 8
		for bits >= 5 && j >= 0 {
			out[j] = crockford[acc&31]
			acc >>= 5
			bits -= 5
			j--
		}
	}
	for j >= 0 {
		out[j] = crockford[acc&31]
		acc >>= 5
		j--
	}
	return string(out[:])
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func errorf(format string, args ...any) error { return fmt.Errorf("zendesktest: "+format, args...) }
