package rest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Defaults of the settings every vendor client has. The root package's
// documentation ("Options every client takes") states them to users; keep
// the two in step.
const (
	DefaultMaxRetries   = 3
	DefaultRetryWaitMin = 250 * time.Millisecond
	DefaultRetryWaitMax = 30 * time.Second
	// DefaultMaxServerWait bounds a wait that the vendor asked for
	// (Retry-After, a rate-limit reset). A longer one is not waited for,
	// nor kept as a hold on later calls: the call fails at once with the
	// vendor's error, which carries the wait.
	DefaultMaxServerWait = 5 * time.Minute
	// DefaultAttemptTimeout bounds one attempt when the client builds its
	// own http.Client. A caller's http.Client keeps its own Timeout.
	DefaultAttemptTimeout = 60 * time.Second
	// DefaultMaxResponseSize bounds a successful response body.
	DefaultMaxResponseSize = 64 << 20
	// MaxErrorBody bounds an error response body.
	MaxErrorBody = 1 << 20
	// maxMaxRetries bounds WithMaxRetries.
	maxMaxRetries = 20
)

// Settings holds what every vendor client is configured with. A vendor's
// unexported config embeds it (see Configurable) and its options call the
// setters, which validate:
//
//	func WithLogger(l *slog.Logger) Option { return func(c *config) error { return c.SetLogger(l) } }
type Settings struct {
	baseURL      string // WithBaseURL
	hostURL      string // the vendor's host option
	httpClient   *http.Client
	logger       *slog.Logger
	userAgent    string
	maxRetries   int
	retriesSet   bool
	retryWaitMin time.Duration // tests only
	retryWaitMax time.Duration
	maxBody      int64
	creds        []Credential

	// Tests replace the clock and the sleep.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// RestSettings returns s; a vendor's config inherits it by embedding
// Settings, and so satisfies Configurable.
func (s *Settings) RestSettings() *Settings { return s }

// SetBaseURL validates and sets the base URL: scheme and host, optional
// path prefix; no user info, query or fragment. It wins over the host
// option.
func (s *Settings) SetBaseURL(raw string) error {
	if _, err := parseBaseURL(raw); err != nil {
		return fmt.Errorf("base URL %q: %w", raw, err)
	}
	s.baseURL = strings.TrimRight(raw, "/")
	return nil
}

// SetHost sets the base URL from the value of the vendor's host option,
// through v.Host.
func (s *Settings) SetHost(v *Vendor, value string) error {
	u, err := v.Host(value)
	if err != nil {
		return err
	}
	s.hostURL = u
	return nil
}

// SetHTTPClient sets the client that sends each attempt. It is copied.
func (s *Settings) SetHTTPClient(hc *http.Client) error {
	if hc == nil {
		return errors.New("HTTP client is nil")
	}
	s.httpClient = hc
	return nil
}

// SetLogger sets the logger for per-attempt debug records.
func (s *Settings) SetLogger(l *slog.Logger) error {
	if l == nil {
		return errors.New("logger is nil")
	}
	s.logger = l
	return nil
}

// SetUserAgent sets a product token sent before "deskbridge/<version>".
func (s *Settings) SetUserAgent(ua string) error {
	ua = strings.TrimSpace(ua)
	if ua == "" || strings.ContainsFunc(ua, isControl) {
		return fmt.Errorf("user agent %q is empty or has control characters", ua)
	}
	s.userAgent = ua
	return nil
}

// SetMaxRetries sets how many times a failed request is retried; 0 turns
// retries off.
func (s *Settings) SetMaxRetries(n int) error {
	if n < 0 || n > maxMaxRetries {
		return fmt.Errorf("max retries %d is outside 0..%d", n, maxMaxRetries)
	}
	s.maxRetries, s.retriesSet = n, true
	return nil
}

// SetRetryWaitMax caps the backoff between retries.
func (s *Settings) SetRetryWaitMax(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("retry wait max %s is not positive", d)
	}
	s.retryWaitMax = d
	return nil
}

// SetMaxResponseSize bounds a successful response body, in bytes.
func (s *Settings) SetMaxResponseSize(n int64) error {
	if n <= 0 {
		return fmt.Errorf("max response size %d is not positive", n)
	}
	s.maxBody = n
	return nil
}

// SetClock replaces time.Now and the context-aware sleep of every wait
// (retries, pacing), for tests.
func (s *Settings) SetClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) {
	s.now, s.sleep = now, sleep
}

// Credential authenticates a client's requests. A vendor's credential
// option builds one (Static, or a TokenCache through Auth) and gives it to
// SetCredential; NewClient requires exactly one when the vendor names
// Credentials.
type Credential struct {
	option string
	// Secrets are values to scrub from every error string and log record
	// (the token, the password, the client secret). The Authorization
	// values the client sends are scrubbed anyway.
	Secrets []string
	// Auth returns the authenticator, given the client: a token cache
	// fetches its tokens through it (Request.NoAuth).
	Auth func(c *Client) (Authenticator, error)
}

// SetCredential records the credential of the option named option
// ("WithAPIToken"). Giving several is an error NewClient reports.
func (s *Settings) SetCredential(option string, cred Credential) {
	cred.option = option
	s.creds = append(s.creds, cred)
}

// CheckCredential refuses an empty credential or one with control
// characters (which could not travel in a header). what names it in the
// error: "API token".
func CheckCredential(what, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if strings.ContainsFunc(v, isControl) {
		return fmt.Errorf("%s has control characters", what)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func pick[T int | int64 | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}
