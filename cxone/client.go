package cxone

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// DefaultBaseURL is CXone's authentication host, where the client reads
// the OpenID configuration (and from it the token endpoint) and the
// tenant's cxone-configuration (and from it the API endpoint), unless
// [WithBaseURL] is given. Source: the official agent SDK,
// https://github.com/nice-devone/nice-cxone-agent-sdk (auth-sdk
// cxone-auth.js, common-sdk cxone-configuration.js).
const DefaultBaseURL = "https://cxone.niceincontact.com"

// vendor declares how CXone's API differs from the other vendors'. CXone
// has no host option: the API host comes from discovery (see
// [Client.Discovery]).
var vendor = &rest.Vendor{
	Name:             "cxone",
	DefaultBaseURL:   DefaultBaseURL,
	Credentials:      "WithAccessKey or WithAccessToken",
	Header:           http.Header{"Accept": {"application/json"}},
	RateLimit:        rateLimitHeaders(),
	RequestIDHeaders: requestIDHeaders(),
	DecodeError:      decodeError,
}

// Client talks to one CXone tenant with one set of credentials. It is
// safe for concurrent use; build one per tenant and share it.
//
// Nothing is sent by [NewClient]. The first call reads the OpenID
// configuration, obtains a token, reads the tenant's cxone-configuration
// and checks the API endpoint it names; later calls reuse all of it.
type Client struct {
	root     *rest.Client // discovery, OpenID configuration and tokens (NoAuth)
	settings rest.Settings
	fixed    bool // WithBaseURL: every host is root's base URL
	tenant   string
	grant    *accessKeyGrant // nil with WithAccessToken
	static   string          // WithAccessToken

	openID lazy[openIDConfig]
	conn   lazy[apiConn]

	hostsMu sync.Mutex
	hosts   map[string]*rest.Client // clients of other CXone hosts, by origin

	common service

	// Agents: the Admin API's agents and their skills.
	Agents *AgentsService
	// AgentStates: the Real-Time Data API's agent states.
	AgentStates *AgentStatesService
	// Teams: the Admin API's teams, their agents and unavailable codes.
	Teams *TeamsService
	// Skills: ACD skills, with their dispositions.
	Skills *SkillsService
	// Dispositions: the business unit's dispositions.
	Dispositions *DispositionsService
	// UnavailableCodes: the reasons an agent may be unavailable.
	UnavailableCodes *UnavailableCodesService
	// Contacts: active and completed contacts, one contact, its custom
	// data, state history and tags.
	Contacts *ContactsService
	// MediaPlayback: a contact's recording URL and chat messages.
	MediaPlayback *MediaPlaybackService
	// Sessions: agent sessions and their event stream (get-next-event).
	Sessions *SessionsService
}

// service is shared by every service so that adding one allocates nothing.
type service struct{ client *Client }

// Option configures a [Client]. Options validate their input and
// [NewClient] returns the first error.
type Option func(*config) error

// config is what the options set.
type config struct {
	rest.Settings
	fixedBase bool
	tenant    string
	grant     *accessKeyGrant
	static    string
}

// tenantPattern is what a tenant id may hold: CXone's are UUIDs; letters,
// digits, hyphens and underscores, at most 64, are accepted.
var tenantPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// WithTenant names the tenant whose cxone-configuration gives the API
// endpoint. Without it the tenant id is read from the token (see
// [Client.TenantID]); give it when the token does not carry one.
func WithTenant(tenantID string) Option {
	return func(c *config) error {
		id := strings.TrimSpace(tenantID)
		if !tenantPattern.MatchString(id) {
			return fmt.Errorf("tenant id %q: want 1 to 64 letters, digits, hyphens or underscores (a CXone tenant id is a UUID)", tenantID)
		}
		c.tenant = id
		return nil
	}
}

// WithAccessToken authenticates with a bearer token obtained elsewhere.
// The client never renews it: when it expires, calls fail with
// [deskbridge.ErrUnauthorized]. Without [WithTenant], the tenant id is read
// from the token's claims.
func WithAccessToken(token string) Option {
	return func(c *config) error {
		tok := strings.TrimSpace(token)
		if err := rest.CheckCredential("access token", tok); err != nil {
			return err
		}
		c.SetCredential("WithAccessToken", rest.Bearer(tok))
		c.static = tok
		return nil
	}
}

// NewClient returns a client configured by opts. It needs credentials:
// [WithAccessKey] or [WithAccessToken], exactly one of them. It sends
// nothing; the first call discovers the tenant's hosts.
func NewClient(opts ...Option) (*Client, error) {
	cfg, rc, err := rest.Build(vendor, opts)
	if err != nil {
		return nil, err
	}
	c := &Client{
		root:     rc,
		settings: cfg.Settings,
		fixed:    cfg.fixedBase,
		tenant:   cfg.tenant,
		grant:    cfg.grant,
		static:   cfg.static,
	}
	if c.grant != nil {
		c.grant.client = c
	}
	c.common.client = c
	c.Agents = (*AgentsService)(&c.common)
	c.AgentStates = (*AgentStatesService)(&c.common)
	c.Teams = (*TeamsService)(&c.common)
	c.Skills = (*SkillsService)(&c.common)
	c.Dispositions = (*DispositionsService)(&c.common)
	c.UnavailableCodes = (*UnavailableCodesService)(&c.common)
	c.Contacts = (*ContactsService)(&c.common)
	c.MediaPlayback = (*MediaPlaybackService)(&c.common)
	c.Sessions = (*SessionsService)(&c.common)
	return c, nil
}

