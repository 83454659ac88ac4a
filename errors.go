package deskbridge

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/snippet"
)

// Cross-vendor error kinds, matched with [errors.Is]. An error for a
// request the vendor refused matches the kind of its HTTP status (see
// [KindOf]; a status with no kind, such as a 405, matches none); a network
// failure that outlasted the retries matches [ErrUnavailable]; input the
// client refused before sending matches [ErrInvalid].
var (
	// ErrUnauthorized: the credentials were missing, wrong or expired
	// (401), or an OAuth token endpoint refused them (invalid_grant,
	// invalid_client, unauthorized_client, even with a 400).
	ErrUnauthorized = errors.New("deskbridge: unauthorized")
	// ErrForbidden: the credentials are valid but lack a permission or scope (403).
	ErrForbidden = errors.New("deskbridge: forbidden")
	// ErrNotFound: the resource or endpoint does not exist (404).
	ErrNotFound = errors.New("deskbridge: not found")
	// ErrConflict: the request conflicts with the resource's current state (409).
	ErrConflict = errors.New("deskbridge: conflict")
	// ErrInvalid: the vendor rejected the input (400, 422), or the client
	// refused it before sending.
	ErrInvalid = errors.New("deskbridge: invalid request")
	// ErrRateLimited: the vendor's rate limit was hit and the retries, if
	// any, did not get through (429), or the client held the request back
	// because the budget resets too late (see [APIError.NotSent]).
	ErrRateLimited = errors.New("deskbridge: rate limited")
	// ErrUnavailable: the vendor failed (5xx) or could not be reached, and
	// the retries, if any, did not get through.
	ErrUnavailable = errors.New("deskbridge: vendor unavailable")
)

// KindOf returns the kind an HTTP status maps to, or nil for a status that
// maps to none (a 2xx, a 3xx, an unusual 4xx such as 405).
func KindOf(status int) error {
	switch {
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusConflict:
		return ErrConflict
	case status == http.StatusBadRequest, status == http.StatusUnprocessableEntity:
		return ErrInvalid
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500 && status <= 599:
		return ErrUnavailable
	}
	return nil
}

// APIError is what every vendor's error type shares: a non-2xx answer from
// the vendor, or a request the client held back without sending it
// (NotSent). Each vendor's *Error embeds it and adds the vendor's detail
// (zendesk.Error's per-field validation errors, braze.Error's minor
// errors…).
//
// It unwraps to the kind of its status, so [errors.Is] works the same for
// every vendor, and [errors.As] reaches it from any vendor's error:
//
//	var apiErr *deskbridge.APIError
//	if errors.As(err, &apiErr) {
//		log.Printf("%s said %d (request %s); retry in %s", apiErr.Vendor, apiErr.StatusCode, apiErr.RequestID, apiErr.RetryAfter)
//	}
//
// No field ever holds a credential: the client removes every credential it
// knows from the body before the vendor's detail is read from it, in any
// encoding the vendor may echo it back in.
type APIError struct {
	// Vendor names the vendor: "zendesk", "babelforce", "braze"…
	Vendor string
	// Method and Path name the request: "GET", "/api/v2/tickets/42".
	Method, Path string
	// StatusCode is the HTTP status of the last response, or 429 for a
	// request held back (NotSent).
	StatusCode int
	// Code is the vendor's error code, when it gives one: "RecordNotFound",
	// "invalid_grant"…
	Code string
	// Message is the vendor's description of the error, on one line.
	Message string
	// RequestID identifies the request in the vendor's logs, when the
	// response carried one: quote it to the vendor's support.
	RequestID string
	// RetryAfter is the wait the vendor asked for (Retry-After, or the
	// reset of a spent rate-limit budget); zero when it asked for none.
	RetryAfter time.Duration
	// Attempts is how many times the request was sent; 0 when NotSent.
	Attempts int
	// NotSent reports an error the client produced without sending the
	// request: the rate-limit budget is spent and resets after the
	// context's deadline, or later than the longest wait the client
	// takes. RetryAfter is the time to the reset.
	NotSent bool
}

// MaxDetail bounds the vendor's words in an error string: an error is one
// line for a log, never a dumped body.
const MaxDetail = 500

// Error renders the error on one line:
//
//	zendesk: GET /api/v2/tickets/42: 404 Not Found: RecordNotFound: Not found [request 7c3e…] (gave up after 4 attempts)
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s: %d", e.Vendor, e.Method, e.Path, e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	detail := e.Message
	if e.Code != "" && e.Code != e.Message {
		detail = strings.TrimSuffix(e.Code+": "+e.Message, ": ")
	}
	if detail = snippet.Line([]byte(detail), MaxDetail); detail != "" {
		b.WriteString(": " + detail)
	}
	if e.RequestID != "" {
		b.WriteString(" [request " + snippet.Line([]byte(e.RequestID), 100) + "]")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (gave up after %d attempts)", e.Attempts)
	}
	return b.String()
}

// Unwrap returns the kind of the status (see [KindOf]). One exception: an
// OAuth token endpoint's answer that the credentials are wrong or dead
// (RFC 6749 §5.2: invalid_grant, invalid_client, unauthorized_client),
// which comes with a 400, matches [ErrUnauthorized]: the fix is new
// credentials, not a different request.
func (e *APIError) Unwrap() error {
	if e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnauthorized {
		switch e.Code {
		case "invalid_grant", "invalid_client", "unauthorized_client":
			return ErrUnauthorized
		}
	}
	return KindOf(e.StatusCode)
}

// As makes [errors.As] with a **APIError target work on any vendor's
// error, which embeds an APIError.
func (e *APIError) As(target any) bool {
	if p, ok := target.(**APIError); ok {
		*p = e
		return true
	}
	return false
}

// TransportError is returned when a call ended without an answer from the
// vendor: a network failure that outlasted the retries, the caller's
// context ending the call, or a failure to obtain credentials before
// sending. Err says which: it matches [ErrUnavailable] for a network
// failure, the context's error ([context.Canceled],
// [context.DeadlineExceeded]) when the caller's context ended the call, and
// the token endpoint's own error when a token could not be obtained.
//
// Err's text is free of credentials, like every error the clients return.
type TransportError struct {
	// Vendor, Method and Path name the request.
	Vendor, Method, Path string
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the cause.
	Err error
}

// Error renders the error on one line: vendor, method, path, the cause and
// the attempts made.
func (e *TransportError) Error() string {
	s := fmt.Sprintf("%s: %s %s: %v", e.Vendor, e.Method, e.Path, e.Err)
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (gave up after %d attempts)", e.Attempts)
	}
	return s
}

// Unwrap returns Err.
func (e *TransportError) Unwrap() error { return e.Err }
