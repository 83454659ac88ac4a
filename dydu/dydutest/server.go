package dydutest

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// Limits and timings the fake applies, from Dydu's dialog API reference
// (https://docs-en.dydu.ai/developers/api-reference/dialog-api).
const (
	// MaxUserInput is how many characters of userInput the server uses:
	// "only the first 600 characters" are. The rest is dropped without an
	// error, as the real server does; [Server.Truncations] records it.
	MaxUserInput = 600
	// ContextIdleTimeout is how long a dialog context lives unused: "a
	// context unused for 10 minutes" is archived, and a request naming it
	// gets a new one.
	ContextIdleTimeout = 10 * time.Minute
	// MaxEventsPerContext bounds the livechat events a context keeps for
	// polling; past it the oldest are dropped.
	MaxEventsPerContext = 1000
	// MaxInteractionsPerContext bounds the history a context keeps.
	MaxInteractionsPerContext = 1000
)

// Option configures a [Server] or a [Cluster].
type Option func(*config)

type config struct {
	now        func() time.Time
	botID      string
	rateN      int
	rateWindow time.Duration
	bot        *Bot
	onEsc      func(Escalation)
	adminLogin string
	adminPass  string
}

// DefaultAdminLogin is the admin login a server accepts unless
// [WithAdminCredentials] says otherwise.
const DefaultAdminLogin = "admin@dydutest.example"

// WithAdminCredentials sets the BMS login and password the admin web
// services accept.
func WithAdminCredentials(login, password string) Option {
	return func(c *config) { c.adminLogin, c.adminPass = login, password }
}

// WithClock replaces time.Now: for context expiry, serverTime, the poll
// dates and the rate-limit windows. A test moves it past
// [ContextIdleTimeout] instead of waiting.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithBotID sets the bot's UUID instead of a random one.
func WithBotID(id string) Option { return func(c *config) { c.botID = id } }

// WithRateLimit limits each server to n requests per window from the
// start (see [Server.SetRateLimit]).
func WithRateLimit(n int, window time.Duration) Option {
	return func(c *config) { c.rateN, c.rateWindow = n, window }
}

// WithBot starts the server with bot b instead of [SeedBot]; Bot{} is a
// bot with no knowledge. A bot that does not load (a knowledge naming a
// skill b lacks, a taken id) panics: it is a programming error.
func WithBot(b Bot) Option { return func(c *config) { c.bot = &b } }

// WithEscalationHook calls f, outside the fake's lock, each time the bot
// escalates a dialog to the livechat (a bridge or a demo reacts to it).
func WithEscalationHook(f func(Escalation)) Option { return func(c *config) { c.onEsc = f } }

// Server is one fake Dydu server on a loopback port. Several servers of a
// [Cluster] share one bot and its dialogs, as the servers a chatbox fails
// over between do. Its methods are safe for concurrent use.
type Server struct {
	// URL stands for https://<server>: the dialog API is under
	// URL+"/servlet/api/" (chat/talk/{BotID}/…).
	URL string
	// BotID is the bot's UUID.
	BotID string
	// AdminLogin and AdminPassword are the BMS credential the admin web
	// services take (Basic authentication): [DefaultAdminLogin] and a
	// random password unless [WithAdminCredentials] says otherwise.
	AdminLogin    string
	AdminPassword string

	base *fakeserver.Base
	st   *state
	down atomic.Bool
}

// NewServer starts one fake Dydu server. Unless [WithBot] says otherwise,
// its bot is the seed's example: a welcome message, a few answered
// questions, the skill "Animal" and the knowledge "Animal" whose answer
// carries the livechat connection action (see [SeedBot]). Close it when
// done.
func NewServer(opts ...Option) *Server {
	cfg := newConfig(opts)
	return startServer(newState(cfg))
}

func newConfig(opts []Option) config {
	cfg := config{now: time.Now}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.botID == "" {
		cfg.botID = newUUID()
	}
	if cfg.adminLogin == "" {
		cfg.adminLogin = DefaultAdminLogin
	}
	if cfg.adminPass == "" {
		cfg.adminPass = strings.ReplaceAll(newUUID(), "-", "")
	}
	return cfg
}

