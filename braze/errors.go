package braze

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// Error is a Braze API error: a non-2xx answer, which Braze calls fatal
// ("nothing is sent" for a 4xx), or a request the client held back without
// sending it (NotSent). Its body is the envelope
// {"message": "...", "errors": [...]}.
//
// It unwraps to the deskbridge kind of its status, so
// errors.Is(err, deskbridge.ErrRateLimited) works as for every vendor.
type Error struct {
	StatusCode int
	// Code is empty: Braze's envelope has no error code beside the message
	// (it is kept for the shape every deskbridge vendor error shares, and
	// filled when a body does carry a "code").
	Code string
	// Message is Braze's message ("Invalid Campaign ID", "Max Input Length
	// Exceeded"…), or the start of a body that is not JSON.
	Message string
	// Errors are the items of the envelope's "errors" array.
	Errors []MinorError
	// RetryAfter is the wait the response asked for: Retry-After, else the
	// time until X-RateLimit-Reset on a 429, or on another status that came
	// with X-RateLimit-Remaining 0 (the client holds the next request on
	// that endpoint group until then). Measured on the client's clock; zero
	// when the response asked for no wait. For a NotSent error, the time
	// until the spent budget resets.
	RetryAfter time.Duration
	// RequestID identifies the request for Braze support, when the response
	// carried one.
	RequestID string
	// Attempts is how many times the request was sent (0 when NotSent).
	Attempts int
	// NotSent reports a 429 the client produced without sending the
	// request: the endpoint group's rate-limit budget is spent and resets
	// after the context's deadline, or later than the longest wait the
	// client takes. Message says which; RetryAfter is the time to the
	// reset. Nothing was sent, so it is never MaybeSent.
	NotSent bool
	// MaybeSent is set on a send (trigger sends, messages/send) that failed
	// in a way that does not prove nothing was sent: a 5xx, or an earlier
	// attempt that was retried. Check before sending again.
	MaybeSent bool
	// Method and Path name the call.
	Method, Path string
}

func (e *Error) Error() string {
	detail := e.Message
	if len(e.Errors) > 0 {
		if detail != "" {
			detail += ": "
		}
		detail += e.Errors[0].String()
		if n := len(e.Errors) - 1; n > 0 {
			detail += fmt.Sprintf(" (and %d more)", n)
		}
	}
	if e.MaybeSent {
		detail += maybeSentNote
	}
	return rest.FormatError("braze", e.Method, e.Path, e.StatusCode, detail, e.Attempts)
}

// Unwrap returns the deskbridge error kind of the status.
func (e *Error) Unwrap() error { return rest.KindForStatus(e.StatusCode) }

const maybeSentNote = "; the message may have been sent, check before sending it again"

// envelope is Braze's response body, success or error.
type envelope struct {
	Message string       `json:"message"`
	Code    string       `json:"code"`
	Errors  []MinorError `json:"errors"`
}

// newError is the core's Config.NewError, with now the client's clock.
func newError(info *rest.ErrorInfo, now func() time.Time) error {
	e := &Error{
		StatusCode: info.StatusCode,
		RetryAfter: info.RetryAfter,
		RequestID:  requestIDFrom(info.Header),
		Attempts:   info.Attempts,
		NotSent:    info.NotSent,
		Method:     info.Method,
		Path:       info.Path,
	}
	switch {
	case info.NotSent:
		e.Message = info.Message
	default:
		var env envelope
		if err := json.Unmarshal(info.Body, &env); err == nil && (env.Message != "" || len(env.Errors) > 0 || env.Code != "") {
			e.Message, e.Code, e.Errors = env.Message, env.Code, env.Errors
		} else {
			e.Message = rest.Snippet(info.Body, 200)
		}
	}
	// The core read Retry-After, and the reset of a 429; the reset of a
	// spent budget on another status is read here, on the same clock.
	if e.RetryAfter == 0 && !e.NotSent && e.StatusCode != http.StatusTooManyRequests && budgetSpent(info.Header) {
		e.RetryAfter = resetWait(info.Header, now())
	}
	return e
}

