package dydu

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// vendor declares how Dydu's API differs from the other vendors'. The
// dialog API needs no credential; the admin web services' Basic
// credential ([WithAdminCredentials]) is given to their own clients.
var vendor = &rest.Vendor{
	Name:       "dydu",
	HostOption: "WithServers",
	// The chatbox sends Accept: application/json on every dialog call
	// (src/tools/axios.ts in https://github.com/Do-you-dream-up/CV5).
	Header:           http.Header{"Accept": {"application/json"}},
	RequestIDHeaders: requestIDHeaders(),
	DecodeError:      decodeError,
}

// formContentType is the Content-Type of the chatbox's form posts.
var formContentType = []string{"application/x-www-form-urlencoded; charset=utf-8"}

// apiPath is where a Dydu server serves the dialog API: the chatbox's
// SERVLET_API base, "${server}/servlet/api/".
const apiPath = "/servlet/api"

// Timeouts of one server's answer, as Dydu's chatbox waits
// (src/tools/axios.ts and src/tools/dydu.js in
// https://github.com/Do-you-dream-up/CV5): past them the next server is
// tried, when the call is safe to send again.
const (
	// DefaultServerTimeout bounds the wait for one server's answer to
	// every call but Talk. The chatbox waits 3 s; this client waits
	// longer, for servers farther than a browser's. [WithServerTimeout]
	// changes it.
	DefaultServerTimeout = 10 * time.Second
	// TalkTimeout bounds the wait for one server's answer to a talk: the
	// bot may take long to answer (the chatbox's maxTimeoutForAnswer).
	TalkTimeout = 50 * time.Second
)

// ContextIdleLimit is how long a dialog context lives unused: Dydu
// archives a context that saw no call for 10 minutes, and answers the next
// talk on it in a new context
// (https://docs-en.dydu.ai/developers/api-reference/dialog-api). A
// [Answer] says so in ContextRenewed.
const ContextIdleLimit = 10 * time.Minute

// Client talks to one Dydu bot through the dialog API, on one or several
// servers. It is safe for concurrent use and holds no per-user state:
// every call names its dialog context. Build one per bot and share it.
type Client struct {
	botID    string
	language string
	space    string
	timeout  time.Duration
	logger   *slog.Logger
	servers  []*server
	current  atomic.Int32 // the server that answered last
	hasAdmin bool

	// Admin calls the admin web services, with the Basic credential of
	// [WithAdminCredentials].
	Admin *AdminService
}

// server is one Dydu server: its dialog API client, and its admin
// client when the admin credential is given.
type server struct {
	url   string
	api   *rest.Client
	admin *rest.Client
}

// Option configures a [Client]. Options validate their input and
// [NewClient] returns the first error.
type Option func(*config) error

// config is what the options fill.
type config struct {
	rest.Settings
	servers       []string
	baseURL       string
	botID         string
	language      string
	space         string
	timeout       time.Duration
	adminUser     string
	adminPassword string
	adminURL      string
}

// uuidPattern is a bot UUID as Dydu shows it (Preferences › Api › API
// access): 8-4-4-4-12 hexadecimal digits.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// WithBotID sets the bot every call talks to: its UUID, shown in the BMS
// under Preferences › Api › API access
// (https://docs-en.dydu.ai/developers/api-reference/access-to-apis), and
// the "id" of the chatbox's bot.json. Required.
func WithBotID(uuid string) Option {
	return func(c *config) error {
		id := strings.TrimSpace(uuid)
		if !uuidPattern.MatchString(id) {
			return fmt.Errorf("bot id %q is not a UUID (8-4-4-4-12 hexadecimal digits, as the BMS shows under Preferences › Api › API access)", uuid)
		}
		c.botID = strings.ToLower(id)
		return nil
	}
}

// WithServers sets the Dydu servers of the bot, in the order they are
// tried: the "servers" of the chatbox's bot.json, such as
// "https://app1.dydu-priv.com". The dialog API is under each one's
// /servlet/api/. A call goes to the server that answered last; when that
// server cannot be reached, or fails, the call moves to the next one if it
// is safe to send again (see "Several servers" in the package doc).
// Each URL must be http or https with a host, no user info, query or
// fragment. [WithBaseURL], when also given, wins.
func WithServers(urls ...string) Option {
	return func(c *config) error {
		if len(urls) == 0 {
			return errors.New("WithServers: no server given")
		}
		seen := map[string]bool{}
		var out []string
		for _, u := range urls {
			u = trimURL(u)
			if err := checkServerURL(u); err != nil {
				return fmt.Errorf("server %q: %w", u, err)
			}
			if seen[u] {
				return fmt.Errorf("server %q is given twice", u)
			}
			seen[u] = true
			out = append(out, u)
		}
		c.servers = out
		return nil
	}
}

