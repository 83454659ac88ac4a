package rest

import (
	"errors"
	"net/http"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/snippet"
)

// ErrorInfo is what a vendor's DecodeError receives to build its error.
type ErrorInfo struct {
	// APIError is filled with everything but Code and Message, which the
	// vendor reads from Body.
	deskbridge.APIError
	// Header is the response's header (nil when NotSent).
	Header http.Header
	// Body is the response body, read up to MaxErrorBody bytes, with every
	// credential the client knows replaced by "[redacted]" in any spelling.
	Body []byte
}

// Snippet returns the start of a body that is not JSON as one line of at
// most n bytes, for an error's Message.
func Snippet(body []byte, n int) string { return snippet.Line(body, n) }

// vendorError builds the vendor's error for info and scrubs what the
// vendor read from the body once more: a credential split across JSON
// members, or decoded from an escape the body scrub did not know, must not
// survive into the message.
func (c *Client) vendorError(info *ErrorInfo) error {
	var err error
	if c.vendor.DecodeError != nil {
		err = c.vendor.DecodeError(info)
	} else {
		e := info.APIError
		if !e.NotSent {
			e.Message = Snippet(info.Body, 200)
		}
		err = &e
	}
	var apiErr *deskbridge.APIError
	if errors.As(err, &apiErr) {
		apiErr.Code = c.secrets.Scrub(apiErr.Code)
		apiErr.Message = c.secrets.Scrub(apiErr.Message)
	}
	return err
}

// requestID reads the vendor's request id header.
func (c *Client) requestID(h http.Header) string {
	if v, ok := first(h, c.requestIDHeaders); ok {
		return Snippet([]byte(v), 100)
	}
	return ""
}

// notSentError is the vendor's 429 for a request held back by a spent
// budget.
func (c *Client) notSentError(st *callState, hold time.Duration, why string) error {
	return c.vendorError(&ErrorInfo{APIError: deskbridge.APIError{
		Vendor: c.vendor.Name, Method: st.method, Path: st.path,
		StatusCode: http.StatusTooManyRequests, RetryAfter: hold, NotSent: true,
		Message: "rate-limit budget spent; it resets in " + hold.Round(time.Millisecond).String() + ", " + why + ", so the request was not sent",
	}})
}

// scrubbedError carries a cause whose text has been scrubbed of
// credentials; errors.Is and errors.As still reach the cause.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// unavailableError is a network failure: it matches
// deskbridge.ErrUnavailable besides its cause.
type unavailableError struct{ scrubbedError }

func (e *unavailableError) Unwrap() []error { return []error{e.err, deskbridge.ErrUnavailable} }
