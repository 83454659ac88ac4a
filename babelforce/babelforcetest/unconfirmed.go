package babelforcetest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// This file holds every behaviour of the fake that babelforce does not
// document (UNCONFIRMED): a status, a body, a header or a default the fake
// has to answer with all the same. Each is one function or value here,
// tested in unconfirmed_test.go by a test that names the doubt, so that a
// correction is one edit. What the fake chooses for itself and babelforce
// does not answer for (it has no telephony, its seeding helpers panic) is
// described beside the code it shapes.
//
// Sources: babelforce's OpenAPI specs,
// static/openapi/{auth,manager,task-automation}.openapi.yaml in
// https://github.com/babelforce/manager-sdk ("the auth spec", "the manager
// spec", "the task-automation spec"); its Go SDK,
// https://github.com/babelforce/manager-sdk-go; its help center article
// "Synching the agent status from Zendesk omnichannel to babelforce"
// (https://help.babelforce.com/hc/en-us/articles/17020396359954-Synching-the-agent-status-from-Zendesk-omnichannel-to-babelforce,
// "the status-sync article").

// --- The token endpoint ---

// DefaultTokenLifetime is the lifetime of a token that was not asked to be
// non-expiring (see [WithTokenLifetime]).
//
// UNCONFIRMED: babelforce documents no token lifetime; the auth spec's
// expires_in is "Lifetime in seconds", and babelforce's Go SDK assumes
// 3600 s when a response has none. The fake issues tokens of that length.
const DefaultTokenLifetime = time.Hour

// asksNonExpiring reports whether a token request asks for a token that
// never expires; its response then has no expires_in (the auth spec:
// "Omitted for non-expiring tokens").
//
// UNCONFIRMED: expires_in=-1 is in the curl of the status-sync article
// only; the auth spec's token request has no such field.
func asksNonExpiring(form url.Values) bool { return form.Get("expires_in") == "-1" }

// clientRefused answers a token request whose client_id the fake does not
// know and reports whether it did: 401 invalid_client for any client_id
// other than [DefaultClientID]. A request without one is accepted.
//
// UNCONFIRMED: babelforce's Go SDK and babelconnect SDK send
// client_id=manager and the help center's curl sends none; whether
// babelforce requires it, which other ids it knows and the status of
// invalid_client (401 here, as RFC 6749 section 5.2 allows) are not
// documented.
func clientRefused(w http.ResponseWriter, clientID string) bool {
	if clientID == "" || clientID == DefaultClientID {
		return false
	}
	oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client_id")
	return true
}

// Why a request was not authenticated.
const (
	noToken = iota
	unknownToken
	expiredToken
)

// writeUnauthorized answers a request whose bearer token is missing
// (noToken), unknown or revoked (unknownToken) or expired (expiredToken).
//
// UNCONFIRMED: babelforce's 401 is not documented. The fake answers as an
// OAuth2 resource server does (RFC 6750): 401, WWW-Authenticate: Bearer,
// and {"error": "invalid_token", "error_description"}, or "unauthorized"
// when no token was sent, on every API path.
func writeUnauthorized(w http.ResponseWriter, why int) {
	switch why {
	case noToken:
		w.Header().Set("WWW-Authenticate", `Bearer realm="babelforce"`)
		oauthError(w, http.StatusUnauthorized, "unauthorized", "Full authentication is required to access this resource")
	case expiredToken:
		w.Header().Set("WWW-Authenticate", `Bearer realm="babelforce", error="invalid_token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_token", "Access token expired")
	default:
		w.Header().Set("WWW-Authenticate", `Bearer realm="babelforce", error="invalid_token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_token", "Invalid access token")
	}
}

// --- Every API path ---

