package babelforce

import (
	"log/slog"
	"net/http"
	"time"
)

// WithBaseURL sends every request below u instead of
// https://{environment}.babelforce.com: a babelforcetest server's URL or a
// proxy. See "Options every client takes" in package [deskbridge].
func WithBaseURL(u string) Option { return func(c *config) error { return c.SetBaseURL(u) } }

// WithHTTPClient sends each attempt with hc. See "Options every client
// takes" in package [deskbridge].
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(hc) }
}

// WithLogger logs one debug record per attempt. See "Options every client
// takes" in package [deskbridge].
func WithLogger(l *slog.Logger) Option { return func(c *config) error { return c.SetLogger(l) } }

// WithUserAgent sends a product token before "deskbridge/<version>". See
// "Options every client takes" in package [deskbridge].
func WithUserAgent(ua string) Option { return func(c *config) error { return c.SetUserAgent(ua) } }

// WithMaxRetries sets how many times a failed request is retried. See
// "Options every client takes" in package [deskbridge].
func WithMaxRetries(n int) Option { return func(c *config) error { return c.SetMaxRetries(n) } }

// WithRetryWaitMax caps the backoff between retries. See "Options every
// client takes" in package [deskbridge].
func WithRetryWaitMax(d time.Duration) Option {
	return func(c *config) error { return c.SetRetryWaitMax(d) }
}

// WithMaxResponseSize bounds a successful response body, in bytes. See
// "Options every client takes" in package [deskbridge].
func WithMaxResponseSize(n int64) Option {
	return func(c *config) error { return c.SetMaxResponseSize(n) }
}
