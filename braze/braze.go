package braze

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// instances maps each Braze instance to its REST endpoint, from the
// documented table (braze-docs _includes/data_centers.md @f56b459). The SDK
// hosts (sdk.…) and dashboards are not REST hosts.
var instances = map[string]string{
	"US-01": "https://rest.iad-01.braze.com",
	"US-02": "https://rest.iad-02.braze.com",
	"US-03": "https://rest.iad-03.braze.com",
	"US-04": "https://rest.iad-04.braze.com",
	"US-05": "https://rest.iad-05.braze.com",
	"US-06": "https://rest.iad-06.braze.com",
	"US-07": "https://rest.iad-07.braze.com",
	"US-08": "https://rest.iad-08.braze.com",
	"US-10": "https://rest.us-10.braze.com",
	"EU-01": "https://rest.fra-01.braze.eu",
	"EU-02": "https://rest.fra-02.braze.eu",
	"AU-01": "https://rest.au-01.braze.com",
}

// Instances returns the names of the Braze instances WithInstance accepts,
// sorted.
func Instances() []string {
	names := make([]string, 0, len(instances))
	for k := range instances {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// InstanceURL returns the REST endpoint of a Braze instance ("US-01",
// "eu-01"…), or false for an unknown one.
func InstanceURL(instance string) (string, bool) {
	u, ok := instances[strings.ToUpper(strings.TrimSpace(instance))]
	return u, ok
}

// rateLimitHeaders are the headers Braze reports its budget in, the reset
// as a Unix time in seconds ([BZ] api_limits.md @01fa1b8).
var rateLimitHeaders = rest.RateLimitHeaders{
	Limit:      []string{"X-RateLimit-Limit"},
	Remaining:  []string{"X-RateLimit-Remaining"},
	Reset:      []string{"X-RateLimit-Reset"},
	ResetEpoch: true,
}

// rateLimitKey returns the Config.RateLimitKey of a client whose base URL
// has the path prefix basePath: the name of the rate-limit budget a request
// draws on. Braze keeps a budget per endpoint group and reports that group's
// budget in the X-RateLimit-* headers of each response (vendor notes B10:
// [BZ] _docs/_api/api_limits.md @01fa1b8, _includes/rate_limits.md
// @194373b), so an export that spent its 250/min must not hold a trigger
// send. The groups are B10's table; every endpoint it does not name shares
// the default budget (""). The method plays no part.
func rateLimitKey(basePath string) func(method, path string) string {
	basePath = strings.TrimRight(basePath, "/")
	return func(_, path string) string {
		path = strings.TrimPrefix(path, basePath)
		if len(path) > 1 {
			path = strings.TrimRight(path, "/")
		}
		switch path {
		case "/users/track":
			return "users/track"
		case "/messages/send", "/campaigns/trigger/send", "/canvas/trigger/send":
			return "sends" // shared, B10
		case "/users/export/ids":
			return "users/export/ids"
		case "/users/identify", "/users/delete", "/users/merge":
			return "users/identity" // shared with /users/alias/*, B10
		case "/subscription/status/set", "/v2/subscription/status/set":
			return "subscription/status" // v1 and v2 share, B10
		case "/sends/id/create":
			return "sends/id/create" // 100 a day, B10
		}
		if strings.HasPrefix(path, "/users/alias/") {
			return "users/identity"
		}
		return ""
	}
}

// Client is a Braze REST API client for one workspace (one REST API key on
// one instance). It is safe for concurrent use; share one per workspace.
type Client struct {
	rest       *rest.Client
	retrySends bool

	common service

	// Campaigns sends API-triggered campaigns.
	Campaigns *CampaignsService
	// Canvas sends API-triggered Canvases.
	Canvas *CanvasService
	// Messages sends messages defined in the request (SMS…).
	Messages *MessagesService
	// Users tracks, identifies and exports user profiles.
	Users *UsersService
	// Subscriptions sets subscription group states.
	Subscriptions *SubscriptionsService
}

type service struct{ client *Client }

type config struct {
	settings   rest.Settings
	instance   string
	apiKey     string
	retrySends bool
	// clock and sleep replace time.Now and the core's wait in this
	// package's tests.
	clock func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// Option configures a Client.
type Option func(*config) error

// WithInstance selects the Braze instance the workspace lives on, such as
// "US-01" or "EU-01" (the dashboard's URL tells: dashboard-01.braze.eu is
// EU-01). An unknown instance is an error that lists the valid ones.
func WithInstance(instance string) Option {
	return func(c *config) error {
		u, ok := InstanceURL(instance)
		if !ok {
			return fmt.Errorf("unknown Braze instance %q; valid instances: %s", instance, strings.Join(Instances(), ", "))
		}
		c.instance = u
		return nil
	}
}

// WithAPIKey sets the REST API key, sent as a Bearer token. Required. The
// key never appears in an error string or a log line.
func WithAPIKey(key string) Option {
	return func(c *config) error {
		if err := checkAPIKey(key); err != nil {
			return err
		}
		c.apiKey = key
		return nil
	}
}

// checkAPIKey refuses keys Braze would answer 401 to: empty, quoted
// (Braze documents that a quoted key is refused), or with spaces or control
// characters (which also could not travel in a header).
func checkAPIKey(key string) error {
	switch {
	case key == "":
		return errors.New("the Braze REST API key is empty")
	case strings.ContainsAny(key[:1]+key[len(key)-1:], `"'`):
		return errors.New("the Braze REST API key is quoted; pass it without quotes")
	case strings.ContainsFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return errors.New("the Braze REST API key has spaces or control characters")
	}
	return nil
}

// WithRetrySends makes the send endpoints (campaign and Canvas trigger
// sends, messages/send) retry after a 5xx or a dropped connection, as reads
// do. Off by default: such a failure may come after Braze sent the message,
// and a retry may send it twice. A 429 is retried either way, since nothing
// was sent.
func WithRetrySends(retry bool) Option {
	return func(c *config) error { c.retrySends = retry; return nil }
}

// WithBaseURL sets the REST endpoint directly, for a fake Braze or an
// instance missing from the table. It replaces WithInstance.
func WithBaseURL(u string) Option {
	return func(c *config) error { return c.settings.SetBaseURL(u) }
}

// WithHTTPClient sets the client that sends each attempt; it is copied.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.settings.SetHTTPClient(hc) }
}

// WithLogger receives one debug record per attempt, credentials redacted.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { return c.settings.SetLogger(l) }
}

// WithUserAgent sets a product token sent before "deskbridge/<version>".
func WithUserAgent(ua string) Option {
	return func(c *config) error { return c.settings.SetUserAgent(ua) }
}

// WithMaxRetries sets how many times a failed request is retried (0: none).
func WithMaxRetries(n int) Option {
	return func(c *config) error { return c.settings.SetMaxRetries(n) }
}

// WithRetryWaitMax caps the backoff between retries.
func WithRetryWaitMax(d time.Duration) Option {
	return func(c *config) error { return c.settings.SetRetryWaitMax(d) }
}

// NewClient returns a client for one Braze workspace. It needs WithAPIKey
// and either WithInstance or WithBaseURL.
func NewClient(opts ...Option) (*Client, error) {
	var cfg config
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("braze: %w", err)
		}
	}
	if cfg.apiKey == "" {
		return nil, errors.New("braze: no REST API key: use WithAPIKey")
	}
	rc := rest.Config{
		Vendor:    "braze",
		BaseURL:   cfg.instance,
		Auth:      rest.BearerToken(cfg.apiKey),
		Secrets:   []string{cfg.apiKey},
		Header:    http.Header{"Accept": {"application/json"}},
		RateLimit: rateLimitHeaders,
		Clock:     cfg.clock,
		Sleep:     cfg.sleep,
	}
	cfg.settings.Apply(&rc)
	if rc.BaseURL == "" {
		return nil, fmt.Errorf("braze: no instance or base URL: use WithInstance(%q) (one of %s) or WithBaseURL", "US-01", strings.Join(Instances(), ", "))
	}
	basePath := ""
	if u, err := url.Parse(rc.BaseURL); err == nil {
		basePath = u.Path // rest.New reports a bad URL
	}
	rc.RateLimitKey = rateLimitKey(basePath)
	now := rc.Clock // the core's clock, so that every wait is measured alike
	if now == nil {
		now = time.Now
	}
	rc.NewError = func(info *rest.ErrorInfo) error { return newError(info, now) }
	r, err := rest.New(rc)
	if err != nil {
		return nil, err
	}
	c := &Client{rest: r, retrySends: cfg.retrySends}
	c.common.client = c
	c.Campaigns = (*CampaignsService)(&c.common)
	c.Canvas = (*CanvasService)(&c.common)
	c.Messages = (*MessagesService)(&c.common)
	c.Users = (*UsersService)(&c.common)
	c.Subscriptions = (*SubscriptionsService)(&c.common)
	return c, nil
}

// BaseURL returns the REST endpoint the client sends to.
func (c *Client) BaseURL() string { return c.rest.BaseURL().String() }

// RateLimit is the rate-limit budget Braze last reported.
type RateLimit = rest.RateLimit

// RateLimit returns the budget the last response reported (zero before the
// first): that of the endpoint group that answered last, as Braze keeps a
// budget per group (users/track, the sends, users/export/ids…). The client
// already holds a request whose group's budget is spent until its reset;
// the other groups go on.
func (c *Client) RateLimit() RateLimit { return c.rest.RateLimit() }
