package cxone

import (
	"log/slog"
	"net/http"
	"time"
)

// WithBaseURL sends every request below u instead of CXone's hosts: the
// discovery documents, the token endpoint and the API all go to u, for a
// cxonetest fake or a proxy. The API endpoint that discovery names must
// then lie below u or be a CXone host; either way the API calls go to u.
// See "Options every client takes" in package [deskbridge].
func WithBaseURL(u string) Option {
	return func(c *config) error {
		if err := c.SetBaseURL(u); err != nil {
			return err
		}
		c.fixedBase = true
		return nil
	}
}

// WithHTTPClient sends each attempt with hc, token and discovery requests
// included. See "Options every client takes" in package [deskbridge].
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
