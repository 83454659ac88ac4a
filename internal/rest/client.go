package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/google/go-querystring/query"
	"github.com/hashicorp/go-retryablehttp"
)

// Client sends requests for one vendor and one tenant. It is safe for
// concurrent use; share one per tenant.
type Client struct {
	vendor           *Vendor
	base             *url.URL
	basePath         string // escaped, without trailing slash
	userAgent        []string
	header           http.Header
	idemHeader       string
	requestIDHeaders []string // canonical
	logger           *slog.Logger
	retry            *retryablehttp.Client
	auth             Authenticator
	reauth           Reauthenticator
	pacer            *pacer
	secrets          *Secrets
	policy           retryPolicy
	maxBody          int64
	now              func() time.Time
	sleep            func(context.Context, time.Duration) error
}

// NewClient builds the client of vendor v from the settings its options
// left. Most vendor packages call Build instead.
func NewClient(v *Vendor, s *Settings) (*Client, error) {
	if v.Name == "" {
		return nil, errNoVendorName
	}
	rawBase, err := s.resolveBaseURL(v)
	if err != nil {
		return nil, err
	}
	base, err := parseBaseURL(rawBase)
	if err != nil {
		return nil, v.refusef("base URL: %w", err)
	}
	cred, err := s.credential(v)
	if err != nil {
		return nil, err
	}
	c := &Client{
		vendor:     v,
		base:       base,
		basePath:   strings.TrimRight(base.EscapedPath(), "/"),
		header:     v.Header.Clone(),
		idemHeader: v.IdempotencyHeader,
		logger:     s.logger,
		secrets:    NewSecrets(),
		maxBody:    pick(s.maxBody, DefaultMaxResponseSize),
		now:        s.now,
		sleep:      s.sleep,
	}
	if c.header == nil {
		c.header = http.Header{}
	}
	ua := "deskbridge/" + deskbridge.Version
	if s.userAgent != "" {
		ua = s.userAgent + " " + ua
	}
	c.userAgent = []string{ua}
	if c.idemHeader == "" {
		c.idemHeader = "Idempotency-Key"
	}
	c.requestIDHeaders = RateLimitHeaders{Limit: v.RequestIDHeaders}.canonical().Limit
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = SleepContext
	}
	c.policy = retryPolicy{
		maxRetries:    pick(s.maxRetries, DefaultMaxRetries),
		waitMin:       pick(s.retryWaitMin, DefaultRetryWaitMin),
		waitMax:       pick(s.retryWaitMax, DefaultRetryWaitMax),
		maxServerWait: DefaultMaxServerWait,
		rateLimit:     v.RateLimit.canonical(),
	}
	if s.retriesSet {
		c.policy.maxRetries = s.maxRetries
	}
	c.policy.waitMin = min(c.policy.waitMin, c.policy.waitMax)
	c.pacer = &pacer{spec: c.policy.rateLimit, now: c.now, maxServerWait: c.policy.maxServerWait}
	if v.Budget != nil {
		basePath := c.basePath
		c.pacer.key = func(method, path string) string {
			return v.Budget(method, strings.TrimPrefix(path, basePath))
		}
	}

	hc := &http.Client{Timeout: DefaultAttemptTimeout}
	if s.httpClient != nil {
		copied := *s.httpClient
		hc = &copied
	}
	next := hc.Transport
	if next == nil {
		if s.httpClient != nil {
			next = http.DefaultTransport
		} else {
			t := http.DefaultTransport.(*http.Transport).Clone()
			t.MaxIdleConnsPerHost = 64
			next = t
		}
	}
	hc.Transport = &transport{next: next, c: c}
	hc.CheckRedirect = checkRedirect(base, c.basePath, hc.CheckRedirect)
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
		PrepareRetry: c.prepareRetry,
	}

	if cred != nil {
		c.secrets.addStatic(cred.Secrets...)
		auth, err := cred.Auth(c)
		if err != nil {
			return nil, v.refusef("%w", err)
		}
		c.auth = auth
		c.reauth, _ = auth.(Reauthenticator)
	}
	return c, nil
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

// BaseURL returns the client's base URL, e.g. "https://acme.zendesk.com".
func (c *Client) BaseURL() string { return c.base.String() }

// Vendor returns the vendor the client was built for.
func (c *Client) Vendor() *Vendor { return c.vendor }

// Secrets returns the set of credentials the client scrubs; a vendor adds
// the ones it learns at run time (a rotated refresh token).
func (c *Client) Secrets() *Secrets { return c.secrets }

// Logger returns the client's logger.
func (c *Client) Logger() *slog.Logger { return c.logger }

// Now returns the client's clock.
func (c *Client) Now() time.Time { return c.now() }

