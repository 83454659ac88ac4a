package cxone

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// Error is a CXone API error: a non-2xx response, or a request the client
// held back because its rate-limit budget resets too late (NotSent). The
// embedded [deskbridge.APIError] carries the status, the request, the code
// and message, the request id and the attempts; it unwraps to the
// deskbridge kind of the status, so errors.Is(err, [deskbridge.ErrNotFound])
// works, and an OAuth2 invalid_grant, invalid_client or unauthorized_client
// from the token endpoint matches [deskbridge.ErrUnauthorized].
//
// CXone answers errors in two shapes, and Error reads both:
//
//   - OAuth style, from the token endpoint and the ACD APIs:
//     {"error", "error_description"} → Code, Message (the generated spec
//     of PUT /unavailable-codes/{id}/teams spells it "error_Description";
//     "message" is read too);
//   - a list, from the Digital Engagement APIs: {"errors": [{"field",
//     "message", "parameters", "errorCode"}], "uid"} → Details, the first
//     one's errorCode and message as Code and Message, UID.
//
// Media playback's {"internalCode", "message"} is read as Code and
// Message. A body that is not JSON becomes a one-line snippet in Message.
type Error struct {
	deskbridge.APIError
	// Details are the entries of an "errors" list.
	Details []ErrorDetail
	// UID identifies the failed request in a Digital Engagement error.
	UID string
}

// ErrorDetail is one entry of an "errors" list.
type ErrorDetail struct {
	// Field names the input at fault, when one is.
	Field string
	// Message says what is wrong.
	Message string
	// Code is the entry's errorCode.
	Code string
	// Parameters are the entry's parameters, as sent.
	Parameters json.RawMessage
}

// Error renders the error on one line, saying how many more entries an
// "errors" list holds past the first.
func (e *Error) Error() string {
	s := e.APIError.Error()
	if n := len(e.Details); n > 1 {
		s += fmt.Sprintf(" (and %d more errors)", n-1)
	}
	return s
}

// decodeError is the vendor's DecodeError.
func decodeError(info *rest.ErrorInfo) error {
	e := &Error{APIError: info.APIError}
	if !info.NotSent {
		readErrorBody(e, info.Body)
	}
	return e
}

// maxDetails bounds the entries of an "errors" list kept in an Error.
const maxDetails = 50

// readErrorBody fills Code, Message, Details and UID from either shape.
func readErrorBody(e *Error, body []byte) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		e.Message = rest.Snippet(body, 200)
		return
	}
	e.Code = rest.FirstText(m, "error", "internalCode", "errorCode")
	e.Message = rest.FirstText(m, "error_description", "error_Description", "message")
	e.UID = rest.Snippet([]byte(rest.JSONText(m["uid"])), 100)
	var list []map[string]json.RawMessage
	if raw, ok := m["errors"]; ok && json.Unmarshal(raw, &list) == nil {
		for i, d := range list {
			if i == maxDetails {
				break
			}
			det := ErrorDetail{
				Field:   rest.Snippet([]byte(rest.JSONText(d["field"])), 200),
				Message: rest.Snippet([]byte(rest.JSONText(d["message"])), 200),
				Code:    rest.Snippet([]byte(rest.JSONText(d["errorCode"])), 100),
			}
			if p := d["parameters"]; len(p) > 0 && string(p) != "null" && len(p) <= 4<<10 {
				det.Parameters = p
			}
			e.Details = append(e.Details, det)
		}
		if len(e.Details) > 0 {
			first := e.Details[0]
			e.Code = rest.FirstOf(e.Code, first.Code)
			msg := first.Message
			if first.Field != "" && msg != "" {
				msg = first.Field + ": " + msg
			}
			e.Message = rest.FirstOf(e.Message, msg)
		}
	}
	if e.Code == "" && e.Message == "" && len(e.Details) == 0 && len(m) > 0 {
		e.Message = rest.Snippet(body, 200)
	}
	e.Code = rest.Snippet([]byte(e.Code), 100)
	e.Message = rest.Snippet([]byte(e.Message), 300)
}
