package rest

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge"
)

// callState follows one Do call through go-retryablehttp's loop, which hands
// our hooks only the request context.
type callState struct {
	method, path string
	idempotent   bool
	noAuth       bool
	attempts     int
	start        time.Time     // of the current attempt
	budget       string        // the rate-limit budget key
	paced        bool          // the attempt holds a place in its budget
	sent         *http.Request // the attempt as authenticated, credential and all
	reauthed     bool          // the one resend after a stale credential's 401 is spent
}

type stateKey struct{}

func stateFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(stateKey{}).(*callState)
	return st
}

type retryPolicy struct {
	maxRetries    int
	waitMin       time.Duration
	waitMax       time.Duration
	maxServerWait time.Duration
	rateLimit     RateLimitHeaders
}

// checkRetry is go-retryablehttp's CheckRetry. It decides whether the
// attempt is retried, waits before the retry (go-retryablehttp's own timer
// can neither see the context deadline nor be faked in tests), and logs the
// attempt.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateFrom(ctx)
	st.attempts++
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	if status == http.StatusUnauthorized && c.reauth != nil && !st.noAuth && !st.reauthed && ctx.Err() == nil {
		// A 401 was not processed: drop the credential it carried, and
		// send the request once more with another.
		st.reauthed = true
		c.reauth.Invalidate(st.sent)
		c.logAttempt(ctx, st, status, 0, err)
		keepBody(resp) // the resend may yet be held back: this answer is then the call's
		return c.awaitRetry(ctx, st)
	}
	if !c.retryable(ctx, st, resp, err) || st.attempts > c.policy.maxRetries+boolInt(st.reauthed) {
		c.logAttempt(ctx, st, status, 0, err)
		return false, nil
	}
	wait, fromServer := c.retryWait(resp, st.attempts)
	if !st.noAuth {
		if hold := c.pacer.holdFor(st.budget); hold > wait {
			wait, fromServer = hold, true
		}
	}
	if fromServer && wait > c.policy.maxServerWait {
		c.logAttempt(ctx, st, status, 0, err)
		return false, nil // too long to hold the caller: hand back the error with its RetryAfter
	}
	if deadline, ok := ctx.Deadline(); ok && c.now().Add(wait).After(deadline) {
		c.logAttempt(ctx, st, status, 0, err)
		return false, nil // the retry could not finish in time: fail now with this error
	}
	c.logAttempt(ctx, st, status, wait, err)
	keepBody(resp) // free the connection before waiting; the retry may yet be held back
	if err := c.sleep(ctx, wait); err != nil {
		return false, err
	}
	return c.awaitRetry(ctx, st)
}

// awaitRetry takes the retry's place in its rate-limit budget: a retry is
// one more request on it, and waiting for the budget keeps it from running
// into the same spent window.
func (c *Client) awaitRetry(ctx context.Context, st *callState) (bool, error) {
	if err := c.await(ctx, st); err != nil {
		var apiErr *deskbridge.APIError
		if errors.As(err, &apiErr) {
			return false, nil // held past the deadline: hand back this attempt's error
		}
		return false, err
	}
	return true, nil
}

// keepBody reads the body of a response that is about to be retried into
// memory (up to MaxErrorBody) and closes it, so that its connection can be
// reused while the retry waits: if the retry is then given up (held past
// the deadline), this response is the call's answer, and its error still
// has the vendor's words.
func keepBody(resp *http.Response) {
	if resp == nil {
		return
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// retryable is the retry policy: 429 always (the request was not processed);
// 5xx and network errors only for idempotent requests, except failures that
// happened before anything was sent, which are safe for any request.
func (c *Client) retryable(ctx context.Context, st *callState, resp *http.Response, err error) bool {
	if ctx.Err() != nil {
		return false // the caller is gone (an attempt's own timeout is retried below)
	}
	if err != nil {
		if isAuthError(err) {
			return false
		}
		if permanentNetworkError(err) {
			return false
		}
		return st.idempotent || notSent(err)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true
	case resp.StatusCode == http.StatusNotImplemented, resp.StatusCode == http.StatusHTTPVersionNotSupported:
		return false
	case resp.StatusCode >= 500:
		return st.idempotent
	}
	return false
}

// notSent reports an error from dialing: no byte of the request left, so
// even a POST can be retried.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func permanentNetworkError(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.Is(err, errRedirect) || errors.Is(err, errTooManyRedirects)
}

// retryWait is the wait before the next attempt: what the server asked for
// when it said, else exponential backoff with jitter.
func (c *Client) retryWait(resp *http.Response, attempt int) (wait time.Duration, fromServer bool) {
	if resp != nil {
		if d, ok := serverWait(resp, c.policy.rateLimit, c.now()); ok {
			return d, true
		}
	}
	return backoff(c.policy.waitMin, c.policy.waitMax, attempt), false
}

// serverWait reads the wait a response asks for: its Retry-After (delta
// seconds or HTTP-date), else, for a 429 or a response that says the
// budget is spent (remaining 0), the time to the vendor's reset. It
// reports false when the response asks for no wait.
func serverWait(resp *http.Response, spec RateLimitHeaders, now time.Time) (time.Duration, bool) {
	if vs := resp.Header["Retry-After"]; len(vs) > 0 {
		if d, ok := ParseRetryAfter(vs[0], now); ok {
			return d, true
		}
	}
	spent := resp.StatusCode == http.StatusTooManyRequests
	if !spent {
		remaining, ok := spec.count(resp.Header, spec.Remaining)
		spent = ok && remaining == 0
	}
	if spent {
		if reset, ok := spec.reset(resp.Header, now); ok {
			return max(reset.Sub(now), 0), true
		}
	}
	return 0, false
}

// ParseRetryAfter parses a Retry-After value, delta seconds or an HTTP-date,
// relative to now. A date in the past means no wait.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if !(secs >= 0 && secs <= maxRetryAfter.Seconds()) { // also refuses NaN
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := max(t.Sub(now), 0)
		if d > maxRetryAfter {
			return 0, false
		}
		return d, true
	}
	return 0, false
}

// maxRetryAfter bounds a credible Retry-After (about 31 years); a larger
// one is treated as absent.
const maxRetryAfter = 1e9 * time.Second

// backoff is min·2^(attempt-1) capped at max, then jittered down by up to a
// half so that clients that failed together do not retry together.
func backoff(minWait, maxWait time.Duration, attempt int) time.Duration {
	d := maxWait
	if attempt < 32 {
		if exp := minWait << (attempt - 1); exp > 0 && exp < maxWait {
			d = exp
		}
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// SleepContext waits d, or until ctx ends, whichever comes first, and
// returns ctx's error if it ended. It is the wait of every client and of
// the fakes' deliveries, unless a test injects its own.
func SleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) logAttempt(ctx context.Context, st *callState, status int, wait time.Duration, err error) {
	if !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("vendor", c.vendor.Name),
		slog.String("method", st.method),
		slog.String("path", st.path),
		slog.Int("status", status),
		slog.Int("attempt", st.attempts),
		slog.Duration("wait", wait),
		slog.Duration("elapsed", c.now().Sub(st.start)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", c.secrets.Scrub(unwrapURLError(err).Error())))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "deskbridge http attempt", attrs...)
}
