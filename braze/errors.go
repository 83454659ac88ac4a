package braze

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// Error is a Braze API error: a non-2xx answer, which Braze calls fatal
// (for a 4xx, "no messages will be sent",
// https://www.braze.com/docs/api/errors/), or a request the client held
// back without sending it ([deskbridge.APIError.NotSent]). Braze's body is
// the envelope {"message": "...", "errors": [...]}: the embedded APIError's
// Message is Braze's message ("Invalid Campaign ID", "Max Input Length
// Exceeded"…), or the start of a body that is not JSON; its Code is empty
// unless a body carries a "code".
//
// It unwraps to the deskbridge kind of its status, so
// errors.Is(err, [deskbridge.ErrRateLimited]) works as for every vendor.
// RetryAfter is the response's Retry-After, else the time until
// X-RateLimit-Reset on a 429 or on any other status that came with
// X-RateLimit-Remaining 0 (the client holds the next request on that
// endpoint group until then), measured on the client's clock.
type Error struct {
	deskbridge.APIError
	// Errors are the items of the envelope's "errors" array.
	Errors []MinorError
	// MaybeSent is set on a send (trigger sends, messages/send) that failed
	// in a way that does not prove nothing was sent: a 5xx, or an earlier
	// attempt that was retried (see [WithRetrySends]). Check before sending
	// again. A request held back (NotSent) is never [MaybeSent]. It is not
	// set on a [UsersService.Track] error: the function [MaybeSent] reports
	// whether that may have been processed.
	MaybeSent bool
}

// Error renders the error on one line, with the first minor error and, for
// a send that may have gone out, a warning.
func (e *Error) Error() string {
	if len(e.Errors) == 0 && !e.MaybeSent {
		return e.APIError.Error()
	}
	detail := e.Message
	if len(e.Errors) > 0 {
		if detail != "" {
			detail += ": "
		}
		detail += e.Errors[0].String()
		if n := len(e.Errors) - 1; n > 0 {
			detail += " (and " + strconv.Itoa(n) + " more)"
		}
	}
	if e.MaybeSent {
		// Clip Braze's words first, so that the warning is never cut off.
		detail = rest.Snippet([]byte(detail), deskbridge.MaxDetail-len(maybeSentNote)-len("…"))
		if detail == "" {
			detail = strings.TrimPrefix(maybeSentNote, "; ")
		} else {
			detail += maybeSentNote
		}
	}
	a := e.APIError
	a.Message = detail
	return a.Error()
}

const maybeSentNote = "; the message may have been sent, check before sending it again"

// envelope is Braze's response body, success or error.
type envelope struct {
	Message string       `json:"message"`
	Code    string       `json:"code"`
	Errors  []MinorError `json:"errors"`
}

// decodeError is the vendor's DecodeError: Braze's envelope onto the
// APIError the core filled.
func decodeError(info *rest.ErrorInfo) error {
	e := &Error{APIError: info.APIError}
	if e.NotSent {
		return e // the core's message says why
	}
	var env envelope
	if err := json.Unmarshal(info.Body, &env); err == nil && (env.Message != "" || len(env.Errors) > 0 || env.Code != "") {
		e.Message, e.Code, e.Errors = env.Message, env.Code, env.Errors
	} else {
		e.Message = rest.Snippet(info.Body, 200)
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
	// Index is the item's position in that array; nil when Braze gave
	// none. [UsersService.Track] re-indexes it to the caller's input.
	Index *int `json:"index,omitempty"`
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

// String renders the item as "attributes[3]: type".
func (m MinorError) String() string {
	switch {
	case m.InputArray != "" && m.Index != nil:
		return m.InputArray + "[" + strconv.Itoa(*m.Index) + "]: " + m.Type
	case m.InputArray != "":
		return m.InputArray + ": " + m.Type
	}
	return m.Type
}

// ValidationError reports input refused before anything was sent. It
// matches [deskbridge.ErrInvalid].
type ValidationError struct {
	// Op is the method ("Campaigns.TriggerSend").
	Op string
	// Field names what is wrong, with its index: "recipients[3]".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error renders the refusal on one line, saying that nothing was sent.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("braze: %s: %s (nothing was sent)", e.Op, e.Reason)
	}
	return fmt.Sprintf("braze: %s: %s: %s (nothing was sent)", e.Op, e.Field, e.Reason)
}

// Unwrap returns [deskbridge.ErrInvalid].
func (e *ValidationError) Unwrap() error { return deskbridge.ErrInvalid }

func invalid(op, field, format string, args ...any) error {
	return &ValidationError{Op: op, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// invalidAt is invalid for the item i of the array named kind: the field
// name ("attributes[3]") is formatted only here, when there is an error.
func invalidAt(op, kind string, i int, format string, args ...any) error {
	return invalid(op, kind+"["+strconv.Itoa(i)+"]", format, args...)
}

// MaybeSent reports whether err comes from a call that may have been
// carried out although it failed, and so must not be repeated blindly:
//   - a send (a trigger send or messages/send) that failed with a 5xx, a
//     connection lost after the request left, or after a retried attempt
//     ([WithRetrySends]);
//   - [UsersService.Track] whose failed request failed with a 5xx or a
//     connection lost after it left: Braze may have processed that
//     request's items ([TrackResult].Failed).
//
// A call that certainly did not leave is never MaybeSent: one held back by
// a spent rate-limit budget (NotSent, or whose context ended during that
// hold), one whose context had ended before it was sent, and one that
// could not connect on its only attempt.
func MaybeSent(err error) bool {
	var te *trackError
	if errors.As(err, &te) {
		return te.maybe
	}
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
// been sent is the one thing its caller must know (see
// mayHaveBeenProcessed; retried says whether a 5xx or a lost connection
// was retried).
func sendFailure(err error, retried bool) error {
	if !mayHaveBeenProcessed(err, retried) {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		e.MaybeSent = true
		return err
	}
	return &maybeSentError{err: err}
}

// mayHaveBeenProcessed reports whether a POST that failed with err may
// have been carried out by Braze all the same; retried says whether its
// 5xx and lost connections were retried.
//
// A Braze error means nothing was done for a 4xx ("all of the following
// error codes indicate that no messages will be sent",
// https://www.braze.com/docs/api/errors/), and a 429 is only retried after
// 429s. A 5xx may come after the work was done; and when 5xx retries were
// opted into, any retried attempt may have done it. An error the client
// made without sending (NotSent) was not sent. A transport failure may
// have been sent unless no attempt was made (the context ended while a
// spent budget held the request) or it failed while dialing; but a dial
// failure that ends retries may follow an attempt that did leave.
func mayHaveBeenProcessed(err error, retried bool) bool {
	var e *Error
	if errors.As(err, &e) {
		return !e.NotSent && (e.StatusCode >= 500 || (retried && e.Attempts > 1))
	}
	var te *deskbridge.TransportError
	return errors.As(err, &te) && te.Attempts > 0 && (!dialFailure(err) || (retried && te.Attempts > 1))
}

func dialFailure(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