// trimURL drops spaces and trailing slashes.
func trimURL(u string) string { return strings.TrimRight(strings.TrimSpace(u), "/") }

// checkServerURL refuses what could not be a server's base URL, through the
// core's own check.
func checkServerURL(u string) error {
	var s rest.Settings
	if err := s.SetBaseURL(u); err != nil {
		return err
	}
	if strings.HasSuffix(u, apiPath) {
		return fmt.Errorf("give the server, without %s/ (the client adds it)", apiPath)
	}
	return nil
}

// WithLanguage sets the language sent with calls that do not name one
// ("fr", "en"…). Default "fr", the chatbox's fallback language.
func WithLanguage(lang string) Option {
	return func(c *config) error {
		lang = strings.TrimSpace(lang)
		if lang == "" || strings.ContainsFunc(lang, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
			return fmt.Errorf("language %q is empty or has spaces or control characters", lang)
		}
		c.language = lang
		return nil
	}
}

// WithSpace sets the consultation space sent with calls that do not name
// one. Default: the chatbox's DEFAULT_CONSULTATION_SPACE (see the
// package's unconfirmed facts).
func WithSpace(space string) Option {
	return func(c *config) error {
		if strings.TrimSpace(space) == "" {
			return errors.New("space is empty")
		}
		c.space = space
		return nil
	}
}

// WithServerTimeout bounds the wait for one server's answer to every call
// but Talk (which waits [TalkTimeout]). Default [DefaultServerTimeout].
func WithServerTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("server timeout %s is not positive", d)
		}
		c.timeout = d
		return nil
	}
}

// WithAdminCredentials authenticates the admin web services ([Client].Admin)
// with HTTP Basic, "Basic base64(login:password)", the way Dydu documents
// (https://docs-en.dydu.ai/developers/api-reference/authentication). The
// dialog calls never send it. The password never appears in an error
// string or a log record.
func WithAdminCredentials(login, password string) Option {
	return func(c *config) error {
		if err := rest.CheckCredential("admin login", login); err != nil {
			return err
		}
		if strings.Contains(login, ":") {
			return errors.New("admin login has a ':', which Basic authentication cannot carry")
		}
		if err := rest.CheckCredential("admin password", password); err != nil {
			return err
		}
		c.adminUser, c.adminPassword = login, password
		return nil
	}
}

// WithAdminURL sends the admin web services to url (the back office,
// https://<urlbackoffice>.doyoudreamup.com) instead of the dialog servers.
func WithAdminURL(u string) Option {
	return func(c *config) error {
		u = trimURL(u)
		if err := checkServerURL(u); err != nil {
			return fmt.Errorf("admin URL %q: %w", u, err)
		}
		c.adminURL = u
		return nil
	}
}

// withClock runs the client's waits on an injected clock (tests).
func withClock(now func() time.Time, sleep func(context.Context, time.Duration) error) Option {
	return func(c *config) error {
		c.SetClock(now, sleep)
		return nil
	}
}