// writeRateLimit writes the rate-limit headers and, over the limit, a 429
// with Retry-After.
//
// UNCONFIRMED: babelforce documents neither its limits nor any rate-limit
// header (PostHog's babelforce source, https://github.com/PostHog/posthog,
// products/warehouse_sources/backend/temporal/data_imports/sources/babelforce/babelforce.py:
// "Rate limits aren't documented publicly"). The fake sends the common
// X-RateLimit-Limit, -Remaining and -Reset (seconds until the window ends,
// rounded up), a Retry-After in whole seconds (at least 1) on the 429, and
// the v2 error body (v2ErrorBody).
func writeRateLimit(w http.ResponseWriter, st fakeserver.LimitState) {
	h := w.Header()
	reset := strconv.Itoa(ceilSeconds(st.ResetIn))
	h.Set("X-RateLimit-Limit", strconv.Itoa(st.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(st.Remaining))
	h.Set("X-RateLimit-Reset", reset)
	if st.Limited {
		h.Set("Retry-After", reset)
		writeJSON(w, http.StatusTooManyRequests, v2ErrorBody("Too Many Requests"))
	}
}

func ceilSeconds(d time.Duration) int {
	return max(int(math.Ceil(d.Seconds())), 1)
}

// v2ErrorBody is the body of a v2 (agents, presences) error.
//
// UNCONFIRMED: the manager spec defines no v2 error schema. The fake
// answers with its only message envelope, DefaultV2MessageResponse
// {"success": false, "message"}, which package babelforce reads as
// babelforce's Go SDK does (its own guess, in its unconfirmed.go).
func v2ErrorBody(message string) map[string]any {
	return map[string]any{"success": false, "message": message}
}

// unknownRoute answers a method and path the fake does not serve.
//
// UNCONFIRMED: babelforce's answer to an unknown endpoint is not
// documented; the fake answers 404 in the error envelope of the path's API
// (apiError), before checking the token.
func unknownRoute(w http.ResponseWriter, r *http.Request) {
	apiError(w, r, http.StatusNotFound, "Not Found", "no route for "+r.Method+" "+r.URL.Path)
}

// splitQuery parses a query string whose pairs are separated by "&" only,
// so that a task filter's ";" (and), often sent unescaped, stays part of
// the filter's value. Go's url.ParseQuery would drop the whole pair
// instead, and the fake would answer every task.
//
// UNCONFIRMED: how babelforce's server splits a query is not documented;
// the fake assumes, as servlet containers do, that only "&" separates
// pairs.
func splitQuery(raw string) (url.Values, error) {
	v := url.Values{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(key)
		if err != nil {
			return nil, err
		}
		val, err := url.QueryUnescape(value)
		if err != nil {
			return nil, err
		}
		v.Add(k, val)
	}
	return v, nil
}

// --- Agents and presences ---

// Pagination defaults of the v2 lists (GET /api/v2/agents): the max when
// none is sent, and the largest max honoured; a larger one is lowered to
// it, not refused.
//
// UNCONFIRMED: the manager spec documents page and max but no default and
// no largest max.
const (
	DefaultMax = 25
	MaxMax     = 100
)

// DefaultAgentPresence is the presence of a new agent, created through the
// API or by [Server.AddAgent] without one: red, so that an agent added to
// the fake takes no calls until someone makes it available.
//
// UNCONFIRMED: the presence babelforce gives a new agent is not
// documented.
const DefaultAgentPresence = "busy"

// unknownPresenceStatus is the answer to a presence change (PUT
// …/agents/{id}/status or PUT …/agents/{id}) naming no presence: a status
// and the start of the message, which the name completes.
//
// UNCONFIRMED: babelforce documents no error for it. The fake answers 400
// with a v2 message, which the babelforce client reports as
// deskbridge.ErrInvalid.
func unknownPresenceStatus() (int, string) {
	return http.StatusBadRequest, "Unknown presence: "
}

// presenceNameFromLabel is the name babelforce gives a presence created
// with a label.
//
// UNCONFIRMED: the manager spec takes a label and returns a presence with a
// name, without saying how one comes from the other. The fake lower-cases
// the label and joins its words with "_" ("In a meeting" → "in_a_meeting",
// "Transfers only" → "transfers_only", like Zendesk's own state names).
func presenceNameFromLabel(label string) string {
	fields := strings.FieldsFunc(strings.ToLower(label), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_'
	})
	return strings.Join(fields, "_")
}

// Statuses of the presence writes that babelforce documents no refusal
// for.
//
// UNCONFIRMED, each: a presence created with a label whose name is in use
// (409), the deletion of a built-in presence, "available" or "busy" (400),
// and the deletion of a presence an agent is in (409).
const (
	presenceExistsStatus = http.StatusConflict
	builtInDeleteStatus  = http.StatusBadRequest
	presenceInUseStatus  = http.StatusConflict
)

// --- Tasks, the Zendesk webhook and its template ---

// DefaultPageSize is the page_size of GET /api/v3/tasks when none is sent.
//
// UNCONFIRMED: the task-automation spec bounds page_size to 1..100
// ([MaxPageSize]) and documents no default.
const DefaultPageSize = 20

// taskBodyID writes an id (of a task, session, customer, agent or queue)
// in a task's JSON.
//
// UNCONFIRMED: babelforce's Go SDK says that babelforce's ids are 32
// lower-case hex characters and that its API does not match the hyphenated
// form (the SDK's ids.go; see this package's ids.go), and the fake writes
// every id so; the status-sync article's extract of a webhook response shows
// the task's id, session_id and customer_id hyphenated. Which form the
// task-automation API writes in its bodies today is not documented.
func taskBodyID(id string) string { return id }

