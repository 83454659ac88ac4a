package babelforce

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// DefaultBaseURL is babelforce's main host, used when neither WithEnvironment
// nor WithBaseURL is given.
const DefaultBaseURL = "https://services.babelforce.com"

// Client talks to one babelforce environment with one set of credentials.
// It is safe for concurrent use; build one per tenant and share it.
type Client struct {
	rest        *rest.Client
	auth        *tokenAuth // nil with a static token
	staticToken string

	common service

	// Agents: the v2 agents API, including presence changes.
	Agents *AgentsService
	// Presences: the account's presence states (one green, any number of red).
	Presences *PresencesService
	// Tasks: the v3 Task Automation Platform, and the Zendesk webhook that
	// creates tasks.
	Tasks *TasksService
	// Secrets: the v3 secrets vault that task templates read.
	Secrets *SecretsService
}

// service is shared by every service so that adding one allocates nothing.
type service struct{ client *Client }

// Option configures a Client. Options validate their input and NewClient
// returns the first error.
type Option func(*config) error

type config struct {
	settings rest.Settings
	envHost  string // of WithEnvironment; WithBaseURL (in settings) wins over it
	password *passwordGrant
	token    string
	creds    int
}

// WithEnvironment sets the base URL to https://{name}.babelforce.com. The
// name must be one DNS label of lower-case letters, digits and hyphens; an
// upper-case name is accepted and lower-cased (host names are case
// insensitive). Anything else (a dot, a slash, a port) is refused, so that a
// configured name can never send credentials to another host. WithBaseURL,
// when also given, wins, in whichever order the options come.
func WithEnvironment(name string) Option {
	return func(c *config) error {
		env, err := environmentHost(name)
		if err != nil {
			return err
		}
		c.envHost = env
		return nil
	}
}

var envPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func environmentHost(name string) (string, error) {
	env := strings.ToLower(name)
	if !envPattern.MatchString(env) {
		return "", fmt.Errorf("environment %q is not one DNS label (letters, digits and inner hyphens, at most 63)", name)
	}
	return env + ".babelforce.com", nil
}

// WithBaseURL sets the scheme, host and optional path prefix of every
// request, e.g. a babelforcetest server's URL or a proxy. It takes
// precedence over WithEnvironment, whether given before or after it.
func WithBaseURL(u string) Option {
	return func(c *config) error { return c.settings.SetBaseURL(u) }
}

// WithHTTPClient sets the http.Client that sends each attempt. It is copied;
// its Transport is kept and its Timeout bounds each attempt.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.settings.SetHTTPClient(hc) }
}

// WithLogger sets the logger that receives one debug record per attempt.
// Credentials, query strings and bodies are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { return c.settings.SetLogger(l) }
}

// WithUserAgent sets a product token sent before "deskbridge/<version>".
func WithUserAgent(ua string) Option {
	return func(c *config) error { return c.settings.SetUserAgent(ua) }
}

// WithMaxRetries sets how many times a failed request is retried (0 turns
// retries off). A 429 is always retried; a 5xx or a network error only for
// requests that are safe to replay.
func WithMaxRetries(n int) Option {
	return func(c *config) error { return c.settings.SetMaxRetries(n) }
}

// WithRetryWaitMax caps the backoff between retries.
func WithRetryWaitMax(d time.Duration) Option {
	return func(c *config) error { return c.settings.SetRetryWaitMax(d) }
}

// WithAccessToken authenticates with a bearer token obtained elsewhere (for
// example the non-expiring token of the seed's curl). The client never
// renews it: when it stops working, calls fail with ErrUnauthorized.
func WithAccessToken(token string) Option {
	return func(c *config) error {
		tok := strings.TrimSpace(token)
		if tok == "" {
			return errors.New("access token is empty")
		}
		c.token = tok
		c.creds++
		return nil
	}
}

// NewClient returns a client configured by opts. It needs credentials:
// WithPassword or WithAccessToken, exactly one of them.
func NewClient(opts ...Option) (*Client, error) {
	cfg := &config{}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(cfg); err != nil {
			return nil, fmt.Errorf("babelforce: %w", err)
		}
	}
	switch {
	case cfg.creds == 0:
		return nil, errors.New("babelforce: no credentials: use WithPassword or WithAccessToken")
	case cfg.creds > 1:
		return nil, errors.New("babelforce: more than one credential option: use WithPassword or WithAccessToken, once")
	}
	base := DefaultBaseURL
	if cfg.envHost != "" {
		base = "https://" + cfg.envHost
	}
	rc := rest.Config{
		Vendor:    "babelforce",
		BaseURL:   base,
		Header:    http.Header{"Accept": {"application/json"}},
		RateLimit: rateLimitHeaders(),
		NewError:  newError,
	}
	cfg.settings.Apply(&rc) // a WithBaseURL replaces the environment's URL

	c := &Client{}
	switch {
	case cfg.password != nil:
		rc.Secrets = []string{cfg.password.password}
		c.auth = newTokenAuth(cfg.password, c)
		rc.Auth = c.auth
	default:
		rc.Secrets = []string{cfg.token}
		rc.Auth = rest.BearerToken(cfg.token)
		c.staticToken = cfg.token
	}
	rcl, err := rest.New(rc)
	if err != nil {
		return nil, err
	}
	c.rest = rcl
	c.common.client = c
	c.Agents = (*AgentsService)(&c.common)
	c.Presences = (*PresencesService)(&c.common)
	c.Tasks = (*TasksService)(&c.common)
	c.Secrets = (*SecretsService)(&c.common)
	return c, nil
}

// BaseURL returns the base URL every request is sent to.
func (c *Client) BaseURL() string { return c.rest.BaseURL().String() }

// RateLimit returns the rate-limit budget the last response reported, if
// babelforce sent one (it documents none; see rateLimitHeaders).
func (c *Client) RateLimit() rest.RateLimit { return c.rest.RateLimit() }

// rateLimitHeaders names the headers read for babelforce's budget.
//
// UNCONFIRMED: babelforce documents no rate-limit headers (notes A8). The
// common X-RateLimit-Limit/-Remaining pair is read when present, for
// RateLimit; no reset header is read, because whether it would be seconds or
// an epoch is unknown and a misread epoch would hold requests for decades.
// A 429's Retry-After is honoured either way.
func rateLimitHeaders() rest.RateLimitHeaders {
	return rest.RateLimitHeaders{
		Limit:     []string{"X-RateLimit-Limit"},
		Remaining: []string{"X-RateLimit-Remaining"},
	}
}

// do sends one request. With the password grant, the core drops a token
// that gets a 401 and sends the request once more with a fresh one
// (tokenAuth.Invalidate).
func (c *Client) do(ctx context.Context, req *rest.Request, out any) (*rest.Response, error) {
	return c.rest.Do(ctx, req, out)
}

// invalidf returns an error for input refused before sending; it matches
// deskbridge.ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("babelforce: "+format+": %w", append(args, deskbridge.ErrInvalid)...)
}

// Ptr returns a pointer to v, for optional fields such as AgentUpdate.Name.
func Ptr[T any](v T) *T { return &v }

// doItem sends req and decodes a v2 {"item": …} response (or a bare object)
// into out.
func (c *Client) doItem(ctx context.Context, req *rest.Request, out any) error {
	var raw []byte
	if _, err := c.do(ctx, req, &raw); err != nil {
		return err
	}
	if err := decodeItem(raw, out); err != nil {
		return fmt.Errorf("babelforce: %s %s: decoding the response: %w", req.Method, req.Path, err)
	}
	return nil
}
