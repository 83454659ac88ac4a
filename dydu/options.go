package dydu

import (
	"log/slog"
	"net/http"
	"time"
)

// WithBaseURL sends every request to one server at u instead of the
// servers of [WithServers]: a dydutest server's URL or a proxy. As with
// [WithServers], u is the server, and the dialog API is under its
// /servlet/api/. See "Options every client takes" in package
// [deskbridge].
func WithBaseURL(u string) Option {
	return func(c *config) error {
		u = trimURL(u)
		if err := checkServerURL(u); err != nil {
			return err
		}
		c.baseURL = u
		return nil
	}
}

// WithHTTPClient sends each attempt with hc. See "Options every client
// takes" in package [deskbridge].
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(hc) }
}

// WithLogger logs one debug record per attempt, and one per move to
// another server. See "Options every client takes" in package
// [deskbridge].
func WithLogger(l *slog.Logger) Option { return func(c *config) error { return c.SetLogger(l) } }

// WithUserAgent sends a product token before "deskbridge/<version>". See
// "Options every client takes" in package [deskbridge].
func WithUserAgent(ua string) Option { return func(c *config) error { return c.SetUserAgent(ua) } }

// WithMaxRetries sets how many times a failed request is retried on one
// server, before the next server is tried. See "Options every client
// takes" in package [deskbridge].
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
