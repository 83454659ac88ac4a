package zendesktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// This file holds every behaviour of the fake that it plays as Zendesk's
// but that no Zendesk reference read while writing it states
// (UNCONFIRMED): a status code, a body, a path, a default, a rule. Each is
// one function, type or value, tested in unconfirmed_test.go with a test
// that names its doubt, so that a correction is one edit. Choices that are
// not guesses about Zendesk (what the fake leaves out, how it orders what
// Zendesk leaves unordered, how lenient it is with what it reads) are
// described beside the code they shape.

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
		return 0, availabilityError(http.StatusBadRequest, "InvalidJSON", "the request body is not valid JSON")
	}
	statusID := int64(body.ID)
	if statusID == 0 {
		statusID = int64(body.AgentStatusID)
	}
	if statusID == 0 && body.Data != nil {
		statusID = int64(body.Data.Attributes.AgentStatusID)
	}
	if statusID == 0 {
		return 0, availabilityError(http.StatusUnprocessableEntity, "InvalidValue", "an agent status id is required")
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

// --- Request errors ---

// errBadBody answers a request body that cannot be read or is not JSON:
// 400 with Zendesk's error envelope
// (https://developer.zendesk.com/api-reference/introduction/requests).
// UNCONFIRMED: the error code "BadRequest"; Zendesk's reference gives no
// answer to a malformed body.
func errBadBody(desc string) *apiError {
	return errBadRequest("BadRequest", desc)
}

// errBadParameter answers a missing or malformed query parameter (ids,
// query): 400 {"error": "InvalidValue", ...}. UNCONFIRMED: the status and
// the code, which Zendesk's references do not give for these parameters.
func errBadParameter(desc string) *apiError {
	return errBadRequest("InvalidValue", desc)
}

// errPagination answers a malformed pagination parameter, and an offset
// page past the first 100, with 400. The 400 past 100 pages is documented
// (https://support.zendesk.com/hc/en-us/articles/5591904358938).
// UNCONFIRMED: the code "InvalidPaginationParameter" and the wording, and
// that a malformed page[size], cursor or page also answers 400.
func errPagination(desc string) error {
	return errBadRequest("InvalidPaginationParameter", desc)
}

// availabilityError is how the agent availability family answers an
// error: a JSON:API error document, the Errors object of Zendesk's OpenAPI
// description, with the status's reason phrase as its title.
// UNCONFIRMED: that these endpoints use that object rather than Zendesk's
// {"error", "description"} envelope, and the codes, which are the fake's
// (NotFound, InvalidFilter, InvalidPaginationParameter, InvalidJSON,
// InvalidValue).
func availabilityError(status int, code, detail string) *apiError {
	return jsonAPIError(status, code, http.StatusText(status), detail)
}

// --- OAuth ---

// oauthError is an error answer of POST /oauth/tokens. UNCONFIRMED: the
// OAuth 2.0 shape {"error": "invalid_client", "error_description": "..."}
// (RFC 6749, section 5.2); Zendesk's token reference
// (https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/)
// shows no error answer.
func oauthError(status int, code, desc string) *apiError {
	return &apiError{status: status, body: map[string]string{"error": code, "error_description": desc}}
}

// parseTokenRequest reads the body of POST /oauth/tokens. Zendesk's token
// reference documents a JSON body. UNCONFIRMED: that Zendesk also takes a
// form-encoded body and client credentials in a Basic Authorization
// header, as RFC 6749 (sections 2.3.1 and 4.4.2) has OAuth 2.0 servers do
// and golang.org/x/oauth2 sends; the fake accepts both.
func parseTokenRequest(r *http.Request, body []byte) (tokenRequest, *apiError) {
	var req tokenRequest
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return req, oauthError(http.StatusBadRequest, "invalid_request", "malformed form body")
		}
		req.GrantType, req.ClientID, req.ClientSecret = form.Get("grant_type"), form.Get("client_id"), form.Get("client_secret")
		req.Scope, req.RefreshToken = form.Get("scope"), form.Get("refresh_token")
		n, _ := strconv.ParseInt(form.Get("expires_in"), 10, 64)
		req.ExpiresIn = flexInt(n)
		n, _ = strconv.ParseInt(form.Get("refresh_token_expires_in"), 10, 64)
		req.RefreshTokenExpiresIn = flexInt(n)
	} else if err := fakeserver.DecodeJSON(body, &req); err != nil {
		return req, oauthError(http.StatusBadRequest, "invalid_request", "the request body must be JSON")
	}
	if user, pass, ok := r.BasicAuth(); ok && req.ClientID == "" {
		req.ClientID, req.ClientSecret = user, pass
	}
	return req, nil
}

