package zendesk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// Error is a Zendesk API error: a non-2xx response, or a request the client
// held back (see NotSent). It unwraps to the deskbridge kind of its status,
// so errors.Is(err, deskbridge.ErrNotFound) works, and errors.As(err, &zerr)
// gives the detail:
//
//	var zerr *zendesk.Error
//	if errors.As(err, &zerr) && zerr.Code == "RecordInvalid" {
//		for field, ds := range zerr.Details { ... }
//	}
type Error struct {
	// StatusCode is the HTTP status of the last response.
	StatusCode int
	// Code is Zendesk's error code: "RecordInvalid", "RecordNotFound",
	// "InvalidEndpoint", an OAuth error such as "invalid_grant", or the code
	// of the first JSON:API error.
	Code string
	// Message is Zendesk's description of the error (or a text/plain body,
	// cut short).
	Message string
	// Details holds per-field validation errors of a RecordInvalid (422)
	// answer, keyed by field ("subject", "base", ...).
	Details map[string][]ErrorDetail
	// Errors holds the items of a JSON:API error answer ({"errors": [...]}),
	// used by the agent availability and trigger category endpoints.
	Errors []APIError
	// RetryAfter is the wait Zendesk asked for (Retry-After, or the
	// rate-limit reset of a 429); zero when it asked for none.
	RetryAfter time.Duration
	// RequestID identifies the request in Zendesk's logs; quote it to
	// Zendesk support.
	RequestID string
	// Attempts is how many times the request was sent.
	Attempts int
	// NotSent reports a 429 the client produced without sending the request:
	// the rate-limit budget was spent and resets after the context deadline.
	NotSent bool
	// Method and Path name the request.
	Method, Path string
	// Body is the response body (at most 1 MiB), with every credential the
	// client knows replaced by "[redacted]".
	Body []byte
}

// ErrorDetail is one validation error of a field.
type ErrorDetail struct {
	Description string `json:"description"`
	Error       string `json:"error,omitempty"`
}

// APIError is one item of a JSON:API error answer.
type APIError struct {
	Code   string `json:"code,omitempty"`
	Title  string `json:"title,omitempty"`
	Detail string `json:"detail,omitempty"`
	Status string `json:"status,omitempty"`
	ID     string `json:"id,omitempty"`
	// Source points at the part of the request the error is about.
	Source json.RawMessage `json:"source,omitempty"`
}

func (e *Error) Error() string {
	var detail strings.Builder
	switch {
	case e.Code != "" && e.Message != "" && e.Code != e.Message:
		detail.WriteString(e.Code + ": " + e.Message)
	case e.Message != "":
		detail.WriteString(e.Message)
	default:
		detail.WriteString(e.Code)
	}
	if len(e.Details) > 0 {
		detail.WriteString(" (" + e.detailSummary(3) + ")")
	}
	if e.RequestID != "" {
		fmt.Fprintf(&detail, " [request %s]", e.RequestID)
	}
	return rest.FormatError("zendesk", e.Method, e.Path, e.StatusCode, strings.TrimSpace(detail.String()), e.Attempts)
}

