package rest

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Settings holds the options every vendor client has. A vendor's Option
// functions call its setters, which validate, and New copies it into the
// Config with Apply:
//
//	func WithLogger(l *slog.Logger) Option {
//		return func(c *config) error { return c.settings.SetLogger(l) }
//	}
type Settings struct {
	BaseURL      string
	HTTPClient   *http.Client
	Logger       *slog.Logger
	UserAgent    string
	maxRetries   int
	retriesSet   bool
	RetryWaitMax time.Duration
}

// SetBaseURL validates and sets the base URL (scheme and host, optional
// path prefix; no user info, query or fragment).
func (s *Settings) SetBaseURL(raw string) error {
	if _, err := parseBaseURL(raw); err != nil {
		return fmt.Errorf("base URL %q: %w", raw, err)
	}
	s.BaseURL = strings.TrimRight(raw, "/")
	return nil
}

// SetHTTPClient sets the client that sends each attempt. It is copied.
func (s *Settings) SetHTTPClient(hc *http.Client) error {
	if hc == nil {
		return errors.New("HTTP client is nil")
	}
	s.HTTPClient = hc
	return nil
}

// SetLogger sets the logger for per-attempt debug records.
func (s *Settings) SetLogger(l *slog.Logger) error {
	if l == nil {
		return errors.New("logger is nil")
	}
	s.Logger = l
	return nil
}

// SetUserAgent sets a product token sent before "deskbridge/<version>".
func (s *Settings) SetUserAgent(ua string) error {
	ua = strings.TrimSpace(ua)
	if ua == "" || strings.ContainsFunc(ua, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("user agent %q is empty or has control characters", ua)
	}
	s.UserAgent = ua
	return nil
}

// SetMaxRetries sets how many times a failed request is retried; 0 turns
// retries off.
func (s *Settings) SetMaxRetries(n int) error {
	if n < 0 || n > 20 {
		return fmt.Errorf("max retries %d is outside 0..20", n)
	}
	s.maxRetries, s.retriesSet = n, true
	return nil
}

// SetRetryWaitMax caps the backoff between retries.
func (s *Settings) SetRetryWaitMax(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("retry wait max %s is not positive", d)
	}
	s.RetryWaitMax = d
	return nil
}

// Apply copies the settings into cfg. A BaseURL in the settings replaces
// the one in cfg.
func (s *Settings) Apply(cfg *Config) {
	if s.BaseURL != "" {
		cfg.BaseURL = s.BaseURL
	}
	cfg.HTTPClient = s.HTTPClient
	cfg.Logger = s.Logger
	cfg.UserAgent = s.UserAgent
	if s.retriesSet {
		cfg.MaxRetries = s.maxRetries
		if s.maxRetries == 0 {
			cfg.MaxRetries = -1
		}
	}
	cfg.RetryWaitMax = s.RetryWaitMax
}
