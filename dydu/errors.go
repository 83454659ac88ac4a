package dydu

import (
	"errors"
	"fmt"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// Error is a Dydu API error: a non-2xx answer, or a request the client
// held back ([deskbridge.APIError.NotSent]). The embedded
// [deskbridge.APIError] carries the status, the request, the code and
// message, the request id and the attempts; it unwraps to the deskbridge
// kind of the status, so errors.Is(err, [deskbridge.ErrNotFound]) works as
// for every vendor.
//
// Dydu documents no error body; Error reads the shapes its servlets are
// likely to send (see the package's unconfirmed facts): the dialog API's
// envelope {"type", "values": {…}} with base64 strings, decoded, or a plain
// {"message"} / {"error"} object. A body that is not JSON becomes a
// one-line snippet in Message.
type Error struct {
	deskbridge.APIError
	// Type is the envelope's "type" when the error body had one.
	Type string
}

// decodeError is the vendor's DecodeError.
func decodeError(info *rest.ErrorInfo) error {
	e := &Error{APIError: info.APIError}
	if info.NotSent {
		return e
	}
	f := errorFields(info.Body)
	e.Type = rest.Snippet([]byte(f.typ), 100)
	e.Code = rest.Snippet([]byte(f.code), 100)
	e.Message = rest.Snippet([]byte(f.message), 300)
	if e.Code == "" && e.Message == "" {
		e.Message = rest.Snippet(info.Body, 200)
	}
	return e
}

// errorText is what an error body says.
type errorText struct{ typ, code, message string }

// ErrOverLimit is matched by a [ValidationError] for a value over one of
// Dydu's limits (the 600 characters of a user input). The value is refused
// whole, never cut.
var ErrOverLimit = errors.New("dydu: over a Dydu limit")

// ErrContextExpired is matched by the error of [Client.CheckContext] when
// Dydu no longer has the context: it was unused for [ContextIdleLimit] and
// was archived. Start a new one ([Client.NewContext], or a [Client.Talk]
// without a context id) and tell the user that the conversation starts
// over.
var ErrContextExpired = errors.New("dydu: the dialog context has expired (unused for 10 minutes); start a new one")

// ValidationError reports input refused before anything was sent. It
// matches [deskbridge.ErrInvalid], and [ErrOverLimit] when a limit was
// passed.
type ValidationError struct {
	// Op is the method: "Talk".
	Op string
	// Field names the value: "userInput".
	Field string
	// Reason says what is wrong with it, naming the limit.
	Reason string
	// Limit is the limit passed, 0 for another refusal.
	Limit int
}

// Error renders the refusal on one line, saying that nothing was sent.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("dydu: %s: %s (nothing was sent)", e.Op, e.Reason)
	}
	return fmt.Sprintf("dydu: %s: %s: %s (nothing was sent)", e.Op, e.Field, e.Reason)
}

// Unwrap returns [deskbridge.ErrInvalid], and [ErrOverLimit] for a limit.
func (e *ValidationError) Unwrap() []error {
	if e.Limit > 0 {
		return []error{deskbridge.ErrInvalid, ErrOverLimit}
	}
	return []error{deskbridge.ErrInvalid}
}

func invalid(op, field, format string, args ...any) error {
	return &ValidationError{Op: op, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// invalidf is an option's refusal; it matches [deskbridge.ErrInvalid].
func invalidf(format string, args ...any) error {
	return fmt.Errorf("dydu: "+format+": %w", append(args, deskbridge.ErrInvalid)...)
}

// contextExpiredError is CheckContext's answer for a context Dydu no
// longer has.
type contextExpiredError struct{ contextID string }

func (e *contextExpiredError) Error() string {
	return fmt.Sprintf("dydu: context %s has expired (unused for 10 minutes); start a new one", e.contextID)
}

func (e *contextExpiredError) Unwrap() error { return ErrContextExpired }