// grantIssuesRefreshToken says whether a grant's answer carries a refresh
// token. The refresh_token grant's does
// (https://support.zendesk.com/hc/en-us/articles/9182123625370).
// UNCONFIRMED: that the client_credentials grant's does too; RFC 6749
// (section 4.4.3) says it should not, Zendesk's reference does not say.
func grantIssuesRefreshToken(grantType string) bool {
	return grantType == "refresh_token" || grantType == "client_credentials"
}

// --- Tickets and jobs ---

// errTooManyValues answers a bulk request with more than 100 records (the
// limit of create_many, update_many and destroy_many,
// https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/).
// UNCONFIRMED: the status, code and wording of the answer.
func errTooManyValues() error {
	return errBadRequest("TooManyValues", "You can specify up to 100 records per request")
}

// failedJobItem is the result of a bulk job item that failed: code says
// what failed ("RecordInvalid" for a create, "TicketUpdateFailed" for an
// update, "TicketNotFound" for a ticket that does not exist), err why.
// UNCONFIRMED: Zendesk's job statuses reference
// (https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/)
// shows successful results only; the error and details members and these
// codes are the fake's.
func failedJobItem(id int64, index *int, code string, err error) JobResult {
	details := "Ticket not found"
	if err != nil {
		details = apiErrText(err)
	}
	return JobResult{ID: id, Index: index, Error: code, Details: details}
}

// ticketSubjectOnWire is a ticket's subject (and raw_subject) as the
// ticket's JSON writes it. A ticket created without one has null there
// (importers test for it: https://github.com/zammad/zammad/pull/1249).
// UNCONFIRMED: that an explicit "subject": "" is stored as null too.
func ticketSubjectOnWire(s string) *string { return nonEmpty(s) }

// ticketSubmitter is the submitter of a new ticket: submitter_id when
// given, else the requester when the request names one, else the
// authenticated user. UNCONFIRMED: Zendesk's tickets reference
// (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/)
// says the submitter authors the first comment, not how it defaults.
func ticketSubmitter(in *ticketInput, requester, actor int64) int64 {
	switch {
	case in.SubmitterID.Set && !in.SubmitterID.Null:
		return in.SubmitterID.V
	case in.Requester != nil || (in.RequesterID.Set && !in.RequesterID.Null):
		return requester
	}
	return actor
}

// findRequester looks up the user a ticket's "requester" object names:
// by email only, so that a requester without an email is a new user each
// time. UNCONFIRMED: Zendesk documents creating a requester this way, not
// how it matches an existing one.
func (st *state) findRequester(rq *requesterInput) *User {
	if rq.Email == "" {
		return nil
	}
	return st.userByEmail(rq.Email)
}

// requesterUserFields sets the user_fields a ticket's "requester" object
// carries on the requester, found or created. UNCONFIRMED: Zendesk does not
// document user_fields there; Braze's help article "Zendesk Chat" sends
// them (braze_external_id), so the fake takes them like a user update
// would.
func (st *state) requesterUserFields(u *User, values map[string]any, now time.Time) {
	if len(values) == 0 {
		return
	}
	st.setUserFields(u, values)
	u.UpdatedAt = now
}

