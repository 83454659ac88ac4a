package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/google/go-querystring/query"
	"github.com/hashicorp/go-retryablehttp"
)

// Defaults used when a Config field is zero.
const (
	DefaultMaxRetries   = 3
	DefaultRetryWaitMin = 250 * time.Millisecond
	DefaultRetryWaitMax = 30 * time.Second
	// DefaultMaxServerWait bounds a wait that the server asked for
	// (Retry-After, reset header). A longer one is not waited for: the error
	// is returned at once and carries the wait so the caller can reschedule.
	DefaultMaxServerWait = 5 * time.Minute
	// DefaultAttemptTimeout bounds one attempt when the client builds its own
	// http.Client. A caller-supplied http.Client keeps its own Timeout.
	DefaultAttemptTimeout = 60 * time.Second
	// MaxErrorBody is how much of an error response body is read.
	MaxErrorBody = 1 << 20
)

// Config describes a vendor's API and a tenant's settings. Vendor packages
// fill it from their options; zero values mean the defaults above.
type Config struct {
	// Vendor names the vendor in logs and error strings ("zendesk").
	Vendor string
	// BaseURL is the scheme, host and optional path prefix every request
	// path is appended to. Required.
	BaseURL string
	// HTTPClient sends each attempt. It is copied, never modified. Nil means
	// a client with its own pooled transport and DefaultAttemptTimeout.
	HTTPClient *http.Client
	// Auth sets credentials on each attempt. Nil sends none.
	Auth Authenticator
	// Secrets are credentials to scrub from error strings and logs, beyond
	// the Authorization values that Auth sets (those are scrubbed anyway).
	Secrets []string
	// SecretSet, when set, is the set the client scrubs with (Secrets are
	// added to it): share one between the clients of one tenant so that a
	// credential either learns is scrubbed by both.
	SecretSet *Secrets
	// UserAgent is a product token sent before "deskbridge/<version>".
	UserAgent string
	// Header holds headers sent with every request (e.g. Accept).
	Header http.Header
	// Logger receives one debug record per attempt. Nil discards.
	Logger *slog.Logger

	// MaxRetries is the number of retries after the first attempt. Zero
	// means DefaultMaxRetries; a negative value disables retries.
	MaxRetries    int
	RetryWaitMin  time.Duration
	RetryWaitMax  time.Duration
	MaxServerWait time.Duration

	// IdempotencyHeader is the header that carries Request.IdempotencyKey.
	// Empty means "Idempotency-Key".
	IdempotencyHeader string
	// RateLimit says which response headers carry the vendor's budget.
	RateLimit RateLimitHeaders
	// RateLimitKey names the budget a request draws on, for a vendor whose
	// budgets are per endpoint (Braze): a spent budget then holds only the
	// requests on the same key. Nil means one budget for the client.
	RateLimitKey func(method, path string) string
	// NewError turns a non-2xx response into the vendor's error type. Nil
	// means a generic *StatusError.
	NewError func(*ErrorInfo) error

	// Clock and Sleep replace time.Now and a context-aware sleep in tests.
	Clock func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client sends requests for one vendor and one tenant. It is safe for
// concurrent use; share one per tenant.
type Client struct {
	vendor     string
	base       *url.URL
	basePath   string // escaped, without trailing slash
	userAgent  string
	header     http.Header
	idemHeader string
	newError   func(*ErrorInfo) error
	logger     *slog.Logger
	retry      *retryablehttp.Client
	reauth     Reauthenticator
	pacer      *pacer
	secrets    *Secrets
	policy     retryPolicy
	now        func() time.Time
	sleep      func(context.Context, time.Duration) error
}

// New validates cfg and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.Vendor == "" {
		return nil, errors.New("rest: Config.Vendor is empty")
	}
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("%s: base URL: %w", cfg.Vendor, err)
	}
	c := &Client{
		vendor:     cfg.Vendor,
		base:       base,
		basePath:   strings.TrimRight(base.EscapedPath(), "/"),
		header:     cfg.Header.Clone(),
		idemHeader: cfg.IdempotencyHeader,
		newError:   cfg.NewError,
		logger:     cfg.Logger,
		secrets:    cfg.SecretSet,
		now:        cfg.Clock,
		sleep:      cfg.Sleep,
	}
	if c.header == nil {
		c.header = http.Header{}
	}
	if c.secrets == nil {
		c.secrets = NewSecrets()
	}
	c.secrets.addStatic(cfg.Secrets...)
	c.userAgent = "deskbridge/" + deskbridge.Version
	if ua := strings.TrimSpace(cfg.UserAgent); ua != "" {
		c.userAgent = ua + " " + c.userAgent
	}
	if c.idemHeader == "" {
		c.idemHeader = "Idempotency-Key"
	}
	if c.newError == nil {
		c.newError = newStatusError
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepContext
	}
	c.policy = retryPolicy{
		maxRetries:    pick(cfg.MaxRetries, DefaultMaxRetries),
		waitMin:       pick(cfg.RetryWaitMin, DefaultRetryWaitMin),
		waitMax:       pick(cfg.RetryWaitMax, DefaultRetryWaitMax),
		maxServerWait: pick(cfg.MaxServerWait, DefaultMaxServerWait),
		rateLimit:     cfg.RateLimit,
	}
	if cfg.MaxRetries < 0 {
		c.policy.maxRetries = 0
	}
	if c.policy.waitMin > c.policy.waitMax {
		c.policy.waitMin = c.policy.waitMax
	}
	c.pacer = &pacer{spec: cfg.RateLimit, now: c.now, key: cfg.RateLimitKey}

	hc := &http.Client{Timeout: DefaultAttemptTimeout}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	next := hc.Transport
	if next == nil {
		if cfg.HTTPClient != nil {
			next = http.DefaultTransport
		} else {
			t := http.DefaultTransport.(*http.Transport).Clone()
			t.MaxIdleConnsPerHost = 64
			next = t
		}
	}
	hc.Transport = &transport{next: next, c: c, auth: cfg.Auth}
	c.reauth, _ = cfg.Auth.(Reauthenticator)

	c.retry = &retryablehttp.Client{
		HTTPClient: hc,
		Logger:     nil, // its default logger prints to stderr
		// One more than the policy allows, for the resend after a stale
		// credential's 401; checkRetry enforces the policy itself.
		RetryMax:   c.policy.maxRetries + 1,
		CheckRetry: c.checkRetry,
		// checkRetry has already waited (it can see the context and the
		// injected clock); go-retryablehttp's own timer waits for nothing.
		Backoff:      func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 },
		ErrorHandler: func(resp *http.Response, err error, _ int) (*http.Response, error) { return resp, err },
	}
	return c, nil
}

