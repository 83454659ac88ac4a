package brightpattern

import (
	"bytes"
	"encoding/json"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// Error is a Bright Pattern API error: a non-2xx response, or a request the
// client held back (see [deskbridge.APIError.NotSent]). It embeds
// [deskbridge.APIError], so it unwraps to the deskbridge kind of its status
// (errors.Is(err, deskbridge.ErrNotFound) works; an OAuth invalid_client
// from the token endpoint matches [deskbridge.ErrUnauthorized]) and
// errors.As reaches it from any error the client returns.
//
// Bright Pattern answers errors in these shapes, all read into Code and
// Message:
//
//   - the chat API: {"error_code": …, "error_message": "…"}
//     (https://help.brightpattern.com/5.2:Mobile-web-api-specification/GeneralInformation);
//   - the token endpoint: OAuth2's {"error": "…", "error_description": "…"};
//   - the identity provider API: {"error": "account_disabled"};
//   - anything else: the start of the body, on one line.
type Error struct {
	deskbridge.APIError
}

// decodeError is the vendor's DecodeError: the core has filled the request,
// status, request id, wait and attempts, and scrubbed the body of every
// credential it knows.
func decodeError(info *rest.ErrorInfo) error {
	e := &Error{APIError: info.APIError}
	if info.NotSent {
		return e
	}
	e.Code, e.Message = readErrorBody(info.Body)
	return e
}

// readErrorBody reads the code and message of an error body of any shape.
func readErrorBody(body []byte) (code, message string) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return "", ""
	}
	var m map[string]json.RawMessage
	if body[0] != '{' || json.Unmarshal(body, &m) != nil {
		return "", rest.Snippet(body, 200)
	}
	code = rest.FirstText(m, "error_code", "error", "code")
	message = rest.FirstText(m, "error_message", "error_description", "message", "description")
	if code == "" && message == "" {
		message = rest.Snippet(body, 200)
	}
	return rest.Snippet([]byte(code), 100), rest.Snippet([]byte(message), 300)
}
