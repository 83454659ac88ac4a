package braze

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// This file holds every Braze behaviour this package relies on that the
// public documentation does not state. Each sits behind one function,
// tested in unconfirmed_test.go, so that a correction is one edit.

// decodeMinorError decodes one item of an "errors" array.
//
// UNCONFIRMED: the item shape. https://www.braze.com/docs/api/errors/
// shows only "<minor error message>"; the shape {"type", "input_array",
// "index"} comes from third-party clients (readdle/braze-client's test
// fixtures, dietdoctor/go-braze). A bare string is accepted as the type.
func decodeMinorError(data []byte) (MinorError, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return MinorError{}, err
		}
		return MinorError{Type: s}, nil
	}
	var raw struct {
		Type       any    `json:"type"`
		Message    string `json:"message"`
		InputArray string `json:"input_array"`
		Index      *int   `json:"index"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return MinorError{}, err
	}
	m := MinorError{InputArray: raw.InputArray, Index: raw.Index}
	switch t := raw.Type.(type) {
	case string:
		m.Type = t
	case nil:
		m.Type = raw.Message
	default:
		b, _ := json.Marshal(t)
		m.Type = string(b)
	}
	return m, nil
}

// reindexMinorError maps a minor error of one users/track request back to
// the caller's input, given where the attributes, events and purchases of
// that request start in the caller's arrays.
//
// UNCONFIRMED: that "index" counts from the start of the array named by
// "input_array" in the request that returned it. An error naming no known
// array is returned unchanged.
func reindexMinorError(m MinorError, c trackChunk) MinorError {
	if m.Index == nil {
		return m
	}
	i := *m.Index
	switch m.InputArray {
	case "attributes":
		i += c.a[0]
	case "events":
		i += c.e[0]
	case "purchases":
		i += c.p[0]
	}
	m.Index = &i
	return m
}

// queued reports a request Braze accepted without processing it yet.
//
// UNCONFIRMED: 202 {"message":"queued"} is in an older version of
// https://www.braze.com/docs/api/errors/ (braze-inc/braze-docs
// _docs/_api/errors.md at 021e631, during maintenance) and no longer in the
// current one. Either sign is taken as queued.
func queued(status int, message string) bool {
	return status == http.StatusAccepted || strings.EqualFold(message, "queued")
}

// requestIDHeaders are the response headers that may carry the id of a
// request, for Braze support.
//
// UNCONFIRMED: Braze documents no request-id header; these are common
// names, looked for so that one is reported if present.
func requestIDHeaders() []string {
	return []string{"X-Request-Id", "X-Braze-Request-Id"}
}
