package conversationstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/internal/fakeserver"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Limits the fake enforces, from the Sunshine Conversations API reference
// (https://developer.zendesk.com/api-reference/conversations/, "Introduction",
// and the schemas it links).
const (
	// MaxTextLength is the longest text of a text message, in characters.
	MaxTextLength = 4096
	// MaxAltTextLength is the longest altText of an image or file message.
	MaxAltTextLength = 128
	// MaxMetadataSize is the largest metadata object, in bytes of JSON.
	MaxMetadataSize = 4 * 1024
	// MaxBodySize is the largest JSON request body, in bytes.
	MaxBodySize = 100 * 1024
	// MaxAttachmentSize is the largest file UploadAttachment takes.
	MaxAttachmentSize = 50 * 1024 * 1024
	// MaxMessages is how many messages a conversation holds before
	// PostMessage answers 423 Locked.
	MaxMessages = 30000
	// MaxExternalIDLength is the longest user externalId.
	MaxExternalIDLength = 1024
	// MaxWebhooksPerApp, MaxKeysPerApp, MaxKeysPerIntegration and
	// MaxSwitchboardIntegrations are the per-app and per-parent limits.
	MaxWebhooksPerApp          = 10
	MaxKeysPerApp              = 10
	MaxKeysPerIntegration      = 10
	MaxSwitchboardIntegrations = 10
)

// AgentWorkspaceName and AgentWorkspaceType name Zendesk's agent workspace
// in the switchboard, as the API reference's ListSwitchboardIntegrations
// example shows it.
const (
	AgentWorkspaceName = "zd-agentWorkspace"
	AgentWorkspaceType = "zd:agentWorkspace"
)

// Option configures a Server.
type Option func(*config)

type config struct {
	now             func() time.Time
	rateN           int
	rateWindow      time.Duration
	retryWaits      []time.Duration
	deliveryTimeout time.Duration
	deliveryClient  *http.Client
	sleep           func(ctx context.Context, d time.Duration) error
	maxMessages     int
	maxAttachment   int64
	zendesk         *zendesktest.Server
	handBack        HandBack
	closedActivity  bool
	batchWindow     time.Duration
}

// WithClock replaces time.Now for every timestamp the fake writes and for
// its rate-limit windows.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithRateLimit limits the API to n requests per window from the start
// (see [Server.SetRateLimit]).
func WithRateLimit(n int, window time.Duration) Option {
	return func(c *config) { c.rateN, c.rateWindow = n, window }
}

// WithRetryWaits replaces the waits between the attempts of a webhook
// delivery: len(waits)+1 attempts in all. The default, [DefaultRetryWaits],
// is Sunshine Conversations' 5 attempts over 15 minutes; a test scales it
// down, or keeps it and replaces the sleep ([WithDeliverySleep]).
func WithRetryWaits(waits ...time.Duration) Option {
	return func(c *config) { c.retryWaits = append([]time.Duration(nil), waits...) }
}

// WithDeliveryTimeout sets how long a webhook receiver has to answer one
// attempt before it counts as failed and is retried (Sunshine
// Conversations: 20 s, [DefaultDeliveryTimeout]).
func WithDeliveryTimeout(d time.Duration) Option { return func(c *config) { c.deliveryTimeout = d } }

// WithDeliveryClient sets the HTTP client that delivers webhooks (an
// httptest TLS server's client, say). Its Timeout is replaced by the
// delivery timeout.
func WithDeliveryClient(hc *http.Client) Option { return func(c *config) { c.deliveryClient = hc } }

// WithDeliverySleep replaces the wait between delivery attempts; the
// waits are still recorded on each attempt. [NoSleep] skips them.
func WithDeliverySleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) { c.sleep = sleep }
}

// NoSleep is a delivery sleep that returns at once (unless ctx has ended).
func NoSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// WithMessageLimit lowers the number of messages a conversation holds
// before PostMessage answers 423 ([MaxMessages] by default), so that a
// test reaches it quickly.
func WithMessageLimit(n int) Option { return func(c *config) { c.maxMessages = n } }