// statusAfterComment is a ticket's status after a comment by an agent
// (byAgent) or an end user, when the update sets no status: an agent's
// comment opens a new ticket, an end user's reopens a pending or solved
// one. UNCONFIRMED: Zendesk's API reference does not state these rules,
// which are those of its agent interface.
func statusAfterComment(status string, byAgent bool) string {
	switch {
	case byAgent && status == "new":
		return "open"
	case !byAgent && (status == "pending" || status == "solved"):
		return "open"
	}
	return status
}

// newJobStatus is a job as Zendesk shows it when it is queued and once it
// has run. The two states and the members each has are those of Zendesk's
// examples (https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/).
// UNCONFIRMED: the format of the completed job's message, which follows
// the example ("Completed at Fri Apr 13 02:51:53 +0000 2012").
func newJobStatus(id, url, jobType string, results []JobResult, at time.Time) (queued, done JobStatus) {
	total := len(results)
	done = JobStatus{
		ID: id, URL: url, JobType: jobType, Status: "completed",
		Message: ptr("Completed at " + at.Format(time.RubyDate)), Progress: ptr(total), Total: ptr(total),
		Results: nonNil(results),
	}
	queued = done
	queued.Status, queued.Message, queued.Progress, queued.Results = "queued", nil, nil, nil
	return queued, done
}

// VoiceCommentData is the call data of a voice comment: the voice_comment
// the request sent
// (https://developer.zendesk.com/documentation/ticketing/managing-tickets/adding-voice-comments-to-tickets).
// A member the request left out is absent, never "" or 0 (only voicemail
// tickets must send them all); answered_by_id, transcription_text and
// location are null when not sent. UNCONFIRMED: which members Zendesk
// leaves out and which it writes as null.
type VoiceCommentData struct {
	From              string  `json:"from,omitempty"`
	To                string  `json:"to,omitempty"`
	RecordingURL      string  `json:"recording_url,omitempty"`
	StartedAt         string  `json:"started_at,omitempty"`
	CallDuration      *int64  `json:"call_duration,omitempty"`
	AnsweredByID      *int64  `json:"answered_by_id"`
	TranscriptionText *string `json:"transcription_text"`
	Location          *string `json:"location"`
}

// --- Users, groups, triggers ---

// unknownUserFieldKey is the problem with a user_fields key that names no
// user field, "" when the key is just ignored. UNCONFIRMED: Zendesk's
// users reference does not say; the fake ignores such keys.
func unknownUserFieldKey(string) string { return "" }

// groupDescriptionOnWire is a group's description as its JSON writes it:
// "" when unset, as Zendesk writes the unset description of a user field.
// UNCONFIRMED for groups, whose reference example
// (https://developer.zendesk.com/api-reference/ticketing/groups/groups/)
// has one set.
func groupDescriptionOnWire(d string) any { return d }

// errCategoryNotEmpty answers DELETE of a trigger category that triggers
// still use. UNCONFIRMED: the status (400), code and wording; Zendesk's
// trigger categories reference
// (https://developer.zendesk.com/api-reference/ticketing/business-rules/trigger_categories/)
// does not give them.
func errCategoryNotEmpty() error {
	return errBadRequest("CategoryNotEmpty", "A trigger category with triggers cannot be deleted")
}

// --- Search ---

// errSearchInvalid answers a search the fake refuses (no query, a bad
// filter[type] or page[size], an expired cursor): {"error": "invalid",
// ...}, the envelope of Zendesk's search reference
// (https://developer.zendesk.com/api-reference/ticketing/ticket-management/search/).
// UNCONFIRMED: the status, 400.
func errSearchInvalid(desc string) error {
	return &apiError{status: http.StatusBadRequest, body: errorBody{Error: "invalid", Description: desc}}
}

