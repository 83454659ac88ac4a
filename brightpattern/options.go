package brightpattern

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// WithTenantURL names the tenant by its tenant URL, the contact center's
// domain shown at the top right of the Contact Center Administrator:
// "example.brightpattern.com" (https:// optional), or "example" for that.
// Requests go to https://<tenant URL> unless [WithBaseURL] is given too; the
// tenant URL is also what the token request's tenant parameter and the
// chat API's tenantUrl parameter carry
// (https://help.brightpattern.com/5.2:Mobile-web-api-specification/GeneralInformation).
// Only a host name is accepted, so that a value such as "evil.com/x" can
// never move credentials to another host.
func WithTenantURL(tenantURL string) Option {
	return func(c *config) error {
		h, err := normalizeTenantURL(tenantURL)
		if err != nil {
			return err
		}
		c.tenant = h
		return c.SetHost(vendor, h)
	}
}

// WithBaseURL sends requests below baseURL instead of https://<tenant URL>:
// a fake (brightpatterntest), a proxy, or a service provider's host. Give
// [WithTenantURL] too when the base URL is not the tenant's own domain.
// See "Options every client takes" in package deskbridge.
func WithBaseURL(baseURL string) Option {
	return func(c *config) error { return c.SetBaseURL(baseURL) }
}

// WithHTTPClient sends each attempt with hc, token requests included. Its
// Timeout must outlast a long poll (Bright Pattern holds one for up to
// about 15 s). See "Options every client takes" in package deskbridge.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(hc) }
}

// WithLogger logs one debug record per attempt. See "Options every client
// takes" in package deskbridge.
func WithLogger(l *slog.Logger) Option { return func(c *config) error { return c.SetLogger(l) } }

// WithUserAgent sends a product token before "deskbridge/<version>", e.g.
// "acme-chat/1.2". See "Options every client takes" in package deskbridge.
func WithUserAgent(ua string) Option { return func(c *config) error { return c.SetUserAgent(ua) } }

// WithMaxRetries sets how many times a failed request is retried; a chat
// message or a chat start (POST) is not replayed after a 5xx. See
// "Options every client takes" in package deskbridge.
func WithMaxRetries(n int) Option { return func(c *config) error { return c.SetMaxRetries(n) } }

// WithRetryWaitMax caps the backoff between retries. See "Options every
// client takes" in package deskbridge.
func WithRetryWaitMax(d time.Duration) Option {
	return func(c *config) error { return c.SetRetryWaitMax(d) }
}

// WithMaxResponseSize bounds a successful response body, in bytes. See
// "Options every client takes" in package deskbridge.
func WithMaxResponseSize(n int64) Option {
	return func(c *config) error { return c.SetMaxResponseSize(n) }
}

// WithClientCredentials authenticates the Configuration API with OAuth2
// client credentials
// (https://help.brightpattern.com/5.2:Host-and-services-management-api-specification/RequestAccessToken):
// the client asks POST /configapi/v2/oauth/token for a token with the API
// user's login id as client_id and the user's API secret as client_secret,
// caches it for every goroutine, and asks again 60 s before it expires or
// after a 401.
func WithClientCredentials(loginID, apiSecret string) Option {
	return func(c *config) error {
		if err := rest.CheckCredential("login id", loginID); err != nil {
			return err
		}
		if err := rest.CheckCredential("API secret", apiSecret); err != nil {
			return err
		}
		c.cfg = &configCred{loginID: loginID, secret: apiSecret}
		c.cfgOpt = append(c.cfgOpt, "WithClientCredentials")
		return nil
	}
}

// WithAccessToken authenticates the Configuration API with a bearer token
// obtained elsewhere. It is never renewed: once it expires, calls fail with
// [deskbridge.ErrUnauthorized].
func WithAccessToken(token string) Option {
	return func(c *config) error {
		if err := rest.CheckCredential("access token", token); err != nil {
			return err
		}
		c.cfg = &configCred{token: strings.TrimSpace(token)}
		c.cfgOpt = append(c.cfgOpt, "WithAccessToken")
		return nil
	}
}

// chatApp is the chat API's identity: Authorization:
// MOBILE-API-140-327-PLAIN appId="…", clientId="…".
type chatApp struct{ appID, clientID string }

func (a *chatApp) authorization() string {
	return fmt.Sprintf(`MOBILE-API-140-327-PLAIN appId="%s", clientId="%s"`, a.appID, a.clientID)
}

// WithChatApp identifies the client to the mobile/web chat API
// (https://help.brightpattern.com/5.2:Mobile-web-api-specification/GeneralInformation):
// appID is the unique id of the Messaging/Chat scenario entry, clientID a
// UUID the application generates once per device or instance (see
// [NewClientID]); every chat request carries
//
//	Authorization: MOBILE-API-140-327-PLAIN appId="<appID>", clientId="<clientID>"
//
// Neither value may hold a quote, a backslash, a comma or a control
// character. The clientID "WebChat", which tells Bright Pattern to identify
// the client by cookies, is refused: a server-side client keeps no cookies.
func WithChatApp(appID, clientID string) Option {
	return func(c *config) error {
		for what, v := range map[string]string{"chat app id": appID, "chat client id": clientID} {
			if err := rest.CheckCredential(what, v); err != nil {
				return err
			}
			if strings.ContainsAny(v, "\"\\,") || strings.TrimSpace(v) != v {
				return fmt.Errorf("%s %q has a quote, backslash, comma or surrounding spaces, which the MOBILE-API header cannot carry", what, v)
			}
		}
		if strings.EqualFold(clientID, "WebChat") {
			return fmt.Errorf("chat client id %q makes Bright Pattern identify the client by cookies, which a server keeps none of: give a UUID (NewClientID)", clientID)
		}
		c.app = &chatApp{appID: appID, clientID: clientID}
		return nil
	}
}

// NewClientID returns a random UUID (version 4) for [WithChatApp]'s
// clientID. Generate it once per device or instance and keep it.
func NewClientID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