// NewClient returns a client for one Dydu bot. It needs the bot
// ([WithBotID]) and its servers ([WithServers], or [WithBaseURL] for one
// server: a dydutest fake). It never panics: every problem with the
// options comes back as an error matching [deskbridge.ErrInvalid].
func NewClient(opts ...Option) (*Client, error) {
	cfg := &config{}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(cfg); err != nil {
			return nil, invalidf("%v", err)
		}
	}
	if cfg.botID == "" {
		return nil, invalidf("no bot: give WithBotID (the bot UUID the BMS shows under Preferences › Api › API access)")
	}
	servers := cfg.servers
	if cfg.baseURL != "" {
		servers = []string{cfg.baseURL}
	}
	if len(servers) == 0 {
		return nil, invalidf("no server: give WithServers (the servers of the chatbox's bot.json), or WithBaseURL for a fake or a proxy")
	}
	c := &Client{
		botID:    cfg.botID,
		language: cfg.language,
		space:    cfg.space,
		timeout:  cfg.timeout,
		hasAdmin: cfg.adminUser != "",
	}
	if c.language == "" {
		c.language = "fr"
	}
	if c.space == "" {
		c.space = defaultSpace()
	}
	if c.timeout == 0 {
		c.timeout = DefaultServerTimeout
	}
	for _, u := range servers {
		api, err := newRest(cfg, u, false)
		if err != nil {
			return nil, err
		}
		s := &server{url: u, api: api}
		if c.hasAdmin {
			// A dialog answer must not show the admin password either.
			pair := cfg.adminUser + ":" + cfg.adminPassword
			api.Secrets().Add(cfg.adminPassword, pair, base64.StdEncoding.EncodeToString([]byte(pair)))
			au := u
			if cfg.adminURL != "" {
				au = cfg.adminURL
			}
			if s.admin, err = newRest(cfg, au, true); err != nil {
				return nil, err
			}
		}
		c.servers = append(c.servers, s)
	}
	c.logger = c.servers[0].api.Logger()
	c.Admin = &AdminService{client: c}
	return c, nil
}

// newRest builds the core client of one server: the dialog API, or the
// admin web services with the Basic credential.
func newRest(cfg *config, serverURL string, admin bool) (*rest.Client, error) {
	s := cfg.Settings // a copy: each server has its own base URL
	if err := s.SetBaseURL(serverURL + apiPath); err != nil {
		return nil, invalidf("server %q: %v", serverURL, err)
	}
	if admin {
		s.SetCredential("WithAdminCredentials", rest.Basic(cfg.adminUser, cfg.adminPassword))
	}
	return rest.NewClient(vendor, &s)
}

// BotID returns the bot's UUID.
func (c *Client) BotID() string { return c.botID }

// Servers returns the servers' URLs, in the order they are tried.
func (c *Client) Servers() []string {
	out := make([]string, len(c.servers))
	for i, s := range c.servers {
		out[i] = s.url
	}
	return out
}

// CurrentServer returns the URL of the server the next call goes to
// first: the one that answered last.
func (c *Client) CurrentServer() string { return c.servers[c.current.Load()].url }

// call is one request to the dialog API (or the admin web services).
type call struct {
	op   string // the method, for errors: "Talk"
	req  *rest.Request
	safe bool // safe to send again to another server after a failure
	// timeout bounds one server's answer; 0 means the client's.
	timeout time.Duration
	admin   bool
}

// do sends cl to the servers, starting with the one that answered last,
// and returns the raw 2xx body. See "Several servers" in the package doc
// for when the next server is tried.
func (c *Client) do(ctx context.Context, cl *call) ([]byte, error) {
	if cl.req.Header == nil && cl.req.Body != nil {
		cl.req.Header = http.Header{"Content-Type": formContentType}
	}
	// A call safe to send again to another server is safe to retry on
	// the same one, after a 5xx or a lost connection.
	cl.req.Idempotent = cl.safe
	timeout := cl.timeout
	if timeout == 0 {
		timeout = c.timeout
	}
	n := len(c.servers)
	start := int(c.current.Load())
	var tried []string
	for i := range n {
		idx := (start + i) % n
		s := c.servers[idx]
		rc := s.api
		if cl.admin {
			rc = s.admin
		}
		body, err := c.doOne(ctx, rc, cl.req, timeout)
		if err == nil {
			if idx != start {
				c.current.CompareAndSwap(int32(start), int32(idx))
			}
			return body, nil
		}
		tried = append(tried, s.url)
		next := i+1 < n && ctx.Err() == nil && failoverAllowed(err, cl.safe)
		if !next {
			if len(tried) > 1 {
				return nil, &FailoverError{Op: cl.op, Servers: tried, Err: err}
			}
			return nil, err
		}
		if c.logger.Enabled(ctx, slog.LevelDebug) {
			c.logger.LogAttrs(ctx, slog.LevelDebug, "deskbridge dydu failover",
				slog.String("vendor", vendor.Name), slog.String("op", cl.op),
				slog.String("from", s.url), slog.String("to", c.servers[(idx+1)%n].url))
		}
	}
	return nil, errors.New("dydu: no server") // unreachable: NewClient requires one
}

