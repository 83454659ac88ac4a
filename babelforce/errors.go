package babelforce

import (
	"encoding/json"
	"regexp"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// Error is a babelforce API error: a non-2xx response, or a request the
// client held back because its rate-limit budget resets too late
// (NotSent). The embedded [deskbridge.APIError] carries the status, the
// request, the code and message, the request id and the attempts; it
// unwraps to the deskbridge kind of the status, so
// errors.Is(err, [deskbridge.ErrNotFound]) works, and an OAuth2
// invalid_grant, invalid_client or unauthorized_client (wrong credentials,
// which babelforce answers with 400) matches [deskbridge.ErrUnauthorized].
//
// babelforce has three error shapes and Error reads all of them:
//
//   - v3 (tasks, secrets, the Zendesk webhook): the task-automation spec's
//     ErrorResponse {"error_message", "error_detail"} → Message, Detail.
//   - OAuth2 (/oauth/token, and 401s): the auth spec's OAuth2Error
//     {"error", "error_description"} → Code, Message.
//   - v2 (agents, presences): the manager spec defines no error schema (see
//     the package's unconfirmed facts): "code" → Code; "message", else
//     "error", else "detail" → Message.
//
// The specs are static/openapi/{task-automation,auth,manager}.openapi.yaml
// in https://github.com/babelforce/manager-sdk. A body that is not JSON
// becomes a one-line snippet in Message.
type Error struct {
	deskbridge.APIError
	// Detail is the v3 "error_detail".
	Detail string
}

// Error renders the error on one line, with Detail after the message.
func (e *Error) Error() string {
	if e.Detail == "" || e.Detail == e.Message {
		return e.APIError.Error()
	}
	a := e.APIError
	if a.Message == "" {
		a.Message = e.Detail
	} else {
		a.Message = rest.Snippet([]byte(a.Message), 200) + " (" + rest.Snippet([]byte(e.Detail), 200) + ")"
	}
	return a.Error()
}

// decodeError is the vendor's DecodeError: babelforce's error from a
// non-2xx response (or a request held back).
func decodeError(info *rest.ErrorInfo) error {
	e := &Error{APIError: info.APIError}
	if !info.NotSent {
		readErrorBody(e, info.Body)
	}
	return e
}

// oauthCode is the shape of an OAuth2 error code ("invalid_grant"), as
// opposed to a sentence in a v2 "error".
var oauthCode = regexp.MustCompile(`^[a-z][a-z_]*$`)

// readErrorBody fills Code, Message and Detail from any of babelforce's
// error envelopes.
func readErrorBody(e *Error, body []byte) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		e.Message = rest.Snippet(body, 200)
		return
	}
	// OAuth2: {"error": code, "error_description"}.
	var code string
	if c := rest.JSONText(m["error"]); oauthCode.MatchString(c) {
		code = c
	}
	v2Code, v2Message := v2ErrorFields(m, code != "")
	e.Code = rest.FirstOf(v2Code, code)
	e.Message = rest.FirstOf(rest.FirstText(m, "error_description", "error_message"), v2Message)
	e.Detail = rest.JSONText(m["error_detail"])
	if e.Code == "" && e.Message == "" && e.Detail == "" && len(m) > 0 {
		e.Message = rest.Snippet(body, 200)
	}
}
