package braze

import (
	"log/slog"
	"net/http"
	"time"
)

// WithBaseURL sends every request below u instead of the instance's REST
// endpoint: a fake Braze (brazetest), a proxy, or an instance missing from
// [Instances]. See "Options every client takes" in package [deskbridge].
func WithBaseURL(u string) Option { return func(c *config) error { return c.SetBaseURL(u) } }

// WithHTTPClient sends each attempt with hc, which is copied. See "Options
// every client takes" in package [deskbridge].
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(hc) }
}

// WithLogger receives one debug record per attempt; the API key never
// appears in it. See "Options every client takes" in package [deskbridge].
func WithLogger(l *slog.Logger) Option { return func(c *config) error { return c.SetLogger(l) } }

// WithUserAgent sets a product token sent before "deskbridge/<version>".
// See "Options every client takes" in package [deskbridge].
func WithUserAgent(product string) Option {
	return func(c *config) error { return c.SetUserAgent(product) }
}

// WithMaxRetries sets how many times a failed request is retried (0:
// none); a send is retried after a 5xx only with [WithRetrySends]. See
// "Options every client takes" in package [deskbridge].
func WithMaxRetries(n int) Option { return func(c *config) error { return c.SetMaxRetries(n) } }

// WithRetryWaitMax caps the backoff between retries. See "Options every
// client takes" in package [deskbridge].
func WithRetryWaitMax(d time.Duration) Option {
	return func(c *config) error { return c.SetRetryWaitMax(d) }
}

// WithMaxResponseSize bounds a successful response body, in bytes (a
// users/export/ids answer grows with the fields exported). See "Options
// every client takes" in package [deskbridge].
func WithMaxResponseSize(n int64) Option {
	return func(c *config) error { return c.SetMaxResponseSize(n) }
}
