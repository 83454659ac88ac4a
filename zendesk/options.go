package zendesk

import (
	"log/slog"
	"net/http"
	"time"
)

// WithBaseURL sends requests below baseURL instead of
// https://{subdomain}.zendesk.com: a fake (zendesktest), a proxy or a
// recording server. See "Options every client takes" in package deskbridge.
func WithBaseURL(baseURL string) Option {
	return func(c *config) error { return c.SetBaseURL(baseURL) }
}

// WithHTTPClient sends each attempt with hc, token requests included. See
// "Options every client takes" in package deskbridge.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(hc) }
}

// WithLogger logs one debug record per attempt, and an error record when a
// rotated OAuth refresh token could not be stored. See "Options every
// client takes" in package deskbridge.
func WithLogger(l *slog.Logger) Option { return func(c *config) error { return c.SetLogger(l) } }

// WithUserAgent sends a product token before "deskbridge/<version>", e.g.
// "acme-sync/1.2". See "Options every client takes" in package deskbridge.
func WithUserAgent(ua string) Option { return func(c *config) error { return c.SetUserAgent(ua) } }

// WithMaxRetries sets how many times a failed request is retried; each
// method says whether Zendesk's answer makes it safe to repeat. See
// "Options every client takes" in package deskbridge.
func WithMaxRetries(n int) Option { return func(c *config) error { return c.SetMaxRetries(n) } }

// WithRetryWaitMax caps the backoff between retries; a wait Zendesk asks
// for (Retry-After, ratelimit-reset) is taken as asked. See "Options every
// client takes" in package deskbridge.
func WithRetryWaitMax(d time.Duration) Option {
	return func(c *config) error { return c.SetRetryWaitMax(d) }
}

// WithMaxResponseSize bounds a successful response body, in bytes; a
// [SearchService.Export] page of 1,000 results is the largest answer this client
// asks for. See "Options every client takes" in package deskbridge.
func WithMaxResponseSize(n int64) Option {
	return func(c *config) error { return c.SetMaxResponseSize(n) }
}
