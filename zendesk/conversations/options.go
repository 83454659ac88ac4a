package conversations

import (
	"log/slog"
	"net/http"
	"time"
)

// WithBaseURL sends requests below baseURL instead of the host of
// [WithSubdomain] or [WithRegion]: a fake (conversationstest, whose URL
// stands for https://{subdomain}.zendesk.com/sc), a proxy or a recording
// server. See "Options every client takes" in package deskbridge.
func WithBaseURL(baseURL string) Option {
	return func(c *config) error { return c.SetBaseURL(baseURL) }
}

// WithHTTPClient sends each attempt with hc, which is copied. See "Options
// every client takes" in package deskbridge.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(hc) }
}

// WithLogger logs one debug record per attempt; the key never appears in
// it. See "Options every client takes" in package deskbridge.
func WithLogger(l *slog.Logger) Option { return func(c *config) error { return c.SetLogger(l) } }

// WithUserAgent sends a product token before "deskbridge/<version>", e.g.
// "dydu-bridge/1.2". See "Options every client takes" in package
// deskbridge.
func WithUserAgent(ua string) Option { return func(c *config) error { return c.SetUserAgent(ua) } }

// WithMaxRetries sets how many times a failed request is retried: a 429
// always (Sunshine Conversations asks for backoff with jitter), a 5xx or a
// lost connection only for reads, deletes, updates and activities, never
// for a posted message. See "Options every client takes" in package
// deskbridge.
func WithMaxRetries(n int) Option { return func(c *config) error { return c.SetMaxRetries(n) } }

// WithRetryWaitMax caps the backoff between retries. See "Options every
// client takes" in package deskbridge.
func WithRetryWaitMax(d time.Duration) Option {
	return func(c *config) error { return c.SetRetryWaitMax(d) }
}

// WithMaxResponseSize bounds a successful response body, in bytes; a page
// of 100 messages is the largest answer this client asks for. See "Options
// every client takes" in package deskbridge.
func WithMaxResponseSize(n int64) Option {
	return func(c *config) error { return c.SetMaxResponseSize(n) }
}
