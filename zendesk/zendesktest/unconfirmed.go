package zendesktest

import (
	"net/http"
	"time"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// This file holds the wire behaviours of the fake that no Zendesk
// reference read while writing it states (UNCONFIRMED), one function or
// value each, tested in unconfirmed_test.go, so that a correction is one
// edit. The choices each file's comment lists (a status transition, the
// order of a search's results) are the fake's own and stay beside the code
// they shape.

const (
	// defaultTokenLifetime is how long an access token from POST
	// /oauth/tokens lives when the request asks for no expires_in.
	// UNCONFIRMED: 30 minutes is the default Zendesk announced for new
	// global OAuth clients
	// (https://support.zendesk.com/hc/en-us/articles/9182123625370 and a
	// later notice summarised by third parties), not one its token
	// reference states.
	defaultTokenLifetime = 30 * time.Minute
	// defaultDeliveryTimeout is how long one webhook delivery attempt may
	// take. UNCONFIRMED: third-party summaries of
	// https://developer.zendesk.com/api-reference/webhooks/introduction say
	// 12 s (one says 10 s).
	defaultDeliveryTimeout = 12 * time.Second
)

// errUnauthorized is the 401 answer. UNCONFIRMED: Zendesk's reference
// gives no 401 body; the wording "Couldn't authenticate you" is seen in
// public test fixtures, and the JSON shape {"error": "Couldn't authenticate
// you"} is this fake's choice.
func errUnauthorized() *apiError {
	return &apiError{status: http.StatusUnauthorized, body: errorBody{Error: "Couldn't authenticate you"}}
}

// errForbidden answers a token whose scopes do not allow the request.
// UNCONFIRMED wording.
func errForbidden() *apiError {
	return &apiError{status: http.StatusForbidden, body: errorBody{Error: "Forbidden", Description: "You do not have access to this page. Please contact the account owner of this help desk for further help."}}
}

// errParameterMissing answers a request without its required envelope
// ("ticket", "user", ...). The body is the one Zendesk answered a public
// client whose POST /api/v2/tickets carried no "ticket"
// (https://gist.github.com/coetry/3d4df0776b858cec0a60818a4e61d8f2):
// {"error": "ParameterMissing", "description": "Parameter ticket is
// required"}. UNCONFIRMED: the status, which that capture does not show
// (400 is what node-zendesk users report for a user field create without
// its envelope, https://github.com/blakmatrix/node-zendesk/issues/336), and
// that every endpoint with an envelope answers the same way.
func errParameterMissing(name string) *apiError {
	return &apiError{status: http.StatusBadRequest, body: errorBody{Error: "ParameterMissing", Description: "Parameter " + name + " is required"}}
}

// zendeskRetryPolicy is Zendesk's webhook retry policy. UNCONFIRMED: the
// "Webhook retries" section of
// https://developer.zendesk.com/api-reference/webhooks/introduction could
// not be read whole; the rules below come from third-party summaries of it
// (https://alboz.eu/insights/master-webhooks-maximize-stability-performance
// and a "test webhooks locally" guide), not from Zendesk's own text:
//
//   - 409 Conflict is retried up to 3 times;
//   - 429 and 503 are retried only when the answer has a Retry-After under
//     60 seconds, after waiting that long (at most 5 times: the bound is
//     this fake's); Retry-After is read as the clients read it
//     (rest.ParseRetryAfter: seconds or an HTTP date, incredible values
//     ignored);
//   - a timeout (no answer within the delivery timeout, 12 s by default) is
//     retried up to 5 times;
//   - any other status or network error is not retried.
//
// The waits before retrying a 409 or a timeout are not documented; the fake
// waits 1 s, 2 s, 4 s, ... (capped at 30 s).
func zendeskRetryPolicy(now func() time.Time) fakeserver.RetryPolicy {
	var conflicts, limited, timeouts int
	backoff := func(n int) time.Duration { return min(30*time.Second, time.Second<<(n-1)) }
	return func(_ int, resp *http.Response, err error) (bool, time.Duration) {
		if err != nil {
			if fakeserver.IsTimeout(err) && timeouts < 5 {
				timeouts++
				return true, backoff(timeouts)
			}
			return false, 0
		}
		switch resp.StatusCode {
		case http.StatusConflict:
			if conflicts < 3 {
				conflicts++
				return true, backoff(conflicts)
			}
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			if d, ok := rest.ParseRetryAfter(resp.Header.Get("Retry-After"), now()); ok && d < time.Minute && limited < 5 {
				limited++
				return true, d
			}
		}
		return false, 0
	}
}

// errUnknownEndpoint answers a path or method the fake does not serve.
// UNCONFIRMED: Zendesk's answer to an unknown endpoint is not documented;
// the fake answers with the documented 404 body
// (https://developer.zendesk.com/api-reference/introduction/requests).
func errUnknownEndpoint() *apiError { return errNotFound() }

// statusUpdateID reads the status id of PUT
// /api/v2/agent_availabilities/agent_statuses/agents/{agent_id}.
// UNCONFIRMED: Zendesk's reference
// (https://developer.zendesk.com/api-reference/agent-availability/unified-agent-status-api/)
// gives the answer, not the request. The fake accepts {"id": N} (what two
// independent public clients send), {"agent_status_id": N} and the JSON:API
// form {"data": {"type": "agent_status", "attributes": {"agent_status_id":
// "N"}}} (an API catalog's); ids may be numbers or strings.
func statusUpdateID(c *call) (int64, error) {
	var body struct {
		ID            flexInt `json:"id"`
		AgentStatusID flexInt `json:"agent_status_id"`
		Data          *struct {
			Type       string `json:"type"`
			Attributes struct {
				AgentStatusID flexInt `json:"agent_status_id"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if err := c.decode(&body); err != nil {
		return 0, jsonAPIError(http.StatusBadRequest, "InvalidJSON", "Bad Request", "the request body is not valid JSON")
	}
	statusID := int64(body.ID)
	if statusID == 0 {
		statusID = int64(body.AgentStatusID)
	}
	if statusID == 0 && body.Data != nil {
		statusID = int64(body.Data.Attributes.AgentStatusID)
	}
	if statusID == 0 {
		return 0, jsonAPIError(http.StatusUnprocessableEntity, "InvalidValue", "Unprocessable Entity", "an agent status id is required")
	}
	return statusID, nil
}

// defaultUnifiedStatuses are the account's default unified statuses.
// Zendesk's reference
// (https://developer.zendesk.com/api-reference/agent-availability/unified-agent-status-api/)
// gives the ids (2 offline, 3 online, 4 away, 5 transfers only), the online
// description and the channel values. UNCONFIRMED: the other descriptions
// and the away mapping (every channel "away") are this fake's choice.
func defaultUnifiedStatuses() []UnifiedStatus {
	all := func(v string) map[string]string {
		return map[string]string{"messaging": v, "support": v, "talk": v}
	}
	return []UnifiedStatus{
		{ID: StatusOffline, Name: "offline", Description: "Can't receive work", Channels: all("offline"), Default: true},
		{ID: StatusOnline, Name: "online", Description: "Can receive work", Channels: all("online"), Default: true},
		{ID: StatusAway, Name: "away", Description: "Can't receive work for a short time", Channels: all("away"), Default: true},
		{ID: StatusTransfersOnly, Name: "transfers_only", Description: "Can only receive transfers", Channels: all("transfers_only"), Default: true},
	}
}
