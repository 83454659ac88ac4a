package zendesk

import (
	"context"
	"net/http"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// vendor declares how Zendesk's API differs from the other vendors'; the
// core (internal/rest) does the rest.
var vendor = &rest.Vendor{
	Name: "zendesk",
	// https://{subdomain}.zendesk.com
	// (https://developer.zendesk.com/api-reference/introduction/requests).
	// A subdomain is one DNS label, so that a value such as "evil.com/x"
	// can never send credentials to another host; "acme.zendesk.com" is
	// refused with a hint to give "acme".
	Host:        rest.LabelHost("https://%s.zendesk.com", "subdomain"),
	HostOption:  "WithSubdomain",
	Credentials: "WithOAuthClientCredentials, WithOAuthRefreshToken, WithTokenSource, WithOAuthToken or WithAPIToken",
	Header:      http.Header{"Accept": {"application/json"}},
	// https://developer.zendesk.com/api-reference/introduction/rate-limits:
	// the ticketing API sends both sets; only ratelimit-reset carries the
	// reset (seconds from now), so the ratelimit-* names come first.
	RateLimit: rest.RateLimitHeaders{
		Limit:     []string{"ratelimit-limit", "X-Rate-Limit"},
		Remaining: []string{"ratelimit-remaining", "X-Rate-Limit-Remaining"},
		Reset:     []string{"ratelimit-reset", "X-Rate-Limit-Reset"},
	},
	RequestIDHeaders: requestIDHeaders(),
	DecodeError:      decodeError,
}

// Client talks to one Zendesk account. It is safe for concurrent use; build
// one per account and share it.
type Client struct {
	rest *rest.Client

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
	// TicketFields manages the system and custom ticket fields.
	TicketFields *TicketFieldsService
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

// Option configures a Client. Options validate their input and [NewClient]
// returns the first error.
type Option func(*config) error

// config is what the options fill: the settings every vendor client has
// (Zendesk has no option of its own besides its account and credentials,
// which live there too).
type config struct {
	rest.Settings
}

// NewClient returns a client for one Zendesk account. It needs the account
// ([WithSubdomain], or [WithBaseURL] for a fake or a proxy) and exactly one
// credential option ([WithOAuthClientCredentials], [WithOAuthRefreshToken],
// [WithTokenSource], [WithOAuthToken] or [WithAPIToken]). It never panics: every
// problem with the options comes back as an error.
func NewClient(opts ...Option) (*Client, error) {
	_, rc, err := rest.Build(vendor, opts)
	if err != nil {
		return nil, err
	}
	c := &Client{rest: rc}
	c.common.client = c
	c.Tickets = (*TicketsService)(&c.common)
	c.JobStatuses = (*JobStatusesService)(&c.common)
	c.Users = (*UsersService)(&c.common)
	c.UserFields = (*UserFieldsService)(&c.common)
	c.Groups = (*GroupsService)(&c.common)
	c.TicketFields = (*TicketFieldsService)(&c.common)
	c.Search = (*SearchService)(&c.common)
	c.Triggers = (*TriggersService)(&c.common)
	c.TriggerCategories = (*TriggerCategoriesService)(&c.common)
	c.Webhooks = (*WebhooksService)(&c.common)
	c.Availability = (*AvailabilityService)(&c.common)
	c.Voice = (*VoiceService)(&c.common)
	return c, nil
}

// WithSubdomain sets the account: "acme" for https://acme.zendesk.com. The
// value must be one DNS label (letters, digits and inner hyphens, at most
// 63 characters; upper case is folded to lower case, as host names are
// case-insensitive), so that a value such as "evil.com/x" is refused rather
// than sending credentials elsewhere. [WithBaseURL], when also given, wins.
func WithSubdomain(subdomain string) Option {
	return func(c *config) error { return c.SetHost(vendor, subdomain) }
}

// BaseURL returns the URL every request path is appended to, e.g.
// "https://acme.zendesk.com".
func (c *Client) BaseURL() string { return c.rest.BaseURL() }

// RateLimit returns the budget last reported by Zendesk (ratelimit-* or
// X-Rate-Limit* headers). The client already holds requests while the
// budget is spent (instead of collecting 429s); this is for callers that
// want to pace themselves or report it.
func (c *Client) RateLimit() deskbridge.RateLimit { return c.rest.RateLimit() }

// delete sends a DELETE to path; Zendesk answers without a body.
func (c *Client) delete(ctx context.Context, path string) error {
	_, err := c.rest.Do(ctx, &rest.Request{Method: http.MethodDelete, Path: path}, nil)
	return err
}
