package braze

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// vendor is how Braze's REST API differs from the other vendors'.
var vendor = &rest.Vendor{
	Name:        "braze",
	Host:        rest.TableHost(instances, "Braze instance"),
	HostOption:  "WithInstance",
	Credentials: "WithAPIKey",
	Header:      http.Header{"Accept": {"application/json"}},
	// Every response carries its endpoint group's budget, the reset as a
	// Unix time in seconds (https://www.braze.com/docs/api/api_limits/).
	RateLimit: rest.RateLimitHeaders{
		Limit:      []string{"X-RateLimit-Limit"},
		Remaining:  []string{"X-RateLimit-Remaining"},
		Reset:      []string{"X-RateLimit-Reset"},
		ResetEpoch: true,
	},
	Budget:           budgetGroup,
	RequestIDHeaders: requestIDHeaders(),
	DecodeError:      decodeError,
}

// instances maps each Braze instance to its REST endpoint, from the table
// of https://www.braze.com/docs/api/basics/#endpoints (braze-inc/braze-docs
// _includes/data_centers.md). The SDK hosts (sdk.…) and the dashboards are
// not REST hosts.
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

// Instances returns the names of the Braze instances [WithInstance]
// accepts, sorted.
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
	u, err := vendor.Host(instance)
	return u, err == nil
}

// budgetGroup names the rate-limit budget a request draws on, from its
// path below the base URL. Braze keeps a budget per group of endpoints and
// reports that group's budget in the X-RateLimit-* headers of each
// response (https://www.braze.com/docs/api/api_limits/), so an export that
// spent its 250 a minute must not hold a trigger send. The groups are that
// page's table; every endpoint it does not name shares the default budget
// (""). Which budget the three send endpoints draw on is a guess (see
// sendsBudget in unconfirmed.go). The method plays no part.
func budgetGroup(_, path string) string {
	if len(path) > 1 {
		path = strings.TrimRight(path, "/")
	}
	switch path {
	case "/users/track":
		return "users/track"
	case "/messages/send", "/campaigns/trigger/send", "/canvas/trigger/send":
		return sendsBudget()
	case "/users/export/ids":
		return "users/export/ids"
	case "/users/identify", "/users/delete", "/users/merge":
		return "users/identity" // shared with /users/alias/*
	case "/subscription/status/set", "/v2/subscription/status/set":
		return "subscription/status" // v1 and v2 share
	case "/sends/id/create":
		return "sends/id/create" // 100 a day
	}
	if strings.HasPrefix(path, "/users/alias/") {
		return "users/identity"
	}
	return ""
}

// Client is a Braze REST API client for one workspace (one REST API key on
// one instance). It is safe for concurrent use; share one per workspace.
type Client struct {
	rest       *rest.Client
	retrySends bool
	trackLimit trackLimit

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

// config is what the options set: the settings every vendor shares, and
// Braze's own.
type config struct {
	rest.Settings
	retrySends  bool
	legacyTrack bool
}

// Option configures a [Client]; [NewClient] reports the first that fails.
type Option func(*config) error

// WithInstance selects the Braze instance the workspace lives on, such as
// "US-01" or "EU-01" (the dashboard's URL tells: dashboard-01.braze.eu is
// EU-01). An unknown instance is an error that lists the known ones (see
// [Instances]). [WithBaseURL] wins over it.
func WithInstance(instance string) Option {
	return func(c *config) error { return c.SetHost(vendor, instance) }
}

// WithAPIKey sets the REST API key, sent as a Bearer token. Required. The
// key never appears in an error string or a log record.
func WithAPIKey(key string) Option {
	return func(c *config) error {
		if err := checkAPIKey(key); err != nil {
			return err
		}
		c.SetCredential("WithAPIKey", rest.Bearer(key))
		return nil
	}
}

// checkAPIKey refuses keys Braze would answer 401 to: empty, quoted
// (Braze documents that a quoted key is refused,
// https://www.braze.com/docs/api/errors/), or with spaces or control
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

// WithLegacyTrackBatching makes [UsersService.Track] send up to 75
// attributes, 75 events and 75 purchases per request ([MaxTrackPerKind]),
// as workspaces on Braze's legacy rate limits may. By default a request
// carries at most 75 objects in all ([MaxTrackObjects]), which every
// workspace accepts; a workspace on the current limits refuses more with
// 400 "Max Input Length Exceeded"
// (https://www.braze.com/docs/api/api_limits/). Use it only if Braze
// confirmed that the workspace is on legacy limits.
func WithLegacyTrackBatching() Option {
	return func(c *config) error { c.legacyTrack = true; return nil }
}

// NewClient returns a client for one Braze workspace. It needs [WithAPIKey]
// and either [WithInstance] or [WithBaseURL].
func NewClient(opts ...Option) (*Client, error) {
	cfg, rc, err := rest.Build(vendor, opts)
	if err != nil {
		return nil, err
	}
	c := &Client{rest: rc, retrySends: cfg.retrySends, trackLimit: trackBatchLimit(cfg.legacyTrack)}
	c.common.client = c
	c.Campaigns = (*CampaignsService)(&c.common)
	c.Canvas = (*CanvasService)(&c.common)
	c.Messages = (*MessagesService)(&c.common)
	c.Users = (*UsersService)(&c.common)
	c.Subscriptions = (*SubscriptionsService)(&c.common)
	return c, nil
}

// BaseURL returns the REST endpoint the client sends to.
func (c *Client) BaseURL() string { return c.rest.BaseURL() }

// RateLimit returns the budget the last response reported (zero before the
// first): that of the endpoint group that answered last, as Braze keeps a
// budget per group (users/track, the sends, users/export/ids…). The client
// already holds a request whose group's budget is spent until its reset;
// the other groups go on.
func (c *Client) RateLimit() deskbridge.RateLimit { return c.rest.RateLimit() }