// WithAttachmentLimit lowers the largest upload ([MaxAttachmentSize] by
// default), so that a test reaches it quickly.
func WithAttachmentLimit(n int64) Option { return func(c *config) { c.maxAttachment = n } }

// WithZendesk attaches a Zendesk fake, as [Server.Attach] does.
func WithZendesk(z *zendesktest.Server) Option { return func(c *config) { c.zendesk = z } }

// WithHandBack chooses how the agent workspace gives a conversation back
// when its ticket is solved (see [HandBack]).
func WithHandBack(h HandBack) Option { return func(c *config) { c.handBack = h } }

// WithTicketClosedActivity makes a solve also post the system message
// Sunshine Conversations' schema describes for it: a text message with
// activity {"type": "ticket:closed"}.
func WithTicketClosedActivity() Option { return func(c *config) { c.closedActivity = true } }

// WithBatching makes deliveries carry several events, as Sunshine
// Conversations' envelope allows (events[] is an array): a webhook's
// worker, taking an event, waits window and sends it together with the
// events queued for the same webhook meanwhile (up to a limit, see
// unconfirmed.go), in order, in one POST; the whole batch is retried as
// one. Each event keeps its own [Delivery] record, whose Batch lists the
// ids sent together. 0 (the default) sends one event per POST.
func WithBatching(window time.Duration) Option { return func(c *config) { c.batchWindow = window } }

// DefaultRetryWaits are the waits between the 5 attempts of a webhook
// delivery: exponential, 15 minutes in all, as Sunshine Conversations
// documents its retries ("up to 5 attempts over 15 minutes").
var DefaultRetryWaits = []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}

// DefaultDeliveryTimeout is how long a receiver has to answer an attempt.
const DefaultDeliveryTimeout = 20 * time.Second

// Server is a fake Sunshine Conversations (Zendesk messaging) API v2 for one
// app, served over HTTP on a loopback port, with Zendesk's agent workspace
// on the far side of its switchboard. It is safe for concurrent use.
// Create it with [NewServer] and Close it when done.
type Server struct {
	// URL stands for https://{subdomain}.zendesk.com/sc: the API is under
	// URL+"/v2/apps/"+AppID. The same API is also served without the
	// "/sc" part, as the legacy api.smooch.io hosts serve it.
	URL string
	// AppID is the app's id (24 hex characters).
	AppID string
	// KeyID and Secret are the app's API key (an "app_" key: scope app),
	// for Basic authentication or to sign a JWT.
	KeyID  string
	Secret string
	// AccountKeyID and AccountSecret are an account key (an "act_" key:
	// scope account), the one kind that may manage the app's keys
	// (/v2/apps/{appId}/keys). Only direct Sunshine Conversations
	// accounts have one; a Zendesk account makes app keys in Admin Center.
	AccountKeyID  string
	AccountSecret string

	cfg  config
	base *fakeserver.Base
	mux  *http.ServeMux

	mu sync.Mutex
	st *state

	dl *deliveries
}