// missingTemplateStatus answers a Zendesk webhook call without templateId.
//
// UNCONFIRMED: the task-automation spec marks templateId required and
// gives a default error response ({error_message, error_detail}), not its
// status; the fake answers 400.
const missingTemplateStatus = http.StatusBadRequest

// webhookTaskType is the type of the task the Zendesk webhook records for
// a template.
//
// UNCONFIRMED: the status-sync article's test response shows
// "webhook.zendesk.agent_status" for its template; the type of a task
// started with another template is not documented, and the fake gives
// every one that type.
func webhookTaskType(template string) string { return ZendeskTaskType }

// statusTemplateInput reads, from a Zendesk event the webhook received, what
// the status-sync article's template acts on: the agent (detail.agent_id,
// the babelforce agent's sourceId) and the Zendesk state it changed to
// (event.new_state, as the template's body {"presence": {"name":
// "{{{task.body.event.new_state}}}"}} reads it).
//
// UNCONFIRMED: the article subscribes the webhook to "Agent unified status
// changed", whose events have no new_state; what the template does with
// them is not documented. The fake reads the unified status's name,
// event.new_unified_state.name, instead.
func statusTemplateInput(body json.RawMessage) (sourceID, state string) {
	sourceID = jsonString(body, "detail", "agent_id")
	state = jsonString(body, "event", "new_state")
	if state == "" {
		state = jsonString(body, "event", "new_unified_state", "name")
	}
	return sourceID, state
}

// statusTemplatePresence maps a Zendesk agent state to the presence the
// status-sync article's template sets.
//
// UNCONFIRMED: the template's mapping table is an image in the article.
// Its text says that babelforce has no green presence but "available" and
// that the same red statuses must exist in babelforce; the template body
// sets {"presence": {"name": new_state}}. So: "online" (any case) →
// "available"; any other state → the presence of that name, else of the
// name a label would give (presenceNameFromLabel: "Transfers only" →
// "transfers_only").
func (s *Server) statusTemplatePresence(state string) string {
	if strings.EqualFold(strings.TrimSpace(state), "online") {
		return "available"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.presenceLocked(state) != nil {
		return state
	}
	return presenceNameFromLabel(state)
}

// --- The task filter (filter.go) ---

// maxFilterLen is the longest filter the fake parses; a longer one gets a
// 400.
//
// UNCONFIRMED: babelforce's limit is not documented.
const maxFilterLen = 4096

// checkFilterState refuses a value of the state field that is no task
// state, with the error that the 400's error_detail shows.
//
// UNCONFIRMED: what babelforce answers to a state that is no task state,
// such as "state==active", the example of the task-automation guide
// (docs/guides/task-automations.md in https://github.com/babelforce/manager-sdk),
// is not documented. The fake refuses it rather than answer 200 with no
// records, so that a filter that cannot match shows.
func checkFilterState(v string) error {
	if !slices.ContainsFunc(taskStates, func(s string) bool { return filterFold(s) == filterFold(v) }) {
		return fmt.Errorf("unknown state %q (the states are %s)", v, strings.Join(taskStates, ", "))
	}
	return nil
}

// filterFold is the form in which the filter compares field names,
// keywords ("and", "or"), operators and values.
//
// UNCONFIRMED: whether babelforce's filter is case-sensitive is not
// documented. The fake's is: filterFold changes nothing, so "State==x",
// "state==scheduled" and "… AND …" are refused or do not match.
func filterFold(s string) string { return s }

// absentFieldMatches reports whether a comparison with operator op matches
// a task that has no value for the field (a task without agent_id or
// queue_id).
//
// UNCONFIRMED: how babelforce compares a field a task does not have is not
// documented. The fake compares it as "": "agent_id!=x" and
// "agent_id=out=(x)" match a task without agent, "==" and "=in=" do not
// (a filter's values are never empty).
func absentFieldMatches(op string) bool { return op == "!=" || op == "=out=" }

// --- The secrets vault ---

// secretsWriteReplaces reports whether a write of a prefix's secrets with
// method replaces the keys the body does not name, rather than keeping
// them. PATCH adds keys and keeps the others, as the task-automation spec
// says.
//
// UNCONFIRMED: whether POST replaces or merges is not documented; the fake
// replaces.
func secretsWriteReplaces(method string) bool { return method == http.MethodPost }