// detailSummary renders up to n field errors on one line, fields sorted.
func (e *Error) detailSummary(n int) string {
	fields := make([]string, 0, len(e.Details))
	for f := range e.Details {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var parts []string
	for _, f := range fields {
		for _, d := range e.Details[f] {
			text := d.Description
			if text == "" {
				text = d.Error
			}
			if len(parts) == n {
				return strings.Join(parts, "; ") + "; …"
			}
			parts = append(parts, f+": "+rest.Snippet([]byte(text), 120))
		}
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns the deskbridge kind of the status (nil for a status that
// has none). One exception: the token endpoint's OAuth errors for wrong or
// dead credentials (invalid_grant, invalid_client, unauthorized_client),
// which come with a 400, match deskbridge.ErrUnauthorized: the fix is new
// credentials, not a different request.
func (e *Error) Unwrap() error {
	return rest.KindForOAuthError(e.StatusCode, e.Code)
}

// errorBody is every error shape Zendesk uses, decoded tolerantly:
//
//	{"error": "RecordInvalid", "description": "...", "details": {"subject": [{"description": "..."}]}}
//	{"error": {"title": "...", "message": "..."}}
//	{"error": "invalid_grant", "error_description": "..."}   (OAuth)
//	{"errors": [{"code": "...", "title": "...", "detail": "..."}]}   (JSON:API)
type errorBody struct {
	Error            json.RawMessage            `json:"error"`
	Description      string                     `json:"description"`
	ErrorDescription string                     `json:"error_description"`
	Message          string                     `json:"message"`
	Details          map[string]json.RawMessage `json:"details"`
	Errors           []APIError                 `json:"errors"`
}

// newError is the rest.Config.NewError hook.
func newError(info *rest.ErrorInfo) error {
	e := &Error{
		StatusCode: info.StatusCode,
		RetryAfter: info.RetryAfter,
		Attempts:   info.Attempts,
		NotSent:    info.NotSent,
		Method:     info.Method,
		Path:       info.Path,
		RequestID:  requestID(info.Header),
	}
	if info.NotSent {
		e.Message = info.Message
		return e
	}
	e.Body = info.Body // scrubbed by the core
	body := bytes.TrimSpace(e.Body)
	var eb errorBody
	if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &eb) != nil {
		e.Message = rest.Snippet(body, 200)
		return e
	}
	e.Code, e.Message = parseErrorField(eb.Error)
	for _, m := range []string{eb.Description, eb.ErrorDescription, eb.Message} {
		if e.Message == "" || e.Message == e.Code {
			e.Message = m
		}
	}
	if len(eb.Details) > 0 {
		e.Details = make(map[string][]ErrorDetail, len(eb.Details))
		for field, raw := range eb.Details {
			e.Details[field] = parseDetails(raw)
		}
	}
	e.Errors = eb.Errors
	if len(eb.Errors) > 0 {
		first := eb.Errors[0]
		if e.Code == "" {
			e.Code = first.Code
		}
		if e.Message == "" {
			e.Message = first.Title
			if first.Detail != "" && first.Detail != first.Title {
				e.Message = strings.TrimSpace(first.Title + " " + first.Detail)
			}
		}
		if extra := len(eb.Errors) - 1; extra > 0 {
			e.Message += fmt.Sprintf(" (and %d more)", extra)
		}
	}
	if e.Message == "" && e.Code == "" {
		e.Message = rest.Snippet(body, 200)
	}
	e.Message = rest.Snippet([]byte(e.Message), 300)
	return e
}

// parseErrorField reads "error", a code string or an object
// {"title": ..., "message": ...}.
func parseErrorField(raw json.RawMessage) (code, message string) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, ""
	}
	var obj struct {
		Code    string `json:"code"`
		Title   string `json:"title"`
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		code = obj.Code
		if code == "" {
			code = obj.Title
		}
		message = obj.Message
		if message == "" && obj.Code != "" {
			message = obj.Title
		}
		return code, message
	}
	return "", ""
}

// parseDetails reads one field's details: a list of {description, error},
// a single such object, a list of strings or a string.
func parseDetails(raw json.RawMessage) []ErrorDetail {
	var list []ErrorDetail
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one ErrorDetail
	if json.Unmarshal(raw, &one) == nil {
		return []ErrorDetail{one}
	}
	var strs []string
	if json.Unmarshal(raw, &strs) == nil {
		list = make([]ErrorDetail, 0, len(strs))
		for _, s := range strs {
			list = append(list, ErrorDetail{Description: s})
		}
		return list
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []ErrorDetail{{Description: s}}
	}
	return []ErrorDetail{{Description: rest.Snippet(raw, 200)}}
}

// requestID reads the id Zendesk gives a request. UNCONFIRMED: the header
// names are not in the vendor notes; X-Request-Id is what Zendesk responses
// are commonly seen to carry, X-Zendesk-Request-Id is a guess kept as a
// fallback.
func requestID(h http.Header) string {
	for _, name := range []string{"X-Request-Id", "X-Zendesk-Request-Id"} {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			return rest.Snippet([]byte(v), 100)
		}
	}
	return ""
}

// invalid reports input the client refuses before sending. It matches
// deskbridge.ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("zendesk: %s: %w", fmt.Sprintf(format, args...), deskbridge.ErrInvalid)
}