// Sleep waits d on the client's clock, or until ctx ends (it returns ctx's
// error then): the wait of a vendor method that polls (a background job).
func (c *Client) Sleep(ctx context.Context, d time.Duration) error { return c.sleep(ctx, d) }

// RateLimit returns the rate-limit budget last reported by the vendor.
func (c *Client) RateLimit() deskbridge.RateLimit { return c.pacer.snapshot() }

// Request is one API call.
type Request struct {
	// Method is the HTTP method; empty means GET.
	Method string
	// Path is appended to the base URL. Build it with Pathf so that ids are
	// escaped. An absolute URL is accepted when it lies below the base URL
	// (a vendor's next-page link).
	Path string
	// Query is an options struct with `url` tags (go-querystring), or
	// url.Values. Nil sends none.
	Query any
	// Body is sent as JSON; url.Values is sent as a form, json.RawMessage
	// as it is, [RawBody] as it is with its own content type (a multipart
	// upload). Nil sends no body. Every form is kept as bytes, so a retry
	// sends the same body again.
	Body any
	// Header adds or replaces headers for this call.
	Header http.Header
	// IdempotencyKey is sent in the vendor's idempotency header and makes a
	// POST safe to retry after a 5xx or a network error.
	IdempotencyKey string
	// Idempotent marks a POST or PATCH as safe to replay (the caller knows
	// the vendor applies it once).
	Idempotent bool
	// NotIdempotent marks a PUT or DELETE that must not be replayed after a
	// 5xx or a network error, because its first attempt may have been
	// applied and a second would change more (a ticket update that appends
	// a comment). A 429, and a failure before anything was sent, are still
	// retried. An IdempotencyKey overrides it.
	NotIdempotent bool
	// NoAuth sends the request without credentials and outside the
	// rate-limit budget: a token endpoint's request.
	NoAuth bool
}

// Response describes the final HTTP response of a call.
type Response struct {
	StatusCode int
	Header     http.Header
	// Attempts is the number of attempts made, 1 when the first succeeded.
	Attempts int
}

// Do sends req, retrying as the package doc describes, and decodes a 2xx
// JSON body into out (a pointer; *[]byte and *bytes.Buffer receive the raw
// body; nil discards). A non-2xx final response is returned as the vendor's error.
func (c *Client) Do(ctx context.Context, req *Request, out any) (Response, error) {
	hreq, st, err := c.newRequest(ctx, req)
	if err != nil {
		return Response{}, err
	}
	if err := c.await(ctx, st); err != nil {
		return Response{}, err
	}
	defer c.settle(st, nil) // an attempt that never reached the transport
	if !st.noAuth && c.auth != nil {
		if err := c.authenticate(hreq.Request); err != nil {
			return Response{}, c.transportError(ctx, st, &authError{err: err})
		}
	}
	resp, err := c.retry.Do(hreq)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return Response{}, c.transportError(ctx, st, err)
	}
	defer resp.Body.Close()
	r := Response{StatusCode: resp.StatusCode, Header: resp.Header, Attempts: st.attempts}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return r, c.apiError(st, resp)
	}
	if err := c.decodeBody(resp, out); err != nil {
		return r, c.vendor.errorf("%s %s: decoding the %d response: %w", st.method, st.path, resp.StatusCode, err)
	}
	return r, nil
}

// Get fetches path (with the query q, nil for none) and returns the member
// key of the JSON object it answers, decoded into a new T: "ticket" for
// {"ticket": {...}}. An empty key decodes the whole body. An answer
// without the member is an error.
func Get[T any](ctx context.Context, c *Client, path string, q any, key string) (*T, error) {
	return Send[T](ctx, c, &Request{Path: path, Query: q}, key)
}

