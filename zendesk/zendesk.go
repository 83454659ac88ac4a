package zendesk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// Client talks to one Zendesk account. It is safe for concurrent use; build
// one per account and share it.
type Client struct {
	rest   *rest.Client
	logger *slog.Logger

	common service

	// Tickets creates, reads, updates and comments on tickets.
	Tickets *TicketsService
	// JobStatuses reads and waits for the background jobs that bulk
	// endpoints start.
	JobStatuses *JobStatusesService
	// Users finds, creates and updates users, including custom user fields.
	Users *UsersService
	// UserFields manages the custom user fields of the account.
	UserFields *UserFieldsService
	// Groups manages agent groups.
	Groups *GroupsService
	// Search runs Zendesk search queries and search exports.
	Search *SearchService
	// Triggers manages ticket triggers.
	Triggers *TriggersService
	// TriggerCategories manages the categories that group ticket triggers.
	TriggerCategories *TriggerCategoriesService
	// Webhooks manages outbound webhooks and their signing secrets.
	Webhooks *WebhooksService
	// Availability reads agent availability and sets unified agent
	// statuses (omnichannel routing).
	Availability *AvailabilityService
	// Voice is Zendesk Talk: agent availability and Talk Partner Edition
	// (screen pops, voice tickets).
	Voice *VoiceService
}

// service is shared by every service of a Client, go-github style: a
// service is a named type over it, so adding one allocates nothing.
type service struct{ client *Client }

// Option configures a Client. Options validate their input and NewClient
// returns the first error.
type Option func(*config) error

type config struct {
	settings  rest.Settings
	subdomain string
	// creds names every credential option given; exactly one is allowed.
	creds []string
	auth  authBuilder
}

// NewClient returns a client for one Zendesk account. It needs the account
// (WithSubdomain, or WithBaseURL for a fake or a proxy) and exactly one
// credential option (WithOAuthClientCredentials, WithOAuthRefreshToken,
// WithTokenSource, WithOAuthToken or WithAPIToken). It never panics: every
// problem with the options comes back as an error.
func NewClient(opts ...Option) (*Client, error) {
	cfg := &config{}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(cfg); err != nil {
			return nil, fmt.Errorf("zendesk: %w", err)
		}
	}
	base := cfg.settings.BaseURL
	if base == "" && cfg.subdomain != "" {
		base = "https://" + cfg.subdomain + ".zendesk.com"
	}
	if base == "" {
		return nil, errors.New("zendesk: no account: give WithSubdomain (or WithBaseURL for a fake or a proxy)")
	}
	switch len(cfg.creds) {
	case 0:
		return nil, errors.New("zendesk: no credentials: give one of WithOAuthClientCredentials, WithOAuthRefreshToken, WithTokenSource, WithOAuthToken or WithAPIToken")
	case 1:
	default:
		return nil, fmt.Errorf("zendesk: %d credential options given (%s); give exactly one", len(cfg.creds), strings.Join(cfg.creds, ", "))
	}

	c := &Client{logger: cfg.settings.Logger}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	// One set of credentials to scrub for both clients: the token client
	// learns rotated tokens that the API client's errors must hide too.
	secrets := rest.NewSecrets(cfg.auth.secrets...)
	restCfg := func(auth rest.Authenticator) rest.Config {
		rc := rest.Config{
			Vendor:    "zendesk",
			BaseURL:   base,
			Auth:      auth,
			SecretSet: secrets,
			Header:    http.Header{"Accept": {"application/json"}},
			RateLimit: rateLimitHeaders,
			NewError:  newError,
		}
		cfg.settings.Apply(&rc)
		rc.BaseURL = base
		return rc
	}
	// Token endpoints are called without credentials, through a client of
	// their own so that a token request never re-enters the authenticator.
	tokens, err := rest.New(restCfg(nil))
	if err != nil {
		return nil, fmt.Errorf("zendesk: %w", err)
	}
	auth, err := cfg.auth.build(&authEnv{tokens: tokens, logger: c.logger, secrets: secrets})
	if err != nil {
		return nil, fmt.Errorf("zendesk: %w", err)
	}
	c.rest, err = rest.New(restCfg(auth))
	if err != nil {
		return nil, fmt.Errorf("zendesk: %w", err)
	}

	c.common.client = c
	c.Tickets = (*TicketsService)(&c.common)
	c.JobStatuses = (*JobStatusesService)(&c.common)
	c.Users = (*UsersService)(&c.common)
	c.UserFields = (*UserFieldsService)(&c.common)
	c.Groups = (*GroupsService)(&c.common)
	c.Search = (*SearchService)(&c.common)
	c.Triggers = (*TriggersService)(&c.common)
	c.TriggerCategories = (*TriggerCategoriesService)(&c.common)
	c.Webhooks = (*WebhooksService)(&c.common)
	c.Availability = (*AvailabilityService)(&c.common)
	c.Voice = (*VoiceService)(&c.common)
	return c, nil
}

