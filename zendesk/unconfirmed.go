package zendesk

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// This file holds every Zendesk behaviour this package relies on that no
// Zendesk reference read while writing it states (UNCONFIRMED). Each sits
// behind one function, tested in unconfirmed_test.go with a test that names
// the doubt, so that a correction is one edit. Verify against a sandbox
// account before relying on them.

// requestIDHeaders are the response headers read for the id Zendesk gives
// a request, the first present winning.
//
// UNCONFIRMED: Zendesk's API reference does not name the header.
// X-Request-Id is what Zendesk responses are commonly seen to carry;
// X-Zendesk-Request-Id is a guess kept as a fallback.
func requestIDHeaders() []string {
	return []string{"X-Request-Id", "X-Zendesk-Request-Id"}
}

// availabilityQuery encodes the filters of [AvailabilityService.List].
//
// UNCONFIRMED: Zendesk's list of filters for GET
// /api/v2/agent_availabilities was not found
// (https://developer.zendesk.com/api-reference/agent-availability/agent-availability-api/).
// filter[channel_status] and select_channel come from public client code;
// agent_status_id from the Ruby client's documentation
// (ZendeskAPI::AgentAvailability), sent here as filter[agent_status_id].
func availabilityQuery(o *AvailabilityListOptions) url.Values {
	q := url.Values{}
	if o.ChannelStatus != "" {
		q.Set("filter[channel_status]", o.ChannelStatus)
	}
	if o.AgentStatusID != 0 {
		q.Set("filter[agent_status_id]", strconv.FormatInt(o.AgentStatusID, 10))
	}
	if o.SelectChannel != "" {
		q.Set("select_channel", o.SelectChannel)
	}
	if o.PageSize != 0 {
		q.Set("page[size]", strconv.Itoa(o.PageSize))
	}
	if o.After != "" {
		q.Set("page[after]", o.After)
	}
	return q
}

// setAgentStatusBody is the body of PUT
// /api/v2/agent_availabilities/agent_statuses/agents/{id}.
//
// UNCONFIRMED: the reference of the endpoint
// (https://developer.zendesk.com/api-reference/agent-availability/unified-agent-status-api/)
// gives its answer, not its request. Two independent public clients send
// {"id": <status id>}; one API catalog shows a JSON:API body {"data":
// {"type": "agent_status", "attributes": {"agent_status_id": "1"}}}.
func setAgentStatusBody(statusID int64) any {
	return map[string]int64{"id": statusID}
}

// bearerTokenData is the data of a webhook's bearer_token authentication.
//
// UNCONFIRMED: the key name "token" is not in Zendesk's webhooks reference
// (https://developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks/),
// which shows only basic_auth's username and password.
func bearerTokenData(token string) map[string]string {
	return map[string]string{"token": token}
}

// apiKeyData is the data of a webhook's api_key authentication.
//
// UNCONFIRMED: the key names "name" and "value" are seen in public
// integration code only.
func apiKeyData(name, value string) map[string]string {
	return map[string]string{"name": name, "value": value}
}

// webhooksListPath is where the account's webhooks are listed: GET on the
// path where they are created.
//
// UNCONFIRMED: the list endpoint is not in the parts of Zendesk's webhooks
// reference
// (https://developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks/)
// that could be read; GET on the collection's path is how the rest of
// Zendesk's API lists.
func webhooksListPath() string { return "/api/v2/webhooks" }

// WebhookListOptions filter [WebhooksService.List].
//
// UNCONFIRMED: the filter names filter[name_contains] and filter[status]
// and the sort values, like the list endpoint itself (webhooksListPath).
type WebhookListOptions struct {
	// NameContains lists webhooks whose name contains it.
	NameContains string `url:"filter[name_contains],omitempty"`
	// Status lists active or inactive webhooks.
	Status string `url:"filter[status],omitempty"`
	// Sort is name or status, with a leading "-" for descending order.
	Sort string `url:"sort,omitempty"`
	CursorOptions
}

// signingSecretResetPath is where a webhook's signing secret is reset.
//
// UNCONFIRMED: resetting is documented as a capability
// (https://developer.zendesk.com/api-reference/webhooks/introduction); POST
// on the signing_secret path is what third-party specs derived from the
// docs use.
func signingSecretResetPath(id string) string {
	return rest.Pathf("/api/v2/webhooks/%s/signing_secret", id)
}

// webhookTestBody wraps the request of POST /api/v2/webhooks/test.
//
// UNCONFIRMED: the shape {"request": {endpoint, http_method,
// request_format, headers, payload, authentication}} is recalled from
// Zendesk's reference, not read from a stored copy; a third-party spec
// wraps the same fields in "webhook".
func webhookTestBody(t *WebhookTest) any {
	in := *t
	if in.HTTPMethod == "" {
		in.HTTPMethod = http.MethodPost
	}
	if in.RequestFormat == "" {
		in.RequestFormat = "json"
	}
	return struct {
		Request *WebhookTest `json:"request"`
	}{&in}
}

// parseWebhookTestResult reads the answer of POST /api/v2/webhooks/test,
// {"response": {"status", "headers", "payload"}}.
//
// UNCONFIRMED like the request shape; Raw keeps the answer whatever its
// shape.
func parseWebhookTestResult(raw []byte) *WebhookTestResult {
	res := &WebhookTestResult{Raw: raw}
	var out struct {
		Response struct {
			Status  int             `json:"status"`
			Headers json.RawMessage `json:"headers"`
			Payload json.RawMessage `json:"payload"`
		} `json:"response"`
	}
	if json.Unmarshal(raw, &out) != nil {
		return res // empty or an unexpected shape: Raw has it
	}
	res.Status = out.Response.Status
	res.Headers = out.Response.Headers
	if len(out.Response.Payload) > 0 {
		var s string
		if json.Unmarshal(out.Response.Payload, &s) == nil {
			res.Payload = s
		} else {
			res.Payload = string(out.Response.Payload)
		}
	}
	return res
}

// loopGuardCondition is the condition of [LoopGuard]: current_via_id is_not
// "5".
//
// UNCONFIRMED: the field name current_via_id comes from public trigger
// code, not from Zendesk's condition reference (GET
// /api/v2/triggers/definitions lists the real one). Via id 5, web_service,
// is documented
// (https://developer.zendesk.com/documentation/ticketing/reference-guides/via-types).
// Public code sends the value both as "5" and as 5; the string form is
// used, like other condition values.
func loopGuardCondition() Condition {
	return Cond("current_via_id", "is_not", "5")
}

// Job states that Zendesk's job statuses reference
// (https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/)
// does not show.
//
// UNCONFIRMED: its examples show "queued" and "completed" only; these
// three spellings were not read in any Zendesk text.
const (
	JobWorking = "working"
	JobFailed  = "failed"
	JobKilled  = "killed"
)

// jobDone says which job states are final.
//
// UNCONFIRMED: "failed" and "killed" are not in Zendesk's examples, which
// show "queued" and "completed" only; a final state spelt otherwise would
// make [JobStatusesService.Wait] poll until its context ends.
func jobDone(status string) bool {
	switch status {
	case JobCompleted, JobFailed, JobKilled:
		return true
	}
	return false
}
