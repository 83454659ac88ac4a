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

// trackBatchLimit is how many objects one users/track request carries:
// at most 75 in all by default, 75 of each array when legacy is set
// ([WithLegacyTrackBatching]).
//
// Documented, https://www.braze.com/docs/api/api_limits/: the English page
// gives "75 events, 75 purchases, and 75 attributes per API request"; its
// localized copies (https://www.braze.com/docs/de/api/api_limits/, /ja/,
// /pt-br/), updated after it, give up to 75 objects in total, combined
// across attributes, events and purchases, and say that customers on
// legacy rate limits may include up to 75 of each array.
//
// UNCONFIRMED: which limit a given workspace has. Braze's API does not
// say, and neither page says which accounts are on legacy limits. The
// default, 75 in total, is within both; if the English page is the current
// one after all, it costs only more requests (up to three times as many
// when every kind is full). We are wrong if a workspace on the current
// limits accepts more than 75 objects in total, or one on legacy limits
// refuses 75 of each.
func trackBatchLimit(legacy bool) trackLimit {
	if legacy {
		return trackLimit{perKind: MaxTrackPerKind, total: 3 * MaxTrackPerKind}
	}
	return trackLimit{perKind: MaxTrackObjects, total: MaxTrackObjects}
}

// sendsBudget is the rate-limit budget the send endpoints
// (/messages/send, /campaigns/trigger/send, /canvas/trigger/send) draw on: one budget, "sends", for the three, apart from the
// default budget of the endpoints Braze's table does not name.
//
// Documented, https://www.braze.com/docs/api/api_limits/: the three share
// one budget of 250 requests a minute for broadcast calls (a segment or
// Connected Audience only). For a send to given users the English page
// says 250,000 requests an hour "shared between the endpoints"; the
// localized copies, newer, put such sends in the default pool of 250,000
// an hour that every endpoint not in the table shares.
//
// UNCONFIRMED: which budget a send by user ID draws on, and so which
// budget the X-RateLimit-* headers of its answer describe; the client
// cannot tell a broadcast from the path. Keeping the three apart from the
// default budget is the guess whose error costs least: if sends share the
// default pool, a send after another endpoint spent it collects a 429,
// which is retried (nothing was sent), instead of a send being held for an
// unrelated budget's reset. We are wrong if an answer to a send by ID
// reports the same budget (limit, remaining, reset) as an endpoint of the
// default pool, or a broadcast's 250-a-minute budget.
func sendsBudget() string { return "sends" }

// requestIDHeaders are the response headers that may carry the id of a
// request, for Braze support.
//
// UNCONFIRMED: Braze documents no request-id header; these are common
// names, looked for so that one is reported if present.
func requestIDHeaders() []string {
	return []string{"X-Request-Id", "X-Braze-Request-Id"}
}
