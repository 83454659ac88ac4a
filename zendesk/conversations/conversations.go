package conversations

import (
	"fmt"
	"net/http"
	"regexp"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// vendor declares how the Sunshine Conversations API differs from the
// other vendors'; the core (internal/rest) does the rest.
var vendor = &rest.Vendor{
	Name: "conversations",
	// https://{subdomain}.zendesk.com/sc for licensed Zendesk accounts
	// (https://developer.zendesk.com/api-reference/conversations/). A
	// subdomain is one DNS label, so that a value such as "evil.com/x" can
	// never send the key elsewhere.
	Host:        rest.LabelHost("https://%s.zendesk.com/sc", "subdomain"),
	HostOption:  "WithSubdomain or WithRegion",
	Credentials: "WithKey or WithJWT",
	Header:      http.Header{"Accept": {"application/json"}},
	// Sunshine Conversations publishes no rate-limit numbers nor headers:
	// a 429 is retried with backoff and jitter, as the API reference asks.
	RequestIDHeaders: requestIDHeaders(),
	DecodeError:      decodeError,
}

// regionHosts are the legacy Sunshine Conversations hosts, by region
// (https://developer.zendesk.com/api-reference/conversations/#regions).
var regionHosts = map[string]string{
	"US":   "https://api.smooch.io",
	"EU-1": "https://api.eu-1.smooch.io",
}

// regionVendor carries the host rule of [WithRegion]; only its Host is used.
var regionVendor = &rest.Vendor{Name: vendor.Name, Host: rest.TableHost(regionHosts, "region")}

// Client talks to one Sunshine Conversations app. It is safe for concurrent
// use; build one per app and share it.
type Client struct {
	rest    *rest.Client
	appID   string
	keyID   string
	keyKind KeyKind

	common service

	// Apps reads the app the client is configured for.
	Apps *AppsService
	// Users creates, reads, updates and deletes users.
	Users *UsersService
	// Conversations creates, lists and updates conversations and their
	// participants.
	Conversations *ConversationsService
	// Messages posts, lists and deletes messages.
	Messages *MessagesService
	// Activities sends typing indicators and read receipts.
	Activities *ActivitiesService
	// Attachments uploads and removes files.
	Attachments *AttachmentsService
	// Switchboards manages the app's switchboard.
	Switchboards *SwitchboardsService
	// SwitchboardIntegrations manages the integrations of a switchboard.
	SwitchboardIntegrations *SwitchboardIntegrationsService
	// SwitchboardActions passes, offers, accepts and releases control of a
	// conversation: how a bot hands a conversation to Zendesk's agents.
	SwitchboardActions *SwitchboardActionsService
	// Integrations manages custom integrations and their API keys.
	Integrations *IntegrationsService
	// AppKeys manages the app's API keys (an account key's calls).
	AppKeys *AppKeysService
	// Webhooks manages the webhooks of an integration.
	Webhooks *WebhooksService
}

// service is shared by every service of a Client, go-github style.
type service struct{ client *Client }

// Option configures a [Client]. Options validate their input and
// [NewClient] returns the first error.
type Option func(*config) error

// config is what the options fill.
type config struct {
	rest.Settings
	hostOption string
	appID      string
	keyID      string
	keyKind    KeyKind
}

// appIDPattern is what an app id may hold: Sunshine Conversations ids are
// 24 hexadecimal characters; letters, digits, "_" and "-" are accepted, so
// that nothing that could change the path passes.
var appIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// NewClient returns a client for one Sunshine Conversations app. It needs
// the host ([WithSubdomain], [WithRegion] or [WithBaseURL]), the app
// ([WithAppID]) and exactly one credential option ([WithKey] or [WithJWT]).
// It never panics: every problem with the options comes back as an error.
func NewClient(opts ...Option) (*Client, error) {
	cfg, rc, err := rest.Build(vendor, opts)
	if err != nil {
		return nil, err
	}
	if cfg.appID == "" {
		return nil, &ValidationError{Op: "NewClient", Field: "app id", Reason: "no app: give WithAppID (Admin Center › Apps and integrations › Conversations API shows it)"}
	}
	c := &Client{rest: rc, appID: cfg.appID, keyID: cfg.keyID, keyKind: cfg.keyKind}
	c.common.client = c
	c.Apps = (*AppsService)(&c.common)
	c.Users = (*UsersService)(&c.common)
	c.Conversations = (*ConversationsService)(&c.common)
	c.Messages = (*MessagesService)(&c.common)
	c.Activities = (*ActivitiesService)(&c.common)
	c.Attachments = (*AttachmentsService)(&c.common)
	c.Switchboards = (*SwitchboardsService)(&c.common)
	c.SwitchboardIntegrations = (*SwitchboardIntegrationsService)(&c.common)
	c.SwitchboardActions = (*SwitchboardActionsService)(&c.common)
	c.Integrations = (*IntegrationsService)(&c.common)
	c.AppKeys = (*AppKeysService)(&c.common)
	c.Webhooks = (*WebhooksService)(&c.common)
	return c, nil
}

// setHost records which host option was given, refusing a second one.
func (c *config) setHost(option string, v *rest.Vendor, value string) error {
	if c.hostOption != "" && c.hostOption != option {
		return fmt.Errorf("%s and %s both name the host; give one", c.hostOption, option)
	}
	c.hostOption = option
	return c.SetHost(v, value)
}

// WithSubdomain sets the Zendesk account: "acme" sends requests to
// https://acme.zendesk.com/sc, the host for licensed Zendesk accounts. The
// value must be one DNS label (letters, digits and inner hyphens, at most 63
// characters; upper case is folded), so that a value such as "evil.com/x"
// is refused rather than sending the key elsewhere. It cannot be combined
// with [WithRegion]; [WithBaseURL], when also given, wins.
func WithSubdomain(subdomain string) Option {
	return func(c *config) error { return c.setHost("WithSubdomain", vendor, subdomain) }
}

// WithRegion selects a legacy Sunshine Conversations host: "us" for
// https://api.smooch.io, "eu-1" for https://api.eu-1.smooch.io (case does
// not matter). Accounts bought through Zendesk use [WithSubdomain] instead.
func WithRegion(region string) Option {
	return func(c *config) error { return c.setHost("WithRegion", regionVendor, region) }
}

// Regions returns the regions [WithRegion] accepts.
func Regions() []string { return []string{"us", "eu-1"} }

// WithAppID sets the app every call is made on: the "App ID" that Admin
// Center shows beside the Conversations API keys. Required.
func WithAppID(appID string) Option {
	return func(c *config) error {
		if !appIDPattern.MatchString(appID) {
			return fmt.Errorf("app id %q: want 1 to 64 letters, digits, '_' or '-' (a 24-character hexadecimal id)", appID)
		}
		c.appID = appID
		return nil
	}
}

// WithKey authenticates with an API key through HTTP Basic authentication
// (key id as the user name, secret as the password), the method Sunshine
// Conversations recommends for server-to-server calls
// (https://developer.zendesk.com/api-reference/conversations/#authentication).
// The key's kind follows from its id's prefix ([KindOfKey]). The secret
// never appears in an error string or a log record.
func WithKey(keyID, secret string) Option {
	return func(c *config) error {
		kind, err := checkKey(keyID, secret)
		if err != nil {
			return err
		}
		c.keyID, c.keyKind = keyID, kind
		c.SetCredential("WithKey", rest.Basic(keyID, secret))
		return nil
	}
}

// WithJWT authenticates with a JSON Web Token signed (HS256) with the API
// key's secret, its id in the "kid" header and the "scope" claim its kind
// calls for: "app" for an app key (app_…), "account" for an account or
// service-account key (act_…, svc_…), and "integration" for an integration
// key (int_…, see [JWTScope]). The token is signed once, when the client is
// built, and carries no expiry, as Sunshine Conversations requires none.
// Neither the secret nor the token appears in an error string or a log
// record.
func WithJWT(keyID, secret string) Option {
	return func(c *config) error {
		kind, err := checkKey(keyID, secret)
		if err != nil {
			return err
		}
		token, err := signJWT(keyID, secret, kind)
		if err != nil {
			return err
		}
		c.keyID, c.keyKind = keyID, kind
		c.SetCredential("WithJWT", rest.Static("Bearer "+token, token, secret))
		return nil
	}
}

func checkKey(keyID, secret string) (KeyKind, error) {
	if err := rest.CheckCredential("key id", keyID); err != nil {
		return KeyUnknown, err
	}
	if err := rest.CheckCredential("key secret", secret); err != nil {
		return KeyUnknown, err
	}
	return KindOfKey(keyID), nil
}

// AppID returns the app the client is configured for.
func (c *Client) AppID() string { return c.appID }

// KeyID returns the id of the client's API key (not a secret: Admin
// Center lists it, and a JWT carries it in its "kid" header).
func (c *Client) KeyID() string { return c.keyID }

// KeyKind returns the kind of the client's API key.
func (c *Client) KeyKind() KeyKind { return c.keyKind }

// BaseURL returns the URL every request path is appended to, e.g.
// "https://acme.zendesk.com/sc".
func (c *Client) BaseURL() string { return c.rest.BaseURL() }

// RateLimit returns the budget last reported. Sunshine Conversations
// reports none, so it stays zero unless a proxy adds the headers; it is
// here so that every deskbridge client answers the same question.
func (c *Client) RateLimit() deskbridge.RateLimit { return c.rest.RateLimit() }
