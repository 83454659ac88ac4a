package zendesk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// Error is a Zendesk API error: a non-2xx response, or a request the client
// held back (see [deskbridge.APIError.NotSent]). It embeds
// [deskbridge.APIError] (status, code, message, request id, retry-after,
// attempts), so it unwraps to the deskbridge kind of its status,
// errors.Is(err, deskbridge.ErrNotFound) works, and errors.As reaches it
// from any error the client returns:
//
//	var zerr *zendesk.Error
//	if errors.As(err, &zerr) && zerr.Code == "RecordInvalid" {
//		for field, ds := range zerr.Details { ... }
//	}
//
// Code is Zendesk's error code ("RecordInvalid", "RecordNotFound",
// "InvalidEndpoint", an OAuth error such as "invalid_grant", or the code of
// the first JSON:API error); Message is its description, or the start of a
// text/plain body. Zendesk's error formats are described at
// https://developer.zendesk.com/api-reference/introduction/requests.
type Error struct {
	deskbridge.APIError
	// Details holds per-field validation errors of a RecordInvalid (422)
	// answer, keyed by field ("subject", "base", ...).
	Details map[string][]ErrorDetail
	// Errors holds the items of a JSON:API error answer ({"errors": [...]}),
	// used by the agent availability and trigger category endpoints.
	Errors []ErrorItem
}

// ErrorDetail is one validation error of a field.
type ErrorDetail struct {
	Description string `json:"description"`
	Error       string `json:"error,omitempty"`
}

// ErrorItem is one item of a JSON:API error answer.
type ErrorItem struct {
	Code   string `json:"code,omitempty"`
	Title  string `json:"title,omitempty"`
	Detail string `json:"detail,omitempty"`
	Status string `json:"status,omitempty"`
	ID     string `json:"id,omitempty"`
	// Source points at the part of the request the error is about.
	Source json.RawMessage `json:"source,omitempty"`
}

// Error renders the error on one line, as [deskbridge.APIError] does, with
// up to three field errors of Details after the message:
//
//	zendesk: PUT /api/v2/tickets/9: 422 Unprocessable Entity: RecordInvalid: Record validation errors (status: Status: closed prevents ticket update)
func (e *Error) Error() string {
	if len(e.Details) == 0 {
		return e.APIError.Error()
	}
	line := e.APIError
	line.Message = strings.TrimSpace(line.Message + " (" + e.detailSummary(3) + ")")
	return line.Error()
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
	Errors           []ErrorItem                `json:"errors"`
}

// decodeError is the vendor's rest.Vendor.DecodeError: the core has filled
// info.APIError (request, status, request id, wait, attempts) and scrubbed
// info.Body of every credential it knows.
func decodeError(info *rest.ErrorInfo) error {
	e := &Error{APIError: info.APIError}
	if info.NotSent {
		return e // the core's message says why
	}
	body := bytes.TrimSpace(info.Body)
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

// invalid reports input the client refuses before sending. It matches
// deskbridge.ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("zendesk: %s: %w", fmt.Sprintf(format, args...), deskbridge.ErrInvalid)
}