// MinorError is one item of the "errors" array that Braze returns beside
// "message": "success" when part of the input was refused and the rest was
// processed, or beside a fatal message.
type MinorError struct {
	// Type says what was wrong ("'alias_name' must be a String").
	Type string `json:"type"`
	// InputArray names the request array the item was in ("attributes",
	// "events", "purchases", "user_aliases"…), when Braze says.
	InputArray string `json:"input_array,omitempty"`
	// Index is the item's position in that array, -1 when Braze gave
	// none. Users.Track re-indexes it to the caller's input.
	Index int `json:"index"`
}

// UnmarshalJSON accepts the item as an object or a bare string.
func (m *MinorError) UnmarshalJSON(data []byte) error {
	v, err := decodeMinorError(data)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

func (m MinorError) String() string {
	switch {
	case m.InputArray != "" && m.Index >= 0:
		return fmt.Sprintf("%s[%d]: %s", m.InputArray, m.Index, m.Type)
	case m.InputArray != "":
		return m.InputArray + ": " + m.Type
	}
	return m.Type
}

// ValidationError reports input refused before anything was sent. It
// matches deskbridge.ErrInvalid.
type ValidationError struct {
	// Op is the method ("Campaigns.TriggerSend").
	Op string
	// Field names what is wrong, with its index: "recipients[3]".
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("braze: %s: %s (nothing was sent)", e.Op, e.Reason)
	}
	return fmt.Sprintf("braze: %s: %s: %s (nothing was sent)", e.Op, e.Field, e.Reason)
}

// Unwrap returns deskbridge.ErrInvalid.
func (e *ValidationError) Unwrap() error { return deskbridge.ErrInvalid }

func invalid(op, field, format string, args ...any) error {
	return &ValidationError{Op: op, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// MaybeSent reports whether err comes from a send (a trigger send or
// messages/send) that may have been carried out although it failed: a 5xx,
// a connection lost after the request left, or a retried attempt. Such a
// send must not be repeated blindly. A send that certainly did not leave is
// never MaybeSent: one held back by a spent rate-limit budget (NotSent, or
// whose context ended during that hold) and one whose context had ended
// before it was sent.
func MaybeSent(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.MaybeSent
	}
	var ms *maybeSentError
	return errors.As(err, &ms)
}

// maybeSentError marks a transport failure on a send.
type maybeSentError struct{ err error }

func (e *maybeSentError) Error() string { return e.err.Error() + maybeSentNote }
func (e *maybeSentError) Unwrap() error { return e.err }

// sendFailure decorates the error of a send: whether the message may have
// been sent is the one thing its caller must know.
//
// A Braze error means nothing was sent for a 4xx (errors.md: "all of the
// following error codes indicate that no messages will be sent"), and a
// 429 is only retried after 429s. A 5xx may come after the send was made;
// and when 5xx retries were opted into, any retried attempt may have. An
// error the client made without sending (NotSent) was not sent.
// A transport failure may have been sent unless no attempt was made (the
// context ended while a spent budget held the request) or it failed while
// dialing.
func sendFailure(err error, retried bool) error {
	var e *Error
	if errors.As(err, &e) {
		e.MaybeSent = !e.NotSent && (e.StatusCode >= 500 || (retried && e.Attempts > 1))
		return err
	}
	var te *rest.TransportError
	if errors.As(err, &te) && te.Attempts > 0 && !dialFailure(err) {
		return &maybeSentError{err: err}
	}
	return err
}

func dialFailure(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// budgetSpent reports a response saying no request is left in the window.
func budgetSpent(h http.Header) bool {
	return strings.TrimSpace(h.Get("X-RateLimit-Remaining")) == "0"
}