func startServer(st *state) *Server {
	s := &Server{BotID: st.cfg.botID, AdminLogin: st.cfg.adminLogin, AdminPassword: st.cfg.adminPass, st: st}
	s.base = fakeserver.Start(fakeserver.Spec{
		Routes:     http.HandlerFunc(s.serve),
		RedactBody: s.redactBody,
		Limit:      st.cfg.rateN,
		Window:     st.cfg.rateWindow,
		Now:        st.cfg.now,
	})
	s.URL = s.base.URL
	return s
}

// Close shuts the server down, waiting for the requests in flight.
func (s *Server) Close() { s.base.Close() }

// Client returns an HTTP client suitable for talking to the server.
func (s *Server) Client() *http.Client { return s.base.Client() }

// APIURL returns the base of the dialog API: URL+"/servlet/api/".
func (s *Server) APIURL() string { return s.URL + "/servlet/api/" }

// SetDown makes the server answer every request with 503 (true) or serve
// again (false), so that a client fails over to the next server. The
// requests it refuses are still logged.
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// Down reports whether the server is down (see [Server.SetDown]).
func (s *Server) Down() bool { return s.down.Load() }

// SetRateLimit limits the server to n requests per window (fixed windows);
// 0 removes the limit. Dydu documents no rate limit and no rate-limit
// headers: past the limit the fake answers a bare 429.
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
// Dydu's dialog API delivers nothing (the chatbox polls), so this fake
// records none; the alias is here for the shape every fake shares.
type Attempt = deskbridgetest.Attempt

// InjectFault queues a fault; faults apply in the order they were added.
func (s *Server) InjectFault(f Fault) { s.base.InjectFault(f) }

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() { s.base.ClearFaults() }

// Requests returns the requests this server received, oldest first, with
// credentials redacted.
func (s *Server) Requests() []Request { return s.base.Requests() }

// RequestCount counts the logged requests with method ("" for any) on a
// path starting with prefix (such as "/servlet/api/chat/talk/").
func (s *Server) RequestCount(method, prefix string) int { return s.base.RequestCount(method, prefix) }

// ResetRequests empties the request log.
func (s *Server) ResetRequests() { s.base.ResetRequests() }

// Cluster is several fake Dydu servers in front of one bot: a dialog
// started on one continues on another, so a client that fails over (as
// Dydu's chatbox does, server after server) keeps its context.
type Cluster struct {
	// Servers are the cluster's servers, in the order a client lists them.
	Servers []*Server
	// BotID is the bot's UUID, the same on every server.
	BotID string
}

// NewCluster starts n servers (at least 1) sharing one bot. Close it when
// done.
func NewCluster(n int, opts ...Option) *Cluster {
	cfg := newConfig(opts)
	st := newState(cfg)
	c := &Cluster{BotID: cfg.botID}
	for range max(n, 1) {
		c.Servers = append(c.Servers, startServer(st))
	}
	return c
}

// URLs returns the servers' URLs, in order: the list a client fails over
// along.
func (c *Cluster) URLs() []string {
	out := make([]string, len(c.Servers))
	for i, s := range c.Servers {
		out[i] = s.URL
	}
	return out
}

// Close shuts every server down.
func (c *Cluster) Close() {
	for _, s := range c.Servers {
		s.Close()
	}
}

// newUUID returns a random (version 4) UUID, the form of Dydu's bot and
// context ids.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("dydutest: crypto/rand: %v", err))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// nowMS is t in Unix milliseconds, the unit of serverTime and
// pollUpdatedInteractionDate.
func nowMS(t time.Time) int64 { return t.UnixMilli() }

// redactBody is the log's redaction: credentials by name, then the
// admin password wherever else it appears.
func (s *Server) redactBody(r *http.Request, body []byte) []byte {
	out := fakeserver.RedactBody(r.Header.Get("Content-Type"), body)
	if p := s.AdminPassword; len(p) >= 4 && strings.Contains(string(out), p) {
		out = []byte(strings.ReplaceAll(string(out), p, fakeserver.Redacted))
	}
	return out
}