func pick[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("scheme %q is not http or https", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("no host")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("must not carry user info, a query or a fragment")
	}
	return u, nil
}

// BaseURL returns a copy of the client's base URL.
func (c *Client) BaseURL() *url.URL {
	u := *c.base
	return &u
}

// Vendor returns the vendor name the client was built with.
func (c *Client) Vendor() string { return c.vendor }

// RateLimit returns the rate-limit budget last reported by the vendor.
func (c *Client) RateLimit() RateLimit { return c.pacer.snapshot() }

// Request is one API call.
type Request struct {
	Method string
	// Path is appended to the base URL. Build it with Pathf so that IDs are
	// escaped. An absolute URL is accepted when it points below the base
	// URL (next-page links).
	Path string
	// Query is an options struct with `url` tags (go-querystring), or
	// url.Values. Nil sends none.
	Query any
	// Body is sent as JSON; url.Values is sent as a form, json.RawMessage
	// as is. Nil sends no body.
	Body any
	// Header adds or replaces headers for this call.
	Header http.Header
	// IdempotencyKey is sent in the vendor's idempotency header and makes a
	// POST safe to retry after a 5xx or a network error.
	IdempotencyKey string
	// Idempotent marks a POST or PATCH as safe to replay (the caller knows the
	// vendor applies it once).
	Idempotent bool
	// NotIdempotent marks a PUT or DELETE that must not be replayed after a
	// 5xx or a network error, because its first attempt may have been
	// applied and a second would change more (a ticket update that appends
	// a comment). A 429, and a failure before anything was sent, are still
	// retried. An IdempotencyKey overrides it.
	NotIdempotent bool
	// NoAuth sends the request without credentials (token endpoints).
	NoAuth bool
}