// do sends one request through the core. A 401 to a cached OAuth token is
// handled there: the token caches are rest.Reauthenticators, so the core
// drops the token and resends once.
func (c *Client) do(ctx context.Context, req *rest.Request, out any) (*rest.Response, error) {
	return c.rest.Do(ctx, req, out)
}

// BaseURL returns the URL every request path is appended to, e.g.
// "https://acme.zendesk.com".
func (c *Client) BaseURL() string { return c.rest.BaseURL().String() }

// rateLimitHeaders are the headers Zendesk reports its budget in. The
// ratelimit-* names come first: the Ticketing API sends both sets, and only
// those carry the reset (in seconds from now).
var rateLimitHeaders = rest.RateLimitHeaders{
	Limit:     []string{"ratelimit-limit", "X-Rate-Limit"},
	Remaining: []string{"ratelimit-remaining", "X-Rate-Limit-Remaining"},
	Reset:     []string{"ratelimit-reset", "X-Rate-Limit-Reset"},
}

// RateLimit is the account's request budget as the last response reported
// it. Zero fields were not reported.
type RateLimit struct {
	// Limit is the number of requests allowed per window (per minute for
	// the account-wide limit).
	Limit int
	// Remaining is what is left of it.
	Remaining int
	// Reset is when the budget is renewed.
	Reset time.Time
	// Observed is when the response that reported it arrived.
	Observed time.Time
}

// RateLimit returns the budget last reported by Zendesk. The client already
// holds requests while the budget is spent (instead of collecting 429s); this
// is for callers that want to pace themselves or report it.
func (c *Client) RateLimit() RateLimit {
	rl := c.rest.RateLimit()
	return RateLimit{Limit: rl.Limit, Remaining: rl.Remaining, Reset: rl.Reset, Observed: rl.Observed}
}

// subdomainPattern is a DNS label in lower case: letters, digits and inner
// hyphens, 1 to 63 characters. Nothing that could end the host name (a dot,
// a slash, "@", ":") can pass, so a subdomain never moves credentials to
// another host.
var subdomainPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// WithSubdomain sets the account: "acme" for https://acme.zendesk.com. It is
// checked strictly (lower-case letters, digits and inner hyphens, at most 63
// characters) so that a value such as "evil.com/x" is refused rather than
// sending credentials elsewhere. WithBaseURL, when also given, wins.
func WithSubdomain(subdomain string) Option {
	return func(c *config) error {
		if !subdomainPattern.MatchString(subdomain) {
			hint := ""
			switch {
			case strings.HasSuffix(subdomain, ".zendesk.com"):
				hint = ` (give only the subdomain: "acme" for acme.zendesk.com)`
			case strings.ToLower(subdomain) != subdomain:
				hint = " (subdomains are lower case)"
			}
			return fmt.Errorf("subdomain %q is not a valid Zendesk subdomain: want 1 to 63 lower-case letters, digits or inner hyphens%s", subdomain, hint)
		}
		c.subdomain = subdomain
		return nil
	}
}

// WithBaseURL sends requests to baseURL instead of
// https://{subdomain}.zendesk.com: a fake (zendesktest), a proxy or a
// recording server. It takes precedence over WithSubdomain.
func WithBaseURL(baseURL string) Option {
	return func(c *config) error { return c.settings.SetBaseURL(baseURL) }
}

// WithHTTPClient sets the HTTP client that sends each attempt (its Transport
// and Timeout are used; it is copied, never modified).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.settings.SetHTTPClient(hc) }
}

// WithLogger sets the logger. The client logs one debug record per attempt
// (never headers, query strings or bodies) and an error record when a rotated
// OAuth refresh token could not be stored.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { return c.settings.SetLogger(l) }
}

// WithUserAgent sets a product token sent before "deskbridge/<version>" in
// the User-Agent header, e.g. "acme-sync/1.2".
func WithUserAgent(ua string) Option {
	return func(c *config) error { return c.settings.SetUserAgent(ua) }
}

// WithMaxRetries sets how many times a failed request is retried (default
// 3); 0 turns retries off. 429s are always retried; 5xx and network errors
// only for requests that are safe to repeat.
func WithMaxRetries(n int) Option {
	return func(c *config) error { return c.settings.SetMaxRetries(n) }
}

// WithRetryWaitMax caps the backoff between retries (default 30 s). A wait
// that Zendesk asks for with Retry-After is honoured as asked.
func WithRetryWaitMax(d time.Duration) Option {
	return func(c *config) error { return c.settings.SetRetryWaitMax(d) }
}
