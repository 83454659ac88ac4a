package babelforce

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// Error is a babelforce API error: a non-2xx response, or a request the
// client refused to send because its rate-limit budget outlasted the context.
//
// babelforce has three error shapes and Error reads all of them:
//
//   - v3 (tasks, secrets, the Zendesk webhook): {"error_message", "error_detail"}
//     → Message, Detail.
//   - OAuth2 (/oauth/token, and 401s): {"error", "error_description"} → Code,
//     Message.
//   - v2 (agents, presences): the manager spec defines no error schema; its
//     only message envelope is DefaultV2MessageResponse {"success": false,
//     "message"}, and babelforce's Go SDK also reads "code", "error" and
//     "detail". So: "code" → Code; "message", else "error", else "detail" →
//     Message.
//
// A body that is not JSON becomes a one-line snippet in Message.
//
// Error unwraps to the deskbridge kind of its status, so
// errors.Is(err, deskbridge.ErrNotFound) works. One exception: an OAuth2
// invalid_grant, invalid_client or unauthorized_client (wrong credentials,
// which babelforce answers with 400) matches deskbridge.ErrUnauthorized.
type Error struct {
	StatusCode int
	// Code is the v2 "code" or the OAuth2 "error" (e.g. "invalid_grant").
	Code string
	// Message is the human-readable message.
	Message string
	// Detail is the v3 "error_detail".
	Detail string
	// Method and Path name the request ("GET", "/api/v2/agents").
	Method, Path string
	// RetryAfter is the wait the response asked for (Retry-After), if any.
	RetryAfter time.Duration
	// RequestID is the response's request id header, if any.
	RequestID string
	// Attempts is how many times the request was sent (0 when NotSent).
	Attempts int
	// NotSent reports that the request was not sent: the rate-limit budget
	// resets after the context's deadline.
	NotSent bool
}

func (e *Error) Error() string {
	var parts []string
	if e.Code != "" {
		parts = append(parts, clip(e.Code, 80))
	}
	if e.Message != "" {
		parts = append(parts, clip(e.Message, 200))
	}
	detail := strings.Join(parts, ": ")
	if e.Detail != "" && e.Detail != e.Message {
		d := clip(e.Detail, 200)
		if detail == "" {
			detail = d
		} else {
			detail += " (" + d + ")"
		}
	}
	return rest.FormatError("babelforce", e.Method, e.Path, e.StatusCode, detail, e.Attempts)
}

// Unwrap returns the deskbridge error kind of the status.
func (e *Error) Unwrap() error {
	return rest.KindForOAuthError(e.StatusCode, e.Code)
}

func clip(s string, n int) string {
	return rest.Snippet([]byte(s), n)
}

// newError is the rest.Config.NewError of the babelforce client.
func newError(info *rest.ErrorInfo) error {
	e := &Error{
		StatusCode: info.StatusCode,
		Method:     info.Method,
		Path:       info.Path,
		RetryAfter: info.RetryAfter,
		Attempts:   info.Attempts,
		NotSent:    info.NotSent,
		RequestID:  requestID(info.Header),
	}
	if info.NotSent {
		e.Message = info.Message
		return e
	}
	parseErrorBody(e, info.Body)
	return e
}

var oauthCode = regexp.MustCompile(`^[a-z][a-z_]*$`)

// parseErrorBody fills Code, Message and Detail from any of babelforce's
// error envelopes.
func parseErrorBody(e *Error, body []byte) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		e.Message = rest.Snippet(body, 200)
		return
	}
	e.Code = jsonText(m["code"])
	errField := jsonText(m["error"])
	if e.Code == "" && oauthCode.MatchString(errField) {
		e.Code, errField = errField, ""
	}
	e.Detail = jsonText(m["error_detail"])
	for _, v := range []string{
		jsonText(m["error_description"]),
		jsonText(m["message"]),
		jsonText(m["error_message"]),
		errField,
		jsonText(m["detail"]),
	} {
		if v != "" {
			e.Message = v
			break
		}
	}
	if e.Code == "" && e.Message == "" && e.Detail == "" && len(m) > 0 {
		e.Message = rest.Snippet(body, 200)
	}
}

// jsonText returns a JSON string's value or a number's text; "" otherwise.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// requestID reads the request id of a response.
//
// UNCONFIRMED: babelforce documents no request id header; X-Request-Id is
// the common one and is read when present.
func requestID(h http.Header) string {
	return h.Get("X-Request-Id")
}
