package brazetest

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// DefaultAPIKey is the REST API key a Server accepts unless [WithAPIKey]
// says otherwise.
const DefaultAPIKey = "brazetest-rest-api-key"

// Server is a fake Braze REST API on a loopback port, with the state a test
// or a demo asserts on. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to give the client
	// ([github.com/deskbridge/deskbridge/braze.WithBaseURL]).
	URL string

	base      *fakeserver.Base
	apiKey    string
	now       func() time.Time
	limit     int           // WithRateLimit's, for the base's start;
	window    time.Duration // SetRateLimit changes the base's
	deliverer fakeserver.Deliverer

	mu          sync.Mutex
	users       profiles
	campaigns   campaigns
	canvases    map[string]*Canvas
	sends       []Send
	inbound     []InboundSMS
	webhooks    []WebhookDelivery // up to 2×maxWebhooks; see recordWebhook
	maxWebhooks int
	minor       map[string][]MinorError
	legacyTrack bool // WithLegacyTrackLimits
	queued      bool
	seq         int
	closed      bool
	deliveries  deliveries
}

// Option configures a Server.
type Option func(*Server)

// WithAPIKey sets the REST API key the server accepts.
func WithAPIKey(key string) Option { return func(s *Server) { s.apiKey = key } }

// WithClock replaces time.Now for the records, the rate-limit windows and
// the X-RateLimit-Reset header.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithRateLimit limits each of Braze's budget groups to limit requests per
// window from the start, as [Server.SetRateLimit] does.
func WithRateLimit(limit int, window time.Duration) Option {
	return func(s *Server) { s.limit, s.window = limit, window }
}

// WithLegacyTrackLimits makes users/track accept up to 75 attributes, 75
// events and 75 purchases per request, as Braze does for a workspace on its
// legacy rate limits. By default the server takes at most 75 objects in
// all per request, and answers more with 400 "Max Input Length Exceeded"
// (see https://www.braze.com/docs/api/api_limits/).
func WithLegacyTrackLimits() Option { return func(s *Server) { s.legacyTrack = true } }

// WithWebhookClient sets the client that delivers webhook campaigns.
// Default: one with Braze's 90-second timeout per attempt.
func WithWebhookClient(hc *http.Client) Option {
	return func(s *Server) { s.deliverer.Client = hc }
}

// WithWebhookTimeout sets the timeout of one webhook attempt (Braze: 90 s).
func WithWebhookTimeout(d time.Duration) Option {
	return func(s *Server) {
		hc := &http.Client{}
		if s.deliverer.Client != nil {
			c := *s.deliverer.Client
			hc = &c
		}
		hc.Timeout = d
		s.deliverer.Client = hc
	}
}

// WithWebhookSleep replaces the wait between webhook attempts, so that a
// test need not wait out Braze's backoff (the waits are still recorded on
// each Attempt). Default: a real, context-aware wait.
func WithWebhookSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(s *Server) { s.deliverer.Sleep = sleep }
}

// NewServer starts a fake Braze. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		apiKey:      DefaultAPIKey,
		now:         time.Now,
		canvases:    map[string]*Canvas{},
		minor:       map[string][]MinorError{},
		maxWebhooks: MaxWebhookRecords,
	}
	s.deliverer = fakeserver.Deliverer{
		Client: &http.Client{Timeout: webhookTimeout},
		Policy: webhookRetryPolicy(s.clock),
	}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	s.deliverer.Now = s.clock
	s.deliveries.init(s.deliver, MaxPendingWebhooks)
	s.base = fakeserver.Start(fakeserver.Spec{
		Routes:       http.HandlerFunc(s.serveAPI),
		WriteLimit:   writeRateLimit,
		Budget:       func(r *http.Request) string { return budgetGroup(r.URL.Path) },
		AlignWindows: windowsAligned,
		RedactBody:   s.redactBody,
		Limit:        s.limit,
		Window:       s.window,
		Now:          s.clock,
	})
	s.URL = s.base.URL
	return s
}

func (s *Server) clock() time.Time { return s.now() }

// Close stops webhook deliveries in flight, waits for them, and shuts the
// server down.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.deliveries.stop()
	s.base.Close()
}

// APIKey returns the REST API key the server accepts.
func (s *Server) APIKey() string { return s.apiKey }

// Client returns an *http.Client that reaches the server.
func (s *Server) Client() *http.Client { return s.base.Client() }

// redactBody is the request log's redaction of a body: credentials by
// name (fakeserver.RedactBody: the legacy "api_key" member…), then the
// server's API key and the key the request was sent with wherever else
// they appear.
func (s *Server) redactBody(r *http.Request, body []byte) []byte {
	out := fakeserver.RedactBody(r.Header.Get("Content-Type"), body)
	sent, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	for _, k := range []string{s.apiKey, strings.TrimSpace(sent)} {
		if len(k) >= 4 && bytes.Contains(out, []byte(k)) {
			out = bytes.ReplaceAll(out, []byte(k), []byte(fakeserver.Redacted))
		}
	}
	return out
}