// Send sends req and returns the member key of its answer decoded into a
// new T, as Get does.
func Send[T any](ctx context.Context, c *Client, req *Request, key string) (*T, error) {
	out := new(T)
	if key == "" {
		if _, err := c.Do(ctx, req, out); err != nil {
			return nil, err
		}
		return out, nil
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if _, err := c.Do(ctx, req, buf); err != nil {
		return nil, err
	}
	found, err := DecodeMember(buf.Bytes(), key, out)
	switch {
	case err != nil:
		return nil, c.vendor.errorf("%s %s: decoding %q: %w", req.method(), req.Path, key, err)
	case !found:
		return nil, c.vendor.errorf("%s %s: the answer has no %q", req.method(), req.Path, key)
	}
	return out, nil
}

// bufPool holds the buffers Send reads bodies into; the decoded values
// never alias them.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return bufPool.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return // let a large export's buffer go
	}
	b.Reset()
	bufPool.Put(b)
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
	switch r.method() {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

func (c *Client) newRequest(ctx context.Context, req *Request) (*retryablehttp.Request, *callState, error) {
	method := req.method()
	u, err := c.resolve(req.Path)
	if err != nil {
		return nil, nil, c.vendor.refusef("%s %s: %w", method, req.Path, err)
	}
	if req.Query != nil {
		if err := mergeQuery(u, req.Query); err != nil {
			return nil, nil, c.vendor.refusef("%s %s: query: %w", method, u.Path, err)
		}
	}
	body, contentType, err := encodeBody(req.Body)
	if err != nil {
		return nil, nil, c.vendor.refusef("%s %s: encoding the body: %w", method, u.Path, err)
	}
	st := &callState{method: method, path: u.Path, idempotent: req.isIdempotent(), noAuth: req.NoAuth}
	if c.pacer.key != nil && !st.noAuth {
		st.budget = c.pacer.key(method, st.path)
	}
	hreq, err := http.NewRequestWithContext(context.WithValue(ctx, stateKey{}, st), method, "", nil)
	if err != nil {
		return nil, nil, c.vendor.errorf("%w", err)
	}
	hreq.URL = u
	hreq.Host = u.Host
	h := make(http.Header, len(c.header)+4)
	for k, v := range c.header {
		h[k] = v
	}
	h["User-Agent"] = c.userAgent
	if contentType != "" {
		h["Content-Type"] = []string{contentType}
	}
	if req.IdempotencyKey != "" {
		h.Set(c.idemHeader, req.IdempotencyKey)
	}
	for k, v := range req.Header {
		h[http.CanonicalHeaderKey(k)] = v
	}
	hreq.Header = h
	rreq := &retryablehttp.Request{Request: hreq}
	if body != nil {
		if err := rreq.SetBody(body); err != nil {
			return nil, nil, c.vendor.errorf("%w", err)
		}
	}
	return rreq, st, nil
}

// authenticate sets the credentials of one attempt on req, which no
// attempt has been sent with yet.
func (c *Client) authenticate(req *http.Request) error {
	if st := stateFrom(req.Context()); st != nil {
		st.sent = req // what a 401 says is stale (Reauthenticator)
	}
	return c.auth.Authenticate(req)
}

// prepareRetry is go-retryablehttp's PrepareRetry: it authenticates the
// next attempt, on a copy of the header (the last attempt's may still be
// read by its connection).
func (c *Client) prepareRetry(req *http.Request) error {
	st := stateFrom(req.Context())
	if c.auth == nil || st == nil || st.noAuth {
		return nil
	}
	req.Header = req.Header.Clone()
	if err := c.authenticate(req); err != nil {
		return &authError{err: err}
	}
	return nil
}

func queryValues(q any) (url.Values, error) {
	if v, ok := q.(url.Values); ok {
		return v, nil
	}
	return query.Values(q)
}

func mergeQuery(u *url.URL, q any) error {
	vals, err := queryValues(q)
	if err != nil {
		return err
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

// RawBody is a [Request] body sent byte for byte with its content type,
// for what is neither JSON nor a form: a multipart/form-data upload, say.
type RawBody struct {
	ContentType string
	Data        []byte
}

func encodeBody(body any) ([]byte, string, error) {
	switch b := body.(type) {
	case nil:
		return nil, "", nil
	case url.Values:
		return []byte(b.Encode()), "application/x-www-form-urlencoded", nil
	case json.RawMessage:
		return b, "application/json", nil
	case RawBody:
		if b.ContentType == "" {
			return nil, "", errors.New("a raw body needs its content type")
		}
		return b.Data, b.ContentType, nil
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, "", err
		}
		return data, "application/json", nil
	}
}

// errTooLarge is the cause of a body past the client's limit.
type errTooLarge int64

func (e errTooLarge) Error() string {
	return fmt.Sprintf("the body is larger than %d bytes, the most this client reads (WithMaxResponseSize)", int64(e))
}

// decodeBody reads a 2xx body into out: a *[]byte or *bytes.Buffer gets it
// raw, nil discards it, anything else is decoded as JSON. A body larger
// than the client's limit is an error, never a truncated result.
func (c *Client) decodeBody(resp *http.Response, out any) error {
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		return nil
	}
	buf, pooled := out.(*bytes.Buffer)
	if !pooled {
		buf = getBuffer()
		defer putBuffer(buf)
	}
	if resp.ContentLength > c.maxBody {
		return errTooLarge(c.maxBody)
	}
	if resp.ContentLength > 0 {
		// What the server claims, up to 1 MiB: a claim is not a body.
		buf.Grow(int(min(resp.ContentLength, 1<<20)))
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return err
	}
	if n > c.maxBody {
		return errTooLarge(c.maxBody)
	}
	switch out := out.(type) {
	case *bytes.Buffer:
		return nil
	case *[]byte:
		*out = bytes.Clone(buf.Bytes())
		if *out == nil {
			*out = []byte{}
		}
		return nil
	}
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return nil // an empty 2xx body (a 204) leaves out as it was
	}
	return json.Unmarshal(buf.Bytes(), out)
}