// errSearchPastCap answers a search page that starts past the 1,000th
// result (the cap is in Zendesk's search reference). UNCONFIRMED: the
// status, 422, and the wording.
func errSearchPastCap() error {
	return &apiError{status: http.StatusUnprocessableEntity, body: errorBody{Error: "invalid", Description: "Invalid search: Requested response size was greater than Search Response Limits"}}
}

// searchPagedTotal is the number of matches that next_page leads through:
// all of them, so that next_page points past the cap, into the 422.
// UNCONFIRMED: what public reports of following next_page into the 422
// suggest; were Zendesk to stop at the cap, this would return
// min(total, searchCap).
func searchPagedTotal(total int) int { return total }

// --- Pagination ---

// cursorNextLink says whether a cursor page has links.next: whenever it
// has records, also on the last page, where has_more is false (the stop
// signal in https://developer.zendesk.com/api-reference/introduction/pagination/);
// following it yields an empty page whose cursors and links are null.
// UNCONFIRMED: that Zendesk keeps links.next on the last page.
func cursorNextLink(records int, hasMore bool) bool { return records > 0 }

// --- Webhooks ---

// TestSigningSecret signs webhook tests of unsaved webhooks: the fixed
// value of the sample of
// https://developer.zendesk.com/documentation/webhooks/verifying/ (base64
// of "this_secret_is_for_testing_only"). UNCONFIRMED: that Zendesk signs
// such tests with it.
const TestSigningSecret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="

// webhookRoutes registers the webhook endpoints whose paths Zendesk's
// webhooks reference
// (https://developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks/)
// was not read to give. UNCONFIRMED: the list path (with
// filter[name_contains] and filter[status]), PATCH on a webhook, and POST
// on its signing_secret to reset it (the reset is documented as a
// capability in https://developer.zendesk.com/api-reference/webhooks/introduction).
func (s *Server) webhookRoutes(r func(string, handler)) {
	r("GET /api/v2/webhooks", s.webhooksList)
	r("PATCH /api/v2/webhooks/{id}", s.webhookUpdate)
	r("POST /api/v2/webhooks/{id}/signing_secret", s.webhookSecretReset)
}

// webhookUpdated answers a webhook update: 204 No Content.
// UNCONFIRMED: what go-zendesk's UpdateWebhook
// (https://github.com/nukosuke/go-zendesk) expects, which returns no
// webhook; the reference's answer was not read.
func webhookUpdated(c *call) error { return c.noContent() }

// webhookTestAnswer is the answer of POST /api/v2/webhooks/test:
// {"response": {"status": N, "headers": [{"key", "value"}], "payload":
// "..."}}. UNCONFIRMED: the shape is the one the zendesk package reads,
// recalled from Zendesk's reference, not read from a stored copy; a status
// of 502 (504 on a timeout) with the error as payload when no answer came
// is the fake's.
func webhookTestAnswer(status int, headers []kv, payload string) map[string]any {
	return map[string]any{"response": map[string]any{"status": status, "headers": nonNil(headers), "payload": payload}}
}

// --- Agent availability ---

// Reasons of an agent's unified status change, from the reason list of
// Zendesk's agent status reference
// (https://developer.zendesk.com/api-reference/agent-availability/agent-availability-api/).
// UNCONFIRMED: which one Zendesk reports when: PUBLIC_API for a change
// through the API, AGENT_STATUS_SWITCHER for one in the agent interface
// ([Server.SetAgentState], [Server.SetAgentStatus]).
const (
	reasonAPI      = "PUBLIC_API"
	reasonSwitcher = "AGENT_STATUS_SWITCHER"
)

type unifiedRef struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

type unifiedChangedEvent struct {
	NewUnifiedState      unifiedRef `json:"new_unified_state"`
	PreviousUnifiedState unifiedRef `json:"previous_unified_state"`
	UpdatedAt            string     `json:"updated_at"`
}