// SetRateLimit limits each of Braze's budget groups to limit requests per
// window; 0 removes the limit, and a new limit starts new windows. Braze
// counts a budget per group of endpoints
// (https://www.braze.com/docs/api/api_limits/: users/track; the three send
// endpoints together, whether broadcast or not; users/export/ids; users/identify with users/alias/*,
// users/delete and users/merge; subscription status v1 and v2; every other
// endpoint), so a spent export budget does not refuse a trigger send. The
// windows are fixed and aligned to the Unix epoch: a one-minute window runs
// from one whole minute to the next, whenever its first request comes.
// Every limited response carries its group's X-RateLimit-Limit,
// X-RateLimit-Remaining and X-RateLimit-Reset: the window's end in Unix
// seconds, exact for a window of whole seconds, rounded up otherwise so
// that a client waiting for it finds the window over. A request over the
// limit is answered 429 {"message": "Rate Limited"}, before its key is
// checked.
func (s *Server) SetRateLimit(limit int, window time.Duration) { s.base.SetRateLimit(limit, window) }

// budgetGroup names the rate-limit budget a path draws on: Braze's groups
// (https://www.braze.com/docs/api/api_limits/; the send endpoints' is a
// guess, see sendsBudget), "" for the default budget.
func budgetGroup(path string) string {
	switch path {
	case "/users/track":
		return "users/track"
	case "/messages/send", "/campaigns/trigger/send", "/canvas/trigger/send":
		return sendsBudget()
	case "/users/export/ids":
		return "users/export/ids"
	case "/users/identify", "/users/delete", "/users/merge":
		return "users/identity"
	case "/subscription/status/set", "/v2/subscription/status/set":
		return "subscription/status"
	case "/sends/id/create":
		return "sends/id/create"
	}
	if strings.HasPrefix(path, "/users/alias/") {
		return "users/identity"
	}
	return ""
}

// writeRateLimit writes Braze's rate-limit headers on a limited response,
// and its 429 when the request is over the limit.
func writeRateLimit(w http.ResponseWriter, st fakeserver.LimitState) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(st.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(st.Remaining))
	reset := st.ResetAt.Unix()
	if st.ResetAt.After(time.Unix(reset, 0)) {
		reset++ // a window that is not whole seconds
	}
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
	if st.Limited {
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"message": rateLimitedMessage})
	}
}

// SetQueued makes every later success answer 202 {"message":"queued"}, as
// Braze does during maintenance. The request is still carried out at once.
func (s *Server) SetQueued(queued bool) {
	s.mu.Lock()
	s.queued = queued
	s.mu.Unlock()
}

// MinorError is one item of the "errors" array of a response.
type MinorError struct {
	Type       string `json:"type"`
	InputArray string `json:"input_array,omitempty"`
	// Index is the item's position in InputArray; nil leaves "index" out.
	Index *int `json:"index,omitempty"`
}

// at is the index i of a minor error.
func at(i int) *int { return &i }

// InjectMinorErrors adds errs to the next successful answer on path (such
// as "/users/track"), beside "message": "success".
func (s *Server) InjectMinorErrors(path string, errs ...MinorError) {
	s.mu.Lock()
	s.minor[path] = append(s.minor[path], errs...)
	s.mu.Unlock()
}

func (s *Server) takeMinor(path string) []MinorError {
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := s.minor[path]
	delete(s.minor, path)
	return errs
}

// Fault is a failure injected into the fake's answers: an error status, a
// latency, a dropped connection, or a request carried out before its
// answer is lost. It is [deskbridgetest.Fault], the same in every
// deskbridge fake; its fields are documented there.
type Fault = deskbridgetest.Fault

// Request is one request the fake received, as its log keeps it,
// credentials redacted. It is [deskbridgetest.Request], the same in every
// deskbridge fake; its fields are documented there.
type Request = deskbridgetest.Request

// InjectFault queues a fault; faults apply in the order they were added.
func (s *Server) InjectFault(f Fault) { s.base.InjectFault(f) }

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() { s.base.ClearFaults() }

// Requests returns the API requests received so far, oldest first, with
// the API key redacted wherever it appears (the Authorization header, the
// legacy "api_key" member, anywhere else in a body). The log keeps the
// newest 20,000 requests, and bounded bodies (see [deskbridgetest.Request]).
func (s *Server) Requests() []Request { return s.base.Requests() }

// RequestCount counts the logged requests with method ("" for any) on a
// path starting with prefix.
func (s *Server) RequestCount(method, prefix string) int { return s.base.RequestCount(method, prefix) }

// ResetRequests empties the request log.
func (s *Server) ResetRequests() { s.base.ResetRequests() }

