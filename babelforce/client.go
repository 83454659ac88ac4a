package babelforce

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// DefaultBaseURL is babelforce's main host, used when neither
// [WithEnvironment] nor [WithBaseURL] is given (the servers entry of
// babelforce's manager API spec, https://babelforce.github.io/manager-sdk/).
const DefaultBaseURL = "https://services.babelforce.com"

// vendor declares how babelforce's API differs from the other vendors'.
var vendor = &rest.Vendor{
	Name:             "babelforce",
	Host:             rest.LabelHost("https://%s.babelforce.com", "environment"),
	HostOption:       "WithEnvironment",
	DefaultBaseURL:   DefaultBaseURL,
	Credentials:      "WithPassword or WithAccessToken",
	Header:           http.Header{"Accept": {"application/json"}},
	RateLimit:        rateLimitHeaders(),
	RequestIDHeaders: requestIDHeaders(),
	DecodeError:      decodeError,
}

// Client talks to one babelforce environment with one set of credentials.
// It is safe for concurrent use; build one per tenant and share it.
type Client struct {
	rest        *rest.Client
	tokens      *rest.TokenCache // the password grant's; nil with a static token
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

// Option configures a [Client]. Options validate their input and
// [NewClient] returns the first error.
type Option func(*config) error

// config is what the options set: the settings every vendor shares, and
// babelforce's credentials.
type config struct {
	rest.Settings
	tokens      *rest.TokenCache // set when the client is built (WithPassword)
	staticToken string           // WithAccessToken
}

// WithEnvironment sets the base URL to https://{name}.babelforce.com. The
// name must be one DNS label of lower-case letters, digits and hyphens; an
// upper-case name is accepted and lower-cased (host names are case
// insensitive). Anything else (a dot, a slash, a port) is refused, so that a
// configured name can never send credentials to another host. [WithBaseURL],
// when also given, wins, in whichever order the options come.
func WithEnvironment(name string) Option {
	return func(c *config) error { return c.SetHost(vendor, name) }
}

// WithAccessToken authenticates with a bearer token obtained elsewhere (for
// example the non-expiring token of the help center's curl). The client
// never renews it: when it stops working, calls fail with
// [deskbridge.ErrUnauthorized].
func WithAccessToken(token string) Option {
	return func(c *config) error {
		tok := strings.TrimSpace(token)
		if err := rest.CheckCredential("access token", tok); err != nil {
			return err
		}
		c.SetCredential("WithAccessToken", rest.Bearer(tok))
		c.staticToken = tok
		return nil
	}
}

// NewClient returns a client configured by opts. It needs credentials:
// [WithPassword] or [WithAccessToken], exactly one of them.
func NewClient(opts ...Option) (*Client, error) {
	cfg, rc, err := rest.Build(vendor, opts)
	if err != nil {
		return nil, err
	}
	c := &Client{rest: rc, tokens: cfg.tokens, staticToken: cfg.staticToken}
	c.common.client = c
	c.Agents = (*AgentsService)(&c.common)
	c.Presences = (*PresencesService)(&c.common)
	c.Tasks = (*TasksService)(&c.common)
	c.Secrets = (*SecretsService)(&c.common)
	return c, nil
}

// BaseURL returns the base URL every request is sent to.
func (c *Client) BaseURL() string { return c.rest.BaseURL() }

// RateLimit returns the rate-limit budget the last response reported, if
// babelforce sent one: it documents none, and the headers read are a guess
// (see the package's unconfirmed facts). Zero fields were not reported.
func (c *Client) RateLimit() deskbridge.RateLimit { return c.rest.RateLimit() }

// invalidf returns an error for input refused before sending; it matches
// [deskbridge.ErrInvalid].
func invalidf(format string, args ...any) error {
	return fmt.Errorf("babelforce: "+format+": %w", append(args, deskbridge.ErrInvalid)...)
}

// checkID refuses an empty id before anything is sent.
func checkID(what, id string) error {
	if strings.TrimSpace(id) == "" {
		return invalidf("%s id is empty", what)
	}
	return nil
}

// Ptr returns a pointer to v, for optional fields such as
// [AgentUpdate].Name.
func Ptr[T any](v T) *T { return &v }

// doItem sends req and decodes its v2 answer, {"item": …} or the bare
// object, into a new T.
func doItem[T any](ctx context.Context, c *Client, req *rest.Request) (*T, error) {
	out := new(T)
	if _, err := doItemInto(ctx, c, req, out); err != nil {
		return nil, err
	}
	return out, nil
}

// doItemInto sends req and decodes its v2 answer into out, reporting
// whether the answer had a body.
func doItemInto(ctx context.Context, c *Client, req *rest.Request, out any) (bool, error) {
	var raw []byte
	if _, err := c.rest.Do(ctx, req, &raw); err != nil {
		return false, err
	}
	found, err := decodeItem(raw, out)
	if err != nil {
		return false, fmt.Errorf("babelforce: %s %s: decoding the response: %w", req.Method, req.Path, err)
	}
	return found, nil
}