// doOne sends req to one server, waiting at most timeout for its answer.
func (c *Client) doOne(ctx context.Context, rc *rest.Client, req *rest.Request, timeout time.Duration) ([]byte, error) {
	sctx, cancel := context.WithTimeoutCause(ctx, timeout, errServerTimeout)
	defer cancel()
	var body []byte
	_, err := rc.Do(sctx, req, &body)
	if err != nil && ctx.Err() == nil && context.Cause(sctx) == errServerTimeout {
		return nil, &serverTimeoutError{timeout: timeout, err: err}
	}
	return body, err
}

// errServerTimeout is the cause of a server that did not answer in time.
var errServerTimeout = errors.New("the server did not answer in time")

// serverTimeoutError is a server that did not answer within the client's
// timeout, while the caller's context was still alive: it matches
// [deskbridge.ErrUnavailable].
type serverTimeoutError struct {
	timeout time.Duration
	err     error
}

func (e *serverTimeoutError) Error() string {
	return fmt.Sprintf("%v (no answer within %s)", e.err, e.timeout)
}

func (e *serverTimeoutError) Unwrap() []error { return []error{e.err, deskbridge.ErrUnavailable} }

// failoverAllowed says whether a failure on one server lets the call go to
// the next: always when nothing reached the server (it could not be
// dialled) or it answered 429 (it did not process the request); for a
// call that is safe to send again, also after a 5xx, a timeout or a lost
// connection. A 4xx other than 429 is the caller's to fix: another server
// would answer the same.
func failoverAllowed(err error, safe bool) bool {
	var apiErr *deskbridge.APIError
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.StatusCode == http.StatusTooManyRequests:
			return true
		case apiErr.StatusCode >= 500:
			return safe && apiErr.StatusCode != http.StatusNotImplemented
		}
		return false
	}
	if notDialled(err) {
		return true
	}
	var te *deskbridge.TransportError
	var ste *serverTimeoutError
	return safe && (errors.As(err, &te) || errors.As(err, &ste))
}

// notDialled reports a failure to connect: no byte of the request left.
func notDialled(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) && op.Op == "dial" || errors.As(err, &dns)
}

// FailoverError is the failure of a call that was tried on several
// servers: Err is the last server's error, which errors.Is and errors.As
// reach (a [*Error], a [*deskbridge.TransportError]).
type FailoverError struct {
	// Op is the method: "History".
	Op string
	// Servers are the servers tried, in order.
	Servers []string
	// Err is the last server's error.
	Err error
}

// Error names the servers tried and the last error.
func (e *FailoverError) Error() string {
	return fmt.Sprintf("dydu: %s: %d servers tried (%s); the last one: %v", e.Op, len(e.Servers), strings.Join(e.Servers, ", "), e.Err)
}

// Unwrap returns the last server's error.
func (e *FailoverError) Unwrap() error { return e.Err }

// form builds a form body, leaving out the empty values.
type form url.Values

func (f form) set(key, value string) {
	if value != "" {
		f[key] = []string{value}
	}
}

func (f form) bool(key string, b bool) {
	if b {
		f[key] = []string{"true"}
	} else {
		f[key] = []string{"false"}
	}
}

// post builds the POST of a dialog API path with a form body.
func post(path string, f form) *rest.Request {
	return &rest.Request{Method: http.MethodPost, Path: path, Body: url.Values(f)}
}

// envelope sends cl and decodes the answer's envelope.
func (c *Client) envelope(ctx context.Context, cl *call) (*Envelope, error) {
	body, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	env, err := DecodeEnvelope(body)
	if err != nil {
		return nil, fmt.Errorf("dydu: %s: decoding the answer: %w", cl.op, err)
	}
	return env, nil
}

// values sends cl and returns the decoded values of its answer, an empty
// Values when it has none.
func (c *Client) values(ctx context.Context, cl *call) (Values, error) {
	env, err := c.envelope(ctx, cl)
	if err != nil {
		return nil, err
	}
	if env.Values == nil {
		return Values{}, nil
	}
	return env.Values, nil
}

// lang returns l, else the client's language.
func (c *Client) lang(l string) string {
	if l != "" {
		return l
	}
	return c.language
}

// spaceOr returns s, else the client's space.
func (c *Client) spaceOr(s string) string {
	if s != "" {
		return s
	}
	return c.space
}