// Alias is a user alias.
type Alias struct {
	Name  string `json:"alias_name"`
	Label string `json:"alias_label"`
}

// User is a user profile of the fake.
type User struct {
	ExternalID string
	BrazeID    string
	Aliases    []Alias
	FirstName  string
	LastName   string
	Email      string
	Phone      string
	// CustomAttributes hold the custom attributes as set through
	// users/track or a trigger send's attributes (JSON values: string,
	// float64, bool, nil, []any, map[string]any).
	CustomAttributes map[string]any
	// Subscriptions maps subscription group IDs to "subscribed" or
	// "unsubscribed".
	Subscriptions map[string]string
	Events        []TrackedEvent
	Purchases     []TrackedEvent
}

// TrackedEvent is a custom event or a purchase (Name is its product_id)
// recorded through users/track.
type TrackedEvent struct {
	Name       string
	Time       string
	Properties map[string]any
}

func (u *User) clone() User {
	c := *u
	c.Aliases = slices.Clone(u.Aliases)
	c.CustomAttributes = maps.Clone(u.CustomAttributes)
	c.Subscriptions = maps.Clone(u.Subscriptions)
	c.Events = slices.Clone(u.Events)
	c.Purchases = slices.Clone(u.Purchases)
	return c
}

// AddUser adds or replaces (by ExternalID) a user profile, such as the
// customer of a demo with a phone number and a name.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := u.clone()
	if c.CustomAttributes == nil {
		c.CustomAttributes = map[string]any{}
	}
	if c.Subscriptions == nil {
		c.Subscriptions = map[string]string{}
	}
	if c.BrazeID == "" {
		c.BrazeID = s.nextID("")
	}
	if old := s.userByExternalID(c.ExternalID); old != nil {
		s.users.change(old, func(old *User) { *old = c })
		return
	}
	s.users.add(&c)
}

// User returns the profile with the external ID.
func (s *Server) User(externalID string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.userByExternalID(externalID); u != nil {
		return u.clone(), true
	}
	return User{}, false
}

// Users returns every profile, in creation order.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.users.all()
	out := make([]User, len(all))
	for i, u := range all {
		out[i] = u.clone()
	}
	return out
}

// Send is one message a send endpoint sent to one user (or one broadcast).
type Send struct {
	Time time.Time
	// Endpoint is "/campaigns/trigger/send", "/canvas/trigger/send" or
	// "/messages/send".
	Endpoint   string
	CampaignID string
	CanvasID   string
	SendID     string
	DispatchID string
	Broadcast  bool
	// The recipient, as the request named them.
	ExternalUserID string
	UserAlias      *Alias
	Email          string
	BrazeID        string
	// TriggerProperties (campaigns) and Context (Canvases) are the
	// request's values merged with the recipient's, which win. Context
	// also holds canvas_entry_properties, context's older name, which
	// Braze still accepts; where a request gives both at one level,
	// context's value wins.
	TriggerProperties map[string]any
	Context           map[string]any
	// Attributes are the recipient's attributes, applied before the send.
	Attributes map[string]any
	// Message is the campaign's Message template rendered for this user,
	// or the SMS body of messages/send.
	Message string
	// SMS is the SMS object of messages/send.
	SMS map[string]any
}

// Sends returns every send so far, in order.
func (s *Server) Sends() []Send {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sends)
}

// SendsTo returns the sends so far to the user with the external ID, in
// order: what one customer received.
func (s *Server) SendsTo(externalUserID string) []Send {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Send
	for _, m := range s.sends {
		if m.ExternalUserID == externalUserID {
			out = append(out, m)
		}
	}
	return out
}

// Canvas is an API-triggered Canvas known to the fake.
type Canvas struct {
	ID   string
	Name string
}

// AddCanvas registers a Canvas; trigger sends to other IDs are refused.
func (s *Server) AddCanvas(c Canvas) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		c.ID = s.nextID("canvas")
	}
	s.canvases[c.ID] = &c
	return c.ID
}

// nextID returns a new identifier (deterministic, so demos print stable
// output). Callers hold s.mu.
func (s *Server) nextID(prefix string) string {
	s.seq++
	if prefix == "" {
		return fmt.Sprintf("%024x", s.seq)
	}
	return fmt.Sprintf("%s-%08x", prefix, s.seq)
}

func (s *Server) userByExternalID(id string) *User {
	if id == "" {
		return nil
	}
	return s.users.byExternal.first(id)
}

// setExternalID names a user. Callers hold s.mu.
func (s *Server) setExternalID(u *User, id string) {
	s.users.change(u, func(u *User) { u.ExternalID = id })
}

// newUser makes an empty profile with a new Braze ID. Callers hold s.mu.
func (s *Server) newUser() *User {
	u := &User{BrazeID: s.nextID(""), CustomAttributes: map[string]any{}, Subscriptions: map[string]string{}}
	s.users.add(u)
	return u
}