// Response describes the final HTTP response of a call.
type Response struct {
	StatusCode int
	Header     http.Header
	// Attempts is the number of attempts made, 1 when the first succeeded.
	Attempts  int
	RateLimit RateLimit
}

// Do sends req, retrying as the package doc describes, and decodes a 2xx
// JSON body into out (a pointer; *[]byte receives the raw body; nil
// discards). A non-2xx final response is returned as the vendor's error.
func (c *Client) Do(ctx context.Context, req *Request, out any) (*Response, error) {
	if req.Method == "" {
		r := *req // the caller's request is not ours to change
		r.Method = http.MethodGet
		req = &r
	}
	hreq, err := c.newRequest(ctx, req)
	if err != nil {
		return nil, err
	}
	st := &callState{method: hreq.Method, path: hreq.URL.Path, idempotent: req.isIdempotent(), noAuth: req.NoAuth}
	st.budget = c.pacer.keyOf(st.method, st.path)
	hreq.Request = hreq.Request.WithContext(context.WithValue(hreq.Context(), stateKey{}, st))
	if err := c.awaitBudget(ctx, st); err != nil {
		return nil, err
	}

	resp, err := c.retry.Do(hreq)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, c.transportError(ctx, st, err)
	}
	defer resp.Body.Close()
	r := &Response{StatusCode: resp.StatusCode, Header: resp.Header, Attempts: st.attempts, RateLimit: c.pacer.snapshot()}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return r, c.apiError(st, resp)
	}
	if err := decodeBody(resp, out); err != nil {
		return r, fmt.Errorf("%s: %s %s: decoding the %d response: %w", c.vendor, st.method, st.path, resp.StatusCode, err)
	}
	return r, nil
}

func (r *Request) isIdempotent() bool {
	if r.IdempotencyKey != "" {
		return true
	}
	if r.NotIdempotent {
		return false
	}
	if r.Idempotent {
		return true
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

func (c *Client) newRequest(ctx context.Context, req *Request) (*retryablehttp.Request, error) {
	method := req.Method
	u, err := c.resolve(req.Path)
	if err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", c.vendor, method, req.Path, err)
	}
	if req.Query != nil {
		if err := mergeQuery(u, req.Query); err != nil {
			return nil, fmt.Errorf("%s: %s %s: query: %w", c.vendor, method, u.Path, err)
		}
	}
	body, contentType, err := encodeBody(req.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %s %s: encoding the body: %w", c.vendor, method, u.Path, err)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, "", nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.vendor, err)
	}
	hreq.URL = u
	hreq.Host = u.Host
	for k, v := range c.header {
		hreq.Header[k] = v
	}
	hreq.Header.Set("User-Agent", c.userAgent)
	if contentType != "" {
		hreq.Header.Set("Content-Type", contentType)
	}
	if req.IdempotencyKey != "" {
		hreq.Header.Set(c.idemHeader, req.IdempotencyKey)
	}
	for k, v := range req.Header {
		hreq.Header[http.CanonicalHeaderKey(k)] = v
	}
	rreq := &retryablehttp.Request{Request: hreq}
	if body != nil {
		if err := rreq.SetBody(body); err != nil {
			return nil, fmt.Errorf("%s: %w", c.vendor, err)
		}
	}
	return rreq, nil
}

func mergeQuery(u *url.URL, q any) error {
	var vals url.Values
	switch q := q.(type) {
	case url.Values:
		vals = q
	default:
		v, err := query.Values(q)
		if err != nil {
			return err
		}
		vals = v
	}
	if len(vals) == 0 {
		return nil
	}
	if u.RawQuery == "" {
		u.RawQuery = vals.Encode()
		return nil
	}
	existing := u.Query()
	for k, v := range vals {
		existing[k] = v
	}
	u.RawQuery = existing.Encode()
	return nil
}

func encodeBody(body any) ([]byte, string, error) {
	switch b := body.(type) {
	case nil:
		return nil, "", nil
	case url.Values:
		return []byte(b.Encode()), "application/x-www-form-urlencoded", nil
	case json.RawMessage:
		return b, "application/json", nil
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, "", err
		}
		return data, "application/json", nil
	}
}