// unifiedStateChanged is the "event" of an agent.unified_state_changed
// event. UNCONFIRMED: the body follows a public test fixture, not
// Zendesk's text
// (https://developer.zendesk.com/api-reference/webhooks/event-types/agent-availability-events/
// names the event only): ids as strings, with each status's name and
// reason.
func unifiedStateChanged(prevID int64, prevName, prevReason string, next UnifiedStatus, reason, stamp string) unifiedChangedEvent {
	return unifiedChangedEvent{
		NewUnifiedState:      unifiedRef{ID: itoa(next.ID), Name: next.Name, Reason: reason},
		PreviousUnifiedState: unifiedRef{ID: itoa(prevID), Name: prevName, Reason: prevReason},
		UpdatedAt:            stamp,
	}
}

// --- Talk ---

// voiceCommentBody is the text of a voice comment: the call details, then
// the location and transcription when given. UNCONFIRMED: the format;
// https://developer.zendesk.com/documentation/ticketing/managing-tickets/adding-voice-comments-to-tickets
// shows the comment in the agent interface, not its body.
func voiceCommentBody(d *VoiceCommentData) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Call from: %s\nCall to: %s\nTime of call: %s\nLength of phone call: %d seconds", d.From, d.To, d.StartedAt, derefInt(d.CallDuration))
	if d.Location != nil {
		fmt.Fprintf(&b, "\nLocation: %s", *d.Location)
	}
	if d.TranscriptionText != nil {
		fmt.Fprintf(&b, "\n\nTranscription:\n%s", *d.TranscriptionText)
	}
	return b.String()
}

// --- Placeholders ---

// replierDate is the {Replier Date} of a rendered comment, the date Braze's
// help article "Zendesk Chat" shows in the comment header.
// UNCONFIRMED: the format, "Jan 2, 2006, 15:04" in UTC; Zendesk uses the
// account's locale and time zone.
func replierDate(at time.Time) string { return at.UTC().Format("Jan 2, 2006, 15:04") }

// displayStatus is how {{ticket.status}}, {{ticket.priority}} and
// {{ticket.ticket_type}} render: capitalized, "hold" as "On-hold", as
// Zendesk's agent interface shows them. UNCONFIRMED: that placeholders
// (https://support.zendesk.com/hc/en-us/articles/4408886858138) render
// them so rather than as the API's values.
func displayStatus(s string) string {
	if s == "hold" {
		return "On-hold"
	}
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// triggerQueryParams reads the body of a trigger's webhook action for a GET
// or DELETE webhook: a JSON list of [key, value] pairs, sent as query
// parameters; anything else sends nothing. UNCONFIRMED: the form Zendesk's
// trigger action takes for such webhooks.
func triggerQueryParams(body string) url.Values {
	var pairs [][]string
	if json.Unmarshal([]byte(body), &pairs) != nil {
		return nil
	}
	q := url.Values{}
	for _, kv := range pairs {
		if len(kv) == 2 {
			q.Add(kv[0], kv[1])
		}
	}
	return q
}

// ticketFieldTypeChange answers an update of a ticket field that asks for
// another type. UNCONFIRMED: the ticket fields reference
// (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_fields/)
// describes no way to change a field's type and Admin Center offers none;
// what the API answers is not stated. The fake refuses with 422
// RecordInvalid, so that a client which tries is seen to.
func ticketFieldTypeChange(from, to string) error {
	return invalidField("type", "Type", "cannot be changed from "+from+" to "+to, "InvalidValue")
}

// errSystemFieldDelete answers DELETE of a system ticket field (subject,
// status, ...). UNCONFIRMED: system fields cannot be deleted in Admin
// Center; the API's answer is not stated. The fake refuses with 422
// RecordInvalid.
func errSystemFieldDelete() error {
	return invalidField("base", "Ticket field", "system fields cannot be deleted", "InvalidValue")
}

// messagingChannel is the via channel of a messaging ticket. UNCONFIRMED:
// the via id Zendesk gives such tickets is not in the notes, so the ticket
// keeps the API's via_id (5) and only its channel and
// from_messaging_channel say where it came from.
const messagingChannel = "native_messaging"