// NewServer starts a fake app with one app key, an account key, a
// switchboard holding the agent workspace (its default integration), and
// no users yet.
func NewServer(opts ...Option) *Server {
	cfg := config{
		now:             time.Now,
		retryWaits:      DefaultRetryWaits,
		deliveryTimeout: DefaultDeliveryTimeout,
		maxMessages:     MaxMessages,
		maxAttachment:   MaxAttachmentSize,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	s.st = newState(s)
	s.AppID = s.st.newID()
	s.KeyID, s.Secret = s.st.addKey("app_", "deskbridge fake", "")
	s.st.appKeys.add(s.KeyID)
	s.AccountKeyID, s.AccountSecret = s.st.addKey("act_", "deskbridge fake account", "")
	s.st.keys[s.AccountKeyID].account = true
	s.st.seedSwitchboard()
	s.routes()
	s.dl = newDeliveries(s)
	s.base = fakeserver.Start(fakeserver.Spec{
		Routes:     http.HandlerFunc(s.serve),
		WriteLimit: writeRateLimit,
		Unlimited:  func(r *http.Request) bool { return isMediaPath(r.URL.Path) },
		RedactBody: s.redactBody,
		Limit:      cfg.rateN,
		Window:     cfg.rateWindow,
		Now:        cfg.now,
	})
	s.URL = s.base.URL + "/sc"
	return s
}

// Close stops the webhook deliveries in flight, then shuts the server down.
func (s *Server) Close() {
	s.dl.close()
	s.base.Close()
}

// Client returns an HTTP client suitable for talking to the fake.
func (s *Server) Client() *http.Client { return s.base.Client() }

// Attach connects a Zendesk fake: from then on, when control of a
// conversation passes to the agent workspace, its ticket is opened there
// (see [Server.AgentTicket]). Without one, the fake keeps the hand-off to
// itself and the agent helpers still work.
func (s *Server) Attach(z *zendesktest.Server) {
	s.mu.Lock()
	s.cfg.zendesk = z
	s.mu.Unlock()
}

func (s *Server) now() time.Time { return s.cfg.now().UTC() }

// SetRateLimit limits the API to n requests per window (fixed windows);
// 0 removes the limit. Past it the fake answers 429 with the API's error
// body, code "too_many_requests" (see unconfirmed.go). Media URLs are not
// limited.
func (s *Server) SetRateLimit(n int, window time.Duration) { s.base.SetRateLimit(n, window) }

// Fault is a failure injected into the fake's answers: an error status, a
// latency, a dropped connection, or a request carried out before its
// answer is lost. It is [deskbridgetest.Fault], the same in every
// deskbridge fake; its fields are documented there.
type Fault = deskbridgetest.Fault

// Request is one request the fake received, as its log keeps it,
// credentials redacted. It is [deskbridgetest.Request], the same in every
// deskbridge fake; its fields are documented there.
type Request = deskbridgetest.Request

// Attempt is one try of a webhook delivery. It is [deskbridgetest.Attempt],
// the same in every deskbridge fake; its fields are documented there.
type Attempt = deskbridgetest.Attempt

// InjectFault queues a fault; faults apply in the order they were added.
func (s *Server) InjectFault(f Fault) { s.base.InjectFault(f) }

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() { s.base.ClearFaults() }

// Requests returns the requests received so far, oldest first, with the
// Authorization header redacted and every key secret the fake knows of
// replaced wherever else it appears.
func (s *Server) Requests() []Request { return s.base.Requests() }

// RequestCount counts the logged requests with method ("" for any) on a
// path starting with prefix (a path on the server, such as
// "/sc/v2/apps/").
func (s *Server) RequestCount(method, prefix string) int { return s.base.RequestCount(method, prefix) }

// ResetRequests empties the request log.
func (s *Server) ResetRequests() { s.base.ResetRequests() }

// redactBody is the log's redaction: credentials by name (a webhook's
// "secret", a key's "secret"), then every key secret of the app.
func (s *Server) redactBody(r *http.Request, body []byte) []byte {
	out := fakeserver.RedactBody(r.Header.Get("Content-Type"), body)
	s.mu.Lock()
	secrets := s.st.secrets()
	s.mu.Unlock()
	for _, k := range secrets {
		if len(k) >= 8 && strings.Contains(string(out), k) {
			out = []byte(strings.ReplaceAll(string(out), k, fakeserver.Redacted))
		}
	}
	return out
}

// writeRateLimit writes the 429 answer; Sunshine Conversations documents
// no rate-limit headers.
func writeRateLimit(w http.ResponseWriter, st fakeserver.LimitState) {
	if !st.Limited {
		return
	}
	writeRateLimited(w, st)
}

// randomSecret returns a new secret of n random bytes, base64url-like hex.
func randomSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("conversationstest: crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

// timeFormat is the API's YYYY-MM-DDThh:mm:ss.SSSZ.
const timeFormat = "2006-01-02T15:04:05.000Z"

func stamp(t time.Time) string { return t.UTC().Format(timeFormat) }
