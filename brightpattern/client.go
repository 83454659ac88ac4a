package brightpattern

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// vendor declares how Bright Pattern's APIs differ from the other vendors'.
// The tenant's host is its tenant URL
// (https://help.brightpattern.com/5.2:Mobile-web-api-specification/GeneralInformation);
// the credential is chosen per API (see [Client]), so the declaration names
// none.
var vendor = &rest.Vendor{
	Name:             "brightpattern",
	Host:             tenantHost,
	HostOption:       "WithTenantURL",
	Header:           http.Header{"Accept": {"application/json"}},
	RateLimit:        rateLimitHeaders(),
	RequestIDHeaders: requestIDHeaders(),
	DecodeError:      decodeError,
}

// hostPattern is a host name of two or more DNS labels, in lower case.
var hostPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$`)

// labelOnly is one DNS label.
var labelOnly = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// normalizeTenantURL returns the host name of a tenant URL as the Contact
// Center Administrator shows it: "example.brightpattern.com", with or
// without "https://" and a trailing slash. One label ("example") means
// example.brightpattern.com. A port, a path, a user or anything that is not
// a host name is refused, so that a value can never send credentials to an
// unintended host.
func normalizeTenantURL(value string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(value))
	v = strings.TrimPrefix(v, "https://")
	v = strings.TrimSuffix(v, "/")
	if labelOnly.MatchString(v) {
		return v + ".brightpattern.com", nil
	}
	if len(v) > 253 || !hostPattern.MatchString(v) {
		return "", fmt.Errorf("tenant URL %q is not a host name: give the contact center's domain as the Contact Center Administrator shows it, e.g. \"example.brightpattern.com\" (or \"example\" for that)", value)
	}
	return v, nil
}

// tenantHost is the vendor's Host: https://<tenant URL>.
func tenantHost(value string) (string, error) {
	h, err := normalizeTenantURL(value)
	if err != nil {
		return "", err
	}
	return "https://" + h, nil
}

// Client talks to one Bright Pattern tenant: the Configuration API
// ([Client.Users]) with an API user's OAuth client credentials, and the
// mobile/web chat API ([Client.Chat]) as one chat application (a Messaging
// scenario entry). It is safe for concurrent use; build one per tenant and
// chat application, and share it.
//
// Each API has its own credential: [WithClientCredentials] or
// [WithAccessToken] for the Configuration API, [WithChatApp] for the chat
// API. A client needs at least one; a call to an API whose credential was
// not given fails with an error that names the option.
type Client struct {
	tenant string
	config *rest.Client // nil without a Configuration API credential
	chat   *rest.Client // nil without WithChatApp

	common service

	// Users reads users of the Configuration API: an agent's login id,
	// email and state.
	Users *UsersService
	// Chat is the mobile/web chat API: availability, start a chat, send
	// client events, long-poll server events.
	Chat *ChatService
}

// service is shared by every service, go-github style.
type service struct{ client *Client }

// Option configures a [Client]. Options validate their input and
// [NewClient] returns the first error.
type Option func(*config) error

// config is what the options fill.
type config struct {
	rest.Settings
	tenant string      // the tenant URL's host, when given
	cfg    *configCred // Configuration API credential
	cfgOpt []string    // the options that gave one (several is an error)
	app    *chatApp
}

// configCred is the Configuration API credential: client credentials, or a
// token obtained elsewhere.
type configCred struct {
	loginID, secret string
	token           string
}

// NewClient returns a client for one tenant. It needs the tenant
// ([WithTenantURL], or [WithBaseURL] for a fake or a proxy, with
// [WithTenantURL] naming the tenant when the base URL is not its domain)
// and a credential: [WithClientCredentials] or [WithAccessToken] for
// [Client.Users], [WithChatApp] for [Client.Chat]. It sends nothing and
// never panics.
func NewClient(opts ...Option) (*Client, error) {
	cfg, root, err := rest.Build(vendor, opts)
	if err != nil {
		return nil, err
	}
	c := &Client{tenant: cfg.tenant}
	if c.tenant == "" {
		u, _ := url.Parse(root.BaseURL())
		c.tenant = u.Hostname()
	}
	switch {
	case len(cfg.cfgOpt) > 1:
		return nil, refusef("%d Configuration API credentials given (%s); give exactly one", len(cfg.cfgOpt), strings.Join(cfg.cfgOpt, ", "))
	case cfg.cfg == nil && cfg.app == nil:
		return nil, refusef("no credentials: give WithClientCredentials or WithAccessToken (Configuration API), WithChatApp (chat API), or both")
	}
	if cfg.cfg != nil {
		s := cfg.Settings
		s.SetCredential("config", c.configCredential(cfg.cfg))
		if c.config, err = rest.NewClient(vendor, &s); err != nil {
			return nil, err
		}
	}
	if cfg.app != nil {
		s := cfg.Settings
		s.SetCredential("WithChatApp", rest.Static(cfg.app.authorization()))
		if c.chat, err = rest.NewClient(vendor, &s); err != nil {
			return nil, err
		}
	}
	c.common.client = c
	c.Users = (*UsersService)(&c.common)
	c.Chat = &ChatService{client: c}
	return c, nil
}

// TenantURL returns the tenant's host name, as sent in the tenant and
// tenantUrl parameters: "example.brightpattern.com".
func (c *Client) TenantURL() string { return c.tenant }

// RateLimit returns the budget last reported by the Configuration API, or
// by the chat API when the client has no Configuration API credential.
// Bright Pattern documents no rate-limit headers, so it is mostly zero.
func (c *Client) RateLimit() deskbridge.RateLimit {
	if c.config != nil {
		return c.config.RateLimit()
	}
	return c.chat.RateLimit()
}

// errNoConfigCred and errNoChatApp are returned by a call to an API whose
// credential the client was not given.
var (
	errNoConfigCred = refusef("the Configuration API needs a credential: build the client with WithClientCredentials or WithAccessToken")
	errNoChatApp    = refusef("the chat API needs the chat application: build the client with WithChatApp")
)

// refusef is an error for input refused before anything is sent: it names
// the vendor and matches [deskbridge.ErrInvalid].
func refusef(format string, args ...any) error {
	return &refused{msg: "brightpattern: " + fmt.Sprintf(format, args...)}
}

type refused struct{ msg string }

func (e *refused) Error() string { return e.msg }
func (e *refused) Is(target error) bool {
	return target == deskbridge.ErrInvalid
}
