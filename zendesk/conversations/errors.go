package conversations

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// Error is a Sunshine Conversations API error: a non-2xx answer, or a
// request the client held back ([deskbridge.APIError.NotSent]). The API
// answers a 4xx with {"errors": [{"code": "...", "title": "..."}]}
// (https://developer.zendesk.com/api-reference/conversations/#errors);
// Code and Message of the embedded [deskbridge.APIError] are the first
// item's, Errors holds them all (only a 400 carries several).
//
// It unwraps to the deskbridge kind of its status, so
// errors.Is(err, [deskbridge.ErrNotFound]) works as for every vendor; a 423
// (the 30,000-message limit of a conversation) also matches
// [ErrMessageLimit].
type Error struct {
	deskbridge.APIError
	// Errors are the items of the "errors" array.
	Errors []ErrorItem
	// Hint says what the client knows of the cause beyond the API's words:
	// set on a 403 to a call that the client's key kind cannot make (an
	// integration key on a switchboard, for one).
	Hint string
}

// ErrorItem is one item of the "errors" array.
type ErrorItem struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// Error codes of the API that a caller may test Code against
// (https://developer.zendesk.com/api-reference/conversations/#errors).
const (
	CodeBadRequest                     = "bad_request"
	CodeUnauthorized                   = "unauthorized"
	CodeForbidden                      = "forbidden"
	CodeNotFound                       = "not_found"
	CodeUserNotFound                   = "user_not_found"
	CodeConversationNotFound           = "conversation_not_found"
	CodeConflict                       = "conflict"
	CodeLocked                         = "locked"
	CodeTooManySwitchboardIntegrations = "too_many_switchboard_integrations"
)

// ErrMessageLimit is matched by the error of a message posted to a
// conversation that holds 30,000 messages, the most Sunshine Conversations
// keeps (423 Locked, "Message limit of 30000 per conversation reached.").
// Nothing more can be posted until messages are deleted
// ([MessagesService.DeleteAll]) or a new conversation is used.
var ErrMessageLimit = errors.New("conversations: the conversation holds 30,000 messages, the most it may (423 Locked)")

// MaxMessagesPerConversation is the message limit of a conversation.
const MaxMessagesPerConversation = 30000

// Error renders the error on one line, as [deskbridge.APIError] does, with
// the number of further items and the client's hint.
func (e *Error) Error() string {
	if len(e.Errors) <= 1 && e.Hint == "" {
		return e.APIError.Error()
	}
	line := e.APIError
	if n := len(e.Errors) - 1; n > 0 {
		line.Message += " (and " + strconv.Itoa(n) + " more)"
	}
	if e.Hint != "" {
		// Clip the API's words first, so that the hint is never cut off.
		line.Message = rest.Snippet([]byte(line.Message), deskbridge.MaxDetail-len(e.Hint)-len(e.Code)-8)
		line.Message = strings.TrimSpace(line.Message + "; " + e.Hint)
	}
	return line.Error()
}

// Unwrap returns the kind of the status and, for a 423, [ErrMessageLimit].
func (e *Error) Unwrap() []error {
	errs := []error{&e.APIError}
	if e.StatusCode == http.StatusLocked || e.Code == CodeLocked {
		errs = append(errs, ErrMessageLimit)
	}
	return errs
}

// errorBody is the API's error shape.
type errorBody struct {
	Errors []ErrorItem `json:"errors"`
}

// decodeError is the vendor's rest.Vendor.DecodeError: the core has filled
// info.APIError and scrubbed info.Body of every credential it knows.
func decodeError(info *rest.ErrorInfo) error {
	e := &Error{APIError: info.APIError}
	if e.NotSent {
		return e // the core's message says why
	}
	body := bytes.TrimSpace(info.Body)
	var eb errorBody
	if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &eb) != nil || len(eb.Errors) == 0 {
		e.Message = rest.Snippet(body, 200)
		return e
	}
	e.Errors = eb.Errors
	e.Code = rest.Snippet([]byte(eb.Errors[0].Code), 100)
	e.Message = rest.Snippet([]byte(eb.Errors[0].Title), 300)
	return e
}