func decodeBody(resp *http.Response, out any) error {
	defer io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	switch out := out.(type) {
	case nil:
		return nil
	case *[]byte:
		b, err := io.ReadAll(resp.Body)
		*out = b
		return err
	}
	if resp.StatusCode == http.StatusNoContent {
		return nil
	}
	err := json.NewDecoder(resp.Body).Decode(out)
	if errors.Is(err, io.EOF) {
		return nil // an empty 2xx body leaves out as it was
	}
	return err
}

func (c *Client) apiError(st *callState, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	info := &ErrorInfo{
		Vendor:     c.vendor,
		Method:     st.method,
		Path:       st.path,
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		Body:       c.secrets.scrubBytes(body),
		RetryAfter: max(serverWait(resp, c.policy.rateLimit, c.now()), 0), // -1 means none asked
		Attempts:   st.attempts,
	}
	return c.newError(info)
}

// awaitBudget holds the first attempt while the rate-limit budget is spent.
// (Retries wait for it in checkRetry.) When the budget resets after the
// context's deadline, or later than MaxServerWait, nothing is sent and the
// vendor's 429 error returns at once, with the wait in its RetryAfter.
func (c *Client) awaitBudget(ctx context.Context, st *callState) error {
	hold := c.pacer.holdFor(st.budget)
	if hold <= 0 {
		return nil
	}
	deadline, hasDeadline := ctx.Deadline()
	switch {
	case hasDeadline && c.now().Add(hold).After(deadline):
		return c.notSent(st, hold, "after the context deadline")
	case hold > c.policy.maxServerWait:
		return c.notSent(st, hold, fmt.Sprintf("later than the longest wait this client takes (%s)", c.policy.maxServerWait))
	}
	if c.logger.Enabled(ctx, slog.LevelDebug) {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "deskbridge http pacing",
			slog.String("vendor", c.vendor), slog.String("method", st.method),
			slog.String("path", st.path), slog.Duration("wait", hold))
	}
	if err := c.sleep(ctx, hold); err != nil {
		return c.transportError(ctx, st, err)
	}
	return nil
}

// notSent is the vendor's 429 for a request held back by a spent budget.
func (c *Client) notSent(st *callState, hold time.Duration, when string) error {
	return c.newError(&ErrorInfo{
		Vendor: c.vendor, Method: st.method, Path: st.path,
		StatusCode: http.StatusTooManyRequests, RetryAfter: hold, NotSent: true,
		Message: fmt.Sprintf("rate-limit budget spent; it resets in %s, %s, so the request was not sent", hold.Round(time.Millisecond), when),
	})
}

// transportError wraps a failure that produced no final response.
func (c *Client) transportError(ctx context.Context, st *callState, err error) error {
	return &TransportError{
		callerGone: ctx.Err() != nil,
		Vendor:     c.vendor,
		Method:     st.method,
		Path:       st.path,
		Attempts:   st.attempts,
		msg:        c.secrets.Scrub(unwrapURLError(err).Error()),
		err:        err,
	}
}

// unwrapURLError drops the *url.Error layer, whose text repeats the full
// URL (query included) that the TransportError already names by path.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// TransportError is returned when a call ended without a response: a network
// failure that outlasted the retries, a cancelled context, or an
// authentication step that failed before sending. It matches
// deskbridge.ErrUnavailable unless the context ended it, in which case it
// matches context.Canceled or context.DeadlineExceeded.
type TransportError struct {
	Vendor, Method, Path string
	Attempts             int
	msg                  string
	err                  error
	callerGone           bool // the caller's context ended the call
}

func (e *TransportError) Error() string {
	s := fmt.Sprintf("%s: %s %s: %s", e.Vendor, e.Method, e.Path, e.msg)
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (gave up after %d attempts)", e.Attempts)
	}
	return s
}

// Unwrap returns the cause and, for network failures, deskbridge.ErrUnavailable.
func (e *TransportError) Unwrap() []error {
	if e.callerGone || isAuthError(e.err) {
		return []error{e.err}
	}
	return []error{e.err, deskbridge.ErrUnavailable}
}