func (c *Client) apiError(st *callState, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	wait, _ := serverWait(resp, c.policy.rateLimit, c.now())
	return c.vendorError(&ErrorInfo{
		APIError: deskbridge.APIError{
			Vendor:     c.vendor.Name,
			Method:     st.method,
			Path:       st.path,
			StatusCode: resp.StatusCode,
			RequestID:  c.requestID(resp.Header),
			RetryAfter: wait,
			Attempts:   st.attempts,
		},
		Header: resp.Header,
		Body:   c.secrets.ScrubBytes(body),
	})
}

// await takes the request's place in its rate-limit budget, waiting while
// the budget is spent. When it resets after the context's deadline, or
// later than MaxServerWait, nothing is sent and the vendor's 429 error
// returns at once, with the wait in its RetryAfter. Token requests are
// outside the budget.
func (c *Client) await(ctx context.Context, st *callState) error {
	if st.noAuth {
		return nil
	}
	for {
		hold, wake := c.pacer.acquire(st.budget)
		if wake != nil {
			// Spent, with requests in flight: their answers say more.
			select {
			case <-wake:
				continue
			case <-ctx.Done():
				return c.transportError(ctx, st, ctx.Err())
			}
		}
		if hold <= 0 {
			st.paced = true
			return nil
		}
		deadline, hasDeadline := ctx.Deadline()
		switch {
		case hasDeadline && c.now().Add(hold).After(deadline):
			return c.notSentError(st, hold, "after the context deadline")
		case hold > c.policy.maxServerWait:
			return c.notSentError(st, hold, fmt.Sprintf("later than the longest wait this client takes (%s)", c.policy.maxServerWait))
		}
		if c.logger.Enabled(ctx, slog.LevelDebug) {
			c.logger.LogAttrs(ctx, slog.LevelDebug, "deskbridge http pacing",
				slog.String("vendor", c.vendor.Name), slog.String("method", st.method),
				slog.String("path", st.path), slog.Duration("wait", hold))
		}
		if err := c.sleep(ctx, hold); err != nil {
			return c.transportError(ctx, st, err)
		}
	}
}

// settle gives back the request's place in its budget, once per attempt,
// with what the attempt's response (nil: none) says of the budget.
//
// A redirect runs the transport once per hop: the first hop gives the
// place back; the later ones only record what their answers say.
func (c *Client) settle(st *callState, resp *http.Response) {
	switch {
	case st.paced:
		st.paced = false
		c.pacer.release(st.budget, resp)
	case resp != nil && !st.noAuth:
		c.pacer.note(st.budget, resp)
	}
}

// transportError wraps a failure that produced no final response.
func (c *Client) transportError(ctx context.Context, st *callState, err error) error {
	if te := (*deskbridge.TransportError)(nil); errors.As(err, &te) {
		return te // made already (a retry's wait for its budget ended with the context)
	}
	cause := unwrapURLError(err)
	msg := c.secrets.Scrub(cause.Error())
	var wrapped error
	switch {
	case ctx.Err() != nil:
		// The caller's context ended the call: its error is the cause.
		wrapped = &scrubbedError{msg: msg, err: ctx.Err()}
		if !errors.Is(cause, ctx.Err()) {
			wrapped = &scrubbedError{msg: msg, err: errors.Join(ctx.Err(), cause)}
		}
	case isAuthError(err):
		wrapped = &scrubbedError{msg: msg, err: cause}
	default:
		wrapped = &unavailableError{scrubbedError{msg: msg, err: cause}}
	}
	return &deskbridge.TransportError{
		Vendor:   c.vendor.Name,
		Method:   st.method,
		Path:     st.path,
		Attempts: st.attempts,
		Err:      wrapped,
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

// transport feeds every attempt's response to the pacer and times the
// attempt.
//
// It does not implement CloseIdleConnections, on purpose: go-retryablehttp
// calls it after every call it gives up on, which would close the whole
// pool that the client's other goroutines share.
type transport struct {
	next http.RoundTripper
	c    *Client
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := stateFrom(req.Context())
	if st != nil {
		st.start = t.c.now()
	}
	resp, err := t.next.RoundTrip(req)
	if st != nil {
		t.c.settle(st, resp)
	}
	return resp, err
}