// ValidationError reports input refused before anything was sent: a value
// over one of the API's limits, a missing field, a malformed one. It
// matches [deskbridge.ErrInvalid], and [ErrOverLimit] when a limit was
// passed.
type ValidationError struct {
	// Op is the method ("Messages.Post").
	Op string
	// Field names what is wrong: "content.text", "metadata".
	Field string
	// Reason says what is wrong with it, naming the limit.
	Reason string
	// Limit is the limit passed, 0 for another refusal.
	Limit int
}

// ErrOverLimit is matched by a [ValidationError] for a value over one of
// the API's limits (text length, metadata size, body size, file size…).
// The value is refused whole, never cut.
var ErrOverLimit = errors.New("conversations: over a Sunshine Conversations limit")

// Error renders the refusal on one line, saying that nothing was sent.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("conversations: %s: %s (nothing was sent)", e.Op, e.Reason)
	}
	return fmt.Sprintf("conversations: %s: %s: %s (nothing was sent)", e.Op, e.Field, e.Reason)
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

// overLimit refuses a value of n units over limit.
func overLimit(op, field string, n, limit int, unit string) error {
	return &ValidationError{Op: op, Field: field, Limit: limit,
		Reason: fmt.Sprintf("%d %s, over the limit of %d", n, unit, limit)}
}

// decorate adds the client's hint to an API error: a 403 to a call that
// the client's kind of key cannot make says so.
func (c *Client) decorate(err error) error {
	var e *Error
	if err == nil || !errors.As(err, &e) || e.StatusCode != http.StatusForbidden {
		return err
	}
	e.Hint = forbiddenHint(c.keyKind, e.Path)
	return err
}

// forbiddenHint explains a 403 by the key's kind, from the scopes table of
// https://developer.zendesk.com/api-reference/conversations/#authorization
// and the descriptions of acceptControl and releaseControl; "" when the
// kind does not explain it.
func forbiddenHint(kind KeyKind, path string) string {
	i := strings.Index(path, "/v2/apps/")
	if i < 0 {
		return ""
	}
	rest := strings.Split(strings.Trim(path[i+len("/v2/apps/"):], "/"), "/")
	if len(rest) >= 2 && rest[1] == "keys" && kind != KeyAccount && kind != KeyServiceAccount {
		return "only an account key (act_… or svc_…, direct Sunshine Conversations accounts) manages the app's keys; " +
			"on a Zendesk account create the key in Admin Center › Apps and integrations › Conversations API"
	}
	if kind == KeyIntegration {
		switch {
		case len(rest) == 1:
			return "the client uses an integration key (int_…), which cannot read the app: use an app key (app_…)"
		case rest[1] == "switchboards":
			return "the client uses an integration key (int_…), which cannot manage switchboards: use an app key (app_…)"
		case rest[1] == "integrations" && !(len(rest) >= 4 && rest[3] == "webhooks"):
			return "the client uses an integration key (int_…), which cannot manage integrations or their keys: use an app key (app_…)"
		case len(rest) == 4 && rest[1] == "conversations" && rest[3] == "acceptControl":
			return "with an integration key (int_…) only the pending switchboard integration may accept control; this key's integration is not the one offered control"
		case len(rest) == 4 && rest[1] == "conversations" && rest[3] == "releaseControl":
			return "with an integration key (int_…) only the active switchboard integration may release control; this key's integration is not in control"
		}
	}
	return ""
}

// notFoundError is a lookup the client made that found nothing; it
// matches [deskbridge.ErrNotFound].
type notFoundError struct {
	what string
	have []string
}

func (e *notFoundError) Error() string {
	if len(e.have) == 0 {
		return "conversations: no " + e.what + " (there are none)"
	}
	return "conversations: no " + e.what + "; there are: " + strings.Join(e.have, ", ")
}

func (e *notFoundError) Unwrap() error { return deskbridge.ErrNotFound }