// BaseURL returns the URL of the discovery documents: DefaultBaseURL, or
// the one of [WithBaseURL].
func (c *Client) BaseURL() string { return c.root.BaseURL() }

// RateLimit returns the rate-limit budget the last API response reported.
// CXone documents no rate-limit headers for its ACD APIs, so it is mostly
// zero (see the package's unconfirmed facts); a 429's Retry-After is
// honoured either way.
func (c *Client) RateLimit() deskbridge.RateLimit {
	if conn := c.conn.peek(); conn != nil {
		return conn.rc.RateLimit()
	}
	return deskbridge.RateLimit{}
}

// AccessToken returns the bearer token the client sends: the one of
// [WithAccessToken], or the password grant's cached token (fetched now if
// there is none or it is about to expire). ctx bounds the wait.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	if c.grant == nil {
		return c.static, nil
	}
	return c.grant.tokens.Token(ctx)
}

// apiConn is what the first call sets up: the tenant, its discovery
// answer and the client of the API endpoint.
type apiConn struct {
	tenant    string
	discovery Discovery
	rc        *rest.Client
}

// api returns the client of the tenant's API endpoint, discovering it on
// the first call.
func (c *Client) api(ctx context.Context) (*rest.Client, error) {
	conn, err := c.conn.get(ctx, c.connect)
	if err != nil {
		return nil, err
	}
	return conn.rc, nil
}

// connect finds the tenant, reads its cxone-configuration, checks the API
// endpoint it names and builds the client that calls it.
func (c *Client) connect(ctx context.Context) (*apiConn, error) {
	tenant, err := c.tenantID(ctx)
	if err != nil {
		return nil, err
	}
	d, base, err := c.discover(ctx, tenant)
	if err != nil {
		return nil, err
	}
	rc, err := c.clientAt(base)
	if err != nil {
		return nil, err
	}
	return &apiConn{tenant: tenant, discovery: *d, rc: rc}, nil
}

// clientAt builds a client of the same settings for another base URL. The
// credential it gets is the same: the token cache is shared.
func (c *Client) clientAt(base string) (*rest.Client, error) {
	s := c.settings
	if err := s.SetBaseURL(base); err != nil {
		return nil, fmt.Errorf("cxone: %w", err)
	}
	return rest.NewClient(vendor, &s)
}

// hostClient returns the client of another CXone host (a token endpoint
// that is not on the discovery host), built once per origin.
func (c *Client) hostClient(origin string) (*rest.Client, error) {
	c.hostsMu.Lock()
	defer c.hostsMu.Unlock()
	if rc, ok := c.hosts[origin]; ok {
		return rc, nil
	}
	rc, err := c.clientAt(origin)
	if err != nil {
		return nil, err
	}
	if c.hosts == nil {
		c.hosts = map[string]*rest.Client{}
	}
	c.hosts[origin] = rc
	return rc, nil
}

// lazy holds a value that one call computes and later calls share. A
// failed computation is not kept: the next call tries again. Callers that
// arrive while one computes wait for it, each no longer than its context.
type lazy[T any] struct {
	mu     sync.Mutex
	val    *T
	flight chan struct{}
}

// peek returns the value, nil when none has been computed yet.
func (l *lazy[T]) peek() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.val
}

// get returns the value, computing it with fn (in the caller's goroutine,
// with its context) when there is none.
func (l *lazy[T]) get(ctx context.Context, fn func(context.Context) (*T, error)) (*T, error) {
	for {
		l.mu.Lock()
		if l.val != nil {
			v := l.val
			l.mu.Unlock()
			return v, nil
		}
		if l.flight == nil {
			if err := ctx.Err(); err != nil {
				l.mu.Unlock()
				return nil, err
			}
			done := make(chan struct{})
			l.flight = done
			l.mu.Unlock()
			v, err := fn(ctx)
			l.mu.Lock()
			if err == nil {
				l.val = v
			}
			l.flight = nil
			l.mu.Unlock()
			close(done)
			return v, err
		}
		done := l.flight
		l.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// invalidf returns an error for input refused before sending; it matches
// [deskbridge.ErrInvalid].
func invalidf(format string, args ...any) error {
	return fmt.Errorf("cxone: "+format+": %w", append(args, deskbridge.ErrInvalid)...)
}

// checkID refuses an id that is not positive before anything is sent.
func checkID(what string, id int64) error {
	if id <= 0 {
		return invalidf("%s id %d is not positive", what, id)
	}
	return nil
}

// Ptr returns a pointer to v, for optional fields such as
// [AgentListOptions].IsActive.
func Ptr[T any](v T) *T { return &v }
